//! The tag journal: every tag write (one repository or a batch, from either face) leaves a
//! JSON-lines file in the state directory with each repository's tags before and after, so
//! `tag undo` can put the previous `port-` tags back. The header is written before the first
//! request and each result as it arrives, with one `write` per line on an unbuffered file: a
//! crash loses nothing already written.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::Tag;
use crate::model::tag_undo::Written;
use crate::model::time::format_rfc3339;

#[derive(Debug, Error)]
pub enum TagJournalError {
    #[error("cannot write the tag journal {path}: {source}; nothing was written to ECR")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot append to the tag journal {path}: {source}")]
    Append {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the tag journal {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the tag journal {path} line {line} is not valid: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("no tag journal in {0}: nothing has been written yet")]
    None(PathBuf),
}

/// One line of a tag journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Line {
    #[serde(rename_all = "camelCase")]
    Header {
        version: u32,
        at: String,
        /// What wrote: `tag add`, `tag apply`, `tag undo`, `tui`, …
        source: String,
        /// The journal an undo restores.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        undoes: Option<String>,
    },
    Written {
        arn: String,
        name: String,
        region: String,
        change: String,
        before: Vec<Tag>,
        after: Vec<Tag>,
    },
    Failed {
        arn: String,
        name: String,
        region: String,
        change: String,
        error: String,
    },
}

pub struct TagJournal {
    path: PathBuf,
    file: File,
}

impl TagJournal {
    /// A new journal `tags-<time>-<nnn>.jsonl` in `dir`, its header written. Directory and
    /// file are the user's alone, as the push journals are.
    pub fn create(
        dir: &Path,
        now: i64,
        source: &str,
        undoes: Option<&Path>,
    ) -> Result<TagJournal, TagJournalError> {
        let fail = |path: &Path, source| TagJournalError::Create {
            path: path.to_owned(),
            source,
        };
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| fail(dir, e))?;
        let stamp = format_rfc3339(now).replace(['-', ':'], "");
        let mut n = 0;
        let (path, file) = loop {
            // Zero-padded so names sort in creation order within one second.
            let path = dir.join(format!("tags-{stamp}-{n:03}.jsonl"));
            let mut options = OpenOptions::new();
            options.append(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(&path) {
                Ok(file) => break (path, file),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(fail(&path, e)),
            }
        };
        let mut journal = TagJournal { path, file };
        let header = Line::Header {
            version: 1,
            at: format_rfc3339(now),
            source: source.to_owned(),
            undoes: undoes.map(|p| p.display().to_string()),
        };
        journal.append(&header).map_err(|e| match e {
            TagJournalError::Append { path, source } => TagJournalError::Create { path, source },
            other => other,
        })?;
        journal
            .file
            .sync_data()
            .map_err(|e| fail(&journal.path, e))?;
        Ok(journal)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&mut self, line: &Line) -> Result<(), TagJournalError> {
        let fail = |source| TagJournalError::Append {
            path: self.path.clone(),
            source,
        };
        let mut bytes = serde_json::to_vec(line).map_err(|e| fail(std::io::Error::other(e)))?;
        bytes.push(b'\n');
        self.file.write_all(&bytes).map_err(fail)
    }
}

/// The lines reach the disk when the batch is done, however it ends.
impl Drop for TagJournal {
    fn drop(&mut self) {
        let _ = self.file.sync_data();
    }
}

/// A journal read back: its header and the repositories it changed, in order. A torn last
/// line (a crash mid-write) is ignored.
pub fn read(path: &Path) -> Result<(Line, Vec<Written>), TagJournalError> {
    let file = File::open(path).map_err(|source| TagJournalError::Read {
        path: path.to_owned(),
        source,
    })?;
    let raw: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|source| TagJournalError::Read {
            path: path.to_owned(),
            source,
        })?;
    let corrupt = |line: usize, message: String| TagJournalError::Corrupt {
        path: path.to_owned(),
        line,
        message,
    };
    let mut header = None;
    let mut written = Vec::new();
    for (i, text) in raw.iter().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(text) {
            Ok(h @ Line::Header { .. }) if i == 0 => header = Some(h),
            Ok(Line::Header { .. }) => return Err(corrupt(i + 1, "a second header".into())),
            Ok(Line::Written {
                arn,
                name,
                region,
                before,
                after,
                ..
            }) => written.push(Written {
                arn,
                name,
                region,
                before,
                after,
            }),
            Ok(Line::Failed { .. }) => {}
            Err(_) if i + 1 == raw.len() && header.is_some() => break,
            Err(e) => return Err(corrupt(i + 1, e.to_string())),
        }
    }
    let header = header.ok_or_else(|| corrupt(1, "does not start with a header".into()))?;
    Ok((header, written))
}

/// The tag journals in `dir`, newest first.
pub fn list(dir: &Path) -> Vec<PathBuf> {
    crate::config::journals_newest_first(dir, "tags-")
}

/// Where tag journals live: the state directory's `tag-writes`.
pub fn dir(ctx: &super::context::Context) -> PathBuf {
    ctx.paths.state_dir.join("tag-writes")
}

/// The newest journal in `dir`.
pub fn latest(dir: &Path) -> Result<PathBuf, TagJournalError> {
    list(dir)
        .into_iter()
        .next()
        .ok_or_else(|| TagJournalError::None(dir.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_newest_first_and_a_torn_tail_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = TagJournal::create(dir.path(), 1_800_000_000, "tag add", None).unwrap();
        j.append(&Line::Written {
            arn: "arn:a".into(),
            name: "a".into(),
            region: "eu-west-1".into(),
            change: "+ port-x=true".into(),
            before: vec![Tag::new("team", "t")],
            after: vec![Tag::new("team", "t"), Tag::new("port-x", "true")],
        })
        .unwrap();
        j.append(&Line::Failed {
            arn: "arn:b".into(),
            name: "b".into(),
            region: "eu-west-1".into(),
            change: "+ port-x=true".into(),
            error: "denied".into(),
        })
        .unwrap();
        let first = j.path().to_owned();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&first)
            .unwrap()
            .write_all(b"{\"kind\":\"writ")
            .unwrap();
        let (header, written) = read(&first).unwrap();
        assert!(matches!(header, Line::Header { source, .. } if source == "tag add"));
        assert_eq!(written.len(), 1, "failures restore nothing");
        assert_eq!(written[0].after.len(), 2);
        let second = TagJournal::create(dir.path(), 1_800_000_000, "tag undo", Some(&first))
            .unwrap()
            .path()
            .to_owned();
        assert_eq!(list(dir.path()), [second.clone(), first]);
        assert_eq!(latest(dir.path()).unwrap(), second);
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            latest(empty.path()),
            Err(TagJournalError::None(_))
        ));
    }
}
