//! One run's resolved context (flags, environment, settings) and what it opens: the inventory
//! and the mapping. Shared by the headless commands and the TUI.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{Paths, Settings};
use crate::inventory::demo::DemoInventory;
use crate::inventory::ecr::{AwsOptions, DEFAULT_CONCURRENCY, EcrInventory};
use crate::inventory::{Inventory, InventoryError};
use crate::mapping::file::{self, MappingFile};
use crate::model::tags;

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
