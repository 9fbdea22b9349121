//! Drift: whether a repository's `port-<service>` tags and the `service` relation its entity
//! carries in Port still say the same thing. Pure: the caller reads Port and renders the
//! mapping; this compares.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

/// How a tagged repository stands against Port, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftState {
    /// A tag names a service Port does not have: a push would fail on the relation.
    NoSuchService,
    /// The entity relates to other services than the tags name.
    Differs,
    /// Tagged, but Port has no entity for the repository yet (not pushed).
    NotInPort,
    /// The mapping makes no entity of it (selector, a failing field), so nothing compares.
    Unmapped,
    InSync,
}

impl DriftState {
    /// The word a list column and the headless table show.
    pub fn label(self) -> &'static str {
        match self {
            DriftState::NoSuchService => "no such service",
            DriftState::Differs => "differs",
            DriftState::NotInPort => "not in Port",
            DriftState::Unmapped => "unmapped",
            DriftState::InSync => "in sync",
        }
    }

    /// Whether the user has something to do about it.
    pub fn drifts(self) -> bool {
        self != DriftState::InSync
    }
}

/// What Port holds for one repository's entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortSide {
    /// The mapping made no entity: why.
    Unmapped(String),
    /// The entity's identifier, and what Port holds under it (`None`: no such entity).
    Entity {
        identifier: String,
        related: Option<Vec<String>>,
    },
}

/// One repository's comparison, as `tag drift -o json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub state: DriftState,
    /// The entity's identifier the mapping makes, when it makes one.
    pub identifier: Option<String>,
    /// The services the `port-` tags name.
    pub tagged: Vec<String>,
    /// The services the entity's relation names; `null` when there is no entity.
    pub port: Option<Vec<String>>,
    /// Tagged services Port has no entity for.
    pub missing_services: Vec<String>,
    /// One sentence for a person.
    pub detail: String,
}

/// Compares a repository's tagged services with Port. `services`: the tagged services that
/// exist in Port's service blueprint.
pub fn compare(tagged: &[&str], side: &PortSide, services: &BTreeSet<String>) -> Comparison {
    let tagged_set: BTreeSet<String> = tagged.iter().map(|s| (*s).to_owned()).collect();
    let missing: Vec<String> = tagged_set
        .iter()
        .filter(|s| !services.contains(*s))
        .cloned()
        .collect();
    let tagged: Vec<String> = tagged_set.iter().cloned().collect();
    let (identifier, port) = match side {
        PortSide::Unmapped(_) => (None, None),
        PortSide::Entity {
            identifier,
            related,
        } => (Some(identifier.clone()), related.clone()),
    };
    let (state, detail) = match side {
        _ if !missing.is_empty() => (
            DriftState::NoSuchService,
            format!(
                "the tag names {}, which Port's service blueprint does not have",
                list(&missing)
            ),
        ),
        PortSide::Unmapped(why) => (
            DriftState::Unmapped,
            format!("the mapping makes no entity: {why}"),
        ),
        PortSide::Entity { related: None, .. } => (
            DriftState::NotInPort,
            format!("tagged {}, but Port has no entity yet", list(&tagged)),
        ),
        PortSide::Entity {
            related: Some(related),
            ..
        } => {
            let related_set: BTreeSet<&String> = related.iter().collect();
            if related_set == tagged_set.iter().collect() {
                (DriftState::InSync, "tag and Port agree".to_owned())
            } else if related.is_empty() {
                (
                    DriftState::Differs,
                    format!("tag says {}, Port relates to no service", list(&tagged)),
                )
            } else {
                (
                    DriftState::Differs,
                    format!("tag says {}, Port says {}", list(&tagged), list(related)),
                )
            }
        }
    };
    Comparison {
        state,
        identifier,
        tagged,
        port,
        missing_services: missing,
        detail,
    }
}

/// The service identifiers a relation value names: a string, an array of them, or the
/// `{identifier, title}` objects Port returns with titles attached; `null` names none.
pub fn related_services(value: Option<&Value>) -> Vec<String> {
    fn one(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("identifier")?.as_str().map(str::to_owned),
            _ => None,
        }
    }
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(v) => one(v).into_iter().collect(),
        None => Vec::new(),
    }
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn known(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    fn entity(related: Option<&[&str]>) -> PortSide {
        PortSide::Entity {
            identifier: "orders-api".into(),
            related: related.map(|r| r.iter().map(|s| (*s).to_owned()).collect()),
        }
    }

    #[test]
    fn each_state_is_told_apart() {
        let services = known(&["orders", "billing"]);
        let state = |tagged: &[&str], side: &PortSide| compare(tagged, side, &services).state;
        assert_eq!(
            state(&["orders"], &entity(Some(&["orders"]))),
            DriftState::InSync
        );
        assert_eq!(
            state(&["orders"], &entity(Some(&["billing"]))),
            DriftState::Differs
        );
        assert_eq!(state(&["orders"], &entity(Some(&[]))), DriftState::Differs);
        assert_eq!(state(&["orders"], &entity(None)), DriftState::NotInPort);
        assert_eq!(
            state(&["ghost"], &entity(Some(&["orders"]))),
            DriftState::NoSuchService
        );
        assert_eq!(
            state(&["orders"], &PortSide::Unmapped("selector".into())),
            DriftState::Unmapped
        );
    }

    #[test]
    fn several_tags_compare_as_a_set() {
        let services = known(&["orders", "billing"]);
        let both = compare(
            &["orders", "billing", "orders"],
            &entity(Some(&["billing", "orders"])),
            &services,
        );
        assert_eq!(both.state, DriftState::InSync);
        assert_eq!(both.tagged, ["billing", "orders"]);
        let one = compare(
            &["orders", "billing"],
            &entity(Some(&["orders"])),
            &services,
        );
        assert_eq!(one.state, DriftState::Differs);
        assert_eq!(
            one.detail,
            "tag says `billing`, `orders`, Port says `orders`"
        );
    }

    #[test]
    fn a_missing_service_is_named() {
        let c = compare(&["ghost", "orders"], &entity(None), &known(&["orders"]));
        assert_eq!(c.state, DriftState::NoSuchService);
        assert_eq!(c.missing_services, ["ghost"]);
        assert!(c.detail.contains("`ghost`"), "{}", c.detail);
        assert_eq!(c.identifier.as_deref(), Some("orders-api"));
        assert_eq!(c.port, None);
    }

    #[test]
    fn relation_values_in_every_shape_port_returns() {
        assert_eq!(related_services(Some(&json!("orders"))), ["orders"]);
        assert_eq!(related_services(Some(&json!(["a", "b"]))), ["a", "b"]);
        assert_eq!(
            related_services(Some(&json!({"identifier": "a", "title": "A"}))),
            ["a"]
        );
        assert_eq!(
            related_services(Some(&json!([{"identifier": "a"}, "b", 3]))),
            ["a", "b"]
        );
        assert!(related_services(Some(&json!(null))).is_empty());
        assert!(related_services(None).is_empty());
    }
}
