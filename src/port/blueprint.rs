//! The blueprint side of the guide: what `ecr_repository` must look like for the `service`
//! relation (the guide's step 2, done by hand in Port's Builder), how to tell whether it does,
//! and the exact requests that would make it so. Deciding is pure (`status`, `Report::steps`);
//! `check` and `apply` do the reading and sending through a [`Catalog`].

use serde_json::{Value, json};

use super::PortError;
use super::catalog::Catalog;

pub use crate::model::blueprint::{
    Blueprint, DEFAULT_BLUEPRINT, SERVICE_RELATION, SERVICE_TARGET, Step,
};

/// The guide's relation: one service per repository, optional.
pub fn service_relation() -> Value {
    json!({"title": "Service", "target": SERVICE_TARGET, "required": false, "many": false})
}

/// The `ecr_repository` blueprint of Port's exporter examples plus the guide's relation, under
/// the identifier `id` (port-reference §6).
pub fn guide_blueprint(id: &str) -> Value {
    json!({
        "identifier": id,
        "title": "ECR Repository",
        "icon": "Service",
        "schema": {
            "properties": {
                "link": {"title": "Link", "type": "string", "format": "url"},
                "imageTagMutability": {"title": "Image Tag Mutability", "type": "string"},
                "scanningConfiguration": {"title": "Scanning Configuration", "type": "object"},
                "repositoryArn": {"title": "Repository ARN", "type": "string"},
                "repositoryUri": {"title": "Repository URI", "type": "string"},
                "encryptionConfiguration": {"title": "Encryption Configuration", "type": "object"},
                "lifecyclePolicy": {"title": "Lifecycle Policy", "type": "object"},
                "tags": {"title": "Tags", "type": "array"}
            },
            "required": []
        },
        "mirrorProperties": {},
        "calculationProperties": {},
        "aggregationProperties": {},
        "relations": {
            "region": {"title": "Region", "target": "region", "required": false, "many": false},
            SERVICE_RELATION: service_relation()
        }
    })
}

/// A relation target blueprint with no properties (`service`, `region`), as created when one
/// is missing.
pub fn target_blueprint(id: &str, title: &str) -> Value {
    json!({"identifier": id, "title": title, "schema": {"properties": {}, "required": []},
           "relations": {}})
}

/// What the blueprint lacks for the guide's relation.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Ready,
    Missing,
    NoServiceRelation,
    /// The relation exists but differs from the guide's in a way we will not change for the
    /// user (entities may already use it): the reason.
    Conflict(String),
}

pub fn status(blueprint: Option<&Blueprint>) -> Status {
    let Some(bp) = blueprint else {
        return Status::Missing;
    };
    let Some(rel) = bp.relation(SERVICE_RELATION) else {
        return Status::NoServiceRelation;
    };
    let target = rel.target.as_deref().unwrap_or("");
    if target != SERVICE_TARGET {
        return Status::Conflict(format!(
            "relation `{SERVICE_RELATION}` targets blueprint `{target}`, not `{SERVICE_TARGET}`"
        ));
    }
    if rel.many {
        return Status::Conflict(format!(
            "relation `{SERVICE_RELATION}` is many=true; the mapping sends one service per \
             repository (change the relation in Port's Builder, or make the mapping send an array)"
        ));
    }
    Status::Ready
}

/// What `blueprint check` found: the blueprint, its status, and missing relation targets.
#[derive(Debug, Clone)]
pub struct Report {
    pub id: String,
    pub blueprint: Option<Blueprint>,
    pub status: Status,
    /// Target blueprints the (new or patched) relations need that do not exist.
    pub missing_targets: Vec<String>,
}

impl Report {
    pub fn ready(&self) -> bool {
        self.status == Status::Ready && self.missing_targets.is_empty()
    }

    /// One line per finding, for the terminal.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = vec![match &self.status {
            Status::Ready => format!(
                "blueprint `{}` has the `{SERVICE_RELATION}` relation (target `{SERVICE_TARGET}`, \
                 one per entity)",
                self.id
            ),
            Status::Missing => format!("blueprint `{}` does not exist", self.id),
            Status::NoServiceRelation => format!(
                "blueprint `{}` has no `{SERVICE_RELATION}` relation",
                self.id
            ),
            Status::Conflict(why) => format!("blueprint `{}`: {why}", self.id),
        }];
        for target in &self.missing_targets {
            lines.push(format!(
                "relation target blueprint `{target}` does not exist"
            ));
        }
        lines
    }

    /// The requests that make the blueprint ready, targets first; empty when ready or when
    /// only a conflict (which is left to the user) stands in the way.
    pub fn steps(&self) -> Vec<Step> {
        let mut steps: Vec<Step> = self
            .missing_targets
            .iter()
            .map(|t| Step::Create(target_blueprint(t, &title_of(t))))
            .collect();
        match (&self.status, &self.blueprint) {
            (Status::Missing, _) => steps.push(Step::Create(guide_blueprint(&self.id))),
            (Status::NoServiceRelation, Some(bp)) => {
                // PATCH replaces top-level fields, so the existing relations go along, as Port
                // sent them (titles, descriptions and any key this crate does not read).
                let mut relations = bp
                    .json()
                    .get("relations")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                relations.insert(SERVICE_RELATION.to_owned(), service_relation());
                steps.push(Step::Patch {
                    id: self.id.clone(),
                    body: json!({ "relations": relations }),
                });
            }
            _ => {}
        }
        steps
    }
}

fn title_of(id: &str) -> String {
    let mut chars = id.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Relation targets the blueprint would point at after setup.
fn targets_after_setup(id: &str, bp: Option<&Blueprint>, status: &Status) -> Vec<String> {
    let targets_of = |bp: &Blueprint| -> Vec<String> {
        bp.relations
            .iter()
            .filter_map(|r| r.target.clone())
            .collect()
    };
    let mut targets = match (status, bp) {
        // The guide's blueprint is an object, so it always reads.
        (Status::Missing, _) => Blueprint::from_json(&guide_blueprint(id))
            .map(|guide| targets_of(&guide))
            .unwrap_or_default(),
        (_, Some(bp)) => targets_of(bp),
        (_, None) => Vec::new(),
    };
    if *status == Status::NoServiceRelation {
        targets.push(SERVICE_TARGET.to_owned());
    }
    targets.retain(|t| t != id);
    targets.sort();
    targets.dedup();
    targets
}

/// Fetches the blueprint and its relation targets and says what is missing.
pub async fn check(catalog: &dyn Catalog, id: &str) -> Result<Report, PortError> {
    let blueprint = match catalog.blueprint(id).await? {
        Some(json) => Some(
            Blueprint::from_json(&json)
                .map_err(|e| PortError::Decode(format!("blueprint `{id}`: {e}")))?,
        ),
        None => None,
    };
    let status = status(blueprint.as_ref());
    let mut missing_targets = Vec::new();
    for target in targets_after_setup(id, blueprint.as_ref(), &status) {
        if catalog.blueprint(&target).await?.is_none() {
            missing_targets.push(target);
        }
    }
    Ok(Report {
        id: id.to_owned(),
        blueprint,
        status,
        missing_targets,
    })
}

/// Sends the steps in order; stops at the first failure (later steps depend on earlier ones).
pub async fn apply(catalog: &dyn Catalog, steps: &[Step]) -> Result<(), PortError> {
    for step in steps {
        match step {
            Step::Create(body) => {
                catalog.create_blueprint(body).await?;
            }
            Step::Patch { id, body } => {
                catalog.update_blueprint(id, body).await?;
            }
        }
        tracing::info!(request = %step.request_line(), "blueprint setup step sent");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::port::demo::DemoCatalog;

    fn read(json: Value) -> Blueprint {
        Blueprint::from_json(&json).expect("a blueprint object")
    }

    #[test]
    fn status_names_what_is_wrong() {
        assert_eq!(status(None), Status::Missing);
        assert_eq!(
            status(Some(&read(json!({"relations": {}})))),
            Status::NoServiceRelation
        );
        assert_eq!(status(Some(&read(guide_blueprint("x")))), Status::Ready);
        let many = read(json!({"relations": {"service": {"target": "service", "many": true}}}));
        assert!(matches!(status(Some(&many)), Status::Conflict(m) if m.contains("many=true")));
        let other = read(json!({"relations": {"service": {"target": "team", "many": false}}}));
        assert!(matches!(status(Some(&other)), Status::Conflict(m) if m.contains("`team`")));
    }

    #[test]
    fn the_setup_patch_sends_the_other_relations_as_port_has_them() {
        let region = json!({"title": "Region", "target": "region", "required": false,
                            "many": false, "description": "where it runs", "x-extra": [1]});
        let report = Report {
            id: "ecr_repository".into(),
            blueprint: Some(read(json!({"identifier": "ecr_repository",
                                        "relations": {"region": region.clone()}}))),
            status: Status::NoServiceRelation,
            missing_targets: vec![],
        };
        let steps = report.steps();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].body()["relations"]["region"], region);
        assert_eq!(steps[0].body()["relations"]["service"], service_relation());
    }

    #[tokio::test]
    async fn demo_setup_patches_the_relation_and_keeps_the_others() {
        let demo = DemoCatalog::new();
        let report = check(&demo, DEFAULT_BLUEPRINT).await.unwrap();
        assert_eq!(report.status, Status::NoServiceRelation);
        assert!(report.missing_targets.is_empty());
        let steps = report.steps();
        assert_eq!(steps.len(), 1);
        assert_eq!(
            steps[0].request_line(),
            "PATCH /v1/blueprints/ecr_repository"
        );
        assert_eq!(steps[0].body()["relations"]["region"]["target"], "region");
        assert_eq!(steps[0].body()["relations"]["service"], service_relation());
        apply(&demo, &steps).await.unwrap();
        assert!(check(&demo, DEFAULT_BLUEPRINT).await.unwrap().ready());
    }

    #[tokio::test]
    async fn a_missing_blueprint_is_created_after_its_missing_targets() {
        let demo = DemoCatalog::new();
        let report = check(&demo, "ecr_images").await.unwrap();
        assert_eq!(report.status, Status::Missing);
        let steps = report.steps();
        assert_eq!(steps.len(), 1, "service and region exist in the demo");
        apply(&demo, &steps).await.unwrap();
        let again = check(&demo, "ecr_images").await.unwrap();
        assert!(again.ready(), "{:?}", again.describe());
        assert!(again.steps().is_empty());
    }
}
