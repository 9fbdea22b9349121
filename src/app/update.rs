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
            // A cursor on the first row stays on the first row while the list fills in (the
            // top of the list, not the first repository that happened to arrive).
            let at_top = state.cursor == 0 && state.keep_cursor.is_none();
            for event in events {
                on_inventory(state, event);
            }
            state.refresh_view();
            if at_top {
                state.cursor = 0;
                state.follow_cursor();
            }
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
            Ok(loaded) => {
                let (file, path) = *loaded;
                super::workbench::open(state, file, path)
            }
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
        Some(Action::Suspend) => return vec![Effect::Suspend],
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
        Screen::Activity { .. } => super::log::on_action(state, action),
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
        Action::ActivityLog => super::log::open(state),
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
mod tests;
