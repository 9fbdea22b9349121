//! Pre-flight checks of entity drafts against a Port blueprint, before anything is sent.
//!
//! Port answers a bad bulk item with a terse 422/404 per index; checking here lets the TUI show
//! every problem of every draft, next to the field that caused it, without a network round trip.
//! The rules follow Port's OpenAPI spec (entity body, blueprint property schema) as summarised in
//! `docs/port-reference.md` §1.3–§1.11. Anything the spec does not let us decide locally (property
//! `pattern`, search-query identifiers, whether a relation target exists) is either left to Port or
//! handled by the cross-draft helpers below (`relation_targets` + `dangling`).

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use serde_json::{Map, Value};

/// Port rejects any request body over 1 MiB with 413 (port-reference §1.9).
pub const MAX_BODY_BYTES: usize = super::BODY_LIMIT_BYTES;
/// `maxLength` of entity identifiers and relation values in the OpenAPI spec.
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
pub fn validate(draft: &Value, blueprint: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(obj) = draft.as_object() else {
        out.push(Violation::new(
            "entity",
            format!("a draft must be a JSON object, got {}", kind(draft)),
        ));
        return out;
    };

    check_identifier(obj.get("identifier"), &mut out);
    check_blueprint_ref(obj.get("blueprint"), blueprint, &mut out);
    check_optional_string(obj, "title", &mut out);
    check_optional_string(obj, "icon", &mut out);
    check_team(obj.get("team"), &mut out);
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
    check_properties(obj.get("properties"), blueprint, &mut out);
    check_relations(obj.get("relations"), blueprint, &mut out);

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

pub use crate::model::identifier::{MAX_IDENTIFIER_CHARS, identifier_problem, is_valid_identifier};

fn check_identifier(value: Option<&Value>, out: &mut Vec<Violation>) {
    match value {
        None => out.push(Violation::new(
            "identifier",
            "missing; every entity needs a string identifier",
        )),
        Some(v @ Value::String(id)) => {
            if let Some(problem) = identifier_problem(id) {
                out.push(Violation::new(
                    "identifier",
                    format!("{} {problem}", preview(v)),
                ));
            }
        }
        // Port also accepts a search query here ("upsert by property"), but ecr-port always
        // addresses entities by identifier, and duplicates/diff need a concrete one.
        Some(other) => out.push(Violation::new(
            "identifier",
            format!("expected a string, got {}", describe(other)),
        )),
    }
}

fn check_blueprint_ref(value: Option<&Value>, blueprint: &Value, out: &mut Vec<Violation>) {
    let expected = blueprint.get("identifier").and_then(Value::as_str);
    match (value, expected) {
        (Some(Value::String(got)), Some(want)) if got == want => {}
        (Some(Value::String(got)), Some(want)) => out.push(Violation::new(
            "blueprint",
            format!("draft names blueprint {got:?} but is validated against {want:?}"),
        )),
        (Some(Value::String(_)), None) => out.push(Violation::new(
            "blueprint",
            "the blueprint definition has no string identifier; fetch it again from Port",
        )),
        (None, _) => out.push(Violation::new(
            "blueprint",
            match expected {
                Some(want) => format!("missing; expected {want:?}"),
                None => "missing".to_string(),
            },
        )),
        (Some(other), _) => out.push(Violation::new(
            "blueprint",
            format!("expected a string, got {}", describe(other)),
        )),
    }
}

/// `title` and `icon` are `type: string` in the create/bulk body, without `maxLength`
/// (only PATCH allows null), so the only check is "a string when present".
fn check_optional_string(obj: &Map<String, Value>, key: &str, out: &mut Vec<Violation>) {
    match obj.get(key) {
        None | Some(Value::String(_)) => {}
        Some(Value::Null) => out.push(Violation::new(
            key,
            format!("null is rejected by Port's upsert route; omit {key} or map it to a string"),
        )),
        Some(other) => out.push(Violation::new(
            key,
            format!("expected a string, got {}", describe(other)),
        )),
    }
}

fn check_team(value: Option<&Value>, out: &mut Vec<Violation>) {
    match value {
        None | Some(Value::String(_)) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if !item.is_string() {
                    out.push(Violation::new(
                        "team",
                        format!(
                            "item {i}: expected a team name string, got {}",
                            describe(item)
                        ),
                    ));
                }
            }
        }
        // The spec also allows a search query that selects teams.
        Some(v) if is_search_query(v) => {}
        Some(other) => out.push(Violation::new(
            "team",
            format!(
                "expected a team name or an array of team names, got {}",
                describe(other)
            ),
        )),
    }
}

fn check_properties(value: Option<&Value>, blueprint: &Value, out: &mut Vec<Violation>) {
    let defs = blueprint
        .pointer("/schema/properties")
        .and_then(Value::as_object);
    let required: Vec<&str> = blueprint
        .pointer("/schema/required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let empty = Map::new();
    let props = match value {
        // An absent `properties` is the same as `{}` (the spec's default).
        None => &empty,
        Some(Value::Object(p)) => p,
        Some(other) => {
            out.push(Violation::new(
                "properties",
                format!("expected an object, got {}", describe(other)),
            ));
            &empty
        }
    };

    for (key, val) in props {
        let field = format!("properties.{key}");
        let Some(def) = defs.and_then(|d| d.get(key)) else {
            out.push(Violation::new(
                field,
                unknown_key_message("property", key, blueprint, defs),
            ));
            continue;
        };
        // null means "unset": Port stores no value. It is only a problem for required
        // properties, which the loop below reports once.
        if val.is_null() {
            continue;
        }
        for message in value_problems(val, def) {
            out.push(Violation::new(field.clone(), message));
        }
    }

    for key in required {
        match props.get(key) {
            None => out.push(Violation::new(
                format!("properties.{key}"),
                "required by the blueprint but missing",
            )),
            Some(Value::Null) => out.push(Violation::new(
                format!("properties.{key}"),
                "required by the blueprint but null",
            )),
            Some(_) => {}
        }
    }
}

/// Problems of one non-null value against a property definition (also used for array items).
fn value_problems(val: &Value, def: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let ty = def.get("type").and_then(Value::as_str);
    let type_ok = match ty {
        Some("string") => val.is_string(),
        Some("number") => val.is_number(),
        Some("boolean") => val.is_boolean(),
        Some("object") => val.is_object(),
        Some("array") => val.is_array(),
        // A type we do not know (or none): leave it to Port rather than guess.
        _ => true,
    };
    if !type_ok {
        let ty = ty.unwrap_or("?");
        let mut message = format!("expected {ty}, got {}", describe(val));
        if ty == "array" && val.is_object() {
            message.push_str("; e.g. Tags must be [{Key, Value}], not a map");
        }
        out.push(message);
        // Further checks on a value of the wrong type would only repeat the same problem.
        return out;
    }

    if let Some(allowed) = def.get("enum").and_then(Value::as_array)
        && !allowed.iter().any(|a| json_eq(a, val))
    {
        let listed: Vec<String> = allowed.iter().map(enum_label).collect();
        out.push(format!(
            "{} is not one of {}",
            preview(val),
            listed.join(", ")
        ));
    }

    match val {
        Value::String(s) => {
            if let Some(format) = def.get("format").and_then(Value::as_str)
                && let Some(problem) = format_problem(format, s)
            {
                out.push(format!("{} {problem}", preview(val)));
            }
            let len = s.chars().count();
            if let Some(min) = limit(def, "minLength")
                && len < min
            {
                out.push(format!("is {len} characters, shorter than minLength {min}"));
            }
            if let Some(max) = limit(def, "maxLength")
                && len > max
            {
                out.push(format!("is {len} characters, longer than maxLength {max}"));
            }
            // `pattern` is not checked: it is an ECMAScript regex and we carry no regex
            // engine; Port reports a mismatch on upsert (or with validation_only=true).
        }
        Value::Array(items) => {
            let n = items.len();
            if let Some(min) = limit(def, "minItems")
                && n < min
            {
                out.push(format!("has {n} items, fewer than minItems {min}"));
            }
            if let Some(max) = limit(def, "maxItems")
                && n > max
            {
                out.push(format!("has {n} items, more than maxItems {max}"));
            }
            if let Some(item_def) = def.get("items").filter(|d| d.is_object()) {
                for (i, item) in items.iter().enumerate() {
                    for message in value_problems(item, item_def) {
                        out.push(format!("item {i}: {message}"));
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn limit(def: &Value, key: &str) -> Option<usize> {
    def.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

/// Why `s` does not fit a string `format`, or `None`. Formats whose content Port does not
/// constrain locally (markdown, yaml, user, team, timer, proto, labeled-url, blueprints, …) pass.
fn format_problem(format: &str, s: &str) -> Option<&'static str> {
    match format {
        "date-time" => {
            (!is_rfc3339(s)).then_some("is not an RFC 3339 date-time (e.g. 2024-05-01T12:00:00Z)")
        }
        "url" => url_problem(s),
        "email" | "idn-email" => (!is_email(s))
            .then_some("is not an email address (one @ with text on both sides, no spaces)"),
        "ipv4" => s
            .parse::<std::net::Ipv4Addr>()
            .is_err()
            .then_some("is not an IPv4 address (e.g. 10.0.0.1)"),
        "ipv6" => s
            .parse::<std::net::Ipv6Addr>()
            .is_err()
            .then_some("is not an IPv6 address (e.g. 2001:db8::1)"),
        _ => None,
    }
}

/// RFC 3339 `date-time`: `YYYY-MM-DD[T|t| ]HH:MM:SS[.frac](Z|z|±HH:MM)`, with calendar ranges.
/// A time zone is required, as in RFC 3339 (a bare local time is ambiguous).
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |start: usize, len: usize| -> Option<u32> {
        let part = b.get(start..start + len)?;
        part.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        num(0, 4),
        num(5, 2),
        num(8, 2),
        num(11, 2),
        num(14, 2),
        num(17, 2),
    ) else {
        return false;
    };
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return false;
    }
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return false;
    }
    // Second 60 is a leap second, which RFC 3339 allows.
    if hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut i = 19;
    if at(i, b".") {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if at(i, b"Zz") {
        return i + 1 == b.len();
    }
    if at(i, b"+-")
        && at(i + 3, b":")
        && let (Some(h), Some(m)) = (num(i + 1, 2), num(i + 4, 2))
    {
        return h <= 23 && m <= 59 && i + 6 == b.len();
    }
    false
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// An absolute http(s) URL with a host: what Port's `url` format links to in the UI.
fn url_problem(s: &str) -> Option<&'static str> {
    let Some((scheme, rest)) = s.split_once("://") else {
        return Some("is not an absolute URL; it must start with http:// or https://");
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Some("must use http:// or https://");
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("contains spaces or control characters; percent-encode them");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Userinfo (`user:pass@`) may precede the host.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        // IPv6 literal: `[::1]:8080`.
        match inner.split_once(']') {
            Some((ip, tail)) if ip.parse::<std::net::Ipv6Addr>().is_ok() => (ip, tail),
            _ => return Some("has a malformed [IPv6] host"),
        }
    } else {
        match host_port.split_once(':') {
            Some((h, p)) => (h, &host_port[h.len()..h.len() + 1 + p.len()]),
            None => (host_port, ""),
        }
    };
    if host.is_empty() {
        return Some("has no host");
    }
    if !port.is_empty() {
        let digits = port.strip_prefix(':').unwrap_or("x");
        if digits.is_empty() || !digits.bytes().all(|d| d.is_ascii_digit()) {
            return Some("has a malformed port (expected :<digits>)");
        }
    }
    None
}

fn is_email(s: &str) -> bool {
    let mut parts = s.split('@');
    let shape_ok = matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None) if !local.is_empty() && !domain.is_empty()
    );
    shape_ok && !s.chars().any(char::is_whitespace)
}

fn check_relations(value: Option<&Value>, blueprint: &Value, out: &mut Vec<Violation>) {
    let defs = blueprint.get("relations").and_then(Value::as_object);
    let empty = Map::new();
    let rels = match value {
        None => &empty,
        Some(Value::Object(r)) => r,
        Some(other) => {
            out.push(Violation::new(
                "relations",
                format!("expected an object, got {}", describe(other)),
            ));
            &empty
        }
    };

    for (key, val) in rels {
        let field = format!("relations.{key}");
        let Some(def) = defs.and_then(|d| d.get(key)) else {
            out.push(Violation::new(
                field,
                unknown_key_message("relation", key, blueprint, defs),
            ));
            continue;
        };
        let many = def.get("many").and_then(Value::as_bool).unwrap_or(false);
        match val {
            // null clears the relation; a required one is reported below.
            Value::Null => {}
            Value::String(id) => {
                if many {
                    out.push(Violation::new(
                        field,
                        format!(
                            "relation is many=true and needs an array of identifiers, got the \
                             string {}; wrap it in [ ]",
                            preview(val)
                        ),
                    ));
                } else if let Some(problem) = identifier_problem(id) {
                    out.push(Violation::new(
                        field,
                        format!(
                            "{} is not a valid entity identifier: it {problem}",
                            preview(val)
                        ),
                    ));
                }
            }
            Value::Array(items) => {
                if !many {
                    out.push(Violation::new(
                        field,
                        format!(
                            "relation is many=false and needs one identifier or null, got an \
                             array of {}; map a single value (e.g. `first(...) // null`)",
                            items.len()
                        ),
                    ));
                    continue;
                }
                for (i, item) in items.iter().enumerate() {
                    let problem = match item {
                        Value::String(id) => identifier_problem(id).map(|p| {
                            format!(
                                "item {i}: {} is not a valid entity identifier: it {p}",
                                preview(item)
                            )
                        }),
                        other => Some(format!(
                            "item {i}: expected an identifier string, got {}",
                            describe(other)
                        )),
                    };
                    if let Some(message) = problem {
                        out.push(Violation::new(field.clone(), message));
                    }
                }
            }
            // Port resolves `{combinator, rules}` queries itself; nothing to check locally.
            v if is_search_query(v) => {}
            other => out.push(Violation::new(
                field,
                format!(
                    "expected {}, got {}",
                    if many {
                        "an array of identifiers"
                    } else {
                        "an identifier string or null"
                    },
                    describe(other)
                ),
            )),
        }
    }

    let Some(defs) = defs else { return };
    for (key, def) in defs {
        if def.get("required").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let problem = match rels.get(key) {
            None => Some("required by the blueprint but missing"),
            Some(Value::Null) => Some("required by the blueprint but null"),
            Some(Value::Array(a)) if a.is_empty() => Some("required by the blueprint but empty"),
            Some(_) => None,
        };
        if let Some(problem) = problem {
            out.push(Violation::new(format!("relations.{key}"), problem));
        }
    }
}

fn is_search_query(v: &Value) -> bool {
    v.get("combinator").is_some_and(Value::is_string) && v.get("rules").is_some_and(Value::is_array)
}

fn unknown_key_message(
    what: &str,
    key: &str,
    blueprint: &Value,
    defs: Option<&Map<String, Value>>,
) -> String {
    let bp = blueprint
        .get("identifier")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let known: Vec<&str> = defs
        .map(|d| d.keys().map(String::as_str).collect())
        .unwrap_or_default();
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

/// Relation targets each draft references, per target blueprint: {target_blueprint: [ids...]}
/// (deduplicated, sorted), for one search per target. Only valid identifier strings are listed;
/// null, search queries, unknown relations and invalid ids are `validate`'s business.
pub fn relation_targets(drafts: &[Value], blueprint: &Value) -> BTreeMap<String, Vec<String>> {
    let mut sets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for draft in drafts {
        for (target, id) in draft_relation_ids(draft, blueprint) {
            sets.entry(target.to_string())
                .or_default()
                .insert(id.to_string());
        }
    }
    sets.into_iter()
        .map(|(target, ids)| (target, ids.into_iter().collect()))
        .collect()
}

/// Drafts whose relation values name identifiers not in `existing[target]` →
/// (index, relation, missing id), in draft order. A target absent from `existing` counts as
/// "none exist", so pass one entry (possibly empty) per target that `relation_targets` returned.
pub fn dangling(
    drafts: &[Value],
    blueprint: &Value,
    existing: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (index, draft) in drafts.iter().enumerate() {
        let Some(rels) = draft.get("relations").and_then(Value::as_object) else {
            continue;
        };
        for (rel, val) in rels {
            let Some(target) = relation_target(blueprint, rel) else {
                continue;
            };
            let known = existing.get(target);
            let mut reported: Vec<&str> = Vec::new();
            for id in relation_ids(val) {
                let missing = !known.is_some_and(|k| k.contains(id));
                if missing && !reported.contains(&id) {
                    reported.push(id);
                    out.push((index, rel.clone(), id.to_string()));
                }
            }
        }
    }
    out
}

fn relation_target<'a>(blueprint: &'a Value, relation: &str) -> Option<&'a str> {
    blueprint
        .get("relations")?
        .get(relation)?
        .get("target")?
        .as_str()
}

/// Valid identifier strings of one relation value (string or array); everything else yields none.
fn relation_ids(val: &Value) -> Vec<&str> {
    let candidates: Vec<&str> = match val {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    candidates
        .into_iter()
        .filter(|id| is_valid_identifier(id))
        .collect()
}

fn draft_relation_ids<'a>(draft: &'a Value, blueprint: &'a Value) -> Vec<(&'a str, &'a str)> {
    let Some(rels) = draft.get("relations").and_then(Value::as_object) else {
        return Vec::new();
    };
    rels.iter()
        .filter_map(|(rel, val)| relation_target(blueprint, rel).map(|t| (t, val)))
        .flat_map(|(target, val)| relation_ids(val).into_iter().map(move |id| (target, id)))
        .collect()
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

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
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
    use super::*;
    use serde_json::json;

    /// The `ecr_repository` blueprint from port-reference §6, as `blueprint setup` sends it.
    fn blueprint() -> Value {
        crate::port::blueprint::guide_blueprint("ecr_repository")
    }

    /// The §6 blueprint with extra constraints layered on, to exercise every property rule.
    fn strict_blueprint() -> Value {
        let mut bp = blueprint();
        let props = &mut bp["schema"]["properties"];
        props["imageTagMutability"]["enum"] = json!(["MUTABLE", "IMMUTABLE"]);
        props["repositoryArn"]["minLength"] = json!(20);
        props["repositoryArn"]["maxLength"] = json!(2048);
        props["tags"]["items"] = json!({"type": "object"});
        props["tags"]["maxItems"] = json!(2);
        props["tags"]["minItems"] = json!(1);
        props["createdAt"] = json!({"type": "string", "format": "date-time"});
        props["owner"] = json!({"type": "string", "format": "email"});
        props["ip4"] = json!({"type": "string", "format": "ipv4"});
        props["ip6"] = json!({"type": "string", "format": "ipv6"});
        props["readme"] = json!({"type": "string", "format": "markdown"});
        props["imageCount"] = json!({"type": "number"});
        props["scanOnPush"] = json!({"type": "boolean"});
        props["scanners"] =
            json!({"type": "array", "items": {"type": "string", "enum": ["BASIC", "ENHANCED"]}});
        bp["schema"]["required"] = json!(["repositoryArn"]);
        bp["relations"]["owners"] = json!({"target": "team", "required": false, "many": true});
        bp["relations"]["account"] =
            json!({"target": "aws_account", "required": true, "many": false});
        bp
    }

    fn draft() -> Value {
        json!({
          "identifier": "auth-service-repo",
          "title": "auth-service-repo",
          "blueprint": "ecr_repository",
          "icon": "AWS",
          "team": ["platform"],
          "properties": {
            "repositoryArn": "arn:aws:ecr:eu-west-1:123456789012:repository/auth-service-repo",
            "repositoryUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/auth-service-repo",
            "link": "https://console.aws.amazon.com/go/view?arn=arn:aws:ecr:eu-west-1:123456789012:repository/auth-service-repo",
            "imageTagMutability": "MUTABLE",
            "scanningConfiguration": {"ScanOnPush": true},
            "encryptionConfiguration": {"EncryptionType": "AES256"},
            "lifecyclePolicy": null,
            "tags": [{"Key": "port-auth-service", "Value": "true"}]
          },
          "relations": { "region": "eu-west-1", "service": "auth-service" }
        })
    }

    fn strict_draft() -> Value {
        let mut d = draft();
        d["relations"]["account"] = json!("123456789012");
        d
    }

    fn fields(v: &[Violation]) -> Vec<&str> {
        v.iter().map(|v| v.field.as_str()).collect()
    }

    /// Validates `d` against `bp` and returns the single violation it must produce.
    fn only(d: &Value, bp: &Value) -> Violation {
        let v = validate(d, bp);
        assert_eq!(v.len(), 1, "expected exactly one violation, got {v:#?}");
        v[0].clone()
    }

    /// The strict draft with one property replaced (for `strict_blueprint`).
    fn with_prop(key: &str, value: Value) -> Value {
        let mut d = strict_draft();
        d["properties"][key] = value;
        d
    }

    /// The plain draft with one property replaced (for the §6 `blueprint`).
    fn plain_with_prop(key: &str, value: Value) -> Value {
        let mut d = draft();
        d["properties"][key] = value;
        d
    }

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
    fn identifier_rules() {
        for ok in [
            "auth-service-repo",
            "team/app",
            "a@b_c.d+e:f\\g/h=i-j",
            "Ünïcödé-名前",
            "...",
            ".a",
            "0",
        ] {
            assert!(is_valid_identifier(ok), "{ok:?} should be valid");
        }
        for bad in ["", ".", "..", "has space", "tab\t", "a#b", "a,b", "Ⅻ", "٣"] {
            assert!(!is_valid_identifier(bad), "{bad:?} should be invalid");
        }
        assert!(is_valid_identifier(&"a".repeat(1000)));
        assert!(!is_valid_identifier(&"a".repeat(1001)));
        // The limit is in characters, not bytes.
        assert!(is_valid_identifier(&"é".repeat(1000)));
    }

    #[test]
    fn identifier_messages_are_specific() {
        let mut d = draft();
        d["identifier"] = json!("my repo#1");
        let v = only(&d, &blueprint());
        assert_eq!(v.field, "identifier");
        assert!(
            v.message.contains("' '") && v.message.contains("'#'"),
            "{}",
            v.message
        );

        d["identifier"] = json!("");
        assert!(only(&d, &blueprint()).message.contains("empty"));
        d["identifier"] = json!("..");
        assert!(only(&d, &blueprint()).message.contains("reserved"));
        d["identifier"] = json!("x".repeat(1001));
        assert!(only(&d, &blueprint()).message.contains("1001 characters"));
    }

    #[test]
    fn identifier_missing_or_not_a_string() {
        let mut d = draft();
        d.as_object_mut().map(|o| o.remove("identifier"));
        assert_eq!(only(&d, &blueprint()).field, "identifier");
        d["identifier"] = json!({"combinator": "and", "rules": []});
        let v = only(&d, &blueprint());
        assert!(
            v.message.starts_with("expected a string, got object"),
            "{}",
            v.message
        );
        d["identifier"] = json!(null);
        assert_eq!(
            only(&d, &blueprint()).message,
            "expected a string, got null"
        );
    }

    #[test]
    fn blueprint_must_match() {
        let mut d = draft();
        d["blueprint"] = json!("service");
        let v = only(&d, &blueprint());
        assert_eq!(v.field, "blueprint");
        assert_eq!(
            v.message,
            "draft names blueprint \"service\" but is validated against \"ecr_repository\""
        );
        d.as_object_mut().map(|o| o.remove("blueprint"));
        assert_eq!(
            only(&d, &blueprint()).message,
            "missing; expected \"ecr_repository\""
        );
    }

    #[test]
    fn title_and_icon_must_be_strings() {
        let mut d = draft();
        d["title"] = json!(42);
        assert_eq!(only(&d, &blueprint()).field, "title");
        d["title"] = json!(null);
        assert!(only(&d, &blueprint()).message.contains("omit title"));
        // No length limit on entity titles in the spec.
        d["title"] = json!("t".repeat(5000));
        assert_eq!(validate(&d, &blueprint()), vec![]);
        d["icon"] = json!(["AWS"]);
        assert_eq!(only(&d, &blueprint()).field, "icon");
    }

    #[test]
    fn team_shapes() {
        let mut d = draft();
        for ok in [
            json!("platform"),
            json!([]),
            json!(["a", "b"]),
            json!({"combinator": "and", "rules": []}),
        ] {
            d["team"] = ok;
            assert_eq!(validate(&d, &blueprint()), vec![]);
        }
        d["team"] = json!(["a", 1]);
        assert!(only(&d, &blueprint()).message.starts_with("item 1:"));
        d["team"] = json!(7);
        assert_eq!(only(&d, &blueprint()).field, "team");
    }

    #[test]
    fn unknown_top_level_field() {
        let mut d = draft();
        d["propertes"] = json!({});
        let v = only(&d, &blueprint());
        assert_eq!(v.field, "entity");
        assert!(v.message.contains("\"propertes\""), "{}", v.message);
    }

    #[test]
    fn unknown_property_lists_known_ones() {
        let v = only(&plain_with_prop("size", json!(1)), &blueprint());
        assert_eq!(v.field, "properties.size");
        assert!(v.message.contains("\"ecr_repository\""), "{}", v.message);
        assert!(
            v.message.contains("known: link, imageTagMutability"),
            "{}",
            v.message
        );
        // 8 properties: all listed, no "more".
        assert!(!v.message.contains("more"), "{}", v.message);
        let v = only(&with_prop("size", json!(1)), &strict_blueprint());
        assert!(v.message.contains("and 8 more"), "{}", v.message);
    }

    #[test]
    fn unknown_property_suggests_case_fix() {
        let v = only(
            &plain_with_prop("imagetagmutability", json!("MUTABLE")),
            &blueprint(),
        );
        assert!(
            v.message.contains("did you mean \"imageTagMutability\"?"),
            "{}",
            v.message
        );
    }

    #[test]
    fn property_type_mismatches() {
        let bp = strict_blueprint();
        let cases = [
            ("repositoryUri", json!(5), "expected string, got number 5"),
            (
                "imageCount",
                json!("5"),
                "expected number, got string \"5\"",
            ),
            (
                "scanOnPush",
                json!("true"),
                "expected boolean, got string \"true\"",
            ),
            (
                "scanningConfiguration",
                json!([]),
                "expected object, got array []",
            ),
        ];
        for (key, value, message) in cases {
            let v = only(&with_prop(key, value), &bp);
            assert_eq!(v.field, format!("properties.{key}"));
            assert_eq!(v.message, message);
        }
    }

    #[test]
    fn tags_as_map_is_a_type_mismatch_with_hint() {
        let v = only(
            &plain_with_prop("tags", json!({"port-auth": "true"})),
            &blueprint(),
        );
        assert_eq!(v.field, "properties.tags");
        assert!(
            v.message.starts_with("expected array, got object"),
            "{}",
            v.message
        );
        assert!(v.message.contains("[{Key, Value}]"), "{}", v.message);
    }

    #[test]
    fn numbers_accept_integers_and_floats() {
        let bp = strict_blueprint();
        assert_eq!(validate(&with_prop("imageCount", json!(3)), &bp), vec![]);
        assert_eq!(validate(&with_prop("imageCount", json!(2.5)), &bp), vec![]);
    }

    #[test]
    fn null_property_is_unset_unless_required() {
        let bp = strict_blueprint();
        assert_eq!(validate(&with_prop("imageCount", json!(null)), &bp), vec![]);
        assert_eq!(validate(&with_prop("link", json!(null)), &bp), vec![]);
        let v = only(&with_prop("repositoryArn", json!(null)), &bp);
        assert_eq!(v.field, "properties.repositoryArn");
        assert_eq!(v.message, "required by the blueprint but null");
        let mut d = strict_draft();
        d["properties"]
            .as_object_mut()
            .map(|p| p.remove("repositoryArn"));
        assert_eq!(
            only(&d, &bp).message,
            "required by the blueprint but missing"
        );
        // No `properties` at all is `{}`.
        d.as_object_mut().map(|o| o.remove("properties"));
        assert_eq!(only(&d, &bp).field, "properties.repositoryArn");
    }

    #[test]
    fn properties_must_be_an_object() {
        let mut d = draft();
        d["properties"] = json!([]);
        assert_eq!(only(&d, &blueprint()).field, "properties");
    }

    #[test]
    fn enum_membership_message() {
        let v = only(
            &with_prop("imageTagMutability", json!("MUTABLE_WITH_EXCLUSION")),
            &strict_blueprint(),
        );
        assert_eq!(
            v.to_string(),
            "properties.imageTagMutability: \"MUTABLE_WITH_EXCLUSION\" is not one of MUTABLE, IMMUTABLE"
        );
        assert_eq!(
            validate(
                &with_prop("imageTagMutability", json!("IMMUTABLE")),
                &strict_blueprint()
            ),
            vec![]
        );
    }

    #[test]
    fn string_length_limits() {
        let bp = strict_blueprint();
        let v = only(&with_prop("repositoryArn", json!("arn:short")), &bp);
        assert_eq!(v.message, "is 9 characters, shorter than minLength 20");
        let v = only(&with_prop("repositoryArn", json!("a".repeat(2049))), &bp);
        assert_eq!(v.message, "is 2049 characters, longer than maxLength 2048");
    }

    #[test]
    fn array_item_limits_and_item_types() {
        let bp = strict_blueprint();
        let v = only(&with_prop("tags", json!([])), &bp);
        assert_eq!(v.message, "has 0 items, fewer than minItems 1");
        let v = only(&with_prop("tags", json!([{}, {}, {}])), &bp);
        assert_eq!(v.message, "has 3 items, more than maxItems 2");
        let v = only(&with_prop("tags", json!([{"Key": "a"}, "b=c"])), &bp);
        assert_eq!(v.message, "item 1: expected object, got string \"b=c\"");
        let v = only(&with_prop("scanners", json!(["BASIC", "FANCY"])), &bp);
        assert_eq!(v.message, "item 1: \"FANCY\" is not one of BASIC, ENHANCED");
    }

    #[test]
    fn date_time_format() {
        let bp = strict_blueprint();
        for ok in [
            "2024-05-01T12:00:00Z",
            "2024-05-01t12:00:00z",
            "2024-05-01 12:00:00+02:00",
            "2024-02-29T23:59:60.123456-05:30",
            "2000-02-29T00:00:00Z",
        ] {
            assert_eq!(
                validate(&with_prop("createdAt", json!(ok)), &bp),
                vec![],
                "{ok}"
            );
        }
        for bad in [
            "2024-05-01",
            "2024-05-01T12:00:00",
            "2024-13-01T12:00:00Z",
            "2023-02-29T12:00:00Z",
            "1900-02-29T12:00:00Z",
            "2024-04-31T12:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:00:00.Z",
            "2024-05-01T12:00:00+0200",
            "2024-05-01T12:00:00Zjunk",
            "1714564800",
        ] {
            let v = only(&with_prop("createdAt", json!(bad)), &bp);
            assert!(v.message.contains("RFC 3339"), "{bad}: {}", v.message);
        }
    }

    #[test]
    fn url_format() {
        let bp = strict_blueprint();
        for ok in [
            "https://console.aws.amazon.com/ecr/repositories?region=eu-west-1",
            "http://localhost:8080/x",
            "HTTPS://Example.com",
            "https://user:pw@host.example/path#frag",
            "https://[2001:db8::1]:443/",
        ] {
            assert_eq!(validate(&with_prop("link", json!(ok)), &bp), vec![], "{ok}");
        }
        let cases = [
            (
                "console.aws.amazon.com/ecr",
                "must start with http:// or https://",
            ),
            ("ftp://example.com", "must use http:// or https://"),
            ("https://", "has no host"),
            ("https:///path", "has no host"),
            ("https://exa mple.com", "spaces"),
            ("https://host:port/", "malformed port"),
            ("https://[zz]/", "malformed [IPv6]"),
        ];
        for (bad, needle) in cases {
            let v = only(&with_prop("link", json!(bad)), &bp);
            assert_eq!(v.field, "properties.link");
            assert!(v.message.contains(needle), "{bad}: {}", v.message);
        }
    }

    #[test]
    fn email_and_ip_formats() {
        let bp = strict_blueprint();
        assert_eq!(
            validate(&with_prop("owner", json!("a.b@example.com")), &bp),
            vec![]
        );
        for bad in ["a.example.com", "@example.com", "a@", "a@b@c", "a b@c"] {
            assert!(
                only(&with_prop("owner", json!(bad)), &bp)
                    .message
                    .contains("email")
            );
        }
        assert_eq!(
            validate(&with_prop("ip4", json!("10.0.0.255")), &bp),
            vec![]
        );
        for bad in ["10.0.0.256", "10.0.0", "010.0.0.1", "::1"] {
            assert!(
                only(&with_prop("ip4", json!(bad)), &bp)
                    .message
                    .contains("IPv4"),
                "{bad}"
            );
        }
        for ok in [
            "::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "fe80:0:0:0:0:0:0:1",
        ] {
            assert_eq!(validate(&with_prop("ip6", json!(ok)), &bp), vec![], "{ok}");
        }
        for bad in ["10.0.0.1", "2001:db8:::1", "g::1"] {
            assert!(
                only(&with_prop("ip6", json!(bad)), &bp)
                    .message
                    .contains("IPv6"),
                "{bad}"
            );
        }
    }

    #[test]
    fn free_text_formats_accept_any_string() {
        let bp = strict_blueprint();
        assert_eq!(
            validate(&with_prop("readme", json!("# anything *at* all")), &bp),
            vec![]
        );
    }

    #[test]
    fn unknown_relation_lists_known_ones() {
        let mut d = draft();
        d["relations"]["cluster"] = json!("c1");
        let v = only(&d, &blueprint());
        assert_eq!(v.field, "relations.cluster");
        assert!(
            v.message.contains("known: region, service"),
            "{}",
            v.message
        );
    }

    #[test]
    fn single_relation_shapes() {
        let mut d = draft();
        d["relations"]["service"] = json!(null);
        assert_eq!(validate(&d, &blueprint()), vec![]);
        d["relations"]["service"] = json!({"combinator": "and", "rules": [
            {"property": "$identifier", "operator": "=", "value": "auth-service"}]});
        assert_eq!(validate(&d, &blueprint()), vec![]);
        d["relations"]["service"] = json!(["auth-service"]);
        let v = only(&d, &blueprint());
        assert_eq!(v.field, "relations.service");
        assert!(v.message.contains("many=false"), "{}", v.message);
        d["relations"]["service"] = json!(5);
        assert_eq!(
            only(&d, &blueprint()).message,
            "expected an identifier string or null, got number 5"
        );
    }

    #[test]
    fn relation_ids_follow_the_identifier_rule() {
        let mut d = draft();
        // What the guide's `.[6:]` produces for a bare "port-" tag.
        d["relations"]["service"] = json!("");
        let v = only(&d, &blueprint());
        assert_eq!(v.field, "relations.service");
        assert!(v.message.contains("is empty"), "{}", v.message);
        d["relations"]["service"] = json!("auth service");
        assert!(only(&d, &blueprint()).message.contains("' '"));
    }

    #[test]
    fn many_relation_shapes() {
        let bp = strict_blueprint();
        let mut d = strict_draft();
        for ok in [json!(["platform", "sre"]), json!([]), json!(null)] {
            d["relations"]["owners"] = ok;
            assert_eq!(validate(&d, &bp), vec![]);
        }
        d["relations"]["owners"] = json!("platform");
        assert!(only(&d, &bp).message.contains("many=true"));
        d["relations"]["owners"] = json!(["ok", 3, "bad id"]);
        let v = validate(&d, &bp);
        assert_eq!(fields(&v), ["relations.owners", "relations.owners"]);
        assert!(
            v[0].message
                .starts_with("item 1: expected an identifier string")
        );
        assert!(
            v[1].message
                .starts_with("item 2: \"bad id\" is not a valid")
        );
    }

    #[test]
    fn required_relation() {
        let bp = strict_blueprint();
        let mut d = strict_draft();
        d["relations"]["account"] = json!(null);
        assert_eq!(only(&d, &bp).message, "required by the blueprint but null");
        d["relations"].as_object_mut().map(|r| r.remove("account"));
        assert_eq!(
            only(&d, &bp).message,
            "required by the blueprint but missing"
        );
        d.as_object_mut().map(|o| o.remove("relations"));
        assert_eq!(only(&d, &bp).field, "relations.account");
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

    fn relation_drafts() -> Vec<Value> {
        vec![
            json!({"identifier": "r1", "relations": {"service": "svc-b", "region": "eu-west-1"}}),
            json!({"identifier": "r2", "relations": {"service": "svc-a", "region": "eu-west-1"}}),
            json!({"identifier": "r3", "relations": {"service": null, "owners": ["t2", "t1", "t2"]}}),
            // Invalid ids, queries and unknown relations are validate's business, not searched.
            json!({"identifier": "r4", "relations": {"service": "", "region": {"combinator": "and", "rules": []}, "nope": "x"}}),
            json!({"identifier": "r5"}),
        ]
    }

    #[test]
    fn relation_targets_groups_by_target_blueprint() {
        let targets = relation_targets(&relation_drafts(), &strict_blueprint());
        let expected: BTreeMap<String, Vec<String>> = [
            ("region", vec!["eu-west-1"]),
            ("service", vec!["svc-a", "svc-b"]),
            ("team", vec!["t1", "t2"]),
        ]
        .into_iter()
        .map(|(t, ids)| (t.to_string(), ids.into_iter().map(String::from).collect()))
        .collect();
        assert_eq!(targets, expected);
        assert!(relation_targets(&[], &blueprint()).is_empty());
    }

    #[test]
    fn dangling_reports_missing_targets() {
        let existing: BTreeMap<String, BTreeSet<String>> = [
            ("region", vec!["eu-west-1"]),
            ("service", vec!["svc-a"]),
            ("team", vec!["t1"]),
        ]
        .into_iter()
        .map(|(t, ids)| (t.to_string(), ids.into_iter().map(String::from).collect()))
        .collect();
        let got = dangling(&relation_drafts(), &strict_blueprint(), &existing);
        assert_eq!(
            got,
            vec![
                (0, "service".to_string(), "svc-b".to_string()),
                // "t2" appears twice in r3 but is reported once.
                (2, "owners".to_string(), "t2".to_string()),
            ]
        );
    }

    #[test]
    fn dangling_treats_unsearched_target_as_empty() {
        let got = dangling(&relation_drafts()[..1], &blueprint(), &BTreeMap::new());
        assert_eq!(
            got,
            vec![
                (0, "service".to_string(), "svc-b".to_string()),
                (0, "region".to_string(), "eu-west-1".to_string()),
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
