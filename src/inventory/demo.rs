//! The embedded demo inventory: real data in memory, so the whole app runs without AWS.

use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::future::BoxFuture;
use serde::Deserialize;

use super::{Event, Inventory, InventoryError, LoadOptions, Sink};
use crate::model::repository::RepositoryRecord;
use crate::model::tag_rules::{Change, PlanItem};
use crate::model::{Fetched, Repository, Tag};

const DEMO_JSON: &str = include_str!("../../assets/demo-inventory.json");

#[derive(Deserialize)]
struct DemoFile {
    repositories: Vec<RepositoryRecord>,
}

pub struct DemoInventory {
    repos: Arc<Mutex<Vec<Repository>>>,
    regions: Vec<String>,
}

impl DemoInventory {
    /// The embedded inventory, restricted to `regions` when any are given.
    pub fn new(regions: &[String]) -> Result<Self, InventoryError> {
        // The same names the real inventory takes: a typo is refused, not an empty region.
        if let Some(bad) = regions.iter().find(|r| !super::ecr::valid_region(r)) {
            return Err(InventoryError::UnknownRegion(bad.clone()));
        }
        let file: DemoFile =
            serde_json::from_str(DEMO_JSON).map_err(|e| InventoryError::Demo(e.to_string()))?;
        let repos: Vec<Repository> = file
            .repositories
            .into_iter()
            .map(Repository::from)
            .filter(|r| regions.is_empty() || regions.contains(&r.region))
            .collect();
        let mut own: Vec<String> = repos.iter().map(|r| r.region.clone()).collect();
        own.sort();
        own.dedup();
        for wanted in regions {
            if !own.contains(wanted) {
                own.push(wanted.clone());
            }
        }
        Ok(DemoInventory {
            repos: Arc::new(Mutex::new(repos)),
            regions: own,
        })
    }

    /// The demo repeated to `total` repositories, for benchmarks of big lists
    /// (`ECR_PORT_DEMO_SCALE`): copies take a numbered suffix, keeping their tags.
    pub fn scaled(regions: &[String], total: usize) -> Result<Self, InventoryError> {
        let demo = DemoInventory::new(regions)?;
        let base = demo.snapshot();
        if base.is_empty() || total <= base.len() {
            return Ok(demo);
        }
        let repos: Vec<Repository> = (0..total)
            .map(|i| {
                let mut repo = base[i % base.len()].clone();
                let copy = i / base.len();
                if copy > 0 {
                    repo.name = format!("{}-{copy:05}", repo.name);
                    (repo.arn, repo.uri) = crate::model::repository::arn_and_uri(
                        &repo.region,
                        &repo.registry_id,
                        &repo.name,
                    );
                }
                repo
            })
            .collect();
        Ok(DemoInventory {
            repos: Arc::new(Mutex::new(repos)),
            regions: demo.regions,
        })
    }

    fn snapshot(&self) -> Vec<Repository> {
        self.repos.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Inventory for DemoInventory {
    fn describe(&self) -> String {
        "demo data".to_owned()
    }

    fn regions(&self) -> Vec<String> {
        self.regions.clone()
    }

    fn load(&self, opts: LoadOptions, sink: Sink) -> BoxFuture<'static, ()> {
        let repos = self.snapshot();
        let regions = self.regions.clone();
        async move {
            for region in regions {
                let page: Vec<Repository> = repos
                    .iter()
                    .filter(|r| r.region == region)
                    .cloned()
                    .collect();
                let load = opts.load;
                // A closed channel means nobody listens any more; stop quietly.
                if sink
                    .send(Event::RegionStarted {
                        load,
                        region: region.clone(),
                    })
                    .is_err()
                {
                    return;
                }
                let _ = sink.send(Event::Page {
                    load,
                    region: region.clone(),
                    repos: page,
                });
                let _ = sink.send(Event::RegionListed {
                    load,
                    region: region.clone(),
                });
                let _ = sink.send(Event::PoliciesDone { load, region });
            }
        }
        .boxed()
    }

    fn write_tags(
        &self,
        target: &PlanItem,
    ) -> BoxFuture<'static, Result<Vec<Tag>, InventoryError>> {
        let result = {
            let mut repos = self.repos.lock().unwrap_or_else(|p| p.into_inner());
            match repos.iter_mut().find(|r| r.arn == target.arn) {
                None => Err(InventoryError::RepositoryNotFound {
                    name: target.name.clone(),
                    region: target.region.clone(),
                }),
                Some(repo) => {
                    let mut tags = repo.tag_list().to_vec();
                    match &target.change {
                        Change::Add { tag } | Change::Overwrite { tag, .. } => {
                            match tags.iter_mut().find(|t| t.key == tag.key) {
                                Some(t) => t.value = tag.value.clone(),
                                None => tags.push(tag.clone()),
                            }
                        }
                        Change::Remove { key, .. } => tags.retain(|t| &t.key != key),
                        _ => {}
                    }
                    repo.tags = Fetched::Present(tags.clone());
                    Ok(tags)
                }
            }
        };
        async move { result }.boxed()
    }

    fn fetch_policies(&self, load: u64, repo: &Repository, sink: Sink) -> BoxFuture<'static, ()> {
        let found = self.snapshot().into_iter().find(|r| r.arn == repo.arn);
        async move {
            if let Some(r) = found {
                let _ = sink.send(Event::Policies {
                    load,
                    arn: r.arn,
                    lifecycle: r.lifecycle_policy,
                    repository: r.repository_policy,
                });
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tags;

    #[tokio::test]
    async fn scaled_demo_has_as_many_distinct_repositories_as_asked() {
        let demo = DemoInventory::scaled(&[], 1_000).unwrap();
        let (repos, _) = super::super::collect(&demo, false).await;
        assert_eq!(repos.len(), 1_000);
        let arns: std::collections::BTreeSet<&str> = repos.iter().map(|r| r.arn.as_str()).collect();
        assert_eq!(arns.len(), 1_000);
        assert!(
            repos
                .iter()
                .all(|r| r.arn.ends_with(&format!("/{}", r.name)))
        );
    }

    #[tokio::test]
    async fn demo_has_the_promised_variety() {
        let demo = DemoInventory::new(&[]).unwrap();
        let (repos, failures) = super::super::collect(&demo, true).await;
        assert!(failures.is_empty());
        assert!(repos.len() >= 40, "{}", repos.len());
        assert_eq!(demo.regions().len(), 2);
        assert!(repos.iter().any(|r| r.name.contains('/')));
        let port = |r: &Repository| tags::services(r.tag_list(), "port-").len();
        assert!(repos.iter().any(|r| port(r) == 0));
        assert!(repos.iter().any(|r| port(r) == 1));
        assert!(repos.iter().any(|r| port(r) >= 2));
        assert!(repos.iter().any(|r| r.tag_list().is_empty()));
        assert!(repos.iter().any(|r| r.image_tag_mutability == "IMMUTABLE"));
        assert!(
            repos
                .iter()
                .any(|r| r.encryption_type == "KMS" && r.kms_key.is_some())
        );
        assert!(repos.iter().any(|r| r.lifecycle_policy.present().is_some()));
        assert!(
            repos
                .iter()
                .any(|r| r.repository_policy.present().is_some())
        );
    }

    #[tokio::test]
    async fn region_filter_applies() {
        let demo = DemoInventory::new(&["us-east-1".to_owned()]).unwrap();
        let (repos, _) = super::super::collect(&demo, false).await;
        assert!(!repos.is_empty());
        assert!(repos.iter().all(|r| r.region == "us-east-1"));
    }
}
