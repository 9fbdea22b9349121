//! The plan of a push: what each draft would do, decided before any write. The lookups
//! (relation targets, the current entities) are the only IO; `decide` is the decision itself.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::{Draft, Entry, PushPlan, Verdict};
use crate::model::blueprint::Blueprint;
use crate::model::entity::Entity;
use crate::port::catalog::Catalog;
use crate::port::diff::{self, Change};
use crate::port::{PortError, validate};

/// Checks every draft against the blueprint, looks up relation targets (one search per target
/// blueprint) and the existing entities, and decides what each draft would do. Sends no write.
pub async fn plan(
    catalog: &dyn Catalog,
    blueprint_id: &str,
    blueprint: &Blueprint,
    drafts: Vec<Draft>,
    create_missing_related: bool,
) -> Result<PushPlan, PortError> {
    let lookups = look_up(
        catalog,
        blueprint_id,
        blueprint,
        &drafts,
        create_missing_related,
    )
    .await?;
    // `decide` repeats the checks that chose what to look up: they are pure and cheap, and so
    // the decision stands on its own (and is tested without a catalog).
    Ok(decide(
        blueprint_id,
        blueprint,
        drafts,
        &lookups,
        create_missing_related,
    ))
}

/// What a plan asks Port: which relation targets exist, and the entities it holds now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lookups {
    /// Per target blueprint, the identifiers searched for that Port has.
    pub targets: BTreeMap<String, BTreeSet<String>>,
    /// Port's current entities, by identifier.
    pub existing: HashMap<String, Entity>,
}

/// Asks only what `decide` will read: the relation targets of the drafts that are valid and
/// not duplicated, then the current entities of those whose targets all exist (or will be
/// created), so nothing invalid is ever sent to Port's search.
async fn look_up(
    catalog: &dyn Catalog,
    blueprint_id: &str,
    blueprint: &Blueprint,
    drafts: &[Draft],
    create_missing_related: bool,
) -> Result<Lookups, PortError> {
    let mut sorted = triage(drafts, blueprint);
    let mut lookups = Lookups::default();
    let wanted = validate::relation_targets(sorted.iter().filter_map(Triage::valid), blueprint);
    for (target, ids) in wanted {
        let found = catalog.search_identifiers(&target, &ids).await?;
        lookups.targets.insert(target, found.into_iter().collect());
    }
    mark_dangling(
        &mut sorted,
        blueprint,
        &lookups.targets,
        create_missing_related,
    );
    let ids: Vec<String> = sorted
        .iter()
        .filter_map(Triage::valid)
        .map(|e| e.identifier.clone())
        .collect();
    lookups.existing = catalog
        .entities(blueprint_id, &ids)
        .await?
        .iter()
        .filter_map(|e| Entity::from_json(e).ok())
        .map(|e| (e.identifier.clone(), e))
        .collect();
    Ok(lookups)
}

/// What each draft would do, from the drafts, the blueprint and what Port answered: invalid
/// (mapping error, validation, duplicate identifier), dangling (a relation target Port lacks,
/// unless it creates missing ones), or the diff against the current entity. No IO.
pub fn decide(
    blueprint_id: &str,
    blueprint: &Blueprint,
    drafts: Vec<Draft>,
    lookups: &Lookups,
    create_missing_related: bool,
) -> PushPlan {
    let mut sorted = triage(&drafts, blueprint);
    mark_dangling(
        &mut sorted,
        blueprint,
        &lookups.targets,
        create_missing_related,
    );
    let entries = drafts
        .into_iter()
        .zip(sorted)
        .map(|(draft, t)| {
            let verdict = match t.valid() {
                Some(entity) => match diff::diff(entity, lookups.existing.get(&t.identifier)) {
                    Change::Create => Verdict::Create,
                    Change::Update(fields) => Verdict::Update(fields),
                    Change::Unchanged => Verdict::Unchanged,
                },
                None => t.verdict,
            };
            Entry {
                repo: draft.repo,
                identifier: t.identifier,
                entity: draft.entity.ok().map(body),
                verdict,
                creates: t.creates,
            }
        })
        .collect();
    PushPlan {
        blueprint: blueprint_id.to_owned(),
        create_missing_related,
        entries,
    }
}

/// One draft on its way to a verdict: `Create` until a check says otherwise.
struct Triage {
    /// Empty when the mapping produced no usable identifier.
    identifier: String,
    entity: Option<Entity>,
    verdict: Verdict,
    /// Relation targets Port will create.
    creates: Vec<String>,
}

impl Triage {
    /// The typed draft, while nothing has ruled it out.
    fn valid(&self) -> Option<&Entity> {
        self.entity
            .as_ref()
            .filter(|_| self.verdict == Verdict::Create)
    }
}

/// The checks that need no lookup: the mapping's own error, validation, duplicate identifiers.
fn triage(drafts: &[Draft], blueprint: &Blueprint) -> Vec<Triage> {
    let mut triage: Vec<Triage> = drafts
        .iter()
        .map(|d| match &d.entity {
            Err(why) => Triage {
                identifier: String::new(),
                entity: None,
                verdict: Verdict::Invalid(vec![format!("mapping: {why}")]),
                creates: Vec::new(),
            },
            Ok(json) => {
                let problems: Vec<String> = validate::validate(json, blueprint)
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                // An invalid draft still has a typed view when it has a string identifier:
                // duplicates are refused whatever else is wrong with them.
                let entity = Entity::from_json(json);
                let verdict = match (&entity, problems.is_empty()) {
                    (Ok(_), true) => Verdict::Create,
                    // Validation passes only objects with a string identifier, which always
                    // read; this keeps a reason should the two ever disagree.
                    (Err(e), true) => Verdict::Invalid(vec![format!("entity: {e}")]),
                    (_, false) => Verdict::Invalid(problems),
                };
                let entity = entity.ok();
                Triage {
                    identifier: entity
                        .as_ref()
                        .map(|e| e.identifier.clone())
                        .unwrap_or_default(),
                    entity,
                    verdict,
                    creates: Vec::new(),
                }
            }
        })
        .collect();
    refuse_duplicates(drafts, &mut triage);
    triage
}

/// Two repositories mapping to one identifier would overwrite each other in Port: neither is
/// sent, and each names the other.
fn refuse_duplicates(drafts: &[Draft], triage: &mut [Triage]) {
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, t) in triage.iter().enumerate() {
        if !t.identifier.is_empty() {
            by_id.entry(t.identifier.as_str()).or_default().push(i);
        }
    }
    let dups: Vec<(String, Vec<usize>)> = by_id
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(id, v)| (id.to_owned(), v))
        .collect();
    for (id, group) in dups {
        for &i in &group {
            let others: Vec<&str> = group
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| drafts[j].repo.as_str())
                .collect();
            let reason = format!(
                "identifier `{id}` is also produced by {}; Port would keep only one (make the \
                 identifier unique, e.g. add the region)",
                others.join(", ")
            );
            match &mut triage[i].verdict {
                Verdict::Invalid(reasons) => reasons.push(reason),
                v => *v = Verdict::Invalid(vec![reason]),
            }
        }
    }
}

/// Relation targets Port lacks (`targets` holds the ones it has): each valid draft naming one
/// is dangling, or, when Port creates missing targets, says which it creates.
fn mark_dangling(
    triage: &mut [Triage],
    blueprint: &Blueprint,
    targets: &BTreeMap<String, BTreeSet<String>>,
    create_missing_related: bool,
) {
    let valid: Vec<usize> = (0..triage.len())
        .filter(|&i| triage[i].valid().is_some())
        .collect();
    let found = validate::dangling(triage.iter().filter_map(Triage::valid), blueprint, targets);
    let mut missing: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (k, relation, id) in found {
        let target = blueprint.target_of(&relation).unwrap_or(&relation);
        missing
            .entry(valid[k])
            .or_default()
            .push(match create_missing_related {
                true => format!("`{id}` in blueprint `{target}` (relations.{relation})"),
                false => {
                    format!("relations.{relation}: `{id}` is not an entity of blueprint `{target}`")
                }
            });
    }
    for (i, reasons) in missing {
        if create_missing_related {
            triage[i].creates = reasons;
        } else {
            triage[i].verdict = Verdict::Dangling(reasons);
        }
    }
}

/// The body sent: the draft without its `blueprint`, which the URL carries.
fn body(mut draft: Value) -> Value {
    if let Some(obj) = draft.as_object_mut() {
        obj.remove("blueprint");
    }
    draft
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::push::FieldChange;
    use crate::port::blueprint::{self, DEFAULT_BLUEPRINT};
    use serde_json::json;

    /// A draft for repository `name` in eu-west-1, related to `service`.
    pub(in crate::port::push) fn draft(name: &str, service: Option<&str>) -> Draft {
        Draft {
            repo: format!("{name} (eu-west-1)"),
            entity: Ok(json!({
                "identifier": name, "title": name, "blueprint": "ecr_repository",
                "properties": {"repositoryUri": format!("u/{name}")},
                "relations": {"region": "eu-west-1", "service": service}
            })),
        }
    }

    fn guide() -> Blueprint {
        Blueprint::from_json(&blueprint::guide_blueprint(DEFAULT_BLUEPRINT)).unwrap()
    }

    /// Port has region `eu-west-1` and service `orders`, and none of the drafts' entities.
    fn lookups() -> Lookups {
        Lookups {
            targets: [("region", "eu-west-1"), ("service", "orders")]
                .into_iter()
                .map(|(t, id)| (t.to_owned(), BTreeSet::from([id.to_owned()])))
                .collect(),
            existing: HashMap::new(),
        }
    }

    fn with_existing(mut lookups: Lookups, entity: Value) -> Lookups {
        let entity = Entity::from_json(&entity).unwrap();
        lookups.existing.insert(entity.identifier.clone(), entity);
        lookups
    }

    fn decided(drafts: Vec<Draft>, lookups: &Lookups, create_missing: bool) -> PushPlan {
        decide(DEFAULT_BLUEPRINT, &guide(), drafts, lookups, create_missing)
    }

    #[test]
    fn decide_creates_a_valid_draft_port_lacks() {
        let plan = decided(vec![draft("a", Some("orders"))], &lookups(), false);
        assert_eq!(plan.blueprint, DEFAULT_BLUEPRINT);
        assert!(!plan.create_missing_related);
        let entry = &plan.entries[0];
        assert_eq!(entry.repo, "a (eu-west-1)");
        assert_eq!(entry.identifier, "a");
        assert_eq!(entry.verdict, Verdict::Create);
        assert!(entry.creates.is_empty());
        let body = entry.entity.as_ref().unwrap();
        assert_eq!(body["identifier"], "a");
        assert!(body.get("blueprint").is_none(), "the URL carries it");
    }

    #[test]
    fn decide_refuses_invalid_drafts_before_relation_and_diff_checks() {
        let mut bad = draft("f", Some("no-such-service"));
        bad.entity.as_mut().unwrap()["properties"]["tags"] = json!("not an array");
        let drafts = vec![
            Draft {
                repo: "d (eu-west-1)".into(),
                entity: Err("identifier: error: boom".into()),
            },
            bad,
        ];
        let existing = with_existing(lookups(), json!({"identifier": "f", "title": "f"}));
        let plan = decided(drafts, &existing, false);
        assert_eq!(
            plan.entries[0].verdict,
            Verdict::Invalid(vec!["mapping: identifier: error: boom".into()])
        );
        assert_eq!(plan.entries[0].identifier, "");
        assert_eq!(plan.entries[0].entity, None);
        assert_eq!(
            plan.entries[1].verdict,
            Verdict::Invalid(vec![
                "properties.tags: expected array, got string \"not an array\"".into()
            ])
        );
        assert_eq!(plan.entries[1].identifier, "f");
        assert!(plan.entries[1].entity.is_some());
    }

    #[test]
    fn decide_refuses_duplicate_identifiers_and_each_names_the_others() {
        let mut other_region = draft("a", Some("orders"));
        other_region.repo = "a (us-east-1)".into();
        let mut also_invalid = draft("a", Some("orders"));
        also_invalid.repo = "a (ap-south-1)".into();
        also_invalid.entity.as_mut().unwrap()["title"] = json!(7);
        let drafts = vec![
            draft("a", Some("orders")),
            other_region,
            draft("b", Some("orders")),
            also_invalid,
        ];
        let plan = decided(drafts, &lookups(), false);
        let reason = |others: &str| {
            format!(
                "identifier `a` is also produced by {others}; Port would keep only one (make the \
                 identifier unique, e.g. add the region)"
            )
        };
        assert_eq!(
            plan.entries[0].verdict,
            Verdict::Invalid(vec![reason("a (us-east-1), a (ap-south-1)")])
        );
        assert_eq!(
            plan.entries[1].verdict,
            Verdict::Invalid(vec![reason("a (eu-west-1), a (ap-south-1)")])
        );
        assert_eq!(plan.entries[2].verdict, Verdict::Create);
        assert_eq!(
            plan.entries[3].verdict,
            Verdict::Invalid(vec![
                "title: expected a string, got number 7".into(),
                reason("a (eu-west-1), a (us-east-1)"),
            ])
        );
    }

    #[test]
    fn decide_holds_back_a_draft_whose_relation_target_port_lacks() {
        // Even when Port has the entity: a dangling draft is not diffed.
        let existing = with_existing(lookups(), json!({"identifier": "b", "title": "old"}));
        let plan = decided(vec![draft("b", Some("no-such-service"))], &existing, false);
        assert_eq!(
            plan.entries[0].verdict,
            Verdict::Dangling(vec![
                "relations.service: `no-such-service` is not an entity of blueprint `service`"
                    .into()
            ])
        );
        assert!(plan.entries[0].creates.is_empty());
    }

    #[test]
    fn decide_with_create_missing_sends_and_names_what_port_creates() {
        let plan = decided(vec![draft("x", Some("brand-new"))], &lookups(), true);
        assert!(plan.create_missing_related);
        assert_eq!(plan.entries[0].verdict, Verdict::Create);
        assert_eq!(
            plan.entries[0].creates,
            ["`brand-new` in blueprint `service` (relations.service)"]
        );
    }

    #[test]
    fn decide_diffs_against_the_current_entity() {
        let existing = with_existing(
            lookups(),
            json!({"identifier": "e", "title": "old", "relations": {"region": ["eu-west-1"]}}),
        );
        let plan = decided(vec![draft("e", Some("orders"))], &existing, false);
        assert_eq!(
            plan.entries[0].verdict,
            Verdict::Update(vec![
                FieldChange {
                    field: "title".into(),
                    before: Some(json!("old")),
                    after: Some(json!("e")),
                },
                FieldChange {
                    field: "properties.repositoryUri".into(),
                    before: None,
                    after: Some(json!("u/e")),
                },
                FieldChange {
                    field: "relations.service".into(),
                    before: None,
                    after: Some(json!("orders")),
                },
            ])
        );
    }

    #[test]
    fn decide_finds_an_entity_port_already_holds_unchanged() {
        let same = body(draft("u", Some("orders")).entity.unwrap());
        let existing = with_existing(lookups(), same);
        let plan = decided(vec![draft("u", Some("orders"))], &existing, false);
        assert_eq!(plan.entries[0].verdict, Verdict::Unchanged);
        assert_eq!(plan.counts().unchanged, 1);
    }
}
