//! The rules a `port-<service>` tag must meet before any request is made, and the plan of
//! what a tag change would do to each repository.

use thiserror::Error;

use super::{Fetched, Repository, Tag};

/// ECR allows at most 50 tags per repository.
pub const MAX_TAGS: usize = 50;
/// ECR's limit on key length, in characters.
pub const MAX_KEY_CHARS: usize = 128;
pub const MAX_VALUE_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TagRuleError {
    #[error("the service identifier is empty")]
    EmptyService,
    #[error("`{service}` is not a valid Port entity identifier: it {reason}")]
    BadIdentifier { service: String, reason: String },
    #[error("the tag key `{key}` has {chars} characters; ECR allows at most {MAX_KEY_CHARS}")]
    KeyTooLong { key: String, chars: usize },
    #[error(
        "the tag key `{key}` contains `{ch}`; ECR allows letters, digits, spaces and + - = . _ : / @"
    )]
    BadKeyChar { key: String, ch: char },
    #[error("the tag key `{0}` starts with `aws:`, which AWS reserves")]
    ReservedKey(String),
    #[error(
        "the service `{0}` starts with `aws:`, AWS's reserved tag namespace; use the Port \
         service identifier alone"
    )]
    ReservedService(String),
    #[error("the tag value is empty; ECR's CloudFormation schema needs at least one character")]
    EmptyValue,
    #[error("the tag value has {0} characters; ECR allows at most {MAX_VALUE_CHARS}")]
    ValueTooLong(usize),
    #[error("the tag value contains `{0}`; ECR allows letters, digits, spaces and + - = . _ : / @")]
    BadValueChar(char),
}

fn ecr_char(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "+-=._:/@".contains(c)
}

/// The service must be a valid Port entity identifier, so the relation can resolve.
pub fn check_identifier(service: &str) -> Result<(), TagRuleError> {
    if service.is_empty() {
        return Err(TagRuleError::EmptyService);
    }
    match super::identifier::identifier_problem(service) {
        None => Ok(()),
        Some(reason) => Err(TagRuleError::BadIdentifier {
            service: service.to_owned(),
            reason,
        }),
    }
}

/// Checks a full tag key against ECR's rules.
pub fn check_key(key: &str) -> Result<(), TagRuleError> {
    let chars = key.chars().count();
    if chars > MAX_KEY_CHARS {
        return Err(TagRuleError::KeyTooLong {
            key: key.to_owned(),
            chars,
        });
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(TagRuleError::ReservedKey(key.to_owned()));
    }
    if let Some(ch) = key.chars().find(|c| !ecr_char(*c)) {
        return Err(TagRuleError::BadKeyChar {
            key: key.to_owned(),
            ch,
        });
    }
    Ok(())
}

pub fn check_value(value: &str) -> Result<(), TagRuleError> {
    let chars = value.chars().count();
    if chars == 0 {
        return Err(TagRuleError::EmptyValue);
    }
    if chars > MAX_VALUE_CHARS {
        return Err(TagRuleError::ValueTooLong(chars));
    }
    match value.chars().find(|c| !ecr_char(*c)) {
        Some(c) => Err(TagRuleError::BadValueChar(c)),
        None => Ok(()),
    }
}

/// The service a user means: typing the whole key (`port-orders`) means the service
/// `orders`, which is said in the returned note (the key would otherwise be `port-port-orders`).
pub fn service_named(prefix: &str, input: &str) -> (String, Option<String>) {
    let input = input.trim();
    match input
        .strip_prefix(prefix)
        .filter(|s| !prefix.is_empty() && !s.is_empty())
    {
        Some(service) => (
            service.to_owned(),
            Some(format!(
                "`{input}` is already a whole key: taken as the service `{service}`"
            )),
        ),
        None => (input.to_owned(), None),
    }
}

/// The key for `service`, once the service, the key and the value pass every rule.
pub fn service_tag(prefix: &str, service: &str, value: &str) -> Result<Tag, TagRuleError> {
    let service = service.trim();
    check_identifier(service)?;
    // With any prefix the key would not be reserved, but a service named `aws:…` is a pasted
    // AWS key, never a Port identifier someone means.
    if service.to_ascii_lowercase().starts_with("aws:") {
        return Err(TagRuleError::ReservedService(service.to_owned()));
    }
    let key = format!("{prefix}{service}");
    check_key(&key)?;
    check_value(value)?;
    Ok(Tag::new(key, value))
}

/// What a tag change does to one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Add { tag: Tag },
    Overwrite { tag: Tag, old: String },
    AlreadyPresent { tag: Tag },
    Remove { key: String, value: String },
    NotPresent { key: String },
    Refused { reason: String },
}

impl Change {
    /// Whether a request is needed.
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Change::Add { .. } | Change::Overwrite { .. } | Change::Remove { .. }
        )
    }

    pub fn describe(&self) -> String {
        match self {
            Change::Add { tag } => format!("+ {}={}  (new key)", tag.key, tag.value),
            Change::Overwrite { tag, old } => {
                format!("~ {}: {old} → {}  (value overwrite)", tag.key, tag.value)
            }
            Change::AlreadyPresent { tag } => {
                format!(
                    "= {}={}  (already present, nothing to do)",
                    tag.key, tag.value
                )
            }
            Change::Remove { key, value } => format!("- {key}={value}  (remove)"),
            Change::NotPresent { key } => format!("= {key} not present, nothing to do"),
            Change::Refused { reason } => format!("✗ refused: {reason}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    pub arn: String,
    pub name: String,
    pub region: String,
    pub change: Change,
    /// E.g. a key that differs from an existing one only in case.
    pub warnings: Vec<String>,
}

fn loaded_tags(repo: &Repository) -> Result<&[Tag], String> {
    match &repo.tags {
        Fetched::Present(tags) => Ok(tags),
        Fetched::Absent => Ok(&[]),
        Fetched::Pending => Err("its tags have not loaded yet".to_owned()),
        Fetched::Failed(why) => Err(format!("its tags could not be read: {why}")),
    }
}

fn item(repo: &Repository, change: Change, warnings: Vec<String>) -> PlanItem {
    PlanItem {
        arn: repo.arn.clone(),
        name: repo.name.clone(),
        region: repo.region.clone(),
        change,
        warnings,
    }
}

/// What adding `tag` would do to each repository. A repository that would pass ECR's 50-tag
/// limit is refused; the others are unaffected. A repository already tagged for another
/// service is warned about: a mapping that reads the first `port-` tag keeps the old one.
pub fn plan_add(repos: &[&Repository], tag: &Tag, prefix: &str) -> Vec<PlanItem> {
    repos
        .iter()
        .map(|repo| {
            let tags = match loaded_tags(repo) {
                Ok(tags) => tags,
                Err(reason) => return item(repo, Change::Refused { reason }, vec![]),
            };
            let mut warnings: Vec<String> = tags
                .iter()
                .filter(|t| t.key != tag.key && t.key.eq_ignore_ascii_case(&tag.key))
                .map(|t| {
                    format!(
                        "`{}` differs from the existing key `{}` only in case; both would exist",
                        tag.key, t.key
                    )
                })
                .collect();
            warnings.extend(
                tags.iter()
                    .filter(|t| {
                        !prefix.is_empty()
                            && t.key.starts_with(prefix)
                            && !t.key.eq_ignore_ascii_case(&tag.key)
                    })
                    .map(|t| {
                        format!(
                            "also tagged `{}`: a mapping that reads the first `{prefix}` tag \
                             (the shipped one does) keeps that service; remove it (`T`, or `tag remove`)",
                            t.key
                        )
                    }),
            );
            let change = match tags.iter().find(|t| t.key == tag.key) {
                Some(t) if t.value == tag.value => Change::AlreadyPresent { tag: tag.clone() },
                Some(t) => Change::Overwrite {
                    tag: tag.clone(),
                    old: t.value.clone(),
                },
                None if tags.len() >= MAX_TAGS => Change::Refused {
                    reason: format!("it has {} tags, ECR's limit is {MAX_TAGS}", tags.len()),
                },
                None => Change::Add { tag: tag.clone() },
            };
            item(repo, change, warnings)
        })
        .collect()
}

/// What removing `key` would do to each repository. No other tag is touched.
pub fn plan_remove(repos: &[&Repository], key: &str) -> Vec<PlanItem> {
    repos
        .iter()
        .map(|repo| {
            let change = match loaded_tags(repo) {
                Err(reason) => Change::Refused { reason },
                Ok(tags) => match tags.iter().find(|t| t.key == key) {
                    Some(t) => Change::Remove {
                        key: key.to_owned(),
                        value: t.value.clone(),
                    },
                    None => Change::NotPresent {
                        key: key.to_owned(),
                    },
                },
            };
            item(repo, change, vec![])
        })
        .collect()
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The AWS CLI command that makes the same change, for the activity log.
pub fn cli_equivalent(
    item: &PlanItem,
    profile: Option<&str>,
    endpoint: Option<&str>,
) -> Option<String> {
    let mut cmd = match &item.change {
        Change::Add { tag } | Change::Overwrite { tag, .. } => format!(
            "aws ecr tag-resource --resource-arn {} --tags {}",
            shell_word(&item.arn),
            shell_word(&format!("Key={},Value={}", tag.key, tag.value))
        ),
        Change::Remove { key, .. } => format!(
            "aws ecr untag-resource --resource-arn {} --tag-keys {}",
            shell_word(&item.arn),
            shell_word(key)
        ),
        _ => return None,
    };
    cmd.push_str(&format!(" --region {}", shell_word(&item.region)));
    if let Some(p) = profile {
        cmd.push_str(&format!(" --profile {}", shell_word(p)));
    }
    if let Some(e) = endpoint {
        cmd.push_str(&format!(" --endpoint-url {}", shell_word(e)));
    }
    Some(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::repository::sample;

    #[test]
    fn a_whole_key_is_taken_as_its_service_and_another_service_tag_is_warned_about() {
        let (service, note) = service_named("port-", " port-orders ");
        assert_eq!(service, "orders");
        assert!(note.unwrap().contains("taken as the service `orders`"));
        assert_eq!(service_named("port-", "orders"), ("orders".into(), None));
        assert_eq!(service_named("port-", "port-"), ("port-".into(), None));
        let tagged = crate::model::repository::sample("a", "eu-west-1", &[("port-auth", "true")]);
        let plan = plan_add(&[&tagged], &Tag::new("port-orders", "true"), "port-");
        assert!(
            plan[0].warnings[0].contains("also tagged `port-auth`"),
            "{:?}",
            plan[0]
        );
    }

    #[test]
    fn accepts_ordinary_services() {
        let tag = service_tag("port-", "auth-service", "true").unwrap();
        assert_eq!(tag, Tag::new("port-auth-service", "true"));
        assert!(service_tag("port-", "checkout.v2", "true").is_ok());
        assert!(service_tag("port-", "équipe_ü", "true").is_ok());
        assert!(service_tag("port-", "  padded  ", "true").is_ok());
    }

    #[test]
    fn refuses_what_port_or_ecr_would_refuse() {
        assert!(matches!(
            service_tag("port-", "bad service!", "true"),
            Err(TagRuleError::BadIdentifier { .. })
        ));
        assert!(matches!(
            check_key("AWS:sneaky"),
            Err(TagRuleError::ReservedKey(_))
        ));
        assert!(matches!(
            service_tag("port-", "aws:sneaky", "true"),
            Err(TagRuleError::ReservedService(_))
        ));
        assert_eq!(
            service_tag("port-", "", "true"),
            Err(TagRuleError::EmptyService)
        );
        assert!(matches!(
            service_tag("port-", "..", "true"),
            Err(TagRuleError::BadIdentifier { .. })
        ));
        // Port allows a backslash in identifiers; ECR does not in keys.
        assert!(matches!(
            service_tag("port-", "a\\b", "true"),
            Err(TagRuleError::BadKeyChar { .. })
        ));
        let long = "s".repeat(124);
        assert!(matches!(
            service_tag("port-", &long, "true"),
            Err(TagRuleError::KeyTooLong { chars: 129, .. })
        ));
        assert!(service_tag("port-", &"s".repeat(123), "true").is_ok());
        assert_eq!(service_tag("port-", "x", ""), Err(TagRuleError::EmptyValue));
        assert_eq!(
            service_tag("port-", "x", "a;b"),
            Err(TagRuleError::BadValueChar(';'))
        );
    }

    #[test]
    fn plans_add_per_repository() {
        let tag = Tag::new("port-shop", "true");
        let new = sample("a", "eu-west-1", &[("team", "x")]);
        let same = sample("b", "eu-west-1", &[("port-shop", "true")]);
        let other = sample(
            "c",
            "eu-west-1",
            &[("port-shop", "yes"), ("Port-Shop", "x")],
        );
        let many: Vec<(String, String)> = (0..50).map(|i| (format!("k{i}"), "v".into())).collect();
        let many_refs: Vec<(&str, &str)> =
            many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let full = sample("d", "eu-west-1", &many_refs);
        let mut pending = sample("e", "eu-west-1", &[]);
        pending.tags = Fetched::Pending;
        let plan = plan_add(&[&new, &same, &other, &full, &pending], &tag, "port-");
        assert_eq!(plan[0].change, Change::Add { tag: tag.clone() });
        assert_eq!(plan[1].change, Change::AlreadyPresent { tag: tag.clone() });
        assert_eq!(
            plan[2].change,
            Change::Overwrite {
                tag: tag.clone(),
                old: "yes".into()
            }
        );
        assert_eq!(plan[2].warnings.len(), 1);
        assert!(matches!(&plan[3].change, Change::Refused { reason } if reason.contains("50")));
        assert!(matches!(&plan[4].change, Change::Refused { .. }));
        assert_eq!(plan.iter().filter(|p| p.change.writes()).count(), 2);
    }

    #[test]
    fn plans_remove_touching_only_that_key() {
        let a = sample("a", "eu-west-1", &[("port-shop", "true"), ("team", "x")]);
        let b = sample("b", "eu-west-1", &[("team", "x")]);
        let plan = plan_remove(&[&a, &b], "port-shop");
        assert_eq!(
            plan[0].change,
            Change::Remove {
                key: "port-shop".into(),
                value: "true".into()
            }
        );
        assert_eq!(
            plan[1].change,
            Change::NotPresent {
                key: "port-shop".into()
            }
        );
    }

    #[test]
    fn equivalent_cli_commands_are_shell_safe() {
        let a = sample("team/a", "eu-west-1", &[]);
        let plan = plan_add(&[&a], &Tag::new("port-my svc", "true"), "port-");
        let cmd = cli_equivalent(&plan[0], Some("dev"), None).unwrap();
        assert_eq!(
            cmd,
            "aws ecr tag-resource --resource-arn arn:aws:ecr:eu-west-1:123456789012:repository/team/a \
             --tags 'Key=port-my svc,Value=true' --region eu-west-1 --profile dev"
        );
        let plan = plan_remove(&[&sample("b", "us-east-1", &[("port-x", "1")])], "port-x");
        let cmd = cli_equivalent(&plan[0], None, Some("http://localhost:5000")).unwrap();
        assert!(
            cmd.starts_with("aws ecr untag-resource --resource-arn"),
            "{cmd}"
        );
        assert!(
            cmd.ends_with(
                "--tag-keys port-x --region us-east-1 --endpoint-url http://localhost:5000"
            ),
            "{cmd}"
        );
    }
}
