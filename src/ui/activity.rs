//! `L`: every write this session made, newest first, with the AWS CLI command that does the
//! same.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme;
use crate::app::State;
use crate::model::time;

/// Draws the log; returns the rows it scrolls over and the entry at the top of the pane
/// (newest first), which is marked: `y` copies it.
pub fn render(frame: &mut Frame, area: Rect, state: &State, scroll: u16) -> (u16, usize) {
    let block = Block::bordered()
        .title(Line::from(vec![
            Span::styled(" activity log ", theme::title()),
            Span::styled(format!("[{}] ", state.activity.len()), theme::dim()),
        ]))
        .border_style(theme::dim());
    let mut lines = Vec::new();
    if state.activity.is_empty() {
        lines.push(Line::styled(
            "No writes yet. Tag writes (t, T) appear here with the AWS CLI command that does the same.",
            theme::dim(),
        ));
    }
    let width = block.inner(area).width;
    // The entry whose rows hold the top row of the pane.
    let mut top = 0;
    let mut row = 0u16;
    let mut starts = Vec::new();
    let mut last_start = 0u16;
    for (n, entry) in state.activity.iter().rev().enumerate() {
        let first_line = lines.len();
        starts.push(first_line);
        let (mark, style) = match &entry.outcome {
            Ok(()) => ("✓", Style::new().fg(theme::OK)),
            Err(_) => ("✗", theme::error()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::styled(format!("{} ", time::format_rfc3339(entry.at)), theme::dim()),
            Span::raw(format!("{}  ", entry.target)),
            Span::styled(entry.action.clone(), style),
        ]));
        if let Err(e) = &entry.outcome {
            lines.push(Line::styled(format!("    {e}"), theme::error()));
        }
        if let Some(cmd) = &entry.command {
            lines.push(Line::styled(format!("    $ {cmd}"), theme::dim()));
        }
        if row <= scroll {
            top = n;
        }
        last_start = row;
        row = row.saturating_add(super::wrapped_rows(&lines[first_line..], width));
    }
    if let Some(line) = starts.get(top).and_then(|&i| lines.get_mut(i)) {
        // The entry `y` copies stands out.
        *line = line.clone().patch_style(theme::cursor());
    }
    // Scrolling goes on until the oldest entry is at the top, so `y` can reach every entry.
    let inner_rows = block.inner(area).height;
    let rows = last_start.saturating_add(inner_rows);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
    (rows, top)
}
