//! Every credential source the AWS CLI accepts, against moto's ECR and STS: moto keeps the
//! repositories of assumed-role credentials in the role's account, so an inventory that shows
//! the other account's repositories proves the role was really assumed.

mod support;

use std::process::Command;

use serde_json::Value;
use support::{Env, Moto, boto3, run, stderr, stdout};

/// Creates `name` in `account` through credentials of a role assumed there.
fn seed_in(moto: &Moto, account: &str, name: &str) {
    boto3(
        moto,
        &format!(
            r#"
sts = boto3.client('sts', region_name='eu-west-1', endpoint_url='{url}',
    aws_access_key_id='testing', aws_secret_access_key='testing')
c = sts.assume_role(RoleArn='arn:aws:iam::{account}:role/seed', RoleSessionName='seed')['Credentials']
boto3.client('ecr', region_name='eu-west-1', endpoint_url='{url}',
    aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'],
    aws_session_token=c['SessionToken']).create_repository(repositoryName='{name}')
"#,
            url = moto.url
        ),
    );
}

/// Files as `aws configure` leaves them: keys in `credentials`, the rest in `config`.
fn write_files(env: &Env, config: &str) {
    std::fs::write(
        env.path("aws-credentials"),
        "[base]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    std::fs::write(env.path("aws-config"), config).unwrap();
}

fn arns(cmd: &mut Command) -> Vec<String> {
    let out = run(cmd.args(["list", "--output", "json", "--region", "eu-west-1"]));
    assert!(out.status.success(), "list failed: {}", stderr(&out));
    let got: Vec<Value> = serde_json::from_str(&stdout(&out)).expect("JSON array");
    got.iter()
        .map(|r| r["Arn"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn arn(account: &str, name: &str) -> String {
    format!("arn:aws:ecr:eu-west-1:{account}:repository/{name}")
}

#[test]
fn static_keys_and_roles_through_source_profile_and_credential_source() {
    let moto = Moto::start();
    boto3(
        &moto,
        "ecr('eu-west-1').create_repository(repositoryName='home')",
    );
    seed_in(&moto, "222222222222", "theirs");
    seed_in(&moto, "444444444444", "from-env");
    let env = Env::new();
    write_files(
        &env,
        "[profile base]\nregion = eu-west-1\n\
         [profile other]\nrole_arn = arn:aws:iam::222222222222:role/reader\nsource_profile = base\n\
         [profile hop]\nrole_arn = arn:aws:iam::444444444444:role/reader\nsource_profile = other\n\
         [profile envrole]\nrole_arn = arn:aws:iam::444444444444:role/reader\n\
         credential_source = Environment\n",
    );
    let url = moto.url.as_str();
    // Static keys from the credentials file, no environment keys.
    assert_eq!(
        arns(
            env.bare()
                .args(["--profile", "base", "--endpoint-url", url])
        ),
        [arn("123456789012", "home")]
    );
    // role_arn + source_profile, the endpoint given by flag only: STS must be reached there.
    assert_eq!(
        arns(
            env.bare()
                .args(["--profile", "other", "--endpoint-url", url])
        ),
        [arn("222222222222", "theirs")]
    );
    // ... and by AWS_ENDPOINT_URL, as boto3 does it.
    assert_eq!(
        arns(
            env.bare()
                .env("AWS_ENDPOINT_URL", url)
                .args(["--profile", "other"])
        ),
        [arn("222222222222", "theirs")]
    );
    // A chain of two roles.
    assert_eq!(
        arns(env.bare().args(["--profile", "hop", "--endpoint-url", url])),
        [arn("444444444444", "from-env")]
    );
    // credential_source = Environment takes the base keys from the environment ...
    assert_eq!(
        arns(
            env.cmd()
                .args(["--profile", "envrole", "--endpoint-url", url])
        ),
        [arn("444444444444", "from-env")]
    );
    // ... and says so when there are none.
    let out = run(env.bare().args([
        "list",
        "--profile",
        "envrole",
        "--endpoint-url",
        url,
        "--region",
        "eu-west-1",
    ]));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("no AWS credentials for profile `envrole`"),
        "{err}"
    );
}

#[test]
fn credential_process_and_web_identity() {
    let moto = Moto::start();
    boto3(
        &moto,
        "ecr('eu-west-1').create_repository(repositoryName='home')",
    );
    seed_in(&moto, "555555555555", "federated");
    let env = Env::new();
    let script = env.path("creds.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"testing\", \
         \"SecretAccessKey\": \"testing\"}'\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    write_files(
        &env,
        &format!(
            "[profile proc]\nregion = eu-west-1\ncredential_process = {}\n",
            script.display()
        ),
    );
    assert_eq!(
        arns(
            env.bare()
                .args(["--profile", "proc", "--endpoint-url", &moto.url])
        ),
        [arn("123456789012", "home")]
    );
    // Web identity (EKS, GitHub Actions): a token file and a role in the environment.
    let token = env.path("token");
    std::fs::write(&token, "header.payload.signature").unwrap();
    assert_eq!(
        arns(
            env.bare()
                .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token)
                .env("AWS_ROLE_ARN", "arn:aws:iam::555555555555:role/ci-deployer")
                .env("AWS_ROLE_SESSION_NAME", "ci")
                .env("AWS_ENDPOINT_URL", &moto.url)
        ),
        [arn("555555555555", "federated")]
    );
}

#[test]
fn an_expired_sso_session_says_how_to_log_in_again() {
    let moto = Moto::start();
    let env = Env::new();
    write_files(
        &env,
        "[profile corp]\nsso_session = corp\nsso_account_id = 333333333333\n\
         sso_role_name = reader\nregion = eu-west-1\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
         sso_region = eu-west-1\n",
    );
    // The token cache the AWS CLI writes, named by the SHA-1 of the session name.
    let cache = env.home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import hashlib, json; json.dump({{'startUrl': 'https://corp.awsapps.com/start', \
             'region': 'eu-west-1', 'accessToken': 'old', \
             'expiresAt': '2020-01-01T00:00:00Z'}}, \
             open('{}/' + hashlib.sha1(b'corp').hexdigest() + '.json', 'w'))",
            cache.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = run(env.bare().args([
        "list",
        "--profile",
        "corp",
        "--endpoint-url",
        &moto.url,
        "--region",
        "eu-west-1",
    ]));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(
            "the SSO session of profile `corp` has expired: run `aws sso login --profile corp`"
        ),
        "{err}"
    );
}

#[test]
fn several_accounts_load_side_by_side_and_one_failing_is_named() {
    let moto = Moto::start();
    boto3(
        &moto,
        "ecr('eu-west-1').create_repository(repositoryName='home')",
    );
    seed_in(&moto, "222222222222", "theirs");
    let env = Env::new();
    write_files(
        &env,
        "[profile base]\nregion = eu-west-1\n\
         [profile other]\nrole_arn = arn:aws:iam::222222222222:role/reader\nsource_profile = base\n",
    );
    let url = moto.url.as_str();
    let both = [arn("123456789012", "home"), arn("222222222222", "theirs")];
    // --profile repeated or comma-separated.
    assert_eq!(
        arns(
            env.bare()
                .args(["--profile", "base,other", "--endpoint-url", url])
        ),
        both
    );
    assert_eq!(
        arns(env.bare().args([
            "--profile",
            "base",
            "--profile",
            "other",
            "--endpoint-url",
            url
        ])),
        both
    );
    // The settings' accounts: a role assumed on top of a profile.
    let settings = env.path("settings.json");
    std::fs::write(
        &settings,
        r#"{"aws": {"accounts": [{"profile": "base"},
            {"profile": "base", "roleArn": "arn:aws:iam::222222222222:role/reader",
             "sessionName": "inventory"}]}}"#,
    )
    .unwrap();
    assert_eq!(
        arns(env.bare().args([
            "--config",
            settings.to_str().unwrap(),
            "--endpoint-url",
            url
        ])),
        both
    );
    // One account without credentials is named with its regions; the other loads.
    let out = run(env.bare().args([
        "list",
        "--profile",
        "base,nowhere",
        "--endpoint-url",
        url,
        "--region",
        "eu-west-1",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("nowhere · eu-west-1") && err.contains("profile `nowhere`"),
        "{err}"
    );
    assert!(
        !err.contains("base · eu-west-1"),
        "the working account loaded: {err}"
    );
}
