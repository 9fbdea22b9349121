//! The one place state changes. Keys become actions, IO results are folded in, and IO
//! requests leave as effects.

use super::keys::{self, Action};
use super::state::{Column, Phase, RegionStatus, Screen, State, Status, StatusLevel};
use super::{Effect, Key, Msg};
use crate::model::inventory::Event;

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Mouse(mouse) => super::mouse::on_mouse(state, mouse),
        Msg::Copied(result) => {
            super::copy::copied(state, result);
            vec![]
        }
        Msg::Listed(listing) => {
            state.listing = Some(listing);
            vec![]
        }
        Msg::ReadOnly(read_only) => {
            state.read_only = read_only;
            vec![]
        }
        Msg::Connected { source, regions } => {
            state.connecting = false;
            state.source = source;
            state.regions = regions.into_iter().map(RegionStatus::new).collect();
            start_load(state)
        }
        Msg::ConnectFailed(error) => {
            state.connecting = false;
            state.source = "not connected".to_owned();
            state.status = Some(Status {
                level: StatusLevel::Error,
                text: error.to_string(),
            });
            state.fatal = Some(error);
            vec![]
        }
        Msg::Inventory(events) => {
            for event in events {
                on_inventory(state, event);
            }
            state.refresh_view();
            super::workbench::inputs_changed(state);
            if state.screen == Screen::Workbench {
                return super::workbench::sweep(state);
            }
            vec![]
        }
        Msg::Resize { width, height } => {
            state.width = width;
            state.height = height;
            state.follow_cursor();
            vec![]
        }
        Msg::Viewport(viewport) => {
            state.viewport = Some(viewport);
            state.follow_cursor();
            vec![]
        }
        Msg::TagWritten { applied, at } => {
            super::tagging::written(state, applied, at);
            super::workbench::inputs_changed(state);
            if state.screen == Screen::Workbench {
                return super::workbench::sweep(state);
            }
            vec![]
        }
        Msg::MappingLoaded(result) => match result {
            Ok((file, path)) => super::workbench::open(state, file, path),
            Err(e) => {
                state.status = Some(Status {
                    level: StatusLevel::Error,
                    text: format!("cannot open the mapping: {e}"),
                });
                vec![]
            }
        },
        Msg::Edited { text, cursor } => super::workbench::edited(state, text, cursor),
        Msg::HistoryLoaded(fields) => {
            if let Some(wb) = state.workbench.as_mut() {
                wb.assist.history = fields;
            }
            vec![]
        }
        Msg::PreviewDone { generation, result } => {
            super::workbench::preview_done(state, generation, result);
            vec![]
        }
        Msg::SweepDone {
            exprs,
            version,
            result,
        } => {
            super::workbench::sweep_done(state, exprs, version, result);
            vec![]
        }
        Msg::Saved(result) => {
            super::workbench::saved(state, result);
            vec![]
        }
        Msg::PushPrepared { generation, result } => {
            super::push::prepared(state, generation, result);
            vec![]
        }
        Msg::BlueprintApplied(result) => super::push::blueprint_applied(state, result),
        Msg::PushProgress { done, total } => {
            super::push::progress(state, done, total);
            vec![]
        }
        Msg::PushFinished(result) => {
            super::push::finished(state, result);
            // A push may have created services: read them again at the next tag dialog.
            state.port_services_requested = false;
            vec![]
        }
        Msg::Notice(text) => {
            if state.status.is_none() {
                state.status = Some(Status {
                    level: StatusLevel::Info,
                    text,
                });
            }
            vec![]
        }
        Msg::PortServices(result) => {
            let services = result.ok();
            state.port_service_titles = services
                .iter()
                .flatten()
                .filter_map(|s| Some((s.identifier.clone(), s.title.clone()?)))
                .collect();
            state.port_services =
                services.map(|all| all.into_iter().map(|s| s.identifier).collect());
            super::review::services_known(state);
            vec![]
        }
        Msg::DriftChecked { generation, result } => {
            super::drift::checked(state, generation, result);
            vec![]
        }
        Msg::UndoJournal(result) => {
            super::undo::journal_read(state, result);
            vec![]
        }
        Msg::Tick => {
            state.tick = state.tick.wrapping_add(1);
            vec![]
        }
    }
}

/// Every region that failed, not only the last (each may need another fix): it stays in the
/// status line while it is true.
fn standing_status(state: &State) -> Option<Status> {
    let failed: Vec<String> = state
        .regions
        .iter()
        .filter_map(|r| match &r.phase {
            Phase::Failed(e) => Some(format!("{}: {e}", r.key())),
            _ => None,
        })
        .collect();
    (!failed.is_empty()).then(|| Status {
        level: StatusLevel::Error,
        text: failed.join(" · "),
    })
}

fn start_load(state: &mut State) -> Vec<Effect> {
    state.load += 1;
    super::drift::clear(state);
    state.repos.clear();
    state.reindex();
    state.refresh_view();
    for region in &mut state.regions {
        region.phase = Phase::Waiting;
        region.listed = 0;
    }
    vec![Effect::Load { load: state.load }]
}

fn on_inventory(state: &mut State, event: Event) {
    let current = state.load;
    let set_phase = |state: &mut State, region: &str, phase: Phase| {
        if let Some(r) = state.regions.iter_mut().find(|r| r.key() == region) {
            r.phase = phase;
        }
    };
    match event {
        Event::RegionStarted { load, region } if load == current => {
            set_phase(state, &region, Phase::Listing);
        }
        Event::Page {
            load,
            region,
            repos,
        } if load == current => {
            if let Some(scope) = state.regions.iter_mut().find(|r| r.key() == region) {
                scope.listed += repos.len();
                if let Some(alias) = &scope.account {
                    for repo in &repos {
                        if !state.account_names.contains_key(&repo.registry_id) {
                            state
                                .account_names
                                .insert(repo.registry_id.clone(), alias.clone());
                        }
                    }
                }
            }
            for repo in repos {
                if let Some(existing) = state.repo_mut(&repo.arn) {
                    *existing = repo;
                } else {
                    state.index.insert(repo.arn.clone(), state.repos.len());
                    state.repos.push(repo);
                }
            }
        }
        Event::Tags { load, arn, tags } if load == current => {
            if let Some(repo) = state.repo_mut(&arn) {
                repo.tags = tags;
            }
        }
        Event::Policies {
            load,
            arn,
            lifecycle,
            repository,
        } if load == current => {
            if let Some(repo) = state.repo_mut(&arn) {
                repo.lifecycle_policy = lifecycle;
                repo.repository_policy = repository;
            }
        }
        Event::RegionListed { load, region } if load == current => {
            set_phase(state, &region, Phase::Policies);
        }
        Event::PoliciesDone { load, region } if load == current => {
            set_phase(state, &region, Phase::Done);
        }
        Event::RegionFailed {
            load,
            region,
            error,
        } if load == current => {
            set_phase(state, &region, Phase::Failed(error));
            state.status = standing_status(state);
        }
        // Results of a load that a refresh replaced.
        _ => {}
    }
}

fn on_key(state: &mut State, key: Key) -> Vec<Effect> {
    if key == Key::Ctrl('c') {
        state.quit = true;
        return vec![Effect::Quit];
    }
    let context = state.key_context();
    let action = state.keymap.action(context, key);
    // A status belongs to the action that set it: the next action (a bound key, or text
    // typed in a box) clears it, unless it stands for something still true (a region that
    // failed). A key that does nothing leaves it.
    let typing = matches!(
        context,
        keys::Context::Filter
            | keys::Context::TagInput
            | keys::Context::WorkbenchName
            | keys::Context::Command
    );
    if action.is_some() || typing {
        state.status = standing_status(state);
    }
    if action.is_some_and(|a| {
        matches!(
            a,
            Action::Down
                | Action::Up
                | Action::PageDown
                | Action::PageUp
                | Action::HalfPageDown
                | Action::HalfPageUp
                | Action::First
                | Action::Last
        )
    }) {
        // The user moved: a reload no longer brings the cursor back to where it was.
        state.keep_cursor = None;
    }
    if let Some(scroll) = state.help {
        let (page, end) = state
            .viewport
            .map_or((10, u16::MAX), |v| (v.help_rows, v.help_end()));
        match action {
            Some(Action::Back) => state.help = None,
            Some(a) => state.help = Some(scrolled(scroll, page, end, a).unwrap_or(scroll)),
            None => {}
        }
        return vec![];
    }
    // `?` wherever it is not typed text: dialogs and questions stay open underneath.
    if action == Some(Action::Help) {
        state.help = Some(0);
        return vec![];
    }
    if state.command.is_some() {
        return super::command::on_key(state, key, action);
    }
    match action {
        Some(Action::CommandLine) => {
            super::command::open(state);
            return vec![];
        }
        Some(a @ (Action::Copy | Action::CopySecond)) => return super::copy::copy(state, a),
        _ => {}
    }
    if state.dialog.is_some() {
        return super::tagging::on_key(state, key, action);
    }
    if state.review.is_some() {
        return super::review::on_key(state, key, action);
    }
    if state.filter_editing {
        return on_filter_key(state, key, action);
    }
    match &state.screen {
        Screen::List => {
            let effects = action.map_or_else(Vec::new, |a| on_list_action(state, a));
            state.follow_cursor();
            effects
        }
        Screen::Detail { .. } => on_detail_action(state, action),
        Screen::Activity { .. } => super::tagging::on_activity_action(state, action),
        Screen::Workbench => super::workbench::on_key(state, key, action),
        Screen::Push => super::push::on_key(state, key, action),
    }
}

pub(super) fn quit(state: &mut State) -> Vec<Effect> {
    state.quit = true;
    vec![Effect::Quit]
}

/// `q`: quits, unless the workbench holds unsaved edits (then it says how to save them, or
/// that `Q` quits anyway, keeping them in the state directory).
pub(super) fn quit_unless_unsaved(state: &mut State) -> Vec<Effect> {
    if state.workbench.as_ref().is_some_and(|w| w.dirty()) {
        state.status = Some(Status {
            level: StatusLevel::Error,
            text: "unsaved mapping edits: m returns to the workbench to save (s); Q quits and keeps them in the state directory".into(),
        });
        return vec![];
    }
    quit(state)
}

fn on_filter_key(state: &mut State, key: Key, action: Option<Action>) -> Vec<Effect> {
    match action {
        Some(Action::KeepText) => state.filter_editing = false,
        Some(Action::ClearText) => {
            state.filter_editing = false;
            state.filter.clear();
        }
        Some(Action::DeleteChar) => {
            state.filter.pop();
        }
        Some(Action::EraseText) => state.filter.clear(),
        Some(Action::KeepAndDown | Action::KeepAndUp) => {
            state.filter_editing = false;
            let step = match action {
                Some(Action::KeepAndDown) => Action::Down,
                _ => Action::Up,
            };
            let effects = on_list_action(state, step);
            state.follow_cursor();
            return effects;
        }
        _ => match key {
            Key::Char(c) => state.filter.push(c),
            _ => return vec![],
        },
    }
    state.cursor = 0;
    state.refilter();
    vec![]
}

/// Where a movement action takes a position in a list of `len` rows, `page` rows a page.
pub(super) fn moved(pos: usize, len: usize, page: usize, action: Action) -> Option<usize> {
    let last = len.saturating_sub(1);
    Some(match action {
        Action::Down => (pos + 1).min(last),
        Action::Up => pos.saturating_sub(1),
        Action::PageDown => (pos + page).min(last),
        Action::PageUp => pos.saturating_sub(page),
        Action::HalfPageDown => (pos + (page / 2).max(1)).min(last),
        Action::HalfPageUp => pos.saturating_sub((page / 2).max(1)),
        Action::First => 0,
        Action::Last => last,
        _ => return None,
    })
}

/// Where a movement action takes the scroll offset of a text `page` rows high that stops at
/// `end`.
pub(super) fn scrolled(scroll: u16, page: u16, end: u16, action: Action) -> Option<u16> {
    let page = page.max(1);
    let to = match action {
        Action::Down => scroll.saturating_add(1),
        Action::Up => scroll.saturating_sub(1),
        Action::PageDown => scroll.saturating_add(page),
        Action::PageUp => scroll.saturating_sub(page),
        Action::HalfPageDown => scroll.saturating_add((page / 2).max(1)),
        Action::HalfPageUp => scroll.saturating_sub((page / 2).max(1)),
        Action::First => 0,
        Action::Last => end,
        _ => return None,
    };
    Some(to.min(end))
}

pub(super) fn on_list_action(state: &mut State, action: Action) -> Vec<Effect> {
    if let Some(pos) = moved(state.cursor, state.view.len(), state.page_size(), action) {
        state.cursor = pos;
        return vec![];
    }
    let last = state.view.len().saturating_sub(1);
    match action {
        Action::Quit => return quit_unless_unsaved(state),
        Action::QuitWithoutSaving => return quit(state),
        Action::Filter => state.filter_editing = true,
        Action::ClearFilterOrSelection => {
            if !state.filter.is_empty() {
                state.filter.clear();
                state.refilter();
            } else {
                state.selected.clear();
            }
        }
        Action::ToggleSelect => {
            if let Some(arn) = state.current().map(|r| r.arn.clone()) {
                if !state.selected.remove(&arn) {
                    state.selected.insert(arn);
                }
                state.cursor = (state.cursor + 1).min(last);
            }
        }
        Action::SelectAll => {
            let visible: Vec<String> = state
                .view
                .iter()
                .map(|&i| state.repos[i].arn.clone())
                .collect();
            if visible.iter().all(|arn| state.selected.contains(arn)) {
                for arn in &visible {
                    state.selected.remove(arn);
                }
            } else {
                state.selected.extend(visible);
            }
        }
        Action::SortNext => {
            let next = state.sort.column.next(|c| state.column_shown(c));
            set_sort(state, next, false);
        }
        Action::SortPrevious => {
            let prev = state.sort.column.previous(|c| state.column_shown(c));
            set_sort(state, prev, false);
        }
        Action::SortReverse => {
            state.sort.descending = !state.sort.descending;
            state.resort();
        }
        Action::SortBy(i) => {
            if let Some(&column) = Column::ALL.get(i) {
                let again = column == state.sort.column;
                set_sort(state, column, again);
            }
        }
        Action::Refresh => {
            if state.fatal.is_some() {
                state.fatal = None;
                state.status = None;
                state.connecting = true;
                return vec![Effect::Connect];
            }
            if !state.connecting {
                state.status = None;
                // The rows come back page by page; the cursor returns to its repository.
                state.keep_cursor = state.current().map(|r| r.arn.clone());
                return start_load(state);
            }
        }
        Action::OpenDetail => return open_detail(state),
        Action::Tag => {
            super::tagging::open(state, false);
            if state.dialog.is_some() && !state.port_services_requested {
                state.port_services_requested = true;
                return vec![Effect::LoadPortServices];
            }
        }
        Action::Untag => super::tagging::open(state, true),
        Action::Suggest => return super::review::open(state),
        Action::CheckDrift => return super::drift::check(state),
        Action::ActivityLog => state.screen = Screen::Activity { scroll: 0 },
        Action::Push => return super::push::open(state),
        Action::Workbench => {
            if state.workbench.is_some() {
                state.screen = Screen::Workbench;
                let mut effects = super::workbench::preview(state);
                effects.extend(super::workbench::sweep(state));
                return effects;
            }
            return vec![Effect::LoadMapping];
        }
        _ => {}
    }
    vec![]
}

fn set_sort(state: &mut State, column: Column, toggle: bool) {
    if toggle {
        state.sort.descending = !state.sort.descending;
    } else {
        state.sort.column = column;
        state.sort.descending = false;
    }
    state.resort();
}

fn open_detail(state: &mut State) -> Vec<Effect> {
    let Some(repo) = state.current() else {
        return vec![];
    };
    let arn = repo.arn.clone();
    let wants_policies = repo.lifecycle_policy.is_pending() || repo.repository_policy.is_pending();
    state.screen = Screen::Detail {
        arn: arn.clone(),
        scroll: 0,
    };
    if wants_policies {
        vec![Effect::FetchPolicies {
            load: state.load,
            arn,
        }]
    } else {
        vec![]
    }
}

fn on_detail_action(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let page = state
        .viewport
        .map_or(state.height.saturating_sub(6), |v| v.text_rows)
        .max(1);
    let end = state.viewport.map_or(u16::MAX, |v| v.text_end());
    let Screen::Detail { scroll, .. } = &mut state.screen else {
        return vec![];
    };
    match action {
        Some(Action::Quit) => return quit_unless_unsaved(state),
        Some(Action::QuitWithoutSaving) => return quit(state),
        Some(Action::Back) => state.screen = Screen::List,
        Some(a) => *scroll = scrolled(*scroll, page, end, a).unwrap_or(*scroll),
        None => {}
    }
    vec![]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::inventory::{InventoryError, Scope};
    use crate::model::repository::sample;
    use crate::model::{Fetched, Tag};

    fn loaded(repos: Vec<crate::model::Repository>) -> State {
        let mut s = State::new("test", false, false);
        let regions = vec![Scope::region("eu-west-1"), Scope::region("us-east-1")];
        let fx = update(
            &mut s,
            Msg::Connected {
                source: "profile test".into(),
                regions,
            },
        );
        assert_eq!(fx, vec![Effect::Load { load: 1 }]);
        update(
            &mut s,
            Msg::Inventory(vec![Event::Page {
                load: 1,
                region: "eu-west-1".into(),
                repos,
            }]),
        );
        s
    }

    fn names(s: &State) -> Vec<&str> {
        s.view.iter().map(|&i| s.repos[i].name.as_str()).collect()
    }

    fn keys(s: &mut State, ks: &[Key]) -> Vec<Effect> {
        ks.iter().flat_map(|k| update(s, Msg::Key(*k))).collect()
    }

    fn three() -> Vec<crate::model::Repository> {
        vec![
            sample("web/shop", "eu-west-1", &[("port-shop", "true")]),
            sample("auth", "eu-west-1", &[("team", "id")]),
            sample("data/etl", "eu-west-1", &[]),
        ]
    }

    #[test]
    fn rows_are_sorted_and_filtered() {
        let mut s = loaded(three());
        assert_eq!(names(&s), ["auth", "data/etl", "web/shop"]);
        keys(&mut s, &[Key::Char('/'), Key::Char('s'), Key::Char('h')]);
        assert_eq!(names(&s), ["web/shop"]);
        keys(&mut s, &[Key::Enter]);
        assert!(!s.filter_editing);
        keys(&mut s, &[Key::Esc]);
        assert_eq!(s.view.len(), 3);
        // Inverted filter, matching a tag.
        keys(
            &mut s,
            &[
                Key::Char('/'),
                Key::Char('!'),
                Key::Char('t'),
                Key::Char('e'),
            ],
        );
        keys(&mut s, &[Key::Char('a'), Key::Char('m'), Key::Char('=')]);
        assert_eq!(names(&s), ["data/etl", "web/shop"]);
    }

    #[test]
    fn sort_by_column_and_reverse() {
        let mut s = loaded(three());
        keys(&mut s, &[Key::Char('3')]); // services
        assert_eq!(names(&s), ["auth", "data/etl", "web/shop"]);
        keys(&mut s, &[Key::Char('3')]);
        assert!(s.sort.descending);
        assert_eq!(names(&s)[0], "web/shop");
        keys(&mut s, &[Key::Char('s')]);
        assert_eq!(s.sort.column, Column::OtherTags);
    }

    #[test]
    fn cursor_follows_its_row_when_rows_arrive() {
        let mut s = loaded(three());
        keys(&mut s, &[Key::Down]);
        assert_eq!(s.current().unwrap().name, "data/etl");
        update(
            &mut s,
            Msg::Inventory(vec![Event::Page {
                load: 1,
                region: "us-east-1".into(),
                repos: vec![sample("aaa", "us-east-1", &[])],
            }]),
        );
        assert_eq!(s.current().unwrap().name, "data/etl");
    }

    #[test]
    fn select_toggle_all_and_clear() {
        let mut s = loaded(three());
        keys(&mut s, &[Key::Char(' '), Key::Char(' ')]);
        assert_eq!(s.selected.len(), 2);
        assert_eq!(s.cursor, 2);
        keys(&mut s, &[Key::Char(' ')]);
        assert_eq!(s.selected.len(), 3);
        keys(&mut s, &[Key::Char('a')]);
        assert!(s.selected.is_empty());
        keys(&mut s, &[Key::Char('a')]);
        assert_eq!(s.selected.len(), 3);
        keys(&mut s, &[Key::Esc]);
        assert!(s.selected.is_empty());
    }

    #[test]
    fn detail_asks_for_pending_policies_once() {
        let mut repos = three();
        repos[0].lifecycle_policy = Fetched::Pending;
        let mut s = loaded(repos);
        keys(&mut s, &[Key::End]);
        let fx = keys(&mut s, &[Key::Enter]);
        assert_eq!(
            fx,
            vec![Effect::FetchPolicies {
                load: 1,
                arn: s.repos[0].arn.clone()
            }]
        );
        assert!(matches!(s.screen, Screen::Detail { .. }));
        keys(&mut s, &[Key::Esc]);
        assert_eq!(s.screen, Screen::List);
        keys(&mut s, &[Key::Home]);
        assert!(keys(&mut s, &[Key::Enter]).is_empty());
    }

    #[test]
    fn stale_load_events_are_ignored_after_refresh() {
        let mut s = loaded(three());
        let fx = keys(&mut s, &[Key::Char('r')]);
        assert_eq!(fx, vec![Effect::Load { load: 2 }]);
        assert!(s.repos.is_empty());
        update(
            &mut s,
            Msg::Inventory(vec![
                Event::Page {
                    load: 1,
                    region: "eu-west-1".into(),
                    repos: three(),
                },
                Event::Tags {
                    load: 2,
                    arn: "nope".into(),
                    tags: Fetched::Present(vec![Tag::new("a", "b")]),
                },
            ]),
        );
        assert!(s.repos.is_empty());
    }

    #[test]
    fn region_failure_is_shown_and_connect_failure_can_retry() {
        let mut s = loaded(three());
        let error = InventoryError::AccessDenied {
            region: "us-east-1".into(),
            action: "ecr:DescribeRepositories".into(),
            message: "no".into(),
        };
        update(
            &mut s,
            Msg::Inventory(vec![Event::RegionFailed {
                load: 1,
                region: "us-east-1".into(),
                error: error.clone(),
            }]),
        );
        assert_eq!(s.regions[1].phase, Phase::Failed(error));
        assert!(
            s.status
                .as_ref()
                .unwrap()
                .text
                .contains("ecr:DescribeRepositories")
        );

        let mut s = State::new("x", false, false);
        update(&mut s, Msg::ConnectFailed(InventoryError::NoRegion));
        assert!(s.fatal.is_some());
        assert_eq!(keys(&mut s, &[Key::Char('r')]), vec![Effect::Connect]);
    }

    fn in_account(name: &str, account: &str) -> crate::model::Repository {
        let mut repo = sample(name, "eu-west-1", &[]);
        repo.registry_id = account.into();
        repo.arn = format!("arn:aws:ecr:eu-west-1:{account}:repository/{name}");
        repo
    }

    /// Accounts `prod` and `dev` in eu-west-1 and us-east-1; prod lists two repositories, dev
    /// one, and `dev · us-east-1` is still listing.
    fn two_accounts() -> State {
        let mut s = State::new("test", false, false);
        let scope = |account: &str, region: &str| Scope {
            account: Some(account.into()),
            region: region.into(),
        };
        update(
            &mut s,
            Msg::Connected {
                source: "profile prod + profile dev".into(),
                regions: vec![
                    scope("prod", "eu-west-1"),
                    scope("prod", "us-east-1"),
                    scope("dev", "eu-west-1"),
                    scope("dev", "us-east-1"),
                ],
            },
        );
        let page = |region: &str, repos| Event::Page {
            load: 1,
            region: region.into(),
            repos,
        };
        let started = |region: &str| Event::RegionStarted {
            load: 1,
            region: region.into(),
        };
        let listed = |region: &str| Event::RegionListed {
            load: 1,
            region: region.into(),
        };
        update(
            &mut s,
            Msg::Inventory(vec![
                started("prod · eu-west-1"),
                started("dev · us-east-1"),
                page(
                    "prod · eu-west-1",
                    vec![
                        in_account("shop", "111111111111"),
                        in_account("auth", "111111111111"),
                    ],
                ),
                listed("prod · eu-west-1"),
                listed("prod · us-east-1"),
                page("dev · eu-west-1", vec![in_account("shop", "222222222222")]),
                listed("dev · eu-west-1"),
            ]),
        );
        s
    }

    #[test]
    fn several_accounts_name_their_rows_and_report_each_load() {
        let mut s = two_accounts();
        assert!(s.several_accounts());
        let accounts: Vec<&str> = s.view.iter().map(|&i| s.account_of(&s.repos[i])).collect();
        assert_eq!(names(&s), ["auth", "shop", "shop"]);
        assert_eq!(accounts, ["prod", "dev", "prod"]);
        let statuses = s.account_statuses();
        assert_eq!(
            statuses
                .iter()
                .map(|a| (a.alias, a.listed, a.loading))
                .collect::<Vec<_>>(),
            [("prod", 2, false), ("dev", 1, true)]
        );

        // One account failing is its own: the other keeps its rows and its status.
        let expired = InventoryError::BadCredentials {
            profile: "dev".into(),
            code: "ExpiredToken".into(),
        };
        update(
            &mut s,
            Msg::Inventory(vec![Event::RegionFailed {
                load: 1,
                region: "dev · us-east-1".into(),
                error: expired.clone(),
            }]),
        );
        let dev = &s.account_statuses()[1];
        assert_eq!(dev.failed, [("us-east-1", &expired)]);
        assert!(!dev.loading);
        assert_eq!(s.repos.len(), 3);
        let status = s.status.as_ref().unwrap().text.clone();
        assert!(status.starts_with("dev · us-east-1: "), "{status}");
        assert_eq!(expired.short(), "session expired");
    }

    #[test]
    fn a_narrowing_filter_and_rows_arriving_give_what_a_fresh_filter_would() {
        let mut s = loaded(three());
        keys(&mut s, &[Key::Char('/'), Key::Char('a')]);
        let wide = names(&s).into_iter().map(String::from).collect::<Vec<_>>();
        keys(&mut s, &[Key::Char('t')]);
        let narrow = names(&s).into_iter().map(String::from).collect::<Vec<_>>();
        assert!(narrow.len() < wide.len(), "{wide:?} then {narrow:?}");
        // A row that matches arrives while the filter is on: it is shown, in order.
        update(
            &mut s,
            Msg::Inventory(vec![Event::Page {
                load: 1,
                region: "eu-west-1".into(),
                repos: vec![sample("aaa/at", "eu-west-1", &[])],
            }]),
        );
        assert_eq!(names(&s)[0], "aaa/at");
        keys(&mut s, &[Key::Backspace]);
        let mut fresh = loaded(three());
        update(
            &mut fresh,
            Msg::Inventory(vec![Event::Page {
                load: 1,
                region: "eu-west-1".into(),
                repos: vec![sample("aaa/at", "eu-west-1", &[])],
            }]),
        );
        keys(&mut fresh, &[Key::Char('/'), Key::Char('a')]);
        assert_eq!(names(&s), names(&fresh));
        // Inverted filters widen as they grow: never narrowed from the rows shown. Every
        // region has an `e`, so `!e` keeps nothing and `!et` all but data/etl.
        keys(&mut s, &[Key::Ctrl('u'), Key::Char('!'), Key::Char('e')]);
        assert!(names(&s).is_empty());
        keys(&mut s, &[Key::Char('t')]);
        assert!(!names(&s).is_empty());
        keys(&mut fresh, &[Key::Ctrl('u')]);
        for c in "!et".chars() {
            keys(&mut fresh, &[Key::Char(c)]);
        }
        assert_eq!(names(&s), names(&fresh));
    }

    #[test]
    fn the_account_filter_and_sort() {
        let mut s = two_accounts();
        keys(
            &mut s,
            &[
                Key::Char('/'),
                Key::Char('@'),
                Key::Char('d'),
                Key::Char('e'),
            ],
        );
        assert_eq!(names(&s), ["shop"]);
        assert_eq!(s.account_of(s.current().unwrap()), "dev");
        // By id too, and inverted.
        keys(&mut s, &[Key::Ctrl('u')]);
        for c in "!@1111".chars() {
            keys(&mut s, &[Key::Char(c)]);
        }
        assert_eq!(names(&s), ["shop"]);
        keys(&mut s, &[Key::Esc]);
        // Plain text finds the alias as it finds the region.
        keys(&mut s, &[Key::Char('/')]);
        for c in "prod".chars() {
            keys(&mut s, &[Key::Char(c)]);
        }
        assert_eq!(names(&s), ["auth", "shop"]);
        keys(&mut s, &[Key::Esc]);
        // `←` from NAME wraps to ACCOUNT, shown only with several accounts.
        keys(&mut s, &[Key::Left]);
        assert_eq!(s.sort.column, Column::Account);
        let accounts: Vec<&str> = s.view.iter().map(|&i| s.account_of(&s.repos[i])).collect();
        assert_eq!(accounts, ["dev", "prod", "prod"]);
        let mut one = loaded(three());
        keys(&mut one, &[Key::Left]);
        assert_eq!(one.sort.column, Column::Created);
        // With one account, `@` looks at the id and plain text does not.
        keys(&mut one, &[Key::Char('/')]);
        for c in "1234".chars() {
            keys(&mut one, &[Key::Char(c)]);
        }
        assert!(names(&one).is_empty());
        keys(&mut one, &[Key::Ctrl('u'), Key::Char('@'), Key::Char('1')]);
        assert_eq!(names(&one).len(), 3);
    }

    #[test]
    fn paging_moves_by_the_rows_the_view_reported() {
        let repos: Vec<_> = (0..50)
            .map(|i| sample(&format!("r{i:02}"), "eu-west-1", &[]))
            .collect();
        let mut s = loaded(repos);
        update(
            &mut s,
            Msg::Resize {
                width: 80,
                height: 40,
            },
        );
        update(
            &mut s,
            Msg::Viewport(crate::app::Viewport {
                list_rows: 5,
                push_rows: 5,
                text_rows: 5,
                ..Default::default()
            }),
        );
        keys(&mut s, &[Key::PageDown]);
        assert_eq!(s.cursor, 5);
        keys(&mut s, &[Key::PageDown, Key::Down]);
        assert_eq!(s.cursor, 11);
        // The page scrolled just enough to keep the cursor on the 5 rows shown.
        assert_eq!(s.offset, 7);
    }

    #[test]
    fn text_panes_stop_scrolling_at_their_end() {
        let mut s = loaded(three());
        keys(&mut s, &[Key::Enter]);
        update(
            &mut s,
            Msg::Viewport(crate::app::Viewport {
                text_rows: 5,
                text_lines: 12,
                help_rows: 10,
                help_lines: 30,
                ..Default::default()
            }),
        );
        keys(&mut s, &[Key::Char('j'); 20]);
        assert!(
            matches!(s.screen, Screen::Detail { scroll: 7, .. }),
            "{:?}",
            s.screen
        );
        keys(&mut s, &[Key::PageDown, Key::Char('k')]);
        assert!(matches!(s.screen, Screen::Detail { scroll: 6, .. }));
        keys(&mut s, &[Key::Char('?')]);
        keys(&mut s, &[Key::Char('j'); 50]);
        assert_eq!(s.help, Some(20));
    }

    #[test]
    fn help_answers_in_dialogs_and_l_opens_the_log_from_the_results() {
        let mut s = loaded(three());
        keys(&mut s, &[Key::Char('t'), Key::Char('x'), Key::Enter]);
        assert!(matches!(
            s.dialog,
            Some(super::super::tagging::Dialog::Preview(_))
        ));
        keys(&mut s, &[Key::Char('?')]);
        assert!(s.help.is_some(), "? opens the help over the preview");
        keys(&mut s, &[Key::Esc]);
        assert!(
            s.help.is_none() && s.dialog.is_some(),
            "the preview is still there"
        );
        keys(&mut s, &[Key::Char('y'), Key::Char('L')]);
        assert!(s.dialog.is_none());
        assert!(matches!(s.screen, Screen::Activity { .. }));
    }

    #[test]
    fn quit_from_anywhere_but_the_filter_box() {
        let mut s = loaded(three());
        keys(&mut s, &[Key::Char('/'), Key::Char('q')]);
        assert!(!s.quit);
        assert_eq!(s.filter, "q");
        keys(&mut s, &[Key::Esc, Key::Char('?')]);
        assert!(s.help.is_some());
        keys(&mut s, &[Key::Esc, Key::Char('q')]);
        assert!(s.quit);
    }

    #[test]
    fn a_status_lasts_until_the_next_key_unless_it_is_still_true() {
        let mut s = loaded(three());
        s.workbench = None;
        update(&mut s, Msg::Notice("an old notice".into()));
        assert!(s.status.is_some());
        keys(&mut s, &[Key::Down]);
        assert_eq!(s.status, None, "the next action clears it");
        let error = InventoryError::AccessDenied {
            region: "us-east-1".into(),
            action: "ecr:DescribeRepositories".into(),
            message: "no".into(),
        };
        update(
            &mut s,
            Msg::Inventory(vec![Event::RegionFailed {
                load: 1,
                region: "us-east-1".into(),
                error,
            }]),
        );
        keys(&mut s, &[Key::Down, Key::Up]);
        assert!(
            s.status
                .as_ref()
                .is_some_and(|st| st.text.contains("us-east-1")),
            "a failed region stays said: {:?}",
            s.status
        );
    }

    #[test]
    fn refresh_brings_the_cursor_back_to_its_repository() {
        let mut s = loaded(three());
        keys(&mut s, &[Key::Down, Key::Down]);
        assert_eq!(s.current().unwrap().name, "web/shop");
        assert_eq!(
            keys(&mut s, &[Key::Char('r')]),
            vec![Effect::Load { load: 2 }]
        );
        // The first page does not hold it yet; the second does.
        update(
            &mut s,
            Msg::Inventory(vec![Event::Page {
                load: 2,
                region: "eu-west-1".into(),
                repos: vec![three()[1].clone()],
            }]),
        );
        update(
            &mut s,
            Msg::Inventory(vec![Event::Page {
                load: 2,
                region: "eu-west-1".into(),
                repos: vec![three()[0].clone(), three()[2].clone()],
            }]),
        );
        assert_eq!(s.current().unwrap().name, "web/shop");
    }

    #[test]
    fn ctrl_d_and_ctrl_u_move_half_a_page_and_g_shift_g_the_ends() {
        use crate::app::fixtures::loaded;
        let mut s = loaded(50, 10);
        keys(&mut s, &[Key::Ctrl('d')]);
        assert_eq!(s.cursor, 5);
        keys(&mut s, &[Key::Ctrl('d'), Key::Ctrl('u')]);
        assert_eq!(s.cursor, 5);
        keys(&mut s, &[Key::PageDown]);
        assert_eq!(s.cursor, 15);
        keys(&mut s, &[Key::Char('G')]);
        assert_eq!(s.cursor, 49);
        keys(&mut s, &[Key::PageUp, Key::Char('g')]);
        assert_eq!(s.cursor, 0);
        // The same keys in a text pane; the help lists them for it.
        keys(&mut s, &[Key::Enter]);
        let mut v = s.viewport.unwrap();
        v.text_lines = 40;
        update(&mut s, Msg::Viewport(v));
        keys(&mut s, &[Key::Ctrl('d')]);
        assert!(matches!(s.screen, Screen::Detail { scroll: 5, .. }));
        keys(&mut s, &[Key::Char('G')]);
        assert!(matches!(s.screen, Screen::Detail { scroll: 30, .. }));
        keys(&mut s, &[Key::Ctrl('u'), Key::Char(' ')]);
        assert!(matches!(s.screen, Screen::Detail { scroll: 30, .. }));
        for context in [
            keys::Context::Detail,
            keys::Context::Activity,
            keys::Context::Help,
        ] {
            let helps: Vec<&str> = keys::bindings(context).map(|b| b.what).collect();
            assert!(helps.contains(&"half a page down"), "{context:?}");
        }
        // In a text box Ctrl-u keeps erasing.
        keys(
            &mut s,
            &[Key::Esc, Key::Char('/'), Key::Char('r'), Key::Ctrl('u')],
        );
        assert!(s.filter_editing && s.filter.is_empty());
    }
}
