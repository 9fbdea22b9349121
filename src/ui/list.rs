//! The repository table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::{centered, theme, thousands};
use crate::app::Rows;
use crate::app::{Column, Phase, State};
use crate::model::drift::DriftState;
use crate::model::text::{cut_end, cut_middle};
use crate::model::{Fetched, Repository, tags, time};

/// Draws the list; returns where its rows went, for the mouse.
pub fn render(frame: &mut Frame, area: Rect, state: &State) -> Option<Rows> {
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
        return None;
    }
    if state.view.is_empty() {
        frame.render_widget(&block, area);
        let (headline, detail) = if state.loading() {
            ("Loading…", "Rows appear as ECR answers.".to_owned())
        } else if !state.repos.is_empty() && is_drift_filter(state) && !state.drift.checked {
            (
                "Drift is not compared yet",
                "D compares the service tags with Port; Esc clears the filter.".to_owned(),
            )
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
        return None;
    }

    let page = state.page_size();
    let shown: Vec<&Repository> = state
        .view
        .iter()
        .skip(state.offset)
        .take(page)
        .map(|&i| &state.repos[i])
        .collect();
    let inner = block.inner(area);
    let columns = fit_columns(inner.width, &wants(state, &shown));
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
    // Below the header row.
    Some(super::rows_below_header(inner, state.offset))
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
    // The account comes first, like a namespace: it says whose the rest of the row is.
    std::iter::once(Column::Account)
        .chain(Column::ALL.into_iter().filter(|c| *c != Column::Account))
        .filter(|c| state.column_shown(*c))
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
                Column::Drift => DriftState::NoSuchService.label().len(),
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
/// (`CREATED`, `SCAN`, `TAG MUTABILITY`, `OTHER TAGS`, `DRIFT`, `REGION`, then `ACCOUNT`); the
/// name and the services keep their width as long as they can, then share what is left.
fn fit_columns(width: u16, wants: &[(Column, u16)]) -> Vec<(Column, u16)> {
    const DROP_ORDER: [Column; 7] = [
        Column::Created,
        Column::Scan,
        Column::Mutability,
        Column::OtherTags,
        Column::Drift,
        Column::Region,
        Column::Account,
    ];
    let mut shown: Vec<(Column, u16)> = wants.to_vec();
    // The mark column and one space after every column.
    let needed = |cols: &[(Column, u16)]| -> u32 {
        2 + cols.iter().map(|(_, w)| u32::from(*w) + 1).sum::<u32>()
    };
    // The name and the services at their narrowest: DRIFT, asked for with `D`, stays while
    // it fits beside them cut.
    let needed_cut = |cols: &[(Column, u16)]| -> u32 {
        2 + cols
            .iter()
            .map(|(c, w)| {
                let floor = match c {
                    Column::Name => MIN_NAME.min(*w),
                    Column::Services => MIN_SERVICES.min(*w),
                    _ => *w,
                };
                u32::from(floor) + 1
            })
            .sum::<u32>()
    };
    for drop in DROP_ORDER {
        let has_drift = shown.iter().any(|(c, _)| *c == Column::Drift);
        let fits = match drop {
            Column::Drift if has_drift => needed_cut(&shown),
            _ => needed(&shown),
        } <= u32::from(width);
        if fits {
            break;
        }
        shown.retain(|(c, _)| *c != drop);
    }
    let total = u32::from(width);
    let used = needed(&shown);
    let is_flex = |c: Column| matches!(c, Column::Name | Column::Services);
    if used > total {
        // Shrink the name and the services in proportion to what each can give, not below
        // their minimum.
        let over = used - total;
        let floor = |c: Column| {
            if c == Column::Name {
                MIN_NAME
            } else {
                MIN_SERVICES
            }
        };
        let slack = |c: Column, w: u16| u32::from(w.saturating_sub(floor(c)));
        let total_slack: u32 = shown
            .iter()
            .filter(|(c, _)| is_flex(*c))
            .map(|&(c, w)| slack(c, w))
            .sum();
        let mut left = over.min(total_slack);
        let mut flex = shown.iter_mut().filter(|(c, _)| is_flex(*c)).peekable();
        while let Some((c, w)) = flex.next() {
            let share = match flex.peek() {
                // The last one takes what rounding left over.
                None => left,
                Some(_) => (over * slack(*c, *w))
                    .div_ceil(total_slack.max(1))
                    .min(left),
            };
            let give = share.min(slack(*c, *w));
            *w -= u16::try_from(give).unwrap_or(0);
            left -= give;
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
            Column::Drift => drift_cell(repo, state),
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

fn is_drift_filter(state: &State) -> bool {
    let word = state.filter.strip_prefix('!').unwrap_or(&state.filter);
    word.eq_ignore_ascii_case(crate::app::drift::FILTER_WORD)
}

/// The comparison's word, coloured by how much it asks of the user; blank for an untagged
/// repository, `?` for one written to since the comparison.
fn drift_cell<'a>(repo: &Repository, state: &State) -> Cell<'a> {
    match state.drift.of(&repo.arn) {
        Some(c) => {
            let style = match c.state {
                DriftState::InSync => Style::new().fg(theme::OK),
                DriftState::NotInPort | DriftState::Unmapped => theme::dim(),
                DriftState::Differs => Style::new().fg(theme::WARN),
                DriftState::NoSuchService => theme::error(),
            };
            Cell::from(Span::styled(c.state.label(), style))
        }
        None if tags::services(repo.tag_list(), &state.prefix).is_empty() => Cell::from(""),
        None => Cell::from(Span::styled("?", theme::dim())),
    }
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

    /// Before any comparison with Port: no DRIFT column.
    fn wants() -> Vec<(Column, u16)> {
        with_drift()
            .into_iter()
            .filter(|(c, _)| *c != Column::Drift)
            .collect()
    }

    fn with_drift() -> Vec<(Column, u16)> {
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
                    Column::Drift => 15,
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
        let cols = fit_columns(140, &with_drift());
        assert_eq!(names(&cols), Column::ALL[..8]);
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

    #[test]
    fn the_drift_column_outlasts_the_tag_count() {
        let cols = fit_columns(78, &with_drift());
        assert_eq!(
            names(&cols),
            [
                Column::Name,
                Column::Region,
                Column::Services,
                Column::Drift
            ]
        );
        let cols = fit_columns(62, &with_drift());
        assert_eq!(names(&cols).last(), Some(&Column::Drift), "{cols:?}");
        assert!(
            cols[0].1 >= MIN_NAME && cols[2].1 >= MIN_SERVICES,
            "{cols:?}"
        );
        let cols = fit_columns(45, &with_drift());
        assert_eq!(names(&cols), [Column::Name, Column::Services]);
    }
}
