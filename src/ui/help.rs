//! The `?` overlay: every key, grouped by where it applies.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{centered, theme};
use crate::app::State;
use crate::app::keys::Context;

/// Draws the help and returns its line count and the rows it had room for.
pub fn render(frame: &mut Frame, area: Rect, state: &State, scroll: u16) -> (u16, u16) {
    let mut lines = Vec::new();
    for context in Context::ALL {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(context.title(), theme::title()));
        // Rows that say the same thing (the sort keys 1–7) are one line with all their keys.
        let mut rows: Vec<(String, &str)> = Vec::new();
        for b in state.keymap.bindings(context) {
            match rows.last_mut() {
                Some((keys, what)) if *what == b.what => {
                    keys.push(' ');
                    keys.push_str(&b.key_text());
                }
                _ => rows.push((b.key_text(), b.what)),
            }
        }
        for (keys, what) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<24}"), theme::header()),
                Span::raw(what.to_owned()),
            ]));
        }
    }
    // As wide as the longest line where the terminal allows; narrower ones wrap the text.
    let longest = lines.iter().map(Line::width).max().unwrap_or(0);
    let width = u16::try_from(longest + 2)
        .unwrap_or(u16::MAX)
        .min(area.width);
    let count = super::wrapped_rows(&lines, width.saturating_sub(2));
    let popup = centered(area, width, count.saturating_add(2));
    let block = Block::bordered()
        .title(Line::styled(" keys ", theme::title()))
        .title_bottom(Line::styled(" Esc or ? closes · j/k scroll ", theme::dim()))
        .border_style(theme::dim());
    frame.render_widget(Clear, popup);
    let rows = block.inner(popup).height;
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block)
            .scroll((scroll, 0)),
        popup,
    );
    (count, rows)
}
