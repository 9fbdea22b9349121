//! `tag drift` against the stateful fake Port: a real push makes the entities, then tags change
//! under them, and each kind of drift must be told apart from one search of the blueprint.

#[allow(dead_code)] // each test binary uses a different part of the fake
mod fake_port;
mod support;

use ecr_port::port::blueprint::{self, DEFAULT_BLUEPRINT};
use fake_port::{CLIENT_ID, CLIENT_SECRET, FakePort};
use serde_json::{Value, json};
use support::{Env, stderr, stdout};

/// A repository as `ecr-port list --output json` prints it, with these tag keys.
fn repo(name: &str, keys: &[&str]) -> Value {
    json!({
        "RepositoryName": name,
        "Arn": format!("arn:aws:ecr:eu-west-1:123456789012:repository/{name}"),
        "RepositoryUri": format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name}"),
        "ImageTagMutability": "MUTABLE",
        "ImageScanningConfiguration": {"ScanOnPush": true},
        "EncryptionConfiguration": {"EncryptionType": "AES256"},
        "Tags": keys.iter().map(|k| json!({"Key": k, "Value": "true"})).collect::<Vec<_>>()
    })
}

/// Runs the binary against the fake with `repos` as the saved inventory.
async fn run(port: &FakePort, env: &Env, repos: &Value, args: &[&str]) -> (i32, String, String) {
    let input = env.path("repos.json");
    std::fs::write(&input, repos.to_string()).unwrap();
    let mut cmd = env.cmd();
    cmd.env("PORT_CLIENT_ID", CLIENT_ID)
        .env("PORT_CLIENT_SECRET", CLIENT_SECRET)
        .env("PORT_BASE_URL", port.url())
        .args(args)
        .arg("--input")
        .arg(&input);
    let out = tokio::task::spawn_blocking(move || support::run(&mut cmd))
        .await
        .unwrap();
    (out.status.code().unwrap_or(-1), stdout(&out), stderr(&out))
}

#[tokio::test]
async fn each_kind_of_drift_is_told_apart_after_a_real_push() {
    let port = FakePort::ready().await;
    let env = Env::new();
    let pushed = json!([
        repo("orders/api", &["port-orders"]),
        repo("payments/api", &["port-payments"]),
        repo("search/api", &["port-search", "team"]),
    ]);
    let (code, out, err) = run(&port, &env, &pushed, &["push", "--yes"]).await;
    assert_eq!(code, 0, "push: {out}\n{err}");

    // Since the push: payments/api was retagged to another service, search/api to one Port
    // lacks, a new repository was tagged, and one stays untagged.
    let now = json!([
        repo("orders/api", &["port-orders"]),
        repo("payments/api", &["port-orders"]),
        repo("search/api", &["port-ghost"]),
        repo("new/app", &["port-search"]),
        repo("plain/app", &["team"]),
    ]);
    let searches_before = port
        .state()
        .count("POST /v1/blueprints/ecr_repository/entities/search");
    let (code, out, err) = run(&port, &env, &now, &["tag", "drift", "-o", "json"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).expect(&out);
    let state_of = |name: &str| {
        rows.iter()
            .find(|r| r["repository"] == name)
            .unwrap_or_else(|| panic!("{name} missing from {out}"))
    };
    assert_eq!(rows.len(), 4, "the untagged repository is left out: {out}");
    assert_eq!(state_of("orders/api")["state"], "in_sync");
    assert_eq!(state_of("orders/api")["port"], json!(["orders"]));
    let differs = state_of("payments/api");
    assert_eq!(differs["state"], "differs");
    assert_eq!(differs["tagged"], json!(["orders"]));
    assert_eq!(differs["port"], json!(["payments"]));
    assert_eq!(differs["detail"], "tag says `orders`, Port says `payments`");
    let ghost = state_of("search/api");
    assert_eq!(ghost["state"], "no_such_service");
    assert_eq!(ghost["missing_services"], json!(["ghost"]));
    assert_eq!(state_of("new/app")["state"], "not_in_port");
    assert!(state_of("new/app")["identifier"].is_string());
    assert!(err.contains("3 of 4 tagged repositories drift"), "{err}");
    let searches = port
        .state()
        .count("POST /v1/blueprints/ecr_repository/entities/search");
    assert_eq!(
        searches - searches_before,
        1,
        "one search reads every entity"
    );

    let (code, out, _) = run(
        &port,
        &env,
        &now,
        &["tag", "drift", "-o", "text", "--exit-code"],
    )
    .await;
    assert_eq!(code, 1, "--exit-code fails on drift: {out}");
    let first = out.lines().nth(1).unwrap_or_default();
    assert!(
        first.starts_with("search/api") && first.contains("no such service"),
        "{out}"
    );

    let synced = json!([repo("orders/api", &["port-orders"])]);
    let (code, out, _) = run(&port, &env, &synced, &["tag", "drift", "--exit-code"]).await;
    assert_eq!(code, 0, "nothing drifts: {out}");
}

/// A Port without the `service` blueprint: every tag names a service Port does not have, and
/// the command says so rather than failing on the search's 404.
#[tokio::test]
async fn without_a_service_blueprint_every_tag_names_no_such_service() {
    let port = FakePort::start().await;
    port.state().blueprints.insert(
        DEFAULT_BLUEPRINT.into(),
        blueprint::guide_blueprint(DEFAULT_BLUEPRINT),
    );
    let env = Env::new();
    let repos = json!([repo("orders/api", &["port-orders"])]);
    let (code, out, err) = run(&port, &env, &repos, &["tag", "drift"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).expect(&out);
    assert_eq!(rows[0]["state"], "no_such_service", "{out}");
    assert_eq!(rows[0]["missing_services"], json!(["orders"]));
}
