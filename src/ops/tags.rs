//! Writing `port-<service>` tags, for both faces: the change checked against the rules before
//! any request, the repositories named, the plan per repository, and the writes.

use std::sync::Arc;

use futures::{Stream, StreamExt};

use super::tag_journal::{Line as JournalLine, TagJournal};
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

/// One repository's writes, run in order (an undo may restore two keys), and its tags before
/// them, for the journal.
#[derive(Debug, Clone)]
pub struct Batch {
    pub items: Vec<PlanItem>,
    pub before: Vec<Tag>,
}

impl Batch {
    /// One batch per repository, its items in order (an undo may restore two keys of one),
    /// with its tags as `repos` has them.
    pub fn per_repository(items: Vec<PlanItem>, repos: &[Repository]) -> Vec<Batch> {
        let tags: std::collections::HashMap<&str, &[Tag]> = repos
            .iter()
            .map(|r| (r.arn.as_str(), r.tag_list()))
            .collect();
        let mut batches: Vec<Batch> = Vec::new();
        let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for item in items {
            match at.get(&item.arn) {
                Some(&i) => batches[i].items.push(item),
                None => {
                    at.insert(item.arn.clone(), batches.len());
                    let before = tags.get(item.arn.as_str()).map(|t| t.to_vec());
                    batches.push(Batch {
                        items: vec![item],
                        before: before.unwrap_or_default(),
                    });
                }
            }
        }
        batches
    }

    /// A batch of one write, its tags as `repos` has them.
    pub fn of(item: PlanItem, repos: &[Repository]) -> Batch {
        let before = repos
            .iter()
            .find(|r| r.arn == item.arn)
            .map(|r| r.tag_list().to_vec())
            .unwrap_or_default();
        Batch {
            items: vec![item],
            before,
        }
    }
}

/// Writes each batch (its items in order, stopping at the first failure), `concurrency`
/// repositories at a time, and journals each repository's tags before and after as its
/// result arrives; each result with the batch's index. The journal is created before this is
/// called, so a write that could not be undone is never made; there is none when every write
/// will be refused (read-only mode).
pub fn write_journaled(
    inventory: Arc<dyn Inventory>,
    batches: Vec<Batch>,
    concurrency: usize,
    mut journal: Option<TagJournal>,
) -> impl Stream<Item = (usize, Vec<Applied>)> {
    futures::stream::iter(batches.into_iter().enumerate())
        .map(move |(i, batch)| {
            let inventory = inventory.clone();
            async move {
                let mut results: Vec<Applied> = Vec::with_capacity(batch.items.len());
                for item in &batch.items {
                    let applied = inventory::apply(inventory.as_ref(), item).await;
                    let failed = applied.result.is_err();
                    results.push(applied);
                    if failed {
                        break;
                    }
                }
                (i, batch, results)
            }
        })
        .buffer_unordered(concurrency.max(1))
        .map(move |(i, batch, results)| {
            if let Some(journal) = journal.as_mut() {
                for line in journal_lines(&batch, &results) {
                    if let Err(e) = journal.append(&line) {
                        tracing::warn!(error = %e,
                            "a tag write is not in the journal; undo cannot restore it");
                    }
                }
            }
            (i, results)
        })
}

/// What the journal keeps of one batch: the tags before and after when a write landed, and
/// the failure when one did not.
fn journal_lines(batch: &Batch, results: &[Applied]) -> Vec<JournalLine> {
    let Some(first) = batch.items.first() else {
        return vec![];
    };
    let change = batch
        .items
        .iter()
        .map(|i| i.change.describe())
        .collect::<Vec<_>>()
        .join("; ");
    let mut lines = Vec::new();
    if let Some(after) = results.iter().rev().find_map(|a| a.result.as_ref().ok()) {
        lines.push(JournalLine::Written {
            arn: first.arn.clone(),
            name: first.name.clone(),
            region: first.region.clone(),
            change: change.clone(),
            before: batch.before.clone(),
            after: after.clone(),
        });
    }
    if let Some(Err(e)) = results.last().map(|a| &a.result) {
        lines.push(JournalLine::Failed {
            arn: first.arn.clone(),
            name: first.name.clone(),
            region: first.region.clone(),
            change,
            error: e.to_string(),
        });
    }
    lines
}
