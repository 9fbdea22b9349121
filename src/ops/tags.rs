//! Writing `port-<service>` tags, for both faces: the change checked against the rules before
//! any request, the repositories named, the plan per repository, and the writes.

use std::sync::Arc;

use futures::{Stream, StreamExt};

use crate::inventory::{self, Applied, Inventory};
use crate::model::tag_rules::{self, PlanItem, TagRuleError};
use crate::model::{Repository, Tag};

/// What a tag command asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagChange {
    /// The tag, and the prefix its key starts with.
    Add(Tag, String),
    /// The key to remove.
    Remove(String),
}

impl TagChange {
    /// `port-<service>` = `value`, checked: a bad key never costs a request.
    pub fn add(prefix: &str, service: &str, value: &str) -> Result<TagChange, TagRuleError> {
        tag_rules::service_tag(prefix, service, value).map(|t| TagChange::Add(t, prefix.to_owned()))
    }

    pub fn remove(prefix: &str, service: &str) -> Result<TagChange, TagRuleError> {
        let key = format!("{prefix}{}", service.trim());
        tag_rules::check_key(&key)?;
        Ok(TagChange::Remove(key))
    }

    /// What it does to each repository: write, skip (already so), or refuse with the reason.
    pub fn plan(&self, targets: &[&Repository]) -> Vec<PlanItem> {
        match self {
            TagChange::Add(tag, prefix) => tag_rules::plan_add(targets, tag, prefix),
            TagChange::Remove(key) => tag_rules::plan_remove(targets, key),
        }
    }
}

/// The repositories a command line names (by name in every region read, or by ARN), each
/// once, and the names that match none.
pub fn named<'a>(
    repos: &'a [Repository],
    wanted: &'a [String],
) -> (Vec<&'a Repository>, Vec<&'a str>) {
    let mut targets: Vec<&Repository> = Vec::new();
    let mut unknown = Vec::new();
    for want in wanted {
        let found: Vec<&Repository> = repos.iter().filter(|r| r.answers_to(want)).collect();
        if found.is_empty() {
            unknown.push(want.as_str());
        }
        for r in found {
            if !targets.iter().any(|t| t.arn == r.arn) {
                targets.push(r);
            }
        }
    }
    (targets, unknown)
}

/// Writes the items that change something, `concurrency` at a time; each result (with the
/// item's index) as it arrives.
pub fn write(
    inventory: Arc<dyn Inventory>,
    items: Vec<PlanItem>,
    concurrency: usize,
) -> impl Stream<Item = (usize, Applied)> {
    futures::stream::iter(items.into_iter().enumerate())
        .map(move |(i, item)| {
            let inventory = inventory.clone();
            async move { (i, inventory::apply(inventory.as_ref(), &item).await) }
        })
        .buffer_unordered(concurrency.max(1))
}
