//! Where repositories come from: ECR through the AWS SDK, or the embedded demo.
//!
//! A load streams [`Event`]s so the UI can show rows as pages arrive; headless commands use
//! [`collect`] over the same stream.

pub mod demo;
pub mod ecr;
pub mod error;
pub mod limiter;

use futures::future::BoxFuture;
use tokio::sync::mpsc::UnboundedSender;

pub use error::InventoryError;

use crate::model::{Fetched, Repository, Tag};

/// One step of a load. `load` is the id the caller gave the load, so results of an
/// abandoned load (after a refresh) can be told apart.
#[derive(Debug, Clone)]
pub enum Event {
    /// A region is about to be listed.
    RegionStarted { load: u64, region: String },
    /// A page of repositories, tags still pending.
    Page {
        load: u64,
        region: String,
        repos: Vec<Repository>,
    },
    /// One repository's tags.
    Tags {
        load: u64,
        arn: String,
        tags: Fetched<Vec<Tag>>,
    },
    /// One repository's policies.
    Policies {
        load: u64,
        arn: String,
        lifecycle: Fetched<String>,
        repository: Fetched<String>,
    },
    /// Every repository and every tag of the region is in.
    RegionListed { load: u64, region: String },
    /// Background policy fetches of the region are done.
    PoliciesDone { load: u64, region: String },
    RegionFailed {
        load: u64,
        region: String,
        error: InventoryError,
    },
}

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

    /// Lists every region, sending events until all are done or failed.
    fn load(&self, opts: LoadOptions, sink: Sink) -> BoxFuture<'static, ()>;

    /// Fetches one repository's policies now (the detail pane asks for them).
    fn fetch_policies(&self, load: u64, repo: &Repository, sink: Sink) -> BoxFuture<'static, ()>;
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
