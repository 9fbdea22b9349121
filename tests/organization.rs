//! Accounts found through AWS Organizations, against moto's Organizations and STS: moto keeps
//! an assumed role's repositories in the role's account, so records with a member's account id
//! prove its role was assumed. Denials moto does not enforce come from a scripted endpoint.

mod support;

use std::process::{Command, Output};
use std::sync::Arc;

use serde_json::{Value, json};
use support::{Env, Moto, Request, Stub, aws_error, operation, run, stderr, stdout};

/// The ids of the organization's accounts, as the seeding script printed them.
struct Seeded {
    payments: String,
    search: String,
    skipped: String,
    closed: String,
}

/// An organization managed by moto's default account (123456789012, `home` in it) with
/// `payments` first and `search` last among 21 active accounts, so that `search` is on the
/// second page of ListAccounts; `skipped` (to be excluded) and the closed `gone` hold
/// repositories that must not show.
fn seed(moto: &Moto) -> Seeded {
    let script = format!(
        r#"
import boto3, json
kw = dict(endpoint_url='{url}', aws_access_key_id='testing', aws_secret_access_key='testing')
org = boto3.client('organizations', region_name='us-east-1', **kw)
org.create_organization(FeatureSet='ALL')
def account(name):
    s = org.create_account(AccountName=name, Email=name + '@example.com')
    return s['CreateAccountStatus']['AccountId']
ids = {{'payments': account('payments'), 'skipped': account('skipped')}}
for i in range(17):
    account('bulk-%d' % i)
ids['search'] = account('search')
ids['closed'] = account('gone')
sts = boto3.client('sts', region_name='eu-west-1', **kw)
def repo(account, name):
    c = sts.assume_role(RoleArn='arn:aws:iam::%s:role/seed' % account,
        RoleSessionName='seed')['Credentials']
    boto3.client('ecr', region_name='eu-west-1', endpoint_url='{url}',
        aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'],
        aws_session_token=c['SessionToken']).create_repository(repositoryName=name)
for key, name in [('payments', 'pay'), ('search', 'find'), ('skipped', 'not-me'),
                  ('closed', 'gone-too')]:
    repo(ids[key], name)
org.close_account(AccountId=ids['closed'])
boto3.client('ecr', region_name='eu-west-1', **kw).create_repository(repositoryName='home')
print(json.dumps(ids))
"#,
        url = moto.url
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "seeding failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ids: Value = serde_json::from_slice(&out.stdout).expect("the ids as JSON");
    let id = |key: &str| ids[key].as_str().expect("an id").to_owned();
    Seeded {
        payments: id("payments"),
        search: id("search"),
        skipped: id("skipped"),
        closed: id("closed"),
    }
}

/// Keys in `credentials`, and a profile whose role is in an account outside the organization.
fn write_files(env: &Env) {
    std::fs::write(
        env.path("aws-credentials"),
        "[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    std::fs::write(
        env.path("aws-config"),
        "[profile base]\nregion = eu-west-1\n\
         [profile outsider]\nrole_arn = arn:aws:iam::999999999999:role/reader\n\
         source_profile = base\n",
    )
    .unwrap();
}

fn settings(env: &Env, text: &str) -> String {
    let path = env.path("settings.json");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn arn(account: &str, name: &str) -> String {
    format!("arn:aws:ecr:eu-west-1:{account}:repository/{name}")
}

fn list(cmd: &mut Command, url: &str) -> Output {
    run(cmd.args([
        "list",
        "--output",
        "json",
        "--endpoint-url",
        url,
        "--region",
        "eu-west-1",
    ]))
}

fn arns(out: &Output) -> Vec<String> {
    assert!(out.status.success(), "list failed: {}", stderr(out));
    let got: Vec<Value> = serde_json::from_str(&stdout(out)).expect("JSON array");
    got.iter()
        .map(|r| r["Arn"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Ocean's `aws` shape: each record's `__AccountId` beside its ARN.
const OCEAN_MAPPING: &str = r#"resources:
  - kind: AWS::ECR::Repository
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .Properties.Arn
          blueprint: '"ecrRepository"'
          properties:
            account: .__AccountId
"#;

#[test]
fn the_organizations_accounts_load_through_one_role_name() {
    let moto = Moto::start();
    let ids = seed(&moto);
    let env = Env::new();
    write_files(&env);
    let url = moto.url.as_str();
    let config = settings(
        &env,
        &format!(
            r#"{{"aws": {{"organization": {{"roleName": "PortReader", "sessionName": "inventory",
                "exclude": ["{}"]}}}}}}"#,
            ids.skipped
        ),
    );
    let mut want = vec![
        arn("123456789012", "home"),
        arn(&ids.search, "find"),
        arn(&ids.payments, "pay"),
    ];
    want.sort();
    // The settings, with the default chain's keys (the management account's).
    let mut got = arns(&list(env.cmd().args(["--config", &config]), url));
    got.sort();
    assert_eq!(
        got, want,
        "closed {} and excluded {}",
        ids.closed, ids.skipped
    );

    // Every record carries its account: the ARN and Ocean's `__AccountId` agree.
    let mapping = env.path("ocean.yaml");
    std::fs::write(&mapping, OCEAN_MAPPING).unwrap();
    let out = run(env.cmd().args([
        "--config",
        &config,
        "--endpoint-url",
        url,
        "--region",
        "eu-west-1",
        "render",
        "--mapping",
        mapping.to_str().unwrap(),
        "--semantics",
        "ocean",
        "--shape",
        "ocean-aws",
    ]));
    assert!(out.status.success(), "render failed: {}", stderr(&out));
    let mut accounts: Vec<(String, String)> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("one entity a line"))
        .map(|e| {
            let id = e["identifier"].as_str().unwrap_or_default().to_owned();
            let account = e["properties"]["account"].as_str().unwrap_or_default();
            (id, account.to_owned())
        })
        .collect();
    accounts.sort();
    let mut expected = vec![
        (arn("123456789012", "home"), "123456789012".to_owned()),
        (arn(&ids.payments, "pay"), ids.payments.clone()),
        (arn(&ids.search, "find"), ids.search.clone()),
    ];
    expected.sort();
    assert_eq!(accounts, expected);

    // --org-role with --profile naming the caller; nothing excluded without the settings.
    let mut got = arns(&list(
        env.bare()
            .args(["--profile", "base", "--org-role", "PortReader"]),
        url,
    ));
    got.sort();
    let mut all = want.clone();
    all.push(arn(&ids.skipped, "not-me"));
    all.sort();
    assert_eq!(got, all);

    // An account listed by a role in it is not discovered again: one record each.
    let config = settings(
        &env,
        &format!(
            r#"{{"aws": {{"accounts": [{{"alias": "pay", "profile": "base",
                "roleArn": "arn:aws:iam::{}:role/Other"}}],
                "organization": {{"roleName": "PortReader", "profile": "base",
                "exclude": ["{}"]}}}}}}"#,
            ids.payments, ids.skipped
        ),
    );
    let mut got = arns(&list(env.bare().args(["--config", &config]), url));
    got.sort();
    assert_eq!(got, want);

    // A caller whose account is in no organization: moto lists nothing there (AWS answers
    // AWSOrganizationsNotInUseException, see below); the error says what to do.
    let out = list(
        env.bare()
            .args(["--profile", "outsider", "--org-role", "PortReader"]),
        url,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("error: organization · eu-west-1: profile `outsider` cannot list the AWS Organization's accounts: its account is in no organization")
            && err.contains("`aws.organization.profile`"),
        "{err}"
    );
    assert!(stdout(&out).is_empty(), "nothing printed: {}", stdout(&out));
}

/// ECR in one account with one repository, and ListAccounts answering `denial`.
fn organizations_refusing(denial: (u16, Value)) -> impl Fn(&Request, usize) -> (u16, Value) {
    move |req, _| match operation(req) {
        "ListAccounts" => denial.clone(),
        "DescribeRepositories" => (
            200,
            json!({ "repositories": [{
                "repositoryName": "listed-repo",
                "repositoryArn": "arn:aws:ecr:eu-west-1:123456789012:repository/listed-repo",
                "registryId": "123456789012",
                "repositoryUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/listed-repo",
                "imageTagMutability": "MUTABLE"
            }]}),
        ),
        "ListTagsForResource" => (200, json!({ "tags": [] })),
        "GetLifecyclePolicy" => aws_error("LifecyclePolicyNotFoundException", "none"),
        "GetRepositoryPolicy" => aws_error("RepositoryPolicyNotFoundException", "none"),
        other => aws_error("UnknownOperationException", other),
    }
}

#[test]
fn a_refused_discovery_is_named_and_the_listed_accounts_still_load() {
    let env = Env::new();
    write_files(&env);
    let config = settings(
        &env,
        r#"{"aws": {"accounts": [{"alias": "listed", "profile": "base"}],
            "organization": {"roleName": "PortReader"}}}"#,
    );
    for (denial, says) in [
        (
            aws_error(
                "AccessDeniedException",
                "You don't have permissions to access this resource.",
            ),
            "profile `default` may not list the AWS Organization's accounts \
             (organizations:ListAccounts: You don't have permissions to access this resource.)",
        ),
        (
            aws_error(
                "AWSOrganizationsNotInUseException",
                "Your account is not a member of an organization.",
            ),
            "profile `default` cannot list the AWS Organization's accounts: its account is in \
             no organization (AWSOrganizationsNotInUseException",
        ),
    ] {
        let stub = Stub::start(Arc::new(organizations_refusing(denial)));
        let out = list(env.cmd().args(["--config", &config]), &stub.url);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("error: organization · eu-west-1: {says}")),
            "{err}"
        );
        assert!(
            err.contains("management account or of a delegated administrator"),
            "says what to do: {err}"
        );
        // The listed account loaded beside it, without a problem of its own.
        assert!(!err.contains("listed · "), "{err}");
        assert_eq!(stub.count("ListAccounts"), 1);
        assert!(stub.count("DescribeRepositories") >= 1);
    }
}
