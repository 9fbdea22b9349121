//! Completion in the expression editor: paths of the input record the mapping reads, and the
//! builtins the dialect's jq defines, for the word under the cursor.

use std::collections::HashSet;

use serde_json::Value;

use super::engine::{self, Dialect};

/// One completion: the text that replaces the word, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub text: String,
    /// The path's value in the record (cut), or the builtin's arities.
    pub hint: String,
}

/// Paths listed at most, so a record with a huge policy cannot flood the list.
const MAX_PATHS: usize = 400;
const MAX_DEPTH: usize = 8;
const HINT_CHARS: usize = 40;

/// The word under the cursor, a path (`.Tags[].K`), builtin (`asc`) or format (`@ba`): where it
/// starts (a char column in `line`) and its text up to the cursor.
pub fn word_at(line: &str, column: usize) -> (usize, String) {
    let before: Vec<char> = line.chars().take(column).collect();
    let start = before
        .iter()
        .rposition(|c| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '@' | '$')))
        .map_or(0, |i| i + 1);
    (start, before[start..].iter().collect())
}

/// What `word` may become: paths of `input` for `.…`, formats for `@…`, else builtins.
pub fn candidates(word: &str, input: &Value, dialect: Dialect) -> Vec<Candidate> {
    if word.starts_with('.') {
        return paths(input)
            .into_iter()
            .filter(|c| c.text.starts_with(word) && c.text != word)
            .collect();
    }
    if word.starts_with('@') {
        return engine::formats(dialect)
            .iter()
            .filter(|f| f.starts_with(word) && **f != word)
            .map(|f| Candidate {
                text: (*f).to_owned(),
                hint: "format".to_owned(),
            })
            .collect();
    }
    let is_name = word
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !is_name {
        return Vec::new();
    }
    builtins(dialect)
        .into_iter()
        .filter(|c| c.text.starts_with(word) && c.text != word)
        .collect()
}

/// Every builtin of the dialect once, with its arities: `sub` → `sub/2 sub/3`.
pub fn builtins(dialect: Dialect) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    for b in engine::callable_builtins(dialect) {
        let name = b.split('/').next().unwrap_or(b);
        match out.last_mut() {
            Some(last) if last.text == name => {
                last.hint.push(' ');
                last.hint.push_str(b);
            }
            _ => out.push(Candidate {
                text: name.to_owned(),
                hint: b.to_owned(),
            }),
        }
    }
    out
}

/// Every path of `input`, arrays as `[]` (their elements' paths merged), in document order;
/// then the same paths relative to each array's elements (`.Key` for `.Tags[].Key`), for
/// `map(.Key)` and `.Tags[] | .Key`.
pub fn paths(input: &Value) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    walk(input, "", 0, &mut out, &mut seen);
    let mut inner = Vec::new();
    for c in &out {
        let mut rest = c.text.as_str();
        while let Some(i) = rest.find("[]") {
            rest = &rest[i + 2..];
            if rest.starts_with('.') && seen.insert(rest.to_owned()) {
                inner.push(Candidate {
                    text: rest.to_owned(),
                    hint: format!("in {}: {}", &c.text[..c.text.len() - rest.len()], c.hint),
                });
            }
        }
    }
    out.extend(inner);
    out.truncate(MAX_PATHS);
    out
}

fn walk(v: &Value, at: &str, depth: usize, out: &mut Vec<Candidate>, seen: &mut HashSet<String>) {
    if depth >= MAX_DEPTH || out.len() >= MAX_PATHS {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let path = format!("{at}{}", segment(k));
                if seen.insert(path.clone()) {
                    out.push(Candidate {
                        text: path.clone(),
                        hint: hint(child),
                    });
                }
                walk(child, &path, depth + 1, out, seen);
            }
        }
        Value::Array(items) if !at.is_empty() => {
            let path = format!("{at}[]");
            if seen.insert(path.clone()) {
                out.push(Candidate {
                    text: path.clone(),
                    hint: items.first().map(hint).unwrap_or_default(),
                });
            }
            for item in items {
                walk(item, &path, depth + 1, out, seen);
            }
        }
        _ => {}
    }
}

/// `.name`, or `."a key"` where jq needs the quotes.
fn segment(key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!(".{key}")
    } else {
        format!(".{}", Value::from(key))
    }
}

fn hint(v: &Value) -> String {
    let text = match v {
        Value::Object(map) if map.len() == 1 => "{1 key}".to_owned(),
        Value::Object(map) => format!("{{{} keys}}", map.len()),
        Value::Array(items) if items.len() == 1 => "[1 item]".to_owned(),
        Value::Array(items) => format!("[{} items]", items.len()),
        other => other.to_string(),
    };
    if text.chars().count() > HINT_CHARS {
        let cut: String = text.chars().take(HINT_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> Value {
        json!({
            "RepositoryName": "orders-api",
            "EncryptionConfiguration": {"EncryptionType": "KMS", "KmsKey": "arn:aws:kms:k"},
            "Tags": [{"Key": "port-orders", "Value": "true"}, {"Key": "team", "Value": "a", "Extra": 1}],
            "odd key": null,
        })
    }

    fn texts(c: &[Candidate]) -> Vec<&str> {
        c.iter().map(|c| c.text.as_str()).collect()
    }

    #[test]
    fn paths_come_from_the_record_with_arrays_as_brackets() {
        let all = paths(&record());
        assert_eq!(
            texts(&all),
            [
                ".RepositoryName",
                ".EncryptionConfiguration",
                ".EncryptionConfiguration.EncryptionType",
                ".EncryptionConfiguration.KmsKey",
                ".Tags",
                ".Tags[]",
                ".Tags[].Key",
                ".Tags[].Value",
                ".Tags[].Extra",
                ".\"odd key\"",
                ".Key",
                ".Value",
                ".Extra",
            ]
        );
        assert_eq!(all[3].hint, "\"arn:aws:kms:k\"");
        assert_eq!(all[10].hint, "in .Tags[]: \"port-orders\"");
    }

    #[test]
    fn the_word_under_the_cursor_is_completed() {
        let line = r#"first(.Tags[].K | x"#;
        assert_eq!(word_at(line, 15), (6, ".Tags[].K".to_owned()));
        assert_eq!(word_at("ascii_d", 7), (0, "ascii_d".to_owned()));
        assert_eq!(word_at("a | ", 4), (4, String::new()));
        let c = candidates(".Tags[].K", &record(), Dialect::Jq16);
        assert_eq!(texts(&c), [".Tags[].Key"]);
        let c = candidates(".Enc", &record(), Dialect::Jq16);
        assert_eq!(
            texts(&c),
            [
                ".EncryptionConfiguration",
                ".EncryptionConfiguration.EncryptionType",
                ".EncryptionConfiguration.KmsKey"
            ]
        );
        assert!(candidates("", &record(), Dialect::Jq16).is_empty());
        assert!(candidates("1", &record(), Dialect::Jq16).is_empty());
    }

    #[test]
    fn builtins_are_the_dialects_own() {
        // jq 1.8 added `trim`, `ltrimstr` is in both; jq 1.6 lacks `trim`.
        let in16 = candidates("tri", &record(), Dialect::Jq16);
        let in18 = candidates("tri", &record(), Dialect::Jq18);
        assert!(texts(&in16).is_empty(), "{in16:?}");
        assert_eq!(texts(&in18), ["trim", "trimstr"]);
        let sub = candidates("su", &record(), Dialect::Jq16);
        assert_eq!(sub[0].text, "sub");
        assert_eq!(sub[0].hint, "sub/2 sub/3");
        // Refused in mappings: not offered.
        assert!(
            candidates("en", &record(), Dialect::Jq16)
                .iter()
                .all(|c| c.text != "env")
        );
        assert_eq!(
            texts(&candidates("@ur", &record(), Dialect::Jq18)),
            ["@uri", "@urid"]
        );
        assert_eq!(
            texts(&candidates("@ur", &record(), Dialect::Jq16)),
            ["@uri"]
        );
    }
}
