//! The tag dialogs drawn over the list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{centered, theme};
use crate::app::State;
use crate::app::tagging::{Dialog, Preview, Results, ServiceDialog, WriteState, refused};

pub fn render(frame: &mut Frame, area: Rect, state: &State, dialog: &Dialog) {
    match dialog {
        Dialog::Service(d) => service(frame, area, state, d),
        Dialog::Preview(p) => preview(frame, area, state, p),
        Dialog::Results(r) => results(frame, area, r),
    }
}

fn popup(
    frame: &mut Frame,
    area: Rect,
    title: String,
    lines: Vec<Line<'static>>,
    footer: &str,
    scroll: u16,
) {
    let inner = usize::from(area.width.min(96).saturating_sub(2)).max(1);
    // Wrapped lines take more rows than there are lines.
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX).max(6);
    let rect = centered(area, 96, height);
    let block = Block::bordered()
        .title(Line::styled(title, theme::title()))
        .title_bottom(Line::styled(footer.to_owned(), theme::dim()))
        .border_style(theme::dim());
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}

fn targets_line(state: &State, arns: &[String]) -> String {
    match arns {
        [one] => state
            .repo(one)
            .map(|r| format!("{} ({})", r.name, r.region))
            .unwrap_or_default(),
        many => format!("{} selected repositories", many.len()),
    }
}

fn service(frame: &mut Frame, area: Rect, state: &State, d: &ServiceDialog) {
    let verb = if d.remove { "Remove" } else { "Add" };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("on  ", theme::dim()),
            Span::raw(targets_line(state, &d.targets)),
        ]),
        Line::raw(""),
        Line::from(vec![
            Span::styled(format!("service  {}", state.prefix), theme::dim()),
            Span::styled(d.input.clone(), theme::header()),
            Span::styled("█", theme::dim()),
            Span::styled(
                if d.remove {
                    String::new()
                } else {
                    format!("   value {} (service=value for another)", state.tag_value)
                },
                theme::dim(),
            ),
        ]),
    ];
    if let Some(e) = &d.error {
        lines.push(Line::styled(format!("✗ {e}"), theme::error()));
    }
    if state.unknown_in_port(d) {
        lines.push(Line::styled(
            format!(
                "! `{}` is not a service in Port yet: the relation points at nothing until it \
                 exists (a push with `c` creates it)",
                d.input.trim()
            ),
            Style::new().fg(theme::WARN),
        ));
    }
    let suggestions = state.service_suggestions(d);
    if !suggestions.is_empty() {
        lines.push(Line::raw(""));
        let label = match (d.remove, state.port_services.is_some()) {
            (true, _) => "on these repositories",
            (false, true) => "in the inventory or in Port (● in Port)",
            (false, false) => "already used in the inventory",
        };
        lines.push(Line::styled(label, theme::dim()));
        for (i, s) in suggestions.iter().take(8).enumerate() {
            let style = if i == d.choice {
                theme::cursor()
            } else {
                Style::new()
            };
            let in_port = !d.remove
                && state
                    .port_services
                    .as_ref()
                    .is_some_and(|p| p.contains(s.as_str()));
            let mark = if in_port { "● " } else { "  " };
            lines.push(Line::styled(format!("{mark}{s}"), style));
        }
        if suggestions.len() > 8 {
            lines.push(Line::styled(
                format!("  … {} more, keep typing", suggestions.len() - 8),
                theme::dim(),
            ));
        }
    }
    popup(
        frame,
        area,
        format!(" {verb} a {}<service> tag ", state.prefix),
        lines,
        " Enter preview · Tab complete · ↑↓ choose · Esc cancel ",
        0,
    );
}

fn preview(frame: &mut Frame, area: Rect, _state: &State, p: &Preview) {
    // An undo may write two keys of one repository: repositories are counted once.
    let distinct = |writes_only: bool| {
        p.plan
            .iter()
            .filter(|i| !writes_only || i.change.writes())
            .map(|i| (&i.name, &i.region))
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let (writes, repos) = (distinct(true), distinct(false));
    let requests = p.plan.iter().filter(|i| i.change.writes()).count();
    let mut lines = vec![
        Line::styled(
            format!(
                "{writes} of {} {}; nothing is written until you press y.",
                crate::model::text::counted(repos, "repository", "repositories"),
                if writes == 1 { "changes" } else { "change" }
            ),
            theme::header(),
        ),
        Line::raw(""),
    ];
    if let Some(journal) = &p.undoes {
        let file = journal.file_name().unwrap_or(journal.as_os_str());
        lines.insert(
            1,
            Line::styled(
                format!(
                    "Puts back the service tags from before {}.",
                    file.to_string_lossy()
                ),
                theme::dim(),
            ),
        );
    }
    for item in &p.plan {
        let style = if refused(&item.change) {
            theme::error()
        } else if item.change.writes() {
            Style::new().fg(theme::OK)
        } else {
            theme::dim()
        };
        lines.push(Line::from(vec![
            Span::raw(format!("{} ({})  ", item.name, item.region)),
            Span::styled(item.change.describe(), style),
        ]));
        for w in &item.warnings {
            lines.push(Line::styled(
                format!("    ⚠ {w}"),
                Style::new().fg(theme::WARN),
            ));
        }
    }
    let title = if p.undoes.is_some() {
        " Undo the last tag write: preview "
    } else if p.remove {
        " Remove tag: preview "
    } else {
        " Add tag: preview "
    };
    let footer = if requests > 0 {
        format!(" y write {requests} · n cancel · j/k scroll ")
    } else {
        " nothing to write · n close ".to_owned()
    };
    popup(frame, area, title.to_owned(), lines, &footer, p.scroll);
}

fn results(frame: &mut Frame, area: Rect, r: &Results) {
    let running = r.running();
    let failed = r
        .items
        .iter()
        .filter(|(_, s)| matches!(s, WriteState::Failed(_)))
        .count();
    let mut lines = vec![
        Line::styled(
            if running > 0 {
                format!("writing… {running} to go")
            } else if failed > 0 {
                format!("done: {failed} failed, the others are written")
            } else {
                "done".to_owned()
            },
            if failed > 0 {
                theme::error()
            } else {
                theme::header()
            },
        ),
        Line::raw(""),
    ];
    for (item, s) in &r.items {
        let (mark, text, style) = match s {
            WriteState::Running => ("…", item.change.describe(), theme::dim()),
            WriteState::Done => ("✓", item.change.describe(), Style::new().fg(theme::OK)),
            WriteState::Failed(e) => ("✗", e.clone(), theme::error()),
            WriteState::Skipped => ("·", item.change.describe(), theme::dim()),
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} "), style),
            Span::raw(format!("{} ({})  ", item.name, item.region)),
            Span::styled(text, style),
        ]));
    }
    popup(
        frame,
        area,
        " Tag results ".to_owned(),
        lines,
        " Esc close · L activity log ",
        r.scroll,
    );
}
