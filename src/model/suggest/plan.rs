//! The files around suggestions: a services file for offline use, and a plan (what
//! `tag suggest` printed, perhaps edited) turned into tag writes under the same rules as
//! `tag add`.

use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

use super::Service;
use crate::model::Repository;
use crate::model::tag_rules::{self, PlanItem};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FileError {
    #[error("not JSON at line {line}, column {column}: {message}")]
    NotJson {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Shape(String),
    #[error("entry {index} ({what}): {message}")]
    Entry {
        index: usize,
        what: String,
        message: String,
    },
}

fn json(text: &str) -> Result<Value, FileError> {
    serde_json::from_str(text).map_err(|e| FileError::NotJson {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

/// Services from a file: a JSON array of identifiers or of `{identifier, title}` objects, or
/// the `{entities: [...]}` a Port search answers.
pub fn parse_services(text: &str) -> Result<Vec<Service>, FileError> {
    let value = json(text)?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut o) => match o.remove("entities") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(FileError::Shape(
                    "expected an array of services, or an object with `entities`".into(),
                ));
            }
        },
        _ => return Err(FileError::Shape("expected an array of services".into())),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(id) if !id.trim().is_empty() => Ok(Service::new(id, None)),
            Value::Object(o) => match o.get("identifier").and_then(Value::as_str) {
                Some(id) if !id.trim().is_empty() => {
                    Ok(Service::new(id, o.get("title").and_then(Value::as_str)))
                }
                _ => Err(FileError::Entry {
                    index: i + 1,
                    what: "a service".into(),
                    message: "has no `identifier` string".into(),
                }),
            },
            _ => Err(FileError::Entry {
                index: i + 1,
                what: "a service".into(),
                message: "is neither an identifier nor an object with one".into(),
            }),
        })
        .collect()
}

/// One object of a plan; the fields `tag suggest` adds for people (score, reasons,
/// alternatives) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PlanEntry {
    pub repository: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub skip: bool,
}

pub fn parse_plan(text: &str) -> Result<Vec<PlanEntry>, FileError> {
    let Value::Array(items) = json(text)? else {
        return Err(FileError::Shape(
            "expected the JSON array `tag suggest` prints".into(),
        ));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let what = item
                .get("repository")
                .and_then(Value::as_str)
                .map_or_else(|| "no repository".to_owned(), |r| format!("`{r}`"));
            serde_json::from_value(item).map_err(|e| FileError::Entry {
                index: i + 1,
                what,
                message: e.to_string(),
            })
        })
        .collect()
}

/// What a plan asks for, checked: a write per repository, and why an entry writes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Applying {
    pub items: Vec<PlanItem>,
    /// Entries refused before any request: no such repository, a bad service, listed twice.
    pub problems: Vec<String>,
    /// Entries marked `skip`, or without a service.
    pub left_out: usize,
}

/// The tag writes of `entries` against `repos`: `prefix` + service = `value`, by the rules of
/// `tag add`. An entry names its repository by ARN, else by name (and region when given).
pub fn plan_apply(
    entries: &[PlanEntry],
    repos: &[Repository],
    prefix: &str,
    value: &str,
) -> Applying {
    let mut out = Applying::default();
    for (n, entry) in entries.iter().enumerate() {
        let Some(service) = entry.service.as_deref().filter(|_| !entry.skip) else {
            out.left_out += 1;
            continue;
        };
        let label = format!("entry {} (`{}`)", n + 1, entry.repository);
        let targets: Vec<&Repository> = repos
            .iter()
            .filter(|r| match &entry.arn {
                Some(arn) => &r.arn == arn,
                None => {
                    r.name == entry.repository
                        && entry.region.as_ref().is_none_or(|g| &r.region == g)
                }
            })
            .collect();
        if targets.is_empty() {
            let place = entry.region.as_deref().unwrap_or("the regions read");
            out.problems
                .push(format!("{label}: no such repository in {place}"));
            continue;
        }
        let (service, _) = tag_rules::service_named(prefix, service);
        let tag = match tag_rules::service_tag(prefix, &service, value) {
            Ok(tag) => tag,
            Err(e) => {
                out.problems.push(format!("{label}: {e}"));
                continue;
            }
        };
        for repo in targets {
            if out.items.iter().any(|i| i.arn == repo.arn) {
                out.problems.push(format!(
                    "{label}: {} ({}) is listed twice; the first entry is kept",
                    repo.name, repo.region
                ));
                continue;
            }
            out.items.extend(tag_rules::plan_add(&[repo], &tag, prefix));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::repository::sample;
    use crate::model::tag_rules::Change;

    #[test]
    fn services_come_as_identifiers_objects_or_a_search_answer() {
        let s = parse_services(r#"["a", {"identifier": "b", "title": "B"}]"#).unwrap();
        assert_eq!(s, [Service::new("a", None), Service::new("b", Some("B"))]);
        let s = parse_services(r#"{"entities": [{"identifier": "c"}]}"#).unwrap();
        assert_eq!(s, [Service::new("c", None)]);
        let e = parse_services(r#"[{"title": "x"}]"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "entry 1 (a service): has no `identifier` string"
        );
        let e = parse_services("[1,").unwrap_err();
        assert!(matches!(e, FileError::NotJson { line: 1, .. }), "{e}");
    }

    #[test]
    fn a_plan_writes_each_picked_service_by_the_tag_add_rules() {
        let repos = [
            sample("a", "eu-west-1", &[]),
            sample("a", "us-east-1", &[]),
            sample("b", "eu-west-1", &[("port-orders", "true")]),
        ];
        let text = r#"[
            {"repository": "a", "region": "eu-west-1", "service": "orders", "score": 0.9},
            {"repository": "a", "region": "us-east-1", "service": "billing", "skip": true},
            {"repository": "b", "service": "orders"},
            {"repository": "c", "service": "orders"},
            {"repository": "a", "arn": "arn:aws:ecr:eu-west-1:123456789012:repository/a",
             "service": "x"},
            {"repository": "a", "region": "us-east-1", "service": "bad service!"},
            {"repository": "b", "service": null}
        ]"#;
        let entries = parse_plan(text).unwrap();
        let plan = plan_apply(&entries, &repos, "port-", "true");
        assert_eq!(plan.left_out, 2);
        assert_eq!(plan.items.len(), 2, "{plan:?}");
        assert!(matches!(&plan.items[0].change, Change::Add { tag } if tag.key == "port-orders"));
        assert!(matches!(
            plan.items[1].change,
            Change::AlreadyPresent { .. }
        ));
        assert_eq!(plan.problems.len(), 3, "{:?}", plan.problems);
        assert!(plan.problems[0].contains("entry 4 (`c`): no such repository"));
        assert!(plan.problems[1].contains("listed twice"));
        assert!(plan.problems[2].contains("not a valid Port entity identifier"));
        let e = parse_plan(r#"[{"repository": "a", "skip": "yes"}]"#).unwrap_err();
        assert!(e.to_string().starts_with("entry 1 (`a`):"), "{e}");
    }
}
