//! Colours and styles in one place.

use ratatui::style::{Color, Modifier, Style};

pub const ACCENT: Color = Color::Cyan;
pub const DIM: Color = Color::DarkGray;
pub const ERROR: Color = Color::Red;
pub const WARN: Color = Color::Yellow;
pub const OK: Color = Color::Green;

pub fn title() -> Style {
    Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
}

pub fn header() -> Style {
    Style::new().fg(Color::White).add_modifier(Modifier::BOLD)
}

pub fn key() -> Style {
    Style::new().fg(Color::Black).bg(ACCENT)
}

pub fn dim() -> Style {
    Style::new().fg(DIM)
}

pub fn cursor() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

pub fn selected() -> Style {
    Style::new().fg(WARN)
}

pub fn error() -> Style {
    Style::new().fg(ERROR)
}

/// `NO_COLOR`: every colour goes, and what a background marked (keys, badges) is shown
/// reversed instead, so it still stands out without a colour escape.
pub fn strip_colours(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        if cell.bg != Color::Reset {
            cell.modifier.insert(Modifier::REVERSED);
        }
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
}

pub fn badge(color: Color) -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(color)
        .add_modifier(Modifier::BOLD)
}
