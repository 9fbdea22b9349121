//! Pre-flight checks of entity drafts against a Port blueprint, before anything is sent.
//!
//! Port answers a bad bulk item with a terse 422/404 per index; checking here lets the TUI show
//! every problem of every draft, next to the field that caused it, without a network round trip.
//! The rules follow Port's OpenAPI spec (entity body, blueprint property schema) as summarised in
//! `docs/port-reference.md` §1.3–§1.11. Anything the spec does not let us decide locally (property
//! `pattern`, search-query identifiers, whether a relation target exists) is either left to Port or
//! handled by the cross-draft helpers (`relation_targets` + `dangling`).
//!
//! The draft is checked as raw JSON, since its shape is what is in question; the blueprint is
//! read once into [`Blueprint`]. `entity` checks the top-level fields, `schema` the properties
//! against their definitions (`formats` the string formats), `relations` the relation values and
//! the cross-draft lookups.

mod entity;
#[cfg(test)]
mod fixtures;
mod formats;
mod relations;
mod schema;

use std::io;

use serde_json::Value;

use crate::model::blueprint::Blueprint;
use crate::model::json::kind;

pub use crate::model::identifier::{MAX_IDENTIFIER_CHARS, identifier_problem, is_valid_identifier};
pub use relations::{dangling, relation_targets};

/// Port rejects any request body over 1 MiB with 413 (port-reference §1.9).
pub const MAX_BODY_BYTES: usize = super::BODY_LIMIT_BYTES;
/// Top-level keys a draft may carry. Port itself accepts extra keys (`additionalProperties: true`)
/// and silently ignores them, which is exactly why a typo such as `propertes` must be flagged here.
const DRAFT_KEYS: [&str; 7] = crate::model::entity::ENTITY_KEYS;

/// One problem of one draft. `field` is a dotted path ("identifier", "properties.x",
/// "relations.service", or "entity" for whole-draft problems); `message` says what is wrong and,
/// where possible, how to fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Violation {
    pub field: String,
    pub message: String,
}

impl Violation {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every problem of one draft against the blueprint; empty = valid.
pub fn validate(draft: &Value, blueprint: &Blueprint) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(obj) = draft.as_object() else {
        out.push(Violation::new(
            "entity",
            format!("a draft must be a JSON object, got {}", kind(draft)),
        ));
        return out;
    };

    entity::check_identifier(obj.get("identifier"), &mut out);
    entity::check_blueprint_ref(
        obj.get("blueprint"),
        blueprint.identifier.as_deref(),
        &mut out,
    );
    entity::check_optional_string(obj, "title", &mut out);
    entity::check_optional_string(obj, "icon", &mut out);
    entity::check_team(obj.get("team"), &mut out);
    for key in obj.keys() {
        if !DRAFT_KEYS.contains(&key.as_str()) {
            out.push(Violation::new(
                "entity",
                format!(
                    "unknown top-level field {key:?}; Port would ignore it (expected one of {})",
                    DRAFT_KEYS.join(", ")
                ),
            ));
        }
    }
    schema::check_properties(obj.get("properties"), blueprint, &mut out);
    relations::check_relations(obj.get("relations"), blueprint, &mut out);

    let size = json_len(draft);
    if size > MAX_BODY_BYTES {
        out.push(Violation::new(
            "entity",
            format!(
                "serialized size is {size} bytes, over Port's 1 MiB ({MAX_BODY_BYTES} bytes) \
                 request limit; drop or shorten the largest properties"
            ),
        ));
    }
    out
}

/// A `{combinator, rules}` search query, which Port resolves itself.
fn is_search_query(v: &Value) -> bool {
    v.get("combinator").is_some_and(Value::is_string) && v.get("rules").is_some_and(Value::is_array)
}

/// For a property or relation the blueprint lacks: which ones it has (`known`, in its order).
fn unknown_key_message(what: &str, key: &str, blueprint: &Blueprint, known: &[&str]) -> String {
    let bp = blueprint.identifier.as_deref().unwrap_or("?");
    let mut message = format!("unknown {what}; blueprint {bp:?} does not define it");
    // A case slip (`imagetagmutability`) is the most common cause; name the intended key.
    if let Some(close) = known.iter().find(|k| k.eq_ignore_ascii_case(key)) {
        message.push_str(&format!(" (did you mean {close:?}?)"));
    } else if known.is_empty() {
        message.push_str(&format!(" (it has no {what}s)"));
    } else {
        let shown: Vec<&str> = known.iter().take(8).copied().collect();
        let more = known.len() - shown.len();
        message.push_str(&format!(" (known: {}", shown.join(", ")));
        if more > 0 {
            message.push_str(&format!(", and {more} more"));
        }
        message.push(')');
    }
    message
}

/// Byte length of the compact JSON serialization, without building the string.
pub fn json_len(value: &Value) -> usize {
    struct Counter(usize);
    impl io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Serializing a `Value` cannot fail (all keys are strings and the writer never errors);
    // if it somehow did, "infinitely large" makes callers refuse to send it.
    match serde_json::to_writer(&mut counter, value) {
        Ok(()) => counter.0,
        Err(_) => usize::MAX,
    }
}

/// JSON equality as Port means it: object key order is irrelevant and numbers compare by value
/// (`1` == `1.0`), since Port (JavaScript) may echo an integer for a float that was sent.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// "string \"x\"", "number 5", "object {…}": the type plus a short look at the value.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        _ => format!("{} {}", kind(v), preview(v)),
    }
}

/// The value as JSON, cut to a readable length for messages.
fn preview(v: &Value) -> String {
    const MAX: usize = 60;
    let text = v.to_string();
    if text.chars().count() <= MAX {
        text
    } else {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// Enum values are listed bare when they are strings (`MUTABLE, IMMUTABLE`), as JSON otherwise.
fn enum_label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn valid_draft_has_no_violations() {
        assert_eq!(validate(&draft(), &blueprint()), vec![]);
        assert_eq!(validate(&strict_draft(), &strict_blueprint()), vec![]);
    }

    #[test]
    fn minimal_draft_is_valid() {
        let d = json!({"identifier": "r", "blueprint": "ecr_repository"});
        assert_eq!(validate(&d, &blueprint()), vec![]);
    }

    #[test]
    fn non_object_draft_is_one_violation() {
        let v = only(&json!([1]), &blueprint());
        assert_eq!(v.field, "entity");
        assert!(v.message.contains("got array"), "{}", v.message);
    }

    #[test]
    fn oversized_entity() {
        let mut d = draft();
        d["properties"]["repositoryUri"] = json!("x".repeat(MAX_BODY_BYTES));
        let v = only(&d, &blueprint());
        assert_eq!(v.field, "entity");
        assert!(v.message.contains("1 MiB"), "{}", v.message);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let d = json!({
            "identifier": "bad id",
            "blueprint": "ecr_repository",
            "properties": {"tags": {}, "nope": 1},
            "relations": {"service": ["a", "b"]}
        });
        let v = validate(&d, &blueprint());
        assert_eq!(
            fields(&v),
            [
                "identifier",
                "properties.tags",
                "properties.nope",
                "relations.service"
            ]
        );
    }

    #[test]
    fn json_eq_ignores_key_order_and_number_repr() {
        assert!(json_eq(
            &json!({"a": 1, "b": [1.0, "x"]}),
            &json!({"b": [1, "x"], "a": 1.0})
        ));
        assert!(!json_eq(&json!([1, 2]), &json!([2, 1])));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": null})));
        assert!(!json_eq(&json!(1), &json!("1")));
    }
}
