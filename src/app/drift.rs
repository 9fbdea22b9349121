//! Drift in the list: `D` compares every tagged repository's `port-` tags with the service its
//! entity relates to in Port; the DRIFT column and the `/drift` filter show the answer.

use std::collections::HashMap;

use super::Effect;
use super::state::{State, StatusLevel, status};
use crate::model::drift::Comparison;
use crate::model::tags;

/// The filter word that keeps the repositories whose tags drift from Port.
pub const FILTER_WORD: &str = "drift";

#[derive(Debug, Clone, Default)]
pub struct DriftView {
    /// By repository ARN; a repository written to since the check has no entry.
    pub by_arn: HashMap<String, Comparison>,
    /// A comparison has landed since the inventory was loaded.
    pub checked: bool,
    pub checking: bool,
    /// Of the latest request: an older answer is dropped.
    generation: u64,
}

impl DriftView {
    pub fn of(&self, arn: &str) -> Option<&Comparison> {
        self.by_arn.get(arn)
    }

    /// Whether the repository is known to drift (`/drift` keeps it).
    pub fn drifts(&self, arn: &str) -> bool {
        self.of(arn).is_some_and(|c| c.state.drifts())
    }
}

/// `D`: asks for a comparison of the tagged repositories, with the workbench's mapping when it
/// is open (its edits included), as a push would map them.
pub(super) fn check(state: &mut State) -> Vec<Effect> {
    if state.loading() {
        status(
            state,
            StatusLevel::Error,
            "the inventory is still loading; compare with Port when it is complete",
        );
        return vec![];
    }
    let repos: Vec<_> = state
        .repos
        .iter()
        .filter(|r| !tags::services(r.tag_list(), &state.prefix).is_empty())
        .cloned()
        .collect();
    if repos.is_empty() {
        status(
            state,
            StatusLevel::Error,
            "no repository has a service tag yet: nothing to compare (S suggests tags)",
        );
        return vec![];
    }
    state.drift.generation += 1;
    state.drift.checking = true;
    status(
        state,
        StatusLevel::Info,
        format!(
            "comparing {} with Port…",
            crate::model::text::counted(repos.len(), "tagged repository", "tagged repositories")
        ),
    );
    let wb = state.workbench.as_ref();
    vec![Effect::CheckDrift {
        generation: state.drift.generation,
        repos,
        mappings: wb.map(super::workbench::Workbench::all_mappings),
        semantics: wb.map_or(crate::mapping::eval::Semantics::Exporter, |w| w.semantics),
        shape: wb.map_or(crate::mapping::eval::Shape::Exporter, |w| w.shape),
    }]
}

pub(super) fn checked(
    state: &mut State,
    generation: u64,
    result: Result<Vec<(String, Comparison)>, String>,
) {
    if generation != state.drift.generation {
        return;
    }
    state.drift.checking = false;
    match result {
        Ok(found) => {
            let total = found.len();
            state.drift.by_arn = found.into_iter().collect();
            state.drift.checked = true;
            let drifting = state
                .drift
                .by_arn
                .values()
                .filter(|c| c.state.drifts())
                .count();
            let text = match drifting {
                0 => format!("all {total} tagged repositories are in sync with Port"),
                n => format!(
                    "{n} of {total} tagged repositories drift from Port: /{FILTER_WORD} shows them"
                ),
            };
            status(state, StatusLevel::Info, text);
            state.resort();
        }
        Err(e) => status(
            state,
            StatusLevel::Error,
            format!("cannot compare with Port: {e}"),
        ),
    }
}

/// A repository's tags changed: its comparison no longer holds.
pub(super) fn forget(state: &mut State, arn: &str) {
    state.drift.by_arn.remove(arn);
}

/// A reload: every comparison is of tags that may have changed.
pub(super) fn clear(state: &mut State) {
    state.drift.by_arn.clear();
    state.drift.checked = false;
    state.drift.checking = false;
    state.drift.generation += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Key, Msg, update};
    use crate::model::drift::{PortSide, compare};
    use crate::model::repository::sample;

    fn loaded() -> State {
        let mut state = State::new("test", true, false);
        state.connecting = false;
        state.repos = vec![
            sample("orders/api", "eu-west-1", &[("port-orders", "true")]),
            sample("web/app", "eu-west-1", &[("port-web", "true")]),
            sample("plain", "eu-west-1", &[("team", "a")]),
        ];
        state.reindex();
        state.refresh_view();
        state
    }

    fn names(state: &State) -> Vec<&str> {
        state
            .view
            .iter()
            .map(|&i| state.repos[i].name.as_str())
            .collect()
    }

    fn answer(state: &State, related: &[(&str, &str)]) -> Vec<(String, Comparison)> {
        let services = ["orders".to_owned(), "web".to_owned()]
            .into_iter()
            .collect();
        related
            .iter()
            .map(|(name, port)| {
                let repo = state.repos.iter().find(|r| r.name == *name).unwrap();
                let tagged = tags::services(repo.tag_list(), "port-");
                let side = PortSide::Entity {
                    identifier: name.replace('/', "-"),
                    related: Some(vec![(*port).to_owned()]),
                };
                (repo.arn.clone(), compare(&tagged, &side, &services))
            })
            .collect()
    }

    #[test]
    fn d_compares_only_tagged_repositories_and_the_filter_keeps_what_drifts() {
        let mut state = loaded();
        let effects = update(&mut state, Msg::Key(Key::Char('D')));
        let [
            Effect::CheckDrift {
                generation, repos, ..
            },
        ] = effects.as_slice()
        else {
            panic!("{effects:?}");
        };
        let asked: Vec<&str> = repos.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(asked, ["orders/api", "web/app"]);
        let result = answer(&state, &[("orders/api", "orders"), ("web/app", "orders")]);
        update(
            &mut state,
            Msg::DriftChecked {
                generation: *generation,
                result: Ok(result),
            },
        );
        assert!(state.drift.checked);
        let status = state.status.as_ref().map(|s| s.text.as_str());
        assert_eq!(
            status,
            Some("1 of 2 tagged repositories drift from Port: /drift shows them")
        );
        for k in "/drift".chars() {
            update(&mut state, Msg::Key(Key::Char(k)));
        }
        assert_eq!(names(&state), ["web/app"]);
        state.filter = "!drift".into();
        state.refresh_view();
        assert_eq!(names(&state), ["orders/api", "plain"]);
    }

    #[test]
    fn an_older_answer_is_dropped_and_a_reload_forgets_the_comparison() {
        let mut state = loaded();
        let first = check(&mut state);
        let second = check(&mut state);
        let generation = |fx: &[Effect]| match fx {
            [Effect::CheckDrift { generation, .. }] => *generation,
            _ => panic!("{fx:?}"),
        };
        let old = answer(&state, &[("orders/api", "web")]);
        checked(&mut state, generation(&first), Ok(old));
        assert!(!state.drift.checked, "the first request's answer is stale");
        let new = answer(&state, &[("orders/api", "orders")]);
        checked(&mut state, generation(&second), Ok(new));
        assert!(state.drift.checked && !state.drift.checking);
        let arn = state.repos[0].arn.clone();
        assert!(state.drift.of(&arn).is_some());
        forget(&mut state, &arn);
        assert!(state.drift.of(&arn).is_none());
        clear(&mut state);
        assert!(!state.drift.checked && state.drift.by_arn.is_empty());
    }

    #[test]
    fn nothing_tagged_means_nothing_to_compare() {
        let mut state = State::new("test", true, false);
        state.connecting = false;
        state.repos = vec![sample("plain", "eu-west-1", &[])];
        assert!(check(&mut state).is_empty());
        assert!(
            state
                .status
                .as_ref()
                .is_some_and(|s| s.text.contains("no repository has a service tag"))
        );
    }
}
