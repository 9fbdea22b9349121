//! Every mapping of a file over records, in the jq worker: what `render` prints and what a push
//! plans from. Both take the entities from this one call, so they cannot differ.

use std::time::Duration;

use thiserror::Error;

use crate::mapping::eval::Semantics;
use crate::mapping::file::{Mapping, Origin};
use crate::mapping::protocol::Rendered;
use crate::mapping::worker::{WorkerClient, WorkerError, WorkerOptions};
use crate::mapping::{self, Plan};
use crate::port::push::Draft;

use super::records::{RecordId, Records, RecordsError};

#[derive(Debug, Error)]
pub enum RenderError {
    #[error(transparent)]
    Records(#[from] RecordsError),
    #[error("evaluating the mapping: {0}")]
    Worker(#[from] WorkerError),
    /// A field that does not compile: nothing could be pushed correctly.
    #[error("{}", .0.join("; "))]
    DoesNotCompile(Vec<String>),
}

/// One record through one mapping.
pub struct Item {
    pub record: RecordId,
    /// The mapping that made it.
    pub origin: Origin,
    pub rendered: Rendered,
}

/// Every record through every mapping.
pub struct Rendering {
    /// `field: does not compile: why`, one per problem (prefixed with the mapping's label
    /// when there are several).
    pub compile_errors: Vec<String>,
    /// In the order Port applies them: each resource in turn, each record, then each of the
    /// resource's mappings.
    pub items: Vec<Item>,
    /// Whether the file has more than one mapping, so entities name the one they came from.
    pub labelled: bool,
}

impl Rendering {
    /// `name (region)`, and the mapping's `#2.1` when there are several.
    pub fn label(&self, item: &Item) -> String {
        match self.labelled {
            true => format!("{} {}", item.record.label(), item.origin),
            false => item.record.label(),
        }
    }
}

/// Runs every mapping over `records` in one fresh worker, which loads the records once.
/// `deadline`: per request, else the worker's default.
pub async fn render(
    records: &Records,
    mappings: &[(Origin, Mapping)],
    semantics: Semantics,
    deadline: Option<Duration>,
) -> Result<Rendering, RenderError> {
    let mut opts = WorkerOptions::current()?;
    if let Some(deadline) = deadline {
        opts.deadline = deadline;
    }
    let mut client = WorkerClient::new(opts);
    let result = render_in(&mut client, records, mappings, semantics).await;
    client.shutdown().await;
    result
}

async fn render_in(
    client: &mut WorkerClient,
    records: &Records,
    mappings: &[(Origin, Mapping)],
    semantics: Semantics,
) -> Result<Rendering, RenderError> {
    records.load_into(client).await?;
    let labelled = mappings.len() > 1;
    let mut compile_errors = Vec::new();
    // Per mapping, one rendered entity per record.
    let mut columns: Vec<std::vec::IntoIter<Rendered>> = Vec::with_capacity(mappings.len());
    for (origin, mapping) in mappings {
        let plan = Plan::new(mapping);
        let (compile, rendered) =
            mapping::render_all(client, &plan, semantics, records.len()).await?;
        let prefix = if labelled {
            format!("{origin} ")
        } else {
            String::new()
        };
        for (field, issues) in plan.fields.iter().zip(&compile) {
            for issue in issues {
                compile_errors.push(format!(
                    "{prefix}{}: does not compile: {}",
                    field.name, issue.message
                ));
            }
        }
        columns.push(rendered.into_iter());
    }
    let mut items = Vec::with_capacity(records.len() * mappings.len());
    for resource in resource_groups(mappings) {
        for record in &records.ids {
            for k in resource.clone() {
                if let Some(rendered) = columns[k].next() {
                    items.push(Item {
                        record: record.clone(),
                        origin: mappings[k].0,
                        rendered,
                    });
                }
            }
        }
    }
    Ok(Rendering {
        compile_errors,
        items,
        labelled,
    })
}

/// Index ranges of `mappings` that belong to one resource (they come resource by resource).
fn resource_groups(mappings: &[(Origin, Mapping)]) -> Vec<std::ops::Range<usize>> {
    let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
    for (k, (origin, _)) in mappings.iter().enumerate() {
        match groups.last_mut() {
            Some(last) if mappings[last.start].0.resource == origin.resource => last.end = k + 1,
            _ => groups.push(k..k + 1),
        }
    }
    groups
}

/// What the mappings make of records, as push drafts.
pub struct Drafts {
    pub drafts: Vec<Draft>,
    /// Records a mapping's selector left out (they are not part of a push).
    pub skipped: usize,
}

impl Rendering {
    /// Each rendered entity as a draft; a field that does not compile fails them all.
    /// `elsewhere` says why a mapping's entities are not part of this push, if they are not.
    pub fn into_drafts(
        self,
        elsewhere: impl Fn(Origin) -> Option<String>,
    ) -> Result<Drafts, RenderError> {
        if !self.compile_errors.is_empty() {
            return Err(RenderError::DoesNotCompile(self.compile_errors));
        }
        let mut drafts = Vec::with_capacity(self.items.len());
        let mut skipped = 0;
        for item in &self.items {
            if item.rendered.skipped {
                skipped += 1;
                continue;
            }
            let entity = match (&item.rendered.entity, elsewhere(item.origin)) {
                (_, Some(why)) => Err(why),
                (Some(raw), None) => serde_json::from_str(raw.get()).map_err(|e| e.to_string()),
                (None, None) if item.rendered.problems.is_empty() => {
                    Err("the mapping produced no entity".into())
                }
                (None, None) => Err(format!("dropped: {}", problems(&item.rendered))),
            };
            drafts.push(Draft {
                repo: self.label(item),
                entity,
            });
        }
        Ok(Drafts { drafts, skipped })
    }
}

fn problems(item: &Rendered) -> String {
    item.problems
        .iter()
        .map(|(f, m)| format!("{f}: {m}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::file::Format;

    fn at(resource: usize, mapping: usize) -> (Origin, Mapping) {
        (
            Origin { resource, mapping },
            Mapping::new(Format::ExporterJson, ".a", "b"),
        )
    }

    #[test]
    fn mappings_are_grouped_by_their_resource() {
        let mappings = [at(0, 0), at(2, 0), at(2, 1), at(3, 0)];
        assert_eq!(resource_groups(&mappings), [0..1, 1..3, 3..4]);
        assert!(resource_groups(&[]).is_empty());
    }
}
