//! The expression editor's history: each field's earlier expressions, per mapping file,
//! newest first. Kept in the state directory by the event loop; this is the data and its rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Expressions kept per field: enough to go back a session or two, small enough to read.
pub const PER_FIELD: usize = 50;
/// Mapping files kept; the ones edited longest ago go first.
pub const FILES: usize = 100;

/// By mapping file, then by field (`resource 1 properties.description`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The mapping files, the one edited last at the end.
    files: Vec<FileHistory>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct FileHistory {
    mapping: String,
    fields: BTreeMap<String, Vec<String>>,
}

impl History {
    /// The history file's text; a damaged one is an error for the caller to log and ignore.
    pub fn parse(text: &str) -> Result<History, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// One mapping file's fields, each newest first.
    pub fn fields(&self, mapping: &str) -> BTreeMap<String, Vec<String>> {
        self.files
            .iter()
            .find(|f| f.mapping == mapping)
            .map(|f| f.fields.clone())
            .unwrap_or_default()
    }

    /// `expr` becomes the field's newest entry (an equal older one goes), within the bounds.
    pub fn remember(&mut self, mapping: &str, field: &str, expr: &str) {
        let at = self.files.iter().position(|f| f.mapping == mapping);
        let mut file = match at {
            Some(i) => self.files.remove(i),
            None => FileHistory {
                mapping: mapping.to_owned(),
                fields: BTreeMap::new(),
            },
        };
        remember(file.fields.entry(field.to_owned()).or_default(), expr);
        self.files.push(file);
        if self.files.len() > FILES {
            self.files.remove(0);
        }
    }
}

/// `expr` first in `list` (newest first), once, and the list within its bound. Blank
/// expressions are not worth recalling.
pub fn remember(list: &mut Vec<String>, expr: &str) {
    if expr.trim().is_empty() {
        return;
    }
    list.retain(|e| e != expr);
    list.insert(0, expr.to_owned());
    list.truncate(PER_FIELD);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_round_trips_newest_first_and_bounded() {
        let mut h = History::default();
        h.remember("/m/a.json", "f", ".a");
        h.remember("/m/a.json", "f", ".b");
        h.remember("/m/a.json", "f", ".a");
        h.remember("/m/b.json", "f", ".other");
        h.remember("/m/a.json", "f", "  ");
        let back = History::parse(&h.to_text()).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.fields("/m/a.json")["f"], [".a", ".b"]);
        assert_eq!(back.fields("/m/b.json")["f"], [".other"]);
        assert!(back.fields("/m/none.json").is_empty());
        for i in 0..PER_FIELD + 5 {
            h.remember("/m/a.json", "f", &format!(".x{i}"));
        }
        let list = &h.fields("/m/a.json")["f"];
        assert_eq!(list.len(), PER_FIELD);
        assert_eq!(list[0], format!(".x{}", PER_FIELD + 4));
        for i in 0..FILES + 1 {
            h.remember(&format!("/m/{i}.json"), "f", ".a");
        }
        assert!(h.fields("/m/b.json").is_empty(), "the oldest file went");
        assert!(!h.fields(&format!("/m/{FILES}.json")).is_empty());
    }

    #[test]
    fn a_damaged_history_is_an_error_not_a_panic() {
        for text in [
            "",
            "{",
            "[]",
            r#"{"files": 3}"#,
            r#"{"files": [{"mapping": 1}]}"#,
        ] {
            assert!(History::parse(text).is_err(), "{text}");
        }
    }
}
