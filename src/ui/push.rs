//! The push screen: blueprint setup, plan, progress and results, and the confirmation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Clear, Gauge, Paragraph, Row, Table, TableState, Wrap};

use super::{SPINNER, centered, json, theme, thousands};
use crate::app::Rows;
use crate::app::State;
use crate::app::push::{self, PushScreen, Stage};
use crate::model::push::{Outcome, Verdict};

/// Draws the push screen; returns where the plan's rows went, for the mouse.
pub fn render(frame: &mut Frame, area: Rect, state: &State) -> Option<Rows> {
    let Some(push) = &state.push else {
        return None;
    };
    let mut rows = None;
    let mut title = vec![Span::styled(" push to Port ", theme::title())];
    if !push.target.is_empty() {
        title.push(Span::styled(format!("{} ", push.target), theme::dim()));
    }
    if state.demo {
        // The whole sentence only where it fits beside the target.
        let badge = if area.width >= 100 {
            " DEMO catalog in memory: nothing leaves this machine "
        } else {
            " DEMO: in memory "
        };
        title.push(Span::styled(badge, theme::badge(theme::WARN)));
    }
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(theme::dim());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match &push.stage {
        Stage::Preparing => {
            let text = format!(
                " {} mapping {} repositories, checking the blueprint, looking up relation \
                 targets and current entities…",
                SPINNER[(state.tick % 4) as usize],
                thousands(push.arns.len())
            );
            frame.render_widget(Paragraph::new(text).style(theme::dim()), inner);
        }
        Stage::Failed(e) => {
            let lines = vec![
                Line::styled("The push cannot go on", theme::error()),
                Line::raw(""),
                Line::raw(e.clone()),
                Line::raw(""),
                Line::styled(
                    "r try again (plans anew) · Esc back to the list",
                    theme::dim(),
                ),
            ];
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        }
        Stage::Blueprint {
            findings,
            steps,
            applying,
        } => {
            let mut lines: Vec<Line> = findings
                .iter()
                .map(|f| Line::styled(f.clone(), theme::error()))
                .collect();
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "These requests set it up, as step 2 of Port's guide does by hand:",
                theme::title(),
            ));
            for step in steps {
                lines.push(Line::from(vec![
                    Span::styled(step.request_line(), theme::header()),
                    Span::styled(format!("  {}", step.summary()), theme::dim()),
                ]));
                let body = serde_json::to_string_pretty(step.body()).unwrap_or_default();
                lines.extend(json::highlight(&body));
            }
            let [text, foot] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
            let scroll = u16::try_from(push.cursor).unwrap_or(u16::MAX);
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .scroll((scroll, 0)),
                text,
            );
            frame.render_widget(
                Paragraph::new(if *applying {
                    " sending…"
                } else {
                    " Enter send them (asks y/n) · j/k scroll · Esc back"
                })
                .style(theme::dim()),
                foot,
            );
        }
        Stage::Plan { .. } | Stage::Pushing { .. } | Stage::Done { .. } => {
            rows = render_plan(frame, inner, state, push);
        }
    }
    if let Some(q) = push::question(push) {
        let width = (q.chars().count() as u16 + 6).min(area.width);
        let rect = centered(area, width, 3);
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(q)
                .wrap(Wrap { trim: false })
                .block(Block::bordered().border_style(theme::title())),
            rect,
        );
    }
    rows
}

fn render_plan(frame: &mut Frame, area: Rect, state: &State, push: &PushScreen) -> Option<Rows> {
    let plan = push.plan()?;
    let summary_lines = summary(state, push, plan);
    // The summary wraps on narrow terminals rather than lose its end.
    let rows = super::wrapped_rows(&summary_lines, area.width).clamp(2, 4);
    let [summary, body, foot] = Layout::vertical([
        Constraint::Length(rows),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(summary_lines).wrap(Wrap { trim: false }),
        summary,
    );
    let rows = render_table(frame, body, push, plan);
    render_foot(frame, foot, state, push);
    Some(rows)
}

/// What the plan does in counts, and the switches that change it.
fn summary(
    state: &State,
    push: &PushScreen,
    plan: &crate::model::push::PushPlan,
) -> Vec<Line<'static>> {
    let c = plan.counts();
    let mut first = vec![
        Span::styled(format!(" blueprint {}  ", plan.blueprint), theme::header()),
        Span::styled(format!("{} create  ", c.create), Style::new().fg(theme::OK)),
        Span::styled(
            format!("{} update  ", c.update),
            Style::new().fg(theme::WARN),
        ),
        Span::styled(format!("{} unchanged  ", c.unchanged), theme::dim()),
    ];
    let refused = c.invalid + c.dangling;
    let refused_style = if refused > 0 {
        theme::error()
    } else {
        theme::dim()
    };
    first.push(Span::styled(
        format!("{} invalid  {} dangling", c.invalid, c.dangling),
        refused_style,
    ));
    let on_off = |b: bool| if b { "on" } else { "off" };
    let mut second = vec![Span::styled(
        format!(
            " c create missing related: {}   u send unchanged: {}",
            on_off(push.create_missing),
            on_off(push.include_unchanged)
        ),
        theme::dim(),
    )];
    if state.workbench.as_ref().is_some_and(|w| w.dirty()) {
        // The plan maps with what the workbench shows, saved or not.
        second.push(Span::styled(
            "   mapping: the workbench's unsaved edits",
            Style::new().fg(theme::WARN),
        ));
    }
    if let Stage::Plan { skipped, notes, .. } = &push.stage {
        if *skipped > 0 {
            second.push(Span::styled(
                format!("   {skipped} left out by the selector"),
                theme::dim(),
            ));
        }
        for n in notes {
            second.push(Span::styled(format!("   {n}"), theme::error()));
        }
    }
    vec![Line::from(first), Line::from(second)]
}

fn render_table(
    frame: &mut Frame,
    body: Rect,
    push: &PushScreen,
    plan: &crate::model::push::PushPlan,
) -> Rows {
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    let label_width = (0..plan.entries.len())
        .map(|i| push::row_label(push, i).chars().count())
        .max()
        .unwrap_or(0)
        .max("STATE".len());
    // The borders and the space between the columns.
    let repo_width = usize::from(left.width).saturating_sub(label_width + 3);
    let rows = plan.entries.iter().enumerate().map(|(i, e)| {
        let label = push::row_label(push, i);
        let style = if push::row_bad(push, i) {
            theme::error()
        } else {
            match label {
                "create" | "created" => Style::new().fg(theme::OK),
                "update" | "updated" => Style::new().fg(theme::WARN),
                _ => theme::dim(),
            }
        };
        Row::new(vec![
            Cell::from(Span::styled(label, style)),
            Cell::from(crate::model::text::cut_middle(&e.repo, repo_width).into_owned()),
        ])
    });
    let label_width = u16::try_from(label_width).unwrap_or(13);
    let table = Table::new(rows, [Constraint::Length(label_width), Constraint::Min(10)])
        .header(Row::new(vec!["STATE", "REPOSITORY"]).style(theme::header()))
        .row_highlight_style(theme::cursor())
        .block(Block::bordered().border_style(theme::dim()));
    let mut ts = TableState::default().with_selected(Some(push.cursor));
    frame.render_stateful_widget(table, left, &mut ts);
    render_entry(frame, right, push);
    let inner = Block::bordered().inner(left);
    super::rows_below_header(inner, ts.offset())
}

fn render_foot(frame: &mut Frame, foot: Rect, state: &State, push: &PushScreen) {
    let Some(plan) = push.plan() else { return };
    match &push.stage {
        Stage::Pushing {
            done,
            total,
            stopping,
            ..
        } => {
            let ratio = if *total == 0 {
                1.0
            } else {
                *done as f64 / *total as f64
            };
            let label = if *stopping {
                format!("{done}/{total} — stopping after the requests in flight")
            } else {
                format!("{done}/{total} sent")
            };
            frame.render_widget(
                Gauge::default()
                    .ratio(ratio.clamp(0.0, 1.0))
                    .label(label)
                    .gauge_style(Style::new().fg(theme::ACCENT)),
                foot,
            );
        }
        Stage::Done { journal, .. } => {
            let c = push.counts().unwrap_or_default();
            // The file name alone: the journals' directory is the state directory's `pushes`.
            let name = journal.file_name().unwrap_or_default().to_string_lossy();
            let text = format!(" {} · journal {name}", c.summary());
            let style = if c.did_not_land() > 0 {
                theme::error()
            } else {
                theme::dim()
            };
            frame.render_widget(Paragraph::new(text).style(style), foot);
        }
        _ => {
            let n = plan.to_send(push.include_unchanged);
            let text = if state.read_only {
                " read-only mode: nothing can be sent".to_owned()
            } else {
                format!(
                    " Enter/p push {} (asks y/n)",
                    crate::model::text::counted(n, "entity", "entities")
                )
            };
            frame.render_widget(Paragraph::new(text).style(theme::dim()), foot);
        }
    }
}

fn render_entry(frame: &mut Frame, area: Rect, push: &PushScreen) {
    let Some(entry) = push.plan().and_then(|p| p.entries.get(push.cursor)) else {
        frame.render_widget(Block::bordered().border_style(theme::dim()), area);
        return;
    };
    let mut lines = vec![Line::from(vec![
        Span::styled("identifier ", theme::dim()),
        Span::raw(if entry.identifier.is_empty() {
            "(none)".to_owned()
        } else {
            entry.identifier.clone()
        }),
    ])];
    if let Some(o) = push.outcome(push.cursor) {
        let style = match o {
            Outcome::Created | Outcome::Updated | Outcome::Unchanged => Style::new().fg(theme::OK),
            _ => theme::error(),
        };
        lines.push(Line::styled(format!("outcome: {}", o.label()), style));
        // A refusal's reasons follow with the verdict.
        if let Some(detail) = o.detail().filter(|_| !matches!(o, Outcome::Refused { .. })) {
            lines.push(Line::styled(format!("  {detail}"), style));
        }
    }
    match &entry.verdict {
        Verdict::Create => lines.push(Line::styled(
            "plan: create (new in Port)",
            Style::new().fg(theme::OK),
        )),
        Verdict::Unchanged => lines.push(Line::styled(
            "plan: unchanged (Port already holds these values)",
            theme::dim(),
        )),
        Verdict::Update(fields) => {
            lines.push(Line::styled(
                format!(
                    "plan: update, {} change:",
                    crate::model::text::counted(fields.len(), "field", "fields")
                ),
                Style::new().fg(theme::WARN),
            ));
            for f in fields {
                let show = |v: &Option<serde_json::Value>| match v {
                    Some(v) => v.to_string(),
                    None => "(unset)".to_owned(),
                };
                lines.push(Line::styled(format!("  {}", f.field), theme::header()));
                lines.push(Line::styled(
                    format!("  - {}", show(&f.before)),
                    theme::error(),
                ));
                lines.push(Line::styled(
                    format!("  + {}", show(&f.after)),
                    Style::new().fg(theme::OK),
                ));
            }
        }
        Verdict::Invalid(reasons) | Verdict::Dangling(reasons) => {
            lines.push(Line::styled(
                format!("plan: not sent ({}):", entry.verdict.label()),
                theme::error(),
            ));
            for r in reasons {
                lines.push(Line::styled(format!("  {r}"), theme::error()));
            }
        }
    }
    for c in &entry.creates {
        lines.push(Line::styled(
            format!("Port will create {c}"),
            Style::new().fg(theme::WARN),
        ));
    }
    if let Some(entity) = &entry.entity {
        lines.push(Line::raw(""));
        lines.extend(json::highlight(
            &serde_json::to_string_pretty(entity).unwrap_or_default(),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().border_style(theme::dim())),
        area,
    );
}
