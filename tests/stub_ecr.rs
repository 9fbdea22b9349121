//! What moto cannot show: DescribeRepositories over several pages, ThrottlingException
//! storms, and AccessDenied, served by a scripted ECR endpoint.

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use support::{Env, Request, Stub, aws_error, operation, run, stderr, stdout};

fn repo_json(i: usize) -> Value {
    let name = format!("team/app-{i}");
    json!({
        "repositoryName": name,
        "repositoryArn": format!("arn:aws:ecr:eu-west-1:123456789012:repository/{name}"),
        "registryId": "123456789012",
        "repositoryUri": format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name}"),
        "createdAt": 1.705071987E9,
        "imageTagMutability": "MUTABLE",
        "imageScanningConfiguration": { "scanOnPush": i.is_multiple_of(2) },
        "encryptionConfiguration": { "encryptionType": "AES256" }
    })
}

/// Three pages of DescribeRepositories chained by nextToken; tags name their repository.
fn paged(req: &Request) -> (u16, Value) {
    match operation(req) {
        "DescribeRepositories" => {
            let (range, next) = match req.body.get("nextToken").and_then(Value::as_str) {
                None => (0..3, Some("page-2")),
                Some("page-2") => (3..6, Some("page-3")),
                Some("page-3") => (6..7, None),
                Some(other) => return aws_error("InvalidParameterException", other),
            };
            let mut body = json!({ "repositories": range.map(repo_json).collect::<Vec<_>>() });
            if let Some(next) = next {
                body["nextToken"] = json!(next);
            }
            (200, body)
        }
        "ListTagsForResource" => {
            let arn = req.body["resourceArn"].as_str().unwrap_or_default();
            let name = arn.rsplit('/').next().unwrap_or_default();
            (
                200,
                json!({ "tags": [{ "Key": format!("port-{name}"), "Value": "true" }] }),
            )
        }
        "GetLifecyclePolicy" => aws_error("LifecyclePolicyNotFoundException", "none"),
        "GetRepositoryPolicy" => aws_error("RepositoryPolicyNotFoundException", "none"),
        other => aws_error("UnknownOperationException", other),
    }
}

fn list(env: &Env, stub: &Stub) -> std::process::Output {
    run(env.cmd().args([
        "list",
        "--output",
        "json",
        "--endpoint-url",
        &stub.url,
        "--region",
        "eu-west-1",
    ]))
}

fn check_all_seven(out: &std::process::Output) {
    assert!(out.status.success(), "{}", stderr(out));
    let got: Vec<Value> = serde_json::from_str(&stdout(out)).unwrap();
    assert_eq!(got.len(), 7);
    for (i, repo) in got.iter().enumerate() {
        assert_eq!(repo["RepositoryName"], format!("team/app-{i}"));
        assert_eq!(
            repo["Tags"],
            json!([{ "Key": format!("port-app-{i}"), "Value": "true" }])
        );
        assert_eq!(
            repo["ImageScanningConfiguration"]["ScanOnPush"],
            i.is_multiple_of(2)
        );
    }
}

#[test]
fn follows_every_page_asking_for_a_thousand_at_a_time() {
    let stub = Stub::start(Arc::new(|req, _| paged(req)));
    let out = list(&Env::new(), &stub);
    check_all_seven(&out);
    let log = stub.log.lock().unwrap();
    let pages: Vec<&Request> = log
        .iter()
        .filter(|r| operation(r) == "DescribeRepositories")
        .collect();
    assert_eq!(pages.len(), 3);
    assert!(pages.iter().all(|r| r.body["maxResults"] == 1000));
    assert_eq!(
        log.iter()
            .filter(|r| operation(r) == "ListTagsForResource")
            .count(),
        7
    );
}

#[test]
fn a_throttling_storm_slows_the_load_but_it_completes() {
    // The first 2 listings and the first 25 tag reads are throttled: more than the SDK's
    // default 3 attempts per call would survive.
    let stub = Stub::start(Arc::new(|req, before| match operation(req) {
        "DescribeRepositories" if before < 2 => aws_error("ThrottlingException", "Rate exceeded"),
        "ListTagsForResource" if before < 25 => aws_error("ThrottlingException", "Rate exceeded"),
        _ => paged(req),
    }));
    let out = list(&Env::new(), &stub);
    check_all_seven(&out);
    assert!(stub.count("ListTagsForResource") >= 25 + 7);
    assert_eq!(stub.count("DescribeRepositories"), 3 + 2);
}

#[test]
fn access_denied_names_the_missing_action() {
    let stub = Stub::start(Arc::new(|req, _| match operation(req) {
        "ListTagsForResource" => aws_error(
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: \
             ecr:ListTagsForResource on resource: arn:aws:ecr:eu-west-1:123456789012:repository/x",
        ),
        _ => paged(req),
    }));
    let out = list(&Env::new(), &stub);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty(), "no half inventory on stdout");
    let err = stderr(&out);
    assert!(err.contains("lacks `ecr:ListTagsForResource`"), "{err}");
    assert!(err.contains("team/app-0 (eu-west-1): tags"), "{err}");
}

#[test]
fn a_server_error_is_retried() {
    let stub = Stub::start(Arc::new(|req, before| match operation(req) {
        "DescribeRepositories" if before == 0 => (500, json!({"__type": "ServerException"})),
        _ => paged(req),
    }));
    check_all_seven(&list(&Env::new(), &stub));
}

/// A token bucket: `rate` calls a second with a small burst; past it, ThrottlingException.
struct Bucket {
    rate: f64,
    tokens: f64,
    last: std::time::Instant,
    accepted: Vec<std::time::Instant>,
    refused: usize,
}

impl Bucket {
    fn admit(&mut self) -> bool {
        let now = std::time::Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(10.0);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.accepted.push(now);
            true
        } else {
            self.refused += 1;
            false
        }
    }
}

#[test]
fn a_service_that_throttles_above_a_rate_is_loaded_at_about_that_rate() {
    const RATE: f64 = 50.0;
    const REPOS: usize = 300;
    let bucket = Arc::new(std::sync::Mutex::new(Bucket {
        rate: RATE,
        tokens: 10.0,
        last: std::time::Instant::now(),
        accepted: Vec::new(),
        refused: 0,
    }));
    let b = bucket.clone();
    let stub = Stub::start(Arc::new(move |req, _| match operation(req) {
        "DescribeRepositories" => (
            200,
            json!({ "repositories": (0..REPOS).map(repo_json).collect::<Vec<_>>() }),
        ),
        "ListTagsForResource" if !b.lock().unwrap().admit() => {
            aws_error("ThrottlingException", "Rate exceeded")
        }
        _ => paged(req),
    }));
    let out = list(&Env::new(), &stub);
    assert!(out.status.success(), "{}", stderr(&out));
    let got: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(got.len(), REPOS);
    assert!(
        got.iter()
            .all(|r| r["Tags"].as_array().is_some_and(|t| t.len() == 1))
    );
    let bucket = bucket.lock().unwrap();
    assert_eq!(bucket.accepted.len(), REPOS);
    let span = bucket.accepted[REPOS - 1].duration_since(bucket.accepted[0]);
    let achieved = (REPOS - 1) as f64 / span.as_secs_f64();
    assert!(bucket.refused > 0, "the load never met the limit");
    // Below the limit most of the time would mean the brake overreacts; the bucket itself
    // keeps it from going much above.
    assert!(
        achieved >= 0.6 * RATE,
        "{achieved:.0} calls/s against a limit of {RATE} ({} refused)",
        bucket.refused
    );
    eprintln!("{achieved:.0} calls/s, {} refused", bucket.refused);
}

#[test]
fn policies_are_read_only_where_something_reads_them() {
    let stub = Stub::start(Arc::new(|req, _| paged(req)));
    let env = Env::new();
    let policy_calls =
        |stub: &Stub| stub.count("GetLifecyclePolicy") + stub.count("GetRepositoryPolicy");
    let table = |extra: &[&str]| {
        let mut args = vec![
            "list",
            "-o",
            "table",
            "--endpoint-url",
            &stub.url,
            "--region",
            "eu-west-1",
        ];
        args.extend_from_slice(extra);
        let out = run(env.cmd().args(&args));
        assert!(out.status.success(), "{}", stderr(&out));
    };
    // The table shows no policy.
    table(&[]);
    assert_eq!(policy_calls(&stub), 0);
    table(&["--policies"]);
    assert_eq!(policy_calls(&stub), 14);
    // The JSON is the whole exporter record.
    check_all_seven(&list(&env, &stub));
    assert_eq!(policy_calls(&stub), 28);

    // A mapping that never names a policy renders without them; the shipped one reads
    // .LifecyclePolicy, so it gets them.
    let mapping = env.path("mapping.json");
    std::fs::write(
        &mapping,
        r#"{"resources": [{"kind": "AWS::ECR::Repository", "selector": {"query": "true"},
            "port": {"entity": {"mappings": [{"identifier": ".RepositoryName",
            "blueprint": "ecr_repository", "properties": {"tags": ".Tags"}}]}}}]}"#,
    )
    .unwrap();
    let render = |extra: &[&str]| {
        let mut args = vec![
            "render",
            "--endpoint-url",
            &stub.url,
            "--region",
            "eu-west-1",
        ];
        args.extend_from_slice(extra);
        let out = run(env.cmd().args(&args));
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("team/app-6"), "{}", stdout(&out));
    };
    render(&["--mapping", mapping.to_str().unwrap()]);
    assert_eq!(policy_calls(&stub), 28);
    render(&[]);
    assert_eq!(policy_calls(&stub), 42);
}
