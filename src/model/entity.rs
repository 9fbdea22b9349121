//! The shape of a Port entity that mappings produce and pushes send.

use serde_json::{Map, Value};

/// The top-level keys of a Port entity, in the order Port's docs write them. Mapping files keep
/// this order when a key is added; validation flags any other key, since Port would silently
/// ignore it (a typo such as `propertes` loses every property).
pub const ENTITY_KEYS: [&str; 7] = [
    "identifier",
    "title",
    "blueprint",
    "icon",
    "team",
    "properties",
    "relations",
];

/// An entity as the cross-draft checks and the diff read it: a draft the mapping produced, or
/// the entity Port holds now. The draft's JSON stays what is sent; this is a view of it.
///
/// Reading is lenient: an object with a string identifier is all it takes, and a field of the
/// wrong type reads as absent. Validation reports such shapes on the draft itself, and Port may
/// echo `null` for a title nobody set.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub identifier: String,
    pub title: Option<String>,
    pub icon: Option<String>,
    /// As given: a team name, an array of names, or a search query; a diff shows it as it is.
    pub team: Option<Value>,
    pub properties: Map<String, Value>,
    /// As given: an identifier, an array of them, null, a search query, or the
    /// `{identifier, title}` objects Port returns when titles are attached.
    pub relations: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntityError {
    #[error("an entity must be a JSON object, got {0}")]
    NotAnObject(&'static str),
    #[error("an entity needs a string identifier")]
    NoIdentifier,
}

impl Entity {
    pub fn from_json(json: &Value) -> Result<Entity, EntityError> {
        let Some(obj) = json.as_object() else {
            return Err(EntityError::NotAnObject(super::json::kind(json)));
        };
        let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned);
        let map = |key: &str| {
            obj.get(key)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        Ok(Entity {
            identifier: text("identifier").ok_or(EntityError::NoIdentifier)?,
            title: text("title"),
            icon: text("icon"),
            team: obj.get("team").cloned(),
            properties: map("properties"),
            relations: map("relations"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_draft_and_keeps_values_as_given() {
        let e = Entity::from_json(&json!({
            "identifier": "r", "title": "R", "blueprint": "ecr_repository", "team": "platform",
            "properties": {"tags": []}, "relations": {"service": null}
        }))
        .unwrap();
        assert_eq!(e.identifier, "r");
        assert_eq!(e.title.as_deref(), Some("R"));
        assert_eq!(e.icon, None);
        assert_eq!(e.team, Some(json!("platform")));
        assert_eq!(e.properties["tags"], json!([]));
        assert_eq!(e.relations["service"], json!(null));
    }

    #[test]
    fn wrong_types_read_as_absent_but_an_identifier_is_required() {
        let e = Entity::from_json(&json!({"identifier": "r", "title": null, "properties": []}))
            .unwrap();
        assert_eq!((e.title, e.properties.len()), (None, 0));
        assert_eq!(
            Entity::from_json(&json!({"identifier": 5})),
            Err(EntityError::NoIdentifier)
        );
        assert_eq!(
            Entity::from_json(&json!([1])).map_err(|e| e.to_string()),
            Err("an entity must be a JSON object, got array".to_owned())
        );
    }
}
