//! One run's resolved context (flags, environment, settings) and what it opens: the inventory,
//! the Port catalog (both behind the read-only guard) and the mapping.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{Paths, Settings};
use crate::inventory::accounts::{Account, Accounts};
use crate::inventory::credentials::Role;
use crate::inventory::demo::DemoInventory;
use crate::inventory::ecr::{AwsOptions, DEFAULT_CONCURRENCY, EcrInventory};
use crate::inventory::organization::{self, Discovery};
use crate::inventory::{Inventory, InventoryError};
use crate::mapping::file::{self, MappingFile};
use crate::model::tags;
use crate::port::blueprint;
use crate::port::demo::DemoCatalog;
use crate::port::{Catalog, ClientOptions, Credentials, PortClient, PortError, Region, Secret};

use super::guard::{GuardedCatalog, GuardedInventory};

/// The flags that shape a session (a subset of the CLI's global flags).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// The first of `profiles`.
    pub profile: Option<String>,
    /// Every `--profile` given: more than one loads them side by side.
    pub profiles: Vec<String>,
    pub region: Vec<String>,
    pub endpoint_url: Option<String>,
    pub demo: bool,
    pub read_only: bool,
    pub concurrency: Option<usize>,
    /// `--org-role`: discover the organization's accounts and assume this role in each.
    pub org_role: Option<String>,
}

/// Everything resolved from flags, environment and the settings file.
pub struct Context {
    pub paths: Paths,
    pub settings: Settings,
    pub global: Flags,
}

impl Context {
    pub fn read_only(&self) -> bool {
        let profile = self
            .global
            .profile
            .clone()
            .or_else(|| self.settings.aws.profile.clone());
        let read_only = |p: &String| self.settings.aws.read_only_profiles.contains(p);
        self.global.read_only
            || profile.as_ref().is_some_and(read_only)
            || self.global.profiles.iter().any(read_only)
            || self
                .settings
                .aws
                .accounts
                .iter()
                .any(|a| a.profile.as_ref().is_some_and(read_only))
            || self
                .organization()
                .and_then(|o| o.profile)
                .as_ref()
                .is_some_and(read_only)
    }

    /// One set of options per account: each `--profile` when several are given, else the
    /// settings' `accounts`, else the one profile; and the organization's accounts (one entry
    /// that stands for them all until the inventory opens) when asked for.
    pub fn accounts(&self) -> Vec<AwsOptions> {
        let base = self.aws_options();
        let mut accounts = if self.global.profiles.len() > 1 {
            self.global
                .profiles
                .iter()
                .map(|p| AwsOptions {
                    profile: Some(p.clone()),
                    alias: Some(p.clone()),
                    ..base.clone()
                })
                .collect()
        } else if self.global.profiles.is_empty() {
            self.settings
                .aws
                .accounts
                .iter()
                .map(|a| AwsOptions {
                    alias: a.alias.clone(),
                    profile: a.profile.clone().or_else(|| base.profile.clone()),
                    role: a.role_arn.as_ref().map(|arn| Role {
                        arn: arn.clone(),
                        external_id: a.external_id.clone(),
                        session_name: a.session_name.clone(),
                    }),
                    regions: self.regions_or(&a.regions),
                    ..base.clone()
                })
                .collect()
        } else {
            Vec::new()
        };
        accounts.extend(self.organization());
        if accounts.is_empty() {
            accounts.push(base);
        }
        accounts
    }

    /// The entry that discovers the organization's accounts: with `--org-role`, or with
    /// `aws.organization` when no `--profile` names the accounts instead. Its credentials call
    /// `ListAccounts`: `--profile`'s (the first), else `aws.organization.profile`, else
    /// `aws.profile`, else the default chain.
    fn organization(&self) -> Option<AwsOptions> {
        let settings = self.settings.aws.organization.as_ref();
        let from_settings = settings.filter(|_| self.global.profiles.is_empty());
        let role_name = self
            .global
            .org_role
            .clone()
            .or_else(|| from_settings.map(|o| o.role_name.clone()))?;
        let base = self.aws_options();
        let profile = self
            .global
            .profile
            .clone()
            .or_else(|| settings.and_then(|o| o.profile.clone()))
            .or(base.profile.clone());
        let regions = self.regions_or(settings.map_or(&[][..], |o| &o.regions));
        Some(AwsOptions {
            profile,
            regions,
            discover: Some(Discovery {
                role_name,
                external_id: settings.and_then(|o| o.external_id.clone()),
                session_name: settings.and_then(|o| o.session_name.clone()),
                exclude: settings.map(|o| o.exclude.clone()).unwrap_or_default(),
            }),
            ..base
        })
    }

    /// An account's own regions, unless `--region` overrides them or it names none.
    fn regions_or(&self, own: &[String]) -> Vec<String> {
        if own.is_empty() || !self.global.region.is_empty() {
            self.aws_options().regions
        } else {
            own.to_vec()
        }
    }

    pub fn aws_options(&self) -> AwsOptions {
        let aws = &self.settings.aws;
        AwsOptions {
            profile: self.global.profile.clone().or_else(|| aws.profile.clone()),
            regions: if self.global.region.is_empty() {
                aws.regions.clone()
            } else {
                self.global.region.clone()
            },
            endpoint_url: self
                .global
                .endpoint_url
                .clone()
                .or_else(|| aws.endpoint_url.clone()),
            concurrency: self
                .global
                .concurrency
                .or(aws.concurrency)
                .unwrap_or(DEFAULT_CONCURRENCY),
            role: None,
            tag_source: aws.tag_source.unwrap_or_default(),
            alias: None,
            discover: None,
        }
    }

    pub fn prefix(&self) -> String {
        self.settings
            .tags
            .prefix
            .clone()
            .unwrap_or_else(|| tags::DEFAULT_PREFIX.to_owned())
    }
}

/// What opening the inventory needs, detached from the context so a task can own it.
#[derive(Debug, Clone)]
pub struct InventoryRequest {
    pub demo: bool,
    pub read_only: bool,
    pub aws: AwsOptions,
    /// More than one: loaded side by side (`aws` is the first).
    pub accounts: Vec<AwsOptions>,
}

impl InventoryRequest {
    /// The inventory the flags ask for, behind the read-only guard. ECR needs no network to
    /// open; errors are about configuration (region, profile).
    pub async fn open(self) -> Result<Arc<dyn Inventory>, InventoryError> {
        let inner: Box<dyn Inventory> = if self.demo {
            // For benchmarks of big lists: the demo repeated to that many repositories.
            match env_var("ECR_PORT_DEMO_SCALE").and_then(|n| n.parse::<usize>().ok()) {
                Some(total) => Box::new(DemoInventory::scaled(&self.aws.regions, total)?),
                None => Box::new(DemoInventory::new(&self.aws.regions)?),
            }
        } else if self.accounts.len() > 1 || self.accounts.iter().any(|a| a.discover.is_some()) {
            Box::new(Accounts::new(open_accounts(&self.accounts).await))
        } else {
            Box::new(EcrInventory::connect(&self.aws).await?)
        };
        Ok(Arc::new(GuardedInventory::new(inner, self.read_only)))
    }
}

/// Every account, the organization's discovered first: each discovery's accounts take its
/// entry's place. An account listed with a role in it is not discovered again, and a
/// discovery that fails is shown as an account of its own (`organization`), so the listed
/// accounts still load.
async fn open_accounts(entries: &[AwsOptions]) -> Vec<Account> {
    let listed: HashSet<String> = entries
        .iter()
        .filter(|e| e.discover.is_none())
        .filter_map(|e| role_account(e).map(str::to_owned))
        .collect();
    let listed = &listed;
    let expanded = futures::future::join_all(entries.iter().map(|entry| async move {
        match &entry.discover {
            None => vec![Ok(entry.clone())],
            Some(how) => match organization::discover(entry, how, listed).await {
                Ok(found) => found.into_iter().map(Ok).collect(),
                Err(failed) => vec![Err((entry, failed))],
            },
        }
    }))
    .await;
    let mut aliases = HashSet::new();
    let opened = expanded.into_iter().flatten().map(|one| {
        let alias = unique_alias(&mut aliases, &one);
        async move {
            match one {
                Ok(opts) => open_account(&opts, alias).await,
                Err((entry, failed)) => Account::Failed {
                    alias,
                    label: format!("organization via {}", account_label(entry)),
                    regions: vec![failed.region],
                    error: failed.error,
                },
            }
        }
    });
    futures::future::join_all(opened).await
}

/// The account's alias, made unique: names in an organization need not be, and the header and
/// the load's events tell accounts apart by it.
fn unique_alias(
    taken: &mut HashSet<String>,
    one: &Result<AwsOptions, (&AwsOptions, organization::Failed)>,
) -> String {
    let (alias, id) = match one {
        Ok(opts) => (account_alias(opts), role_account(opts)),
        Err(_) => ("organization".to_owned(), None),
    };
    let mut unique = alias.clone();
    let mut n = 1;
    while taken.contains(&unique) {
        n += 1;
        unique = match id {
            Some(id) if n == 2 => format!("{alias} ({id})"),
            _ => format!("{alias} ({n})"),
        };
    }
    taken.insert(unique.clone());
    unique
}

/// The id of the account whose role `opts` assumes.
fn role_account(opts: &AwsOptions) -> Option<&str> {
    let id = opts.role.as_ref()?.arn.split(':').nth(4)?;
    (!id.is_empty()).then_some(id)
}

/// One account's inventory; a configuration error fails that account alone.
async fn open_account(opts: &AwsOptions, alias: String) -> Account {
    match EcrInventory::connect(opts).await {
        Ok(inv) => Account::Open {
            alias,
            inventory: Box::new(inv),
        },
        Err(error) => Account::Failed {
            alias,
            label: account_label(opts),
            regions: opts.regions.clone(),
            error,
        },
    }
}

/// The account's name in the list: the settings' alias, else the id of the role's account,
/// else the profile.
fn account_alias(opts: &AwsOptions) -> String {
    opts.alias
        .clone()
        .or_else(|| role_account(opts).map(str::to_owned))
        .or_else(|| opts.profile.clone())
        .unwrap_or_else(|| "default".to_owned())
}

fn account_label(opts: &AwsOptions) -> String {
    let profile = opts.profile.as_deref().unwrap_or("default");
    match &opts.role {
        Some(role) => format!("profile {profile} → {}", role.arn),
        None => format!("profile {profile}"),
    }
}

impl Context {
    pub fn inventory_request(&self) -> InventoryRequest {
        InventoryRequest {
            demo: self.global.demo,
            read_only: self.read_only(),
            aws: self.aws_options(),
            accounts: self.accounts(),
        }
    }

    pub async fn open_inventory(&self) -> Result<Arc<dyn Inventory>, InventoryError> {
        self.inventory_request().open().await
    }
}

impl Context {
    pub fn tag_value(&self) -> String {
        self.settings
            .tags
            .default_value
            .clone()
            .unwrap_or_else(|| "true".to_owned())
    }
}

/// The mapping the flags and settings name, or the shipped one.
pub fn load_mapping(
    ctx: &Context,
    path: Option<PathBuf>,
) -> Result<MappingFile, crate::mapping::file::MappingFileError> {
    match path.or_else(|| ctx.settings.mapping.file.clone()) {
        Some(path) => MappingFile::load(&path),
        None => MappingFile::parse(file::default_exporter_config(), file::Format::ExporterJson),
    }
}

/// Where the Port settings come from, resolved: environment over settings file.
#[derive(Debug, Clone)]
pub struct PortTarget {
    pub base_url: String,
    pub credentials: Option<Credentials>,
}

impl Context {
    /// `PORT_BASE_URL` > `port.baseUrl` > the region (`PORT_REGION` > `port.region`, default eu).
    pub fn port_base_url(&self) -> Result<String, PortError> {
        let port = &self.settings.port;
        if let Some(url) = env_var("PORT_BASE_URL").or_else(|| port.base_url.clone()) {
            return Ok(url);
        }
        let name = env_var("PORT_REGION")
            .or_else(|| port.region.clone())
            .unwrap_or_else(|| "eu".to_owned());
        Region::from_name(&name)
            .map(|r| r.base_url().to_owned())
            .ok_or_else(|| {
                PortError::Config(format!(
                    "Port region `{name}` is unknown; use `eu` or `us` (or set port.baseUrl)"
                ))
            })
    }

    /// The base URL and the credentials: environment over settings file.
    pub fn port_target(&self) -> Result<PortTarget, PortError> {
        let port = &self.settings.port;
        let base_url = self.port_base_url()?;
        let id = env_var("PORT_CLIENT_ID").or_else(|| port.client_id.clone());
        let secret = match env_var("PORT_CLIENT_SECRET") {
            Some(secret) => Some(Secret::new(secret)),
            None => {
                if port.client_secret.is_some() {
                    check_private(&self.paths.config_file)?;
                }
                port.client_secret.clone()
            }
        };
        let credentials = match (id, secret) {
            (Some(client_id), Some(client_secret)) => Some(Credentials {
                client_id,
                client_secret,
            }),
            _ => None,
        };
        Ok(PortTarget {
            base_url,
            credentials,
        })
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A settings file holding the secret must be the user's alone, as ssh insists for keys.
fn check_private(path: &std::path::Path) -> Result<(), PortError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(PortError::Config(format!(
                    "{} holds the Port client secret but others can read it (mode {mode:o}); \
                     run `chmod 600 {}`",
                    path.display(),
                    path.display()
                )));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The Port catalog the flags ask for, behind the read-only guard: the in-memory demo one, or
/// the API with credentials.
pub fn open_catalog(ctx: &Context) -> Result<Arc<dyn Catalog>, PortError> {
    let inner: Box<dyn Catalog> = if ctx.global.demo {
        Box::new(DemoCatalog::persistent(ctx.demo_catalog_file()))
    } else {
        Box::new(port_client(ctx)?)
    };
    Ok(Arc::new(GuardedCatalog::new(inner, ctx.read_only())))
}

fn port_client(ctx: &Context) -> Result<PortClient, PortError> {
    let target = ctx.port_target()?;
    let Some(credentials) = target.credentials else {
        return Err(PortError::Config(
            "no Port credentials: set PORT_CLIENT_ID and PORT_CLIENT_SECRET, or run \
             `ecr-port login` to keep them in the settings file (mode 0600)"
                .into(),
        ));
    };
    let opts = ClientOptions {
        base_url: target.base_url,
        ..ClientOptions::default()
    };
    PortClient::new(credentials, opts)
}

impl Context {
    /// Where the demo's Port catalog is kept between runs.
    pub fn demo_catalog_file(&self) -> PathBuf {
        self.paths.state_dir.join("demo-port-catalog.json")
    }

    /// Where push journals live.
    pub fn journal_dir(&self) -> PathBuf {
        self.paths.state_dir.join("pushes")
    }
}

/// The blueprint a mapping writes to: its static one, else `ecr_repository`.
pub fn blueprint_of(mapping: &crate::mapping::file::Mapping) -> String {
    mapping
        .static_blueprint()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| blueprint::DEFAULT_BLUEPRINT.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AccountSettings, OrganizationSettings};

    fn context(settings: Settings, global: Flags) -> Context {
        Context {
            paths: Paths {
                config_file: PathBuf::from("config.json"),
                state_dir: PathBuf::from("state"),
            },
            settings,
            global,
        }
    }

    fn with_organization() -> Settings {
        let mut s = Settings::default();
        s.aws.profile = Some("dev".into());
        s.aws.regions = vec!["eu-west-1".into()];
        s.aws.organization = Some(OrganizationSettings {
            role_name: "PortReader".into(),
            profile: Some("mgmt".into()),
            external_id: Some("ext".into()),
            session_name: None,
            regions: vec!["us-east-1".into()],
            exclude: vec!["111122223333".into()],
        });
        s
    }

    #[test]
    fn the_organization_is_one_entry_with_its_callers_credentials() {
        let ctx = context(with_organization(), Flags::default());
        let accounts = ctx.accounts();
        assert_eq!(
            accounts.len(),
            1,
            "the default profile is not loaded beside it"
        );
        let org = &accounts[0];
        assert_eq!(org.profile.as_deref(), Some("mgmt"));
        assert_eq!(org.regions, ["us-east-1"]);
        let how = org.discover.as_ref().unwrap();
        assert_eq!(how.role_name, "PortReader");
        assert_eq!(how.external_id.as_deref(), Some("ext"));
        assert_eq!(how.exclude, ["111122223333"]);

        // Beside the listed accounts, after them.
        let mut s = with_organization();
        s.aws.accounts = vec![AccountSettings {
            profile: Some("a".into()),
            ..Default::default()
        }];
        let accounts = context(s, Flags::default()).accounts();
        assert_eq!(accounts.len(), 2);
        assert_eq!(accounts[0].discover, None);
        assert!(accounts[1].discover.is_some());
    }

    #[test]
    fn a_profile_flag_replaces_the_organization_unless_org_role_asks_for_it() {
        let one = |org_role: Option<&str>, region: &[&str]| Flags {
            profile: Some("p".into()),
            profiles: vec!["p".into()],
            region: region.iter().map(|r| r.to_string()).collect(),
            org_role: org_role.map(Into::into),
            ..Flags::default()
        };
        let accounts = context(with_organization(), one(None, &[])).accounts();
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].discover, None);
        assert_eq!(accounts[0].profile.as_deref(), Some("p"));

        // --org-role: --profile calls ListAccounts, --region wins, the rest from the settings.
        let ctx = context(with_organization(), one(Some("Other"), &["ap-south-1"]));
        let accounts = ctx.accounts();
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].profile.as_deref(), Some("p"));
        assert_eq!(accounts[0].regions, ["ap-south-1"]);
        let how = accounts[0].discover.as_ref().unwrap();
        assert_eq!(how.role_name, "Other");
        assert_eq!(how.exclude, ["111122223333"]);

        // --org-role alone: the settings' profile, else `aws.profile`.
        let flags = Flags {
            org_role: Some("R".into()),
            ..Flags::default()
        };
        let mut s = Settings::default();
        s.aws.profile = Some("dev".into());
        let accounts = context(s, flags).accounts();
        assert_eq!(accounts[0].profile.as_deref(), Some("dev"));
        assert_eq!(accounts[0].discover.as_ref().unwrap().role_name, "R");
    }

    #[test]
    fn the_callers_profile_can_make_the_run_read_only() {
        let mut s = with_organization();
        s.aws.read_only_profiles = vec!["mgmt".into()];
        assert!(context(s.clone(), Flags::default()).read_only());
        s.aws.read_only_profiles = vec!["other".into()];
        assert!(!context(s, Flags::default()).read_only());
    }

    #[test]
    fn aliases_stay_unique_across_accounts() {
        let named = |alias: &str, id: Option<&str>| AwsOptions {
            alias: Some(alias.into()),
            role: id.map(|id| Role {
                arn: format!("arn:aws:iam::{id}:role/R"),
                ..Role::default()
            }),
            ..AwsOptions::default()
        };
        let mut taken = HashSet::new();
        let failed = organization::Failed {
            region: "eu-west-1".into(),
            error: InventoryError::NoRegion,
        };
        let entry = AwsOptions::default();
        let got: Vec<String> = [
            Ok(named("prod", Some("111111111111"))),
            Ok(named("prod", Some("222222222222"))),
            Ok(named("prod", None)),
            Err((&entry, failed)),
        ]
        .iter()
        .map(|one| unique_alias(&mut taken, one))
        .collect();
        assert_eq!(
            got,
            ["prod", "prod (222222222222)", "prod (2)", "organization"]
        );
    }
}
