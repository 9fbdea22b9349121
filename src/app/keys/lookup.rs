//! Reading the table: a key's action in a context, the help's rows and the key bar.

use super::{Action, BINDINGS, Context};
use crate::app::Key;

#[derive(Debug, Clone)]
pub struct Binding {
    pub context: Context,
    pub keys: Vec<Key>,
    /// How the help writes the keys when they are not plain keys (typed text).
    pub label: Option<&'static str>,
    /// `None` for rows that only explain (typed text is not an action).
    pub action: Option<Action>,
    pub what: &'static str,
    /// Shown in the key bar under this short label.
    pub bar: Option<&'static str>,
}

impl Binding {
    /// The keys as the help and the key bar write them.
    pub fn key_text(&self) -> String {
        match self.label {
            Some(label) => label.to_owned(),
            None => self
                .keys
                .iter()
                .map(|k| key_name(*k))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    /// The first key, for the key bar.
    pub fn first_key(&self) -> String {
        match (self.label, self.keys.first()) {
            (Some(label), _) => label.split_whitespace().next().unwrap_or(label).to_owned(),
            (None, Some(k)) => key_name(*k),
            (None, None) => String::new(),
        }
    }
}

/// How a key is written for people.
pub fn key_name(key: Key) -> String {
    match key {
        Key::Char(' ') => "Space".to_owned(),
        Key::Char(c) => c.to_string(),
        Key::Ctrl(c) => format!("Ctrl-{c}"),
        Key::Enter => "Enter".to_owned(),
        Key::Esc => "Esc".to_owned(),
        Key::Backspace => "Backspace".to_owned(),
        Key::Up => "↑".to_owned(),
        Key::Down => "↓".to_owned(),
        Key::Left => "←".to_owned(),
        Key::Right => "→".to_owned(),
        Key::PageUp => "PgUp".to_owned(),
        Key::PageDown => "PgDn".to_owned(),
        Key::Home => "Home".to_owned(),
        Key::End => "End".to_owned(),
        Key::Tab => "Tab".to_owned(),
        Key::BackTab => "Shift-Tab".to_owned(),
    }
}

/// The action `key` has in `context`, falling back to the global keys outside text boxes.
pub fn action(context: Context, key: Key) -> Option<Action> {
    action_in(&BINDINGS, context, key)
}

pub(super) fn action_in(table: &[Binding], context: Context, key: Key) -> Option<Action> {
    let find = |ctx: Context| {
        table
            .iter()
            .filter(|b| b.context == ctx)
            .find(|b| b.keys.contains(&key))
            .and_then(|b| b.action)
    };
    find(context).or_else(|| {
        context
            .inherits_global()
            .then(|| find(Context::Global))
            .flatten()
    })
}

/// The first key that means `action` in `context` (the global keys outside text boxes): how
/// the mouse wheel moves as `j`/`k` would.
pub fn key_for(context: Context, action: Action) -> Option<Key> {
    let first = |ctx: Context| {
        BINDINGS
            .iter()
            .filter(|b| b.context == ctx && b.action == Some(action))
            .find_map(|b| b.keys.first().copied())
    };
    first(context).or_else(|| {
        context
            .inherits_global()
            .then(|| first(Context::Global))
            .flatten()
    })
}

/// The bindings of one context, in table order.
pub fn bindings(context: Context) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.context == context)
}

/// What the key bar shows in `context`: the global keys it does not rebind, then its own.
/// Rows that say the same thing show their first and last key (`1-7`).
pub fn bar(context: Context) -> Vec<(String, &'static str)> {
    bar_in(&BINDINGS, context)
}

pub(super) fn bar_in(table: &[Binding], context: Context) -> Vec<(String, &'static str)> {
    let bindings = |ctx: Context| table.iter().filter(move |b| b.context == ctx);
    let own: Vec<&Binding> = bindings(context).collect();
    let rebound = |b: &Binding| {
        b.keys
            .iter()
            .all(|k| own.iter().any(|o| o.keys.contains(k)))
    };
    let global = context
        .inherits_global()
        .then(|| bindings(Context::Global))
        .into_iter()
        .flatten()
        .filter(|b| !rebound(b));
    let mut out = Vec::new();
    for b in global {
        if let Some(label) = b.bar {
            out.push((b.first_key(), label));
        }
    }
    for (i, b) in own.iter().enumerate() {
        let Some(label) = b.bar else { continue };
        let same = own[i..].iter().take_while(|o| o.what == b.what).count();
        let key = match same {
            0 | 1 => b.first_key(),
            n => format!("{}-{}", b.first_key(), own[i + n - 1].first_key()),
        };
        out.push((key, label));
    }
    out
}
