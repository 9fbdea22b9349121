//! Relation values against the blueprint's relations, and the cross-draft lookups: which
//! relation targets the drafts name, and which of those Port lacks.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::{
    Violation, describe, identifier_problem, is_search_query, is_valid_identifier, preview,
    unknown_key_message,
};
use crate::model::blueprint::Blueprint;
use crate::model::entity::Entity;

pub(super) fn check_relations(
    value: Option<&Value>,
    blueprint: &Blueprint,
    out: &mut Vec<Violation>,
) {
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
        let Some(def) = blueprint.relation(key) else {
            let known: Vec<&str> = blueprint.relations.iter().map(|r| r.id.as_str()).collect();
            out.push(Violation::new(
                field,
                unknown_key_message("relation", key, blueprint, &known),
            ));
            continue;
        };
        for message in value_problems(val, def.many) {
            out.push(Violation::new(field.clone(), message));
        }
    }

    for def in blueprint.relations.iter().filter(|r| r.required) {
        let problem = match rels.get(&def.id) {
            None => Some("required by the blueprint but missing"),
            Some(Value::Null) => Some("required by the blueprint but null"),
            Some(Value::Array(a)) if a.is_empty() => Some("required by the blueprint but empty"),
            Some(_) => None,
        };
        if let Some(problem) = problem {
            out.push(Violation::new(format!("relations.{}", def.id), problem));
        }
    }
}

/// Problems of one relation value, for a relation that takes many identifiers or one.
fn value_problems(val: &Value, many: bool) -> Vec<String> {
    match val {
        // null clears the relation; a required one is reported by the caller.
        Value::Null => Vec::new(),
        Value::String(_) if many => vec![format!(
            "relation is many=true and needs an array of identifiers, got the string {}; wrap \
             it in [ ]",
            preview(val)
        )],
        Value::String(id) => identifier_problem(id)
            .map(|problem| {
                format!(
                    "{} is not a valid entity identifier: it {problem}",
                    preview(val)
                )
            })
            .into_iter()
            .collect(),
        Value::Array(items) if !many => vec![format!(
            "relation is many=false and needs one identifier or null, got an array of {}; map a \
             single value (e.g. `first(...) // null`)",
            items.len()
        )],
        Value::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item {
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
            })
            .collect(),
        // Port resolves `{combinator, rules}` queries itself; nothing to check locally.
        v if is_search_query(v) => Vec::new(),
        other => vec![format!(
            "expected {}, got {}",
            if many {
                "an array of identifiers"
            } else {
                "an identifier string or null"
            },
            describe(other)
        )],
    }
}

/// Relation targets each draft references, per target blueprint: {target_blueprint: [ids...]}
/// (deduplicated, sorted), for one search per target. Only valid identifier strings are listed;
/// null, search queries, unknown relations and invalid ids are `validate`'s business.
pub fn relation_targets<'a>(
    drafts: impl IntoIterator<Item = &'a Entity>,
    blueprint: &Blueprint,
) -> BTreeMap<String, Vec<String>> {
    let mut sets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for draft in drafts {
        for (rel, val) in &draft.relations {
            let Some(target) = blueprint.target_of(rel) else {
                continue;
            };
            for id in relation_ids(val) {
                sets.entry(target.to_owned())
                    .or_default()
                    .insert(id.to_owned());
            }
        }
    }
    sets.into_iter()
        .map(|(target, ids)| (target, ids.into_iter().collect()))
        .collect()
}

/// Drafts whose relation values name identifiers not in `existing[target]` →
/// (index, relation, missing id), in draft order. A target absent from `existing` counts as
/// "none exist", so pass one entry (possibly empty) per target that `relation_targets` returned.
pub fn dangling<'a>(
    drafts: impl IntoIterator<Item = &'a Entity>,
    blueprint: &Blueprint,
    existing: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (index, draft) in drafts.into_iter().enumerate() {
        for (rel, val) in &draft.relations {
            let Some(target) = blueprint.target_of(rel) else {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::validate;
    use super::*;
    use serde_json::json;

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

    fn relation_drafts() -> Vec<Entity> {
        [
            json!({"identifier": "r1", "relations": {"service": "svc-b", "region": "eu-west-1"}}),
            json!({"identifier": "r2", "relations": {"service": "svc-a", "region": "eu-west-1"}}),
            json!({"identifier": "r3", "relations": {"service": null, "owners": ["t2", "t1", "t2"]}}),
            // Invalid ids, queries and unknown relations are validate's business, not searched.
            json!({"identifier": "r4", "relations": {"service": "", "region": {"combinator": "and", "rules": []}, "nope": "x"}}),
            json!({"identifier": "r5"}),
        ]
        .iter()
        .map(|d| Entity::from_json(d).expect("an entity"))
        .collect()
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
}
