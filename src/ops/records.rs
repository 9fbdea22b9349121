//! The one record path: what the mapping reads, as JSON values in the chosen shape. A saved
//! inventory (`list --output json`) is used as it is, extra and missing keys included; a live
//! inventory is rendered into the shape once. Render, the workbench, dry run and push all
//! evaluate these same values, so what is previewed is what is pushed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use thiserror::Error;

use crate::mapping::eval::Shape;
use crate::mapping::worker::{WorkerClient, WorkerError};
use crate::model::Repository;
use crate::model::repository::{arn_parts, ocean_aws_record};

#[derive(Debug, Error)]
pub enum RecordsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a JSON array as `ecr-port list --output json` prints: {message}")]
    NotAnArray { path: PathBuf, message: String },
    #[error("{path}: item {index}: {message}")]
    Item {
        path: PathBuf,
        index: usize,
        message: String,
    },
    #[error("not in the inventory: {0}")]
    Unknown(String),
    #[error("loading the records into the jq worker: {0}")]
    Worker(#[from] WorkerError),
    #[error(transparent)]
    Inventory(#[from] super::inventory::ReadError),
}

/// Who a record is, for messages and for `--only`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordId {
    pub name: String,
    pub arn: String,
    pub region: String,
}

impl RecordId {
    /// `name (region)`, as every message names a repository.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.region)
    }

    pub fn answers_to(&self, name_or_arn: &str) -> bool {
        crate::model::repository::answers_to(&self.name, &self.arn, name_or_arn)
    }
}

#[derive(Debug, Clone)]
enum Source {
    Values(Arc<Vec<Value>>),
    /// A saved exporter-shaped file the worker reads itself (the records are those bytes).
    File(PathBuf),
}

/// The records a mapping runs over, with who each one is.
#[derive(Debug, Clone)]
pub struct Records {
    pub ids: Vec<RecordId>,
    source: Source,
}

impl Records {
    /// What a command's `--input` names (the saved file as it is), else the live inventory
    /// read whole, in `shape`.
    /// `policies`: read the lifecycle and repository policies too (two calls per repository).
    pub async fn open(
        ctx: &super::context::Context,
        input: Option<&Path>,
        shape: Shape,
        policies: bool,
    ) -> Result<Records, RecordsError> {
        Ok(match input {
            Some(path) => Records::saved(path, shape)?,
            None => Records::live(&super::inventory::read_whole(ctx, policies).await?, shape),
        })
    }

    /// A live inventory, rendered into `shape` once.
    pub fn live(repos: &[Repository], shape: Shape) -> Records {
        Records {
            ids: repos
                .iter()
                .map(|r| RecordId {
                    name: r.name.clone(),
                    arn: r.arn.clone(),
                    region: r.region.clone(),
                })
                .collect(),
            source: Source::Values(Arc::new(repos.iter().map(|r| shape.input(r)).collect())),
        }
    }

    /// A saved `list --output json`. In the exporter shape the records are the file's objects
    /// exactly; the Ocean shape wraps each object as its `Properties`; aws-v3 names its keys
    /// differently, so its records are rebuilt from what the file says about each repository.
    pub fn saved(path: &Path, shape: Shape) -> Result<Records, RecordsError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let text = std::fs::read_to_string(&path).map_err(|source| RecordsError::Read {
            path: path.clone(),
            source,
        })?;
        let items: Vec<Value> =
            serde_json::from_str(&text).map_err(|e| RecordsError::NotAnArray {
                path: path.clone(),
                message: e.to_string(),
            })?;
        let item_error = |index: usize, message: String| RecordsError::Item {
            path: path.clone(),
            index,
            message,
        };
        let mut ids = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            ids.push(saved_id(item).map_err(|m| item_error(index, m))?);
        }
        let source = match shape {
            Shape::Exporter => Source::File(path.clone()),
            Shape::OceanAws => Source::Values(Arc::new(
                items
                    .into_iter()
                    .zip(&ids)
                    .map(|(item, id)| {
                        let account = arn_parts(&id.arn).map(|p| p.account).unwrap_or_default();
                        ocean_aws_record(&id.name, &account, &id.region, item)
                    })
                    .collect(),
            )),
            Shape::AwsV3 => {
                let mut values = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let repo =
                        Repository::from_exporter_json(item).map_err(|m| item_error(index, m))?;
                    values.push(shape.input(&repo));
                }
                Source::Values(Arc::new(values))
            }
        };
        Ok(Records { ids, source })
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Only the records named (by name or ARN); a name that matches none is an error.
    pub fn only(self, wanted: &[String]) -> Result<Records, RecordsError> {
        if wanted.is_empty() {
            return Ok(self);
        }
        let unknown: Vec<&str> = wanted
            .iter()
            .filter(|w| !self.ids.iter().any(|id| id.answers_to(w)))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(RecordsError::Unknown(unknown.join(", ")));
        }
        let keep: Vec<usize> = (0..self.ids.len())
            .filter(|&i| wanted.iter().any(|w| self.ids[i].answers_to(w)))
            .collect();
        let values = self.values()?;
        Ok(Records {
            ids: keep.iter().map(|&i| self.ids[i].clone()).collect(),
            source: Source::Values(Arc::new(keep.iter().map(|&i| values[i].clone()).collect())),
        })
    }

    /// The records as values (a saved file is read again).
    pub fn values(&self) -> Result<Arc<Vec<Value>>, RecordsError> {
        match &self.source {
            Source::Values(v) => Ok(v.clone()),
            Source::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| RecordsError::Read {
                    path: path.clone(),
                    source,
                })?;
                serde_json::from_str(&text)
                    .map(Arc::new)
                    .map_err(|e| RecordsError::NotAnArray {
                        path: path.clone(),
                        message: e.to_string(),
                    })
            }
        }
    }

    /// Gives the worker these records; a saved file is read by the worker itself, so it never
    /// travels through the pipe.
    pub async fn load_into(&self, client: &mut WorkerClient) -> Result<(), RecordsError> {
        match &self.source {
            Source::Values(values) => client.load(values.clone()).await?,
            Source::File(path) => {
                client
                    .load_file(path.to_string_lossy().into_owned())
                    .await?
            }
        }
        Ok(())
    }
}

/// Who a saved object is: its `RepositoryName`, and the region from its ECR ARN.
fn saved_id(item: &Value) -> Result<RecordId, String> {
    let text = |key: &str| {
        item.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("missing string field `{key}`"))
    };
    let name = text("RepositoryName")?;
    let arn = text("Arn")?;
    let parts = arn_parts(&arn).ok_or_else(|| format!("`{arn}` is not an ECR repository ARN"))?;
    Ok(RecordId {
        name,
        region: parts.region,
        arn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn saved_file(items: &Value) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), items.to_string()).unwrap();
        file
    }

    #[test]
    fn a_saved_file_is_used_as_it_is() {
        let items = json!([
            {"RepositoryName": "a", "Arn": "arn:aws:ecr:eu-west-1:111122223333:repository/a",
             "Extra": "hello"},
            {"RepositoryName": "b", "Arn": "arn:aws:ecr:us-east-1:111122223333:repository/b",
             "Tags": [{"Key": "port-b", "Value": "true"}]}
        ]);
        let file = saved_file(&items);
        let records = Records::saved(file.path(), Shape::Exporter).unwrap();
        assert_eq!(records.ids[1].label(), "b (us-east-1)");
        // No `Tags` stays no `Tags`; an unknown key stays.
        assert_eq!(
            records.values().unwrap().as_slice(),
            items.as_array().unwrap()
        );

        let ocean = Records::saved(file.path(), Shape::OceanAws).unwrap();
        let values = ocean.values().unwrap();
        assert_eq!(values[0]["Properties"], items[0]);
        assert_eq!(values[0]["__AccountId"], "111122223333");
        assert_eq!(values[0]["__Region"], "eu-west-1");
    }

    #[test]
    fn only_keeps_the_named_and_refuses_unknown_names() {
        let items = json!([
            {"RepositoryName": "a", "Arn": "arn:aws:ecr:eu-west-1:1:repository/a"},
            {"RepositoryName": "b", "Arn": "arn:aws:ecr:eu-west-1:1:repository/b"}
        ]);
        let file = saved_file(&items);
        let records = Records::saved(file.path(), Shape::Exporter).unwrap();
        let only = records.clone().only(&["b".to_owned()]).unwrap();
        assert_eq!(only.values().unwrap().as_slice(), &[items[1].clone()]);
        let err = records.only(&["zzz".to_owned()]).unwrap_err();
        assert_eq!(err.to_string(), "not in the inventory: zzz");
    }

    #[test]
    fn a_bad_item_is_named() {
        let file = saved_file(&json!([{"RepositoryName": "a", "Arn": "nope"}]));
        let err = Records::saved(file.path(), Shape::Exporter).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("item 0: `nope` is not an ECR repository ARN")
        );
    }
}
