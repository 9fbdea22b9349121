//! The activity log screen (`L`): one row per write, newest first, with a cursor; the entry
//! under it is shown whole below the rows, and `y` copies it.

use super::Effect;
use super::keys::Action;
use super::state::{Screen, State};
use crate::model::activity::Activity;

/// The log, with the cursor on the newest entry.
pub(super) fn open(state: &mut State) {
    state.screen = Screen::Activity {
        cursor: 0,
        offset: 0,
    };
}

/// The entry under the cursor.
pub fn selected(state: &State) -> Option<&Activity> {
    let Screen::Activity { cursor, .. } = state.screen else {
        return None;
    };
    state.activity.iter().rev().nth(cursor)
}

/// An entry was added: the cursor stays on the entry it was on, unless that was the newest,
/// which it follows (as a log tail does).
pub(super) fn entry_added(state: &mut State) {
    if let Screen::Activity { cursor, .. } = &mut state.screen
        && *cursor > 0
    {
        // The view scrolls only if the entry would leave the rows.
        *cursor += 1;
    }
}

/// Rows of entries the log last had room for.
fn page(state: &State) -> usize {
    state
        .viewport
        .and_then(|v| v.rows)
        .map_or(10, |r| usize::from(r.area.height))
        .max(1)
}

/// Moves the cursor to `to` and scrolls so that it stays in sight.
pub(super) fn put_cursor(state: &mut State, to: usize) {
    let page = page(state);
    let last = state.activity.len().saturating_sub(1);
    if let Screen::Activity { cursor, offset } = &mut state.screen {
        *cursor = to.min(last);
        if *cursor < *offset {
            *offset = *cursor;
        } else if *cursor >= *offset + page {
            *offset = *cursor + 1 - page;
        }
    }
}

pub(super) fn on_action(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let Screen::Activity { cursor, .. } = state.screen else {
        return vec![];
    };
    let Some(action) = action else {
        return vec![];
    };
    if let Some(to) = super::update::moved(cursor, state.activity.len(), page(state), action) {
        put_cursor(state, to);
        return vec![];
    }
    match action {
        Action::Back => state.screen = Screen::List,
        Action::Quit => return super::update::quit_unless_unsaved(state),
        Action::QuitWithoutSaving => return super::update::quit(state),
        Action::Undo => return super::undo::start(state),
        _ => {}
    }
    vec![]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::{keys, loaded};
    use crate::app::{Key, Msg, update};

    fn entry(n: i64) -> Activity {
        Activity {
            at: n,
            target: format!("r{n} (eu-west-1)"),
            action: "add port-x=true".into(),
            outcome: Ok(()),
            command: None,
        }
    }

    fn cursor(s: &State) -> (usize, usize) {
        match s.screen {
            Screen::Activity { cursor, offset } => (cursor, offset),
            _ => panic!("not the log: {:?}", s.screen),
        }
    }

    #[test]
    fn the_cursor_moves_by_entry_scrolls_with_the_page_and_keeps_its_entry() {
        let mut s = loaded(3, 10);
        s.activity = (0..30).map(entry).collect();
        keys(&mut s, &[Key::Char('L')]);
        assert_eq!(selected(&s).unwrap().at, 29, "the newest first");
        let mut v = s.viewport.unwrap_or_default();
        v.rows = Some(crate::app::Rows {
            area: crate::app::Area {
                x: 1,
                y: 3,
                width: 60,
                height: 5,
            },
            first: 0,
        });
        update(&mut s, Msg::Viewport(v));
        keys(&mut s, &[Key::Char('j'), Key::Char('j')]);
        assert_eq!(cursor(&s), (2, 0));
        keys(&mut s, &[Key::Char('j'), Key::Char('j'), Key::Char('j')]);
        assert_eq!(
            cursor(&s),
            (5, 1),
            "scrolled one row to keep the cursor in sight"
        );
        keys(&mut s, &[Key::Char('G')]);
        assert_eq!(cursor(&s), (29, 25));
        assert_eq!(selected(&s).unwrap().at, 0, "the oldest last");
        keys(&mut s, &[Key::Char('g')]);
        assert_eq!(cursor(&s), (0, 0));
        // A write lands while the log is open: the newest is followed, another entry kept.
        s.activity.push(entry(30));
        entry_added(&mut s);
        assert_eq!(selected(&s).unwrap().at, 30);
        keys(&mut s, &[Key::Char('j'), Key::Char('j')]);
        assert_eq!(selected(&s).unwrap().at, 28);
        s.activity.push(entry(31));
        entry_added(&mut s);
        assert_eq!(selected(&s).unwrap().at, 28);
    }
}
