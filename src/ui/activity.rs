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

/// Draws the log and returns how many rows its text takes.
pub fn render(frame: &mut Frame, area: Rect, state: &State, scroll: u16) -> u16 {
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
    for entry in state.activity.iter().rev() {
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
    }
    let rows = super::wrapped_rows(&lines, block.inner(area).width);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
    rows
}
