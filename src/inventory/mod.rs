//! Where repositories come from: ECR through the AWS SDK, or the embedded demo.
//!
//! A load streams [`Event`]s so the UI can show rows as pages arrive; headless commands use
//! [`collect`] over the same stream.

pub mod accounts;
pub mod credentials;
pub mod demo;
pub mod ecr;
pub mod limiter;
pub mod organization;
pub mod tagging;

use futures::future::BoxFuture;
use tokio::sync::mpsc::UnboundedSender;

pub use crate::model::inventory::{Applied, Event, InventoryError, Scope};

use crate::model::tag_rules::{Change, PlanItem, cli_equivalent};
use crate::model::{Repository, Tag};

pub type Sink = UnboundedSender<Event>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    pub load: u64,
    /// Fetch lifecycle and repository policies of every repository after the list.
    pub policies: bool,
}

/// A source of repositories. Implementations send events and never panic on bad data.
pub trait Inventory: Send + Sync {
    /// A short description for the header, e.g. `profile dev · eu-west-1`.
    fn describe(&self) -> String;

    /// The regions this inventory reads.
    fn regions(&self) -> Vec<String>;

    /// What the header shows progress for: each region, or each account × region. The
    /// region-level events of a load carry each scope's [`Scope::key`].
    fn scopes(&self) -> Vec<Scope> {
        self.regions().into_iter().map(Scope::region).collect()
    }

    /// Lists every region, sending events until all are done or failed.
    fn load(&self, opts: LoadOptions, sink: Sink) -> BoxFuture<'static, ()>;

    /// Fetches one repository's policies now (the detail pane asks for them).
    fn fetch_policies(&self, load: u64, repo: &Repository, sink: Sink) -> BoxFuture<'static, ()>;

    /// Writes one tag change and returns the repository's tags as the source now has them.
    /// Only [`apply`] calls this, so that every write is logged with its AWS CLI equivalent.
    fn write_tags(&self, target: &PlanItem)
    -> BoxFuture<'static, Result<Vec<Tag>, InventoryError>>;

    /// The profile and endpoint, for the AWS CLI equivalent of a write.
    fn cli_context(&self) -> (Option<String>, Option<String>) {
        (None, None)
    }
}

/// Every tag write goes through here, so each is recorded in the log file with its AWS CLI
/// equivalent. Read-only mode is the inventory's own refusal (`ops::guard`).
pub async fn apply(inventory: &dyn Inventory, item: &PlanItem) -> Applied {
    let (profile, endpoint) = inventory.cli_context();
    let command = cli_equivalent(item, profile.as_deref(), endpoint.as_deref());
    let result = if !item.change.writes() {
        Err(InventoryError::NothingToWrite)
    } else {
        inventory.write_tags(item).await
    };
    let action = match &item.change {
        Change::Remove { key, .. } => format!("untag {key}"),
        Change::Add { tag } | Change::Overwrite { tag, .. } => {
            format!("tag {}={}", tag.key, tag.value)
        }
        other => other.describe(),
    };
    match &result {
        Ok(_) => tracing::info!(target: "activity", repository = %item.name, region = %item.region,
            %action, command = command.as_deref().unwrap_or(""), "write succeeded"),
        Err(e) => {
            tracing::warn!(target: "activity", repository = %item.name, region = %item.region,
            %action, command = command.as_deref().unwrap_or(""), error = %e, "write failed")
        }
    }
    Applied {
        arn: item.arn.clone(),
        result,
        command,
    }
}

/// Runs a whole load and gathers the repositories, or every region's error.
pub async fn collect(
    inventory: &dyn Inventory,
    policies: bool,
) -> (Vec<Repository>, Vec<(String, InventoryError)>) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let run = inventory.load(LoadOptions { load: 0, policies }, tx);
    let gather = async {
        let mut repos: Vec<Repository> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut failures = Vec::new();
        while let Some(event) = rx.recv().await {
            match event {
                Event::Page { repos: page, .. } => {
                    for repo in page {
                        index.insert(repo.arn.clone(), repos.len());
                        repos.push(repo);
                    }
                }
                Event::Tags { arn, tags, .. } => {
                    if let Some(&i) = index.get(&arn) {
                        repos[i].tags = tags;
                    }
                }
                Event::Policies {
                    arn,
                    lifecycle,
                    repository,
                    ..
                } => {
                    if let Some(&i) = index.get(&arn) {
                        repos[i].lifecycle_policy = lifecycle;
                        repos[i].repository_policy = repository;
                    }
                }
                Event::RegionFailed { region, error, .. } => failures.push((region, error)),
                Event::RegionStarted { .. }
                | Event::RegionListed { .. }
                | Event::PoliciesDone { .. } => {}
            }
        }
        (repos, failures)
    };
    let ((), out) = tokio::join!(run, gather);
    out
}
