//! Accounts found through AWS Organizations: one set of credentials lists the organization's
//! accounts (`ListAccounts`), and one role name is assumed in each active account, as Port's
//! Ocean AWS integration discovers accounts from the management account.
//!
//! The caller's own account is read with the caller's credentials, not through the role:
//! roles rolled out to the members (by StackSets, say) are usually not in the management
//! account, and the caller can read its own account anyway.

use std::collections::HashSet;
use std::error::Error as StdError;

use aws_config::retry::RetryConfig;
use aws_sdk_ecr::config::Region;
use aws_sdk_ecr::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::InventoryError;
use super::credentials::Role;
use super::ecr::{self, AwsOptions};

/// Where Organizations answers when nothing names a region: its endpoint in the `aws`
/// partition is in us-east-1 whatever the region.
const ORGANIZATIONS_REGION: &str = "us-east-1";

/// How to turn the organization's accounts into accounts to load (`aws.organization`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The role's name (with its path, if any) in every member account.
    pub role_name: String,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    /// Account ids left out.
    pub exclude: Vec<String>,
}

/// One account as `ListAccounts` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: String,
    pub name: Option<String>,
    /// `arn:<partition>:organizations::<management>:account/o-…/<id>`.
    pub arn: Option<String>,
    /// Only an active account can be read; a suspended or closing one refuses every call.
    pub active: bool,
}

/// Who called `ListAccounts` (STS `GetCallerIdentity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account: String,
    pub partition: String,
}

/// Why a discovery found nothing, and the one region it is shown in (the one it called).
#[derive(Debug, Clone)]
pub struct Failed {
    pub region: String,
    pub error: InventoryError,
}

/// The role `role_name` in `account`, e.g. `arn:aws:iam::111122223333:role/PortReader`.
pub fn role_arn(partition: &str, account: &str, role_name: &str) -> String {
    format!("arn:{partition}:iam::{account}:role/{role_name}")
}

/// The partition an ARN names (`aws`, `aws-cn`, `aws-us-gov`).
fn partition_of(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next() == Some("arn"))
        .then(|| parts.next())
        .flatten()
        .filter(|p| !p.is_empty())
}

/// The accounts to load from what the organization listed: the active ones not excluded nor
/// in `skip` (accounts listed explicitly by a role in them), in the order listed. Each keeps
/// `entry`'s credentials, regions and endpoint; a member gets the role on top, the caller's
/// own account none. The alias is the account's name, else its id.
pub fn accounts(
    entry: &AwsOptions,
    how: &Discovery,
    members: &[Member],
    caller: &Caller,
    skip: &HashSet<String>,
) -> Vec<AwsOptions> {
    members
        .iter()
        .filter(|m| m.active && !how.exclude.contains(&m.id) && !skip.contains(&m.id))
        .map(|m| {
            let partition = m
                .arn
                .as_deref()
                .and_then(partition_of)
                .unwrap_or(&caller.partition);
            let role = (m.id != caller.account).then(|| Role {
                arn: role_arn(partition, &m.id, &how.role_name),
                external_id: how.external_id.clone(),
                session_name: how.session_name.clone(),
            });
            let alias = m
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| m.id.clone());
            AwsOptions {
                alias: Some(alias),
                role: role.or_else(|| entry.role.clone()),
                discover: None,
                ..entry.clone()
            }
        })
        .collect()
}

/// Lists the organization with `entry`'s credentials and returns its accounts to load (see
/// [`accounts`]). An organization that lists nothing is no organization: a real one always
/// lists at least its management account.
pub async fn discover(
    entry: &AwsOptions,
    how: &Discovery,
    skip: &HashSet<String>,
) -> Result<Vec<AwsOptions>, Failed> {
    let region = entry.regions.first().cloned();
    let fail = |region: &str, error| Failed {
        region: region.to_owned(),
        error,
    };
    let (sdk, profile) = ecr::sdk_config(entry)
        .await
        .map_err(|e| fail(region.as_deref().unwrap_or(ORGANIZATIONS_REGION), e))?;
    let region = region
        .or_else(|| sdk.region().map(ToString::to_string))
        .unwrap_or_else(|| ORGANIZATIONS_REGION.to_owned());
    let endpoint = entry
        .endpoint_url
        .clone()
        .or_else(|| sdk.endpoint_url().map(str::to_owned))
        .unwrap_or_else(|| "https://organizations.us-east-1.amazonaws.com".to_owned());
    let orgs = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(&sdk)
            .region(Region::new(region.clone()))
            // ListAccounts has a low rate quota; one discovery may meet another's throttling.
            .retry_config(RetryConfig::standard())
            .build(),
    );
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&sdk)
            .region(Region::new(region.clone()))
            .build(),
    );
    let named = |e: ErrorText| classify(e, &profile, &endpoint);
    let (listed, me) = tokio::join!(list(&orgs), sts.get_caller_identity().send());
    let members = listed.map_err(|e| fail(&region, named(e)))?;
    let me = me.map_err(|e| fail(&region, named(ErrorText::of(&e, "GetCallerIdentity"))))?;
    if members.is_empty() {
        return Err(fail(
            &region,
            InventoryError::NotInOrganization {
                profile,
                detail: "ListAccounts lists no account".to_owned(),
            },
        ));
    }
    let caller = Caller {
        account: me.account().unwrap_or_default().to_owned(),
        partition: me.arn().and_then(partition_of).unwrap_or("aws").to_owned(),
    };
    let found = accounts(entry, how, &members, &caller, skip);
    tracing::info!(
        listed = members.len(),
        loaded = found.len(),
        caller = %caller.account,
        "organization accounts discovered"
    );
    Ok(found)
}

/// Every page of `ListAccounts`.
async fn list(client: &aws_sdk_organizations::Client) -> Result<Vec<Member>, ErrorText> {
    // 20 is the most a page may hold; moto pages by 100 unless told.
    let mut pages = client
        .list_accounts()
        .max_results(20)
        .into_paginator()
        .send();
    let mut members = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| ErrorText::of(&e, "ListAccounts"))?;
        for account in page.accounts() {
            let Some(id) = account.id() else { continue };
            members.push(Member {
                id: id.to_owned(),
                name: account.name().map(str::to_owned),
                arn: account.arn().map(str::to_owned),
                active: is_active(account),
            });
        }
    }
    Ok(members)
}

/// `State` where the answer has it; the older `Status` (retired in 2026) otherwise.
fn is_active(account: &aws_sdk_organizations::types::Account) -> bool {
    use aws_sdk_organizations::types::{AccountState, AccountStatus};
    match (account.state(), account.status()) {
        (Some(state), _) => *state == AccountState::Active,
        (None, Some(status)) => *status == AccountStatus::Active,
        (None, None) => false,
    }
}

/// What an SDK error says, kept apart from its generic type so both clients share one
/// classification.
struct ErrorText {
    operation: &'static str,
    /// The service's error code and message, when the service answered.
    service: Option<(String, String)>,
    text: String,
    cause: String,
}

impl ErrorText {
    fn of<E>(err: &SdkError<E>, operation: &'static str) -> ErrorText
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let service = match err {
            SdkError::ServiceError(se) => Some((
                se.err().code().unwrap_or("Unknown").to_owned(),
                se.err().message().unwrap_or_default().to_owned(),
            )),
            _ => None,
        };
        ErrorText {
            operation,
            service,
            text: DisplayErrorContext(err).to_string(),
            cause: ecr::innermost(err),
        }
    }
}

fn classify(e: ErrorText, profile: &str, endpoint: &str) -> InventoryError {
    let profile = profile.to_owned();
    match e.service {
        Some((code, message)) if code == "AWSOrganizationsNotInUseException" => {
            InventoryError::NotInOrganization {
                profile,
                detail: format!("{code}: {message}"),
            }
        }
        Some((code, message)) if code.contains("AccessDenied") => {
            InventoryError::OrganizationDenied { profile, message }
        }
        Some((code, _)) if ecr::BAD_CREDENTIAL_CODES.contains(&code.as_str()) => {
            InventoryError::BadCredentials { profile, code }
        }
        Some((code, message)) => InventoryError::Service {
            operation: e.operation.to_owned(),
            region: ORGANIZATIONS_REGION.to_owned(),
            code,
            message,
        },
        None => ecr::credential_problem(&e.text, &e.cause, &profile).unwrap_or(
            InventoryError::Unreachable {
                endpoint: endpoint.to_owned(),
                detail: e.cause,
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, name: Option<&str>, active: bool) -> Member {
        Member {
            id: id.into(),
            name: name.map(Into::into),
            arn: Some(format!(
                "arn:aws:organizations::111111111111:account/o-abc/{id}"
            )),
            active,
        }
    }

    fn caller() -> Caller {
        Caller {
            account: "111111111111".into(),
            partition: "aws".into(),
        }
    }

    fn how(role: &str) -> Discovery {
        Discovery {
            role_name: role.into(),
            external_id: Some("ext".into()),
            session_name: Some("inventory".into()),
            exclude: Vec::new(),
        }
    }

    #[test]
    fn role_arns_name_the_partition_the_account_and_the_path() {
        assert_eq!(
            role_arn("aws", "222222222222", "PortReader"),
            "arn:aws:iam::222222222222:role/PortReader"
        );
        assert_eq!(
            role_arn("aws-cn", "222222222222", "team/PortReader"),
            "arn:aws-cn:iam::222222222222:role/team/PortReader"
        );
        assert_eq!(
            partition_of("arn:aws-us-gov:organizations::1:account/o-x/2"),
            Some("aws-us-gov")
        );
        assert_eq!(partition_of("not-an-arn"), None);
        assert_eq!(partition_of("arn::x"), None);
    }

    #[test]
    fn members_get_the_role_and_the_caller_its_own_credentials() {
        let entry = AwsOptions {
            profile: Some("mgmt".into()),
            regions: vec!["eu-west-1".into()],
            ..AwsOptions::default()
        };
        let members = [
            member("111111111111", Some("management"), true),
            member("222222222222", Some("payments"), true),
            member("333333333333", None, true),
        ];
        let got = accounts(
            &entry,
            &how("PortReader"),
            &members,
            &caller(),
            &HashSet::new(),
        );
        let aliases: Vec<_> = got.iter().map(|a| a.alias.as_deref().unwrap()).collect();
        assert_eq!(aliases, ["management", "payments", "333333333333"]);
        assert_eq!(
            got[0].role, None,
            "the caller's own account assumes nothing"
        );
        let role = got[1].role.as_ref().unwrap();
        assert_eq!(role.arn, "arn:aws:iam::222222222222:role/PortReader");
        assert_eq!(role.external_id.as_deref(), Some("ext"));
        assert_eq!(role.session_name.as_deref(), Some("inventory"));
        for account in &got {
            assert_eq!(account.profile.as_deref(), Some("mgmt"));
            assert_eq!(account.regions, ["eu-west-1"]);
            assert_eq!(account.discover, None);
        }
    }

    #[test]
    fn inactive_excluded_and_explicit_accounts_are_left_out() {
        let members = [
            member("111111111111", Some("management"), true),
            member("222222222222", Some("closed"), false),
            member("333333333333", Some("sandbox"), true),
            member("444444444444", Some("listed"), true),
            member("555555555555", Some("kept"), true),
        ];
        let mut how = how("PortReader");
        how.exclude = vec!["333333333333".into()];
        let skip = HashSet::from(["444444444444".to_owned()]);
        let got = accounts(&AwsOptions::default(), &how, &members, &caller(), &skip);
        let aliases: Vec<_> = got.iter().map(|a| a.alias.as_deref().unwrap()).collect();
        assert_eq!(aliases, ["management", "kept"]);
    }

    #[test]
    fn the_partition_comes_from_the_account_else_the_caller() {
        let mut china = member("222222222222", Some("cn"), true);
        china.arn = Some("arn:aws-cn:organizations::1:account/o-x/222222222222".into());
        let mut bare = member("333333333333", Some("bare"), true);
        bare.arn = None;
        let caller = Caller {
            account: "111111111111".into(),
            partition: "aws-us-gov".into(),
        };
        let got = accounts(
            &AwsOptions::default(),
            &how("R"),
            &[china, bare],
            &caller,
            &HashSet::new(),
        );
        let arns: Vec<_> = got
            .iter()
            .map(|a| a.role.as_ref().unwrap().arn.as_str())
            .collect();
        assert_eq!(
            arns,
            [
                "arn:aws-cn:iam::222222222222:role/R",
                "arn:aws-us-gov:iam::333333333333:role/R"
            ]
        );
    }
}
