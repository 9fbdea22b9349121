//! The mouse: a click moves the highlight to the row under it, the wheel scrolls. Rows are
//! found in what the views last drew (`Viewport::rows`), and scrolling goes through the keys
//! the binding table gives the context, so the wheel does what `j`/`k` do there.

use super::keys::{self, Action, Context};
use super::state::State;
use super::{Effect, Msg};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    /// The left button went down.
    Click,
    WheelUp,
    WheelDown,
}

/// A mouse event at a cell of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
}

/// Rows one notch of the wheel moves, as in most terminal programs.
pub const WHEEL_STEP: u16 = 3;

pub(super) fn on_mouse(state: &mut State, mouse: Mouse) -> Vec<Effect> {
    let context = state.key_context();
    match mouse.kind {
        MouseKind::WheelUp | MouseKind::WheelDown => wheel(state, context, mouse),
        MouseKind::Click => {
            click(state, context, mouse);
            vec![]
        }
    }
}

fn wheel(state: &mut State, context: Context, mouse: Mouse) -> Vec<Effect> {
    let down = mouse.kind == MouseKind::WheelDown;
    // Over the workbench's input pane the wheel scrolls the pane, not the fields.
    let over_pane = state
        .viewport
        .and_then(|v| v.pane)
        .is_some_and(|a| a.contains(mouse.column, mouse.row));
    if context == Context::Workbench && over_pane {
        if let Some(wb) = state.workbench.as_mut() {
            let end = state.viewport.map_or(u16::MAX, |v| v.pane_end);
            wb.input_scroll = if down {
                wb.input_scroll.saturating_add(WHEEL_STEP).min(end)
            } else {
                wb.input_scroll.saturating_sub(WHEEL_STEP)
            };
        }
        return vec![];
    }
    let action = if down { Action::Down } else { Action::Up };
    let Some(key) = keys::key_for(context, action) else {
        return vec![];
    };
    (0..WHEEL_STEP)
        .flat_map(|_| super::update(state, Msg::Key(key)))
        .collect()
}

fn click(state: &mut State, context: Context, mouse: Mouse) {
    let Some(item) = state
        .viewport
        .and_then(|v| v.rows)
        .and_then(|r| r.item_at(mouse.column, mouse.row))
    else {
        return;
    };
    match context {
        Context::List if item < state.view.len() => {
            state.cursor = item;
            state.keep_cursor = None;
            state.follow_cursor();
        }
        Context::Review => {
            if let Some(review) = state.review.as_mut()
                && item < review.shown().len()
            {
                review.cursor = item;
            }
        }
        Context::Push | Context::PushDone => {
            if let Some(push) = state.push.as_mut()
                && item < push.rows()
            {
                push.cursor = item;
            }
        }
        Context::Workbench => {
            if let Some(wb) = state.workbench.as_mut()
                && item <= wb.last_row()
            {
                wb.focus = item;
            }
        }
        Context::Activity if item < state.activity.len() => {
            super::log::put_cursor(state, item);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::{keys, loaded};
    use crate::app::{Area, Key, Rows, Viewport, update};

    fn at(kind: MouseKind, column: u16, row: u16) -> Msg {
        Msg::Mouse(Mouse { kind, column, row })
    }

    /// The list's rows drawn from screen row 5, item `first` on it.
    fn drawn(s: &mut State, first: usize) {
        let v = Viewport {
            list_rows: 10,
            text_rows: 10,
            text_lines: 40,
            help_rows: 10,
            help_lines: 40,
            rows: Some(Rows {
                area: Area {
                    x: 1,
                    y: 5,
                    width: 60,
                    height: 10,
                },
                first,
            }),
            ..Default::default()
        };
        update(s, Msg::Viewport(v));
    }

    #[test]
    fn a_click_moves_the_highlight_to_the_row_under_it() {
        let mut s = loaded(30, 10);
        drawn(&mut s, 0);
        update(&mut s, at(MouseKind::Click, 10, 7));
        assert_eq!(s.cursor, 2);
        // Scrolled: the first row shows item 12.
        keys(&mut s, &[Key::Char('G')]);
        let first = s.offset;
        drawn(&mut s, first);
        update(&mut s, at(MouseKind::Click, 3, 5));
        assert_eq!(s.cursor, s.offset);
        // Outside the rows (the header, the border): nothing moves.
        let before = s.cursor;
        update(&mut s, at(MouseKind::Click, 10, 4));
        update(&mut s, at(MouseKind::Click, 0, 8));
        assert_eq!(s.cursor, before);
    }

    #[test]
    fn the_wheel_scrolls_as_j_and_k_do() {
        let mut s = loaded(30, 10);
        drawn(&mut s, 0);
        update(&mut s, at(MouseKind::WheelDown, 10, 7));
        assert_eq!(s.cursor, usize::from(WHEEL_STEP));
        update(&mut s, at(MouseKind::WheelUp, 10, 7));
        assert_eq!(s.cursor, 0);
        // In the help, the help scrolls and the list stays.
        keys(&mut s, &[Key::Char('?')]);
        update(&mut s, at(MouseKind::WheelDown, 10, 7));
        assert_eq!(s.help, Some(WHEEL_STEP));
        assert_eq!(s.cursor, 0);
        // In a text box the wheel does nothing (↓ there leaves the box).
        keys(&mut s, &[Key::Esc, Key::Char('/')]);
        update(&mut s, at(MouseKind::WheelDown, 10, 7));
        assert!(s.filter_editing);
        assert_eq!(s.cursor, 0);
    }

    #[test]
    fn a_click_in_the_log_puts_the_cursor_on_its_entry() {
        let mut s = loaded(3, 10);
        s.activity = (0..6)
            .map(|n| crate::model::activity::Activity {
                at: n,
                target: format!("r{n} (eu-west-1)"),
                action: "add port-x=true".into(),
                outcome: Ok(()),
                command: None,
            })
            .collect();
        keys(&mut s, &[Key::Char('L')]);
        drawn(&mut s, 0);
        update(&mut s, at(MouseKind::Click, 10, 8));
        assert!(matches!(
            s.screen,
            crate::app::Screen::Activity { cursor: 3, .. }
        ));
        // Below the last entry: nothing moves.
        update(&mut s, at(MouseKind::Click, 10, 14));
        assert!(matches!(
            s.screen,
            crate::app::Screen::Activity { cursor: 3, .. }
        ));
    }
}
