//! Views: functions from `&State` to a frame. No IO, no state of their own.

mod activity;
mod command;
mod complete;
mod detail;
mod dialog;
mod help;
mod jq;
mod json;
mod list;
mod push;
mod review;
mod theme;
mod workbench;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{AccountStatus, Area, Phase, Rows, Screen, State, StatusLevel, Viewport};
use crate::model::text::printable;

pub(crate) const SPINNER: [&str; 4] = ["⠋", "⠙", "⠸", "⠴"];

/// Draws the whole screen and says how many rows each scrolling view had room for.
pub fn render(frame: &mut Frame, state: &State) -> Viewport {
    let [top, sub, body, status, bar] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    render_header(frame, top, state);
    render_subheader(frame, sub, state);
    let mut text_lines = 0;
    let mut rows = None;
    let mut pane = workbench::Pane::default();
    match &state.screen {
        Screen::List => rows = list::render(frame, body, state),
        Screen::Detail { arn, scroll } => {
            text_lines = detail::render(frame, body, state, arn, *scroll);
        }
        Screen::Activity { cursor, offset } => {
            rows = Some(activity::render(frame, body, state, *cursor, *offset));
        }
        Screen::Workbench => pane = workbench::render(frame, body, state),
        Screen::Push => rows = push::render(frame, body, state),
    }
    if state.screen == Screen::Workbench {
        rows = pane.fields;
    }
    if let Some(r) = &state.review {
        rows = review::render(frame, body, state, r);
    }
    if let Some(d) = &state.dialog {
        dialog::render(frame, body, state, d);
    }
    render_status(frame, status, state);
    match &state.command {
        Some(line) => command::render(frame, bar, frame.area(), state, line),
        None => render_keybar(frame, bar, state),
    }
    let (help_lines, help_rows) = match state.help {
        Some(scroll) => help::render(frame, frame.area(), state, scroll),
        None => (0, 0),
    };
    if state.theme == crate::app::Theme::Light {
        theme::lighten(frame.buffer_mut());
    }
    // Last, whatever the theme: with NO_COLOR set, not one colour escape goes out.
    if state.no_color {
        theme::strip_colours(frame.buffer_mut());
    }
    Viewport {
        // Borders and the header row.
        list_rows: body.height.saturating_sub(3),
        // The screen's border, the summary, the foot, the table's borders and header row.
        push_rows: body.height.saturating_sub(8),
        text_rows: body.height.saturating_sub(2),
        text_lines,
        help_rows,
        help_lines,
        pane_rows: pane.area.map_or(0, |a| a.height),
        pane_end: pane.end,
        rows,
        pane: pane.area,
    }
}

/// The rows of a list drawn in `inner` under one header row, `first` the item on the first.
fn rows_below_header(inner: Rect, first: usize) -> Rows {
    Rows {
        area: area_of(Rect {
            y: inner.y.saturating_add(1),
            height: inner.height.saturating_sub(1),
            ..inner
        }),
        first,
    }
}

fn area_of(r: Rect) -> Area {
    Area {
        x: r.x,
        y: r.y,
        width: r.width,
        height: r.height,
    }
}

/// Rows `lines` take when wrapped to `width` cells, for scrolling that stops at the end.
fn wrapped_rows(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// `1,240` style thousands.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn render_header(frame: &mut Frame, area: Rect, state: &State) {
    let accounts = state.account_statuses();
    // Several accounts are named one by one after it, where their load shows.
    let source = if accounts.is_empty() {
        state.source.clone()
    } else {
        format!("{} accounts", accounts.len())
    };
    let mut spans = vec![
        Span::styled(" ecr-port ", theme::badge(theme::ACCENT)),
        Span::raw(" "),
        Span::styled(source, theme::header()),
    ];
    spans.extend(account_spans(state, &accounts));
    for region in state.regions.iter().filter(|r| r.account.is_none()) {
        let (mark, style) = match &region.phase {
            Phase::Waiting => ("·", theme::dim()),
            Phase::Listing => (
                SPINNER[(state.tick % 4) as usize],
                theme::dim().fg(theme::WARN),
            ),
            Phase::Policies | Phase::Done => ("✓", theme::dim().fg(theme::OK)),
            Phase::Failed(_) => ("✗", theme::error()),
        };
        spans.push(Span::raw("  "));
        spans.push(Span::styled(format!("{} {mark}", region.region), style));
    }
    if state.demo {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(" DEMO ", theme::badge(theme::WARN)));
    }
    if state.read_only {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(" READ-ONLY ", theme::badge(theme::OK)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Each account's load in the header: loading with the rows so far, its repository count,
/// or why it failed (the status line carries the whole message).
fn account_spans(state: &State, accounts: &[AccountStatus<'_>]) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for account in accounts {
        let all_failed = account.failed.len() == account.regions;
        let (text, style) = if all_failed {
            let why = account.failed.first().map_or("failed", |(_, e)| e.short());
            (format!("{} ✗ {why}", account.alias), theme::error())
        } else if account.loading {
            (
                format!(
                    "{} {} {}",
                    account.alias,
                    SPINNER[(state.tick % 4) as usize],
                    thousands(account.listed)
                ),
                theme::dim().fg(theme::WARN),
            )
        } else {
            (
                format!("{} ✓ {}", account.alias, thousands(account.listed)),
                theme::dim().fg(theme::OK),
            )
        };
        spans.push(Span::raw("  "));
        spans.push(Span::styled(text, style));
        if !all_failed {
            for (region, error) in &account.failed {
                spans.push(Span::styled(
                    format!(" ✗ {region} {}", error.short()),
                    theme::error(),
                ));
            }
        }
    }
    spans
}

fn render_subheader(frame: &mut Frame, area: Rect, state: &State) {
    let mut spans = Vec::new();
    if state.connecting {
        spans.push(Span::styled(
            format!(" {} connecting…", SPINNER[(state.tick % 4) as usize]),
            theme::dim(),
        ));
    } else if state.fatal.is_none() {
        let (done, total) = state.tag_progress();
        spans.push(Span::raw(format!(" {} repositories", thousands(total))));
        if state.loading() || done < total {
            spans.push(Span::styled(
                format!("  tags {}/{}", thousands(done), thousands(total)),
                theme::dim().fg(theme::WARN),
            ));
        } else {
            let (pdone, ptotal) = state.policy_progress();
            let policies_running = state
                .regions
                .iter()
                .any(|r| matches!(r.phase, Phase::Policies));
            if policies_running && pdone < ptotal {
                spans.push(Span::styled(
                    format!("  policies {}/{}", thousands(pdone), thousands(ptotal)),
                    theme::dim(),
                ));
            }
        }
    }
    if !state.selected.is_empty() {
        spans.push(Span::styled(
            format!("  {} selected", thousands(state.selected.len())),
            theme::selected(),
        ));
    }
    if state.filter_editing || !state.filter.is_empty() {
        spans.push(Span::raw("  "));
        spans.push(Span::styled("/", theme::title()));
        spans.push(Span::raw(state.filter.clone()));
        if state.filter_editing {
            spans.push(Span::styled("█", theme::dim()));
        }
        spans.push(Span::styled(
            format!("  {} shown", thousands(state.view.len())),
            theme::dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_status(frame: &mut Frame, area: Rect, state: &State) {
    if let Some(status) = &state.status {
        let style = match status.level {
            StatusLevel::Error => theme::error(),
            StatusLevel::Info => theme::dim(),
        };
        // A long status is cut in the middle: its start says what, its end often what to do.
        let text = printable(&status.text);
        let room = usize::from(area.width.saturating_sub(1));
        let text = crate::model::text::cut_middle(&text, room);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(format!(" {text}"), style))),
            area,
        );
    }
}

fn render_keybar(frame: &mut Frame, area: Rect, state: &State) {
    let items = if state.help.is_some() {
        Vec::new()
    } else {
        state.keymap.bar(state.key_context())
    };
    // What does not fit is left off from the end (`?` comes first and lists everything).
    let width = usize::from(area.width);
    let mut spans = Vec::new();
    let mut used = 0;
    for (i, (key, label)) in items.iter().enumerate() {
        let cells = key.chars().count() + label.chars().count() + 5;
        let more = i + 1 < items.len();
        if used + cells > width || (more && used + cells + 1 > width) {
            spans.push(Span::styled("…", theme::dim()));
            break;
        }
        used += cells;
        spans.push(Span::styled(format!(" {key} "), theme::key()));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    if state.help.is_some() {
        spans.push(Span::styled(" Esc ", theme::key()));
        spans.push(Span::raw(" close help  ".to_string()).italic());
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A rectangle of at most `width` × `height` centred in `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_separators() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1240), "1,240");
        assert_eq!(super::thousands(1_000_000), "1,000,000");
    }
}
