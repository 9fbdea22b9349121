//! The push screen (`p`): the blueprint check and its setup, the plan (validation and diff per
//! repository), the confirmation, the progress, and the results with `R` to retry failures.

use std::path::PathBuf;

use super::keys::Action;
use super::state::{Screen, State, Status, StatusLevel, status};
use super::{Effect, Key};
use crate::model::blueprint::Step;
pub use crate::model::push::Finished;
use crate::model::push::{Counts, Outcome, PushPlan, Verdict};

/// What the IO side found before a push: either the blueprint needs setting up first, or the
/// plan is ready.
#[derive(Debug, Clone)]
pub enum Prepared {
    Blueprint {
        target: String,
        findings: Vec<String>,
        steps: Vec<Step>,
    },
    Plan {
        target: String,
        plan: PushPlan,
        /// Left out by the mapping's selector.
        skipped: usize,
        /// Blueprint findings that do not block (e.g. a relation we will not change).
        notes: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub enum Stage {
    Preparing,
    Blueprint {
        findings: Vec<String>,
        steps: Vec<Step>,
        applying: bool,
    },
    Plan {
        plan: PushPlan,
        skipped: usize,
        notes: Vec<String>,
    },
    Pushing {
        plan: PushPlan,
        done: usize,
        total: usize,
        stopping: bool,
    },
    Done {
        plan: PushPlan,
        outcomes: Vec<Option<Outcome>>,
        journal: PathBuf,
    },
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct PushScreen {
    /// The repositories of this push (ARNs), to plan again after a setup or a toggle.
    pub arns: Vec<String>,
    pub target: String,
    pub stage: Stage,
    pub cursor: usize,
    pub create_missing: bool,
    pub include_unchanged: bool,
    /// The y/n question is open.
    pub confirm: bool,
    /// Of the latest plan request; older answers are dropped.
    pub generation: u64,
}

impl PushScreen {
    /// Rows of the list: plan entries (with outcomes once sent).
    pub fn plan(&self) -> Option<&PushPlan> {
        match &self.stage {
            Stage::Plan { plan, .. } | Stage::Pushing { plan, .. } | Stage::Done { plan, .. } => {
                Some(plan)
            }
            _ => None,
        }
    }

    pub fn outcome(&self, i: usize) -> Option<&Outcome> {
        match &self.stage {
            Stage::Done { outcomes, .. } => outcomes.get(i).and_then(Option::as_ref),
            _ => None,
        }
    }

    pub fn counts(&self) -> Option<Counts> {
        match &self.stage {
            Stage::Done { outcomes, .. } => Some(Counts::of(outcomes)),
            _ => None,
        }
    }

    /// What `j`/`k` move over: the plan's entries, or the setup's lines.
    pub(super) fn rows(&self) -> usize {
        match &self.stage {
            Stage::Blueprint { steps, .. } => steps
                .iter()
                .map(|s| {
                    serde_json::to_string_pretty(s.body()).map_or(1, |t| t.lines().count() + 1)
                })
                .sum(),
            _ => self.plan().map_or(0, |p| p.entries.len()),
        }
    }
}

fn refuse_read_only(state: &mut State) {
    status(
        state,
        StatusLevel::Error,
        "read-only mode: nothing is sent to Port",
    );
}

/// `p` in the list: the selection, or every shown repository when nothing is selected.
pub(super) fn open(state: &mut State) -> Vec<Effect> {
    if state.loading() {
        status(
            state,
            StatusLevel::Error,
            "the inventory is still loading; push when it is complete",
        );
        return vec![];
    }
    let arns: Vec<String> = if state.selected.is_empty() {
        state
            .view
            .iter()
            .map(|&i| state.repos[i].arn.clone())
            .collect()
    } else {
        state.selected.iter().cloned().collect()
    };
    if arns.is_empty() {
        status(state, StatusLevel::Error, "no repositories to push");
        return vec![];
    }
    state.push = Some(PushScreen {
        arns,
        target: String::new(),
        stage: Stage::Preparing,
        cursor: 0,
        create_missing: false,
        include_unchanged: false,
        confirm: false,
        generation: state.push_generation,
    });
    state.screen = Screen::Push;
    prepare(state)
}

fn prepare(state: &mut State) -> Vec<Effect> {
    let Some(push) = &mut state.push else {
        return vec![];
    };
    push.stage = Stage::Preparing;
    push.cursor = 0;
    push.confirm = false;
    // Counted on the state, so a plan asked for by an earlier screen never lands here.
    state.push_generation += 1;
    push.generation = state.push_generation;
    let repos: Vec<_> = push
        .arns
        .iter()
        .filter_map(|arn| state.index.get(arn).map(|&i| state.repos[i].clone()))
        .collect();
    let gone = push.arns.len() - repos.len();
    if gone > 0 {
        // Selected, then gone from ECR on a reload: said, so no repository vanishes unseen.
        state.status = Some(Status {
            level: StatusLevel::Error,
            text: format!("{gone} selected repositories are no longer in the inventory; left out"),
        });
    }
    let wb = state.workbench.as_ref();
    vec![Effect::PreparePush {
        generation: push.generation,
        repos,
        mappings: wb.map(super::workbench::Workbench::all_mappings),
        semantics: wb.map_or(crate::mapping::eval::Semantics::Exporter, |w| w.semantics),
        shape: wb.map_or(crate::mapping::eval::Shape::Exporter, |w| w.shape),
        create_missing: push.create_missing,
    }]
}

pub(super) fn prepared(state: &mut State, generation: u64, result: Result<Prepared, String>) {
    let Some(push) = state.push.as_mut().filter(|p| p.generation == generation) else {
        return;
    };
    // "planning the push" is over once the plan is shown; a warning about the plan stays.
    if state
        .status
        .as_ref()
        .is_some_and(|s| s.level == StatusLevel::Info)
    {
        state.status = None;
    }
    push.stage = match result {
        Err(e) => Stage::Failed(e),
        Ok(Prepared::Blueprint {
            target,
            findings,
            steps,
        }) => {
            push.target = target;
            Stage::Blueprint {
                findings,
                steps,
                applying: false,
            }
        }
        Ok(Prepared::Plan {
            target,
            plan,
            skipped,
            notes,
        }) => {
            push.target = target;
            Stage::Plan {
                plan,
                skipped,
                notes,
            }
        }
    };
}

pub(super) fn blueprint_applied(state: &mut State, result: Result<(), String>) -> Vec<Effect> {
    match result {
        Ok(()) => {
            status(
                state,
                StatusLevel::Info,
                "blueprint set up; planning the push",
            );
            prepare(state)
        }
        Err(e) => {
            if let Some(push) = &mut state.push {
                push.stage = Stage::Failed(format!("the blueprint setup failed: {e}"));
            }
            vec![]
        }
    }
}

pub(super) fn progress(state: &mut State, done: usize, total: usize) {
    if let Some(PushScreen {
        stage: Stage::Pushing {
            done: d, total: t, ..
        },
        ..
    }) = &mut state.push
    {
        *d = done;
        *t = total;
    }
}

pub(super) fn finished(state: &mut State, result: Result<Finished, String>) {
    let Some(push) = &mut state.push else { return };
    let plan = match &push.stage {
        Stage::Pushing { plan, .. } | Stage::Done { plan, .. } => plan.clone(),
        _ => return,
    };
    let finished = match result {
        Ok(finished) => finished,
        Err(e) => {
            push.stage = Stage::Failed(e);
            return;
        }
    };
    let c = Counts::of(&finished.outcomes);
    let unsent = c.did_not_land() > 0;
    let mut text = format!("journal {}", finished.journal.display());
    if unsent {
        text.push_str(" · R retries the failed ones");
    }
    if let Some(problem) = &finished.problem {
        text = format!("{problem} — the outcomes shown are complete");
    }
    push.stage = Stage::Done {
        plan,
        outcomes: finished.outcomes,
        journal: finished.journal,
    };
    let level = if unsent || finished.problem.is_some() {
        StatusLevel::Error
    } else {
        StatusLevel::Info
    };
    status(state, level, text);
}

pub(super) fn on_key(state: &mut State, _key: Key, action: Option<Action>) -> Vec<Effect> {
    let read_only = state.read_only;
    let Some(push) = &mut state.push else {
        state.screen = Screen::List;
        return vec![];
    };
    if push.confirm {
        push.confirm = false;
        if action != Some(Action::Yes) {
            status(state, StatusLevel::Info, "nothing sent");
            return vec![];
        }
        state.status = None;
        return match &mut push.stage {
            Stage::Blueprint {
                steps, applying, ..
            } => {
                *applying = true;
                vec![Effect::SetupBlueprint {
                    steps: steps.clone(),
                }]
            }
            Stage::Plan { plan, .. } => {
                let plan = plan.clone();
                let total = plan.to_send(push.include_unchanged);
                let include_unchanged = push.include_unchanged;
                push.stage = Stage::Pushing {
                    plan: plan.clone(),
                    done: 0,
                    total,
                    stopping: false,
                };
                vec![Effect::StartPush {
                    plan,
                    include_unchanged,
                }]
            }
            _ => vec![],
        };
    }
    let rows = push.rows();
    let Some(action) = action else {
        return vec![];
    };
    let page = state
        .viewport
        .map_or(10, |v| usize::from(v.push_rows).max(1));
    let Some(push) = &mut state.push else {
        return vec![];
    };
    if let Some(pos) = super::update::moved(push.cursor, rows, page, action) {
        push.cursor = pos;
        return vec![];
    }
    match action {
        Action::Back => match &mut push.stage {
            Stage::Pushing { stopping, .. } => {
                *stopping = true;
                return vec![Effect::StopPush];
            }
            Stage::Blueprint { applying: true, .. } => {}
            _ => {
                state.screen = Screen::List;
                state.push = None;
            }
        },
        Action::Send => {
            let sendable = match &push.stage {
                Stage::Blueprint { applying, .. } => !applying,
                Stage::Plan { plan, .. } => {
                    let n = plan.to_send(push.include_unchanged);
                    if n == 0 {
                        status(
                            state,
                            StatusLevel::Info,
                            "nothing to send: every entity is unchanged or refused",
                        );
                        return vec![];
                    }
                    true
                }
                _ => false,
            };
            if sendable {
                if read_only {
                    refuse_read_only(state);
                    return vec![];
                }
                push.confirm = true;
            }
        }
        Action::CreateMissing if matches!(push.stage, Stage::Plan { .. }) => {
            push.create_missing = !push.create_missing;
            return prepare(state);
        }
        Action::IncludeUnchanged if matches!(push.stage, Stage::Plan { .. }) => {
            push.include_unchanged = !push.include_unchanged;
        }
        Action::Retry if matches!(push.stage, Stage::Failed(_)) => return prepare(state),
        Action::RetryFailed => {
            if let Stage::Done { outcomes, plan, .. } = &push.stage {
                let failed = outcomes
                    .iter()
                    .filter(|o| o.as_ref().is_none_or(Outcome::retryable))
                    .count();
                if failed == 0 {
                    status(state, StatusLevel::Info, "nothing failed: nothing to retry");
                    return vec![];
                }
                if read_only {
                    refuse_read_only(state);
                    return vec![];
                }
                push.stage = Stage::Pushing {
                    plan: plan.clone(),
                    done: 0,
                    total: failed,
                    stopping: false,
                };
                return vec![Effect::RetryPush];
            }
        }
        _ => {}
    }
    vec![]
}

/// The question the confirmation asks.
pub fn question(push: &PushScreen) -> Option<String> {
    if !push.confirm {
        return None;
    }
    match &push.stage {
        Stage::Blueprint { steps, .. } => Some(format!(
            "Send {} to {}?  y / n",
            crate::model::text::counted(steps.len(), "blueprint request", "blueprint requests"),
            push.target
        )),
        Stage::Plan { plan, .. } => {
            let c = plan.counts();
            let mut parts = vec![
                format!("{} create", c.create),
                format!("{} update", c.update),
            ];
            if push.include_unchanged {
                parts.push(format!("{} unchanged", c.unchanged));
            }
            Some(format!(
                "Push {} ({}) to blueprint `{}` at {}?  y / n",
                crate::model::text::counted(
                    plan.to_send(push.include_unchanged),
                    "entity",
                    "entities"
                ),
                parts.join(", "),
                plan.blueprint,
                push.target
            ))
        }
        _ => None,
    }
}

/// One-word state of a row: the outcome once sent, else the plan's verdict.
pub fn row_label(push: &PushScreen, i: usize) -> &'static str {
    if let Some(o) = push.outcome(i) {
        return o.label();
    }
    push.plan()
        .and_then(|p| p.entries.get(i))
        .map_or("", |e| e.verdict.label())
}

/// True when the row needs attention (refused, failed).
pub fn row_bad(push: &PushScreen, i: usize) -> bool {
    match push.outcome(i) {
        Some(o) => matches!(
            o,
            Outcome::Failed { .. }
                | Outcome::Refused { .. }
                | Outcome::NotAttempted { .. }
                | Outcome::Unknown { .. }
        ),
        None => push
            .plan()
            .and_then(|p| p.entries.get(i))
            .is_some_and(|e| matches!(e.verdict, Verdict::Invalid(_) | Verdict::Dangling(_))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Msg, update};
    use crate::model::push::Entry;
    use crate::model::repository::sample;
    use serde_json::json;

    fn entry(name: &str, verdict: Verdict) -> Entry {
        Entry {
            repo: format!("{name} (eu-west-1)"),
            identifier: name.into(),
            entity: Some(json!({"identifier": name})),
            verdict,
            creates: vec![],
        }
    }

    fn planned(read_only: bool) -> State {
        let mut s = State::new("test", false, read_only);
        update(
            &mut s,
            Msg::Connected {
                source: "t".into(),
                regions: vec![],
            },
        );
        update(
            &mut s,
            Msg::Inventory(vec![crate::model::inventory::Event::Page {
                load: 1,
                region: "eu-west-1".into(),
                repos: vec![sample("a", "eu-west-1", &[]), sample("b", "eu-west-1", &[])],
            }]),
        );
        let fx = update(&mut s, Msg::Key(Key::Char('p')));
        assert!(matches!(&fx[..], [Effect::PreparePush { repos, .. }] if repos.len() == 2));
        let generation = s.push_generation;
        update(
            &mut s,
            Msg::PushPrepared {
                generation,
                result: Ok(Prepared::Plan {
                    target: "t".into(),
                    plan: PushPlan {
                        blueprint: "ecr_repository".into(),
                        create_missing_related: false,
                        entries: vec![
                            entry("a", Verdict::Create),
                            entry("b", Verdict::Invalid(vec!["bad".into()])),
                        ],
                    },
                    skipped: 0,
                    notes: vec![],
                }),
            },
        );
        s
    }

    fn key(s: &mut State, k: Key) -> Vec<Effect> {
        update(s, Msg::Key(k))
    }

    #[test]
    fn only_y_sends_and_the_effect_carries_the_plan() {
        let mut s = planned(false);
        assert!(key(&mut s, Key::Enter).is_empty());
        assert!(key(&mut s, Key::Enter).is_empty(), "Enter does not confirm");
        assert!(key(&mut s, Key::Enter).is_empty());
        let fx = key(&mut s, Key::Char('y'));
        assert!(
            matches!(&fx[..], [Effect::StartPush { plan, include_unchanged: false }] if plan.to_send(false) == 1)
        );
        assert!(matches!(
            s.push.as_ref().unwrap().stage,
            Stage::Pushing { total: 1, .. }
        ));
        // Esc while sending stops, it does not leave.
        assert_eq!(key(&mut s, Key::Esc), vec![Effect::StopPush]);
        assert_eq!(s.screen, Screen::Push);
    }

    #[test]
    fn read_only_plans_but_never_sends() {
        let mut s = planned(true);
        assert!(key(&mut s, Key::Enter).is_empty());
        assert!(key(&mut s, Key::Char('y')).is_empty());
        assert!(s.status.as_ref().unwrap().text.contains("read-only"));
    }

    #[test]
    fn retry_is_offered_only_when_something_failed() {
        let mut s = planned(false);
        key(&mut s, Key::Enter);
        key(&mut s, Key::Char('y'));
        update(
            &mut s,
            Msg::PushFinished(Ok(Finished {
                outcomes: vec![
                    Some(Outcome::Created),
                    Some(Outcome::Refused {
                        reason: "bad".into(),
                    }),
                ],
                journal: "/j".into(),
                problem: None,
            })),
        );
        assert!(key(&mut s, Key::Char('R')).is_empty());
        assert!(s.status.as_ref().unwrap().text.contains("nothing to retry"));
        if let Some(PushScreen {
            stage: Stage::Done { outcomes, .. },
            ..
        }) = &mut s.push
        {
            outcomes[0] = Some(Outcome::Failed {
                status: 503,
                error: "e".into(),
                message: "m".into(),
            });
        }
        assert_eq!(key(&mut s, Key::Char('R')), vec![Effect::RetryPush]);
    }

    #[test]
    fn a_late_plan_for_an_earlier_request_is_dropped() {
        let mut s = planned(false);
        let old = s.push_generation;
        key(&mut s, Key::Char('c'));
        update(
            &mut s,
            Msg::PushPrepared {
                generation: old,
                result: Err("stale".into()),
            },
        );
        assert!(matches!(s.push.as_ref().unwrap().stage, Stage::Preparing));
        let current = s.push_generation;
        update(
            &mut s,
            Msg::PushPrepared {
                generation: current,
                result: Err("Port said no".into()),
            },
        );
        assert!(matches!(&s.push.as_ref().unwrap().stage, Stage::Failed(e) if e == "Port said no"));
    }

    #[test]
    fn toggling_create_missing_plans_again() {
        let mut s = planned(false);
        let fx = key(&mut s, Key::Char('c'));
        assert!(matches!(
            &fx[..],
            [Effect::PreparePush {
                create_missing: true,
                ..
            }]
        ));
    }
}
