//! A parsed mapping document and the mapping inside it: finding the ECR resource, reading
//! its mapping, and writing an edited mapping back without disturbing the rest.

use std::fmt;

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;

use super::keys::{self, MAPPING_KEYS, RESOURCE_KEYS};
use super::node::Node;
use super::{ECR_KIND, Format, Mapping, MappingFileError, Origin};

// MAPPING_KEYS and RESOURCE_KEYS are in Port's order: a key that was absent is added at its
// place, not at the end, so the file still reads naturally.

// ---------------------------------------------------------------------------------------------
// Navigation and reading

fn resource_path(index: usize) -> String {
    format!("resources[{index}]")
}

pub(super) fn mappings_path(index: usize) -> String {
    format!("resources[{index}].port.entity.mappings")
}

fn mapping_path(loc: Origin, format: Format) -> String {
    match format {
        Format::ExporterJson => format!("{}[{}]", mappings_path(loc.resource), loc.mapping),
        Format::OceanYaml => mappings_path(loc.resource),
    }
}

pub(super) fn resources<N: Node>(root: &N) -> Result<&[N], MappingFileError> {
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

pub(super) fn first_ecr<N: Node>(resources: &[N]) -> Result<usize, MappingFileError> {
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

pub(super) fn mappings_of<N: Node>(resource: &N, index: usize) -> Result<&N, MappingFileError> {
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
fn mapping_at<N: Node>(resource: &N, loc: Origin, format: Format) -> Result<&N, MappingFileError> {
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

fn read_mapping<N: Node>(
    root: &N,
    loc: Origin,
    format: Format,
) -> Result<Mapping, MappingFileError> {
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

fn write_back<N: Node>(root: &mut N, loc: Origin, m: &Mapping) -> Result<(), MappingFileError> {
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
pub(super) enum Document {
    Json(Json),
    Yaml(Yaml),
}

impl Document {
    pub(super) fn parse(text: &str, format: Format) -> Result<Document, MappingFileError> {
        let text = strip_bom(text);
        let doc = match format {
            Format::ExporterJson => parse_json(text).map(Document::Json),
            Format::OceanYaml => parse_yaml(text).map(Document::Yaml),
        }?;
        match &doc {
            Document::Json(v) => keys::check(v, format)?,
            Document::Yaml(v) => keys::check(v, format)?,
        }
        Ok(doc)
    }

    pub(super) fn read(&self, loc: Origin, format: Format) -> Result<Mapping, MappingFileError> {
        match self {
            Document::Json(v) => read_mapping(v, loc, format),
            Document::Yaml(v) => read_mapping(v, loc, format),
        }
    }

    pub(super) fn write(&mut self, loc: Origin, m: &Mapping) -> Result<(), MappingFileError> {
        match self {
            Document::Json(v) => write_back(v, loc, m),
            Document::Yaml(v) => write_back(v, loc, m),
        }
    }

    pub(super) fn first_ecr(&self) -> Result<usize, MappingFileError> {
        match self {
            Document::Json(v) => first_ecr(resources(v)?),
            Document::Yaml(v) => first_ecr(resources(v)?),
        }
    }

    pub(super) fn ecr_indices(&self) -> Vec<usize> {
        match self {
            Document::Json(v) => resources(v).map(ecr_indices),
            Document::Yaml(v) => resources(v).map(ecr_indices),
        }
        .unwrap_or_default()
    }

    /// Every mapping of every ECR resource, in file order. Each is read, so one that Port
    /// could not use either (a missing `mappings`, an empty array, a field of the wrong type)
    /// is an error naming its path, as it is for the first.
    pub(super) fn read_all(
        &self,
        format: Format,
    ) -> Result<Vec<(Origin, Mapping)>, MappingFileError> {
        let mut all = Vec::new();
        for resource in self.ecr_indices() {
            // At least one: reading it is what reports a resource without usable mappings.
            for mapping in 0..self.mapping_count(resource, format).max(1) {
                let origin = Origin { resource, mapping };
                all.push((origin, self.read(origin, format)?));
            }
        }
        if all.is_empty() {
            self.first_ecr()?;
        }
        Ok(all)
    }

    pub(super) fn mapping_count(&self, resource: usize, format: Format) -> usize {
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

    pub(super) fn to_text(&self) -> Result<String, MappingFileError> {
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
pub(super) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

pub(super) fn parse_json(text: &str) -> Result<Json, MappingFileError> {
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

pub(super) fn parse_yaml(text: &str) -> Result<Yaml, MappingFileError> {
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

#[cfg(test)]
mod tests {
    use super::super::MappingFile;
    use super::super::fixtures::{
        EXPORTER, OCEAN, assert_same_json, assert_same_yaml, ecr_mapping_json, json, yaml,
    };
    use super::*;

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
    fn bom_is_accepted() {
        let text = format!("\u{feff}{EXPORTER}");
        assert!(MappingFile::parse(&text, Format::ExporterJson).is_ok());
    }
}
