//! Drift, for both faces: the tagged repositories through the mapping (so each is matched to
//! the entity a push would write), one search of their blueprint in Port, one lookup of the
//! tagged services, and a comparison per repository.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use thiserror::Error;

use crate::mapping::eval::{Semantics, Shape};
use crate::mapping::file::{Mapping, Origin};
use crate::model::blueprint::{Blueprint, SERVICE_RELATION, SERVICE_TARGET};
use crate::model::drift::{self, Comparison, PortSide};
use crate::model::entity::Entity;
use crate::model::{Repository, tags};
use crate::port::{Catalog, PortError};

use super::records::Records;
use super::render::{self, RenderError};

/// Entities read from the repository blueprint; past this a search pages for too long.
const MAX_ENTITIES: usize = 50_000;

#[derive(Debug, Error)]
pub enum DriftError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("reading Port: {0}")]
    Port(#[from] PortError),
}

/// One tagged repository against Port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepoDrift {
    pub repository: String,
    pub region: String,
    pub arn: String,
    #[serde(flatten)]
    pub comparison: Comparison,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftReport {
    /// The blueprint the repositories' entities live in.
    pub blueprint: String,
    /// The relation read as the repository's service.
    pub relation: String,
    /// Every repository with a `port-` tag, in the order given.
    pub repos: Vec<RepoDrift>,
}

/// Compares every repository that has a `port-` tag with Port. Untagged repositories are left
/// out: there is nothing to drift from (suggestions are for them).
pub async fn check(
    catalog: &dyn Catalog,
    repos: &[Repository],
    mappings: &[(Origin, Mapping)],
    semantics: Semantics,
    shape: Shape,
    prefix: &str,
) -> Result<DriftReport, DriftError> {
    let (blueprint, mappings) = super::push::aim(mappings, None);
    let tagged: Vec<&Repository> = repos
        .iter()
        .filter(|r| !tags::services(r.tag_list(), prefix).is_empty())
        .collect();
    let found = catalog.blueprint(&blueprint).await?;
    let relation = service_relation(found.as_ref());
    let mut report = DriftReport {
        blueprint,
        relation,
        repos: Vec::with_capacity(tagged.len()),
    };
    if tagged.is_empty() {
        return Ok(report);
    }
    let owned: Vec<Repository> = tagged.iter().map(|r| (*r).clone()).collect();
    let sides = identifiers(&owned, &mappings, &report.blueprint, semantics, shape).await?;
    // A blueprint that does not exist holds no entity; its search would answer 404.
    let held = match found {
        Some(_) => held_relations(catalog, &report.blueprint, &report.relation).await?,
        None => HashMap::new(),
    };
    let named: Vec<String> = tagged
        .iter()
        .flat_map(|r| tags::services(r.tag_list(), prefix))
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Without a `service` blueprint no tag names a service Port has.
    let services: BTreeSet<String> = match catalog.search_identifiers(SERVICE_TARGET, &named).await
    {
        Ok(found) => found.into_iter().collect(),
        Err(PortError::NotFound { .. }) => BTreeSet::new(),
        Err(e) => return Err(e.into()),
    };
    for repo in tagged {
        let side = match sides.get(&repo.arn) {
            Some(Ok(identifier)) => PortSide::Entity {
                related: held.get(identifier).cloned(),
                identifier: identifier.clone(),
            },
            Some(Err(why)) => PortSide::Unmapped(why.clone()),
            None => PortSide::Unmapped("no mapping writes to this blueprint".into()),
        };
        let services_tagged = tags::services(repo.tag_list(), prefix);
        report.repos.push(RepoDrift {
            repository: repo.name.clone(),
            region: repo.region.clone(),
            arn: repo.arn.clone(),
            comparison: drift::compare(&services_tagged, &side, &services),
        });
    }
    Ok(report)
}

/// The blueprint's relation to the service blueprint (the guide's `service` when the
/// blueprint does not say, or does not exist yet).
fn service_relation(blueprint: Option<&serde_json::Value>) -> String {
    let parsed = blueprint.and_then(|b| Blueprint::from_json(b).ok());
    let to_service = parsed.as_ref().and_then(|bp| {
        bp.relations
            .iter()
            .find(|r| r.id == SERVICE_RELATION && r.target.as_deref() == Some(SERVICE_TARGET))
            .or_else(|| {
                bp.relations
                    .iter()
                    .find(|r| r.target.as_deref() == Some(SERVICE_TARGET))
            })
            .map(|r| r.id.clone())
    });
    to_service.unwrap_or_else(|| SERVICE_RELATION.to_owned())
}

/// Per repository ARN, the identifier of the entity the mappings make for `blueprint`, or why
/// they make none.
async fn identifiers(
    repos: &[Repository],
    mappings: &[(Origin, Mapping)],
    blueprint: &str,
    semantics: Semantics,
    shape: Shape,
) -> Result<HashMap<String, Result<String, String>>, DriftError> {
    let records = Records::live(repos, shape);
    let rendering = render::render(&records, mappings, semantics, None).await?;
    if !rendering.compile_errors.is_empty() {
        return Err(RenderError::DoesNotCompile(rendering.compile_errors).into());
    }
    let writes_here: BTreeSet<Origin> = mappings
        .iter()
        .filter(|(origin, m)| super::push::elsewhere(*origin, m, blueprint).is_none())
        .map(|(origin, _)| *origin)
        .collect();
    let mut found: HashMap<String, Result<String, String>> = HashMap::new();
    for item in rendering
        .items
        .iter()
        .filter(|i| writes_here.contains(&i.origin))
    {
        let outcome = if item.rendered.skipped {
            Err("the mapping's selector leaves it out".to_owned())
        } else {
            match &item.rendered.entity {
                Some(raw) => serde_json::from_str(raw.get())
                    .map_err(|e| e.to_string())
                    .and_then(|v| Entity::from_json(&v).map_err(|e| e.to_string()))
                    .map(|e| e.identifier),
                None => Err(item
                    .rendered
                    .problems
                    .iter()
                    .map(|(f, m)| format!("{f}: {m}"))
                    .collect::<Vec<_>>()
                    .join("; ")),
            }
        };
        // The first mapping that makes an entity decides; a later one only fills a gap.
        let slot = found
            .entry(item.record.arn.clone())
            .or_insert(outcome.clone());
        if slot.is_err() && outcome.is_ok() {
            *slot = outcome;
        }
    }
    Ok(found)
}

/// Every entity of `blueprint` in one search, with the services `relation` names.
async fn held_relations(
    catalog: &dyn Catalog,
    blueprint: &str,
    relation: &str,
) -> Result<HashMap<String, Vec<String>>, DriftError> {
    let field = format!("relations.{relation}");
    let entities = catalog
        .all_entities(blueprint, &["$identifier", &field], MAX_ENTITIES)
        .await?;
    Ok(entities
        .iter()
        .filter_map(|v| {
            let e = Entity::from_json(v).ok()?;
            let related = drift::related_services(e.relations.get(relation));
            Some((e.identifier, related))
        })
        .collect())
}
