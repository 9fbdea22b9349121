//! The suggestion review: a row per repository with its pick, score and alternatives, the
//! cursor row's reasons below, and the service being typed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::theme;
use crate::app::Rows;
use crate::app::State;
use crate::app::review::{Decision, Review, Row};
use crate::model::text::printable;

/// Draws the review; returns where its rows went, for the mouse.
pub fn render(frame: &mut Frame, area: Rect, state: &State, review: &Review) -> Option<Rows> {
    frame.render_widget(Clear, area);
    let title = format!(
        " Suggested services · {} accepted · scores ≥ {:.1} ",
        review.accepted(),
        review.min_score()
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme::title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(rows) = &review.rows else {
        let waiting = Paragraph::new("reading Port's services…").style(theme::dim());
        frame.render_widget(waiting, inner);
        return None;
    };
    let [table, reasons] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(5)]).areas(inner);
    let shown = review.shown();
    if shown.is_empty() {
        let text = if rows.is_empty() {
            "every repository already has a service tag"
        } else {
            "no suggestion scores this high: f shows more"
        };
        frame.render_widget(Paragraph::new(text).style(theme::dim()), table);
        return None;
    }
    let name_width = shown
        .iter()
        .map(|&i| label(&rows[i]).chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, 48);
    let height = usize::from(table.height.saturating_sub(1)).max(1);
    let first = review.cursor.saturating_sub(height - 1);
    let mut lines = vec![Line::styled(
        format!(
            "   {:<name_width$}  {:<24}  SCORE  ALTERNATIVES",
            "REPOSITORY", "SERVICE"
        ),
        theme::header(),
    )];
    for (n, &i) in shown.iter().enumerate().skip(first).take(height) {
        lines.push(row_line(&rows[i], name_width, n == review.cursor));
    }
    frame.render_widget(Paragraph::new(lines), table);
    if let Some(row) = shown.get(review.cursor).map(|&i| &rows[i]) {
        let mut why: Vec<Line> = vec![Line::styled("why", theme::dim())];
        why.extend(
            row.suggestion
                .reasons
                .iter()
                .map(|r| Line::raw(format!("  {}", printable(r)))),
        );
        frame.render_widget(Paragraph::new(why).wrap(Wrap { trim: false }), reasons);
    }
    if let Some(typing) = &review.typing {
        render_typing(frame, area, state, typing);
    }
    Some(super::rows_below_header(table, first))
}

fn label(row: &Row) -> String {
    let text = format!("{} ({})", row.suggestion.repository, row.suggestion.region);
    printable(&text).into_owned()
}

fn row_line(row: &Row, name_width: usize, cursor: bool) -> Line<'static> {
    let s = &row.suggestion;
    let (mark, service, style) = match &row.decision {
        Decision::Accepted(service) => ("✓", service.clone(), Style::new().fg(theme::OK)),
        Decision::Rejected => ("✗", "(rejected)".to_owned(), theme::dim()),
        Decision::Open => match &s.service {
            Some(service) => (" ", service.clone(), Style::new()),
            None => (" ", "-".to_owned(), theme::dim()),
        },
    };
    let alternatives: Vec<String> = s
        .alternatives
        .iter()
        .enumerate()
        .map(|(n, a)| format!("{} {} {:.2}", n + 1, a.service, a.score))
        .collect();
    let text = format!(
        " {mark} {:<name_width$}  {:<24}  {:.2}   {}",
        truncate(&label(row), name_width),
        truncate(&printable(&service), 24),
        s.score,
        printable(&alternatives.join(" · "))
    );
    let style = if cursor {
        style.patch(theme::cursor())
    } else {
        style
    };
    Line::styled(text, style)
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn render_typing(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    typing: &crate::app::tagging::ServiceDialog,
) {
    let completions = state.service_suggestions(typing);
    let mut lines = vec![Line::from(vec![
        Span::styled("service: ", theme::dim()),
        Span::raw(printable(&typing.input).into_owned()),
        Span::styled("▏", theme::title()),
    ])];
    if let Some(e) = &typing.error {
        lines.push(Line::styled(format!("✗ {e}"), theme::error()));
    }
    for (i, s) in completions.iter().take(5).enumerate() {
        let style = if i == typing.choice {
            theme::cursor()
        } else {
            Style::new()
        };
        lines.push(Line::styled(format!("  {}", printable(s)), style));
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = area.width.saturating_sub(8).min(60);
    let popup = Rect {
        x: area.x + 4,
        y: area.y + area.height.saturating_sub(height + 1),
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" another service ", theme::title()))
        .title_bottom(" Enter accept · Tab complete · Esc cancel ");
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
