//! Tags for a whole region in one pass: the Resource Groups Tagging API answers 100
//! repositories a call (`tag:GetResources`), where ECR needs one `ListTagsForResource` each.
//!
//! Its index is eventually consistent and it omits untagged repositories, so two rules keep the
//! answer true: tags this session wrote (and read back from ECR) win over the index for a
//! while, and an empty index for a region that has repositories is confirmed through ECR
//! (emulators such as moto answer empty for ECR; on AWS it means nothing is tagged yet, which
//! ECR's own calls confirm at the old cost).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::ecr::{Failure, RegionCtx, call};
use crate::model::Tag;

/// Where a load reads tags from (`aws.tagSource`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagSource {
    /// The tagging API, falling back to ECR when it is denied, fails or answers empty.
    #[default]
    Auto,
    /// The tagging API only: a denial is every repository's tag error.
    TaggingApi,
    /// `ListTagsForResource` for each repository.
    Ecr,
}

/// Repositories per `GetResources` page, the API's maximum.
const PAGE: i32 = 100;

/// How long our own writes outrank the index: its lag is usually seconds, rarely minutes.
const WRITTEN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Every tagged ECR repository of the region, by ARN.
pub async fn region_tags(rc: &RegionCtx) -> Result<HashMap<String, Vec<Tag>>, Failure> {
    let mut tags = HashMap::new();
    let mut token: Option<String> = None;
    loop {
        let page = call(rc, "tag:GetResources", || {
            rc.tagging
                .get_resources()
                .resource_type_filters("ecr:repository")
                .resources_per_page(PAGE)
                .set_pagination_token(token.clone())
                .send()
        })
        .await?;
        for mapping in page.resource_tag_mapping_list() {
            if let Some(arn) = mapping.resource_arn() {
                let found = mapping
                    .tags()
                    .iter()
                    .map(|t| Tag::new(t.key(), t.value()))
                    .collect();
                tags.insert(arn.to_owned(), found);
            }
        }
        // The API ends with an empty token rather than none.
        token = page
            .pagination_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if token.is_none() {
            return Ok(tags);
        }
    }
}

/// What a load does with the index's answer.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    /// Use these tags; a repository absent from them has none.
    Use(HashMap<String, Vec<Tag>>),
    /// Read every repository's tags through ECR instead.
    Fallback,
    /// Report this as every repository's tag error.
    Fail(String),
}

/// Decides between the index and ECR for a region of `listed` repositories.
pub fn plan(
    source: TagSource,
    answer: Result<HashMap<String, Vec<Tag>>, String>,
    listed: usize,
) -> Plan {
    match (source, answer) {
        (TagSource::Ecr, _) => Plan::Fallback,
        (TagSource::Auto, Ok(tags)) if tags.is_empty() && listed > 0 => Plan::Fallback,
        (_, Ok(tags)) => Plan::Use(tags),
        (TagSource::Auto, Err(why)) => {
            tracing::info!(%why, "tagging API unavailable; reading tags through ECR");
            Plan::Fallback
        }
        (TagSource::TaggingApi, Err(why)) => Plan::Fail(why),
    }
}

/// Tags this session wrote, by ARN, as ECR had them right after the write.
#[derive(Debug, Default)]
pub struct Written {
    tags: Mutex<HashMap<String, (Instant, Vec<Tag>)>>,
}

impl Written {
    pub fn record(&self, arn: &str, tags: Vec<Tag>) {
        let mut map = self.tags.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(arn.to_owned(), (Instant::now(), tags));
    }

    /// The index's tags with recent writes laid over them.
    pub fn overlay(&self, index: &mut HashMap<String, Vec<Tag>>) {
        let map = self.tags.lock().unwrap_or_else(|p| p.into_inner());
        for (arn, (at, tags)) in map.iter() {
            if at.elapsed() < WRITTEN_WINDOW {
                index.insert(arn.clone(), tags.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(arn: &str, key: &str) -> HashMap<String, Vec<Tag>> {
        HashMap::from([(arn.to_owned(), vec![Tag::new(key, "true")])])
    }

    #[test]
    fn auto_falls_back_on_errors_and_on_an_empty_index() {
        let a = || one("arn:a", "port-a");
        assert_eq!(plan(TagSource::Auto, Ok(a()), 3), Plan::Use(a()));
        assert_eq!(plan(TagSource::Auto, Ok(HashMap::new()), 3), Plan::Fallback);
        assert_eq!(
            plan(TagSource::Auto, Ok(HashMap::new()), 0),
            Plan::Use(HashMap::new())
        );
        assert_eq!(
            plan(TagSource::Auto, Err("denied".into()), 3),
            Plan::Fallback
        );
        assert_eq!(
            plan(TagSource::TaggingApi, Err("denied".into()), 3),
            Plan::Fail("denied".into())
        );
        // Forced: an empty index is believed.
        assert_eq!(
            plan(TagSource::TaggingApi, Ok(HashMap::new()), 3),
            Plan::Use(HashMap::new())
        );
        assert_eq!(plan(TagSource::Ecr, Ok(a()), 3), Plan::Fallback);
    }

    #[tokio::test(start_paused = true)]
    async fn our_writes_outrank_the_index_for_a_while() {
        let written = Written::default();
        written.record("arn:a", vec![Tag::new("port-new", "true")]);
        let mut index = one("arn:a", "port-stale");
        index.extend(one("arn:b", "port-b"));
        written.overlay(&mut index);
        assert_eq!(index["arn:a"], vec![Tag::new("port-new", "true")]);
        assert_eq!(index["arn:b"], vec![Tag::new("port-b", "true")]);
        tokio::time::advance(WRITTEN_WINDOW).await;
        let mut later = one("arn:a", "port-other");
        written.overlay(&mut later);
        assert_eq!(later["arn:a"], vec![Tag::new("port-other", "true")]);
    }
}
