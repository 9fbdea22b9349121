//! The Resource Groups Tagging API fast path, which moto does not serve for ECR: a scripted
//! endpoint answers `GetResources` 100 repositories a page, and denies it to show the fallback
//! to ECR's own `ListTagsForResource`. (moto's empty answer, the other fallback, is what every
//! test in moto.rs goes through.)

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use support::{Env, Request, Stub, aws_error, operation, run, stderr, stdout};

fn arn(i: usize) -> String {
    format!("arn:aws:ecr:eu-west-1:123456789012:repository/svc/app-{i:03}")
}

/// Every third repository is untagged, so the index leaves it out.
fn tagged(i: usize) -> bool {
    !i.is_multiple_of(3)
}

fn tags_of(i: usize) -> Value {
    json!([{ "Key": format!("port-app-{i}"), "Value": "true" }, { "Key": "n", "Value": i.to_string() }])
}

fn describe(count: usize) -> (u16, Value) {
    let repos: Vec<Value> = (0..count)
        .map(|i| {
            json!({
                "repositoryName": format!("svc/app-{i:03}"),
                "repositoryArn": arn(i),
                "registryId": "123456789012",
                "repositoryUri": format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/svc/app-{i:03}"),
                "imageTagMutability": "MUTABLE",
            })
        })
        .collect();
    (200, json!({ "repositories": repos }))
}

/// `GetResources` pages of `per_page` tagged repositories, chained by a numeric token, in the
/// API's own casing.
fn get_resources(req: &Request, count: usize) -> (u16, Value) {
    let start: usize = req.body["PaginationToken"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let per_page = req.body["ResourcesPerPage"].as_u64().unwrap_or(50) as usize;
    let all: Vec<usize> = (0..count).filter(|&i| tagged(i)).collect();
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(per_page)
        .map(|&i| json!({ "ResourceARN": arn(i), "Tags": tags_of(i) }))
        .collect();
    let next = start + page.len();
    let token = if next < all.len() {
        next.to_string()
    } else {
        String::new()
    };
    (
        200,
        json!({ "ResourceTagMappingList": page, "PaginationToken": token }),
    )
}

fn ecr_tags(req: &Request) -> (u16, Value) {
    let arn = req.body["resourceArn"].as_str().unwrap_or_default();
    let i: usize = arn.rsplit('-').next().unwrap_or("0").parse().unwrap_or(0);
    let tags = if tagged(i) { tags_of(i) } else { json!([]) };
    (200, json!({ "tags": tags }))
}

fn list(env: &Env, stub: &Stub, settings: &str) -> std::process::Output {
    let config = env.path("settings.json");
    std::fs::write(&config, settings).unwrap();
    run(env.cmd().args([
        "list",
        "--output",
        "json",
        "--no-policies",
        "--endpoint-url",
        &stub.url,
        "--region",
        "eu-west-1",
        "--config",
        config.to_str().unwrap(),
    ]))
}

fn check_tags(out: &std::process::Output, count: usize) {
    assert!(out.status.success(), "{}", stderr(out));
    let got: Vec<Value> = serde_json::from_str(&stdout(out)).unwrap();
    assert_eq!(got.len(), count);
    for (i, repo) in got.iter().enumerate() {
        let want = if tagged(i) { tags_of(i) } else { json!([]) };
        assert_eq!(repo["Tags"], want, "{}", repo["RepositoryName"]);
    }
}

#[test]
fn a_region_of_tags_in_four_calls_instead_of_350() {
    let count = 350;
    let stub = Stub::start(Arc::new(move |req, _| match operation(req) {
        "DescribeRepositories" => describe(count),
        "GetResources" => get_resources(req, count),
        "ListTagsForResource" => ecr_tags(req),
        other => aws_error("UnknownOperationException", other),
    }));
    check_tags(&list(&Env::new(), &stub, "{}"), count);
    let log = stub.log.lock().unwrap();
    let pages: Vec<&Request> = log
        .iter()
        .filter(|r| operation(r) == "GetResources")
        .collect();
    // 233 tagged repositories, 100 a page.
    assert_eq!(pages.len(), 3);
    for page in &pages {
        assert_eq!(page.body["ResourceTypeFilters"], json!(["ecr:repository"]));
        assert_eq!(page.body["ResourcesPerPage"], 100);
    }
    assert!(
        pages[0]
            .target
            .starts_with("ResourceGroupsTaggingAPI_20170126"),
        "{}",
        pages[0].target
    );
    assert_eq!(
        log.iter()
            .filter(|r| operation(r) == "ListTagsForResource")
            .count(),
        0
    );
}

fn denied(req: &Request, count: usize) -> (u16, Value) {
    match operation(req) {
        "DescribeRepositories" => describe(count),
        "GetResources" => aws_error(
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: \
             tag:GetResources",
        ),
        "ListTagsForResource" => ecr_tags(req),
        other => aws_error("UnknownOperationException", other),
    }
}

#[test]
fn denied_falls_back_to_ecr_unless_forced() {
    let count = 20;
    let stub = Stub::start(Arc::new(move |req, _| denied(req, count)));
    check_tags(&list(&Env::new(), &stub, "{}"), count);
    assert_eq!(stub.count("ListTagsForResource"), count);

    let forced = Stub::start(Arc::new(move |req, _| denied(req, count)));
    let out = list(
        &Env::new(),
        &forced,
        r#"{"aws": {"tagSource": "tagging-api"}}"#,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("lacks `tag:GetResources`"), "{err}");
    assert_eq!(forced.count("ListTagsForResource"), 0);

    // `ecr` never asks the index.
    let ecr = Stub::start(Arc::new(move |req, _| denied(req, count)));
    check_tags(
        &list(&Env::new(), &ecr, r#"{"aws": {"tagSource": "ecr"}}"#),
        count,
    );
    assert_eq!(ecr.count("GetResources"), 0);
}

#[test]
fn an_unknown_tag_source_is_refused_with_the_choices() {
    let stub = Stub::start(Arc::new(|_, _| describe(0)));
    let out = list(&Env::new(), &stub, r#"{"aws": {"tagSource": "fast"}}"#);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("unknown variant `fast`, expected one of `auto`, `tagging-api`, `ecr`"),
        "{err}"
    );
}
