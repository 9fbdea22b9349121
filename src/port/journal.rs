//! The push journal: JSON lines in the state directory, one file per push. The header and every
//! planned entity are written before the first request; each outcome is appended as its batch
//! answers. A push cut off by a dropped network, Ctrl-C or a crash leaves a file from which
//! the outcome of every entity is known or known to be unknown, and the rest can be resent
//! (bulk upserts with `upsert=true` are idempotent).
//!
//! Lines are appended with one `write` each on an unbuffered file, so a crash of the process
//! loses nothing already written; the file is fsynced at the start and at the end of a push.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

pub use crate::model::push::Outcome;

#[derive(Debug, Error)]
pub enum JournalError {
    #[error("cannot write push journal {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read push journal {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("push journal {path} line {line} is not valid: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Line {
    #[serde(rename_all = "camelCase")]
    Push {
        version: u32,
        blueprint: String,
        target: String,
        create_missing_related: bool,
        started: String,
    },
    #[serde(rename_all = "camelCase")]
    Entry {
        n: usize,
        repo: String,
        identifier: String,
        /// create / update / unchanged / invalid / dangling.
        plan: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reasons: Vec<String>,
        /// The body to send, for entities that may be sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        entity: Option<Value>,
    },
    Outcome {
        n: usize,
        #[serde(flatten)]
        outcome: Outcome,
    },
    Resume {
        at: String,
    },
    End {
        at: String,
    },
}

pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// A new journal `push-<time>-<nnn>.jsonl` in `dir`. Directory and file are the user's
    /// alone: entity bodies carry repository policies.
    pub fn create(dir: &Path, stamp: &str) -> Result<Journal, JournalError> {
        let fail = |path: &Path, source| JournalError::Write {
            path: path.to_owned(),
            source,
        };
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| fail(dir, e))?;
        let mut n = 0;
        loop {
            // Zero-padded so names sort in creation order within one second.
            let path = dir.join(format!("push-{stamp}-{n:03}.jsonl"));
            let mut options = OpenOptions::new();
            options.append(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(&path) {
                Ok(file) => return Ok(Journal { path, file }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(fail(&path, e)),
            }
        }
    }

    /// Appends to an existing journal (resume). A line torn by a crash is cut off first, so
    /// the next line does not glue onto it.
    pub fn reopen(path: &Path) -> Result<Journal, JournalError> {
        let fail = |source| JournalError::Write {
            path: path.to_owned(),
            source,
        };
        let bytes = std::fs::read(path).map_err(fail)?;
        let whole = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let file = OpenOptions::new().append(true).open(path).map_err(fail)?;
        if whole < bytes.len() {
            file.set_len(whole as u64).map_err(fail)?;
        }
        Ok(Journal {
            path: path.to_owned(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The journal at `path` opened read-only, so every write fails as on a vanished disk.
    #[cfg(test)]
    pub(crate) fn reopen_for_test(path: &Path) -> Journal {
        Journal {
            path: path.to_owned(),
            file: File::open(path).expect("journal exists"),
        }
    }

    pub fn write(&mut self, line: &Line) -> Result<(), JournalError> {
        let mut bytes = serde_json::to_vec(line).map_err(|e| JournalError::Write {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        bytes.push(b'\n');
        self.file
            .write_all(&bytes)
            .map_err(|source| JournalError::Write {
                path: self.path.clone(),
                source,
            })
    }

    pub fn sync(&mut self) -> Result<(), JournalError> {
        self.file.sync_data().map_err(|source| JournalError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

/// A journal read back: the lines in order. A torn last line (crash mid-write) is ignored.
pub fn read(path: &Path) -> Result<Vec<Line>, JournalError> {
    let file = File::open(path).map_err(|source| JournalError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut lines = Vec::new();
    let mut raw: Vec<String> = Vec::new();
    for line in BufReader::new(file).lines() {
        raw.push(line.map_err(|source| JournalError::Read {
            path: path.to_owned(),
            source,
        })?);
    }
    let last = raw.len();
    for (i, text) in raw.iter().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(text) {
            Ok(line) => lines.push(line),
            Err(_) if i + 1 == last => break,
            Err(e) => {
                return Err(JournalError::Corrupt {
                    path: path.to_owned(),
                    line: i + 1,
                    message: e.to_string(),
                });
            }
        }
    }
    if !matches!(lines.first(), Some(Line::Push { .. })) {
        return Err(JournalError::Corrupt {
            path: path.to_owned(),
            line: 1,
            message: "does not start with a push header".into(),
        });
    }
    Ok(lines)
}

/// The journals in `dir`, newest first.
pub fn list(dir: &Path) -> Vec<PathBuf> {
    crate::config::journals_newest_first(dir, "push-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lines_round_trip_and_a_torn_tail_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::create(dir.path(), "20261127T000000Z").unwrap();
        let lines = vec![
            Line::Push {
                version: 1,
                blueprint: "ecr_repository".into(),
                target: "demo".into(),
                create_missing_related: false,
                started: "t".into(),
            },
            Line::Entry {
                n: 0,
                repo: "a (eu-west-1)".into(),
                identifier: "a".into(),
                plan: "create".into(),
                reasons: vec![],
                entity: Some(json!({"identifier": "a"})),
            },
            Line::Outcome {
                n: 0,
                outcome: Outcome::Failed {
                    status: 404,
                    error: "not_found".into(),
                    message: "m".into(),
                },
            },
        ];
        for l in &lines {
            j.write(l).unwrap();
        }
        let path = j.path().to_owned();
        drop(j);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"kind\":\"outc")
            .unwrap();
        assert_eq!(read(&path).unwrap(), lines);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#"{"kind":"outcome","n":0,"outcome":"failed","status":404"#));
        // Reopened after the crash: the torn line goes, the next one is whole.
        let mut j = Journal::reopen(&path).unwrap();
        j.write(&Line::Resume { at: "t2".into() }).unwrap();
        let again = read(&path).unwrap();
        assert_eq!(again.len(), 4);
        assert_eq!(again[3], Line::Resume { at: "t2".into() });
        // A second journal in the same second gets its own file, listed as the newer one.
        let j2 = Journal::create(dir.path(), "20261127T000000Z").unwrap();
        assert_ne!(j2.path(), path);
        assert_eq!(list(dir.path()), [j2.path().to_owned(), path.clone()]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
