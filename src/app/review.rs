//! The suggestion review (`S`): one row per repository without a service tag, with the
//! suggested service, its score, reasons and alternatives. Each row is accepted, rejected,
//! given an alternative or a typed service; `w` turns the accepted rows into the usual tag
//! preview, where `y` writes them.

use super::keys::{Action, Context};
use super::state::{State, Status, StatusLevel};
use super::tagging::{Dialog, Preview, ServiceDialog};
use super::{Effect, Key};
use crate::model::suggest::{self, Options, Service, Suggestion};
use crate::model::tag_rules;

/// The score filters `f` steps through.
pub const SCORE_FILTERS: [f64; 4] = [0.0, 0.5, 0.7, 0.9];

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Open,
    Accepted(String),
    Rejected,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub suggestion: Suggestion,
    pub decision: Decision,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// `None` while Port's services are being read.
    pub rows: Option<Vec<Row>>,
    /// Index into the shown rows.
    pub cursor: usize,
    /// Index into [`SCORE_FILTERS`]: rows below are hidden.
    pub filter: usize,
    /// A service being typed for the cursor's row.
    pub typing: Option<ServiceDialog>,
}

impl Review {
    pub fn context(&self) -> Context {
        if self.typing.is_some() {
            Context::ReviewInput
        } else {
            Context::Review
        }
    }

    pub fn min_score(&self) -> f64 {
        SCORE_FILTERS[self.filter % SCORE_FILTERS.len()]
    }

    /// Indices of the rows the filter shows.
    pub fn shown(&self) -> Vec<usize> {
        let min = self.min_score();
        self.rows
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, r)| r.suggestion.score >= min)
            .map(|(i, _)| i)
            .collect()
    }

    pub fn accepted(&self) -> usize {
        self.rows
            .iter()
            .flatten()
            .filter(|r| matches!(r.decision, Decision::Accepted(_)))
            .count()
    }

    fn current_mut(&mut self) -> Option<&mut Row> {
        let i = *self.shown().get(self.cursor)?;
        self.rows.as_mut()?.get_mut(i)
    }
}

/// The suggestions for the loaded inventory against the services Port holds.
fn suggestions(state: &State) -> Vec<Row> {
    let services: Vec<Service> = state
        .port_services
        .iter()
        .flatten()
        .map(|id| {
            Service::new(
                id.clone(),
                state.port_service_titles.get(id).map(String::as_str),
            )
        })
        .collect();
    let opts = Options {
        prefix: state.prefix.clone(),
        ..Options::default()
    };
    suggest::suggest(&state.repos, &services, &opts)
        .into_iter()
        .map(|suggestion| Row {
            suggestion,
            decision: Decision::Open,
        })
        .collect()
}

/// `S` in the list.
pub(super) fn open(state: &mut State) -> Vec<Effect> {
    if state.read_only {
        state.status = Some(Status {
            level: StatusLevel::Error,
            text: "read-only mode: tag writes are refused (--read-only or readOnlyProfiles)".into(),
        });
        return vec![];
    }
    let mut review = Review {
        rows: None,
        cursor: 0,
        filter: 0,
        typing: None,
    };
    let mut effects = vec![];
    if state.port_services.is_some() {
        review.rows = Some(suggestions(state));
    } else if !state.port_services_requested {
        state.port_services_requested = true;
        effects.push(Effect::LoadPortServices);
    } else {
        // Asked before and failed: suggest from the services the inventory's tags name.
        review.rows = Some(suggestions(state));
    }
    state.review = Some(review);
    effects
}

/// Port's services arrived (or could not be read): the review waiting for them fills in,
/// from the services the tags already name when Port had none to give.
pub(super) fn services_known(state: &mut State) {
    if state.review.as_ref().is_some_and(|r| r.rows.is_none()) {
        if state.port_services.is_none() {
            let named = state
                .repos
                .iter()
                .flat_map(|r| crate::model::tags::services(r.tag_list(), &state.prefix))
                .map(str::to_owned)
                .collect();
            state.port_services = Some(named);
        }
        let rows = suggestions(state);
        if let Some(r) = state.review.as_mut() {
            r.rows = Some(rows);
        }
    }
}

pub(super) fn on_key(state: &mut State, key: Key, action: Option<Action>) -> Vec<Effect> {
    let Some(mut review) = state.review.take() else {
        return vec![];
    };
    if let Some(typing) = review.typing.take() {
        review.typing = typing_key(state, &mut review, typing, key, action);
        state.review = Some(review);
        return vec![];
    }
    let shown = review.shown().len();
    match action {
        Some(Action::Back) => return vec![],
        Some(a) if super::update::moved(0, 0, 0, a).is_some() => {
            let page = state.page_size();
            review.cursor =
                super::update::moved(review.cursor, shown, page, a).unwrap_or(review.cursor);
        }
        Some(Action::Accept) => {
            if let Some(row) = review.current_mut() {
                match row.suggestion.service.clone() {
                    Some(s) => row.decision = Decision::Accepted(s),
                    None => {
                        state.status = Some(info(
                            "no pick here: choose an alternative (1-3) or type one (e)",
                        ))
                    }
                }
            }
        }
        Some(Action::Reject) => {
            if let Some(row) = review.current_mut() {
                row.decision = Decision::Rejected;
            }
        }
        Some(Action::PickAlternative(n)) => {
            if let Some(row) = review.current_mut()
                && let Some(alt) = row.suggestion.alternatives.get(n)
            {
                row.decision = Decision::Accepted(alt.service.clone());
            }
        }
        Some(Action::Edit) => {
            review.typing = Some(ServiceDialog {
                remove: false,
                targets: vec![],
                input: String::new(),
                choice: 0,
                error: None,
            });
        }
        Some(Action::ScoreFilter) => {
            review.filter = (review.filter + 1) % SCORE_FILTERS.len();
            review.cursor = 0;
        }
        Some(Action::AcceptAll) => {
            let min = review.min_score().max(suggest::DEFAULT_MIN_SCORE);
            for i in review.shown() {
                if let Some(row) = review.rows.as_mut().and_then(|r| r.get_mut(i))
                    && row.decision == Decision::Open
                    && row.suggestion.score >= min
                    && let Some(s) = row.suggestion.service.clone()
                {
                    row.decision = Decision::Accepted(s);
                }
            }
        }
        Some(Action::PreviewTags) => return preview(state, review),
        Some(Action::Quit) => return super::update::quit_unless_unsaved(state),
        _ => {}
    }
    state.review = Some(review);
    vec![]
}

fn info(text: &str) -> Status {
    Status {
        level: StatusLevel::Info,
        text: text.to_owned(),
    }
}

/// A key while typing a service for the row: the tag dialog's completion, Enter takes it.
fn typing_key(
    state: &mut State,
    review: &mut Review,
    mut d: ServiceDialog,
    key: Key,
    action: Option<Action>,
) -> Option<ServiceDialog> {
    let completions = state.service_suggestions(&d);
    match action {
        Some(Action::Back) => return None,
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
        }
        Some(Action::EraseText) => d.input.clear(),
        Some(Action::Down) => d.choice = (d.choice + 1).min(completions.len().saturating_sub(1)),
        Some(Action::Up) => d.choice = d.choice.saturating_sub(1),
        Some(Action::Complete) => {
            if let Some(s) = completions.get(d.choice) {
                d.input = s.clone();
            }
        }
        Some(Action::KeepText) => {
            let (service, _) = tag_rules::service_named(&state.prefix, &d.input);
            match tag_rules::service_tag(&state.prefix, &service, &state.tag_value) {
                Ok(_) => {
                    if let Some(row) = review.current_mut() {
                        row.decision = Decision::Accepted(service);
                    }
                    return None;
                }
                Err(e) => d.error = Some(e.to_string()),
            }
        }
        _ => {}
    }
    Some(d)
}

/// `w`: the accepted rows as the tag preview, one `port-<service>` per repository.
fn preview(state: &mut State, review: Review) -> Vec<Effect> {
    let mut plan = Vec::new();
    for row in review.rows.iter().flatten() {
        let Decision::Accepted(service) = &row.decision else {
            continue;
        };
        let Some(repo) = state.repo(&row.suggestion.arn) else {
            continue;
        };
        match tag_rules::service_tag(&state.prefix, service, &state.tag_value) {
            Ok(tag) => plan.extend(tag_rules::plan_add(&[repo], &tag, &state.prefix)),
            Err(e) => plan.push(tag_rules::PlanItem {
                arn: repo.arn.clone(),
                name: repo.name.clone(),
                region: repo.region.clone(),
                change: tag_rules::Change::Refused {
                    reason: e.to_string(),
                },
                warnings: vec![],
            }),
        }
    }
    if plan.is_empty() {
        state.status = Some(info(
            "nothing accepted yet: a accepts a row, A all shown picks",
        ));
        state.review = Some(review);
        return vec![];
    }
    state.dialog = Some(Dialog::Preview(Preview {
        remove: false,
        plan,
        scroll: 0,
        undoes: None,
    }));
    vec![]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Msg, update};
    use crate::model::repository::sample;

    /// Port's titles are a signal in the TUI as in `tag suggest`: a service whose identifier
    /// says nothing is found by its title.
    #[test]
    fn services_are_matched_by_their_titles_too() {
        let mut state = State::new("test", false, false);
        state.connecting = false;
        state.repos = vec![sample("web/checkout", "eu-west-1", &[])];
        assert_eq!(open(&mut state), [Effect::LoadPortServices]);
        let services = vec![
            Service::new("svc-0017", Some("Checkout")),
            Service::new("svc-0018", Some("Billing")),
        ];
        update(&mut state, Msg::PortServices(Ok(services)));
        let review = state.review.as_ref().expect("the review is open");
        let row = &review.rows.as_ref().expect("rows")[0];
        assert_eq!(row.suggestion.service.as_deref(), Some("svc-0017"));

        // The same services without their titles name nothing the repository says.
        let mut untitled = State::new("test", false, false);
        untitled.connecting = false;
        untitled.repos = state.repos.clone();
        open(&mut untitled);
        let bare = vec![
            Service::new("svc-0017", None),
            Service::new("svc-0018", None),
        ];
        update(&mut untitled, Msg::PortServices(Ok(bare)));
        let rows = untitled.review.as_ref().and_then(|r| r.rows.as_ref());
        assert_eq!(rows.expect("rows")[0].suggestion.service, None);
    }
}
