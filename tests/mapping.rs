//! The mapping engine through the real binary: the guide's expressions fail as Port's
//! exporter would fail on real data, the fixed ones work, and runaway jq never hurts the app.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Env, run, stderr, stdout};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn demo_inventory(env: &Env) -> std::path::PathBuf {
    let out = run(env.cmd().args(["--demo", "list", "--output", "json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let path = env.path("repos.json");
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

fn render(
    env: &Env,
    mapping: &str,
    input: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    run(env
        .cmd()
        .args(["render", "--mapping", mapping, "--input"])
        .arg(input)
        .args(extra))
}

fn entities(out: &std::process::Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON entity per line"))
        .collect()
}

/// What the fixed `service` expression must give: the first non-empty `port-` suffix.
fn expected_service(repo: &Value) -> Value {
    repo["Tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["Key"].as_str())
        .filter_map(|k| k.strip_prefix("port-"))
        .find(|s| !s.is_empty())
        .map_or(Value::Null, |s| json!(s))
}

#[test]
fn the_guides_mapping_drops_every_entity_and_says_why() {
    let env = Env::new();
    let input = demo_inventory(&env);
    let guide = format!("{ROOT}/assets/guide-mapping.json");
    let out = render(&env, &guide, &input, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(entities(&out).is_empty(), "the exporter sends nothing");
    let err = stderr(&out);
    assert!(err.contains("relations.service"), "{err}");
    assert!(err.contains("startswith() requires string inputs"), "{err}");
    // Untagged repositories fail differently: `keys` of an empty array yields nothing.
    assert!(
        err.contains("base-images (eu-west-1): dropped: relations.service"),
        "{err}"
    );

    // Ocean keeps the entities, with a null service and a warning each.
    let out = render(&env, &guide, &input, &["--semantics", "ocean"]);
    assert_eq!(out.status.code(), Some(1));
    let got = entities(&out);
    assert_eq!(got.len(), 48);
    assert!(got.iter().all(|e| e["relations"]["service"].is_null()));
}

#[test]
fn the_fixed_mapping_relates_every_repository_to_its_service() {
    let env = Env::new();
    let input = demo_inventory(&env);
    let repos: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&input).unwrap()).unwrap();
    let fixed = format!("{ROOT}/assets/default-mapping.json");
    let out = render(&env, &fixed, &input, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let got = entities(&out);
    assert_eq!(got.len(), repos.len());
    for (entity, repo) in got.iter().zip(&repos) {
        assert_eq!(entity["identifier"], repo["Arn"]);
        assert_eq!(entity["title"], repo["RepositoryName"]);
        assert_eq!(entity["blueprint"], "ecr_repository");
        assert_eq!(
            entity["relations"]["service"],
            expected_service(repo),
            "{entity}"
        );
        let region = repo["Arn"].as_str().unwrap().split(':').nth(3).unwrap();
        assert_eq!(entity["relations"]["region"], region);
        assert_eq!(entity["properties"]["tags"], repo["Tags"]);
    }
    // The shipped mapping is what `render` uses without --mapping.
    let out = run(env.cmd().args(["render", "--input"]).arg(&input));
    assert_eq!(stdout(&out), stdout(&render(&env, &fixed, &input, &[])));
}

/// The shipped mapping names an entity by its repository's ARN: the demo's names that exist
/// in both regions make two entities each, and nothing is refused as a duplicate.
#[test]
fn the_demo_renders_every_repository_with_no_duplicate_identifier() {
    let env = Env::new();
    let out = run(env.cmd().args(["--demo", "render"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got = entities(&out);
    assert_eq!(got.len(), 48);
    let ids: std::collections::BTreeSet<&str> = got
        .iter()
        .map(|e| e["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 48, "one identifier per repository");
    assert!(ids.contains("arn:aws:ecr:us-east-1:123456789012:repository/payments/api"));
    assert!(!stderr(&out).contains("share"), "{}", stderr(&out));
}

/// A name in two accounts (same region) is two entities too.
#[test]
fn the_shipped_identifier_is_unique_per_account() {
    let env = Env::new();
    let input = env.path("two-accounts.json");
    let repo = |account: &str| {
        json!({"RepositoryName": "payments/api",
               "Arn": format!("arn:aws:ecr:eu-west-1:{account}:repository/payments/api"),
               "RepositoryUri": format!("{account}.dkr.ecr.eu-west-1.amazonaws.com/payments/api"),
               "ImageTagMutability": "MUTABLE", "ImageScanningConfiguration": {"ScanOnPush": false},
               "EncryptionConfiguration": {"EncryptionType": "AES256"}, "Tags": []})
    };
    let repos = json!([repo("111111111111"), repo("222222222222")]);
    std::fs::write(&input, repos.to_string()).unwrap();
    let out = run(env.cmd().args(["render", "--input"]).arg(&input));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got = entities(&out);
    assert_eq!(got.len(), 2);
    assert_ne!(got[0]["identifier"], got[1]["identifier"]);
    assert!(!stderr(&out).contains("share"), "{}", stderr(&out));
}

/// The guide's `.RepositoryName` identifier (relations and links by name) is still allowed,
/// and its collisions are still reported: the six demo names in both regions.
#[test]
fn a_mapping_by_name_still_reports_its_duplicate_identifiers() {
    let env = Env::new();
    let input = demo_inventory(&env);
    let mut by_name: Value =
        serde_json::from_str(include_str!("../assets/default-mapping.json")).unwrap();
    by_name["resources"][0]["port"]["entity"]["mappings"][0]["identifier"] =
        json!(".RepositoryName");
    let mapping = env.path("by-name.json");
    std::fs::write(&mapping, by_name.to_string()).unwrap();
    let out = render(&env, mapping.to_str().unwrap(), &input, &[]);
    assert_eq!(entities(&out).len(), 48);
    let err = stderr(&out);
    assert!(
        err.contains("note: 12 entities share 6 identifiers (a push refuses them):"),
        "{err}"
    );
    assert!(
        err.contains("`payments/api`: payments/api (eu-west-1), payments/api (us-east-1)"),
        "{err}"
    );
}

/// A config with two ECR resources (the second only for `payments/`), the first with two
/// mappings, around a resource of another kind: every mapping makes its entities, in Port's
/// order, each naming the mapping it came from; the second resource's entities collide with
/// the first mapping's (same blueprint, same identifier), and that is reported.
#[test]
fn every_ecr_resource_and_mapping_is_rendered_and_labelled() {
    let env = Env::new();
    let input = demo_inventory(&env);
    let repos: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&input).unwrap()).unwrap();
    let config = json!({"resources": [
        {"kind": "AWS::ECR::Repository", "selector": {"query": "true"},
         "port": {"entity": {"mappings": [
            {"identifier": ".Arn", "title": ".RepositoryName", "blueprint": "ecr_repository",
             "properties": {}},
            {"identifier": ".RepositoryUri", "blueprint": "ecr_uri", "properties": {}}]}}},
        {"kind": "AWS::S3::Bucket",
         "port": {"entity": {"mappings": [{"identifier": ".BucketName", "blueprint": "b"}]}}},
        {"kind": "AWS::ECR::Repository",
         "selector": {"query": ".RepositoryName | startswith(\"payments/\")"},
         "port": {"entity": {"mappings": [
            {"identifier": ".Arn", "title": "\"payments\"", "blueprint": "ecr_repository",
             "properties": {}}]}}}
    ]});
    let mapping = env.path("config.json");
    std::fs::write(&mapping, config.to_string()).unwrap();
    let out = render(&env, mapping.to_str().unwrap(), &input, &[]);
    let got = entities(&out);
    let payments: Vec<&Value> = repos
        .iter()
        .filter(|r| {
            r["RepositoryName"]
                .as_str()
                .unwrap()
                .starts_with("payments/")
        })
        .collect();
    assert_eq!(payments.len(), 5);
    assert_eq!(got.len(), 48 * 2 + payments.len());
    // Resource 1: each repository through mapping 1, then mapping 2; then resource 3.
    for (i, repo) in repos.iter().enumerate() {
        assert_eq!(got[2 * i]["mapping"], "#1.1");
        assert_eq!(got[2 * i]["identifier"], repo["Arn"]);
        assert_eq!(got[2 * i + 1]["mapping"], "#1.2");
        assert_eq!(got[2 * i + 1]["identifier"], repo["RepositoryUri"]);
        assert_eq!(got[2 * i + 1]["blueprint"], "ecr_uri");
    }
    for (entity, repo) in got[96..].iter().zip(&payments) {
        assert_eq!(entity["mapping"], "#3.1");
        assert_eq!(entity["identifier"], repo["Arn"]);
        assert_eq!(entity["title"], "payments");
    }
    let err = stderr(&out);
    assert!(
        err.contains("note: 10 entities share 5 identifiers (a push refuses them):"),
        "{err}"
    );
    assert!(
        err.contains(
            "`arn:aws:ecr:eu-west-1:123456789012:repository/payments/worker`: payments/worker \
             (eu-west-1) #1.1, payments/worker (eu-west-1) #3.1"
        ),
        "{err}"
    );
    // One mapping, as before: no label.
    let fixed = format!("{ROOT}/assets/default-mapping.json");
    let out = render(&env, &fixed, &input, &[]);
    assert!(entities(&out).iter().all(|e| e.get("mapping").is_none()));
}

#[test]
fn ocean_yaml_over_the_ocean_shapes() {
    let env = Env::new();
    let input = demo_inventory(&env);
    let yaml = env.path("ocean.yaml");
    std::fs::write(
        &yaml,
        r#"resources:
  - kind: AWS::ECR::Repository
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .Properties.RepositoryArn
          title: .Properties.RepositoryName
          blueprint: '"ecrRepository"'
          properties:
            region: .__ExtraContext.Region
          relations:
            service: '[.Properties.Tags[]? | .Key | select(startswith("port-")) | ltrimstr("port-") | select(length > 0)]'
"#,
    )
    .unwrap();
    let yaml = yaml.to_str().unwrap();
    let out = render(
        &env,
        yaml,
        &input,
        &["--semantics", "ocean", "--shape", "aws-v3"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let got = entities(&out);
    assert_eq!(got.len(), 48);
    assert!(
        got[0]["identifier"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:ecr:")
    );
    assert_eq!(got[0]["blueprint"], "ecrRepository");
    assert!(got.iter().any(|e| {
        e["relations"]["service"]
            .as_array()
            .is_some_and(|a| a.len() >= 2)
    }));
    // The same mapping over the exporter shape finds no `.Properties`: every identifier is
    // null, so Ocean refuses every entity, and says so.
    let out = render(&env, yaml, &input, &["--semantics", "ocean"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(entities(&out).is_empty());
    assert!(stderr(&out).contains("no identifier"), "{}", stderr(&out));
}

#[test]
fn runaway_jq_never_hurts_a_headless_command() {
    let env = Env::new();
    let input = demo_inventory(&env);
    let mapping = env.path("runaway.json");
    let config = json!({"resources": [{"kind": "AWS::ECR::Repository", "port": {"entity": {"mappings": [{
        "identifier": ".RepositoryName",
        "blueprint": "ecr_repository",
        "properties": {
            "fine": ".RepositoryUri",
            "hangs": "def f: f; f",
            "overflows": "def f: 1 + f; f",
            "allocates": "[range(1e9)]",
            "spins": "last(range(1e10))",
            "halts": "\"x\" | halt_error",
            "secrets": "$ENV.AWS_SECRET_ACCESS_KEY",
            "env": "env | keys"
        }
    }]}}}]});
    std::fs::write(&mapping, config.to_string()).unwrap();
    let started = Instant::now();
    let out = render(
        &env,
        mapping.to_str().unwrap(),
        &input,
        &["--semantics", "ocean", "--timeout", "1"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    // A clean failure, not a crash or a signal.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got = entities(&out);
    assert_eq!(got.len(), 48, "{}", stderr(&out));
    let props = &got[0]["properties"];
    assert!(props["fine"].as_str().unwrap().contains(".dkr.ecr."));
    for field in [
        "hangs",
        "overflows",
        "allocates",
        "spins",
        "halts",
        "secrets",
        "env",
    ] {
        assert!(props[field].is_null(), "{field}: {}", props[field]);
    }
    let err = stderr(&out);
    assert!(err.contains("properties.hangs: error: timed out"), "{err}");
    assert!(err.contains("properties.spins: error: timed out"), "{err}");
    assert!(
        err.contains("properties.overflows: error: the jq worker crashed"),
        "{err}"
    );
    assert!(err.contains("properties.allocates: error:"), "{err}");
    assert!(!err.contains("testing"), "the secret leaked: {err}");
    assert!(
        err.contains("properties.secrets") && err.contains("properties.env"),
        "{err}"
    );
}

#[test]
fn bad_input_files_are_named_and_nothing_is_printed() {
    let env = Env::new();
    let cases = [
        ("not-json.json", "{ nope", "is not a JSON array"),
        (
            "object.json",
            r#"{"RepositoryName": "a"}"#,
            "is not a JSON array",
        ),
        (
            "bad-arn.json",
            r#"[{"RepositoryName": "a", "Arn": "nope"}]"#,
            "is not an ECR repository ARN",
        ),
    ];
    for (name, text, expected) in cases {
        let path = env.path(name);
        std::fs::write(&path, text).unwrap();
        let out = run(env.cmd().args(["render", "--input"]).arg(&path));
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(stdout(&out).is_empty(), "{name}");
        let err = stderr(&out);
        assert!(
            err.contains(name) && err.contains(expected),
            "{name}: {err}"
        );
    }
    let out = run(env
        .cmd()
        .args(["render", "--input"])
        .arg(env.path("missing.json")));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("missing.json"), "{}", stderr(&out));
}

/// `render` waits for its jq worker: when the command has exited, no worker process is left.
#[test]
fn render_leaves_no_worker_behind() {
    let env = Env::new();
    let input = demo_inventory(&env);
    // A copy of the binary under a name of its own, so its workers can be told apart from
    // those of other tests running at the same time.
    let program = env.path("ecr-port-render-reaps");
    std::fs::copy(support::bin(), &program).unwrap();
    let base = env.cmd();
    let mut own = std::process::Command::new(&program);
    for (key, value) in base.get_envs() {
        match value {
            Some(value) => own.env(key, value),
            None => own.env_remove(key),
        };
    }
    own.env("ECR_PORT_LOG", "debug")
        .args(["render", "--input"])
        .arg(&input);
    for _ in 0..3 {
        let out = run(&mut own);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let left = std::process::Command::new("pgrep")
            .args(["-f", &program.display().to_string()])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&left.stdout).trim().is_empty(),
            "a worker outlived render"
        );
    }
    // Each run saw its worker end before it exited (the status is known only after a wait).
    let log = std::fs::read_to_string(env.path("state").join("ecr-port.log")).unwrap();
    assert_eq!(log.matches("jq worker ended").count(), 3, "{log}");
}

/// The worker's JSON-lines protocol: garbage, truncated requests and binary noise each get an
/// error reply (or are skipped), and the worker still answers a good request afterwards.
#[test]
fn the_worker_survives_any_line() {
    use std::io::{BufRead, BufReader, Write};
    // Started as the app starts it: its memory cap, and mimalloc told not to reserve it all.
    let mut child = std::process::Command::new(support::bin())
        .args(["__jq-worker", "1073741824"])
        .env_clear()
        .env("MIMALLOC_ARENA_RESERVE", "64MiB")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let good = r#"{"eval":{"id":7,"exprs":[".a"],"inline":[{"a":1}],"cap":1000}}"#;
    let mut rng = fastrand::Rng::with_seed(3);
    let mut lines: Vec<String> = vec![
        String::new(),
        "null".into(),
        "[]".into(),
        r#"{"eval":{}}"#.into(),
        r#"{"load":{"id":1,"inputs":"nope"}}"#.into(),
        r#"{"load_file":{"id":2,"path":"/nonexistent/x.json"}}"#.into(),
        r#"{"render":{"id":3}}"#.into(),
    ];
    for cut in 1..good.len() {
        lines.push(good[..cut].to_owned());
    }
    for _ in 0..200 {
        let noise: String = (0..rng.usize(1..60))
            .map(|_| char::from(rng.u8(0x20..0x7f)))
            .collect();
        lines.push(noise);
    }
    for line in &lines {
        writeln!(stdin, "{line}").unwrap();
    }
    writeln!(stdin, "{good}").unwrap();
    stdin.flush().unwrap();
    // Every reply is a JSON line; the last one answers the good request.
    let mut answered = false;
    for reply in (&mut stdout).lines() {
        let reply = reply.unwrap();
        let value: Value = serde_json::from_str(&reply).expect("a JSON reply");
        if value["id"] == 7 && value.get("error").is_none_or(Value::is_null) {
            answered = true;
            break;
        }
    }
    assert!(answered, "the good request got its answer");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}
