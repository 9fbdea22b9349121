//! How contexts, actions and keys are written in a keymap file, and read back.

use super::{Action, Context};
use crate::app::Key;

/// `tag-input`, `workbench`: the context's variant in kebab case.
pub fn context_name(context: Context) -> String {
    kebab(&format!("{context:?}"))
}

pub fn context_named(name: &str) -> Option<Context> {
    Context::ALL.into_iter().find(|c| context_name(*c) == name)
}

/// `open-detail`, `sort-by-3`: numbered actions count from 1, as their keys do.
pub fn action_name(action: Action) -> String {
    match action {
        Action::SortBy(i) => format!("sort-by-{}", i + 1),
        Action::PickAlternative(i) => format!("pick-alternative-{}", i + 1),
        other => kebab(&format!("{other:?}")),
    }
}

fn kebab(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A key as a keymap file writes it: one character (`j`, `G`, `/`), or a name in any case
/// (`Enter`, `esc`, `PgDn`, `Shift-Tab`, `space`, `up` or `↑`), or `Ctrl-` and a letter.
pub fn parse_key(text: &str) -> Option<Key> {
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(match c {
            '↑' => Key::Up,
            '↓' => Key::Down,
            '←' => Key::Left,
            '→' => Key::Right,
            ' ' => Key::Char(' '),
            c if c.is_control() => return None,
            c => Key::Char(c),
        });
    }
    let lower = text.to_lowercase();
    if let Some(rest) = lower
        .strip_prefix("ctrl-")
        .or_else(|| lower.strip_prefix("ctrl+"))
    {
        let mut chars = rest.chars();
        return match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_graphic() => Some(Key::Ctrl(c)),
            _ => None,
        };
    }
    Some(match lower.as_str() {
        "enter" | "return" => Key::Enter,
        "esc" | "escape" => Key::Esc,
        "backspace" => Key::Backspace,
        "space" => Key::Char(' '),
        "up" => Key::Up,
        "down" => Key::Down,
        "left" => Key::Left,
        "right" => Key::Right,
        "pgup" | "pageup" => Key::PageUp,
        "pgdn" | "pagedown" => Key::PageDown,
        "home" => Key::Home,
        "end" => Key::End,
        "tab" => Key::Tab,
        "shift-tab" | "backtab" => Key::BackTab,
        _ => return None,
    })
}

/// The name nearest to `name` among `known`, for "did you mean".
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::osa_distance(name, k), k))
        .filter(|(d, k)| *d <= (k.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}
