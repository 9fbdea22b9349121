//! A push as plain data: what the plan decided for each entity, what happened to it, and the
//! counts. The port side makes and sends these; the app and the views only read them.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One field that would change. `None` means "unset" (absent or null) on that side.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// "title", "icon", "team", "properties.<id>" or "relations.<id>".
    pub field: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Create,
    Update(Vec<FieldChange>),
    Unchanged,
    /// Not sent: what is wrong with it.
    Invalid(Vec<String>),
    /// Not sent: relation targets that do not exist in Port.
    Dangling(Vec<String>),
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Create => "create",
            Verdict::Update(_) => "update",
            Verdict::Unchanged => "unchanged",
            Verdict::Invalid(_) => "invalid",
            Verdict::Dangling(_) => "dangling",
        }
    }

    pub fn from_label(label: &str, reasons: Vec<String>) -> Verdict {
        match label {
            "create" => Verdict::Create,
            "update" => Verdict::Update(Vec::new()),
            "unchanged" => Verdict::Unchanged,
            "dangling" => Verdict::Dangling(reasons),
            _ => Verdict::Invalid(reasons),
        }
    }

    pub fn reasons(&self) -> &[String] {
        match self {
            Verdict::Invalid(r) | Verdict::Dangling(r) => r,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub repo: String,
    /// Empty when the mapping produced no usable identifier.
    pub identifier: String,
    /// The body that would be sent (the draft without its `blueprint`, which the URL carries).
    pub entity: Option<Value>,
    pub verdict: Verdict,
    /// Relation targets Port will create (with `create_missing_related_entities`).
    pub creates: Vec<String>,
}

impl Entry {
    /// Whether a push sends it: creates and updates, unchanged ones only when asked.
    pub fn sendable(&self, include_unchanged: bool) -> bool {
        match self.verdict {
            Verdict::Create | Verdict::Update(_) => true,
            Verdict::Unchanged => include_unchanged,
            Verdict::Invalid(_) | Verdict::Dangling(_) => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PushPlan {
    pub blueprint: String,
    pub create_missing_related: bool,
    pub entries: Vec<Entry>,
}

/// Counts of a plan, for the confirmation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlanCounts {
    pub create: usize,
    pub update: usize,
    pub unchanged: usize,
    pub invalid: usize,
    pub dangling: usize,
}

impl PushPlan {
    pub fn counts(&self) -> PlanCounts {
        let mut c = PlanCounts::default();
        for e in &self.entries {
            match e.verdict {
                Verdict::Create => c.create += 1,
                Verdict::Update(_) => c.update += 1,
                Verdict::Unchanged => c.unchanged += 1,
                Verdict::Invalid(_) => c.invalid += 1,
                Verdict::Dangling(_) => c.dangling += 1,
            }
        }
        c
    }

    /// How many entries a push would send.
    pub fn to_send(&self, include_unchanged: bool) -> usize {
        self.entries
            .iter()
            .filter(|e| e.sendable(include_unchanged))
            .count()
    }
}

/// Final counts of a push; every entry is in exactly one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub total: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub refused: usize,
    pub not_attempted: usize,
    /// Sent, but Port's answer never came and reading back could not tell.
    pub unknown: usize,
}

impl Counts {
    /// Every entry in exactly one count; no outcome yet counts as not attempted.
    pub fn of(outcomes: &[Option<Outcome>]) -> Counts {
        let mut c = Counts {
            total: outcomes.len(),
            ..Counts::default()
        };
        for o in outcomes {
            match o {
                Some(Outcome::Created) => c.created += 1,
                Some(Outcome::Updated) => c.updated += 1,
                Some(Outcome::Unchanged) => c.unchanged += 1,
                Some(Outcome::Failed { .. }) => c.failed += 1,
                Some(Outcome::Refused { .. }) => c.refused += 1,
                Some(Outcome::NotAttempted { .. }) | None => c.not_attempted += 1,
                Some(Outcome::Unknown { .. }) => c.unknown += 1,
            }
        }
        c
    }

    /// Entities a retry or a resume would send again: failed, never sent, or unanswered.
    pub fn did_not_land(&self) -> usize {
        self.failed + self.not_attempted + self.unknown
    }

    pub fn ok(&self) -> bool {
        self.failed == 0 && self.refused == 0 && self.not_attempted == 0 && self.unknown == 0
    }
}

/// What happened to one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum Outcome {
    Created,
    Updated,
    /// Port already holds the same values; not sent.
    Unchanged,
    /// Port or the network refused it; `status` 0 when no HTTP answer applied.
    Failed {
        status: u16,
        error: String,
        message: String,
    },
    /// Not sent because of the plan: invalid, dangling relation, duplicate identifier.
    Refused {
        reason: String,
    },
    /// The push stopped before this entity was sent (or before its batch answered).
    NotAttempted {
        reason: String,
    },
    /// Sent, and no answer came: it may have landed. Reading it back from Port settles it;
    /// until then it is neither created nor failed.
    Unknown {
        reason: String,
    },
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Failed { .. } => "failed",
            Outcome::Refused { .. } => "refused",
            Outcome::NotAttempted { .. } => "not attempted",
            Outcome::Unknown { .. } => "unknown",
        }
    }

    /// The word in JSON reports, as the journal spells it (`notAttempted`).
    pub fn key(&self) -> &'static str {
        match self {
            Outcome::NotAttempted { .. } => "notAttempted",
            other => other.label(),
        }
    }

    /// Whether `R` or `--resume` sends it again when asked: anything sent that did not land
    /// (the user may have fixed the cause, e.g. created a missing service).
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Outcome::Failed { .. } | Outcome::NotAttempted { .. } | Outcome::Unknown { .. }
        )
    }

    /// Whether the push is unfinished because of it: never answered, or a failure that a
    /// later attempt may cure by itself (network, throttling, Port's own errors). A 4xx
    /// rejection stays failed until something changes, so it does not keep a push "unfinished".
    pub fn unfinished(&self) -> bool {
        match self {
            Outcome::NotAttempted { .. } | Outcome::Unknown { .. } => true,
            Outcome::Failed { status, .. } => matches!(status, 0 | 408 | 429 | 500..),
            _ => false,
        }
    }

    pub fn detail(&self) -> Option<String> {
        match self {
            Outcome::Failed {
                status,
                error,
                message,
            } => Some(match status {
                0 => message.clone(),
                _ => format!("HTTP {status} {error}: {message}"),
            }),
            Outcome::Refused { reason }
            | Outcome::NotAttempted { reason }
            | Outcome::Unknown { reason } => Some(reason.clone()),
            _ => None,
        }
    }
}

/// What a push run (or a retry) ended with.
#[derive(Debug, Clone)]
pub struct Finished {
    /// Every entry's outcome, in plan order.
    pub outcomes: Vec<Option<Outcome>>,
    pub journal: PathBuf,
    /// Set when the journal could not be written: the outcomes above are complete, but a
    /// cut-off now could not be resumed from the file.
    pub problem: Option<String>,
}

impl Counts {
    /// `N entities: 3 created · 0 updated · …`, every count, so a report always reads the same;
    /// entities whose fate is unknown are named only when there are some.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "{}: {} created · {} updated · {} unchanged · {} failed · {} refused · {} not attempted",
            entities(self.total),
            self.created,
            self.updated,
            self.unchanged,
            self.failed,
            self.refused,
            self.not_attempted
        );
        if self.unknown > 0 {
            line.push_str(&format!(" · {} unknown", self.unknown));
        }
        line
    }
}

/// `1 entity`, `2 entities`.
pub fn entities(n: usize) -> String {
    match n {
        1 => "1 entity".to_owned(),
        n => format!("{n} entities"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_only_what_happened() {
        let counts = Counts {
            total: 48,
            created: 28,
            refused: 20,
            ..Counts::default()
        };
        assert_eq!(
            counts.summary(),
            "48 entities: 28 created · 0 updated · 0 unchanged · 0 failed · 20 refused · 0 not attempted"
        );
        assert_eq!(entities(1), "1 entity");
    }
}
