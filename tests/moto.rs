//! The inventory against moto's server: what was created comes back as exactly the JSON
//! Port's AWS exporter maps.

mod support;

use serde_json::{Value, json};
use std::sync::Arc;

use support::{Env, Moto, Stub, boto3, operation, run, stderr, stdout};

const ACCOUNT: &str = "123456789012";

fn arn(region: &str, name: &str) -> String {
    format!("arn:aws:ecr:{region}:{ACCOUNT}:repository/{name}")
}

fn uri(region: &str, name: &str) -> String {
    format!("{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{name}")
}

fn list(env: &Env, moto: &Moto, regions: &str) -> Vec<Value> {
    let out = run(env.cmd().args([
        "list",
        "--output",
        "json",
        "--endpoint-url",
        &moto.url,
        "--region",
        regions,
    ]));
    assert!(out.status.success(), "list failed: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("list prints one JSON array")
}

#[test]
fn every_field_comes_back_in_the_exporter_shape() {
    let moto = Moto::start();
    let lifecycle = r#"{"rules":[{"rulePriority":1,"description":"expire untagged","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}}]}"#;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}"#;
    let kms = format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    boto3(
        &moto,
        &format!(
            r#"
eu = ecr('eu-west-1'); us = ecr('us-east-1')
eu.create_repository(repositoryName='payments/api', imageTagMutability='IMMUTABLE',
    imageScanningConfiguration={{'scanOnPush': True}},
    encryptionConfiguration={{'encryptionType': 'KMS', 'kmsKey': '{kms}'}},
    tags=[{{'Key': 'port-payments-api', 'Value': 'true'}}, {{'Key': 'team', 'Value': 'payments'}}])
eu.put_lifecycle_policy(repositoryName='payments/api', lifecyclePolicyText='{lifecycle}')
eu.set_repository_policy(repositoryName='payments/api', policyText='{policy}')
eu.create_repository(repositoryName='platform/tools/ci-runner',
    tags=[{{'Key': 'port-ci', 'Value': 'true'}}, {{'Key': 'port-platform', 'Value': 'yes'}}])
eu.create_repository(repositoryName='untagged')
us.create_repository(repositoryName='auth-service', tags=[{{'Key': 'port-auth-service', 'Value': 'true'}}])
"#
        ),
    );
    let env = Env::new();
    let got = list(&env, &moto, "eu-west-1,us-east-1");
    let expected = json!([
        {
            "RepositoryName": "payments/api",
            "Arn": arn("eu-west-1", "payments/api"),
            "RepositoryUri": uri("eu-west-1", "payments/api"),
            "ImageTagMutability": "IMMUTABLE",
            "ImageScanningConfiguration": { "ScanOnPush": true },
            "EncryptionConfiguration": { "EncryptionType": "KMS", "KmsKey": kms },
            "LifecyclePolicy": { "LifecyclePolicyText": lifecycle, "RegistryId": ACCOUNT },
            "RepositoryPolicyText": serde_json::from_str::<Value>(policy).unwrap(),
            "Tags": [
                { "Key": "port-payments-api", "Value": "true" },
                { "Key": "team", "Value": "payments" }
            ]
        },
        {
            "RepositoryName": "platform/tools/ci-runner",
            "Arn": arn("eu-west-1", "platform/tools/ci-runner"),
            "RepositoryUri": uri("eu-west-1", "platform/tools/ci-runner"),
            "ImageTagMutability": "MUTABLE",
            "ImageScanningConfiguration": { "ScanOnPush": false },
            "EncryptionConfiguration": { "EncryptionType": "AES256" },
            "Tags": [
                { "Key": "port-ci", "Value": "true" },
                { "Key": "port-platform", "Value": "yes" }
            ]
        },
        {
            "RepositoryName": "untagged",
            "Arn": arn("eu-west-1", "untagged"),
            "RepositoryUri": uri("eu-west-1", "untagged"),
            "ImageTagMutability": "MUTABLE",
            "ImageScanningConfiguration": { "ScanOnPush": false },
            "EncryptionConfiguration": { "EncryptionType": "AES256" },
            "Tags": []
        },
        {
            "RepositoryName": "auth-service",
            "Arn": arn("us-east-1", "auth-service"),
            "RepositoryUri": uri("us-east-1", "auth-service"),
            "ImageTagMutability": "MUTABLE",
            "ImageScanningConfiguration": { "ScanOnPush": false },
            "EncryptionConfiguration": { "EncryptionType": "AES256" },
            "Tags": [{ "Key": "port-auth-service", "Value": "true" }]
        }
    ]);
    assert_eq!(Value::Array(got), expected);

    // The table is for people: same rows, services read from the tags.
    let out = run(env.cmd().args([
        "list",
        "-o",
        "table",
        "--endpoint-url",
        &moto.url,
        "--region",
        "eu-west-1",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    let ci = table
        .lines()
        .find(|l| l.starts_with("platform/tools/ci-runner"))
        .expect("row");
    assert!(ci.contains("ci,platform"), "{ci}");
    assert_eq!(table.lines().count(), 4, "{table}");
}

#[test]
fn over_a_thousand_repositories_each_with_its_own_tags() {
    let moto = Moto::start();
    boto3(
        &moto,
        r#"
c = ecr('eu-west-1')
def make(i):
    c.create_repository(repositoryName=f'team-{i % 17}/app-{i:04d}',
        tags=[{'Key': f'port-svc-{i % 23}', 'Value': 'true'}, {'Key': 'n', 'Value': str(i)}])
with cf.ThreadPoolExecutor(16) as pool:
    list(pool.map(make, range(1050)))
"#,
    );
    let env = Env::new();
    let got = list(&env, &moto, "eu-west-1");
    assert_eq!(got.len(), 1050);
    for repo in &got {
        let name = repo["RepositoryName"].as_str().unwrap();
        let i: usize = name.rsplit('-').next().unwrap().parse().unwrap();
        assert_eq!(name, format!("team-{}/app-{i:04}", i % 17));
        assert_eq!(
            repo["Tags"],
            json!([
                { "Key": format!("port-svc-{}", i % 23), "Value": "true" },
                { "Key": "n", "Value": i.to_string() }
            ]),
            "{name}"
        );
    }
}

/// `--profile` wins over the environment's keys, as in the AWS CLI: the profile's key id is
/// the one that signs every request, and a profile whose keys cannot be had fails rather than
/// falling back to the environment's.
#[test]
fn profile_flag_wins_over_environment_keys() {
    let stub = Stub::start(Arc::new(|req: &support::Request, _| match operation(req) {
        "DescribeRepositories" => (200, json!({"repositories": []})),
        other => support::aws_error("UnknownOperationException", other),
    }));
    let env = Env::new();
    std::fs::write(
        env.path("aws-config"),
        "[profile work]\nregion = eu-west-1\n\
         [profile locked]\nregion = eu-west-1\ncredential_process = false\n",
    )
    .unwrap();
    std::fs::write(
        env.path("aws-credentials"),
        "[work]\naws_access_key_id = AKIAPROFILEWORK\naws_secret_access_key = work-secret\n",
    )
    .unwrap();
    let signers = |args: &[&str], env_region: bool| {
        stub.log.lock().unwrap().clear();
        let mut cmd = env.cmd();
        cmd.args(["list", "--no-policies", "--endpoint-url", &stub.url])
            .args(args);
        if env_region {
            cmd.env("AWS_REGION", "eu-west-1");
        }
        let out = run(&mut cmd);
        assert!(out.status.success(), "{}", stderr(&out));
        let log = stub.log.lock().unwrap();
        assert!(!log.is_empty(), "no request reached the endpoint");
        log.iter()
            .map(|r| r.key_id().unwrap_or("unsigned").to_owned())
            .collect::<std::collections::BTreeSet<_>>()
    };
    // The environment holds moto's `testing` keys; the profile's keys sign instead.
    assert_eq!(
        signers(&["--profile", "work"], false),
        ["AKIAPROFILEWORK".to_owned()].into()
    );
    // Without the flag, the environment's keys sign, and the region comes from AWS_REGION.
    assert_eq!(signers(&[], true), ["testing".to_owned()].into());

    let moto = Moto::start();
    boto3(
        &moto,
        "ecr('eu-west-1').create_repository(repositoryName='xy')\n",
    );
    // A profile whose credentials cannot be had: if --profile were ignored in favour of the
    // environment's keys, the listing would succeed.
    let base = ["list", "--endpoint-url", &moto.url];
    let out = run(env.cmd().args(base).args(["--profile", "locked"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("profile `locked`"), "{err}");
}

#[test]
fn configuration_errors_say_what_to_do() {
    let moto = Moto::start();
    let env = Env::new();

    let out = run(env
        .bare()
        .args(["list", "--endpoint-url", &moto.url, "--region", "eu-west-1"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("no AWS credentials for profile `default`"),
        "{err}"
    );
    assert!(err.contains("aws configure"), "{err}");
    assert!(err.contains("--profile or AWS_PROFILE"), "{err}");
    assert!(!err.contains("} }"), "{err}");

    // A profile named on the command line: the hint is about that profile, not about picking one.
    let out = run(env.bare().args([
        "list",
        "--endpoint-url",
        &moto.url,
        "--region",
        "eu-west-1",
        "--profile",
        "dev",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("aws configure --profile dev"), "{err}");
    assert!(!err.contains("Pick a profile"), "{err}");

    let out = run(env.cmd().args(["list", "--endpoint-url", &moto.url]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no region"), "{}", stderr(&out));

    let out = run(env.cmd().args([
        "list",
        "--endpoint-url",
        &moto.url,
        "--region",
        "mars-north",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("unknown region `mars-north`"),
        "{}",
        stderr(&out)
    );

    let port = support::free_port();
    let dead = format!("http://127.0.0.1:{port}");
    let out = run(env
        .cmd()
        .args(["list", "--endpoint-url", &dead, "--region", "eu-west-1"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    // The real cause, not the SDK's Debug text.
    assert!(
        err.contains(&format!("cannot reach {dead}: Connection refused")),
        "{err}"
    );
    assert!(!err.contains("} }"), "{err}");

    std::fs::write(env.path("bad.json"), "{ \"aws\": [1, 2] }").unwrap();
    let out = run(env
        .cmd()
        .args(["list", "--demo", "--config"])
        .arg(env.path("bad.json")));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("bad.json is not valid"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn expired_sso_session_names_the_login_command() {
    let moto = Moto::start();
    let env = Env::new();
    std::fs::write(
        env.path("aws-config"),
        "[profile corp]\nsso_session = corp\nsso_account_id = 123456789012\n\
         sso_role_name = Dev\nregion = eu-west-1\n\n[sso-session corp]\n\
         sso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
    )
    .unwrap();
    // The token cache file is named after the SHA-1 of the session name.
    let cache = env.home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import hashlib;print(hashlib.sha1(b'corp').hexdigest())",
        ])
        .output()
        .unwrap();
    let hash = String::from_utf8(out.stdout).unwrap();
    std::fs::write(
        cache.join(format!("{}.json", hash.trim())),
        r#"{"accessToken":"old","expiresAt":"2020-01-01T00:00:00Z","region":"eu-west-1","startUrl":"https://corp.awsapps.com/start"}"#,
    )
    .unwrap();
    let out = run(env
        .bare()
        .args(["list", "--profile", "corp", "--endpoint-url", &moto.url]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("aws sso login --profile corp"), "{err}");
}
