//! What can go wrong with a mapping file, worded for the person who has to fix it.

use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

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
        /// As [`FieldName`](super::FieldName) displays it, or `selector.query`.
        field: String,
        at: String,
        found: &'static str,
    },
    #[error(
        "`{at}`: unknown key `{key}`, did you mean `{meant}`? Port ignores keys it does not \
         know, so what it holds would be lost"
    )]
    MisspeltKey {
        /// Where the key is, ending with the key itself.
        at: String,
        key: String,
        /// The key Port reads at that level that it is closest to.
        meant: &'static str,
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

    pub(super) fn in_file(self, path: &Path) -> MappingFileError {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{EXPORTER, OCEAN, write};
    use super::super::{Format, MappingFile};
    use super::*;

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
    fn missing_file_is_a_read_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = MappingFile::load(&dir.path().join("nope.json")).expect_err("missing");
        assert!(matches!(err, MappingFileError::Read { .. }), "{err}");
    }
}
