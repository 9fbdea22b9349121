//! Settings: where files live, what the settings file says, and how it is written.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read settings file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("settings file {path} is not valid: {source} (see config.example.json)")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no home directory to keep settings and logs in; pass --config and set ECR_PORT_STATE_DIR"
    )]
    NoHome,
}

/// A value that must never be shown: `Debug` and `Display` print a placeholder.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(** redacted **)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub aws: AwsSettings,
    pub port: PortSettings,
    pub tags: TagSettings,
    pub mapping: MappingSettings,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    /// Parallel ECR calls per region.
    pub concurrency: Option<usize>,
    /// Profiles in which every write is refused, as with --read-only.
    pub read_only_profiles: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortSettings {
    /// `eu` or `us`.
    pub region: Option<String>,
    pub base_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TagSettings {
    pub prefix: Option<String>,
    pub default_value: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MappingSettings {
    pub file: Option<PathBuf>,
}

/// Where ecr-port keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    /// Standard per-user locations (`~/.config/ecr-port`, `~/.local/state/ecr-port` on Linux);
    /// `ECR_PORT_STATE_DIR` moves the state directory.
    pub fn resolve(config: Option<&Path>) -> Result<Paths, ConfigError> {
        let dirs = directories::ProjectDirs::from("", "", "ecr-port");
        let config_file = match (config, &dirs) {
            (Some(path), _) => path.to_owned(),
            (None, Some(d)) => d.config_dir().join("config.json"),
            (None, None) => return Err(ConfigError::NoHome),
        };
        let state_dir = match (std::env::var_os("ECR_PORT_STATE_DIR"), &dirs) {
            (Some(dir), _) => PathBuf::from(dir),
            (None, Some(d)) => d
                .state_dir()
                .unwrap_or_else(|| d.data_local_dir())
                .to_owned(),
            (None, None) => return Err(ConfigError::NoHome),
        };
        Ok(Paths {
            config_file,
            state_dir,
        })
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("ecr-port.log")
    }
}

impl Settings {
    /// Reads the settings file. A missing file is fine unless it was named explicitly.
    pub fn load(path: &Path, explicit: bool) -> Result<Settings, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(Settings::default());
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        serde_json::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// Writes the settings atomically with mode 0600, since they may hold the Port secret.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| ConfigError::Write {
            path: path.to_owned(),
            source: std::io::Error::other(e),
        })?;
        write_atomic(path, text.as_bytes(), true).map(drop)
    }
}

/// Writes atomically: a reader sees the old file or the new one, never a part. The temp file
/// is in the target's directory (rename is atomic only within one file system) and fsynced
/// before the old file is touched, so a full disk leaves it intact. A symlink is followed, so
/// the link survives. An existing file keeps its mode and its old content as `<name>.bak`;
/// `private` files (and their backups) are 0600, others a new file's usual 0666 & !umask.
/// Returns the backup's path when one was made.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    private: bool,
) -> Result<Option<PathBuf>, ConfigError> {
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let fail = |source| ConfigError::Write {
        path: target.clone(),
        source,
    };
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    std::fs::create_dir_all(&dir).map_err(fail)?;
    let previous = std::fs::metadata(&target).ok();
    let mut builder = tempfile::Builder::new();
    builder.prefix(".ecr-port-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(if private {
            0o600
        } else {
            0o666
        }));
    }
    let mut tmp = builder.tempfile_in(&dir).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    if let Some(meta) = previous.as_ref().filter(|_| !private) {
        std::fs::set_permissions(tmp.path(), meta.permissions()).map_err(fail)?;
    }
    tmp.as_file().sync_all().map_err(fail)?;
    let backup = match previous {
        Some(_) => Some(backup(&target, private).map_err(fail)?),
        None => None,
    };
    tmp.persist(&target).map_err(|e| fail(e.error))?;
    // Makes the rename itself durable; not every platform can open a directory.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(backup)
}

/// `<name>.bak` beside the file, a copy, so the original keeps its inode until the rename.
/// The old version may hold the secret too: a private file's backup is private as well.
fn backup(target: &Path, private: bool) -> std::io::Result<PathBuf> {
    let mut name = target.file_name().unwrap_or_default().to_owned();
    name.push(".bak");
    let bak = target.with_file_name(name);
    std::fs::copy(target, &bak)?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bak, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::File::open(&bak)?.sync_all()?;
    Ok(bak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Settings {
            port: PortSettings {
                client_secret: Some(Secret::new("hunter2")),
                ..Default::default()
            },
            ..Default::default()
        };
        let shown = format!("{s:?} {}", s.port.client_secret.as_ref().unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn malformed_file_names_the_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, "{\"aws\": {\"regions\": 5}}").unwrap();
        let err = Settings::load(&path, true).unwrap_err().to_string();
        assert!(err.contains("c.json") && err.contains("line 1"), "{err}");
        assert!(Settings::load(&dir.path().join("none.json"), false).is_ok());
        assert!(Settings::load(&dir.path().join("none.json"), true).is_err());
    }

    #[test]
    fn save_is_private_and_keeps_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let mut s = Settings::default();
        s.aws.profile = Some("one".into());
        s.save(&path).unwrap();
        s.aws.profile = Some("two".into());
        s.port.client_secret = Some(Secret::new("x"));
        s.save(&path).unwrap();
        assert_eq!(Settings::load(&path, true).unwrap(), s);
        let backup = std::fs::read_to_string(dir.path().join("config.json.bak")).unwrap();
        assert!(backup.contains("one"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn example_settings_parse() {
        let text = include_str!("../config.example.json");
        let s: Settings = serde_json::from_str(text).unwrap();
        assert_eq!(s.tags.prefix.as_deref(), Some("port-"));
    }
}
