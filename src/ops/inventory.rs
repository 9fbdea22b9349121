//! Reading the inventory whole, for the headless commands.

use crate::inventory::{self, InventoryError};
use crate::mapping::file::Mapping;
use crate::model::{Fetched, Repository};

use super::context::Context;

/// Every repository, sorted by region and name, and every problem met on the way: a region
/// that failed, or a repository whose tags (or policies, when asked) could not be read.
pub struct Listing {
    pub repos: Vec<Repository>,
    pub problems: Vec<String>,
}

pub async fn list(ctx: &Context, policies: bool) -> Result<Listing, InventoryError> {
    let inventory = ctx.open_inventory().await?;
    let (mut repos, failures) = inventory::collect(inventory.as_ref(), policies).await;
    repos.sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    let mut problems: Vec<String> = failures
        .iter()
        .map(|(region, err)| format!("{region}: {err}"))
        .collect();
    for repo in &repos {
        let mut parts = vec![("tags", failed(&repo.tags))];
        if policies {
            parts.push(("lifecycle policy", failed(&repo.lifecycle_policy)));
            parts.push(("repository policy", failed(&repo.repository_policy)));
        }
        for (what, why) in parts {
            if let Some(why) = why {
                problems.push(format!("{} ({}): {what}: {why}", repo.name, repo.region));
            }
        }
    }
    Ok(Listing { repos, problems })
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    /// The first problem, and how many there were.
    #[error("{first}{}", if *.count > 1 { format!(" (and {} more problems)", .count - 1) } else { String::new() })]
    Incomplete { first: String, count: usize },
}

/// Every repository, with its policies when `policies`, for a mapping. Any problem fails the
/// whole read: a mapping over half an inventory would mislead.
pub async fn read_whole(ctx: &Context, policies: bool) -> Result<Vec<Repository>, ReadError> {
    let listing = list(ctx, policies).await?;
    if let Some(first) = listing.problems.first() {
        return Err(ReadError::Incomplete {
            first: first.clone(),
            count: listing.problems.len(),
        });
    }
    Ok(listing.repos)
}

/// Whether any of the mappings reads a policy: the two cost a call each per repository, so
/// they are fetched only then. A field names them to read them (`.LifecyclePolicy`,
/// `.RepositoryPolicyText`, `.Properties.LifecyclePolicy`); a selector may too.
pub fn reads_policies(mappings: &[(crate::mapping::file::Origin, Mapping)]) -> bool {
    mappings.iter().any(|(_, m)| {
        m.fields()
            .iter()
            .map(|f| f.expr.as_str())
            .chain(m.selector_query.as_deref())
            .any(crate::model::repository::reads_policy)
    })
}

fn failed<T>(f: &Fetched<T>) -> Option<&str> {
    match f {
        Fetched::Failed(why) => Some(why),
        // A finished load leaves nothing pending; if it did, the output would be wrong.
        Fetched::Pending => Some("never arrived"),
        Fetched::Absent | Fetched::Present(_) => None,
    }
}
