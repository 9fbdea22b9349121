//! Properties against their definitions in the blueprint's schema.

use serde_json::{Map, Value};

use super::formats::format_problem;
use super::{Violation, describe, enum_label, json_eq, preview, unknown_key_message};
use crate::model::blueprint::{Blueprint, PropertySchema, PropertyType};

pub(super) fn check_properties(
    value: Option<&Value>,
    blueprint: &Blueprint,
    out: &mut Vec<Violation>,
) {
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
        let Some(def) = blueprint.property(key) else {
            let known: Vec<&str> = blueprint.properties.iter().map(|p| p.id.as_str()).collect();
            out.push(Violation::new(
                field,
                unknown_key_message("property", key, blueprint, &known),
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

    for key in &blueprint.required {
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
fn value_problems(val: &Value, def: &PropertySchema) -> Vec<String> {
    let mut out = Vec::new();
    // A type we do not know (or none) is left to Port rather than guessed.
    if let Some(ty) = def.kind
        && !ty.admits(val)
    {
        let mut message = format!("expected {}, got {}", ty.name(), describe(val));
        if ty == PropertyType::Array && val.is_object() {
            message.push_str("; e.g. Tags must be [{Key, Value}], not a map");
        }
        out.push(message);
        // Further checks on a value of the wrong type would only repeat the same problem.
        return out;
    }

    if let Some(allowed) = &def.allowed
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
            if let Some(format) = &def.format
                && let Some(problem) = format_problem(format, s)
            {
                out.push(format!("{} {problem}", preview(val)));
            }
            let len = s.chars().count();
            if let Some(min) = def.min_length
                && len < min
            {
                out.push(format!("is {len} characters, shorter than minLength {min}"));
            }
            if let Some(max) = def.max_length
                && len > max
            {
                out.push(format!("is {len} characters, longer than maxLength {max}"));
            }
            // `pattern` is not checked: it is an ECMAScript regex and we carry no regex
            // engine; Port reports a mismatch on upsert (or with validation_only=true).
        }
        Value::Array(items) => {
            let n = items.len();
            if let Some(min) = def.min_items
                && n < min
            {
                out.push(format!("has {n} items, fewer than minItems {min}"));
            }
            if let Some(max) = def.max_items
                && n > max
            {
                out.push(format!("has {n} items, more than maxItems {max}"));
            }
            if let Some(item_def) = &def.items {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::validate;
    use serde_json::json;

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
}
