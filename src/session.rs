//! One run's resolved context (flags, environment, settings) and what it opens: the inventory
//! and the mapping. Shared by the headless commands and the TUI.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{Paths, Settings};
use crate::inventory::demo::DemoInventory;
use crate::inventory::ecr::{AwsOptions, DEFAULT_CONCURRENCY, EcrInventory};
use crate::inventory::{Inventory, InventoryError};
use crate::mapping::eval::{Semantics, Shape};
use crate::mapping::file::{self, MappingFile};
use crate::mapping::worker::{WorkerClient, WorkerOptions};
use crate::model::{Repository, tags};
use crate::port::blueprint;
use crate::port::demo::DemoCatalog;
use crate::port::push::{self, Draft, PushPlan};
use crate::port::{Catalog, ClientOptions, Credentials, PortClient, PortError, Region, Secret};

/// The flags that shape a session (a subset of the CLI's global flags).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub profile: Option<String>,
    pub region: Vec<String>,
    pub endpoint_url: Option<String>,
    pub demo: bool,
    pub read_only: bool,
    pub concurrency: Option<usize>,
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
        self.global.read_only
            || profile.is_some_and(|p| self.settings.aws.read_only_profiles.contains(&p))
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

/// The inventory the flags ask for. ECR needs no network to open; errors are about
/// configuration (region, profile).
pub async fn open_inventory(
    demo: bool,
    opts: &AwsOptions,
) -> Result<Arc<dyn Inventory>, InventoryError> {
    if demo {
        Ok(Arc::new(DemoInventory::new(&opts.regions)?))
    } else {
        Ok(Arc::new(EcrInventory::connect(opts).await?))
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

/// The Port catalog the flags ask for: the in-memory demo one, or the API with credentials.
pub fn open_catalog(ctx: &Context) -> Result<Arc<dyn Catalog>, PortError> {
    if ctx.global.demo {
        return Ok(Arc::new(DemoCatalog::persistent(ctx.demo_catalog_file())));
    }
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
    Ok(Arc::new(PortClient::new(credentials, opts)?))
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

/// What a mapping makes of repositories, as push drafts.
pub struct Drafts {
    pub drafts: Vec<Draft>,
    /// Repositories the mapping's selector left out (they are not part of a push).
    pub skipped: usize,
}

/// Runs the mapping over `repos` in a worker and turns each result into a draft; a field that
/// does not compile fails the whole run (nothing could be pushed correctly).
pub async fn render_drafts(
    mapping: &crate::mapping::file::Mapping,
    semantics: Semantics,
    shape: Shape,
    repos: &[Repository],
) -> Result<Drafts, String> {
    let plan = crate::mapping::Plan::new(mapping);
    let opts = WorkerOptions::current().map_err(|e| e.to_string())?;
    let mut client = WorkerClient::new(opts);
    let inputs: Vec<serde_json::Value> = repos.iter().map(|r| shape.input(r)).collect();
    client
        .load(Arc::new(inputs))
        .await
        .map_err(|e| format!("loading the inputs: {e}"))?;
    let (compile, rendered) =
        crate::mapping::render_all(&mut client, &plan, semantics, repos.len())
            .await
            .map_err(|e| format!("evaluating the mapping: {e}"))?;
    let errors: Vec<String> = plan
        .fields
        .iter()
        .zip(&compile)
        .flat_map(|(field, issues)| {
            issues
                .iter()
                .map(move |i| format!("{}: does not compile: {}", field.name, i.message))
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    let mut drafts = Vec::with_capacity(repos.len());
    let mut skipped = 0;
    for (repo, item) in repos.iter().zip(rendered) {
        if item.skipped {
            skipped += 1;
            continue;
        }
        let problems = || {
            item.problems
                .iter()
                .map(|(f, m)| format!("{f}: {m}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let entity = match &item.entity {
            Some(raw) => serde_json::from_str(raw.get()).map_err(|e| e.to_string()),
            None => Err(match item.problems.is_empty() {
                true => "the mapping produced no entity".to_owned(),
                false => format!("dropped: {}", problems()),
            }),
        };
        drafts.push(Draft {
            repo: format!("{} ({})", repo.name, repo.region),
            entity,
        });
    }
    Ok(Drafts { drafts, skipped })
}

/// The blueprint a mapping writes to: its static one, else `ecr_repository`.
pub fn blueprint_of(mapping: &crate::mapping::file::Mapping) -> String {
    mapping
        .static_blueprint()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| blueprint::DEFAULT_BLUEPRINT.to_owned())
}

/// Before a push: the blueprint needs setting up first, or the plan is made.
pub enum Preflight {
    NeedsSetup(blueprint::Report),
    Ready {
        plan: PushPlan,
        skipped: usize,
        /// The blueprint check, which may carry findings that do not block (a conflict).
        report: blueprint::Report,
    },
}

/// The blueprint check, then the mapping over `repos`, then the plan. Sends no write.
pub async fn preflight(
    catalog: &dyn Catalog,
    mapping: &crate::mapping::file::Mapping,
    semantics: Semantics,
    shape: Shape,
    repos: &[Repository],
    create_missing_related: bool,
) -> Result<Preflight, String> {
    let blueprint_id = blueprint_of(mapping);
    let report = blueprint::check(catalog, &blueprint_id)
        .await
        .map_err(|e| e.to_string())?;
    let Some(bp) = report
        .blueprint
        .clone()
        .filter(|_| report.steps().is_empty())
    else {
        return Ok(Preflight::NeedsSetup(report));
    };
    let drafts = render_drafts(mapping, semantics, shape, repos).await?;
    let plan = push::plan(
        catalog,
        &blueprint_id,
        &bp,
        drafts.drafts,
        create_missing_related,
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(Preflight::Ready {
        plan,
        skipped: drafts.skipped,
        report,
    })
}
