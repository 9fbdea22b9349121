//! The effective binding table: the built-in one, a preset's changes and the user's keymap
//! file on top. Every key still means one thing per context, and `?` and the key bar read this
//! table, so they show the keys as changed.
//!
//! A file's mistakes are errors, all listed at once: the app does not start on a keymap it
//! cannot honour. An action left without a key is only a warning, since taking its key for
//! something else may be what the user meant.

use std::path::{Path, PathBuf};

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::names::{action_name, closest, context_name, context_named, parse_key};
use super::{Action, Binding, Context};
use crate::app::Key;

/// The vim preset, written as a keymap file.
const VIM: &str = include_str!("../../../assets/keymap-vim.json");

pub const PRESETS: [&str; 1] = ["vim"];

/// A binding table that `update`, `?` and the key bar read.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
    /// What the file did that may not be meant: actions left without a key.
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("keymap file {} is not valid:\n  {}", path.display(), problems.join("\n  "))]
pub struct KeymapError {
    pub path: PathBuf,
    /// Each names its line (when known) and entry: `line 4, list."x": …`.
    pub problems: Vec<String>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            bindings: super::table(),
            warnings: Vec::new(),
        }
    }
}

impl Keymap {
    /// The built-in table with the keymap file `text` (read from `path`) applied.
    pub fn from_file(text: &str, path: &Path) -> Result<Keymap, KeymapError> {
        let error = |problems| KeymapError {
            path: path.to_owned(),
            problems,
        };
        let file = parse(text).map_err(error)?;
        let mut layers = Vec::new();
        if let Some(preset) = &file.preset {
            match preset_text(preset) {
                Some(preset_text) => {
                    let preset_file = parse(preset_text).map_err(error)?;
                    layers.push(preset_file.overrides);
                }
                None => {
                    let line = line_of(text, &["\"preset\""]);
                    return Err(error(vec![format!(
                        "{line}preset: unknown preset `{preset}` (the presets: {})",
                        PRESETS.join(", ")
                    )]));
                }
            }
        }
        layers.push(file.overrides);
        let mut keymap = Keymap::default();
        let builtin = keymap.bindings.clone();
        let mut problems = Vec::new();
        for layer in &layers {
            let (checked, found) = check(&builtin, layer, text);
            problems.extend(found);
            for o in checked {
                keymap.rebind(o.context, o.key, o.action);
            }
        }
        if !problems.is_empty() {
            return Err(error(problems));
        }
        keymap.warnings = unreachable(&builtin, &keymap.bindings);
        Ok(keymap)
    }

    /// What a keymap file that may be missing (`None`) makes of the table.
    pub fn load(text: Option<&str>, path: &Path) -> Result<Keymap, KeymapError> {
        match text {
            Some(text) => Keymap::from_file(text, path),
            None => Ok(Keymap::default()),
        }
    }

    /// A preset by name, without a file.
    pub fn preset(name: &str) -> Result<Keymap, KeymapError> {
        let text = format!("{{\"preset\": {}}}", serde_json::Value::from(name));
        Keymap::from_file(&text, Path::new(&format!("(preset {name})")))
    }

    /// `key` now means `action` in `context`, and nothing else there.
    fn rebind(&mut self, context: Context, key: Key, action: Action) {
        for b in self.bindings.iter_mut().filter(|b| b.context == context) {
            b.keys.retain(|k| *k != key);
        }
        if let Some(b) = self
            .bindings
            .iter_mut()
            .find(|b| b.context == context && b.action == Some(action))
        {
            // First, so the key bar shows the key the user chose.
            b.keys.insert(0, key);
        }
    }

    pub fn action(&self, context: Context, key: Key) -> Option<Action> {
        super::lookup::action_in(&self.bindings, context, key)
    }

    pub fn bindings(&self, context: Context) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.context == context)
    }

    pub fn bar(&self, context: Context) -> Vec<(String, &'static str)> {
        super::lookup::bar_in(&self.bindings, context)
    }
}

fn preset_text(name: &str) -> Option<&'static str> {
    match name {
        "vim" => Some(VIM),
        _ => None,
    }
}

/// Contexts where a plain character is typed text.
fn is_text_box(context: Context) -> bool {
    matches!(
        context,
        Context::Filter
            | Context::TagInput
            | Context::WorkbenchName
            | Context::Editor
            | Context::ReviewInput
            | Context::Command
    )
}

/// One entry of a file, as written.
struct Entry {
    context: String,
    key: String,
    action: Node,
}

struct Parsed {
    preset: Option<String>,
    overrides: Vec<Entry>,
}

/// One entry, understood.
struct Override {
    context: Context,
    key: Key,
    action: Action,
}

/// The file's shape: `{"preset": "vim", "bindings": {"<context>": {"<key>": "<action>"}}}`.
fn parse(text: &str) -> Result<Parsed, Vec<String>> {
    let node: Node = serde_json::from_str(text).map_err(|e| {
        vec![format!(
            "line {} column {}: {e}",
            e.line().max(1),
            e.column()
        )]
    })?;
    let Node::Object(top) = node else {
        return Err(vec![format!(
            "the file must be a JSON object, found {}",
            node.kind()
        )]);
    };
    let mut problems = Vec::new();
    let mut parsed = Parsed {
        preset: None,
        overrides: Vec::new(),
    };
    for (name, value) in top {
        match (name.as_str(), value) {
            ("preset", Node::Str(p)) => parsed.preset = Some(p),
            ("preset", other) => problems.push(format!(
                "{}preset must be a string (one of: {}), found {}",
                line_of(text, &["\"preset\""]),
                PRESETS.join(", "),
                other.kind()
            )),
            ("bindings", Node::Object(contexts)) => {
                for (context, keys) in contexts {
                    let Node::Object(keys) = keys else {
                        problems.push(format!(
                            "{}bindings.{context} must be an object of key: action, found {}",
                            line_of(text, &["\"bindings\"", &quoted(&context)]),
                            keys.kind()
                        ));
                        continue;
                    };
                    for (key, action) in keys {
                        parsed.overrides.push(Entry {
                            context: context.clone(),
                            key,
                            action,
                        });
                    }
                }
            }
            ("bindings", other) => problems.push(format!(
                "{}bindings must be an object of contexts, found {}",
                line_of(text, &["\"bindings\""]),
                other.kind()
            )),
            (other, _) => problems.push(format!(
                "{}unknown key `{other}` (the keys are preset, bindings)",
                line_of(text, &[&quoted(other)])
            )),
        }
    }
    if problems.is_empty() {
        Ok(parsed)
    } else {
        Err(problems)
    }
}

/// Understands each entry against the built-in table; what it cannot understand is a problem.
fn check(builtin: &[Binding], entries: &[Entry], text: &str) -> (Vec<Override>, Vec<String>) {
    let mut ok: Vec<(Override, String)> = Vec::new();
    let mut problems = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        // The same key written again in the same context is found past the earlier ones.
        let again = entries[..i]
            .iter()
            .filter(|p| p.context == e.context && p.key == e.key)
            .count();
        let mut needles = vec!["\"bindings\"".to_owned(), quoted(&e.context)];
        needles.extend(std::iter::repeat_n(quoted(&e.key), again + 1));
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        let place = format!(
            "{}{}.{}",
            line_of(text, &needles),
            e.context,
            quoted(&e.key)
        );
        match understand(builtin, e) {
            Ok(o) => {
                if let Some((first, at)) = ok
                    .iter()
                    .find(|(p, _)| p.context == o.context && p.key == o.key)
                {
                    problems.push(format!(
                        "{place}: {} is bound twice in {}: to `{}` here and to `{}` at {at}",
                        quoted(&e.key),
                        e.context,
                        action_name(o.action),
                        action_name(first.action),
                    ));
                } else {
                    ok.push((o, place));
                }
            }
            Err(why) => problems.push(format!("{place}: {why}")),
        }
    }
    (ok.into_iter().map(|(o, _)| o).collect(), problems)
}

fn understand(builtin: &[Binding], e: &Entry) -> Result<Override, String> {
    let Some(context) = context_named(&e.context) else {
        let names: Vec<String> = Context::ALL.iter().map(|c| context_name(*c)).collect();
        return Err(
            match closest(&e.context, names.iter().map(String::as_str)) {
                Some(meant) => format!("unknown context `{}`; did you mean `{meant}`?", e.context),
                None => format!(
                    "unknown context `{}` (the contexts: {})",
                    e.context,
                    names.join(", ")
                ),
            },
        );
    };
    let Some(key) = parse_key(&e.key) else {
        return Err(format!(
            "unknown key {} (write one character, Ctrl-x, or a name: Enter, Esc, Backspace, \
             Tab, Shift-Tab, Space, Up, Down, Left, Right, PgUp, PgDn, Home, End)",
            quoted(&e.key)
        ));
    };
    if key == Key::Ctrl('c') {
        return Err("Ctrl-c always quits and cannot be bound".to_owned());
    }
    if is_text_box(context) && matches!(key, Key::Char(_)) {
        return Err(format!(
            "{} is typed text in {}; bind a Ctrl- or named key there",
            quoted(&e.key),
            e.context
        ));
    }
    let Node::Str(name) = &e.action else {
        return Err(format!(
            "the action must be a string, found {}",
            e.action.kind()
        ));
    };
    let here: Vec<String> = actions_of(builtin, context);
    if let Some(action) = builtin
        .iter()
        .filter(|b| b.context == context)
        .filter_map(|b| b.action)
        .find(|a| action_name(*a) == *name)
    {
        return Ok(Override {
            context,
            key,
            action,
        });
    }
    let anywhere = builtin
        .iter()
        .filter_map(|b| b.action)
        .any(|a| action_name(a) == *name);
    Err(if anywhere {
        format!(
            "`{name}` does not apply in {} (its actions: {})",
            e.context,
            here.join(", ")
        )
    } else {
        match closest(name, here.iter().map(String::as_str)) {
            Some(meant) => format!("unknown action `{name}`; did you mean `{meant}`?"),
            None => format!(
                "unknown action `{name}` (the actions in {}: {})",
                e.context,
                here.join(", ")
            ),
        }
    })
}

fn actions_of(table: &[Binding], context: Context) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for a in table
        .iter()
        .filter(|b| b.context == context)
        .filter_map(|b| b.action)
    {
        let name = action_name(a);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Actions the built-in table gives a key that the changed one leaves without any.
fn unreachable(builtin: &[Binding], changed: &[Binding]) -> Vec<String> {
    let mut warnings = Vec::new();
    for b in builtin.iter().filter(|b| !b.keys.is_empty()) {
        let Some(action) = b.action else { continue };
        let reachable = changed
            .iter()
            .any(|c| c.context == b.context && c.action == Some(action) && !c.keys.is_empty());
        if reachable {
            continue;
        }
        let taken: Vec<String> = b
            .keys
            .iter()
            .filter_map(|k| {
                changed
                    .iter()
                    .find(|c| c.context == b.context && c.keys.contains(k))
                    .and_then(|c| c.action)
                    .map(|a| format!("{} now means `{}`", super::key_name(*k), action_name(a)))
            })
            .collect();
        warnings.push(format!(
            "{}: `{}` has no key left ({})",
            context_name(b.context),
            action_name(action),
            taken.join(", ")
        ));
    }
    warnings
}

fn quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// `line N, ` for the first place the `needles` appear in order, each after the one before.
fn line_of(text: &str, needles: &[&str]) -> String {
    let mut at = 0;
    for (i, needle) in needles.iter().enumerate() {
        // Past the needle before, unless this one is the first.
        let from = if i == 0 { 0 } else { at + needles[i - 1].len() };
        match text.get(from..).and_then(|rest| rest.find(needle)) {
            Some(j) => at = from + j,
            None => return String::new(),
        }
    }
    format!("line {}, ", text[..at].matches('\n').count() + 1)
}

/// JSON as the file wrote it, objects with every entry in order, repeated keys included
/// (a JSON map keeps only the last, which would hide a key bound twice).
enum Node {
    Object(Vec<(String, Node)>),
    Str(String),
    Other(&'static str),
}

impl Node {
    fn kind(&self) -> &'static str {
        match self {
            Node::Object(_) => "an object",
            Node::Str(_) => "a string",
            Node::Other(kind) => kind,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Node>()? {
            entries.push((k, v));
        }
        Ok(Node::Object(entries))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Node::Other("an array"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Other("a boolean"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Other("a number"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Other("a number"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Other("a number"))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Other("null"))
    }
}
