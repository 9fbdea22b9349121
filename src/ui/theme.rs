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

/// The light theme: the views draw in the dark theme's colours, and each is swapped for one
/// that reads on a light background (white text turns black, yellow and cyan turn darker),
/// so the two themes cannot differ in what they mark, only in how.
pub fn lighten(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        let marked = cell.bg != Color::Reset;
        cell.fg = light(cell.fg);
        cell.bg = light(cell.bg);
        // Black on a bright badge stays readable when the badge turns dark.
        if marked && cell.fg == Color::Black {
            cell.fg = Color::White;
        }
    }
}

/// A dark theme's colour as the light theme draws it.
pub fn light(color: Color) -> Color {
    match color {
        Color::Cyan | Color::LightBlue | Color::LightCyan => Color::Blue,
        Color::White | Color::Gray => Color::Black,
        Color::Yellow | Color::LightYellow => Color::Indexed(130),
        Color::Green | Color::LightGreen => Color::Indexed(28),
        Color::Magenta | Color::LightMagenta => Color::Indexed(90),
        Color::LightRed => Color::Red,
        other => other,
    }
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
