//! Settings: where files live, what the settings file says, and how it is written.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use thiserror::Error;

/// The most parallel ECR calls per region, from the settings or `--concurrency`: past this,
/// more calls only earn throttling, and each one holds a connection and a task.
pub(crate) const MAX_CONCURRENCY: usize = 256;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read settings file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read keymap file {path}: {source}")]
    ReadKeymap {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("settings file {path} is not valid: {source} (see config.example.json)")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "settings file {path} is not valid: unknown key `{at}`{}; {hint} \
         (see config.example.json)",
        position_text(*position)
    )]
    UnknownKey {
        path: PathBuf,
        /// Dotted, from the top: `aws.readonlyProfiles`.
        at: String,
        /// 1-based line and column, when serde could tell.
        position: Option<(usize, usize)>,
        /// The key most likely meant, or the keys allowed there.
        hint: String,
    },
    #[error(
        "settings file {path} is not valid: {at} must be a JSON object, found {found} \
         (see config.example.json)"
    )]
    NotAnObject {
        path: PathBuf,
        /// `the file` or a dotted key such as `aws`.
        at: String,
        found: &'static str,
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
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Settings {
    pub aws: AwsSettings,
    pub port: PortSettings,
    pub tags: TagSettings,
    pub mapping: MappingSettings,
    pub ui: UiSettings,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    /// Parallel ECR calls per region.
    #[serde(deserialize_with = "concurrency")]
    pub concurrency: Option<usize>,
    /// Profiles in which every write is refused, as with --read-only.
    pub read_only_profiles: Vec<String>,
    /// Where tags are read from: `auto` (default), `tagging-api` or `ecr`.
    pub tag_source: Option<crate::inventory::tagging::TagSource>,
    /// Several accounts loaded side by side; empty: the one profile above.
    pub accounts: Vec<AccountSettings>,
    /// Every account of an AWS Organization, found with `ListAccounts`, one role assumed in
    /// each; loaded beside `accounts`.
    pub organization: Option<OrganizationSettings>,
}

/// `aws.organization`: the credentials that may call Organizations' `ListAccounts` (the
/// management account's or a delegated administrator's), and the role to assume in every
/// active account it lists. The caller's own account is read with its own credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrganizationSettings {
    /// The role's name (with its path, if any) in each member account: `PortReader` becomes
    /// `arn:aws:iam::<id>:role/PortReader`.
    #[serde(deserialize_with = "role_name")]
    pub role_name: String,
    /// The profile that calls `ListAccounts` and whose keys assume the roles (default: the
    /// `profile` above, else the default chain).
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub session_name: Option<String>,
    /// Every discovered account's regions (default: `aws.regions`).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Account ids left out, the caller's own included.
    #[serde(default, deserialize_with = "account_ids")]
    pub exclude: Vec<String>,
}

/// One account of `aws.accounts`: a profile, a role assumed on top of it (or of the default
/// chain), and its regions (default: `aws.regions`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct AccountSettings {
    /// The account's name in the list and the header (default: the role's account id, else
    /// the profile).
    pub alias: Option<String>,
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct PortSettings {
    /// `eu` or `us`.
    pub region: Option<String>,
    pub base_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct TagSettings {
    pub prefix: Option<String>,
    pub default_value: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct MappingSettings {
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct UiSettings {
    /// The terminal UI's colours (`--theme` wins).
    pub theme: Option<Theme>,
}

/// The terminal UI's colours: for a dark terminal background (the default) or a light one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    #[default]
    Dark,
    Light,
}

/// `aws.concurrency`: absent or null is the default; anything but a whole number in range is
/// refused here, where serde still knows the line and column.
fn concurrency<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let value = Option::<Value>::deserialize(d)?;
    let Some(value) = value else {
        return Ok(None);
    };
    match value.as_u64().and_then(|n| usize::try_from(n).ok()) {
        Some(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(Some(n)),
        _ => Err(serde::de::Error::custom(format!(
            "`aws.concurrency` must be a whole number from 1 to {MAX_CONCURRENCY}, found {value}"
        ))),
    }
}

/// `aws.organization.roleName`: what IAM takes as a role name, optionally behind a path
/// (`team/PortReader`), so that a typo is refused here rather than by every AssumeRole.
fn role_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    check_role_name(&name)
        .map_err(|e| serde::de::Error::custom(format!("`aws.organization.roleName`: {e}")))?;
    Ok(name)
}

/// Why `name` is no IAM role name (1 to 64 of `A-Za-z0-9+=,.@_-`, after an optional
/// `path/`), shared with `--org-role`.
pub fn check_role_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    let (path_ok, last) = match name.rsplit_once('/') {
        None => (true, name),
        Some((path, last)) => (
            path.split('/')
                .all(|p| !p.is_empty() && p.chars().all(allowed)),
            last,
        ),
    };
    if (1..=64).contains(&last.len()) && last.chars().all(allowed) && path_ok {
        Ok(())
    } else {
        Err(format!(
            "a role name is 1 to 64 of A-Z a-z 0-9 + = , . @ _ - (after an optional path/), \
             found `{name}`"
        ))
    }
}

/// `aws.organization.exclude`: twelve-digit account ids, as `ListAccounts` gives them.
fn account_ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let ids = Vec::<String>::deserialize(d)?;
    if let Some(bad) = ids
        .iter()
        .find(|id| id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(serde::de::Error::custom(format!(
            "`aws.organization.exclude` lists AWS account ids (twelve digits), found `{bad}`"
        )));
    }
    Ok(ids)
}

/// What the walk over the settings found first, in file order.
enum Problem {
    NotAnObject {
        at: String,
        found: &'static str,
    },
    Unknown {
        at: String,
        key: String,
        known: Vec<String>,
    },
}

/// Compares `value` with `known` (the defaults, where every section is an object): the first
/// section that is not an object, or the first key the settings do not have.
fn first_problem(value: &Value, known: &Value, at: &str) -> Option<Problem> {
    let known = known.as_object()?;
    let Some(map) = value.as_object() else {
        return Some(Problem::NotAnObject {
            at: if at.is_empty() {
                "the file".to_owned()
            } else {
                format!("`{at}`")
            },
            found: json_kind(value),
        });
    };
    for (key, child) in map {
        let path = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        match known.get(key) {
            Some(section) if section.is_object() => {
                if let Some(problem) = first_problem(child, section, &path) {
                    return Some(problem);
                }
            }
            Some(_) => {}
            None => {
                return Some(Problem::Unknown {
                    at: path,
                    key: key.clone(),
                    known: known.keys().cloned().collect(),
                });
            }
        }
    }
    None
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The known key that `key` most likely meant: the same but for case, else the nearest by
/// edit distance (two swapped letters count as one edit) within a third of its length, so
/// that a short key is not matched to anything. Shared with the mapping file's key check.
pub(crate) fn closest<'a>(key: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let key = key.to_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::osa_distance(&key, &k.to_lowercase()), k))
        .filter(|(distance, k)| *distance <= (k.chars().count() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

fn position_text(position: Option<(usize, usize)>) -> String {
    match position {
        Some((line, column)) => format!(" at line {line} column {column}"),
        None => String::new(),
    }
}

fn hint(key: &str, known: &[String]) -> String {
    match closest(key, known.iter().map(String::as_str)) {
        Some(meant) => format!("did you mean `{meant}`?"),
        None => format!("the keys here are {}", known.join(", ")),
    }
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

    /// The keymap file sits beside the settings file.
    pub fn keymap_file(&self) -> PathBuf {
        self.config_file
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join("keymap.json")
    }

    /// The workbench editor's history of expressions, per mapping file.
    pub fn history_file(&self) -> PathBuf {
        self.state_dir.join("expression-history.json")
    }

    /// The keymap file's text; `None` when there is none.
    pub fn read_keymap(&self) -> Result<Option<String>, ConfigError> {
        let path = self.keymap_file();
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ConfigError::ReadKeymap { path, source }),
        }
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
        Settings::parse(&text, path)
    }

    /// Strict, because a typo must not pass for a setting: `readonlyProfiles` read as nothing
    /// would turn the read-only guard off without a word. Serde finds the first unknown key
    /// with its line and column; the walk over the same text says where it sits and what was
    /// meant, and catches sections that are not objects, which serde would read as arrays.
    fn parse(text: &str, path: &Path) -> Result<Settings, ConfigError> {
        let parse_error = |source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        };
        let value: Value = serde_json::from_str(text).map_err(parse_error)?;
        // Every section and key, from the type itself, so the check cannot drift from it.
        let known = serde_json::to_value(Settings::default()).map_err(parse_error)?;
        let problem = first_problem(&value, &known, "");
        if let Some(Problem::NotAnObject { at, found }) = problem {
            return Err(ConfigError::NotAnObject {
                path: path.to_owned(),
                at,
                found,
            });
        }
        let settings = serde_json::from_str(text).map_err(|source| match problem {
            Some(Problem::Unknown { at, key, known })
                if source
                    .to_string()
                    .starts_with(&format!("unknown field `{key}`")) =>
            {
                ConfigError::UnknownKey {
                    path: path.to_owned(),
                    at,
                    position: Some((source.line(), source.column())),
                    hint: hint(&key, &known),
                }
            }
            _ => parse_error(source),
        })?;
        Ok(settings)
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

/// The journals in `dir` named `{prefix}….jsonl`, newest first: their names are a sortable
/// UTC timestamp and a zero-padded counter. Push and tag journals share this rule.
pub fn journals_newest_first(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".jsonl"))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.reverse();
    found
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

    /// Thousands of damaged settings files: each is read or refused with an error, never a
    /// panic.
    #[test]
    fn damaged_settings_never_panic() {
        let example = include_str!("../config.example.json");
        let path = Path::new("settings.json");
        for text in crate::model::mutate::damaged(example, 3_000, 7) {
            let _ = Settings::parse(&text, path);
        }
    }

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

    fn load_text(text: &str) -> Result<Settings, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, text).unwrap();
        Settings::load(&path, true)
    }

    #[test]
    fn unknown_keys_name_the_place_and_the_key_meant() {
        let err = load_text("{\"aws\": {\"readonlyProfiles\": [\"prod\"]}}").unwrap_err();
        assert!(
            matches!(&err, ConfigError::UnknownKey { at, position: Some((1, _)), .. } if at == "aws.readonlyProfiles"),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains(
                "c.json is not valid: unknown key `aws.readonlyProfiles` at line 1 column "
            ),
            "{text}"
        );
        assert!(text.contains("did you mean `readOnlyProfiles`?"), "{text}");

        let err = load_text("{\"aws\": {\"regoins\": []}}")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`aws.regoins` at line 1 column 18; did you mean `regions`?"),
            "{err}"
        );
        let err = load_text("{\"Aws\": {}}").unwrap_err().to_string();
        assert!(
            err.contains("`Aws` at line 1 column 6; did you mean `aws`?"),
            "{err}"
        );
        let err = load_text("{\n  \"bogus\": 1\n}").unwrap_err().to_string();
        assert!(
            err.contains(
                "unknown key `bogus` at line 2 column 9; the keys here are aws, port, tags, mapping"
            ),
            "{err}"
        );
    }

    #[test]
    fn sections_must_be_objects() {
        for (text, at, found) in [
            ("[]", "the file", "an array"),
            ("5", "the file", "a number"),
            ("{\"aws\": []}", "`aws`", "an array"),
            ("{\"port\": {}, \"tags\": \"x\"}", "`tags`", "a string"),
        ] {
            let err = load_text(text).unwrap_err().to_string();
            assert!(
                err.contains(&format!(
                    "c.json is not valid: {at} must be a JSON object, found {found}"
                )),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn concurrency_is_a_whole_number_in_range() {
        for bad in [
            "0",
            "-1",
            "257",
            "18446744073709551616",
            "1e30",
            "1.5",
            "\"8\"",
            "true",
        ] {
            let err = load_text(&format!("{{\"aws\": {{\"concurrency\": {bad}}}}}"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("c.json"), "{bad}: {err}");
            assert!(
                err.contains("aws.concurrency") || err.contains("line 1"),
                "{bad}: {err}"
            );
        }
        let ok = load_text("{\"aws\": {\"concurrency\": 256}}").unwrap();
        assert_eq!(ok.aws.concurrency, Some(256));
        let none = load_text("{\"aws\": {\"concurrency\": null}}").unwrap();
        assert_eq!(none.aws.concurrency, None);
    }

    #[test]
    fn the_organization_needs_a_role_name_and_account_ids() {
        let org = |body: &str| load_text(&format!("{{\"aws\": {{\"organization\": {body}}}}}"));
        let ok = org(
            r#"{"roleName": "team/PortReader", "profile": "mgmt", "exclude": ["111122223333"],
                "regions": ["eu-west-1"], "externalId": "x", "sessionName": "inventory"}"#,
        )
        .unwrap();
        let o = ok.aws.organization.unwrap();
        assert_eq!(o.role_name, "team/PortReader");
        assert_eq!(o.exclude, ["111122223333"]);
        for (body, says) in [
            ("{}", "missing field `roleName`"),
            (
                r#"{"roleName": ""}"#,
                "`aws.organization.roleName`: a role name is",
            ),
            (r#"{"roleName": "Port Reader"}"#, "found `Port Reader`"),
            (r#"{"roleName": "/PortReader"}"#, "found `/PortReader`"),
            (r#"{"roleName": "arn:aws:iam::1:role/R"}"#, "a role name is"),
            (
                r#"{"roleName": "R", "exclude": ["1234"]}"#,
                "`aws.organization.exclude` lists AWS account ids (twelve digits), found `1234`",
            ),
            (
                r#"{"roleName": "R", "roleArn": "x"}"#,
                "unknown field `roleArn`",
            ),
        ] {
            let err = org(body).unwrap_err().to_string();
            assert!(
                err.contains(says) && err.contains("line 1"),
                "{body}: {err}"
            );
        }
        assert!(check_role_name(&"r".repeat(64)).is_ok());
        assert!(check_role_name(&"r".repeat(65)).is_err());
        assert!(check_role_name("a/b/OrganizationAccountAccessRole").is_ok());
        assert!(check_role_name("a//b").is_err());
    }

    #[test]
    fn every_key_the_settings_write_reads_back() {
        let mut s = Settings::default();
        s.aws.concurrency = Some(4);
        s.port.client_secret = Some(Secret::new("x"));
        let text = serde_json::to_string(&s).unwrap();
        assert_eq!(load_text(&text).unwrap(), s);
    }

    #[test]
    fn closest_prefers_case_then_small_edits() {
        let known = ["profile", "regions", "endpointUrl", "readOnlyProfiles"];
        assert_eq!(closest("readonlyprofiles", known), Some("readOnlyProfiles"));
        assert_eq!(closest("regoins", known), Some("regions"));
        assert_eq!(closest("endpointurl", known), Some("endpointUrl"));
        assert_eq!(closest("bogus", known), None);
        assert_eq!(closest("x", ["aws", "port"]), None);
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

/// The profile names of the AWS config and credentials files (`AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/`), for completion. Only section names are
/// read: the files hold keys, and nothing else of them is kept.
pub fn aws_profiles() -> Vec<String> {
    let home = directories::BaseDirs::new().map(|d| d.home_dir().join(".aws"));
    let file = |var: &str, name: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(name)))
    };
    let mut names = std::collections::BTreeSet::new();
    if let Some(text) = file("AWS_CONFIG_FILE", "config").and_then(|p| fs::read_to_string(p).ok()) {
        names.extend(profile_sections(&text, true));
    }
    if let Some(text) =
        file("AWS_SHARED_CREDENTIALS_FILE", "credentials").and_then(|p| fs::read_to_string(p).ok())
    {
        names.extend(profile_sections(&text, false));
    }
    names.into_iter().collect()
}

/// `[default]` and `[profile dev]` in the config file, `[dev]` in the credentials file.
fn profile_sections(text: &str, config: bool) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']'))
        .filter_map(|s| {
            let s = s.trim();
            match (config, s.strip_prefix("profile ")) {
                (true, Some(name)) => Some(name.trim().to_owned()),
                (true, None) if s == "default" => Some(s.to_owned()),
                (false, _) if !s.contains(' ') => Some(s.to_owned()),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod profile_tests {
    #[test]
    fn profile_names_from_both_files() {
        let config = "[default]\nregion = eu-west-1\n[profile dev]\n[sso-session corp]\n";
        assert_eq!(super::profile_sections(config, true), ["default", "dev"]);
        let creds = "[default]\naws_access_key_id = x\n[ci]\n";
        assert_eq!(super::profile_sections(creds, false), ["default", "ci"]);
    }
}
