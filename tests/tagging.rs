//! Tag writes against moto and a scripted ECR: tags land, nothing else moves, bad keys never
//! reach the server, failures are per repository.

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use support::{Env, Moto, Stub, aws_error, boto3, operation, run, stderr, stdout};

fn tags_of(moto: &Moto, region: &str, name: &str) -> Value {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import boto3, json\n\
             c = boto3.client('ecr', region_name='{region}', endpoint_url='{}', \
             aws_access_key_id='testing', aws_secret_access_key='testing')\n\
             arn = c.describe_repositories(repositoryNames=['{name}'])['repositories'][0]['repositoryArn']\n\
             print(json.dumps(sorted(c.list_tags_for_resource(resourceArn=arn)['tags'], key=lambda t: t['Key'])))",
            moto.url
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn tag_cmd(env: &Env, url: &str, args: &[&str]) -> std::process::Output {
    run(env
        .cmd()
        .args(["tag"])
        .args(args)
        .args(["--endpoint-url", url, "--region", "eu-west-1"]))
}

#[test]
fn tags_land_others_stay_and_repeating_changes_nothing() {
    let moto = Moto::start();
    boto3(
        &moto,
        r#"
c = ecr('eu-west-1')
c.create_repository(repositoryName='team/api', tags=[{'Key': 'team', 'Value': 'a'}])
c.create_repository(repositoryName='team/web', tags=[{'Key': 'port-web', 'Value': 'true'}])
c.create_repository(repositoryName='bystander', tags=[{'Key': 'keep', 'Value': 'me'}])
"#,
    );
    let env = Env::new();
    let out = tag_cmd(
        &env,
        &moto.url,
        &["add", "--service", "shop", "team/api", "team/web"],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let lines = stdout(&out);
    assert!(
        lines.contains("ok    team/api (eu-west-1): + port-shop=true"),
        "{lines}"
    );
    // The log holds the AWS CLI command that makes the same change, region included.
    let log = std::fs::read_to_string(env.path("state").join("ecr-port.log")).expect("a log");
    for name in ["team/api", "team/web"] {
        let command = format!(
            "command=\"aws ecr tag-resource --resource-arn {} --tags Key=port-shop,Value=true \
             --region eu-west-1 --endpoint-url {}\"",
            format_args!("arn:aws:ecr:eu-west-1:123456789012:repository/{name}"),
            moto.url
        );
        assert!(log.contains(&command), "{command}\n{log}");
    }
    assert_eq!(
        tags_of(&moto, "eu-west-1", "team/api"),
        json!([{"Key": "port-shop", "Value": "true"}, {"Key": "team", "Value": "a"}])
    );
    assert_eq!(
        tags_of(&moto, "eu-west-1", "team/web"),
        json!([{"Key": "port-shop", "Value": "true"}, {"Key": "port-web", "Value": "true"}])
    );
    assert_eq!(
        tags_of(&moto, "eu-west-1", "bystander"),
        json!([{"Key": "keep", "Value": "me"}])
    );

    // Again: nothing to do, nothing written, success.
    let out = tag_cmd(&env, &moto.url, &["add", "--service", "shop", "team/api"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("already present, nothing to do"),
        "{}",
        stdout(&out)
    );

    // A new value overwrites; the plan says so.
    let out = tag_cmd(
        &env,
        &moto.url,
        &[
            "add",
            "--service",
            "shop",
            "--value",
            "primary",
            "--dry-run",
            "team/api",
        ],
    );
    assert!(
        stdout(&out).contains("~ port-shop: true → primary"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        tags_of(&moto, "eu-west-1", "team/api")[0]["Value"],
        "true",
        "dry run wrote"
    );

    // Remove touches only that key.
    let out = tag_cmd(
        &env,
        &moto.url,
        &["remove", "--service", "shop", "team/web"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        tags_of(&moto, "eu-west-1", "team/web"),
        json!([{"Key": "port-web", "Value": "true"}])
    );
}

#[test]
fn the_fifty_tag_limit_refuses_one_and_lets_the_others_through() {
    let moto = Moto::start();
    boto3(
        &moto,
        r#"
c = ecr('eu-west-1')
c.create_repository(repositoryName='full', tags=[{'Key': f'k{i}', 'Value': 'v'} for i in range(50)])
c.create_repository(repositoryName='roomy')
"#,
    );
    let env = Env::new();
    let out = tag_cmd(
        &env,
        &moto.url,
        &["add", "--service", "shop", "full", "roomy"],
    );
    assert_eq!(out.status.code(), Some(1));
    let lines = stdout(&out);
    assert!(
        lines.contains("FAIL  full (eu-west-1): ✗ refused: it has 50 tags"),
        "{lines}"
    );
    assert!(lines.contains("ok    roomy (eu-west-1)"), "{lines}");
    assert_eq!(
        tags_of(&moto, "eu-west-1", "full")
            .as_array()
            .unwrap()
            .len(),
        50
    );
}

fn described(name: &str) -> Value {
    json!({
        "repositoryName": name,
        "repositoryArn": format!("arn:aws:ecr:eu-west-1:123456789012:repository/{name}"),
        "registryId": "123456789012",
        "repositoryUri": format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name}"),
        "imageTagMutability": "MUTABLE"
    })
}

/// A scripted ECR with three repositories; `gone` was deleted after the list was read.
fn scripted() -> Stub {
    Stub::start(Arc::new(|req, _| match operation(req) {
        "DescribeRepositories" => {
            let repos: Vec<Value> = ["a", "b", "gone"].into_iter().map(described).collect();
            (200, json!({ "repositories": repos }))
        }
        "ListTagsForResource" => (200, json!({ "tags": [] })),
        "TagResource"
            if req.body["resourceArn"]
                .as_str()
                .unwrap_or("")
                .ends_with("/gone") =>
        {
            aws_error(
                "RepositoryNotFoundException",
                "The repository with name 'gone' does not exist in the registry with id '123456789012'",
            )
        }
        "TagResource" => (200, json!({})),
        other => aws_error("UnknownOperationException", other),
    }))
}

#[test]
fn a_repository_deleted_meanwhile_fails_alone() {
    let stub = scripted();
    let env = Env::new();
    let out = tag_cmd(
        &env,
        &stub.url,
        &["add", "--service", "shop", "a", "gone", "b"],
    );
    assert_eq!(out.status.code(), Some(1));
    let lines = stdout(&out);
    assert!(lines.contains("ok    a (eu-west-1)"), "{lines}");
    assert!(lines.contains("ok    b (eu-west-1)"), "{lines}");
    assert!(
        lines.contains("FAIL  gone (eu-west-1): repository `gone` no longer exists in eu-west-1"),
        "{lines}"
    );
    assert_eq!(stub.count("TagResource"), 3);
}

#[test]
fn invalid_keys_never_reach_the_server() {
    let stub = scripted();
    let env = Env::new();
    for service in ["bad service!", "aws:sneaky", "", "a;b", &"x".repeat(124)] {
        let out = tag_cmd(&env, &stub.url, &["add", "--service", service, "a"]);
        assert_eq!(out.status.code(), Some(1), "{service}");
        assert!(
            stderr(&out).starts_with("error: "),
            "{service}: {}",
            stderr(&out)
        );
    }
    let out = tag_cmd(
        &env,
        &stub.url,
        &["add", "--service", "s", "--value", "", "a"],
    );
    assert!(stderr(&out).contains("value is empty"), "{}", stderr(&out));
    assert!(
        stub.log.lock().unwrap().is_empty(),
        "a request reached the server: {:?}",
        stub.log.lock().unwrap()
    );
}

#[test]
fn read_only_refuses_every_write() {
    let stub = scripted();
    let env = Env::new();
    let out = run(env.cmd().args([
        "tag",
        "add",
        "--service",
        "shop",
        "a",
        "b",
        "--read-only",
        "--endpoint-url",
        &stub.url,
        "--region",
        "eu-west-1",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("FAIL  a (eu-west-1): read-only mode"),
        "{}",
        stdout(&out)
    );
    assert_eq!(stub.count("TagResource"), 0);

    // The same through the settings file, per profile.
    std::fs::write(
        env.path("aws-config"),
        "[profile prod]\nregion = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(
        env.path("aws-credentials"),
        "[prod]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    std::fs::write(
        env.path("settings.json"),
        r#"{"aws": {"readOnlyProfiles": ["prod"]}}"#,
    )
    .unwrap();
    let out = run(env
        .cmd()
        .args([
            "tag",
            "add",
            "--service",
            "shop",
            "a",
            "--profile",
            "prod",
            "--config",
        ])
        .arg(env.path("settings.json"))
        .args(["--endpoint-url", &stub.url]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("FAIL  a (eu-west-1): read-only mode"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(stub.count("UntagResource"), 0);
    assert_eq!(stub.count("TagResource"), 0);
}

#[test]
fn demo_tags_in_memory() {
    // No credentials at all: the demo needs no AWS account.
    let env = Env::new();
    let tag = || {
        let out = run(env.bare().args([
            "--demo",
            "tag",
            "add",
            "--service",
            "search",
            "auth-service",
        ]));
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let first = tag();
    let written: Vec<&str> = first.lines().filter(|l| l.starts_with("ok ")).collect();
    assert_eq!(
        written,
        [
            "ok    auth-service (eu-west-1): + port-search=true  (new key)",
            "ok    auth-service (us-east-1): + port-search=true  (new key)",
        ],
        "{first}"
    );
    // Held in memory only: the next run starts from the embedded inventory again, so the
    // same tag is new again rather than already present.
    assert_eq!(tag(), first);
}

/// A control character in user input comes back escaped: printed raw, `\x1b[31m` would be a
/// live escape sequence on the user's terminal.
#[test]
fn control_characters_in_input_are_shown_escaped() {
    let env = Env::new();
    let out = run(env.cmd().args([
        "--demo",
        "tag",
        "add",
        "--service",
        "\x1b[31mred",
        "no\x07such",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let (so, se) = (stdout(&out), stderr(&out));
    assert!(se.contains("\\x1b[31mred"), "{se}");
    assert!(!so.contains('\x1b') && !se.contains('\x1b'), "{so}{se}");
    let out = run(env
        .cmd()
        .args(["--demo", "tag", "add", "--service", "red", "no\x07such"]));
    let so = stdout(&out);
    assert!(so.contains("FAIL  no\\x07such: no such repository"), "{so}");
    assert!(!so.contains('\x07'), "{so}");
}

/// Another run adds a tag between our plan and our write: the tags are counted again right
/// before writing, so the 50-tag limit holds and nothing is written.
#[test]
fn the_tag_limit_is_checked_again_right_before_the_write() {
    let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = reads.clone();
    let stub = Stub::start(Arc::new(move |req, _| match operation(req) {
        "DescribeRepositories" => (200, json!({ "repositories": [described("racy")] })),
        "ListTagsForResource" => {
            // 49 tags when the plan is made, 50 by the time of the write.
            let n = 49
                + seen
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                    .min(1);
            let tags: Vec<Value> = (0..n)
                .map(|i| json!({"Key": format!("k{i}"), "Value": "v"}))
                .collect();
            (200, json!({ "tags": tags }))
        }
        "TagResource" => (200, json!({})),
        other => aws_error("UnknownOperationException", other),
    }));
    let env = Env::new();
    let out = tag_cmd(&env, &stub.url, &["add", "--service", "shop", "racy"]);
    assert_eq!(out.status.code(), Some(1));
    let lines = stdout(&out);
    assert!(
        lines.contains("FAIL  racy (eu-west-1)") && lines.contains("now has 50 tags"),
        "{lines}"
    );
    assert_eq!(stub.count("TagResource"), 0, "nothing was written");
    assert!(reads.load(std::sync::atomic::Ordering::SeqCst) >= 2);
}
