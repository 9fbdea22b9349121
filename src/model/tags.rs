//! Repository tags and what the `port-<service>` convention reads from them.

use serde::{Deserialize, Serialize};

/// The prefix Port's guide uses for service tags.
pub const DEFAULT_PREFIX: &str = "port-";

/// An ECR resource tag; the field names are the ones ECR and Cloud Control use.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value")]
    pub value: String,
}

impl Tag {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// The service identifiers named by `<prefix><service>` keys, in tag order. A bare prefix names
/// nothing, and the match is case-sensitive, as `startswith` is in jq.
pub fn services<'a>(tags: &'a [Tag], prefix: &str) -> Vec<&'a str> {
    each_service(tags, prefix).collect()
}

/// `services`, one at a time.
pub fn each_service<'a>(tags: &'a [Tag], prefix: &str) -> impl Iterator<Item = &'a str> {
    tags.iter()
        .filter_map(move |t| t.key.strip_prefix(prefix))
        .filter(|s| !s.is_empty())
}

/// How many tags are not service tags.
pub fn other_count(tags: &[Tag], prefix: &str) -> usize {
    tags.iter().filter(|t| !t.key.starts_with(prefix)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_services_from_prefixed_keys() {
        let tags = [
            Tag::new("team", "a"),
            Tag::new("port-auth-service", "true"),
            Tag::new("Port-billing", "true"),
            Tag::new("port-", "true"),
            Tag::new("port-checkout.v2", "x"),
        ];
        assert_eq!(services(&tags, "port-"), ["auth-service", "checkout.v2"]);
        assert_eq!(other_count(&tags, "port-"), 2);
    }
}
