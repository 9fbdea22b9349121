//! A push: the plan (validation, relation targets, diff) made before any write, and the sending
//! of what the plan allows, with every entity's outcome journaled as it happens.

mod planning;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;
use serde_json::Value;

use super::catalog::Catalog;
use super::diff::{self, Change};
use super::journal::{self, Journal, JournalError, Line, Outcome};
use super::{BulkItem, PortError};
use crate::model::entity::Entity;
pub use crate::model::push::{Counts, Entry, PlanCounts, PushPlan, Verdict};
use crate::model::time::format_rfc3339;
pub use planning::{Lookups, decide, plan};

/// Bulk requests in flight at once: Port's limits are per organization, and a few keep the
/// latency hidden without bursting into 429s.
pub const DEFAULT_IN_FLIGHT: usize = 8;

/// One selected repository and what the mapping made of it.
#[derive(Debug, Clone)]
pub struct Draft {
    /// `name (region)`, for messages.
    pub repo: String,
    /// The entity, or why the mapping produced none.
    pub entity: Result<Value, String>,
}

/// One bulk request of a push, as `--dry-run` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// `/v1/blueprints/{id}/entities/bulk?upsert=true&merge=true…`
    pub path: String,
    pub body: Value,
}

/// What a push of a plan would send: its requests, and the entities refused before sending.
#[derive(Debug, Clone, PartialEq)]
pub struct DryRun {
    pub requests: Vec<Request>,
    /// `name (region)` and why.
    pub refused: Vec<(String, String)>,
}

/// The requests a push of `plan` sends, split by the batcher `Push::send` uses.
pub fn requests(plan: &PushPlan, include_unchanged: bool) -> Result<DryRun, PortError> {
    let sent: Vec<&Entry> = plan
        .entries
        .iter()
        .filter(|e| e.sendable(include_unchanged))
        .collect();
    let bodies: Vec<Value> = sent
        .iter()
        .map(|e| e.entity.clone().unwrap_or(Value::Null))
        .collect();
    let batches = super::bulk::batches(&bodies)?;
    let query: Vec<String> = super::bulk::bulk_query(plan.create_missing_related)
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let path = format!(
        "/v1/blueprints/{}/entities/bulk?{}",
        plan.blueprint,
        query.join("&")
    );
    let requests = batches
        .requests
        .into_iter()
        .map(|range| Request {
            path: path.clone(),
            body: serde_json::json!({ "entities": bodies[range].to_vec() }),
        })
        .collect();
    let refused = batches
        .refused
        .into_iter()
        .map(|(k, why)| (sent[k].repo.clone(), why))
        .collect();
    Ok(DryRun { requests, refused })
}

/// A push in progress: the plan, each entry's outcome so far, and its journal.
pub struct Push {
    pub plan: PushPlan,
    pub outcomes: Vec<Option<Outcome>>,
    journal: Journal,
}

fn stamp(now: i64) -> String {
    format_rfc3339(now).replace(['-', ':'], "")
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Push {
    /// Opens a journal in `dir` and records the plan and every outcome already decided
    /// (refused, unchanged-and-not-sent) before anything is sent.
    pub fn start(
        plan: PushPlan,
        include_unchanged: bool,
        target: &str,
        dir: &Path,
    ) -> Result<Push, JournalError> {
        let now = now_secs();
        let mut journal = Journal::create(dir, &stamp(now))?;
        journal.write(&Line::Push {
            version: 1,
            blueprint: plan.blueprint.clone(),
            target: target.to_owned(),
            create_missing_related: plan.create_missing_related,
            started: format_rfc3339(now),
        })?;
        let mut outcomes = Vec::with_capacity(plan.entries.len());
        for (n, e) in plan.entries.iter().enumerate() {
            journal.write(&Line::Entry {
                n,
                repo: e.repo.clone(),
                identifier: e.identifier.clone(),
                plan: e.verdict.label().to_owned(),
                reasons: e.verdict.reasons().to_vec(),
                entity: e.entity.clone().filter(|_| e.sendable(true)),
            })?;
            outcomes.push(decided(e, include_unchanged));
        }
        for (n, o) in outcomes.iter().enumerate() {
            if let Some(outcome) = o {
                journal.write(&Line::Outcome {
                    n,
                    outcome: outcome.clone(),
                })?;
            }
        }
        journal.sync()?;
        Ok(Push {
            plan,
            outcomes,
            journal,
        })
    }

    /// Picks up a journal: entries whose outcome is missing, failed or not attempted are
    /// pending again.
    pub fn resume(path: &Path) -> Result<Push, JournalError> {
        let lines = journal::read(path)?;
        let mut plan = PushPlan {
            blueprint: String::new(),
            create_missing_related: false,
            entries: Vec::new(),
        };
        let mut outcomes: Vec<Option<Outcome>> = Vec::new();
        for (index, line) in lines.into_iter().enumerate() {
            match line {
                Line::Push {
                    blueprint,
                    create_missing_related,
                    ..
                } => {
                    plan.blueprint = blueprint;
                    plan.create_missing_related = create_missing_related;
                }
                Line::Entry {
                    n,
                    repo,
                    identifier,
                    plan: label,
                    reasons,
                    entity,
                } => {
                    if n != plan.entries.len() {
                        return Err(JournalError::Corrupt {
                            path: path.to_owned(),
                            line: index + 1,
                            message: format!("entry {n} out of order"),
                        });
                    }
                    plan.entries.push(Entry {
                        repo,
                        identifier,
                        entity,
                        verdict: Verdict::from_label(&label, reasons),
                        creates: Vec::new(),
                    });
                    outcomes.push(None);
                }
                Line::Outcome { n, outcome } => {
                    if let Some(slot) = outcomes.get_mut(n) {
                        *slot = Some(outcome);
                    }
                }
                Line::Resume { .. } | Line::End { .. } => {}
            }
        }
        let mut journal = Journal::reopen(path)?;
        journal.write(&Line::Resume {
            at: format_rfc3339(now_secs()),
        })?;
        Ok(Push {
            plan,
            outcomes,
            journal,
        })
    }

    pub fn journal_path(&self) -> &Path {
        self.journal.path()
    }

    /// Entries a send would (re)try: a body and no outcome yet, or failed / not attempted.
    /// Whatever the plan does not send already has its outcome (refused, unchanged) from
    /// `start`, so this holds for a resumed journal too, whatever its options were.
    pub fn pending(&self) -> Vec<usize> {
        (0..self.plan.entries.len())
            .filter(|&i| {
                self.plan.entries[i].entity.is_some()
                    && self.outcomes[i].as_ref().is_none_or(Outcome::retryable)
            })
            .collect()
    }

    pub fn counts(&self) -> Counts {
        Counts::of(&self.outcomes)
    }

    /// Keeps the outcome in memory first, so a journal that cannot be written loses nothing
    /// the report needs.
    fn record(&mut self, n: usize, outcome: Outcome) -> Result<(), JournalError> {
        self.outcomes[n] = Some(outcome.clone());
        self.journal.write(&Line::Outcome { n, outcome })
    }

    /// Sends `which` (entry indexes) in bulk batches of ≤ 20 entities and ≤ 1 MiB, `in_flight`
    /// at a time, journaling each outcome as its batch answers. When `stop` is set (Ctrl-C, or
    /// an error that will fail every request: network, credentials, rate limit), no further
    /// batch starts and the unsent entries are recorded as not attempted.
    pub async fn send(
        &mut self,
        catalog: &dyn Catalog,
        which: &[usize],
        in_flight: usize,
        stop: &AtomicBool,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<(), JournalError> {
        let bodies: Vec<Value> = which
            .iter()
            .map(|&n| self.plan.entries[n].entity.clone().unwrap_or(Value::Null))
            .collect();
        let mut journal_error: Option<JournalError> = None;
        let batches = match super::bulk::batches(&bodies) {
            Ok(b) => b,
            Err(e) => {
                // An entity that cannot even be encoded: nothing of this send goes out.
                for &n in which {
                    let refused = Outcome::Refused {
                        reason: e.to_string(),
                    };
                    if let Err(e) = self.record(n, refused) {
                        journal_error.get_or_insert(e);
                    }
                }
                return journal_error.map_or(Ok(()), Err);
            }
        };
        for (k, reason) in &batches.refused {
            let refused = Outcome::Refused {
                reason: reason.clone(),
            };
            if let Err(e) = self.record(which[*k], refused) {
                journal_error.get_or_insert(e);
            }
        }
        let total = which.len();
        let mut done = batches.refused.len();
        progress(done, total);
        let blueprint = self.plan.blueprint.clone();
        let create_missing = self.plan.create_missing_related;
        let jobs: Vec<(Vec<usize>, Vec<Value>)> = batches
            .requests
            .into_iter()
            .map(|range| (which[range.clone()].to_vec(), bodies[range].to_vec()))
            .collect();
        // Futures made up front (not in a stream `map`), so this future is `Send` for the
        // TUI's spawned task (rust-lang/rust#102211).
        let requests: Vec<_> = jobs
            .iter()
            .map(|(entries, sent)| {
                let blueprint = blueprint.as_str();
                async move {
                    if stop.load(Ordering::SeqCst) {
                        return (entries, None);
                    }
                    let result = catalog.bulk_upsert(blueprint, sent, create_missing).await;
                    if let Err(e) = &result
                        && stops_the_push(e)
                    {
                        stop.store(true, Ordering::SeqCst);
                    }
                    (entries, Some(result))
                }
            })
            .collect();
        let mut answers = futures::stream::iter(requests).buffer_unordered(in_flight.max(1));
        let mut stopped_by: Option<String> = None;
        while let Some((entries, result)) = answers.next().await {
            let outcomes: Vec<Outcome> = match result {
                Some(Ok(bulk)) => bulk.items.into_iter().map(outcome_of).collect(),
                Some(Err(e)) => {
                    let message = e.to_string();
                    if stops_the_push(&e) {
                        stopped_by.get_or_insert_with(|| message.clone());
                    }
                    tracing::warn!(error = %message, entities = entries.len(), "bulk upsert failed");
                    let outcome = match e {
                        // The request went out and no answer came back: Port may hold them.
                        PortError::Network(_) => Outcome::Unknown {
                            reason: format!("sent, no answer from Port: {message}"),
                        },
                        _ => Outcome::Failed {
                            status: status_of(&e),
                            error: "request_failed".into(),
                            message,
                        },
                    };
                    vec![outcome; entries.len()]
                }
                None => {
                    let reason = match &stopped_by {
                        Some(why) => format!("not sent: the push stopped after: {why}"),
                        None => "not sent: the push was interrupted".to_owned(),
                    };
                    vec![Outcome::NotAttempted { reason }; entries.len()]
                }
            };
            for (&n, outcome) in entries.iter().zip(outcomes) {
                // Sent with `u` though Port held the same values: Port answers "updated",
                // yet nothing changed.
                let outcome = match (outcome, &self.plan.entries[n].verdict) {
                    (Outcome::Updated, Verdict::Unchanged) => Outcome::Unchanged,
                    (outcome, _) => outcome,
                };
                if let Err(e) = self.record(n, outcome) {
                    // Without a journal a cut-off could not be resumed: start nothing more,
                    // but keep every answer of the batches already out.
                    if journal_error.is_none() {
                        stopped_by = Some(e.to_string());
                        stop.store(true, Ordering::SeqCst);
                    }
                    journal_error.get_or_insert(e);
                }
            }
            done += entries.len();
            progress(done, total);
        }
        match journal_error {
            Some(e) => Err(e),
            None => self.journal.sync(),
        }
    }

    /// Settles every `Unknown` outcome by reading those entities back from Port (one search):
    /// one that holds what was sent landed; one that is absent did not, and is failed (a resume
    /// sends it again). If Port cannot be read either, they stay unknown.
    pub async fn resolve_unknown(&mut self, catalog: &dyn Catalog) -> Result<(), JournalError> {
        let unknown: Vec<usize> = (0..self.outcomes.len())
            .filter(|&n| matches!(self.outcomes[n], Some(Outcome::Unknown { .. })))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = unknown
            .iter()
            .map(|&n| self.plan.entries[n].identifier.clone())
            .collect();
        let found = match catalog.entities(&self.plan.blueprint, &ids).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, entities = unknown.len(), "cannot read back unanswered entities");
                return Ok(());
            }
        };
        let held: BTreeMap<String, Entity> = found
            .iter()
            .filter_map(|v| Entity::from_json(v).ok())
            .map(|e| (e.identifier.clone(), e))
            .collect();
        for n in unknown {
            let entry = &self.plan.entries[n];
            let sent = entry
                .entity
                .as_ref()
                .and_then(|b| Entity::from_json(b).ok());
            let outcome = match (sent, held.get(&entry.identifier)) {
                (Some(sent), Some(held)) if diff::diff(&sent, Some(held)) == Change::Unchanged => {
                    match entry.verdict {
                        Verdict::Update(_) => Outcome::Updated,
                        Verdict::Unchanged => Outcome::Unchanged,
                        _ => Outcome::Created,
                    }
                }
                (_, Some(_)) => Outcome::Failed {
                    status: 0,
                    error: "no_answer".into(),
                    message: "sent without an answer; Port holds other values than were sent"
                        .into(),
                },
                (_, None) => Outcome::Failed {
                    status: 0,
                    error: "no_answer".into(),
                    message: "sent without an answer, and Port does not hold it".into(),
                },
            };
            self.record(n, outcome)?;
        }
        Ok(())
    }

    /// Marks the end of this run in the journal (a resume starts a new run in the same file).
    pub fn finish(&mut self) -> Result<PathBuf, JournalError> {
        self.journal.write(&Line::End {
            at: format_rfc3339(now_secs()),
        })?;
        self.journal.sync()?;
        Ok(self.journal.path().to_owned())
    }
}

/// Outcomes known from the plan alone.
fn decided(e: &Entry, include_unchanged: bool) -> Option<Outcome> {
    match &e.verdict {
        Verdict::Invalid(r) | Verdict::Dangling(r) => Some(Outcome::Refused {
            reason: r.join("; "),
        }),
        Verdict::Unchanged if !include_unchanged => Some(Outcome::Unchanged),
        _ => None,
    }
}

fn outcome_of(item: BulkItem) -> Outcome {
    match item {
        BulkItem::Created { .. } => Outcome::Created,
        BulkItem::Updated { .. } => Outcome::Updated,
        BulkItem::Failed {
            status,
            error,
            message,
            ..
        } => Outcome::Failed {
            status,
            error,
            message,
        },
    }
}

/// Errors after which every further request would fail the same way.
fn stops_the_push(e: &PortError) -> bool {
    matches!(
        e,
        PortError::Network(_)
            | PortError::Auth { .. }
            | PortError::RateLimited { .. }
            | PortError::Config(_)
            | PortError::ReadOnly
    )
}

fn status_of(e: &PortError) -> u16 {
    match e {
        PortError::Auth { status, .. }
        | PortError::Rejected { status, .. }
        | PortError::Server { status, .. } => *status,
        PortError::RateLimited { .. } => 429,
        PortError::NotFound { .. } => 404,
        _ => 0,
    }
}

/// Journals looked at for an unfinished push: the newest few, so a long history costs nothing.
const RECENT_JOURNALS: usize = 10;

/// The newest of the recent journals in `dir` that still has entities to send (never
/// answered, or failed on the network, throttling or Port's side).
pub fn latest_unfinished(dir: &Path) -> Option<(PathBuf, usize)> {
    journal::list(dir)
        .into_iter()
        .take(RECENT_JOURNALS)
        .find_map(|path| {
            let left = summary(&path).ok()?.unfinished;
            (left > 0).then_some((path, left))
        })
}

/// What a journal says, read without reopening it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Where its entities went (`Catalog::describe`).
    pub target: String,
    pub blueprint: String,
    /// Entities a resume would send: never answered, failed, or not attempted.
    pub resendable: usize,
    /// Of those, the ones not answered or failed in a way a later attempt may cure.
    pub unfinished: usize,
}

/// Reads the journal at `path` and counts what is left.
pub fn summary(path: &Path) -> Result<Summary, JournalError> {
    let mut summary = Summary {
        target: String::new(),
        blueprint: String::new(),
        resendable: 0,
        unfinished: 0,
    };
    // Per entry: (resendable, unfinished) after its latest line.
    let mut left: BTreeMap<usize, (bool, bool)> = BTreeMap::new();
    for line in journal::read(path)? {
        match line {
            Line::Push {
                target, blueprint, ..
            } => {
                summary.target = target;
                summary.blueprint = blueprint;
            }
            Line::Entry { n, entity, .. } => {
                left.insert(n, (entity.is_some(), entity.is_some()));
            }
            Line::Outcome { n, outcome } => {
                left.insert(n, (outcome.retryable(), outcome.unfinished()));
            }
            _ => {}
        }
    }
    summary.resendable = left.values().filter(|(r, _)| *r).count();
    summary.unfinished = left.values().filter(|(_, u)| *u).count();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::planning::tests::draft;
    use super::*;
    use crate::model::blueprint::Blueprint;
    use crate::port::blueprint::{self, DEFAULT_BLUEPRINT};
    use crate::port::demo::DemoCatalog;
    use serde_json::json;
    use std::time::Duration;

    async fn ready_demo() -> (DemoCatalog, Blueprint) {
        let demo = DemoCatalog::new().with_latency(Duration::ZERO);
        let report = blueprint::check(&demo, DEFAULT_BLUEPRINT).await.unwrap();
        blueprint::apply(&demo, &report.steps()).await.unwrap();
        let bp = demo.blueprint(DEFAULT_BLUEPRINT).await.unwrap().unwrap();
        (demo, Blueprint::from_json(&bp).unwrap())
    }

    #[tokio::test]
    async fn plan_sorts_every_draft_and_push_accounts_for_all() {
        let (demo, bp) = ready_demo().await;
        let mut drafts = vec![
            draft("a", Some("orders")),
            draft("b", Some("no-such-service")),
            draft("c", None),
            Draft {
                repo: "d (eu-west-1)".into(),
                entity: Err("identifier: error: boom".into()),
            },
            draft("e", Some("orders")),
        ];
        let mut dup = draft("a", Some("orders"));
        dup.repo = "a (us-east-1)".into();
        drafts.push(dup);
        let mut bad = draft("f", Some("orders"));
        bad.entity.as_mut().unwrap()["properties"]["tags"] = json!("not an array");
        drafts.push(bad);
        // e already exists with other values, so it is an update.
        demo.bulk_upsert(
            "ecr_repository",
            &[json!({"identifier": "e", "title": "old"})],
            false,
        )
        .await
        .unwrap();
        let plan = plan(&demo, DEFAULT_BLUEPRINT, &bp, drafts, false)
            .await
            .unwrap();
        let labels: Vec<&str> = plan.entries.iter().map(|e| e.verdict.label()).collect();
        assert_eq!(
            labels,
            [
                "invalid", "dangling", "create", "invalid", "update", "invalid", "invalid"
            ]
        );
        assert!(plan.entries[0].verdict.reasons()[0].contains("a (us-east-1)"));
        assert!(plan.entries[1].verdict.reasons()[0].contains("no-such-service"));
        assert!(plan.entries[6].verdict.reasons()[0].contains("properties.tags"));
        let dir = tempfile::tempdir().unwrap();
        let mut push = Push::start(plan, false, "demo", dir.path()).unwrap();
        let pending = push.pending();
        assert_eq!(pending, [2, 4]);
        let stop = AtomicBool::new(false);
        let mut seen = Vec::new();
        push.send(&demo, &pending, 2, &stop, |d, t| seen.push((d, t)))
            .await
            .unwrap();
        assert_eq!(seen.last(), Some(&(2, 2)));
        let c = push.counts();
        assert_eq!((c.total, c.created, c.updated, c.refused), (7, 1, 1, 5));
        assert!(!c.ok());
        // The journal alone tells the same story.
        let path = push.finish().unwrap();
        let again = Push::resume(&path).unwrap();
        assert_eq!(again.counts(), c);
        assert!(again.pending().is_empty());
    }

    #[tokio::test]
    async fn an_interrupted_push_resumes_from_its_journal() {
        let (demo, bp) = ready_demo().await;
        let drafts: Vec<Draft> = (0..45)
            .map(|i| draft(&format!("r{i:02}"), Some("orders")))
            .collect();
        let plan = plan(&demo, DEFAULT_BLUEPRINT, &bp, drafts, false)
            .await
            .unwrap();
        assert_eq!(plan.counts().create, 45);
        let dir = tempfile::tempdir().unwrap();
        let mut push = Push::start(plan, false, "demo", dir.path()).unwrap();
        let pending = push.pending();
        // Stopped after the first batch answered, as Ctrl-C would.
        let stop = AtomicBool::new(false);
        push.send(&demo, &pending, 1, &stop, |done, _| {
            if done >= 20 {
                stop.store(true, Ordering::SeqCst)
            }
        })
        .await
        .unwrap();
        let c = push.counts();
        assert_eq!((c.created, c.not_attempted), (20, 25));
        let path = push.journal_path().to_owned();
        drop(push);
        assert_eq!(latest_unfinished(dir.path()), Some((path.clone(), 25)));
        let mut resumed = Push::resume(&path).unwrap();
        let pending = resumed.pending();
        assert_eq!(pending.len(), 25);
        resumed
            .send(&demo, &pending, 4, &AtomicBool::new(false), |_, _| {})
            .await
            .unwrap();
        resumed.finish().unwrap();
        let c = resumed.counts();
        assert_eq!((c.total, c.created, c.not_attempted), (45, 45, 0));
        assert!(c.ok());
        assert_eq!(latest_unfinished(dir.path()), None);
    }

    #[tokio::test]
    async fn a_push_sending_unchanged_entities_resumes_them_too() {
        let (demo, bp) = ready_demo().await;
        let first = plan(
            &demo,
            DEFAULT_BLUEPRINT,
            &bp,
            vec![draft("u", Some("orders"))],
            false,
        )
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut push = Push::start(first, false, "demo", dir.path()).unwrap();
        let pending = push.pending();
        push.send(&demo, &pending, 1, &AtomicBool::new(false), |_, _| {})
            .await
            .unwrap();
        push.finish().unwrap();
        // Planned again it is unchanged; sent anyway, and cut off before the answer.
        let again = plan(
            &demo,
            DEFAULT_BLUEPRINT,
            &bp,
            vec![draft("u", Some("orders"))],
            false,
        )
        .await
        .unwrap();
        assert_eq!(again.entries[0].verdict, Verdict::Unchanged);
        let push = Push::start(again.clone(), true, "demo", dir.path()).unwrap();
        assert_eq!(push.pending(), [0]);
        let path = push.journal_path().to_owned();
        drop(push);
        assert_eq!(latest_unfinished(dir.path()), Some((path.clone(), 1)));
        assert_eq!(Push::resume(&path).unwrap().pending(), [0]);

        // Sent to the end, Port answers "updated"; it is counted unchanged, as it was.
        let mut push = Push::resume(&path).unwrap();
        let pending = push.pending();
        push.send(&demo, &pending, 1, &AtomicBool::new(false), |_, _| {})
            .await
            .unwrap();
        let c = push.counts();
        assert_eq!((c.updated, c.unchanged), (0, 1), "{c:?}");
    }

    #[tokio::test]
    async fn a_journal_that_cannot_be_written_stops_the_push_but_loses_no_outcome() {
        let (demo, bp) = ready_demo().await;
        let drafts: Vec<Draft> = (0..60)
            .map(|i| draft(&format!("j{i:02}"), Some("orders")))
            .collect();
        let plan = plan(&demo, DEFAULT_BLUEPRINT, &bp, drafts, false)
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut push = Push::start(plan, false, "demo", dir.path()).unwrap();
        // The disk goes away: every further journal write fails.
        push.journal = Journal::reopen_for_test(push.journal_path());
        let pending = push.pending();
        let stop = AtomicBool::new(false);
        let result = push.send(&demo, &pending, 1, &stop, |_, _| {}).await;
        assert!(result.is_err());
        assert!(
            stop.load(Ordering::SeqCst),
            "no batch starts after the failure"
        );
        let c = push.counts();
        assert_eq!(c.total, 60);
        assert_eq!(c.created, 20, "the batch that answered is known");
        assert_eq!(c.not_attempted, 40);
        assert!(push.outcomes.iter().all(Option::is_some));
    }

    #[tokio::test]
    async fn create_missing_related_sends_dangling_drafts_and_names_what_it_creates() {
        let (demo, bp) = ready_demo().await;
        let plan = plan(
            &demo,
            DEFAULT_BLUEPRINT,
            &bp,
            vec![draft("x", Some("brand-new"))],
            true,
        )
        .await
        .unwrap();
        assert_eq!(plan.entries[0].verdict, Verdict::Create);
        assert!(plan.entries[0].creates[0].contains("brand-new"));
        assert!(
            plan.entries[0]
                .entity
                .as_ref()
                .unwrap()
                .get("blueprint")
                .is_none()
        );
    }
}
