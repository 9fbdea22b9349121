//! Port mapping files: the AWS exporter's `config.json` and Ocean's port-app-config YAML.
//!
//! ecr-port applies every entity mapping of every `AWS::ECR::Repository` resource, as Port does,
//! and edits one of them at a time. The rest of the document (other resources, keys ecr-port
//! does not know) stays as parsed, and the edited mapping is written back into it, so a save
//! changes only what the user changed. Comments, YAML anchors and original formatting are not
//! kept: neither value model has them.

mod document;
mod error;
#[cfg(test)]
mod fixtures;
mod keys;
mod mapping;
mod node;
mod origin;

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use document::{
    Document, first_ecr, mappings_of, mappings_path, parse_json, parse_yaml, resources, strip_bom,
};
use node::Node;

pub use error::MappingFileError;
pub use mapping::{Field, FieldName, MAX_ID_CHARS, Mapping, MappingEditError, Section, check_id};
pub use origin::Origin;

/// The resource kind whose mapping ecr-port edits.
pub const ECR_KIND: &str = "AWS::ECR::Repository";

/// The exporter `config.json` that ecr-port ships: Port's ECR guide with its service relation
/// fixed (the guide's `keys[]` runs over the Tags *array* and `.[6:]` cuts one letter too many).
pub fn default_exporter_config() -> &'static str {
    include_str!("../../../assets/default-mapping.json")
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
        // A misspelt key is named first: it is often why `mappings` looks missing.
        if text.trim_start().starts_with('{') {
            let doc = parse_json(text)?;
            keys::check(&doc, Format::ExporterJson)?;
            mappings_format(&doc, true)
        } else {
            let doc = parse_yaml(text)?;
            keys::check(&doc, Format::OceanYaml)?;
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
// The file

/// A whole mapping document with one ECR entity mapping opened for editing.
#[derive(Debug, Clone)]
pub struct MappingFile {
    /// As parsed; the edited mapping is merged in only when rendering.
    doc: Document,
    format: Format,
    path: Option<PathBuf>,
    origin: Origin,
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

    /// Parses `text` as `format` and opens the first ECR resource's first mapping. Every
    /// other ECR mapping is read too: Port applies them all, so each must be usable.
    pub fn parse(text: &str, format: Format) -> Result<MappingFile, MappingFileError> {
        let doc = Document::parse(text, format)?;
        let Some((origin, mapping)) = doc.read_all(format)?.into_iter().next() else {
            return Err(MappingFileError::NoEcrResource { kinds: Vec::new() });
        };
        Ok(MappingFile {
            doc,
            format,
            path: None,
            origin,
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
        self.doc.mapping_count(self.origin.resource, self.format)
    }

    /// Where the edited mapping sits in the file.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// Every ECR mapping in file order (resources, then each one's mappings), the edited one
    /// with its edits: what Port would apply.
    pub fn mappings(&self) -> Result<Vec<(Origin, Mapping)>, MappingFileError> {
        let mut doc = self.doc.clone();
        doc.write(self.origin, &self.mapping)?;
        doc.read_all(self.format)
    }

    /// Opens another mapping, keeping the edits made to the current one.
    pub fn select(&mut self, origin: Origin) -> Result<(), MappingFileError> {
        let mut doc = self.doc.clone();
        doc.write(self.origin, &self.mapping)?;
        let opened = doc.read(origin, self.format)?;
        self.doc = doc;
        self.origin = origin;
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
        doc.write(self.origin, &self.mapping)?;
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

#[cfg(test)]
mod tests {
    use serde_yaml_ng::Value as Yaml;

    use super::fixtures::{EXPORTER, OCEAN, assert_same_json, assert_same_yaml, json, write, yaml};
    use super::mapping::lookup;
    use super::*;

    /// Thousands of damaged mapping files, JSON and YAML: each parses (and renders back) or
    /// is refused with an error, never a panic.
    #[test]
    fn damaged_mapping_files_never_panic() {
        for (text, format) in [(EXPORTER, Format::ExporterJson), (OCEAN, Format::OceanYaml)] {
            for damaged in crate::model::mutate::damaged(text, 1_500, 11) {
                if let Ok(file) = MappingFile::parse(&damaged, format) {
                    let _ = file.to_text();
                }
                let _ = Format::detect(&damaged);
            }
        }
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
    fn select_switches_mapping_and_keeps_edits() {
        let mut file = MappingFile::parse(EXPORTER, Format::ExporterJson).expect("parses");
        file.mapping_mut().title = None;
        let second = Origin {
            resource: 1,
            mapping: 1,
        };
        file.select(second).expect("second mapping");
        assert_eq!(file.mapping().identifier, ".Arn");
        assert_eq!(
            file.mapping().static_blueprint().as_deref(),
            Some("ecr_arn")
        );
        assert!(matches!(
            file.select(Origin {
                resource: 0,
                mapping: 0
            }),
            Err(MappingFileError::NotEcrResource { index: 0 })
        ));
        assert!(matches!(
            file.select(Origin {
                resource: 1,
                mapping: 5
            }),
            Err(MappingFileError::NoSuchMapping { index: 5, count: 2 })
        ));
        let after = json(&file.to_text().expect("renders"));
        let first = &after["resources"][1]["port"]["entity"]["mappings"][0];
        assert!(first.get("title").is_none(), "edit of mapping 0 kept");
        assert_eq!(file.ecr_resources(), [1]);
    }

    /// Two ECR resources, the second with two mappings, around a resource of another kind.
    const TWO_RESOURCES: &str = r#"{"resources": [
      {"kind": "AWS::ECR::Repository", "selector": {"query": "true"},
       "port": {"entity": {"mappings": [{"identifier": ".Arn", "blueprint": "ecr_repository"}]}}},
      {"kind": "AWS::S3::Bucket",
       "port": {"entity": {"mappings": [{"identifier": ".BucketName", "blueprint": "bucket"}]}}},
      {"kind": "AWS::ECR::Repository", "selector": {"query": ".RepositoryName | startswith(\"a\")"},
       "port": {"entity": {"mappings": [
         {"identifier": ".RepositoryName", "blueprint": "ecr_repository"},
         {"identifier": ".RepositoryUri", "blueprint": "image_registry"}]}}}
    ]}"#;

    #[test]
    fn every_ecr_mapping_is_read_in_file_order_with_its_edits() {
        let mut file = MappingFile::parse(TWO_RESOURCES, Format::ExporterJson).expect("parses");
        file.mapping_mut().title = Some(".RepositoryName".into());
        let all = file.mappings().expect("all");
        let labels: Vec<String> = all.iter().map(|(o, _)| o.to_string()).collect();
        assert_eq!(labels, ["#1.1", "#3.1", "#3.2"]);
        assert_eq!(
            all[0].1.title.as_deref(),
            Some(".RepositoryName"),
            "edit kept"
        );
        assert_eq!(all[2].1.identifier, ".RepositoryUri");
        // A resource's selector belongs to each of its mappings.
        assert_eq!(
            all[2].1.selector_query.as_deref(),
            Some(".RepositoryName | startswith(\"a\")")
        );
        file.select(all[2].0).expect("opens the third");
        file.mapping_mut().selector_query = Some("false".into());
        let all = file.mappings().expect("all");
        assert_eq!(all[1].1.selector_query.as_deref(), Some("false"));
        assert_eq!(all[0].1.title.as_deref(), Some(".RepositoryName"));
    }

    #[test]
    fn a_later_ecr_mapping_that_port_could_not_use_is_refused() {
        let broken = TWO_RESOURCES.replace(r#"{"identifier": ".RepositoryUri", "#, "{");
        let err = MappingFile::parse(&broken, Format::ExporterJson).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "`resources[2].port.entity.mappings[1].identifier` is missing"
        );
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

        let guide_text = include_str!("../../../assets/guide-mapping.json");
        let guide = MappingFile::parse(guide_text, Format::ExporterJson).expect("guide parses");
        // The guide names entities by repository name; the shipped mapping by ARN, so that a
        // name in two regions or accounts makes two entities.
        assert_eq!(m.identifier, ".Arn");
        let mut expected = m.clone();
        expected.identifier = ".RepositoryName".to_owned();
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
