//! What an inventory source reports: the steps of a load, the result of a tag write, and what
//! can go wrong reading or writing ECR, phrased so the user knows what to do next. Plain data,
//! so the app and the views use it without touching the AWS side.

use thiserror::Error;

use super::{Fetched, Repository, Tag};

/// One step of a load. `load` is the id the caller gave the load, so results of an
/// abandoned load (after a refresh) can be told apart.
#[derive(Debug, Clone)]
pub enum Event {
    /// A region is about to be listed.
    RegionStarted { load: u64, region: String },
    /// A page of repositories, tags still pending.
    Page {
        load: u64,
        region: String,
        repos: Vec<Repository>,
    },
    /// One repository's tags.
    Tags {
        load: u64,
        arn: String,
        tags: Fetched<Vec<Tag>>,
    },
    /// One repository's policies.
    Policies {
        load: u64,
        arn: String,
        lifecycle: Fetched<String>,
        repository: Fetched<String>,
    },
    /// Every repository and every tag of the region is in.
    RegionListed { load: u64, region: String },
    /// Background policy fetches of the region are done.
    PoliciesDone { load: u64, region: String },
    RegionFailed {
        load: u64,
        region: String,
        error: InventoryError,
    },
}

/// One account × region a load reads, as the header shows its progress. `account` is the
/// account's alias when several accounts are loaded side by side, else `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub account: Option<String>,
    pub region: String,
}

impl Scope {
    pub fn region(region: impl Into<String>) -> Scope {
        Scope {
            account: None,
            region: region.into(),
        }
    }

    /// The `region` its events carry: the region alone, or `alias · region` when accounts
    /// share region names.
    pub fn key(&self) -> String {
        match &self.account {
            Some(account) => scope_key(account, &self.region),
            None => self.region.clone(),
        }
    }
}

pub fn scope_key(account: &str, region: &str) -> String {
    format!("{account} · {region}")
}

/// The result of one planned write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub arn: String,
    /// The repository's tags after the write, or why it failed.
    pub result: Result<Vec<Tag>, InventoryError>,
    /// The AWS CLI command that does the same.
    pub command: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InventoryError {
    #[error(
        "no AWS credentials for profile `{profile}`: {detail}. {}",
        credentials_hint(profile)
    )]
    NoCredentials { profile: String, detail: String },

    #[error(
        "the SSO session of profile `{profile}` has expired: run `aws sso login --profile {profile}`"
    )]
    SsoExpired { profile: String },

    #[error(
        "the AWS credentials of profile `{profile}` were rejected ({code}): refresh them, \
         e.g. `aws sso login --profile {profile}` or new keys"
    )]
    BadCredentials { profile: String, code: String },

    #[error("access denied in {region}: the identity lacks `{action}` ({message})")]
    AccessDenied {
        region: String,
        action: String,
        message: String,
    },

    #[error(
        "unknown region `{0}`: use a region code such as eu-west-1 (see `aws ec2 describe-regions`)"
    )]
    UnknownRegion(String),

    #[error("no region: pass --region, set `region` in the AWS profile, or export AWS_REGION")]
    NoRegion,

    #[error("cannot reach {endpoint}: {detail}")]
    Unreachable { endpoint: String, detail: String },

    #[error(
        "ECR kept throttling {operation} in {region} after {attempts} attempts; try again later or lower --concurrency"
    )]
    Throttled {
        operation: String,
        region: String,
        attempts: u32,
    },

    #[error("repository `{name}` no longer exists in {region}")]
    RepositoryNotFound { name: String, region: String },

    #[error("{operation} failed in {region}: {code}: {message}")]
    Service {
        operation: String,
        region: String,
        code: String,
        message: String,
    },

    #[error(
        "profile `{profile}` cannot list the AWS Organization's accounts: its account is in no \
         organization ({detail}). Discovery needs the credentials of the organization's \
         management account or of a delegated administrator: name such a profile in \
         `aws.organization.profile` (or --profile with --org-role), or list the accounts in \
         `aws.accounts`"
    )]
    NotInOrganization { profile: String, detail: String },

    #[error(
        "profile `{profile}` may not list the AWS Organization's accounts \
         (organizations:ListAccounts: {message}). Use the credentials of the management account \
         or of a delegated administrator, allowed `organizations:ListAccounts`, in \
         `aws.organization.profile` (or --profile with --org-role), or list the accounts in \
         `aws.accounts`"
    )]
    OrganizationDenied { profile: String, message: String },

    #[error("the embedded demo inventory is unreadable: {0}")]
    Demo(String),

    #[error(
        "read-only mode: writes are refused (--read-only, or the profile is in readOnlyProfiles)"
    )]
    ReadOnly,

    #[error("nothing to write")]
    NothingToWrite,

    #[error("not written: {0}")]
    NotJournaled(String),
}

impl InventoryError {
    /// A few words for the header, where the full message has no room (the status line and
    /// the log carry it whole).
    pub fn short(&self) -> &'static str {
        match self {
            InventoryError::NoCredentials { .. } => "no credentials",
            InventoryError::SsoExpired { .. } => "session expired",
            InventoryError::BadCredentials { code, .. } if code.contains("Expired") => {
                "session expired"
            }
            InventoryError::BadCredentials { .. } => "credentials rejected",
            InventoryError::AccessDenied { .. } | InventoryError::OrganizationDenied { .. } => {
                "access denied"
            }
            InventoryError::NotInOrganization { .. } => "no organization",
            InventoryError::UnknownRegion(_) => "unknown region",
            InventoryError::NoRegion => "no region",
            InventoryError::Unreachable { .. } => "unreachable",
            InventoryError::Throttled { .. } => "throttled",
            InventoryError::RepositoryNotFound { .. } | InventoryError::Service { .. } => "failed",
            InventoryError::Demo(_) => "unreadable demo",
            InventoryError::ReadOnly => "read-only",
            InventoryError::NothingToWrite | InventoryError::NotJournaled(_) => "failed",
        }
    }
}

/// What to do about missing credentials: for the default profile, also how to pick another.
fn credentials_hint(profile: &str) -> String {
    let fix = format!(
        "run `aws configure --profile {profile}` (or `aws sso login --profile {profile}`), or \
         export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    );
    match profile {
        "default" => format!("Pick a profile with --profile or AWS_PROFILE, {fix}"),
        _ => format!("To fix it, {fix}"),
    }
}
