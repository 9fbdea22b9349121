//! The `:` command line in the key bar's row, and its completions just above it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::theme;
use crate::app::State;
use crate::app::command::{self, CommandLine};
use crate::model::text::printable;

/// Completions shown at once; ↑/↓ scroll through the rest.
const SHOWN: usize = 8;

pub fn render(frame: &mut Frame, bar: Rect, screen: Rect, state: &State, line: &CommandLine) {
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(":", theme::title()),
            Span::raw(printable(&line.text).into_owned()),
            Span::styled("█", theme::dim()),
            Span::styled("   Tab complete · Enter run · Esc cancel", theme::dim()),
        ])),
        bar,
    );
    let all = command::completions(state, &line.text);
    if all.is_empty() {
        return;
    }
    let first = line.choice.saturating_sub(SHOWN - 1);
    let lines: Vec<Line> = all
        .iter()
        .enumerate()
        .skip(first)
        .take(SHOWN)
        .map(|(i, c)| {
            let text = format!(" {} ", printable(c));
            if i == line.choice {
                Line::styled(text, theme::cursor())
            } else {
                Line::raw(text)
            }
        })
        .collect();
    let width = all
        .iter()
        .map(|c| c.chars().count() + 4)
        .max()
        .unwrap_or(10)
        .min(usize::from(screen.width)) as u16;
    let height = (lines.len() as u16 + 2).min(bar.y.saturating_sub(screen.y));
    let area = Rect {
        x: screen.x,
        y: bar.y.saturating_sub(height),
        width,
        height,
    };
    frame.render_widget(Clear, area);
    let title = format!(" {} of {} ", line.choice + 1, all.len());
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(Span::styled(title, theme::dim()))
                .border_style(theme::dim()),
        ),
        area,
    );
}
