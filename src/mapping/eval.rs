//! What a consumer makes of a mapping's field outcomes: Port's AWS exporter (first output, any
//! error or missing output drops the entity) or Ocean (first output, errors become null, the
//! selector must be a boolean). Every outcome is reported instead of hidden.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::engine::Outcome;
use super::file::{Field, FieldName, Origin};
use crate::model::Repository;
use crate::model::identifier::is_valid_identifier;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Semantics {
    /// The deprecated AWS exporter, which Port's ECR guide configures.
    Exporter,
    /// Ocean integrations (`aws`, `aws-v3`).
    Ocean,
}

impl Semantics {
    pub fn name(self) -> &'static str {
        match self {
            Semantics::Exporter => "exporter",
            Semantics::Ocean => "ocean",
        }
    }

    /// The jq this consumer runs: jq 1.6 in the exporter, jq 1.8 in Ocean.
    pub fn dialect(self) -> super::engine::Dialect {
        match self {
            Semantics::Exporter => super::engine::Dialect::Jq16,
            Semantics::Ocean => super::engine::Dialect::Jq18,
        }
    }

    /// How the workbench names the engine it imitates.
    pub fn engine_label(self) -> &'static str {
        match self {
            Semantics::Exporter => "jq 1.6 · exporter",
            Semantics::Ocean => "jq 1.8 · Ocean",
        }
    }

    pub fn toggled(self) -> Semantics {
        match self {
            Semantics::Exporter => Semantics::Ocean,
            Semantics::Ocean => Semantics::Exporter,
        }
    }
}

/// The JSON the mapping sees for one repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Cloud Control `AWS::ECR::Repository`, as the AWS exporter gives it.
    Exporter,
    /// Ocean `aws`: `{Identifier, Properties, __Kind, __AccountId, __Region}`.
    OceanAws,
    /// Ocean `aws-v3`: `{Type, Properties, __ExtraContext}`.
    AwsV3,
}

impl Shape {
    pub fn input(self, repo: &Repository) -> Value {
        match self {
            Shape::Exporter => repo.exporter_json(),
            Shape::OceanAws => repo.ocean_aws_json(),
            Shape::AwsV3 => repo.aws_v3_json(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::Exporter => "exporter",
            Shape::OceanAws => "ocean-aws",
            Shape::AwsV3 => "aws-v3",
        }
    }

    pub fn next(self) -> Shape {
        match self {
            Shape::Exporter => Shape::OceanAws,
            Shape::OceanAws => Shape::AwsV3,
            Shape::AwsV3 => Shape::Exporter,
        }
    }
}

/// Why an entity is not what the mapping's author expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

/// One repository through the mapping.
#[derive(Debug, Clone, PartialEq)]
pub enum EntityOutcome {
    /// The entity Port would receive, and the fields that silently became null (Ocean).
    Entity {
        entity: Value,
        warnings: Vec<Problem>,
    },
    /// The selector said no.
    Skipped,
    /// No entity at all: the exporter drops it, Ocean refuses it.
    Dropped { problems: Vec<Problem> },
}

/// A field's outcome as text for people: the value, `null`, "no output", or the error.
pub fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Value(v) => v.to_string(),
        Outcome::NoOutput => "no output".to_owned(),
        Outcome::Error(e) => format!("error: {e}"),
    }
}

fn problem(field: &FieldName, message: impl Into<String>) -> Problem {
    Problem {
        field: field.to_string(),
        message: message.into(),
    }
}

/// Builds the entity from each field's first output. `selector` is the selector query's
/// outcome when the mapping has one.
pub fn assemble(
    fields: &[Field],
    outcomes: &[Outcome],
    selector: Option<&Outcome>,
    semantics: Semantics,
) -> EntityOutcome {
    if let Some(sel) = selector {
        match (semantics, sel) {
            (_, Outcome::Value(Value::Bool(false))) => return EntityOutcome::Skipped,
            (_, Outcome::Value(Value::Bool(true))) => {}
            // The exporter tests truthiness; Ocean insists on a boolean.
            (Semantics::Exporter, Outcome::Value(Value::Null)) => return EntityOutcome::Skipped,
            (Semantics::Exporter, Outcome::Value(_)) => {}
            (Semantics::Ocean, Outcome::Value(v)) => {
                return EntityOutcome::Dropped {
                    problems: vec![Problem {
                        field: "selector.query".into(),
                        message: format!("must yield a boolean, got {v}"),
                    }],
                };
            }
            (_, other) => {
                return EntityOutcome::Dropped {
                    problems: vec![Problem {
                        field: "selector.query".into(),
                        message: describe(other),
                    }],
                };
            }
        }
    }
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut top = Map::new();
    let mut properties = Map::new();
    let mut relations = Map::new();
    let mut has_relations = false;
    for (field, outcome) in fields.iter().zip(outcomes) {
        let value = match (outcome, semantics) {
            (Outcome::Value(v), _) => v.clone(),
            (other, Semantics::Exporter) => {
                problems.push(problem(&field.name, describe(other)));
                continue;
            }
            (other, Semantics::Ocean) => {
                warnings.push(problem(&field.name, format!("{} → null", describe(other))));
                Value::Null
            }
        };
        match &field.name {
            FieldName::Property(id) => {
                properties.insert(id.clone(), value);
            }
            FieldName::Relation(id) => {
                has_relations = true;
                relations.insert(id.clone(), value);
            }
            top_level => {
                // Top-level nulls are left out, as both consumers do.
                if !value.is_null() {
                    top.insert(top_level.to_string(), value);
                }
            }
        }
    }
    match top.get("identifier") {
        None => problems.push(Problem {
            field: "identifier".into(),
            message: "no identifier: the entity cannot be sent".into(),
        }),
        Some(Value::String(s)) if s.is_empty() => problems.push(Problem {
            field: "identifier".into(),
            message: "the identifier is an empty string".into(),
        }),
        _ => {}
    }
    if !top.contains_key("blueprint") {
        problems.push(Problem {
            field: "blueprint".into(),
            message: "no blueprint: the entity cannot be sent".into(),
        });
    }
    if !problems.is_empty() {
        return EntityOutcome::Dropped { problems };
    }
    let mut entity = Map::new();
    for key in ["identifier", "title", "blueprint", "icon", "team"] {
        if let Some(v) = top.remove(key) {
            entity.insert(key.into(), v);
        }
    }
    entity.insert("properties".into(), Value::Object(properties));
    if has_relations {
        entity.insert("relations".into(), Value::Object(relations));
    }
    EntityOutcome::Entity {
        entity: Value::Object(entity),
        warnings,
    }
}

/// What the sweep over every repository found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sweep {
    /// Per field, in mapping order: how many repositories gave a value.
    pub ok: Vec<usize>,
    pub total: usize,
    /// Indices of repositories that yield no entity.
    pub dropped: Vec<usize>,
    pub skipped: usize,
    /// Identifiers that several repositories map to, with their indices.
    pub duplicates: Vec<(String, Vec<usize>)>,
    /// Entities whose identifier breaks Port's rule.
    pub invalid_ids: Vec<usize>,
    /// `(repository index, relation)` pairs whose value is null, "" or [].
    pub empty_relations: Vec<(usize, String)>,
}

impl Sweep {
    /// Repositories with any problem, in index order, for "next failing" navigation.
    pub fn failing(&self) -> Vec<usize> {
        let mut all: Vec<usize> = self
            .dropped
            .iter()
            .chain(&self.invalid_ids)
            .copied()
            .chain(
                self.duplicates
                    .iter()
                    .flat_map(|(_, ix)| ix.iter().copied()),
            )
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// Summarises per-repository field outcomes (`outcomes[repo][field]`) and entities.
pub fn sweep(fields: &[Field], outcomes: &[Vec<Outcome>], entities: &[EntityOutcome]) -> Sweep {
    let mut s = Sweep {
        ok: vec![0; fields.len()],
        total: outcomes.len(),
        ..Sweep::default()
    };
    for row in outcomes {
        for (i, o) in row.iter().enumerate() {
            if matches!(o, Outcome::Value(_)) && i < s.ok.len() {
                s.ok[i] += 1;
            }
        }
    }
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, e) in entities.iter().enumerate() {
        match e {
            EntityOutcome::Dropped { .. } => s.dropped.push(i),
            EntityOutcome::Skipped => s.skipped += 1,
            EntityOutcome::Entity { entity, .. } => {
                let id = match &entity["identifier"] {
                    Value::String(id) => id.clone(),
                    other => other.to_string(),
                };
                if !entity["identifier"].is_string() || !is_valid_identifier(&id) {
                    s.invalid_ids.push(i);
                }
                by_id.entry(id).or_default().push(i);
                if let Some(rel) = entity.get("relations").and_then(Value::as_object) {
                    for (name, v) in rel {
                        if v.is_null() || v == &json!("") || v == &json!([]) {
                            s.empty_relations.push((i, name.clone()));
                        }
                    }
                }
            }
        }
    }
    let mut dups: Vec<(String, Vec<usize>)> =
        by_id.into_iter().filter(|(_, ix)| ix.len() > 1).collect();
    dups.sort();
    s.duplicates = dups;
    s
}

/// Entities that Port would take for one: the same identifier in the same blueprint, from
/// several repositories or several mappings. Port keeps the one it receives last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    pub blueprint: String,
    pub identifier: String,
    /// `(mapping, repository index)`, in the order Port would receive them.
    pub by: Vec<(Origin, usize)>,
}

/// The collisions among the entities of every mapping (`entities[repo]` per mapping, in file
/// order). Port receives them resource by resource, repository by repository, then mapping by
/// mapping; `by` follows that order.
pub fn collisions(mappings: &[(Origin, &[EntityOutcome])]) -> Vec<Collision> {
    let mut order: Vec<(Origin, usize)> = Vec::new();
    let mut start = 0;
    while start < mappings.len() {
        let resource = mappings[start].0.resource;
        let end = start
            + mappings[start..]
                .iter()
                .take_while(|(o, _)| o.resource == resource)
                .count();
        let repos = mappings[start..end]
            .iter()
            .map(|(_, e)| e.len())
            .max()
            .unwrap_or(0);
        for repo in 0..repos {
            order.extend(mappings[start..end].iter().map(|(o, _)| (*o, repo)));
        }
        start = end;
    }
    let entities: HashMap<Origin, &[EntityOutcome]> = mappings.iter().copied().collect();
    let mut by_key: HashMap<(String, String), Vec<(Origin, usize)>> = HashMap::new();
    for (origin, repo) in order {
        let Some(EntityOutcome::Entity { entity, .. }) =
            entities.get(&origin).and_then(|e| e.get(repo))
        else {
            continue;
        };
        let text = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let key = (text(&entity["blueprint"]), text(&entity["identifier"]));
        by_key.entry(key).or_default().push((origin, repo));
    }
    let mut found: Vec<Collision> = by_key
        .into_iter()
        .filter(|(_, by)| by.len() > 1)
        .map(|((blueprint, identifier), by)| Collision {
            blueprint,
            identifier,
            by,
        })
        .collect();
    found.sort_by(|a, b| (&a.blueprint, &a.identifier).cmp(&(&b.blueprint, &b.identifier)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(names: &[FieldName]) -> Vec<Field> {
        names
            .iter()
            .map(|n| Field {
                name: n.clone(),
                expr: String::new(),
            })
            .collect()
    }

    fn v(x: Value) -> Outcome {
        Outcome::Value(x)
    }

    fn standard() -> Vec<Field> {
        fields(&[
            FieldName::Identifier,
            FieldName::Title,
            FieldName::Blueprint,
            FieldName::Property("uri".into()),
            FieldName::Relation("service".into()),
        ])
    }

    #[test]
    fn exporter_drops_on_any_error_or_missing_output() {
        let f = standard();
        let ok = [
            v(json!("a")),
            v(json!("A")),
            v(json!("ecr_repository")),
            v(json!(null)),
            v(json!("svc")),
        ];
        let EntityOutcome::Entity { entity, warnings } =
            assemble(&f, &ok, None, Semantics::Exporter)
        else {
            panic!("expected an entity")
        };
        assert!(warnings.is_empty());
        assert_eq!(
            entity,
            json!({"identifier": "a", "title": "A", "blueprint": "ecr_repository",
                   "properties": {"uri": null}, "relations": {"service": "svc"}})
        );
        let mut bad = ok.clone();
        bad[4] = Outcome::Error("startswith() requires string inputs".into());
        let EntityOutcome::Dropped { problems } = assemble(&f, &bad, None, Semantics::Exporter)
        else {
            panic!("expected a drop")
        };
        assert_eq!(problems[0].field, "relations.service");
        bad[4] = Outcome::NoOutput;
        assert!(matches!(
            assemble(&f, &bad, None, Semantics::Exporter),
            EntityOutcome::Dropped { .. }
        ));
    }

    #[test]
    fn ocean_turns_failures_into_null_with_a_warning() {
        let f = standard();
        let row = [
            v(json!("a")),
            Outcome::NoOutput,
            v(json!("ecr_repository")),
            v(json!("u")),
            Outcome::Error("boom".into()),
        ];
        let EntityOutcome::Entity { entity, warnings } = assemble(&f, &row, None, Semantics::Ocean)
        else {
            panic!("expected an entity")
        };
        assert_eq!(entity["relations"]["service"], Value::Null);
        assert!(
            entity.get("title").is_none(),
            "top-level nulls are left out"
        );
        assert_eq!(warnings.len(), 2);
    }

    #[test]
    fn selector_rules_differ() {
        let f = standard();
        let row = vec![
            v(json!("a")),
            v(json!("A")),
            v(json!("bp")),
            v(json!(1)),
            v(json!(1)),
        ];
        let no = v(json!(false));
        assert_eq!(
            assemble(&f, &row, Some(&no), Semantics::Ocean),
            EntityOutcome::Skipped
        );
        let truthy = v(json!("yes"));
        assert!(matches!(
            assemble(&f, &row, Some(&truthy), Semantics::Exporter),
            EntityOutcome::Entity { .. }
        ));
        assert!(matches!(
            assemble(&f, &row, Some(&truthy), Semantics::Ocean),
            EntityOutcome::Dropped { .. }
        ));
    }

    #[test]
    fn empty_identifier_is_dropped() {
        let f = standard();
        let row = [
            v(json!("")),
            v(json!("A")),
            v(json!("bp")),
            v(json!(1)),
            v(json!(1)),
        ];
        assert!(matches!(
            assemble(&f, &row, None, Semantics::Ocean),
            EntityOutcome::Dropped { .. }
        ));
    }

    #[test]
    fn collisions_span_mappings_in_the_same_blueprint_only() {
        let entity = |id: &str, bp: &str| EntityOutcome::Entity {
            entity: json!({"identifier": id, "blueprint": bp, "properties": {}}),
            warnings: vec![],
        };
        let at = |resource, mapping| Origin { resource, mapping };
        let first = [
            entity("a", "ecr"),
            entity("b", "ecr"),
            EntityOutcome::Skipped,
        ];
        let second = [entity("x", "ecr"), entity("a", "ecr"), entity("c", "ecr")];
        let other_blueprint = [
            entity("a", "image"),
            entity("y", "image"),
            entity("z", "image"),
        ];
        let found = collisions(&[
            (at(0, 0), &first[..]),
            (at(0, 1), &second[..]),
            (at(2, 0), &other_blueprint[..]),
        ]);
        assert_eq!(
            found,
            vec![Collision {
                blueprint: "ecr".into(),
                identifier: "a".into(),
                by: vec![(at(0, 0), 0), (at(0, 1), 1)],
            }]
        );
        // Within one mapping, as the sweep's duplicates: two repositories, one identifier.
        let same = [entity("a", "ecr"), entity("a", "ecr")];
        assert_eq!(collisions(&[(at(0, 0), &same[..])])[0].by.len(), 2);
    }

    #[test]
    fn sweep_counts_everything_the_user_must_see() {
        let f = standard();
        let rows: Vec<Vec<Outcome>> = vec![
            vec![
                v(json!("a")),
                v(json!("A")),
                v(json!("bp")),
                v(json!(1)),
                v(json!("s")),
            ],
            vec![
                v(json!("a")),
                v(json!("A")),
                v(json!("bp")),
                v(json!(1)),
                v(json!(null)),
            ],
            vec![
                v(json!("b c")),
                v(json!("B")),
                v(json!("bp")),
                v(json!(1)),
                v(json!("")),
            ],
            vec![
                v(json!("d")),
                v(json!("D")),
                v(json!("bp")),
                Outcome::NoOutput,
                v(json!("s")),
            ],
        ];
        let entities: Vec<EntityOutcome> = rows
            .iter()
            .map(|r| assemble(&f, r, None, Semantics::Exporter))
            .collect();
        let s = sweep(&f, &rows, &entities);
        assert_eq!(s.total, 4);
        assert_eq!(s.ok, vec![4, 4, 4, 3, 4]);
        assert_eq!(s.dropped, vec![3]);
        assert_eq!(s.duplicates, vec![("a".to_owned(), vec![0, 1])]);
        assert_eq!(s.invalid_ids, vec![2]);
        assert_eq!(
            s.empty_relations,
            vec![(1, "service".to_owned()), (2, "service".to_owned())]
        );
        assert_eq!(s.failing(), vec![0, 1, 2, 3]);
    }
}
