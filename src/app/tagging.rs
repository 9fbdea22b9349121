//! The tag dialogs: choose a service, preview the exact change per repository, confirm with
//! `y`, watch each repository's result.

use std::collections::{BTreeSet, HashMap, VecDeque};

use super::keys::Action;
use super::state::{State, Status, StatusLevel};
use super::{Effect, Key};
use crate::model::activity::Activity;
use crate::model::inventory::Applied;
use crate::model::tag_rules::{self, Change, PlanItem};
use crate::model::{Fetched, tags};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    /// Typing the service to add or remove.
    Service(ServiceDialog),
    /// The plan, waiting for `y` or `n`.
    Preview(Preview),
    /// Writes under way or done.
    Results(Results),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDialog {
    pub remove: bool,
    /// ARNs of the repositories the change applies to.
    pub targets: Vec<String>,
    pub input: String,
    /// Highlighted suggestion.
    pub choice: usize,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub remove: bool,
    pub plan: Vec<PlanItem>,
    pub scroll: u16,
    /// The journal this preview undoes (`u` in the activity log).
    pub undoes: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteState {
    Running,
    Done,
    Failed(String),
    /// Nothing to write, or refused before any request.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Results {
    pub items: Vec<(PlanItem, WriteState)>,
    pub scroll: u16,
    /// By ARN, the items still running, in order: each result settles the first.
    pending: HashMap<String, VecDeque<usize>>,
}

impl Results {
    fn new(items: Vec<(PlanItem, WriteState)>) -> Results {
        let mut pending: HashMap<String, VecDeque<usize>> = HashMap::new();
        for (n, (item, state)) in items.iter().enumerate() {
            if *state == WriteState::Running {
                pending.entry(item.arn.clone()).or_default().push_back(n);
            }
        }
        Results {
            items,
            scroll: 0,
            pending,
        }
    }

    pub fn running(&self) -> usize {
        self.items
            .iter()
            .filter(|(_, s)| *s == WriteState::Running)
            .count()
    }
}

impl State {
    /// Suggestions for the service dialog: services already used in the inventory or held by
    /// Port (to add), or present on the targets (to remove); those starting with the input
    /// come first.
    pub fn service_suggestions(&self, dialog: &ServiceDialog) -> Vec<String> {
        let mut all: BTreeSet<String> = BTreeSet::new();
        if !dialog.remove
            && let Some(port) = &self.port_services
        {
            all.extend(port.iter().cloned());
        }
        let from_targets = dialog.remove;
        for repo in &self.repos {
            if from_targets && !dialog.targets.contains(&repo.arn) {
                continue;
            }
            for s in tags::services(repo.tag_list(), &self.prefix) {
                all.insert(s.to_owned());
            }
        }
        let needle = dialog.input.trim().to_lowercase();
        let (mut first, mut rest): (Vec<String>, Vec<String>) = all
            .into_iter()
            .filter(|s| s.to_lowercase().contains(&needle))
            .partition(|s| s.to_lowercase().starts_with(&needle));
        first.append(&mut rest);
        first
    }

    /// When Port's services are known and the typed one is neither among them nor the start
    /// of one (still typing): the relation would point at nothing until it exists.
    pub fn unknown_in_port(&self, dialog: &ServiceDialog) -> bool {
        let input = dialog.input.trim();
        !dialog.remove
            && !input.is_empty()
            && self
                .port_services
                .as_ref()
                .is_some_and(|known| !known.iter().any(|s| s.starts_with(input)))
    }

    /// The repositories a write applies to: the selection, else the cursor's row.
    fn write_targets(&self) -> Vec<String> {
        if self.selected.is_empty() {
            self.current()
                .map(|r| vec![r.arn.clone()])
                .unwrap_or_default()
        } else {
            self.selected.iter().cloned().collect()
        }
    }
}

/// `t` / `T` in the list.
pub(super) fn open(state: &mut State, remove: bool) {
    if state.read_only {
        // Early feedback; the refusal itself is enforced in `inventory::apply`.
        state.status = Some(Status {
            level: StatusLevel::Error,
            text: "read-only mode: tag writes are refused (--read-only or readOnlyProfiles)".into(),
        });
        return;
    }
    let targets = state.write_targets();
    if targets.is_empty() {
        return;
    }
    state.dialog = Some(Dialog::Service(ServiceDialog {
        remove,
        targets,
        input: String::new(),
        choice: 0,
        error: None,
    }));
}

pub(super) fn on_key(state: &mut State, key: Key, action: Option<Action>) -> Vec<Effect> {
    let Some(dialog) = state.dialog.take() else {
        return vec![];
    };
    let (next, effects) = match dialog {
        Dialog::Service(d) => service_key(state, d, key, action),
        Dialog::Preview(p) => preview_key(p, action),
        Dialog::Results(r) => results_key(r, action),
    };
    if let Some(Dialog::Results(r)) = &next
        && effects
            .iter()
            .any(|e| matches!(e, Effect::WriteTags { .. }))
    {
        for (item, s) in &r.items {
            if *s == WriteState::Running {
                let queue = state.writing.entry(item.arn.clone()).or_default();
                queue.push_back(item.change.describe());
            }
        }
    }
    if action == Some(Action::ActivityLog) && next.is_none() {
        // `L` from the results: the log of what was just written.
        super::log::open(state);
    }
    state.dialog = next;
    effects
}

fn service_key(
    state: &State,
    mut d: ServiceDialog,
    key: Key,
    action: Option<Action>,
) -> (Option<Dialog>, Vec<Effect>) {
    let suggestions = state.service_suggestions(&d);
    match action {
        Some(Action::Back) => return (None, vec![]),
        None => {
            if let Key::Char(c) = key {
                d.input.push(c);
                d.choice = 0;
                d.error = None;
            }
        }
        Some(Action::DeleteChar) => {
            d.input.pop();
            d.choice = 0;
            d.error = None;
        }
        Some(Action::EraseText) => d.input.clear(),
        Some(Action::Down) => d.choice = (d.choice + 1).min(suggestions.len().saturating_sub(1)),
        Some(Action::Up) => d.choice = d.choice.saturating_sub(1),
        Some(Action::Complete) => {
            if let Some(s) = suggestions.get(d.choice) {
                d.input = s.clone();
                d.error = None;
            }
        }
        Some(Action::PreviewTags) if d.input.trim().is_empty() => {
            // A bare Enter must not pick a service for the user: the preview's `y` would write it.
            d.error = Some("type a service first (Tab takes the highlighted suggestion)".into());
        }
        Some(Action::PreviewTags) => {
            // `service=value` writes another value than the default.
            let (typed, value) = match d.input.split_once('=') {
                Some((typed, value)) => (typed.to_owned(), Some(value.trim().to_owned())),
                None => (d.input.clone(), None),
            };
            if d.remove && value.is_some() {
                d.error = Some("a removal takes the service only (no =value)".into());
                return (Some(Dialog::Service(d)), vec![]);
            }
            let value = value.unwrap_or_else(|| state.tag_value.clone());
            let (service, note) = tag_rules::service_named(&state.prefix, &typed);
            let repos: Vec<_> = d.targets.iter().filter_map(|a| state.repo(a)).collect();
            let plan = if d.remove {
                let key = format!("{}{service}", state.prefix);
                match tag_rules::check_key(&key) {
                    Ok(()) if !service.is_empty() => tag_rules::plan_remove(&repos, &key),
                    Ok(()) => Err(tag_rules::TagRuleError::EmptyService)
                        .map_err(|e| d.error = Some(e.to_string()))
                        .unwrap_or_default(),
                    Err(e) => {
                        d.error = Some(e.to_string());
                        vec![]
                    }
                }
            } else {
                match tag_rules::service_tag(&state.prefix, &service, &value) {
                    Ok(tag) => tag_rules::plan_add(&repos, &tag, &state.prefix),
                    Err(e) => {
                        d.error = Some(e.to_string());
                        vec![]
                    }
                }
            };
            let mut plan = plan;
            if let Some(note) = note {
                for item in &mut plan {
                    item.warnings.insert(0, note.clone());
                }
            }
            if d.error.is_none() {
                return (
                    Some(Dialog::Preview(Preview {
                        remove: d.remove,
                        plan,
                        scroll: 0,
                        undoes: None,
                    })),
                    vec![],
                );
            }
        }
        _ => {}
    }
    (Some(Dialog::Service(d)), vec![])
}

/// Rows a dialog pages by: its popups are about this tall whatever the terminal.
const DIALOG_PAGE: u16 = 10;

/// The last scroll offset of a dialog listing `rows` rows (one line each at least).
fn dialog_end(rows: usize) -> u16 {
    u16::try_from(rows.saturating_sub(1)).unwrap_or(u16::MAX)
}

fn preview_key(mut p: Preview, action: Option<Action>) -> (Option<Dialog>, Vec<Effect>) {
    match action {
        Some(Action::Yes) => {
            let writes: Vec<PlanItem> = p
                .plan
                .iter()
                .filter(|i| i.change.writes())
                .cloned()
                .collect();
            let items = p
                .plan
                .into_iter()
                .map(|i| {
                    let state = if i.change.writes() {
                        WriteState::Running
                    } else {
                        WriteState::Skipped
                    };
                    (i, state)
                })
                .collect();
            let effects = if writes.is_empty() {
                vec![]
            } else {
                vec![Effect::WriteTags {
                    items: writes,
                    undoes: p.undoes,
                }]
            };
            (Some(Dialog::Results(Results::new(items))), effects)
        }
        Some(Action::No) => (None, vec![]),
        Some(a) if super::update::scrolled(0, 0, 0, a).is_some() => {
            let end = dialog_end(p.plan.len());
            p.scroll = super::update::scrolled(p.scroll, DIALOG_PAGE, end, a).unwrap_or(p.scroll);
            (Some(Dialog::Preview(p)), vec![])
        }
        // A bare Enter does not confirm a write.
        _ => (Some(Dialog::Preview(p)), vec![]),
    }
}

fn results_key(mut r: Results, action: Option<Action>) -> (Option<Dialog>, Vec<Effect>) {
    match action {
        Some(Action::Back) => (None, vec![]),
        Some(Action::ActivityLog) => (None, vec![]),
        Some(a) if super::update::scrolled(0, 0, 0, a).is_some() => {
            let end = dialog_end(r.items.len());
            r.scroll = super::update::scrolled(r.scroll, DIALOG_PAGE, end, a).unwrap_or(r.scroll);
            (Some(Dialog::Results(r)), vec![])
        }
        _ => (Some(Dialog::Results(r)), vec![]),
    }
}

/// Writes finished: the list updates in place (once for the whole batch: thousands of
/// results must not sort the list thousands of times), the results view and the activity
/// log record each.
pub(super) fn written(state: &mut State, batch: Vec<Applied>, at: i64) {
    for applied in batch {
        written_one(state, applied, at);
    }
    state.refresh_view();
}

fn written_one(state: &mut State, applied: Applied, at: i64) {
    let target = state
        .repo(&applied.arn)
        .map(|r| format!("{} ({})", r.name, r.region))
        .unwrap_or_else(|| applied.arn.clone());
    // What the write was, even once its results view is closed.
    let action = state
        .writing
        .get_mut(&applied.arn)
        .and_then(VecDeque::pop_front)
        .unwrap_or_else(|| "tag change".into());
    if state
        .writing
        .get(&applied.arn)
        .is_some_and(VecDeque::is_empty)
    {
        state.writing.remove(&applied.arn);
    }
    let outcome = match &applied.result {
        Ok(tags) => {
            if let Some(repo) = state.repo_mut(&applied.arn) {
                repo.tags = Fetched::Present(tags.clone());
            }
            super::drift::forget(state, &applied.arn);
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    };
    // An undo may write two keys of one repository: each result settles the next one.
    if let Some(Dialog::Results(r)) = &mut state.dialog
        && let Some(n) = r
            .pending
            .get_mut(&applied.arn)
            .and_then(VecDeque::pop_front)
        && let Some((_, s)) = r.items.get_mut(n)
    {
        *s = match &outcome {
            Ok(()) => WriteState::Done,
            Err(e) => WriteState::Failed(e.clone()),
        };
    }
    state.activity.push(Activity {
        at,
        target,
        action,
        outcome,
        command: applied.command,
    });
    super::log::entry_added(state);
}

/// Whether a change is a refusal, for colouring.
pub fn refused(change: &Change) -> bool {
    matches!(change, Change::Refused { .. })
}
