//! Port mapping files: the AWS exporter's `config.json` and Ocean's port-app-config YAML.
//!
//! ecr-port edits one entity mapping of one `AWS::ECR::Repository` resource. The rest of the
//! document (other resources, keys ecr-port does not know) stays as parsed, and the edited
//! mapping is written back into it, so a save changes only what the user changed. Comments,
//! YAML anchors and original formatting are not kept: neither value model has them.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;
use thiserror::Error;

/// The resource kind whose mapping ecr-port edits.
pub const ECR_KIND: &str = "AWS::ECR::Repository";

/// Port's length limit for property and relation identifiers.
pub const MAX_ID_CHARS: usize = 100;

/// Entity-mapping keys in order: a key that was absent is added at its place, not at the end,
/// so the file still reads naturally.
const MAPPING_KEYS: [&str; 7] = crate::model::entity::ENTITY_KEYS;
const RESOURCE_KEYS: [&str; 3] = ["kind", "selector", "port"];

/// The exporter `config.json` that ecr-port ships: Port's ECR guide with its service relation
/// fixed (the guide's `keys[]` runs over the Tags *array* and `.[6:]` cuts one letter too many).
pub fn default_exporter_config() -> &'static str {
    include_str!("../../assets/default-mapping.json")
}

// ---------------------------------------------------------------------------------------------
// Formats

/// Which consumer the file is for. Syntax and semantics travel together: the exporter reads
/// only JSON with an array of mappings, Ocean's config is YAML with a single mapping object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The deprecated AWS exporter's `config.json`: `mappings` is an array.
    ExporterJson,
    /// Ocean's port-app-config: `mappings` is one object.
    OceanYaml,
}

impl Format {
    /// `.json` → exporter, `.yaml`/`.yml` → Ocean (case-insensitive); anything else: unknown.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::ExporterJson),
            "yaml" | "yml" => Some(Format::OceanYaml),
            _ => None,
        }
    }

    /// Decides from the text alone: JSON with a `mappings` array is the exporter's, YAML with a
    /// `mappings` object is Ocean's; the two other combinations are refused as ambiguous.
    pub fn detect(text: &str) -> Result<Format, MappingFileError> {
        let text = strip_bom(text);
        // Every config is an object at the top, so a `{` means JSON; trying YAML after a JSON
        // error would accept broken JSON (YAML flow mappings allow trailing commas).
        if text.trim_start().starts_with('{') {
            let doc = parse_json(text)?;
            mappings_format(&doc, true)
        } else {
            let doc = parse_yaml(text)?;
            mappings_format(&doc, false)
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::ExporterJson => "AWS exporter config.json",
            Format::OceanYaml => "Ocean port-app-config YAML",
        })
    }
}

/// The format implied by the first ECR resource's `mappings` and the text's syntax.
fn mappings_format<N: Node>(root: &N, is_json: bool) -> Result<Format, MappingFileError> {
    let resources = resources(root)?;
    let index = first_ecr(resources)?;
    let mappings = mappings_of(&resources[index], index)?;
    let at = mappings_path(index);
    match (is_json, mappings.is_map(), mappings.elements().is_some()) {
        (true, false, true) => Ok(Format::ExporterJson),
        (false, true, false) => Ok(Format::OceanYaml),
        (true, true, _) => Err(MappingFileError::Ambiguous(format!(
            "the text is JSON but `{at}` is a single object, as in Ocean's port-app-config; \
             ecr-port edits Ocean configs as YAML: give the file a .yaml extension"
        ))),
        (false, _, true) => Err(MappingFileError::Ambiguous(format!(
            "the text is YAML but `{at}` is an array, as in the AWS exporter's config.json, \
             which the exporter reads only as JSON"
        ))),
        _ => Err(MappingFileError::WrongType {
            at,
            expected: "an array (exporter) or an object (Ocean)",
            found: mappings.describe(),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Fields and the mapping

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

fn lookup<'a>(entries: &'a [(String, String)], id: &str) -> Option<&'a str> {
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

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a mapping file could not be loaded, parsed, rendered or saved.
#[derive(Debug, Error)]
pub enum MappingFileError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A parse error of a loaded file, with the file's path; see [`MappingFileError::cause`].
    #[error("{}: {source}", path.display())]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<MappingFileError>,
    },
    #[error("invalid {syntax}{}: {message}", location_text(*line, *column))]
    Syntax {
        syntax: &'static str,
        /// 1-based.
        line: Option<usize>,
        /// 1-based.
        column: Option<usize>,
        message: String,
    },
    #[error("`{at}` should be {expected}, found {found}")]
    WrongType {
        at: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("`{at}` is missing")]
    Missing { at: String },
    #[error(
        "no resource of kind AWS::ECR::Repository; kinds found: {}",
        kinds_text(kinds)
    )]
    NoEcrResource { kinds: Vec<String> },
    #[error("resource {index} is not an AWS::ECR::Repository resource")]
    NotEcrResource { index: usize },
    #[error("`{at}` is an empty array: there is no mapping to edit")]
    NoMappings { at: String },
    #[error("mapping {index} does not exist: the resource has {count}")]
    NoSuchMapping { index: usize, count: usize },
    #[error("`{at}` has a key that is not a string ({key}); quote it")]
    NonStringKey { at: String, key: String },
    #[error(
        "mapping field `{field}` must be a string holding a JQ expression, found {found} \
         (at `{at}`){}",
        quote_hint(found)
    )]
    NotAString {
        /// As [`FieldName`] displays it, or `selector.query`.
        field: String,
        at: String,
        found: &'static str,
    },
    #[error("{0}")]
    FormatMismatch(String),
    #[error("cannot tell the format: {0}")]
    Ambiguous(String),
    #[error("cannot render the document: {0}")]
    Render(String),
}

impl MappingFileError {
    /// The error without the [`MappingFileError::InFile`] wrapper that `load` adds.
    pub fn cause(&self) -> &MappingFileError {
        match self {
            MappingFileError::InFile { source, .. } => source.cause(),
            other => other,
        }
    }

    fn in_file(self, path: &Path) -> MappingFileError {
        match self {
            MappingFileError::Read { .. } | MappingFileError::Write { .. } => self,
            other => MappingFileError::InFile {
                path: path.to_owned(),
                source: Box::new(other),
            },
        }
    }
}

fn location_text(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

fn kinds_text(kinds: &[String]) -> String {
    if kinds.is_empty() {
        "none".to_owned()
    } else {
        kinds.join(", ")
    }
}

fn quote_hint(found: &str) -> &'static str {
    // YAML reads unquoted `true` or `1` as a boolean or number, never as JQ text.
    match found {
        "a boolean" | "a number" => "; quote it, e.g. 'true'",
        _ => "",
    }
}

// ---------------------------------------------------------------------------------------------
// One view over both value models

/// The operations this module needs from a JSON or YAML value, so that navigation, reading
/// and write-back exist once. Map operations on a non-map are no-ops or `None`.
trait Node: Clone {
    fn describe(&self) -> &'static str;
    fn as_text(&self) -> Option<&str>;
    fn from_text(s: &str) -> Self;
    fn new_map() -> Self;
    fn is_map(&self) -> bool;
    fn is_nothing(&self) -> bool;
    fn field(&self, key: &str) -> Option<&Self>;
    fn field_mut(&mut self, key: &str) -> Option<&mut Self>;
    fn elements(&self) -> Option<&[Self]>;
    fn element_mut(&mut self, index: usize) -> Option<&mut Self>;
    /// Map entries in order; a key that is not a string is given rendered, as `Err`.
    fn entries(&self) -> Option<Vec<(Result<&str, String>, &Self)>>;
    fn position(&self, key: &str) -> Option<usize>;
    fn insert_at(&mut self, index: usize, key: &str, value: Self);
    /// Removes keeping the order of the other keys (plain `remove` swaps in the last key).
    fn remove_field(&mut self, key: &str);
}

impl Node for Json {
    fn describe(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }

    fn from_text(s: &str) -> Self {
        Json::String(s.to_owned())
    }

    fn new_map() -> Self {
        Json::Object(serde_json::Map::new())
    }

    fn is_map(&self) -> bool {
        self.is_object()
    }

    fn is_nothing(&self) -> bool {
        self.is_null()
    }

    fn field(&self, key: &str) -> Option<&Self> {
        self.as_object()?.get(key)
    }

    fn field_mut(&mut self, key: &str) -> Option<&mut Self> {
        self.as_object_mut()?.get_mut(key)
    }

    fn elements(&self) -> Option<&[Self]> {
        self.as_array().map(Vec::as_slice)
    }

    fn element_mut(&mut self, index: usize) -> Option<&mut Self> {
        self.as_array_mut()?.get_mut(index)
    }

    fn entries(&self) -> Option<Vec<(Result<&str, String>, &Self)>> {
        let map = self.as_object()?;
        Some(map.iter().map(|(k, v)| (Ok(k.as_str()), v)).collect())
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.as_object()?.keys().position(|k| k == key)
    }

    fn insert_at(&mut self, index: usize, key: &str, value: Self) {
        if let Some(map) = self.as_object_mut() {
            let index = index.min(map.len());
            map.shift_insert(index, key.to_owned(), value);
        }
    }

    fn remove_field(&mut self, key: &str) {
        if let Some(map) = self.as_object_mut() {
            map.shift_remove(key);
        }
    }
}

impl Node for Yaml {
    fn describe(&self) -> &'static str {
        match self {
            Yaml::Null => "null",
            Yaml::Bool(_) => "a boolean",
            Yaml::Number(_) => "a number",
            Yaml::String(_) => "a string",
            Yaml::Sequence(_) => "an array",
            Yaml::Mapping(_) => "an object",
            Yaml::Tagged(_) => "a tagged value",
        }
    }

    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }

    fn from_text(s: &str) -> Self {
        Yaml::String(s.to_owned())
    }

    fn new_map() -> Self {
        Yaml::Mapping(serde_yaml_ng::Mapping::new())
    }

    fn is_map(&self) -> bool {
        self.is_mapping()
    }

    fn is_nothing(&self) -> bool {
        self.is_null()
    }

    fn field(&self, key: &str) -> Option<&Self> {
        self.as_mapping()?.get(key)
    }

    fn field_mut(&mut self, key: &str) -> Option<&mut Self> {
        self.as_mapping_mut()?.get_mut(key)
    }

    fn elements(&self) -> Option<&[Self]> {
        self.as_sequence().map(Vec::as_slice)
    }

    fn element_mut(&mut self, index: usize) -> Option<&mut Self> {
        self.as_sequence_mut()?.get_mut(index)
    }

    fn entries(&self) -> Option<Vec<(Result<&str, String>, &Self)>> {
        let map = self.as_mapping()?;
        Some(
            map.iter()
                .map(|(k, v)| (k.as_str().ok_or_else(|| render_yaml_key(k)), v))
                .collect(),
        )
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.as_mapping()?
            .keys()
            .position(|k| k.as_str() == Some(key))
    }

    fn insert_at(&mut self, index: usize, key: &str, value: Self) {
        // serde_yaml_ng's Mapping has no positional insert: rebuild it around the new key.
        let Some(map) = self.as_mapping_mut() else {
            return;
        };
        let old = std::mem::take(map);
        let mut new_entry = Some((Yaml::String(key.to_owned()), value));
        for (i, (k, v)) in old.into_iter().enumerate() {
            if i == index
                && let Some((nk, nv)) = new_entry.take()
            {
                map.insert(nk, nv);
            }
            map.insert(k, v);
        }
        if let Some((nk, nv)) = new_entry {
            map.insert(nk, nv);
        }
    }

    fn remove_field(&mut self, key: &str) {
        if let Some(map) = self.as_mapping_mut() {
            map.shift_remove(key);
        }
    }
}

fn render_yaml_key(key: &Yaml) -> String {
    serde_yaml_ng::to_string(key)
        .map(|s| s.trim_end().to_owned())
        .unwrap_or_else(|_| key.describe().to_owned())
}

// ---------------------------------------------------------------------------------------------
// Navigation and reading

/// Which mapping is edited: `resources[resource]`, and for the exporter `mappings[mapping]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Loc {
    resource: usize,
    mapping: usize,
}

fn resource_path(index: usize) -> String {
    format!("resources[{index}]")
}

fn mappings_path(index: usize) -> String {
    format!("resources[{index}].port.entity.mappings")
}

fn mapping_path(loc: Loc, format: Format) -> String {
    match format {
        Format::ExporterJson => format!("{}[{}]", mappings_path(loc.resource), loc.mapping),
        Format::OceanYaml => mappings_path(loc.resource),
    }
}

fn resources<N: Node>(root: &N) -> Result<&[N], MappingFileError> {
    if !root.is_map() {
        return Err(MappingFileError::WrongType {
            at: "(document)".to_owned(),
            expected: "an object with `resources`",
            found: root.describe(),
        });
    }
    let list = root.field("resources").ok_or(MappingFileError::Missing {
        at: "resources".to_owned(),
    })?;
    list.elements().ok_or_else(|| MappingFileError::WrongType {
        at: "resources".to_owned(),
        expected: "an array",
        found: list.describe(),
    })
}

fn kind_of<N: Node>(resource: &N) -> Option<&str> {
    resource.field("kind")?.as_text()
}

fn ecr_indices<N: Node>(resources: &[N]) -> Vec<usize> {
    (0..resources.len())
        .filter(|&i| kind_of(&resources[i]) == Some(ECR_KIND))
        .collect()
}

fn first_ecr<N: Node>(resources: &[N]) -> Result<usize, MappingFileError> {
    ecr_indices(resources)
        .first()
        .copied()
        .ok_or_else(|| MappingFileError::NoEcrResource {
            kinds: kinds_found(resources),
        })
}

/// Distinct kinds in file order, for an error that shows what the file does configure.
fn kinds_found<N: Node>(resources: &[N]) -> Vec<String> {
    let mut kinds: Vec<String> = Vec::new();
    for kind in resources.iter().filter_map(kind_of) {
        if !kinds.iter().any(|k| k == kind) {
            kinds.push(kind.to_owned());
        }
    }
    kinds
}

fn child_map<'a, N: Node>(parent: &'a N, key: &str, at: &str) -> Result<&'a N, MappingFileError> {
    let at = format!("{at}.{key}");
    match parent.field(key) {
        None => Err(MappingFileError::Missing { at }),
        Some(child) if child.is_map() => Ok(child),
        Some(child) => Err(MappingFileError::WrongType {
            at,
            expected: "an object",
            found: child.describe(),
        }),
    }
}

fn mappings_of<N: Node>(resource: &N, index: usize) -> Result<&N, MappingFileError> {
    let at = resource_path(index);
    let port = child_map(resource, "port", &at)?;
    let entity = child_map(port, "entity", &format!("{at}.port"))?;
    entity.field("mappings").ok_or(MappingFileError::Missing {
        at: mappings_path(index),
    })
}

fn ecr_resource<N: Node>(root: &N, index: usize) -> Result<&N, MappingFileError> {
    resources(root)?
        .get(index)
        .filter(|r| kind_of(*r) == Some(ECR_KIND))
        .ok_or(MappingFileError::NotEcrResource { index })
}

/// The mapping object at `loc`, checking that `mappings` has the format's shape.
fn mapping_at<N: Node>(resource: &N, loc: Loc, format: Format) -> Result<&N, MappingFileError> {
    let mappings = mappings_of(resource, loc.resource)?;
    let node = match format {
        Format::ExporterJson => {
            let list = mappings
                .elements()
                .ok_or_else(|| shape_error(format, mappings, loc.resource))?;
            if list.is_empty() {
                return Err(MappingFileError::NoMappings {
                    at: mappings_path(loc.resource),
                });
            }
            list.get(loc.mapping)
                .ok_or(MappingFileError::NoSuchMapping {
                    index: loc.mapping,
                    count: list.len(),
                })?
        }
        Format::OceanYaml if mappings.is_map() => mappings,
        Format::OceanYaml => return Err(shape_error(format, mappings, loc.resource)),
    };
    if node.is_map() {
        Ok(node)
    } else {
        Err(MappingFileError::WrongType {
            at: mapping_path(loc, format),
            expected: "an object",
            found: node.describe(),
        })
    }
}

fn shape_error<N: Node>(format: Format, mappings: &N, resource: usize) -> MappingFileError {
    let at = mappings_path(resource);
    match format {
        Format::ExporterJson if mappings.is_map() => MappingFileError::FormatMismatch(format!(
            "`{at}` is a single object, as in Ocean's port-app-config; the AWS exporter's \
             config.json needs an array of mappings"
        )),
        Format::OceanYaml if mappings.elements().is_some() => {
            MappingFileError::FormatMismatch(format!(
                "`{at}` is an array, as in the AWS exporter's config.json; Ocean's \
                 port-app-config needs a single mapping object"
            ))
        }
        Format::ExporterJson => MappingFileError::WrongType {
            at,
            expected: "an array",
            found: mappings.describe(),
        },
        Format::OceanYaml => MappingFileError::WrongType {
            at,
            expected: "an object",
            found: mappings.describe(),
        },
    }
}

/// The string at `obj.key`; absent and `null` are both `None`. `field` names it in errors.
fn text_of<N: Node>(
    obj: &N,
    key: &str,
    field: &str,
    at: &str,
) -> Result<Option<String>, MappingFileError> {
    match obj.field(key) {
        None => Ok(None),
        Some(v) if v.is_nothing() => Ok(None),
        Some(v) => match v.as_text() {
            Some(s) => Ok(Some(s.to_owned())),
            None => Err(MappingFileError::NotAString {
                field: field.to_owned(),
                at: format!("{at}.{key}"),
                found: v.describe(),
            }),
        },
    }
}

fn required_text<N: Node>(obj: &N, key: &str, at: &str) -> Result<String, MappingFileError> {
    text_of(obj, key, key, at)?.ok_or_else(|| MappingFileError::Missing {
        at: format!("{at}.{key}"),
    })
}

fn table_of<N: Node>(
    obj: &N,
    key: &str,
    at: &str,
) -> Result<Vec<(String, String)>, MappingFileError> {
    let at = format!("{at}.{key}");
    let Some(table) = obj.field(key).filter(|t| !t.is_nothing()) else {
        return Ok(Vec::new());
    };
    let entries = table.entries().ok_or_else(|| MappingFileError::WrongType {
        at: at.clone(),
        expected: "an object",
        found: table.describe(),
    })?;
    entries
        .into_iter()
        .map(|(id, value)| {
            let id = id.map_err(|key| MappingFileError::NonStringKey {
                at: at.clone(),
                key,
            })?;
            let expr = value
                .as_text()
                .ok_or_else(|| MappingFileError::NotAString {
                    field: format!("{key}.{id}"),
                    at: format!("{at}.{id}"),
                    found: value.describe(),
                })?;
            Ok((id.to_owned(), expr.to_owned()))
        })
        .collect()
}

fn selector_query_of<N: Node>(
    resource: &N,
    index: usize,
) -> Result<Option<String>, MappingFileError> {
    let at = format!("{}.selector", resource_path(index));
    match resource.field("selector") {
        None => Ok(None),
        Some(s) if s.is_nothing() => Ok(None),
        Some(s) if s.is_map() => text_of(s, "query", "selector.query", &at),
        Some(s) => Err(MappingFileError::WrongType {
            at,
            expected: "an object",
            found: s.describe(),
        }),
    }
}

fn read_mapping<N: Node>(root: &N, loc: Loc, format: Format) -> Result<Mapping, MappingFileError> {
    let resource = ecr_resource(root, loc.resource)?;
    let node = mapping_at(resource, loc, format)?;
    let at = mapping_path(loc, format);
    Ok(Mapping {
        format,
        selector_query: selector_query_of(resource, loc.resource)?,
        identifier: required_text(node, "identifier", &at)?,
        title: text_of(node, "title", "title", &at)?,
        blueprint: required_text(node, "blueprint", &at)?,
        icon: text_of(node, "icon", "icon", &at)?,
        team: text_of(node, "team", "team", &at)?,
        properties: table_of(node, "properties", &at)?,
        relations: table_of(node, "relations", &at)?,
    })
}

// ---------------------------------------------------------------------------------------------
// Write-back

/// Sets `key` in place when present; otherwise inserts it after the last key that precedes it
/// in `order` (first when none does, last when `key` is not in `order`).
fn put<N: Node>(map: &mut N, key: &str, value: N, order: &[&str]) {
    if let Some(slot) = map.field_mut(key) {
        *slot = value;
        return;
    }
    let rank = order.iter().position(|k| *k == key).unwrap_or(order.len());
    let index = order[..rank]
        .iter()
        .filter_map(|k| map.position(k))
        .max()
        .map_or(0, |i| i + 1);
    map.insert_at(index, key, value);
}

/// `None` removes the key, except an explicit `null`, which already means "absent" and is
/// left as written so that an unchanged save is byte-for-byte unchanged in meaning.
fn put_optional<N: Node>(map: &mut N, key: &str, value: Option<&str>) {
    match value {
        Some(v) => put(map, key, N::from_text(v), &MAPPING_KEYS),
        None if map.field(key).is_some_and(|v| !v.is_nothing()) => map.remove_field(key),
        None => {}
    }
}

fn put_table<N: Node>(map: &mut N, key: &str, entries: &[(String, String)]) {
    let existing = map.field(key);
    if entries.is_empty() && existing.is_none_or(N::is_nothing) {
        return;
    }
    let mut table = N::new_map();
    for (i, (id, expr)) in entries.iter().enumerate() {
        table.insert_at(i, id, N::from_text(expr));
    }
    put(map, key, table, &MAPPING_KEYS);
}

fn put_selector_query<N: Node>(resource: &mut N, query: Option<&str>) {
    match query {
        Some(q) => {
            if !resource.field("selector").is_some_and(N::is_map) {
                put(resource, "selector", N::new_map(), &RESOURCE_KEYS);
            }
            if let Some(selector) = resource.field_mut("selector") {
                put(selector, "query", N::from_text(q), &["query"]);
            }
        }
        None => {
            if let Some(selector) = resource.field_mut("selector") {
                put_optional(selector, "query", None);
            }
        }
    }
}

fn write_mapping<N: Node>(map: &mut N, m: &Mapping) {
    put(
        map,
        "identifier",
        N::from_text(&m.identifier),
        &MAPPING_KEYS,
    );
    put_optional(map, "title", m.title.as_deref());
    put(map, "blueprint", N::from_text(&m.blueprint), &MAPPING_KEYS);
    put_optional(map, "icon", m.icon.as_deref());
    put_optional(map, "team", m.team.as_deref());
    put_table(map, "properties", &m.properties);
    put_table(map, "relations", &m.relations);
}

fn write_back<N: Node>(root: &mut N, loc: Loc, m: &Mapping) -> Result<(), MappingFileError> {
    // `loc` was validated when the mapping was read and the document is private, so a miss
    // here means a bug; report it rather than panic.
    let lost = || MappingFileError::Missing {
        at: mapping_path(loc, m.format),
    };
    let resource = root
        .field_mut("resources")
        .and_then(|r| r.element_mut(loc.resource))
        .ok_or_else(lost)?;
    put_selector_query(resource, m.selector_query.as_deref());
    let mappings = resource
        .field_mut("port")
        .and_then(|p| p.field_mut("entity"))
        .and_then(|e| e.field_mut("mappings"))
        .ok_or_else(lost)?;
    let target = match m.format {
        Format::ExporterJson => mappings.element_mut(loc.mapping),
        Format::OceanYaml => Some(mappings),
    }
    .ok_or_else(lost)?;
    write_mapping(target, m);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Documents

#[derive(Debug, Clone, PartialEq)]
enum Document {
    Json(Json),
    Yaml(Yaml),
}

impl Document {
    fn parse(text: &str, format: Format) -> Result<Document, MappingFileError> {
        let text = strip_bom(text);
        match format {
            Format::ExporterJson => parse_json(text).map(Document::Json),
            Format::OceanYaml => parse_yaml(text).map(Document::Yaml),
        }
    }

    fn read(&self, loc: Loc, format: Format) -> Result<Mapping, MappingFileError> {
        match self {
            Document::Json(v) => read_mapping(v, loc, format),
            Document::Yaml(v) => read_mapping(v, loc, format),
        }
    }

    fn write(&mut self, loc: Loc, m: &Mapping) -> Result<(), MappingFileError> {
        match self {
            Document::Json(v) => write_back(v, loc, m),
            Document::Yaml(v) => write_back(v, loc, m),
        }
    }

    fn first_ecr(&self) -> Result<usize, MappingFileError> {
        match self {
            Document::Json(v) => first_ecr(resources(v)?),
            Document::Yaml(v) => first_ecr(resources(v)?),
        }
    }

    fn ecr_indices(&self) -> Vec<usize> {
        match self {
            Document::Json(v) => resources(v).map(ecr_indices),
            Document::Yaml(v) => resources(v).map(ecr_indices),
        }
        .unwrap_or_default()
    }

    fn mapping_count(&self, resource: usize, format: Format) -> usize {
        fn count<N: Node>(root: &N, resource: usize, format: Format) -> Option<usize> {
            let mappings = mappings_of(ecr_resource(root, resource).ok()?, resource).ok()?;
            match format {
                Format::ExporterJson => mappings.elements().map(<[N]>::len),
                Format::OceanYaml => Some(usize::from(mappings.is_map())),
            }
        }
        match self {
            Document::Json(v) => count(v, resource, format),
            Document::Yaml(v) => count(v, resource, format),
        }
        .unwrap_or(0)
    }

    fn to_text(&self) -> Result<String, MappingFileError> {
        let render = |e: &dyn fmt::Display| MappingFileError::Render(e.to_string());
        match self {
            // serde_json's pretty printer indents with two spaces; files end with a newline.
            Document::Json(v) => serde_json::to_string_pretty(v)
                .map(|s| s + "\n")
                .map_err(|e| render(&e)),
            Document::Yaml(v) => serde_yaml_ng::to_string(v).map_err(|e| render(&e)),
        }
    }
}

/// Editors on Windows may start files with a BOM, which serde_json rejects at 1:1.
fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn parse_json(text: &str) -> Result<Json, MappingFileError> {
    serde_json::from_str(text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let full = e.to_string();
        // The library appends the position; it is shown once, by our own message.
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        MappingFileError::Syntax {
            syntax: "JSON",
            line: Some(line),
            column: Some(column),
            message,
        }
    })
}

fn parse_yaml(text: &str) -> Result<Yaml, MappingFileError> {
    serde_yaml_ng::from_str(text).map_err(|e| {
        let location = e.location();
        let full = e.to_string();
        let message = match &location {
            Some(l) => full.replacen(
                &format!(" at line {} column {}", l.line(), l.column()),
                "",
                1,
            ),
            None => full,
        };
        MappingFileError::Syntax {
            syntax: "YAML",
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            message,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The file

/// A whole mapping document with one ECR entity mapping opened for editing.
#[derive(Debug, Clone)]
pub struct MappingFile {
    /// As parsed; the edited mapping is merged in only when rendering.
    doc: Document,
    format: Format,
    path: Option<PathBuf>,
    loc: Loc,
    mapping: Mapping,
}

impl MappingFile {
    /// Reads `path`; the format comes from the extension, or from the content when the
    /// extension is neither `.json` nor `.yaml`/`.yml`. Opens the first ECR resource's first
    /// mapping.
    pub fn load(path: &Path) -> Result<MappingFile, MappingFileError> {
        let text = fs::read_to_string(path).map_err(|source| MappingFileError::Read {
            path: path.to_owned(),
            source,
        })?;
        let format = match Format::from_extension(path) {
            Some(format) => format,
            None => Format::detect(&text).map_err(|e| e.in_file(path))?,
        };
        let mut file = MappingFile::parse(&text, format).map_err(|e| e.in_file(path))?;
        file.path = Some(path.to_owned());
        Ok(file)
    }

    /// Parses `text` as `format` and opens the first ECR resource's first mapping.
    pub fn parse(text: &str, format: Format) -> Result<MappingFile, MappingFileError> {
        let doc = Document::parse(text, format)?;
        let loc = Loc {
            resource: doc.first_ecr()?,
            mapping: 0,
        };
        let mapping = doc.read(loc, format)?;
        Ok(MappingFile {
            doc,
            format,
            path: None,
            loc,
            mapping,
        })
    }

    /// The shipped default exporter config, ready to edit.
    pub fn default_exporter() -> Result<MappingFile, MappingFileError> {
        MappingFile::parse(default_exporter_config(), Format::ExporterJson)
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Where it was loaded from; `None` after `parse`.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Indices in `resources` of every `AWS::ECR::Repository` resource.
    pub fn ecr_resources(&self) -> Vec<usize> {
        self.doc.ecr_indices()
    }

    /// How many mappings the edited resource has (Ocean: 1).
    pub fn mapping_count(&self) -> usize {
        self.doc.mapping_count(self.loc.resource, self.format)
    }

    /// Opens another mapping, keeping the edits made to the current one.
    pub fn select(&mut self, resource: usize, mapping: usize) -> Result<(), MappingFileError> {
        let mut doc = self.doc.clone();
        doc.write(self.loc, &self.mapping)?;
        let loc = Loc { resource, mapping };
        let opened = doc.read(loc, self.format)?;
        self.doc = doc;
        self.loc = loc;
        self.mapping = opened;
        Ok(())
    }

    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// `format` must stay the file's: a mapping's meaning depends on it.
    pub fn mapping_mut(&mut self) -> &mut Mapping {
        &mut self.mapping
    }

    /// Replaces the edited mapping wholesale (e.g. after an undo).
    pub fn set_mapping(&mut self, mapping: Mapping) -> Result<(), MappingFileError> {
        if mapping.format != self.format {
            return Err(MappingFileError::FormatMismatch(format!(
                "a mapping for the {} cannot go into a {}",
                mapping.format, self.format
            )));
        }
        self.mapping = mapping;
        Ok(())
    }

    /// The whole document with the edited mapping in place: pretty JSON (2 spaces) or YAML as
    /// serde_yaml_ng emits it, keys in their original order.
    pub fn to_text(&self) -> Result<String, MappingFileError> {
        if self.mapping.format != self.format {
            return Err(MappingFileError::FormatMismatch(format!(
                "the edited mapping is for the {}, the file is a {}",
                self.mapping.format, self.format
            )));
        }
        let mut doc = self.doc.clone();
        doc.write(self.loc, &self.mapping)?;
        doc.to_text()
    }

    /// Writes atomically: a reader sees the old file or the new one, never a part. The old
    /// content is kept as `<name>.bak`. A symlink is followed, so the link survives.
    pub fn save(&self, path: &Path) -> Result<Option<PathBuf>, MappingFileError> {
        let text = self.to_text()?;
        crate::config::write_atomic(path, text.as_bytes(), false).map_err(|e| match e {
            crate::config::ConfigError::Write { path, source } => {
                MappingFileError::Write { path, source }
            }
            other => MappingFileError::Write {
                path: path.to_owned(),
                source: io::Error::other(other.to_string()),
            },
        })
    }
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    const EXPORTER: &str = r#"{
  "resources": [
    {
      "kind": "AWS::S3::Bucket",
      "port": { "entity": { "mappings": [ { "identifier": ".BucketName", "blueprint": "bucket" } ] } }
    },
    {
      "kind": "AWS::ECR::Repository",
      "selector": { "query": "true", "aws": { "regions": ["eu-west-1"] } },
      "port": {
        "entity": {
          "mappings": [
            {
              "identifier": ".RepositoryName",
              "title": ".RepositoryName",
              "blueprint": "ecr_repository",
              "icon": "\"AWS\"",
              "team": "\"platform\"",
              "properties": {
                "repositoryUri": ".RepositoryUri",
                "arn": ".Arn",
                "tags": ".Tags"
              },
              "relations": {
                "service": ".Tags[0].Key",
                "region": ".Arn | split(\":\") | .[3]"
              },
              "itemsToParse": ".Layers"
            },
            { "identifier": ".Arn", "blueprint": "\"ecr_arn\"" }
          ]
        }
      }
    }
  ],
  "zebra": { "b": 1, "a": 2.5 }
}"#;

    const OCEAN: &str = r#"createMissingRelatedEntities: true
deleteDependentEntities: false
resources:
  - kind: AWS::Lambda::Function
    port:
      entity:
        mappings:
          identifier: .Identifier
          blueprint: '"lambda"'
  - kind: AWS::ECR::Repository
    selector:
      query: 'true'
      includeActions: [ListTagsForResourceAction]
    port:
      itemsToParse: .Layers
      entity:
        mappings:
          identifier: .Properties.RepositoryArn
          title: .Properties.RepositoryName
          blueprint: '"ecrRepository"'
          properties:
            repositoryUri: .Properties.RepositoryUri
            mutability: .Properties.ImageTagMutability
          relations:
            account: .__ExtraContext.AccountId
"#;

    fn json(text: &str) -> Json {
        serde_json::from_str(text).expect("valid JSON")
    }

    fn yaml(text: &str) -> Yaml {
        serde_yaml_ng::from_str(text).expect("valid YAML")
    }

    /// Value equality ignores key order (IndexMap's `==` does), so order is compared too.
    fn assert_same_json(a: &Json, b: &Json) {
        assert_eq!(a, b);
        assert_eq!(a.to_string(), b.to_string(), "key order differs");
    }

    fn assert_same_yaml(a: &Yaml, b: &Yaml) {
        assert_eq!(a, b);
        let render = |v| serde_yaml_ng::to_string(v).expect("renders");
        assert_eq!(render(a), render(b), "key order differs");
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, text).expect("write fixture");
        path
    }

    fn ecr_mapping_json(doc: &mut Json) -> &mut Json {
        &mut doc["resources"][1]["port"]["entity"]["mappings"][0]
    }

    #[test]
    fn exporter_unchanged_save_keeps_everything() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(dir.path(), "config.json", EXPORTER);
        let file = MappingFile::load(&path).expect("loads");
        assert_eq!(file.format(), Format::ExporterJson);
        assert_eq!(file.mapping_count(), 2);
        file.save(&path).expect("saves");
        let saved = fs::read_to_string(&path).expect("read back");
        assert_same_json(&json(EXPORTER), &json(&saved));
        assert!(saved.starts_with("{\n  \"resources\": [\n    {\n      \"kind\""));
        assert!(saved.ends_with("}\n"));
    }

    #[test]
    fn exporter_edit_changes_only_that_property() {
        let mut file = MappingFile::parse(EXPORTER, Format::ExporterJson).expect("parses");
        file.mapping_mut()
            .set_property("arn", ".RepositoryArn")
            .expect("edits");
        let after = json(&file.to_text().expect("renders"));
        let mut expected = json(EXPORTER);
        ecr_mapping_json(&mut expected)["properties"]["arn"] = Json::from(".RepositoryArn");
        assert_same_json(&expected, &after);
    }

    #[test]
    fn mapping_is_read_as_written() {
        let file = MappingFile::parse(EXPORTER, Format::ExporterJson).expect("parses");
        let m = file.mapping();
        assert_eq!(m.selector_query.as_deref(), Some("true"));
        assert_eq!(m.identifier, ".RepositoryName");
        assert_eq!(m.icon.as_deref(), Some("\"AWS\""));
        let ids: Vec<&str> = m.properties.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(ids, ["repositoryUri", "arn", "tags"]);
        assert_eq!(m.relations[1].1, ".Arn | split(\":\") | .[3]");
    }

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
    fn ocean_unchanged_save_keeps_everything() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(dir.path(), "port-app-config.yml", OCEAN);
        let file = MappingFile::load(&path).expect("loads");
        assert_eq!(file.format(), Format::OceanYaml);
        file.save(&path).expect("saves");
        let saved = fs::read_to_string(&path).expect("read back");
        let after = yaml(&saved);
        assert_same_yaml(&yaml(OCEAN), &after);
        // Strings that look like other YAML types must stay strings.
        assert_eq!(
            after["resources"][1]["selector"]["query"],
            Yaml::from("true")
        );
        assert!(saved.contains("createMissingRelatedEntities: true"));
    }

    #[test]
    fn ocean_edit_changes_only_that_property() {
        let mut file = MappingFile::parse(OCEAN, Format::OceanYaml).expect("parses");
        assert_eq!(
            file.mapping().title.as_deref(),
            Some(".Properties.RepositoryName")
        );
        file.mapping_mut()
            .set_property("repositoryUri", ".Properties.Uri")
            .expect("edits");
        let after = yaml(&file.to_text().expect("renders"));
        let mut expected = yaml(OCEAN);
        expected["resources"][1]["port"]["entity"]["mappings"]["properties"]["repositoryUri"] =
            Yaml::from(".Properties.Uri");
        assert_same_yaml(&expected, &after);
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
    fn remove_keeps_the_order_of_the_rest() {
        let mut file = MappingFile::parse(EXPORTER, Format::ExporterJson).expect("parses");
        let expr = file.mapping_mut().remove_property("repositoryUri");
        assert_eq!(expr.as_deref(), Ok(".RepositoryUri"));
        file.mapping_mut().icon = None;
        let mut after = json(&file.to_text().expect("renders"));
        let mapping = ecr_mapping_json(&mut after);
        let keys: Vec<&String> = mapping.as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            [
                "identifier",
                "title",
                "blueprint",
                "team",
                "properties",
                "relations",
                "itemsToParse"
            ]
        );
        let props: Vec<&String> = mapping["properties"]
            .as_object()
            .expect("o")
            .keys()
            .collect();
        assert_eq!(props, ["arn", "tags"]);
    }

    #[test]
    fn new_optional_keys_go_in_entity_order() {
        let mut file = MappingFile::parse(OCEAN, Format::OceanYaml).expect("parses");
        file.mapping_mut().icon = Some("\"AWS\"".to_owned());
        let after = yaml(&file.to_text().expect("renders"));
        let mapping = &after["resources"][1]["port"]["entity"]["mappings"];
        let keys: Vec<&str> = mapping
            .as_mapping()
            .expect("mapping")
            .keys()
            .filter_map(Yaml::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "identifier",
                "title",
                "blueprint",
                "icon",
                "properties",
                "relations"
            ]
        );
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
    fn atomic_save_keeps_a_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(dir.path(), "config.json", EXPORTER);
        let mut file = MappingFile::load(&path).expect("loads");
        file.mapping_mut().identifier = ".RepositoryArn".to_owned();
        file.save(&path).expect("saves");
        let bak = dir.path().join("config.json.bak");
        assert_eq!(fs::read_to_string(&bak).expect("backup"), EXPORTER);
        let saved = fs::read_to_string(&path).expect("saved");
        assert_eq!(saved, file.to_text().expect("renders"));
        let reloaded = MappingFile::load(&path).expect("complete and valid");
        assert_eq!(reloaded.mapping().identifier, ".RepositoryArn");
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["config.json", "config.json.bak"],
            "no temp file left"
        );
    }

    #[test]
    fn save_to_a_new_path_makes_no_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("new.json");
        MappingFile::default_exporter()
            .expect("default parses")
            .save(&path)
            .expect("saves");
        assert_eq!(
            fs::read_to_string(&path).expect("saved"),
            default_exporter_config()
        );
        assert!(!dir.path().join("new.json.bak").exists());
    }

    #[cfg(unix)]
    #[test]
    fn save_keeps_the_file_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(dir.path(), "config.json", EXPORTER);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).expect("chmod");
        MappingFile::load(&path)
            .expect("loads")
            .save(&path)
            .expect("saves");
        let mode = fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn save_through_a_symlink_keeps_the_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = write(dir.path(), "real.json", EXPORTER);
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let mut file = MappingFile::load(&link).expect("loads");
        file.mapping_mut().identifier = ".Arn".to_owned();
        file.save(&link).expect("saves");
        assert!(
            fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert!(
            fs::read_to_string(&real)
                .expect("real")
                .contains("\".Arn\"")
        );
        assert!(dir.path().join("real.json.bak").exists());
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(
            dir.path(),
            "bad.json",
            "{\n  \"resources\": [\n    {,}\n  ]\n}\n",
        );
        let err = MappingFile::load(&path).expect_err("invalid");
        match err.cause() {
            MappingFileError::Syntax {
                syntax,
                line,
                column,
                ..
            } => {
                assert_eq!((*syntax, *line, *column), ("JSON", Some(3), Some(6)));
            }
            other => panic!("unexpected {other}"),
        }
        let text = err.to_string();
        assert!(
            text.contains("bad.json: invalid JSON at line 3, column 6: "),
            "{text}"
        );
    }

    #[test]
    fn malformed_yaml_names_line_and_column() {
        let text = "resources:\n  - kind: x\n    port: [\n  bad: : :\n";
        let err = MappingFile::parse(text, Format::OceanYaml).expect_err("invalid");
        let MappingFileError::Syntax {
            syntax,
            line,
            column,
            ..
        } = &err
        else {
            panic!("unexpected {err}");
        };
        assert_eq!(*syntax, "YAML");
        assert!(line.is_some() && column.is_some(), "{err}");
        assert!(
            err.to_string().starts_with("invalid YAML at line "),
            "{err}"
        );
    }

    #[test]
    fn no_ecr_resource_lists_the_kinds_found() {
        let text = r#"{"resources": [{"kind": "AWS::S3::Bucket"}, {"kind": "AWS::Lambda::Function"},
            {"kind": "AWS::S3::Bucket"}]}"#;
        let err = MappingFile::parse(text, Format::ExporterJson).expect_err("no ECR");
        assert_eq!(
            err.to_string(),
            "no resource of kind AWS::ECR::Repository; kinds found: AWS::S3::Bucket, \
             AWS::Lambda::Function"
        );
        let err =
            MappingFile::parse(r#"{"resources": []}"#, Format::ExporterJson).expect_err("no ECR");
        assert!(err.to_string().ends_with("kinds found: none"));
    }

    #[test]
    fn non_string_values_name_the_field() {
        let text = EXPORTER.replace("\"tags\": \".Tags\"", "\"tags\": 5");
        let err = MappingFile::parse(&text, Format::ExporterJson).expect_err("number");
        assert!(
            matches!(&err, MappingFileError::NotAString { field, found: "a number", .. }
                if field == "properties.tags"),
            "{err}"
        );
        let text = OCEAN.replace("query: 'true'", "query: true");
        let err = MappingFile::parse(&text, Format::OceanYaml).expect_err("bool");
        assert_eq!(
            err.to_string(),
            "mapping field `selector.query` must be a string holding a JQ expression, found a \
             boolean (at `resources[1].selector.query`); quote it, e.g. 'true'"
        );
        let text = OCEAN.replace(
            "account: .__ExtraContext.AccountId",
            "account: {combinator: and, rules: []}",
        );
        let err = MappingFile::parse(&text, Format::OceanYaml).expect_err("object");
        assert!(err.to_string().contains("`relations.account`"), "{err}");
    }

    #[test]
    fn structural_errors_are_specific() {
        let no_mappings =
            r#"{"resources": [{"kind": "AWS::ECR::Repository", "port": {"entity": {}}}]}"#;
        let err = MappingFile::parse(no_mappings, Format::ExporterJson).expect_err("missing");
        assert_eq!(
            err.to_string(),
            "`resources[0].port.entity.mappings` is missing"
        );
        let empty = no_mappings.replace("{}}", "{\"mappings\": []}}");
        let err = MappingFile::parse(&empty, Format::ExporterJson).expect_err("empty");
        assert!(matches!(err, MappingFileError::NoMappings { .. }), "{err}");
        let wrong = no_mappings.replace("{}}", "{\"mappings\": \"x\"}}");
        let err = MappingFile::parse(&wrong, Format::ExporterJson).expect_err("wrong type");
        assert!(
            err.to_string()
                .contains("should be an array, found a string"),
            "{err}"
        );
        let no_id = EXPORTER.replace("\"identifier\": \".RepositoryName\",", "");
        let err = MappingFile::parse(&no_id, Format::ExporterJson).expect_err("no identifier");
        assert_eq!(
            err.to_string(),
            "`resources[1].port.entity.mappings[0].identifier` is missing"
        );
    }

    #[test]
    fn format_follows_extension_and_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ocean_as_json = write(
            dir.path(),
            "ocean.json",
            r#"{"resources": [{"kind": "AWS::ECR::Repository",
            "port": {"entity": {"mappings": {"identifier": ".a", "blueprint": "\"b\""}}}}]}"#,
        );
        let err = MappingFile::load(&ocean_as_json).expect_err("mismatch");
        assert!(
            matches!(err.cause(), MappingFileError::FormatMismatch(_)),
            "{err}"
        );
        let exporter_as_yaml = write(
            dir.path(),
            "exp.yaml",
            "resources:\n- kind: AWS::ECR::Repository\n  port: {entity: {mappings: [{identifier: .a, blueprint: b}]}}\n",
        );
        let err = MappingFile::load(&exporter_as_yaml).expect_err("mismatch");
        assert!(
            matches!(err.cause(), MappingFileError::FormatMismatch(_)),
            "{err}"
        );

        let sniffed = write(dir.path(), "config", EXPORTER);
        assert_eq!(
            MappingFile::load(&sniffed).expect("json").format(),
            Format::ExporterJson
        );
        let sniffed = write(dir.path(), "app-config", OCEAN);
        assert_eq!(
            MappingFile::load(&sniffed).expect("yaml").format(),
            Format::OceanYaml
        );
        let ambiguous = fs::read_to_string(&ocean_as_json).expect("read");
        let err = Format::detect(&ambiguous).expect_err("json with object");
        assert!(matches!(err, MappingFileError::Ambiguous(_)), "{err}");
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

    #[test]
    fn select_switches_mapping_and_keeps_edits() {
        let mut file = MappingFile::parse(EXPORTER, Format::ExporterJson).expect("parses");
        file.mapping_mut().title = None;
        file.select(1, 1).expect("second mapping");
        assert_eq!(file.mapping().identifier, ".Arn");
        assert_eq!(
            file.mapping().static_blueprint().as_deref(),
            Some("ecr_arn")
        );
        assert!(matches!(
            file.select(0, 0),
            Err(MappingFileError::NotEcrResource { index: 0 })
        ));
        assert!(matches!(
            file.select(1, 5),
            Err(MappingFileError::NoSuchMapping { index: 5, count: 2 })
        ));
        let after = json(&file.to_text().expect("renders"));
        let first = &after["resources"][1]["port"]["entity"]["mappings"][0];
        assert!(first.get("title").is_none(), "edit of mapping 0 kept");
        assert_eq!(file.ecr_resources(), [1]);
    }

    #[test]
    fn selector_query_is_written_back() {
        let mut file = MappingFile::parse(EXPORTER, Format::ExporterJson).expect("parses");
        file.mapping_mut().selector_query = Some(".RepositoryName | startswith(\"x\")".into());
        let after = json(&file.to_text().expect("renders"));
        let selector = &after["resources"][1]["selector"];
        assert_eq!(selector["query"], ".RepositoryName | startswith(\"x\")");
        assert_eq!(selector["aws"]["regions"][0], "eu-west-1");

        let text = r#"{"resources": [{"kind": "AWS::ECR::Repository",
            "port": {"entity": {"mappings": [{"identifier": ".a", "blueprint": "b"}]}}}]}"#;
        let mut file = MappingFile::parse(text, Format::ExporterJson).expect("parses");
        file.mapping_mut().selector_query = Some("true".into());
        let after = json(&file.to_text().expect("renders"));
        let keys: Vec<&String> = after["resources"][0]
            .as_object()
            .expect("o")
            .keys()
            .collect();
        assert_eq!(keys, ["kind", "selector", "port"]);
    }

    #[test]
    fn explicit_nulls_survive_an_unchanged_save() {
        let text = "resources:\n- kind: AWS::ECR::Repository\n  port:\n    entity:\n      mappings:\n        identifier: .a\n        title: null\n        blueprint: '\"b\"'\n        relations: null\n";
        let file = MappingFile::parse(text, Format::OceanYaml).expect("parses");
        assert_eq!(file.mapping().title, None);
        assert_same_yaml(&yaml(text), &yaml(&file.to_text().expect("renders")));
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = MappingFile::load(&dir.path().join("nope.json")).expect_err("missing");
        assert!(matches!(err, MappingFileError::Read { .. }), "{err}");
    }

    #[test]
    fn bom_is_accepted() {
        let text = format!("\u{feff}{EXPORTER}");
        assert!(MappingFile::parse(&text, Format::ExporterJson).is_ok());
    }

    #[test]
    fn set_mapping_refuses_another_format() {
        let mut file = MappingFile::parse(OCEAN, Format::OceanYaml).expect("parses");
        let other = Mapping::new(Format::ExporterJson, ".a", "b");
        assert!(file.set_mapping(other).is_err());
        let mut same = file.mapping().clone();
        same.identifier = ".Identifier".into();
        file.set_mapping(same).expect("same format");
        assert_eq!(file.mapping().identifier, ".Identifier");
    }

    #[test]
    fn shipped_assets_are_the_fixed_and_the_guide_mapping() {
        let default = MappingFile::default_exporter().expect("default parses");
        let m = default.mapping();
        assert_eq!(m.static_blueprint().as_deref(), Some("ecr_repository"));
        assert_eq!(m.selector_query.as_deref(), Some("true"));
        assert_eq!(m.properties.len(), 8);
        assert_eq!(
            lookup(&m.relations, "service"),
            Some(
                "first(.Tags[]? | .Key | select(startswith(\"port-\")) | ltrimstr(\"port-\") \
                 | select(length>0)) // null"
            )
        );
        // The shipped file is already in the canonical rendering: an unchanged save is a no-op.
        assert_eq!(
            default.to_text().expect("renders"),
            default_exporter_config()
        );

        let guide_text = include_str!("../../assets/guide-mapping.json");
        let guide = MappingFile::parse(guide_text, Format::ExporterJson).expect("guide parses");
        let mut expected = m.clone();
        expected
            .set_relation(
                "service",
                ".Tags | keys[] | select(startswith(\"port-\")) | .[6:]",
            )
            .expect("sets");
        assert_eq!(guide.mapping(), &expected);
        assert!(m.invalid_ids().is_empty());
    }
}
