//! The mapping workbench: fields with their outcome on the highlighted repository, its input,
//! the editor, and the sweep over every repository.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{centered, jq, json, theme, thousands};
use crate::app::workbench::{Prompt, Run, Workbench};
use crate::app::{Area, Rows, State};
use crate::mapping::engine::Outcome;
use crate::mapping::eval::EntityOutcome;
use crate::mapping::file::Origin;

/// Where the workbench drew what the mouse can reach.
#[derive(Default)]
pub struct Pane {
    /// The field rows.
    pub fields: Option<Rows>,
    /// The input pane, and its last scroll offset.
    pub area: Option<Area>,
    pub end: u16,
}

pub fn render(frame: &mut Frame, area: Rect, state: &State) -> Pane {
    let Some(wb) = &state.workbench else {
        return Pane::default();
    };
    let editor_lines = wb.focused_expr().lines().count().clamp(1, 6) as u16;
    let sweep_text = sweep_lines(state, wb);
    // Wrapped rather than cut on narrow terminals; on short ones the editor keeps its rows
    // and the sweep gives way.
    let sweep_rows = super::wrapped_rows(&sweep_text, area.width.saturating_sub(2)).min(6) + 2;
    let sweep_rows = if area.height < 14 { 0 } else { sweep_rows };
    let [top, editor, sweep] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(editor_lines + 3),
        Constraint::Length(sweep_rows),
    ])
    .areas(area);
    // The input pane leaves room for the fields on narrow terminals.
    let input_share = if area.width < 100 { 34 } else { 38 };
    let [fields, input] = Layout::horizontal([
        Constraint::Percentage(100 - input_share),
        Constraint::Percentage(input_share),
    ])
    .areas(top);
    let rows = render_fields(frame, fields, state, wb);
    let end = render_input(frame, input, state, wb);
    render_editor(frame, editor, wb);
    render_sweep(frame, sweep, sweep_text);
    super::complete::render(frame, area, editor, wb);
    if let Some(p) = &wb.prompt {
        render_prompt(frame, area, wb, p);
    }
    let inner = Block::bordered().inner(input);
    Pane {
        fields: Some(rows),
        area: Some(Area {
            x: inner.x,
            y: inner.y,
            width: inner.width,
            height: inner.height,
        }),
        end,
    }
}

fn outcome_span(outcome: Option<&Outcome>, last_good: Option<&serde_json::Value>) -> Span<'static> {
    match outcome {
        Some(Outcome::Value(serde_json::Value::Null)) => Span::styled("null", theme::dim()),
        Some(Outcome::Value(v)) => Span::raw(v.to_string()),
        Some(Outcome::NoOutput) => Span::styled("no output", Style::new().fg(theme::WARN)),
        Some(Outcome::Error(e)) => {
            let last = last_good.map_or_else(String::new, |v| format!("  last good: {v}"));
            Span::styled(format!("✗ {e}{last}"), theme::error())
        }
        None => match last_good {
            Some(v) => Span::styled(format!("{v}  (last good)"), theme::dim()),
            None => Span::styled("…", theme::dim()),
        },
    }
}

fn render_fields(frame: &mut Frame, area: Rect, state: &State, wb: &Workbench) -> Rows {
    let which = match wb.origins.len() {
        0 | 1 => String::new(),
        n => format!("{} of {n} · {} · ", wb.current + 1, wb.origin()),
    };
    let title = Line::from(vec![
        Span::styled(" mapping ", theme::title()),
        Span::styled(which, theme::title()),
        Span::styled(
            format!(
                "{}{} ",
                wb.path
                    .as_ref()
                    .map_or_else(|| "shipped default".to_owned(), |p| p.display().to_string()),
                if wb.dirty() { " [modified]" } else { "" }
            ),
            theme::dim(),
        ),
    ]);
    let block = Block::bordered().title(title).border_style(theme::dim());
    let inner = block.inner(area);
    let name_width = wb
        .plan
        .fields
        .iter()
        .map(|f| f.name.to_string().chars().count())
        .max()
        .unwrap_or(10)
        .min(30)
        .min(usize::from(inner.width) / 2);
    let total = wb.sweep.as_ref().map_or(0, |s| s.total);
    let policies = state.policy_progress();
    let mut lines = Vec::new();
    for (i, field) in wb.plan.fields.iter().enumerate() {
        let focused = i == wb.focus;
        let marker = if focused { "▸ " } else { "  " };
        let ok = wb.sweep.as_ref().and_then(|s| s.ok.get(i)).copied();
        let reads_policy = wb
            .plan
            .exprs
            .get(i)
            .is_some_and(|e| crate::model::repository::reads_policy(e));
        let count = match ok {
            // The sweep's count would take the missing policies' nulls for values.
            _ if reads_policy && policies.0 < policies.1 => Span::styled(
                format!("policies {}/{} ", policies.0, policies.1),
                Style::new().fg(theme::WARN),
            ),
            Some(ok) if wb.swept.get(i).is_some_and(Option::is_some) => {
                let style = if ok == total {
                    Style::new().fg(theme::OK)
                } else {
                    theme::error()
                };
                Span::styled(format!("{ok}/{total} "), style)
            }
            _ => Span::styled("…/… ".to_owned(), theme::dim()),
        };
        let name_style = if focused {
            theme::title()
        } else {
            theme::header()
        };
        let outcome = if wb.compile.get(i).is_some_and(|c| !c.is_empty()) {
            // The error first, so a long last good value never pushes it off the row.
            let last = wb
                .last_good
                .get(i)
                .and_then(Option::as_ref)
                .map_or_else(String::new, |v| format!("  last good: {v}"));
            Span::styled(
                format!("✗ {}{last}", wb.compile[i][0].message),
                theme::error(),
            )
        } else if let Some(gap) = state.current().and_then(|r| wb.policy_gap(i, r)) {
            Span::styled(gap, Style::new().fg(theme::WARN))
        } else {
            outcome_span(
                wb.preview.get(i).and_then(Option::as_ref),
                wb.last_good.get(i).and_then(Option::as_ref),
            )
        };
        lines.push(Line::from(vec![
            Span::raw(marker),
            Span::styled(
                format!(
                    "{:<name_width$} ",
                    crate::model::text::cut_middle(&field.name.to_string(), name_width)
                ),
                name_style,
            ),
            count,
            outcome,
        ]));
    }
    // The resource's selector, after the fields: reachable and editable like them.
    let i = wb.plan.fields.len();
    let focused = wb.on_selector();
    lines.push(Line::from(vec![
        Span::raw(if focused { "▸ " } else { "  " }),
        Span::styled(
            format!("{:<name_width$} ", "selector.query"),
            if focused {
                theme::title()
            } else {
                theme::dim()
            },
        ),
        if let Some(gap) = state.current().and_then(|r| wb.policy_gap(i, r)) {
            Span::styled(gap, Style::new().fg(theme::WARN))
        } else if wb.plan.has_selector {
            outcome_span(wb.preview.get(i).and_then(Option::as_ref), None)
        } else {
            Span::styled("none: every repository is mapped", theme::dim())
        },
    ]));
    let scroll = u16::try_from(
        wb.focus
            .saturating_sub(usize::from(inner.height.saturating_sub(1))),
    )
    .unwrap_or(0);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
    Rows {
        area: Area {
            x: inner.x,
            y: inner.y,
            width: inner.width,
            height: inner.height,
        },
        first: usize::from(scroll),
    }
}

/// Draws the input pane; returns its last scroll offset.
fn render_input(frame: &mut Frame, area: Rect, state: &State, wb: &Workbench) -> u16 {
    let Some(repo) = state.current() else {
        frame.render_widget(
            Block::bordered()
                .title(" input ")
                .border_style(theme::dim()),
            area,
        );
        return 0;
    };
    let mut title = vec![
        Span::styled(format!(" {} ", repo.name), theme::title()),
        Span::styled(
            format!("{} · {} shape ", repo.region, wb.shape.name()),
            theme::dim(),
        ),
    ];
    if let Run::Failed(why) = &wb.preview_run {
        title.push(Span::styled(format!("{why} "), theme::error()));
    }
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(theme::dim());
    let pretty = serde_json::to_string_pretty(&wb.shape.input(repo)).unwrap_or_default();
    let text = json::highlight(&pretty);
    // Scrolling stops with the last line in view.
    let rows = super::wrapped_rows(&text, area.width.saturating_sub(2));
    let end = rows.saturating_sub(area.height.saturating_sub(2));
    let scroll = wb.input_scroll.min(end);
    frame.render_widget(
        Paragraph::new(text)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
    end
}

fn render_editor(frame: &mut Frame, area: Rect, wb: &Workbench) {
    let name = wb.focused_label();
    let hint = if wb.editing {
        "editing · Esc done"
    } else {
        "Enter edit"
    };
    let border = if wb.editing {
        Style::new().fg(theme::ACCENT)
    } else {
        theme::dim()
    };
    let block = Block::bordered()
        .title(Line::from(vec![
            Span::styled(format!(" {name} "), theme::title()),
            Span::styled(format!("{hint} "), theme::dim()),
        ]))
        .border_style(border);
    let text = wb.focused_expr();
    let issue = wb.compile.get(wb.focus).and_then(|c| c.first());
    let underline = issue
        .and_then(|i| i.span)
        .map(|s| jq::byte_span_to_chars(&text, s));
    let cursor = wb.editing.then_some(wb.cursor);
    let lines = jq::highlight(&text, underline, cursor);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [code, error] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(Paragraph::new(lines).scroll(editor_scroll(wb, code)), code);
    if let Some(issue) = issue {
        frame.render_widget(
            Paragraph::new(Line::styled(format!("✗ {}", issue.message), theme::error())),
            error,
        );
    }
}

/// `(rows, columns)` the expression scrolls by so the cursor stays in `area`: long lines
/// scroll sideways rather than hide what is typed at their end.
fn editor_scroll(wb: &Workbench, area: Rect) -> (u16, u16) {
    let (row, col) = if wb.editing { wb.cursor } else { (0, 0) };
    let fit = |pos: usize, room: u16| {
        let room = usize::from(room.max(1));
        u16::try_from((pos + 1).saturating_sub(room)).unwrap_or(u16::MAX)
    };
    (fit(row, area.height), fit(col, area.width))
}

fn render_sweep(frame: &mut Frame, area: Rect, lines: Vec<Line<'static>>) {
    if area.height == 0 {
        return;
    }
    let block = Block::bordered()
        .title(Line::styled(
            " sweep over every repository ",
            theme::title(),
        ))
        .border_style(theme::dim());
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// The sweep's counts, the switches, and why the highlighted repository is dropped.
fn sweep_lines(state: &State, wb: &Workbench) -> Vec<Line<'static>> {
    let mut first = vec![];
    match &wb.sweep {
        Some(s) => {
            let entities = s.total - s.dropped.len() - s.skipped;
            let bad = |n: usize| {
                if n > 0 {
                    theme::error()
                } else {
                    Style::new().fg(theme::OK)
                }
            };
            first.push(Span::raw(format!(
                "{} repositories → {} entities  ",
                thousands(s.total),
                thousands(entities)
            )));
            first.push(Span::styled(
                format!("{} dropped  ", s.dropped.len()),
                bad(s.dropped.len()),
            ));
            first.push(Span::styled(
                format!("{} duplicate ids  ", s.duplicates.len()),
                bad(s.duplicates.len()),
            ));
            first.push(Span::styled(
                format!("{} invalid ids  ", s.invalid_ids.len()),
                bad(s.invalid_ids.len()),
            ));
            first.push(Span::styled(
                format!("{} empty relations", s.empty_relations.len()),
                if s.empty_relations.is_empty() {
                    Style::new().fg(theme::OK)
                } else {
                    Style::new().fg(theme::WARN)
                },
            ));
            if s.skipped > 0 {
                first.push(Span::styled(
                    format!("  {} skipped by the selector", s.skipped),
                    theme::dim(),
                ));
            }
        }
        None => first.push(Span::styled("not run yet", theme::dim())),
    }
    match &wb.sweep_run {
        Run::Running => first.push(Span::styled("  running…", theme::dim())),
        Run::Failed(why) => first.push(Span::styled(format!("  {why}"), theme::error())),
        Run::Idle => {}
    }
    let current_problem = state
        .current()
        .and_then(|r| state.repos.iter().position(|x| x.arn == r.arn))
        .and_then(|i| wb.entities.get(i))
        .and_then(|e| match e {
            EntityOutcome::Dropped { problems } => problems.first().cloned(),
            _ => None,
        });
    let second = Line::from(vec![
        Span::styled(format!("{} ", wb.semantics.engine_label()), theme::header()),
        Span::styled("(o)  ", theme::dim()),
        Span::styled(format!("shape {} ", wb.shape.name()), theme::header()),
        Span::styled("(p)  ", theme::dim()),
        match current_problem {
            Some(p) => Span::styled(
                format!("this repository is dropped: {}: {}", p.field, p.message),
                theme::error().add_modifier(Modifier::BOLD),
            ),
            None => Span::styled(
                "n/N next/previous failing repository · [ ] move",
                theme::dim(),
            ),
        },
    ]);
    let mut lines = vec![Line::from(first), second];
    if wb.origins.len() > 1 {
        lines.push(all_mappings_line(wb));
    }
    lines
}

/// What Port would receive from every mapping of the file together, the collisions first.
fn all_mappings_line(wb: &Workbench) -> Line<'static> {
    let entities = wb
        .others
        .iter()
        .flat_map(|o| &o.entities)
        .chain(&wb.entities);
    let (mut made, mut dropped) = (0, 0);
    for e in entities {
        match e {
            EntityOutcome::Entity { .. } => made += 1,
            EntityOutcome::Dropped { .. } => dropped += 1,
            EntityOutcome::Skipped => {}
        }
    }
    let n = wb.collisions.len();
    let mut spans = vec![
        Span::styled(
            format!(
                "all {} mappings → {} entities  ",
                wb.origins.len(),
                thousands(made)
            ),
            theme::header(),
        ),
        Span::styled(
            format!("{dropped} dropped  "),
            if dropped > 0 {
                theme::error()
            } else {
                Style::new().fg(theme::OK)
            },
        ),
        Span::styled(
            format!("{n} duplicate ids"),
            if n > 0 {
                theme::error()
            } else {
                Style::new().fg(theme::OK)
            },
        ),
    ];
    // Which mappings the collisions come from; `n` goes to their repositories.
    let mut from: Vec<Origin> = wb
        .collisions
        .iter()
        .flat_map(|c| c.by.iter().map(|(o, _)| *o))
        .collect();
    from.sort_unstable();
    from.dedup();
    if !from.is_empty() {
        let from: Vec<String> = from.iter().map(ToString::to_string).collect();
        spans.push(Span::styled(
            format!(" in {}", from.join(", ")),
            theme::error(),
        ));
    }
    spans.push(Span::styled("  Tab next mapping", theme::dim()));
    Line::from(spans)
}

fn render_prompt(frame: &mut Frame, area: Rect, wb: &Workbench, prompt: &Prompt) {
    let (title, body, footer) = match prompt {
        Prompt::AddProperty(t) => (
            " new property ",
            format!("identifier: {t}█"),
            " Enter add · Esc cancel ",
        ),
        Prompt::AddRelation(t) => (
            " new relation ",
            format!("identifier: {t}█"),
            " Enter add · Esc cancel ",
        ),
        Prompt::Rename(t) => (
            " rename ",
            format!("new identifier: {t}█"),
            " Enter rename · Esc cancel ",
        ),
        Prompt::ConfirmDelete => (
            " delete ",
            format!(
                "Delete {} from the mapping?",
                wb.focused_name()
                    .map_or_else(String::new, ToString::to_string)
            ),
            " y delete · n keep ",
        ),
        Prompt::SaveAs(t) => (
            " save as ",
            format!("path: {t}█"),
            " Enter save · Esc cancel ",
        ),
        Prompt::ConfirmSave => {
            let path = crate::app::workbench::save_path(wb);
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let whose = if wb.path.is_none() {
                " (a new file in the current directory)"
            } else {
                ""
            };
            (
                " save ",
                format!(
                    "Write the mapping to {}{whose}? If the file exists, its mode is kept and \
                     its old content goes to {name}.bak.",
                    path.display()
                ),
                " y save · a save as… · n cancel ",
            )
        }
        Prompt::ConfirmRevert => (
            " keep the edit? ",
            format!(
                "{} changed. Keep the new expression, or put back what it was?",
                wb.focused_label()
            ),
            " y keep · r revert · Esc back to the editor ",
        ),
        Prompt::ConfirmLeave => (
            " unsaved edits ",
            "The mapping has unsaved edits. Leave anyway? They stay in memory: m brings them back."
                .to_owned(),
            " y leave · s save · n stay ",
        ),
    };
    let rect = centered(area, 70, 5);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(body).wrap(Wrap { trim: true }).block(
            Block::bordered()
                .title(Line::styled(title, theme::title()))
                .title_bottom(Line::styled(footer, theme::dim()))
                .border_style(Style::new().fg(theme::ACCENT)),
        ),
        rect,
    );
}
