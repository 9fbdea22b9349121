//! Blueprints as plain data: a definition as the checks read it, the guide's identifiers, and
//! the requests a setup sends.

use serde_json::Value;

pub const DEFAULT_BLUEPRINT: &str = "ecr_repository";
pub const SERVICE_RELATION: &str = "service";
/// The blueprint the guide's relation points at.
pub const SERVICE_TARGET: &str = "service";

/// One request of a setup, shown before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Create(Value),
    /// `PATCH /v1/blueprints/{id}` with this body.
    Patch {
        id: String,
        body: Value,
    },
}

impl Step {
    /// `POST /v1/blueprints` or `PATCH /v1/blueprints/{id}`, for the confirmation.
    pub fn request_line(&self) -> String {
        match self {
            Step::Create(_) => "POST /v1/blueprints".to_owned(),
            Step::Patch { id, .. } => format!("PATCH /v1/blueprints/{id}"),
        }
    }

    /// What the request does, in words, for the confirmation.
    pub fn summary(&self) -> String {
        match self {
            Step::Create(body) => format!(
                "creates blueprint `{}`",
                body.get("identifier")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
            ),
            Step::Patch { id, .. } => format!(
                "adds relation `{SERVICE_RELATION}` to `{id}`; the other relations are sent \
                 unchanged because PATCH replaces the whole `relations` field"
            ),
        }
    }

    pub fn body(&self) -> &Value {
        match self {
            Step::Create(body) | Step::Patch { body, .. } => body,
        }
    }
}

/// A Port blueprint, read once from Port's JSON: what validation and the push plan ask of it.
///
/// Reading is lenient on purpose: a key of the wrong JSON type reads as absent, exactly as the
/// checks treated it when they looked keys up one by one, so drafts get the same messages (a
/// definition without identifier, say, is reported on each draft rather than refusing the push).
/// Only a definition that is not an object at all is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Blueprint {
    /// `None` when the definition carries no string identifier.
    pub identifier: Option<String>,
    pub title: Option<String>,
    /// `schema.properties`, in Port's order, which messages listing the known ones keep.
    pub properties: Vec<Property>,
    /// `schema.required`: the identifiers of the properties every entity must set.
    pub required: Vec<String>,
    /// In Port's order, as for properties.
    pub relations: Vec<Relation>,
    /// The definition as Port sent it: a PATCH replaces whole top-level fields, so what it
    /// carries of the existing blueprint must keep every key, known here or not.
    json: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub id: String,
    pub schema: PropertySchema,
}

/// The constraints of one property (or of the items of an array property) that can be checked
/// locally. `pattern` is not among them: it is an ECMAScript regex, which Port checks itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PropertySchema {
    /// `None` when the definition names no type, or one not checked here: Port decides.
    pub kind: Option<PropertyType>,
    pub format: Option<String>,
    /// `enum`: the only values allowed.
    pub allowed: Option<Vec<Value>>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    /// `items`, for array properties.
    pub items: Option<Box<PropertySchema>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    String,
    Number,
    Boolean,
    Object,
    Array,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub id: String,
    /// The blueprint of the related entities; `None` when the definition names none.
    pub target: Option<String>,
    pub many: bool,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlueprintError {
    #[error("a blueprint definition must be a JSON object, got {0}")]
    NotAnObject(&'static str),
}

impl Blueprint {
    pub fn from_json(json: &Value) -> Result<Blueprint, BlueprintError> {
        let Some(obj) = json.as_object() else {
            return Err(BlueprintError::NotAnObject(super::json::kind(json)));
        };
        let schema = obj.get("schema");
        let properties = schema
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
            .map(|defs| {
                defs.iter()
                    .map(|(id, def)| Property {
                        id: id.clone(),
                        schema: PropertySchema::from_json(def),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let required = schema
            .and_then(|s| s.get("required"))
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(text).collect())
            .unwrap_or_default();
        let relations = obj
            .get("relations")
            .and_then(Value::as_object)
            .map(|defs| {
                defs.iter()
                    .map(|(id, def)| Relation::from_json(id, def))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Blueprint {
            identifier: obj.get("identifier").and_then(text),
            title: obj.get("title").and_then(text),
            properties,
            required,
            relations,
            json: json.clone(),
        })
    }

    pub fn property(&self, id: &str) -> Option<&PropertySchema> {
        self.properties
            .iter()
            .find(|p| p.id == id)
            .map(|p| &p.schema)
    }

    pub fn relation(&self, id: &str) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }

    /// The blueprint a relation points at; `None` for a relation it lacks or one naming no
    /// target.
    pub fn target_of(&self, relation: &str) -> Option<&str> {
        self.relation(relation)?.target.as_deref()
    }

    /// The definition as Port sent it.
    pub fn json(&self) -> &Value {
        &self.json
    }
}

impl PropertySchema {
    fn from_json(def: &Value) -> PropertySchema {
        let limit = |key: &str| {
            def.get(key)
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
        };
        PropertySchema {
            kind: def
                .get("type")
                .and_then(Value::as_str)
                .and_then(PropertyType::from_name),
            format: def.get("format").and_then(text),
            allowed: def.get("enum").and_then(Value::as_array).cloned(),
            min_length: limit("minLength"),
            max_length: limit("maxLength"),
            min_items: limit("minItems"),
            max_items: limit("maxItems"),
            items: def
                .get("items")
                .filter(|d| d.is_object())
                .map(|d| Box::new(PropertySchema::from_json(d))),
        }
    }
}

impl PropertyType {
    fn from_name(name: &str) -> Option<PropertyType> {
        Some(match name {
            "string" => PropertyType::String,
            "number" => PropertyType::Number,
            "boolean" => PropertyType::Boolean,
            "object" => PropertyType::Object,
            "array" => PropertyType::Array,
            _ => return None,
        })
    }

    /// The name Port's schema uses.
    pub fn name(self) -> &'static str {
        match self {
            PropertyType::String => "string",
            PropertyType::Number => "number",
            PropertyType::Boolean => "boolean",
            PropertyType::Object => "object",
            PropertyType::Array => "array",
        }
    }

    /// Whether a non-null value is of this type.
    pub fn admits(self, value: &Value) -> bool {
        match self {
            PropertyType::String => value.is_string(),
            PropertyType::Number => value.is_number(),
            PropertyType::Boolean => value.is_boolean(),
            PropertyType::Object => value.is_object(),
            PropertyType::Array => value.is_array(),
        }
    }
}

impl Relation {
    fn from_json(id: &str, def: &Value) -> Relation {
        Relation {
            id: id.to_owned(),
            target: def.get("target").and_then(text),
            many: def.get("many").and_then(Value::as_bool).unwrap_or(false),
            required: def.get("required").and_then(Value::as_bool) == Some(true),
        }
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_properties_and_relations_in_ports_order() {
        let raw = json!({
            "identifier": "ecr_repository", "title": "ECR", "mirrorProperties": {"m": {}},
            "schema": {
                "properties": {
                    "z": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": ["a"]}},
                    "a": {"type": "string", "format": "url", "maxLength": 10},
                    "odd": {"type": "markdown-ish"}
                },
                "required": ["a", 7]
            },
            "relations": {
                "service": {"target": "service", "many": false, "required": true, "title": "S"},
                "owners": {"target": "team", "many": true}
            }
        });
        let bp = Blueprint::from_json(&raw).unwrap();
        assert_eq!(bp.identifier.as_deref(), Some("ecr_repository"));
        assert_eq!(bp.title.as_deref(), Some("ECR"));
        let ids: Vec<&str> = bp.properties.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["z", "a", "odd"]);
        let z = bp.property("z").unwrap();
        assert_eq!((z.kind, z.min_items), (Some(PropertyType::Array), Some(1)));
        let items = z.items.as_deref().unwrap();
        assert_eq!(items.allowed, Some(vec![json!("a")]));
        let a = bp.property("a").unwrap();
        assert_eq!((a.format.as_deref(), a.max_length), (Some("url"), Some(10)));
        assert_eq!(bp.property("odd").unwrap().kind, None);
        assert_eq!(bp.required, ["a"]);
        let service = bp.relation("service").unwrap();
        assert_eq!(service.target.as_deref(), Some("service"));
        assert!(service.required && !service.many);
        let owners = bp.relation("owners").unwrap();
        assert!(owners.many && !owners.required);
        // What a setup PATCH sends back keeps every key, known here or not.
        assert_eq!(bp.json(), &raw);
    }

    #[test]
    fn keys_of_the_wrong_type_read_as_absent() {
        let bp = Blueprint::from_json(&json!({
            "identifier": 3, "schema": {"properties": [], "required": "x"},
            "relations": {"r": "not an object"}
        }))
        .unwrap();
        assert_eq!(bp.identifier, None);
        assert!(bp.properties.is_empty() && bp.required.is_empty());
        let r = bp.relation("r").unwrap();
        assert_eq!(
            (r.target.as_deref(), r.many, r.required),
            (None, false, false)
        );
        assert_eq!(
            Blueprint::from_json(&json!("ecr")).map_err(|e| e.to_string()),
            Err("a blueprint definition must be a JSON object, got string".to_owned())
        );
    }
}
