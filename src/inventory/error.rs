//! What can go wrong while reading or writing ECR, phrased so the user knows what to do next.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InventoryError {
    #[error(
        "no AWS credentials for profile `{profile}`: {detail}. Set AWS_PROFILE or pass --profile, \
         run `aws configure --profile {profile}`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
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

    #[error("the embedded demo inventory is unreadable: {0}")]
    Demo(String),

    #[error(
        "read-only mode: writes are refused (--read-only, or the profile is in readOnlyProfiles)"
    )]
    ReadOnly,

    #[error("nothing to write")]
    NothingToWrite,
}
