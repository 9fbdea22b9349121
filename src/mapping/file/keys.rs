//! The keys Port reads at the levels of an ECR resource whose set it fixes, and the check that
//! catches a misspelling of one of them.
//!
//! Port ignores keys it does not know, so `mapings` or `propertes` is not an error there: the
//! mappings or properties are silently lost. Only near misses of a known key are refused, and
//! only in ECR resources; other keys, other resources and the top level are left as written,
//! since Port tolerates them and integrations add their own.

use super::node::Node;
use super::{ECR_KIND, Format, MappingFileError};

/// A resource: the same for the exporter and Ocean.
pub(super) const RESOURCE_KEYS: [&str; 3] = ["kind", "selector", "port"];
/// `port`: Ocean's `itemsToParse…` keys sit beside `entity`.
const PORT_KEYS: [&str; 4] = [
    "entity",
    "itemsToParse",
    "itemsToParseName",
    "itemsToParseTopLevelTransform",
];
const ENTITY_KEYS: [&str; 1] = ["mappings"];
/// An entity mapping, in Port's order.
pub(super) const MAPPING_KEYS: [&str; 7] = crate::model::entity::ENTITY_KEYS;
/// A selector holds integration-specific keys; only those named here are Port's own.
const EXPORTER_SELECTOR_KEYS: [&str; 2] = ["query", "aws"];
const OCEAN_SELECTOR_KEYS: [&str; 1] = ["query"];

/// The first misspelt key in any ECR resource, in file order. Structure (a missing `port`, a
/// `mappings` of the wrong type) is not checked here: the reader reports it with its path.
pub(super) fn check<N: Node>(root: &N, format: Format) -> Result<(), MappingFileError> {
    let Some(resources) = root.field("resources").and_then(N::elements) else {
        return Ok(());
    };
    for (index, resource) in resources.iter().enumerate() {
        if is_ecr(resource) {
            check_resource(resource, &format!("resources[{index}]"), format)?;
        }
    }
    Ok(())
}

/// `kind: AWS::ECR::Repository`, or the same under a misspelt `kind`, which is then reported
/// rather than the resource passing for another kind.
fn is_ecr<N: Node>(resource: &N) -> bool {
    resource.entries().is_some_and(|entries| {
        entries.into_iter().any(|(key, value)| {
            value.as_text() == Some(ECR_KIND)
                && key.is_ok_and(|k| k == "kind" || misspelt(k, &["kind"]).is_some())
        })
    })
}

fn check_resource<N: Node>(resource: &N, at: &str, format: Format) -> Result<(), MappingFileError> {
    near_misses(resource, &RESOURCE_KEYS, at)?;
    if let Some(selector) = resource.field("selector") {
        let known: &[&str] = match format {
            Format::ExporterJson => &EXPORTER_SELECTOR_KEYS,
            Format::OceanYaml => &OCEAN_SELECTOR_KEYS,
        };
        near_misses(selector, known, &format!("{at}.selector"))?;
    }
    let Some(port) = resource.field("port") else {
        return Ok(());
    };
    let at = format!("{at}.port");
    near_misses(port, &PORT_KEYS, &at)?;
    let Some(entity) = port.field("entity") else {
        return Ok(());
    };
    let at = format!("{at}.entity");
    near_misses(entity, &ENTITY_KEYS, &at)?;
    let Some(mappings) = entity.field("mappings") else {
        return Ok(());
    };
    let at = format!("{at}.mappings");
    match mappings.elements() {
        Some(list) => list.iter().enumerate().try_for_each(|(i, mapping)| {
            near_misses(mapping, &MAPPING_KEYS, &format!("{at}[{i}]"))
        }),
        None => near_misses(mappings, &MAPPING_KEYS, &at),
    }
}

/// An error for the first key of `map` that is not in `known` but close to one of them.
fn near_misses<N: Node>(map: &N, known: &[&'static str], at: &str) -> Result<(), MappingFileError> {
    let Some(entries) = map.entries() else {
        return Ok(());
    };
    for (key, _) in entries {
        let Ok(key) = key else { continue };
        if let Some(meant) = misspelt(key, known) {
            return Err(MappingFileError::MisspeltKey {
                at: format!("{at}.{key}"),
                key: key.to_owned(),
                meant,
            });
        }
    }
    Ok(())
}

fn misspelt(key: &str, known: &[&'static str]) -> Option<&'static str> {
    if known.contains(&key) {
        return None;
    }
    crate::config::closest(key, known.iter().copied())
}

#[cfg(test)]
mod tests {
    use serde_json::Value as Json;

    use super::super::fixtures::{EXPORTER, OCEAN, json};
    use super::super::{Format, MappingFile};
    use super::*;

    /// EXPORTER with the key `from` of the object at `pointer` renamed, in place.
    fn renamed(pointer: &str, from: &str, to: &str) -> String {
        let mut doc = json(EXPORTER);
        let map = doc
            .pointer_mut(pointer)
            .and_then(Json::as_object_mut)
            .expect("an object there");
        let old = std::mem::take(map);
        for (k, v) in old {
            map.insert(if k == from { to.to_owned() } else { k }, v);
        }
        serde_json::to_string_pretty(&doc).expect("renders")
    }

    fn misspelling(text: &str, format: Format) -> (String, String, &'static str) {
        match MappingFile::parse(text, format) {
            Err(MappingFileError::MisspeltKey { at, key, meant }) => (at, key, meant),
            other => panic!("expected a misspelt key, got {other:?}"),
        }
    }

    #[test]
    fn misspellings_at_port_levels_are_named_with_the_key_meant() {
        let mapping = "/resources/1/port/entity/mappings/0";
        let cases = [
            ("/resources/1/port/entity", "mappings", "mapings"),
            (mapping, "properties", "propertes"),
            (mapping, "relations", "Relations"),
            (mapping, "identifier", "identifer"),
            (mapping, "team", "teams"),
            (
                "/resources/1/port/entity/mappings/1",
                "blueprint",
                "bluprint",
            ),
            ("/resources/1/port", "entity", "entty"),
            ("/resources/1", "selector", "selecter"),
            ("/resources/1/selector", "query", "qeury"),
            ("/resources/1", "kind", "knid"),
        ];
        for (pointer, meant, typo) in cases {
            let text = renamed(pointer, meant, typo);
            let (at, key, found) = misspelling(&text, Format::ExporterJson);
            let expected_at = format!(
                "{}.{typo}",
                pointer
                    .trim_start_matches('/')
                    .replace("resources/1", "resources[1]")
                    .replace("mappings/0", "mappings[0]")
                    .replace("mappings/1", "mappings[1]")
                    .replace('/', ".")
            );
            assert_eq!((at, key.as_str(), found), (expected_at, typo, meant));
        }
    }

    #[test]
    fn ocean_misspellings_are_caught_too() {
        let text = OCEAN.replace("      itemsToParse: .Layers", "      itemToParse: .Layers");
        let (at, _, meant) = misspelling(&text, Format::OceanYaml);
        assert_eq!(
            (at.as_str(), meant),
            ("resources[1].port.itemToParse", "itemsToParse")
        );
        let text = OCEAN.replace("          relations:\n", "          relation:\n");
        let (at, _, meant) = misspelling(&text, Format::OceanYaml);
        assert_eq!(
            (at.as_str(), meant),
            ("resources[1].port.entity.mappings.relation", "relations")
        );
    }

    #[test]
    fn the_message_names_path_key_and_key_meant() {
        let text = renamed("/resources/1/port/entity", "mappings", "mapings");
        let err = MappingFile::parse(&text, Format::ExporterJson).expect_err("misspelt");
        assert_eq!(
            err.to_string(),
            "`resources[1].port.entity.mapings`: unknown key `mapings`, did you mean \
             `mappings`? Port ignores keys it does not know, so what it holds would be lost"
        );
        // Sniffing the format meets the misspelling before the missing `mappings`.
        let detected = Format::detect(&text);
        assert!(
            matches!(detected, Err(MappingFileError::MisspeltKey { .. })),
            "{detected:?}"
        );
    }

    #[test]
    fn keys_port_tolerates_are_left_alone() {
        // In another resource, far from every known key, in a selector, or at the top level.
        let text = renamed(
            "/resources/0/port/entity/mappings/0",
            "blueprint",
            "bluprint",
        );
        let mut doc = json(&text);
        doc["resources"][1]["selector"]["includeActions"] = Json::Array(Vec::new());
        doc["resources"][1]["port"]["entity"]["mappings"][0]["description"] = ".x".into();
        doc["resourcez"] = Json::Bool(true);
        let text = serde_json::to_string_pretty(&doc).expect("renders");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = super::super::fixtures::write(dir.path(), "config.json", &text);
        let file = MappingFile::load(&path).expect("tolerated");
        file.save(&path).expect("saves");
        let saved = json(&std::fs::read_to_string(&path).expect("saved"));
        assert_eq!(saved.to_string(), doc.to_string(), "kept as written");
        assert!(MappingFile::parse(OCEAN, Format::OceanYaml).is_ok());
    }
}
