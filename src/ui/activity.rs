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
    let width = usize::from(area.width.saturating_sub(2)).max(1);
    let detail = selected.map(|e| detail_lines(e, cursor, state.activity.len(), width));
    // The entry below the rows takes what it needs, leaving the rows three lines.
    let detail_height = detail.as_ref().map_or(0, |(lines, _)| {
        let rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        rows.saturating_add(2).min(area.height.saturating_sub(5))
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
            frame.render_widget(Paragraph::new(lines).block(block), detail_area);
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

/// The whole entry: when, what, why it failed, and the command, cut into lines of `width`
/// characters (so its height is known before drawing); and the pane's title.
fn detail_lines(
    entry: &Activity,
    cursor: usize,
    count: usize,
    width: usize,
) -> (Vec<Line<'static>>, String) {
    let (mark, style) = mark(entry);
    let mut parts = vec![
        (
            format!(
                "{mark} {}  {}",
                time::format_rfc3339(entry.at),
                entry.target
            ),
            style,
        ),
        (entry.action.clone(), style),
    ];
    if let Err(e) = &entry.outcome {
        parts.push((e.clone(), theme::error()));
    }
    if let Some(cmd) = &entry.command {
        parts.push((format!("$ {cmd}"), theme::dim()));
    }
    let lines = parts
        .into_iter()
        .flat_map(|(text, style)| {
            let chars: Vec<char> = text.chars().collect();
            let pieces: Vec<String> = if chars.is_empty() {
                vec![String::new()]
            } else {
                chars.chunks(width).map(|c| c.iter().collect()).collect()
            };
            pieces.into_iter().map(move |p| Line::styled(p, style))
        })
        .collect();
    (
        lines,
        format!(" entry {} of {count} · y copies it ", cursor + 1),
    )
}
