//! The editable part of a mapping: its fields, the ids Port accepts for properties and
//! relations, and the edits that keep a mapping valid.

use std::fmt;
use std::str::FromStr;

use serde_json::Value as Json;
use thiserror::Error;

use super::Format;

/// Port's length limit for property and relation identifiers.
pub const MAX_ID_CHARS: usize = 100;

/// One editable expression of a mapping, named as Port's UI and docs name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldName {
    Identifier,
    Title,
    Blueprint,
    Icon,
    Team,
    Property(String),
    Relation(String),
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldName::Identifier => f.write_str("identifier"),
            FieldName::Title => f.write_str("title"),
            FieldName::Blueprint => f.write_str("blueprint"),
            FieldName::Icon => f.write_str("icon"),
            FieldName::Team => f.write_str("team"),
            FieldName::Property(id) => write!(f, "properties.{id}"),
            FieldName::Relation(id) => write!(f, "relations.{id}"),
        }
    }
}

impl FromStr for FieldName {
    type Err = String;

    /// The inverse of `Display`, for field names typed or stored as text.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let named = |prefix: &str| s.strip_prefix(prefix).filter(|id| !id.is_empty());
        match s {
            "identifier" => Ok(FieldName::Identifier),
            "title" => Ok(FieldName::Title),
            "blueprint" => Ok(FieldName::Blueprint),
            "icon" => Ok(FieldName::Icon),
            "team" => Ok(FieldName::Team),
            _ => named("properties.")
                .map(|id| FieldName::Property(id.to_owned()))
                .or_else(|| named("relations.").map(|id| FieldName::Relation(id.to_owned())))
                .ok_or_else(|| format!("`{s}` is not a mapping field")),
        }
    }
}

/// A field and its JQ expression, ready to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: FieldName,
    pub expr: String,
}

/// Which keyed table of a mapping an id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    Property,
    Relation,
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Section::Property => "property",
            Section::Relation => "relation",
        })
    }
}

/// Why an edit of a mapping was refused. The mapping is unchanged after any of these.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MappingEditError {
    #[error("invalid {section} id `{id}`: {reason}")]
    InvalidId {
        section: Section,
        id: String,
        reason: String,
    },
    #[error("a {section} named `{id}` already exists")]
    Duplicate { section: Section, id: String },
    #[error("there is no {section} named `{id}`")]
    NotFound { section: Section, id: String },
}

/// Port's rule for property and relation ids: `^[A-Za-z0-9@_=\-]+$`, at most 100 characters.
/// Returns why `id` breaks it.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("it is empty".to_owned());
    }
    let len = id.chars().count();
    if len > MAX_ID_CHARS {
        return Err(format!(
            "it has {len} characters, Port allows at most {MAX_ID_CHARS}"
        ));
    }
    match id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "@_=-".contains(*c)))
    {
        Some(c) if c.is_whitespace() => Err("spaces are not allowed".to_owned()),
        Some(c) => Err(format!(
            "`{c}` is not allowed (only letters A-Z a-z, digits and @ _ = -)"
        )),
        None => Ok(()),
    }
}

/// The editable part of a mapping file: one entity mapping of the `AWS::ECR::Repository`
/// resource, plus that resource's selector query. Values are kept exactly as written in the
/// file (JQ text), except that absent and `null` optional fields are both `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Decides what `blueprint` means: a static string (exporter) or JQ (Ocean).
    pub format: Format,
    /// `selector.query` of the resource; shared by all of an exporter resource's mappings.
    pub selector_query: Option<String>,
    pub identifier: String,
    pub title: Option<String>,
    /// For Ocean, JQ; for the exporter, the static blueprint id as written (quotes included).
    pub blueprint: String,
    pub icon: Option<String>,
    pub team: Option<String>,
    /// `(id, JQ)` in file order.
    pub properties: Vec<(String, String)>,
    /// `(id, JQ)` in file order.
    pub relations: Vec<(String, String)>,
}

impl Mapping {
    /// A mapping with only the two required fields.
    pub fn new(
        format: Format,
        identifier: impl Into<String>,
        blueprint: impl Into<String>,
    ) -> Self {
        Mapping {
            format,
            selector_query: None,
            identifier: identifier.into(),
            title: None,
            blueprint: blueprint.into(),
            icon: None,
            team: None,
            properties: Vec::new(),
            relations: Vec::new(),
        }
    }

    /// The fields a consumer evaluates, in entity order. Every `expr` is JQ: the exporter's
    /// static blueprint is given as a JQ string literal so callers need no special case.
    /// Optional fields that are absent are skipped, and so are empty ones for the exporter,
    /// which treats an empty `title`/`icon`/`team` as absent.
    pub fn fields(&self) -> Vec<Field> {
        let field = |name, expr: &str| Field {
            name,
            expr: expr.to_owned(),
        };
        let mut out = vec![field(FieldName::Identifier, &self.identifier)];
        out.extend(
            self.present(&self.title)
                .map(|e| field(FieldName::Title, e)),
        );
        out.push(field(FieldName::Blueprint, &self.blueprint_expr()));
        out.extend(self.present(&self.icon).map(|e| field(FieldName::Icon, e)));
        out.extend(self.present(&self.team).map(|e| field(FieldName::Team, e)));
        for (id, expr) in &self.properties {
            out.push(field(FieldName::Property(id.clone()), expr));
        }
        for (id, expr) in &self.relations {
            out.push(field(FieldName::Relation(id.clone()), expr));
        }
        out
    }

    fn present<'a>(&self, value: &'a Option<String>) -> Option<&'a str> {
        let value = value.as_deref()?;
        match self.format {
            Format::ExporterJson if value.is_empty() => None,
            _ => Some(value),
        }
    }

    fn blueprint_expr(&self) -> String {
        match (self.format, self.static_blueprint()) {
            (Format::ExporterJson, Some(id)) => jq_string_literal(&id),
            _ => self.blueprint.clone(),
        }
    }

    /// The field's text as stored in the file, `None` when an optional field is absent.
    pub fn field(&self, name: &FieldName) -> Option<&str> {
        match name {
            FieldName::Identifier => Some(&self.identifier),
            FieldName::Title => self.title.as_deref(),
            FieldName::Blueprint => Some(&self.blueprint),
            FieldName::Icon => self.icon.as_deref(),
            FieldName::Team => self.team.as_deref(),
            FieldName::Property(id) => lookup(&self.properties, id),
            FieldName::Relation(id) => lookup(&self.relations, id),
        }
    }

    /// Sets the field's text as stored in the file; properties and relations are added when
    /// new (see [`Mapping::set_property`]).
    pub fn set_field(
        &mut self,
        name: &FieldName,
        expr: impl Into<String>,
    ) -> Result<(), MappingEditError> {
        let expr = expr.into();
        match name {
            FieldName::Identifier => self.identifier = expr,
            FieldName::Title => self.title = Some(expr),
            FieldName::Blueprint => self.blueprint = expr,
            FieldName::Icon => self.icon = Some(expr),
            FieldName::Team => self.team = Some(expr),
            FieldName::Property(id) => self.set_property(id, expr)?,
            FieldName::Relation(id) => self.set_relation(id, expr)?,
        }
        Ok(())
    }

    /// The blueprint id an entity gets whatever the input. Exporter: the text with every
    /// leading and trailing `"` removed, as the exporter's Python `.strip('"')` does. Ocean:
    /// `Some` only for a plain JQ string literal such as `"ecr_repository"`; anything that
    /// could depend on the input (`.x`, `"a" + "b"`, `"\(.x)"`) is `None`.
    pub fn static_blueprint(&self) -> Option<String> {
        match self.format {
            Format::ExporterJson => Some(self.blueprint.trim_matches('"').to_owned()),
            // JSON string syntax is JQ's literal syntax minus `\(...)` interpolation, so a
            // JSON parse accepts exactly the literals whose value cannot vary.
            Format::OceanYaml => serde_json::from_str::<String>(self.blueprint.trim()).ok(),
        }
    }

    /// Makes the blueprint the static id `id`, written as the format expects.
    pub fn set_static_blueprint(&mut self, id: &str) {
        self.blueprint = match self.format {
            Format::ExporterJson => id.to_owned(),
            Format::OceanYaml => jq_string_literal(id),
        };
    }

    /// Ids of properties and relations already in the mapping that Port would refuse; loading
    /// keeps them so that a file is never rewritten behind the user's back.
    pub fn invalid_ids(&self) -> Vec<FieldName> {
        let bad = |(id, _): &&(String, String)| check_id(id).is_err();
        let props = self.properties.iter().filter(bad);
        let rels = self.relations.iter().filter(bad);
        props
            .map(|(id, _)| FieldName::Property(id.clone()))
            .chain(rels.map(|(id, _)| FieldName::Relation(id.clone())))
            .collect()
    }

    /// Updates the property in place, or appends it when new; a new id must pass Port's rule.
    pub fn set_property(
        &mut self,
        id: &str,
        expr: impl Into<String>,
    ) -> Result<(), MappingEditError> {
        set_entry(&mut self.properties, Section::Property, id, expr.into())
    }

    /// Renames keeping the property's position; the new id must pass Port's rule and be free.
    pub fn rename_property(&mut self, old: &str, new: &str) -> Result<(), MappingEditError> {
        rename_entry(&mut self.properties, Section::Property, old, new)
    }

    /// Removes the property and returns its expression.
    pub fn remove_property(&mut self, id: &str) -> Result<String, MappingEditError> {
        take_entry(&mut self.properties, Section::Property, id)
    }

    /// Updates the relation in place, or appends it when new; a new id must pass Port's rule.
    pub fn set_relation(
        &mut self,
        id: &str,
        expr: impl Into<String>,
    ) -> Result<(), MappingEditError> {
        set_entry(&mut self.relations, Section::Relation, id, expr.into())
    }

    /// Renames keeping the relation's position; the new id must pass Port's rule and be free.
    pub fn rename_relation(&mut self, old: &str, new: &str) -> Result<(), MappingEditError> {
        rename_entry(&mut self.relations, Section::Relation, old, new)
    }

    /// Removes the relation and returns its expression.
    pub fn remove_relation(&mut self, id: &str) -> Result<String, MappingEditError> {
        take_entry(&mut self.relations, Section::Relation, id)
    }
}

fn jq_string_literal(s: &str) -> String {
    // A JSON string is a valid JQ literal with the same value.
    Json::String(s.to_owned()).to_string()
}

pub(super) fn lookup<'a>(entries: &'a [(String, String)], id: &str) -> Option<&'a str> {
    entries
        .iter()
        .find(|(k, _)| k == id)
        .map(|(_, v)| v.as_str())
}

fn valid_new_id(section: Section, id: &str) -> Result<(), MappingEditError> {
    check_id(id).map_err(|reason| MappingEditError::InvalidId {
        section,
        id: id.to_owned(),
        reason,
    })
}

fn set_entry(
    entries: &mut Vec<(String, String)>,
    section: Section,
    id: &str,
    expr: String,
) -> Result<(), MappingEditError> {
    // An id already in the file is editable even if Port would refuse it: refusing would
    // leave the user unable to fix its expression before renaming it.
    if let Some(slot) = entries.iter_mut().find(|(k, _)| k == id) {
        slot.1 = expr;
        return Ok(());
    }
    valid_new_id(section, id)?;
    entries.push((id.to_owned(), expr));
    Ok(())
}

fn rename_entry(
    entries: &mut [(String, String)],
    section: Section,
    old: &str,
    new: &str,
) -> Result<(), MappingEditError> {
    let index =
        entries
            .iter()
            .position(|(k, _)| k == old)
            .ok_or_else(|| MappingEditError::NotFound {
                section,
                id: old.to_owned(),
            })?;
    if old == new {
        return Ok(());
    }
    valid_new_id(section, new)?;
    if entries.iter().any(|(k, _)| k == new) {
        return Err(MappingEditError::Duplicate {
            section,
            id: new.to_owned(),
        });
    }
    entries[index].0 = new.to_owned();
    Ok(())
}

fn take_entry(
    entries: &mut Vec<(String, String)>,
    section: Section,
    id: &str,
) -> Result<String, MappingEditError> {
    let index =
        entries
            .iter()
            .position(|(k, _)| k == id)
            .ok_or_else(|| MappingEditError::NotFound {
                section,
                id: id.to_owned(),
            })?;
    Ok(entries.remove(index).1)
}

#[cfg(test)]
mod tests {
    use super::super::MappingFile;
    use super::super::fixtures::{EXPORTER, ecr_mapping_json, json};
    use super::*;

    #[test]
    fn fields_are_in_entity_order_with_port_names() {
        let file = MappingFile::parse(EXPORTER, Format::ExporterJson).expect("parses");
        let fields = file.mapping().fields();
        let names: Vec<String> = fields.iter().map(|f| f.name.to_string()).collect();
        assert_eq!(
            names,
            [
                "identifier",
                "title",
                "blueprint",
                "icon",
                "team",
                "properties.repositoryUri",
                "properties.arn",
                "properties.tags",
                "relations.service",
                "relations.region"
            ]
        );
        // The exporter's static blueprint is handed out as a JQ literal.
        assert_eq!(fields[2].expr, "\"ecr_repository\"");
        for name in &names {
            assert_eq!(
                &name.parse::<FieldName>().expect("parses").to_string(),
                name
            );
        }
    }

    #[test]
    fn fields_skip_absent_and_exporter_empty_optionals() {
        let mut m = Mapping::new(Format::ExporterJson, ".a", "bp");
        m.title = Some(String::new());
        let names: Vec<String> = m.fields().iter().map(|f| f.name.to_string()).collect();
        assert_eq!(names, ["identifier", "blueprint"]);
        m.format = Format::OceanYaml;
        assert_eq!(m.fields().len(), 3);
    }

    #[test]
    fn rename_keeps_position() {
        let mut file = MappingFile::parse(EXPORTER, Format::ExporterJson).expect("parses");
        let m = file.mapping_mut();
        m.rename_property("arn", "repositoryArn").expect("renames");
        m.rename_relation("service", "svc").expect("renames");
        let after = json(&file.to_text().expect("renders"));
        let props = ecr_mapping_json(&mut after.clone())["properties"].clone();
        let keys: Vec<&String> = props.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["repositoryUri", "repositoryArn", "tags"]);
        assert_eq!(props["repositoryArn"], ".Arn");
        let rels = file.mapping().relations.clone();
        assert_eq!(rels[0], ("svc".to_owned(), ".Tags[0].Key".to_owned()));
    }

    #[test]
    fn invalid_ids_are_refused() {
        let mut m = Mapping::new(Format::OceanYaml, ".id", "\"bp\"");
        for bad in [
            "",
            "has space",
            "dot.ted",
            "slash/",
            "ünï",
            &"a".repeat(101),
        ] {
            let err = m.set_property(bad, ".x").expect_err(bad);
            assert!(
                matches!(err, MappingEditError::InvalidId { .. }),
                "{bad}: {err}"
            );
        }
        m.set_relation("ok-id_@=9", ".x").expect("valid");
        m.set_property(&"a".repeat(100), ".x")
            .expect("100 is allowed");
        let err = m.rename_relation("ok-id_@=9", "no way").expect_err("space");
        assert_eq!(
            err.to_string(),
            "invalid relation id `no way`: spaces are not allowed"
        );
        assert_eq!(m.relations[0].0, "ok-id_@=9");
    }

    #[test]
    fn duplicates_are_refused_and_set_updates_in_place() {
        let mut m = Mapping::new(Format::ExporterJson, ".id", "bp");
        m.set_property("a", ".a").expect("adds");
        m.set_property("b", ".b").expect("adds");
        let err = m.rename_property("a", "b").expect_err("duplicate");
        assert_eq!(
            err,
            MappingEditError::Duplicate {
                section: Section::Property,
                id: "b".to_owned()
            }
        );
        m.set_property("a", ".a2").expect("updates");
        assert_eq!(
            m.properties,
            [("a".into(), ".a2".into()), ("b".into(), ".b".into())]
        );
        assert!(matches!(
            m.rename_property("zz", "y"),
            Err(MappingEditError::NotFound { .. })
        ));
    }

    #[test]
    fn ocean_blueprint_literal_detection() {
        let mut m = Mapping::new(Format::OceanYaml, ".id", "\"ecrRepository\"");
        assert_eq!(m.static_blueprint().as_deref(), Some("ecrRepository"));
        for (jq, expected) in [
            (" \"ecr_repository\" ", Some("ecr_repository")),
            ("\"a\\u0062\"", Some("ab")),
            ("ecrRepository", None),
            (".Properties.Kind", None),
            ("\"a\" + \"b\"", None),
            ("\"ecr-\\(.Region)\"", None),
            ("\"a\" | ascii_upcase", None),
        ] {
            m.blueprint = jq.to_owned();
            assert_eq!(m.static_blueprint().as_deref(), expected, "{jq}");
        }
        m.set_static_blueprint("ecr_repository");
        assert_eq!(m.blueprint, "\"ecr_repository\"");

        let mut e = Mapping::new(Format::ExporterJson, ".id", "\"ecr_repository\"");
        assert_eq!(e.static_blueprint().as_deref(), Some("ecr_repository"));
        e.blueprint = "ecr_repository".to_owned();
        assert_eq!(e.static_blueprint().as_deref(), Some("ecr_repository"));
    }
}
