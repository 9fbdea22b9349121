//! The `?` overlay: every key, grouped by where it applies.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::keys::{BINDINGS, Context};
use super::{centered, theme};

pub fn render(frame: &mut Frame, area: Rect, scroll: u16) {
    let mut lines = Vec::new();
    for context in [
        Context::Global,
        Context::List,
        Context::Filter,
        Context::Detail,
        Context::Tagging,
        Context::Activity,
        Context::Workbench,
        Context::Editor,
        Context::PushSetup,
        Context::Push,
        Context::PushDone,
        Context::PushFailed,
    ] {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(context.title(), theme::title()));
        for b in BINDINGS.iter().filter(|b| b.context == context) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<24}", b.keys), theme::header()),
                Span::raw(b.what),
            ]));
        }
    }
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = centered(area, 84, height);
    let block = Block::bordered()
        .title(Line::styled(" keys ", theme::title()))
        .title_bottom(Line::styled(" Esc or ? closes · j/k scroll ", theme::dim()))
        .border_style(theme::dim());
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(block).scroll((scroll, 0)),
        popup,
    );
}
