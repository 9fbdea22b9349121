//! A mapping over records, in the jq worker: what `render` prints and what a push plans from.
//! Both take the entities from this one call, so they cannot differ.

use std::time::Duration;

use thiserror::Error;

use crate::mapping::eval::Semantics;
use crate::mapping::file::Mapping;
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

/// Every record through the mapping.
pub struct Rendering {
    /// `field: does not compile: why`, one per problem.
    pub compile_errors: Vec<String>,
    /// One per record, in order.
    pub items: Vec<(RecordId, Rendered)>,
}

/// Runs `mapping` over `records` in a fresh worker. `deadline`: per request, else the
/// worker's default.
pub async fn render(
    records: &Records,
    mapping: &Mapping,
    semantics: Semantics,
    deadline: Option<Duration>,
) -> Result<Rendering, RenderError> {
    let plan = Plan::new(mapping);
    let mut opts = WorkerOptions::current()?;
    if let Some(deadline) = deadline {
        opts.deadline = deadline;
    }
    let mut client = WorkerClient::new(opts);
    if let Err(e) = records.load_into(&mut client).await {
        client.shutdown().await;
        return Err(e.into());
    }
    let result = mapping::render_all(&mut client, &plan, semantics, records.len()).await;
    client.shutdown().await;
    let (compile, rendered) = result?;
    let compile_errors = plan
        .fields
        .iter()
        .zip(&compile)
        .flat_map(|(field, issues)| {
            issues
                .iter()
                .map(move |i| format!("{}: does not compile: {}", field.name, i.message))
        })
        .collect();
    Ok(Rendering {
        compile_errors,
        items: records.ids.iter().cloned().zip(rendered).collect(),
    })
}

/// What a mapping makes of records, as push drafts.
pub struct Drafts {
    pub drafts: Vec<Draft>,
    /// Records the mapping's selector left out (they are not part of a push).
    pub skipped: usize,
}

impl Rendering {
    /// Each rendered record as a draft; a field that does not compile fails them all.
    pub fn into_drafts(self) -> Result<Drafts, RenderError> {
        if !self.compile_errors.is_empty() {
            return Err(RenderError::DoesNotCompile(self.compile_errors));
        }
        let mut drafts = Vec::with_capacity(self.items.len());
        let mut skipped = 0;
        for (id, item) in self.items {
            if item.skipped {
                skipped += 1;
                continue;
            }
            let entity = match &item.entity {
                Some(raw) => serde_json::from_str(raw.get()).map_err(|e| e.to_string()),
                None if item.problems.is_empty() => Err("the mapping produced no entity".into()),
                None => Err(format!("dropped: {}", problems(&item))),
            };
            drafts.push(Draft {
                repo: id.label(),
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
