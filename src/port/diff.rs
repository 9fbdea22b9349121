//! What an upsert with `upsert=true&merge=true` would change on Port's current entity.
//!
//! The push plan shows this before any write, so it must not cry wolf: Port echoes entities with
//! extra bookkeeping fields, its own key order, `team` as an array and relations as either a string
//! or an array. Everything here compares meaning, not bytes.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::model::entity::Entity;
pub use crate::model::push::FieldChange;

use super::validate::json_eq;

/// The outcome of sending one draft.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Port has no entity with this identifier yet.
    Create,
    /// At least one field the draft sends differs from Port's entity.
    Update(Vec<FieldChange>),
    /// Sending the draft would leave the entity as it is.
    Unchanged,
}

/// What sending `draft` with upsert=true&merge=true would change on `existing` (Port's current
/// entity, or None).
///
/// merge=true only writes what the draft carries, so only those fields are compared: `title`,
/// `icon` and `team` when present in the draft, and `properties`/`relations` key by key. Anything
/// else Port returns (createdAt, updatedAt, createdBy, properties the draft does not send, …) is
/// ignored. `identifier` and `blueprint` are how the entity was found, so they are not compared.
pub fn diff(draft: &Entity, existing: Option<&Entity>) -> Change {
    let Some(existing) = existing else {
        return Change::Create;
    };
    let mut changes = Vec::new();

    let texts = [
        ("title", &draft.title, &existing.title),
        ("icon", &draft.icon, &existing.icon),
    ];
    for (key, after, before) in texts {
        if let Some(after) = after
            && before.as_ref() != Some(after)
        {
            changes.push(FieldChange {
                field: key.to_owned(),
                before: before.clone().map(Value::String),
                after: Some(Value::String(after.clone())),
            });
        }
    }

    // Port stores team as a set of names: a draft's "platform" equals Port's ["platform"], and
    // order is not meaningful.
    if let Some(after) = &draft.team {
        let before = existing.team.as_ref();
        if !sets_equal(name_set(before), name_set(Some(after))) {
            changes.push(change("team".to_string(), before, after));
        }
    }

    for (key, after) in &draft.properties {
        let before = existing.properties.get(key);
        if !values_equal(before, after) {
            changes.push(change(format!("properties.{key}"), before, after));
        }
    }

    // Relation values compare as sets of identifiers, so "svc", ["svc"] and, for many=true,
    // ["a","b"] vs ["b","a"] are equal; null, [] and absent all mean "no related entity".
    for (key, after) in &draft.relations {
        let before = existing.relations.get(key);
        if !sets_equal(name_set(before), name_set(Some(after))) {
            changes.push(change(format!("relations.{key}"), before, after));
        }
    }

    if changes.is_empty() {
        Change::Unchanged
    } else {
        Change::Update(changes)
    }
}

/// null and absent both mean "unset" (Port drops a property sent as null).
fn set_value(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null())
}

fn values_equal(before: Option<&Value>, after: &Value) -> bool {
    match (set_value(before), set_value(Some(after))) {
        (None, None) => true,
        (Some(b), Some(a)) => json_eq(b, a),
        _ => false,
    }
}

fn change(field: String, before: Option<&Value>, after: &Value) -> FieldChange {
    FieldChange {
        field,
        before: set_value(before).cloned(),
        after: set_value(Some(after)).cloned(),
    }
}

/// The names in a team or relation value, or `None` when it cannot be compared locally (a
/// search query, or something malformed), which `sets_equal` then always treats as a change.
fn name_set(v: Option<&Value>) -> Option<BTreeSet<&str>> {
    match v {
        None | Some(Value::Null) => Some(BTreeSet::new()),
        Some(Value::String(s)) => Some(BTreeSet::from([s.as_str()])),
        Some(Value::Array(items)) => items.iter().map(name_of).collect(),
        Some(other) => name_of(other).map(|n| BTreeSet::from([n])),
    }
}

/// A single name: a string, or `{identifier, title}` as Port returns relations with
/// `attach_title_to_relation=true`.
fn name_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("identifier").and_then(Value::as_str),
        _ => None,
    }
}

fn sets_equal(a: Option<BTreeSet<&str>>, b: Option<BTreeSet<&str>>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a == b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft() -> Value {
        json!({
          "identifier": "auth-service-repo",
          "title": "auth-service-repo",
          "blueprint": "ecr_repository",
          "icon": "AWS",
          "team": "platform",
          "properties": {
            "repositoryArn": "arn:aws:ecr:eu-west-1:123456789012:repository/auth-service-repo",
            "imageTagMutability": "MUTABLE",
            "scanningConfiguration": {"ScanOnPush": true, "ScanFrequency": "SCAN_ON_PUSH"},
            "lifecyclePolicy": null,
            "imageCount": 3.0,
            "tags": [{"Key": "port-auth-service", "Value": "true"}]
          },
          "relations": { "region": "eu-west-1", "service": "auth-service", "owners": ["b", "a"] }
        })
    }

    /// The same entity as Port returns it: bookkeeping fields, its own key order, team as an
    /// array, relations as arrays, properties the draft does not send.
    fn port_entity() -> Value {
        json!({
          "createdAt": "2024-03-01T10:00:00.000Z",
          "updatedAt": "2024-05-01T10:00:00.000Z",
          "createdBy": "auth0|abc",
          "updatedBy": "auth0|abc",
          "relations": { "owners": ["a", "b"], "service": ["auth-service"], "region": "eu-west-1",
                         "other": "x" },
          "properties": {
            "tags": [{"Value": "true", "Key": "port-auth-service"}],
            "imageCount": 3,
            "scanningConfiguration": {"ScanFrequency": "SCAN_ON_PUSH", "ScanOnPush": true},
            "imageTagMutability": "MUTABLE",
            "repositoryArn": "arn:aws:ecr:eu-west-1:123456789012:repository/auth-service-repo",
            "repositoryUri": "kept-by-merge"
          },
          "team": ["platform"],
          "icon": "AWS",
          "title": "auth-service-repo",
          "blueprint": "ecr_repository",
          "identifier": "auth-service-repo"
        })
    }

    fn entity(json: Value) -> Entity {
        Entity::from_json(&json).expect("an entity")
    }

    /// `diff` on the JSON a mapping produces and Port returns.
    fn diff(draft: &Value, existing: Option<&Value>) -> Change {
        super::diff(
            &entity(draft.clone()),
            existing.cloned().map(entity).as_ref(),
        )
    }

    fn updates(change: Change) -> Vec<FieldChange> {
        match change {
            Change::Update(c) => c,
            other => panic!("expected an update, got {other:?}"),
        }
    }

    #[test]
    fn create_when_port_has_nothing() {
        assert_eq!(diff(&draft(), None), Change::Create);
    }

    #[test]
    fn unchanged_despite_extra_fields_and_ordering() {
        assert_eq!(diff(&draft(), Some(&port_entity())), Change::Unchanged);
    }

    #[test]
    fn field_level_changes() {
        let mut d = draft();
        d["title"] = json!("Auth service");
        d["properties"]["imageTagMutability"] = json!("IMMUTABLE");
        d["properties"]["repositoryUri"] = json!("new-uri");
        d["properties"]["link"] = json!("https://example.com");
        let c = updates(diff(&d, Some(&port_entity())));
        assert_eq!(
            c,
            vec![
                FieldChange {
                    field: "title".into(),
                    before: Some(json!("auth-service-repo")),
                    after: Some(json!("Auth service")),
                },
                FieldChange {
                    field: "properties.imageTagMutability".into(),
                    before: Some(json!("MUTABLE")),
                    after: Some(json!("IMMUTABLE")),
                },
                FieldChange {
                    field: "properties.repositoryUri".into(),
                    before: Some(json!("kept-by-merge")),
                    after: Some(json!("new-uri")),
                },
                FieldChange {
                    field: "properties.link".into(),
                    before: None,
                    after: Some(json!("https://example.com")),
                },
            ]
        );
    }

    #[test]
    fn null_clears_a_set_property_and_matches_an_unset_one() {
        let mut d = draft();
        d["properties"]["imageTagMutability"] = json!(null);
        let c = updates(diff(&d, Some(&port_entity())));
        assert_eq!(
            c,
            vec![FieldChange {
                field: "properties.imageTagMutability".into(),
                before: Some(json!("MUTABLE")),
                after: None,
            }]
        );
        // `lifecyclePolicy: null` in the draft vs absent at Port: no change (checked above too).
        let mut e = port_entity();
        e["properties"]["lifecyclePolicy"] = json!(null);
        assert_eq!(diff(&draft(), Some(&e)), Change::Unchanged);
    }

    #[test]
    fn array_properties_are_order_sensitive() {
        let mut d = draft();
        d["properties"]["tags"] = json!([{"Key": "b", "Value": ""}, {"Key": "a", "Value": ""}]);
        let mut e = port_entity();
        e["properties"]["tags"] = json!([{"Key": "a", "Value": ""}, {"Key": "b", "Value": ""}]);
        let c = updates(diff(&d, Some(&e)));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].field, "properties.tags");
    }

    #[test]
    fn relation_string_vs_array_is_semantic() {
        let mut e = port_entity();
        e["relations"]["service"] = json!("auth-service");
        e["relations"]["region"] = json!(["eu-west-1"]);
        assert_eq!(diff(&draft(), Some(&e)), Change::Unchanged);
        // Relations returned with attach_title_to_relation=true.
        e["relations"]["service"] = json!({"identifier": "auth-service", "title": "Auth"});
        assert_eq!(diff(&draft(), Some(&e)), Change::Unchanged);
    }

    #[test]
    fn relation_changes() {
        let mut d = draft();
        d["relations"]["service"] = json!("payments");
        d["relations"]["owners"] = json!(["a"]);
        d["relations"]["region"] = json!(null);
        let c = updates(diff(&d, Some(&port_entity())));
        assert_eq!(
            c,
            vec![
                FieldChange {
                    field: "relations.region".into(),
                    before: Some(json!("eu-west-1")),
                    after: None,
                },
                FieldChange {
                    field: "relations.service".into(),
                    before: Some(json!(["auth-service"])),
                    after: Some(json!("payments")),
                },
                FieldChange {
                    field: "relations.owners".into(),
                    before: Some(json!(["a", "b"])),
                    after: Some(json!(["a"])),
                },
            ]
        );
    }

    #[test]
    fn empty_relation_forms_are_equal() {
        let mut d = draft();
        d["relations"] = json!({"service": null, "owners": []});
        let mut e = port_entity();
        e["relations"] = json!({"service": null, "owners": []});
        assert_eq!(diff(&d, Some(&e)), Change::Unchanged);
        e["relations"] = json!({});
        assert_eq!(diff(&d, Some(&e)), Change::Unchanged);
        e["relations"] = json!({"owners": null, "service": []});
        assert_eq!(diff(&d, Some(&e)), Change::Unchanged);
    }

    #[test]
    fn search_query_relation_is_always_a_change() {
        let mut d = draft();
        d["relations"] = json!({"service": {"combinator": "and", "rules": []}});
        let c = updates(diff(&d, Some(&port_entity())));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].field, "relations.service");
    }

    #[test]
    fn team_is_a_set() {
        let mut d = draft();
        d["team"] = json!(["sre", "platform"]);
        let mut e = port_entity();
        e["team"] = json!(["platform", "sre"]);
        assert_eq!(diff(&d, Some(&e)), Change::Unchanged);
        d["team"] = json!("sre");
        let c = updates(diff(&d, Some(&e)));
        assert_eq!(
            c,
            vec![FieldChange {
                field: "team".into(),
                before: Some(json!(["platform", "sre"])),
                after: Some(json!("sre")),
            }]
        );
        d["team"] = json!([]);
        e["team"] = json!([]);
        assert_eq!(diff(&d, Some(&e)), Change::Unchanged);
    }

    #[test]
    fn merge_ignores_fields_not_in_the_draft() {
        // A draft with only one property: Port's other properties, relations, title, icon and
        // team stay as they are under merge=true, so they are not changes.
        let d = json!({
            "identifier": "auth-service-repo",
            "blueprint": "ecr_repository",
            "properties": {"imageTagMutability": "MUTABLE"}
        });
        assert_eq!(diff(&d, Some(&port_entity())), Change::Unchanged);
        let d = json!({"identifier": "auth-service-repo", "relations": {"other": "x"}});
        assert_eq!(diff(&d, Some(&port_entity())), Change::Unchanged);
    }

    #[test]
    fn draft_field_missing_at_port_is_a_change() {
        let mut e = port_entity();
        e.as_object_mut().map(|o| o.remove("icon"));
        e.as_object_mut().map(|o| o.remove("properties"));
        let c = updates(diff(&draft(), Some(&e)));
        let fields: Vec<&str> = c.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "icon",
                "properties.repositoryArn",
                "properties.imageTagMutability",
                "properties.scanningConfiguration",
                "properties.imageCount",
                "properties.tags",
            ]
        );
        assert!(c.iter().all(|c| c.before.is_none()));
    }

    #[test]
    fn identifier_and_blueprint_are_not_compared() {
        let mut e = port_entity();
        e["identifier"] = json!("renamed");
        e["blueprint"] = json!("other");
        assert_eq!(diff(&draft(), Some(&e)), Change::Unchanged);
    }
}
