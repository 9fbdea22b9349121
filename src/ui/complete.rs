//! The editor's completion popup: the candidates for the word under the cursor, the chosen one
//! marked, each with its value in the input record or its arities.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::theme;
use crate::app::workbench::Workbench;

/// Candidates shown at once; the list scrolls with the chosen one.
const ROWS: usize = 8;

/// Below the editor (`editor` is its whole box), over the sweep, where it hides nothing of
/// the field being edited; above it when the screen has no room below. `area` is the
/// workbench's.
pub fn render(frame: &mut Frame, area: Rect, editor: Rect, wb: &Workbench) {
    let Some(c) = wb
        .assist
        .completion
        .as_ref()
        .filter(|c| c.candidates.len() > 1)
    else {
        return;
    };
    // Where the list goes decides how many rows it has, and so which rows keep the chosen
    // one in sight.
    let wanted = u16::try_from(c.candidates.len().min(ROWS) + 2).unwrap_or(u16::MAX);
    let below = area.bottom().saturating_sub(editor.bottom());
    let above = editor.y.saturating_sub(area.y);
    let (y, height) = if below >= wanted.min(5) {
        (editor.bottom(), wanted.min(below))
    } else {
        (editor.y - wanted.min(above), wanted.min(above))
    };
    if height < 3 {
        return;
    }
    let rows = usize::from(height - 2);
    let first = c.chosen.saturating_sub(rows - 1);
    let shown = &c.candidates[first..(first + rows).min(c.candidates.len())];
    let lines: Vec<Line> = shown
        .iter()
        .enumerate()
        .map(|(i, cand)| {
            let style = if first + i == c.chosen {
                theme::cursor()
            } else {
                theme::header()
            };
            Line::from(vec![
                Span::styled(format!(" {} ", cand.text), style),
                Span::styled(format!(" {}", cand.hint), theme::dim()),
            ])
        })
        .collect();
    let longest = lines.iter().map(Line::width).max().unwrap_or(0) + 2;
    let width = u16::try_from(longest).unwrap_or(u16::MAX).min(editor.width);
    let rect = Rect {
        x: editor.x,
        y,
        width,
        height,
    };
    let title = format!(" {} of {} · Tab next ", c.chosen + 1, c.candidates.len());
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(Line::styled(
                    title,
                    theme::title().remove_modifier(Modifier::BOLD),
                ))
                .border_style(theme::dim()),
        ),
        rect,
    );
}
