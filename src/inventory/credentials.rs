//! Where one account's credentials come from: a profile (any source the AWS CLI accepts), the
//! default chain, and optionally a role assumed on top.
//!
//! aws-config resolves profiles itself, but its assume-role step builds its STS client from the
//! profile files and environment alone: an endpoint given with `--endpoint-url` never reaches
//! it, and a provider built without a region fails with "Missing Region". So a profile that
//! assumes a role through `source_profile` or `credential_source` is walked here, each hop an
//! [`AssumeRoleProvider`] built from the same SDK settings (region, endpoint, timeouts) as the
//! ECR clients. Everything else (static keys, `credential_process`, SSO, web identity) stays
//! with aws-config's own profile provider, given the region it needs.

use std::borrow::Cow;

use aws_config::SdkConfig;
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_sdk_ecr::config::{Credentials, SharedCredentialsProvider};
use aws_types::os_shim_internal::{Env, Fs};
use futures::FutureExt;
use futures::future::BoxFuture;

use super::InventoryError;

/// Longest `source_profile` chain followed; longer is almost surely a cycle.
const MAX_HOPS: usize = 8;

/// A role to assume on top of the base credentials (an `accounts` entry in the settings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Role {
    pub arn: String,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
}

/// The credentials provider for `profile` (`None`: the SDK's default chain), with `role`
/// assumed on top when given. `sdk` carries the region, endpoint and timeouts every STS call
/// must use.
pub async fn provider(
    profile: Option<&str>,
    role: Option<&Role>,
    sdk: &SdkConfig,
) -> Result<Option<SharedCredentialsProvider>, InventoryError> {
    let base = match profile {
        Some(name) => Some(profile_provider(name.to_owned(), sdk.clone(), 0).await?),
        None => None,
    };
    let Some(role) = role else { return Ok(base) };
    let base = match base {
        Some(base) => base,
        None => sdk
            .credentials_provider()
            .ok_or_else(|| no_credentials(profile, "no credentials to assume the role with"))?,
    };
    Ok(Some(
        assume(
            &role.arn,
            role.external_id.as_deref(),
            role.session_name.as_deref(),
            sdk,
            base,
        )
        .await,
    ))
}

fn profile_provider(
    name: String,
    sdk: SdkConfig,
    hops: usize,
) -> BoxFuture<'static, Result<SharedCredentialsProvider, InventoryError>> {
    async move {
        let files = aws_config::profile::load(
            &Fs::real(),
            &Env::real(),
            &EnvConfigFiles::default(),
            Some(Cow::Owned(name.clone())),
        )
        .await
        .map_err(|e| no_credentials(Some(&name), &e.to_string()))?;
        let provider_config = ProviderConfig::without_region().with_region(sdk.region().cloned());
        let sdk_provider = || {
            SharedCredentialsProvider::new(
                ProfileFileCredentialsProvider::builder()
                    .configure(&provider_config)
                    .profile_name(&name)
                    .build(),
            )
        };
        let Some(profile) = files.get_profile(&name) else {
            // aws-config words the error (profile not defined, with the files it read).
            return Ok(sdk_provider());
        };
        let (Some(role_arn), None) = (
            profile.get("role_arn"),
            profile.get("web_identity_token_file"),
        ) else {
            return Ok(sdk_provider());
        };
        if hops >= MAX_HOPS {
            return Err(no_credentials(
                Some(&name),
                &format!("more than {MAX_HOPS} source_profile hops; is there a cycle?"),
            ));
        }
        let base = match (
            profile.get("source_profile"),
            profile.get("credential_source"),
        ) {
            (Some(source), _) if source == name => static_keys(&name, profile)?,
            (Some(source), _) => profile_provider(source.to_owned(), sdk.clone(), hops + 1).await?,
            (None, Some(source)) => named_source(&name, source, &provider_config)?,
            (None, None) => {
                return Err(no_credentials(
                    Some(&name),
                    "`role_arn` needs `source_profile` or `credential_source`",
                ));
            }
        };
        Ok(assume(
            role_arn,
            profile.get("external_id"),
            profile.get("role_session_name"),
            &sdk,
            base,
        )
        .await)
    }
    .boxed()
}

/// A profile that assumes a role with its own keys (`source_profile` naming itself).
fn static_keys(
    name: &str,
    profile: &aws_config::profile::Profile,
) -> Result<SharedCredentialsProvider, InventoryError> {
    let (Some(id), Some(secret)) = (
        profile.get("aws_access_key_id"),
        profile.get("aws_secret_access_key"),
    ) else {
        return Err(no_credentials(
            Some(name),
            "`source_profile` names the profile itself, which has no access keys",
        ));
    };
    let token = profile.get("aws_session_token").map(str::to_owned);
    Ok(SharedCredentialsProvider::new(Credentials::new(
        id, secret, token, None, "profile",
    )))
}

/// `credential_source`: where the AWS CLI takes the base credentials of a role from.
fn named_source(
    name: &str,
    source: &str,
    provider_config: &ProviderConfig,
) -> Result<SharedCredentialsProvider, InventoryError> {
    match source {
        "Environment" => Ok(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        )),
        "Ec2InstanceMetadata" => Ok(SharedCredentialsProvider::new(
            aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                .configure(provider_config)
                .build(),
        )),
        "EcsContainer" => Ok(SharedCredentialsProvider::new(
            aws_config::ecs::EcsCredentialsProvider::builder()
                .configure(provider_config)
                .build(),
        )),
        other => Err(no_credentials(
            Some(name),
            &format!(
                "unknown credential_source `{other}` (use Environment, Ec2InstanceMetadata or \
                 EcsContainer)"
            ),
        )),
    }
}

async fn assume(
    role_arn: &str,
    external_id: Option<&str>,
    session_name: Option<&str>,
    sdk: &SdkConfig,
    base: SharedCredentialsProvider,
) -> SharedCredentialsProvider {
    let sts = sdk.to_builder().credentials_provider(base).build();
    let mut builder = AssumeRoleProvider::builder(role_arn)
        .configure(&sts)
        .session_name(session_name.unwrap_or("ecr-port"));
    if let Some(id) = external_id {
        builder = builder.external_id(id);
    }
    SharedCredentialsProvider::new(builder.build().await)
}

fn no_credentials(profile: Option<&str>, detail: &str) -> InventoryError {
    InventoryError::NoCredentials {
        profile: profile.unwrap_or("default").to_owned(),
        detail: detail.to_owned(),
    }
}
