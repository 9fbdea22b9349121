//! `L`: every write this session made, one row each, newest first; the entry under the
//! cursor is shown whole below, with the AWS CLI command that does the same.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::theme;
use crate::app::{Rows, State};
use crate::model::activity::Activity;
use crate::model::time;

/// Draws the log; returns where its rows are, for the mouse and for paging.
pub fn render(frame: &mut Frame, area: Rect, state: &State, cursor: usize, offset: usize) -> Rows {
    let title = Line::from(vec![
        Span::styled(" activity log ", theme::title()),
        Span::styled(format!("[{}] ", state.activity.len()), theme::dim()),
    ]);
    let list_block = Block::bordered().title(title).border_style(theme::dim());
    let selected = crate::app::log::selected(state);
    let detail = selected.map(|e| detail_lines(e, cursor, state.activity.len()));
    // The entry below the rows takes what it needs, up to half the screen.
    let detail_height = detail.as_ref().map_or(0, |(lines, _)| {
        let width = area.width.saturating_sub(2);
        (super::wrapped_rows(lines, width) + 2).min(area.height / 2)
    });
    let [rows_area, detail_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(detail_height)]).areas(area);
    let inner = list_block.inner(rows_area);
    if state.activity.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "No writes yet. Tag writes (t, T) appear here with the AWS CLI command that does the same.",
                theme::dim(),
            ))
            .wrap(Wrap { trim: false })
            .block(list_block),
            rows_area,
        );
    } else {
        let page = usize::from(inner.height).max(1);
        // The cursor stays in sight if the screen shrank since the last key.
        let offset = offset.min(cursor).max((cursor + 1).saturating_sub(page));
        let lines: Vec<Line> = state
            .activity
            .iter()
            .rev()
            .enumerate()
            .skip(offset)
            .take(page)
            .map(|(n, entry)| {
                let line = row(entry);
                if n == cursor {
                    line.patch_style(theme::cursor())
                } else {
                    line
                }
            })
            .collect();
        frame.render_widget(Paragraph::new(lines).block(list_block), rows_area);
        if let Some((lines, title)) = detail {
            let block = Block::bordered()
                .title(Span::styled(title, theme::title()))
                .border_style(theme::dim());
            frame.render_widget(
                Paragraph::new(lines)
                    .block(block)
                    .wrap(Wrap { trim: false }),
                detail_area,
            );
        }
        return Rows {
            area: super::area_of(inner),
            first: offset,
        };
    }
    Rows {
        area: super::area_of(inner),
        first: 0,
    }
}

fn mark(entry: &Activity) -> (&'static str, Style) {
    match &entry.outcome {
        Ok(()) => ("✓", Style::new().fg(theme::OK)),
        Err(_) => ("✗", theme::error()),
    }
}

/// One row: the outcome, the time of day, the repository and what was done.
fn row(entry: &Activity) -> Line<'static> {
    let (mark, style) = mark(entry);
    let stamp = time::format_rfc3339(entry.at);
    let clock = stamp.get(11..19).unwrap_or(&stamp).to_owned();
    Line::from(vec![
        Span::styled(format!("{mark} "), style),
        Span::styled(format!("{clock}  "), theme::dim()),
        Span::raw(format!("{}  ", entry.target)),
        Span::styled(entry.action.clone(), style),
    ])
}

/// The whole entry: when, what, why it failed, and the command; and the pane's title.
fn detail_lines(entry: &Activity, cursor: usize, count: usize) -> (Vec<Line<'static>>, String) {
    let (mark, style) = mark(entry);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{mark} "), style),
        Span::styled(
            format!("{}  ", time::format_rfc3339(entry.at)),
            theme::dim(),
        ),
        Span::raw(entry.target.clone()),
    ])];
    lines.push(Line::styled(entry.action.clone(), style));
    if let Err(e) = &entry.outcome {
        lines.push(Line::styled(e.clone(), theme::error()));
    }
    if let Some(cmd) = &entry.command {
        lines.push(Line::styled(format!("$ {cmd}"), theme::dim()));
    }
    (
        lines,
        format!(" entry {} of {count} · y copies it ", cursor + 1),
    )
}
