//! The top-level fields of a draft: identifier, blueprint, title, icon and team.

use serde_json::{Map, Value};

use super::{Violation, describe, identifier_problem, is_search_query, preview};

pub(super) fn check_identifier(value: Option<&Value>, out: &mut Vec<Violation>) {
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

/// `expected` is the identifier of the blueprint the draft is validated against.
pub(super) fn check_blueprint_ref(
    value: Option<&Value>,
    expected: Option<&str>,
    out: &mut Vec<Violation>,
) {
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
pub(super) fn check_optional_string(obj: &Map<String, Value>, key: &str, out: &mut Vec<Violation>) {
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

pub(super) fn check_team(value: Option<&Value>, out: &mut Vec<Violation>) {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{is_valid_identifier, validate};
    use serde_json::json;

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
}
