//! The repository table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::{centered, theme, thousands};
use crate::app::{Column, Phase, State};
use crate::model::{Fetched, Repository, tags, time};

pub fn render(frame: &mut Frame, area: Rect, state: &State) {
    let title = Line::from(vec![
        Span::styled(" repositories ", theme::title()),
        Span::styled(format!("[{}] ", thousands(state.view.len())), theme::dim()),
    ]);
    let block = Block::bordered().title(title).border_style(theme::dim());
    if let Some(error) = &state.fatal {
        frame.render_widget(&block, area);
        render_message(
            frame,
            block.inner(area),
            "Cannot read the inventory",
            &error.to_string(),
            "r retry · q quit",
            true,
        );
        return;
    }
    if state.view.is_empty() {
        frame.render_widget(&block, area);
        let (headline, detail) = if state.loading() {
            ("Loading…", "Rows appear as ECR answers.".to_owned())
        } else if !state.repos.is_empty() {
            (
                "No repository matches the filter",
                format!("/{} — Esc clears it", state.filter),
            )
        } else if state
            .regions
            .iter()
            .all(|r| matches!(r.phase, Phase::Failed(_)))
            && !state.regions.is_empty()
        {
            (
                "Every region failed",
                "See the message below; r retries.".to_owned(),
            )
        } else {
            (
                "No repositories",
                format!(
                    "{} has no ECR repositories in {}.",
                    state.source,
                    state
                        .regions
                        .iter()
                        .map(|r| r.region.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        render_message(frame, block.inner(area), headline, &detail, "", false);
        return;
    }

    let header = Row::new(
        std::iter::once(Cell::from(" "))
            .chain(header_cells(state))
            .collect::<Vec<_>>(),
    );

    let page = state.page_size();
    let rows = state
        .view
        .iter()
        .skip(state.offset)
        .take(page)
        .map(|&i| row(&state.repos[i], state));
    let widths = [
        Constraint::Length(1),
        Constraint::Fill(3),
        Constraint::Length(14),
        Constraint::Fill(2),
        Constraint::Length(11),
        Constraint::Length(17),
        Constraint::Length(6),
        Constraint::Length(11),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme::cursor())
        .column_spacing(1);
    let mut table_state =
        TableState::default().with_selected(Some(state.cursor.saturating_sub(state.offset)));
    frame.render_stateful_widget(table, area, &mut table_state);
}

fn header_cells(state: &State) -> Vec<Cell<'static>> {
    Column::ALL
        .iter()
        .map(|c| {
            let sorted = *c == state.sort.column;
            let arrow = match (sorted, state.sort.descending) {
                (false, _) => "",
                (true, false) => "▲",
                (true, true) => "▼",
            };
            let style = if sorted {
                theme::title()
            } else {
                theme::header()
            };
            Cell::from(Span::styled(format!("{}{arrow}", c.title()), style))
        })
        .collect()
}

fn row<'a>(repo: &'a Repository, state: &State) -> Row<'a> {
    let selected = state.selected.contains(&repo.arn);
    let mark = if selected { "●" } else { " " };
    let services = match &repo.tags {
        Fetched::Pending => Span::styled("…", theme::dim()),
        Fetched::Failed(_) => Span::styled("⚠ unreadable", theme::error()),
        Fetched::Absent | Fetched::Present(_) => {
            let names = tags::services(repo.tag_list(), &state.prefix);
            if names.is_empty() {
                Span::styled("—", theme::dim())
            } else {
                Span::styled(names.join(", "), Style::new().fg(theme::OK))
            }
        }
    };
    let others = if repo.tags.is_pending() {
        String::new()
    } else {
        tags::other_count(repo.tag_list(), &state.prefix).to_string()
    };
    let style = if selected {
        theme::selected()
    } else {
        Style::new()
    };
    Row::new(vec![
        Cell::from(mark),
        Cell::from(repo.name.as_str()),
        Cell::from(repo.region.as_str()),
        Cell::from(services),
        Cell::from(others),
        Cell::from(repo.image_tag_mutability.as_str()),
        Cell::from(if repo.scan_on_push { "on" } else { "off" }),
        Cell::from(repo.created_at.map(time::format_date).unwrap_or_default()),
    ])
    .style(style)
}

fn render_message(
    frame: &mut Frame,
    area: Rect,
    headline: &str,
    detail: &str,
    hint: &str,
    error: bool,
) {
    let width = area.width.saturating_sub(4).min(90);
    let box_area = centered(area, width, 8);
    let headline_style = if error {
        theme::error()
    } else {
        theme::header()
    };
    let mut lines = vec![
        Line::styled(headline.to_owned(), headline_style),
        Line::raw(""),
    ];
    lines.push(Line::raw(detail.to_owned()));
    if !hint.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(hint.to_owned(), theme::dim()));
    }
    frame.render_widget(
        Paragraph::new(Text::from(lines))
            .wrap(Wrap { trim: true })
            .centered(),
        box_area,
    );
}
