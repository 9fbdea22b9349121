//! The repository table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::{centered, theme, thousands};
use crate::app::{Column, Phase, State};
use crate::model::text::{cut_end, cut_middle};
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
                        .map(|r| r.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        render_message(frame, block.inner(area), headline, &detail, "", false);
        return;
    }

    let page = state.page_size();
    let shown: Vec<&Repository> = state
        .view
        .iter()
        .skip(state.offset)
        .take(page)
        .map(|&i| &state.repos[i])
        .collect();
    let columns = fit_columns(block.inner(area).width, &wants(state, &shown));
    let header = Row::new(
        std::iter::once(Cell::from(" "))
            .chain(header_cells(state, &columns))
            .collect::<Vec<_>>(),
    );
    let rows = shown.iter().map(|repo| row(repo, state, &columns));
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(1))
        .chain(columns.iter().map(|(_, w)| Constraint::Length(*w)))
        .collect();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(theme::cursor())
        .column_spacing(1);
    let mut table_state =
        TableState::default().with_selected(Some(state.cursor.saturating_sub(state.offset)));
    frame.render_stateful_widget(table, area, &mut table_state);
}

/// The width each column would like: its title or its longest value, whichever is wider.
fn wants(state: &State, shown: &[&Repository]) -> Vec<(Column, u16)> {
    let longest = |it: &mut dyn Iterator<Item = usize>| it.max().unwrap_or(0);
    // Names over the whole view, so scrolling does not move the columns.
    let name = state.name_width;
    let region = longest(&mut shown.iter().map(|r| r.region.chars().count()));
    // Every alias, few however many rows: the column does not move while rows arrive.
    let account = longest(
        &mut state
            .account_names
            .values()
            .map(|a| a.chars().count())
            .chain(shown.iter().map(|r| state.account_of(r).chars().count())),
    );
    let services = longest(
        &mut shown
            .iter()
            .map(|r| services_text(r, state).chars().count()),
    );
    let several = state.several_accounts();
    // The account comes first, like a namespace: it says whose the rest of the row is.
    std::iter::once(Column::Account)
        .chain(Column::ALL.into_iter().filter(|c| *c != Column::Account))
        .filter(|c| several || *c != Column::Account)
        .map(|c| {
            let value = match c {
                Column::Account => account.min(MAX_ACCOUNT),
                Column::Name => name.min(MAX_NAME),
                Column::Region => region,
                Column::Services => services.min(MAX_SERVICES),
                Column::OtherTags => 2,
                Column::Mutability => "IMMUTABLE".len(),
                Column::Scan => 3,
                Column::Created => 10,
            };
            let title = c.title().len() + 1;
            (c, u16::try_from(value.max(title)).unwrap_or(u16::MAX))
        })
        .collect()
}

const MAX_NAME: usize = 48;
const MAX_ACCOUNT: usize = 20;
const MAX_SERVICES: usize = 40;
/// Below these the name and services columns cut their text rather than get narrower.
const MIN_NAME: u16 = 12;
const MIN_SERVICES: u16 = 10;

/// Which columns are shown and how wide, in `width` cells: the least needed ones leave first
/// (`CREATED`, `SCAN`, `TAG MUTABILITY`, `OTHER TAGS`, `REGION`, then `ACCOUNT`); the name and
/// the services keep their width as long as they can, then share what is left.
fn fit_columns(width: u16, wants: &[(Column, u16)]) -> Vec<(Column, u16)> {
    const DROP_ORDER: [Column; 6] = [
        Column::Created,
        Column::Scan,
        Column::Mutability,
        Column::OtherTags,
        Column::Region,
        Column::Account,
    ];
    let mut shown: Vec<(Column, u16)> = wants.to_vec();
    // The mark column and one space after every column.
    let needed = |cols: &[(Column, u16)]| -> u32 {
        2 + cols.iter().map(|(_, w)| u32::from(*w) + 1).sum::<u32>()
    };
    for drop in DROP_ORDER {
        if needed(&shown) <= u32::from(width) {
            break;
        }
        shown.retain(|(c, _)| *c != drop);
    }
    let total = u32::from(width);
    let used = needed(&shown);
    let is_flex = |c: Column| matches!(c, Column::Name | Column::Services);
    if used > total {
        // Shrink the name and the services in proportion, not below their minimum.
        let mut over = used - total;
        for (c, w) in shown.iter_mut().filter(|(c, _)| is_flex(*c)) {
            let floor = if *c == Column::Name {
                MIN_NAME
            } else {
                MIN_SERVICES
            };
            let give = u32::from(w.saturating_sub(floor)).min(over);
            *w -= u16::try_from(give).unwrap_or(0);
            over -= give;
        }
    } else {
        // Room to spare goes to the services, whose list is cut first.
        let spare = u16::try_from(total - used).unwrap_or(0);
        if let Some((_, w)) = shown.iter_mut().find(|(c, _)| *c == Column::Services) {
            *w += spare;
        }
    }
    shown
}

fn services_text(repo: &Repository, state: &State) -> String {
    match &repo.tags {
        Fetched::Pending => "…".to_owned(),
        Fetched::Failed(_) => "⚠ unreadable".to_owned(),
        Fetched::Absent | Fetched::Present(_) => {
            let names = tags::services(repo.tag_list(), &state.prefix);
            if names.is_empty() {
                "—".to_owned()
            } else {
                names.join(", ")
            }
        }
    }
}

fn header_cells(state: &State, columns: &[(Column, u16)]) -> Vec<Cell<'static>> {
    columns
        .iter()
        .map(|(c, _)| {
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

fn row<'a>(repo: &'a Repository, state: &State, columns: &[(Column, u16)]) -> Row<'a> {
    let selected = state.selected.contains(&repo.arn);
    let mark = if selected { "●" } else { " " };
    let cells = columns.iter().map(|&(column, width)| {
        let width = usize::from(width);
        match column {
            Column::Account => Cell::from(Span::styled(
                cut_end(state.account_of(repo), width).into_owned(),
                theme::dim(),
            )),
            Column::Name => Cell::from(cut_middle(&repo.name, width).into_owned()),
            Column::Region => Cell::from(repo.region.as_str()),
            Column::Services => {
                let text = cut_end(&services_text(repo, state), width).into_owned();
                let style = match &repo.tags {
                    Fetched::Pending => theme::dim(),
                    Fetched::Failed(_) => theme::error(),
                    _ if text == "—" => theme::dim(),
                    _ => Style::new().fg(theme::OK),
                };
                Cell::from(Span::styled(text, style))
            }
            Column::OtherTags => Cell::from(if repo.tags.is_pending() {
                String::new()
            } else {
                tags::other_count(repo.tag_list(), &state.prefix).to_string()
            }),
            Column::Mutability => Cell::from(repo.image_tag_mutability.as_str()),
            Column::Scan => Cell::from(if repo.scan_on_push { "on" } else { "off" }),
            Column::Created => {
                Cell::from(repo.created_at.map(time::format_date).unwrap_or_default())
            }
        }
    });
    let style = if selected {
        theme::selected()
    } else {
        Style::new()
    };
    Row::new(
        std::iter::once(Cell::from(mark))
            .chain(cells)
            .collect::<Vec<_>>(),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn wants() -> Vec<(Column, u16)> {
        Column::ALL
            .iter()
            .filter(|c| **c != Column::Account)
            .map(|&c| {
                let w = match c {
                    Column::Name => 30,
                    Column::Region => 10,
                    Column::Services => 16,
                    Column::OtherTags => 11,
                    Column::Mutability => 15,
                    Column::Scan => 5,
                    Column::Created => 10,
                    Column::Account => 8,
                };
                (c, w)
            })
            .collect()
    }

    fn names(cols: &[(Column, u16)]) -> Vec<Column> {
        cols.iter().map(|(c, _)| *c).collect()
    }

    #[test]
    fn wide_terminals_show_every_column_and_give_the_services_the_rest() {
        let cols = fit_columns(140, &wants());
        assert_eq!(names(&cols), Column::ALL[..7]);
        let used: u16 = cols.iter().map(|(_, w)| w + 1).sum::<u16>() + 2;
        assert_eq!(used, 140);
        assert_eq!(cols[0].1, 30);
        assert!(cols[2].1 > 16);
    }

    #[test]
    fn with_several_accounts_the_account_outlasts_the_region() {
        let mut with_account = vec![(Column::Account, 8)];
        with_account.extend(wants());
        let cols = fit_columns(80, &with_account);
        assert_eq!(
            names(&cols),
            [
                Column::Account,
                Column::Name,
                Column::Region,
                Column::Services
            ]
        );
        let cols = fit_columns(60, &with_account);
        assert_eq!(
            names(&cols),
            [Column::Account, Column::Name, Column::Services]
        );
    }

    #[test]
    fn narrow_terminals_drop_the_least_needed_columns_first() {
        let cols = fit_columns(78, &wants());
        assert_eq!(
            names(&cols),
            [
                Column::Name,
                Column::Region,
                Column::Services,
                Column::OtherTags
            ]
        );
        assert!(cols[0].1 >= 30, "the name keeps its width: {cols:?}");
        let cols = fit_columns(38, &wants());
        assert_eq!(names(&cols), [Column::Name, Column::Services]);
        let used: u16 = cols.iter().map(|(_, w)| w + 1).sum::<u16>() + 2;
        assert!(used <= 38, "{cols:?}");
        assert!(cols[0].1 >= MIN_NAME && cols[1].1 >= MIN_SERVICES);
    }
}
