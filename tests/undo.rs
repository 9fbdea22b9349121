//! Suggest → apply → undo against moto: the plan lands, undo puts back exactly the previous
//! `port-` tags and leaves every other tag alone, a repository changed since is refused and
//! named, and the undo is itself journaled (undoing it writes the plan again).

mod support;

use serde_json::{Value, json};
use support::{Env, Moto, boto3, run, stderr, stdout};

/// Every repository's tags, sorted, as boto3 reads them.
fn all_tags(moto: &Moto) -> Value {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import boto3, json\n\
             c = boto3.client('ecr', region_name='eu-west-1', endpoint_url='{}', \
             aws_access_key_id='testing', aws_secret_access_key='testing')\n\
             out = {{}}\n\
             for r in c.describe_repositories()['repositories']:\n\
             \x20   tags = c.list_tags_for_resource(resourceArn=r['repositoryArn'])['tags']\n\
             \x20   out[r['repositoryName']] = sorted(tags, key=lambda t: t['Key'])\n\
             print(json.dumps(out, sort_keys=True))",
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
        .arg("tag")
        .args(args)
        .args(["--endpoint-url", url, "--region", "eu-west-1"]))
}

#[test]
fn apply_then_undo_restores_the_service_tags_and_refuses_what_changed_since() {
    let moto = Moto::start();
    boto3(
        &moto,
        r#"
c = ecr('eu-west-1')
c.create_repository(repositoryName='shop/orders', tags=[{'Key': 'team', 'Value': 'a'}])
c.create_repository(repositoryName='billing-worker', tags=[{'Key': 'keep', 'Value': 'me'}])
c.create_repository(repositoryName='misc', tags=[{'Key': 'service', 'Value': 'billing'}])
c.create_repository(repositoryName='sandbox')
c.create_repository(repositoryName='web', tags=[{'Key': 'port-web', 'Value': 'true'}])
"#,
    );
    let env = Env::new();
    let services = env.path("services.json");
    std::fs::write(
        &services,
        r#"["orders", {"identifier": "billing", "title": "Billing"}]"#,
    )
    .unwrap();
    let out = tag_cmd(
        &env,
        &moto.url,
        &["suggest", "--services", services.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut plan: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut picks: Vec<(&str, Option<&str>)> = plan
        .iter()
        .map(|s| (s["repository"].as_str().unwrap(), s["service"].as_str()))
        .collect();
    picks.sort();
    assert_eq!(
        picks,
        [
            ("billing-worker", Some("billing")),
            ("misc", Some("billing")),
            ("sandbox", None),
            ("shop/orders", Some("orders")),
        ],
        "the tagged `web` is left out"
    );
    // The reviewer skips one.
    let misc = plan.iter().position(|s| s["repository"] == "misc").unwrap();
    plan[misc]["skip"] = json!(true);
    let plan_file = env.path("plan.json");
    std::fs::write(&plan_file, serde_json::to_vec(&plan).unwrap()).unwrap();

    let before = all_tags(&moto);
    let plan_arg = plan_file.to_str().unwrap();
    let out = tag_cmd(&env, &moto.url, &["apply", "--plan", plan_arg, "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("plan  shop/orders (eu-west-1): + port-orders=true"));
    assert_eq!(all_tags(&moto), before, "a dry run writes nothing");
    let out = tag_cmd(&env, &moto.url, &["apply", "--plan", plan_arg]);
    assert!(!out.status.success(), "without a terminal, --yes is needed");
    assert_eq!(all_tags(&moto), before);

    let out = tag_cmd(&env, &moto.url, &["apply", "--plan", plan_arg, "--yes"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let applied = all_tags(&moto);
    assert_eq!(
        applied["shop/orders"],
        json!([{"Key": "port-orders", "Value": "true"}, {"Key": "team", "Value": "a"}])
    );
    assert_eq!(
        applied["billing-worker"],
        json!([{"Key": "keep", "Value": "me"}, {"Key": "port-billing", "Value": "true"}])
    );
    assert_eq!(applied["misc"], before["misc"], "skipped");

    // Someone changes a tag that is not a service tag: undo still runs and keeps it.
    boto3(
        &moto,
        r#"
c = ecr('eu-west-1')
arn = c.describe_repositories(repositoryNames=['shop/orders'])['repositories'][0]['repositoryArn']
c.tag_resource(resourceArn=arn, tags=[{'Key': 'team', 'Value': 'b'}])
"#,
    );
    let out = tag_cmd(&env, &moto.url, &["undo", "--yes"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let mut expected = before.clone();
    expected["shop/orders"] = json!([{"Key": "team", "Value": "b"}]);
    assert_eq!(all_tags(&moto), expected, "{}", stdout(&out));

    // The undo was journaled: undoing it writes the plan again.
    let out = tag_cmd(&env, &moto.url, &["undo", "--yes"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let redone = all_tags(&moto);
    assert_eq!(redone["billing-worker"], applied["billing-worker"]);
    assert_eq!(
        redone["shop/orders"],
        json!([{"Key": "port-orders", "Value": "true"}, {"Key": "team", "Value": "b"}])
    );

    // A service tag changed since: that repository is refused and named, the others undone.
    boto3(
        &moto,
        r#"
c = ecr('eu-west-1')
arn = c.describe_repositories(repositoryNames=['billing-worker'])['repositories'][0]['repositoryArn']
c.tag_resource(resourceArn=arn, tags=[{'Key': 'port-billing', 'Value': 'primary'}])
"#,
    );
    let out = tag_cmd(&env, &moto.url, &["undo", "--yes"]);
    assert!(!out.status.success(), "a refusal fails the command");
    let lines = stdout(&out);
    assert!(
        lines.contains(
            "FAIL  billing-worker (eu-west-1): refused: its `port-` tags changed since: \
             the write left port-billing=true, now port-billing=primary"
        ),
        "{lines}"
    );
    let now = all_tags(&moto);
    assert_eq!(now["shop/orders"], json!([{"Key": "team", "Value": "b"}]));
    assert_eq!(
        now["billing-worker"],
        json!([{"Key": "keep", "Value": "me"}, {"Key": "port-billing", "Value": "primary"}])
    );
    let journals = std::fs::read_dir(env.path("state").join("tag-writes"))
        .unwrap()
        .count();
    assert_eq!(journals, 4, "apply, undo, undo of the undo, partial undo");
}
