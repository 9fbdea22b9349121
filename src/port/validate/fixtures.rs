//! Blueprints and drafts the validation tests share.

use serde_json::{Value, json};

use super::{Violation, validate};
use crate::model::blueprint::Blueprint;
use crate::port::blueprint::guide_blueprint;

/// The `ecr_repository` blueprint from port-reference §6, as `blueprint setup` sends it.
pub(super) fn blueprint() -> Blueprint {
    parse(guide_blueprint("ecr_repository"))
}

fn parse(json: Value) -> Blueprint {
    Blueprint::from_json(&json).expect("a blueprint object")
}

/// The §6 blueprint with extra constraints layered on, to exercise every property rule.
pub(super) fn strict_blueprint() -> Blueprint {
    let mut bp = guide_blueprint("ecr_repository");
    let props = &mut bp["schema"]["properties"];
    props["imageTagMutability"]["enum"] = json!(["MUTABLE", "IMMUTABLE"]);
    props["repositoryArn"]["minLength"] = json!(20);
    props["repositoryArn"]["maxLength"] = json!(2048);
    props["tags"]["items"] = json!({"type": "object"});
    props["tags"]["maxItems"] = json!(2);
    props["tags"]["minItems"] = json!(1);
    props["createdAt"] = json!({"type": "string", "format": "date-time"});
    props["owner"] = json!({"type": "string", "format": "email"});
    props["ip4"] = json!({"type": "string", "format": "ipv4"});
    props["ip6"] = json!({"type": "string", "format": "ipv6"});
    props["readme"] = json!({"type": "string", "format": "markdown"});
    props["imageCount"] = json!({"type": "number"});
    props["scanOnPush"] = json!({"type": "boolean"});
    props["scanners"] =
        json!({"type": "array", "items": {"type": "string", "enum": ["BASIC", "ENHANCED"]}});
    bp["schema"]["required"] = json!(["repositoryArn"]);
    bp["relations"]["owners"] = json!({"target": "team", "required": false, "many": true});
    bp["relations"]["account"] = json!({"target": "aws_account", "required": true, "many": false});
    parse(bp)
}

pub(super) fn draft() -> Value {
    json!({
      "identifier": "auth-service-repo",
      "title": "auth-service-repo",
      "blueprint": "ecr_repository",
      "icon": "AWS",
      "team": ["platform"],
      "properties": {
        "repositoryArn": "arn:aws:ecr:eu-west-1:123456789012:repository/auth-service-repo",
        "repositoryUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/auth-service-repo",
        "link": "https://console.aws.amazon.com/go/view?arn=arn:aws:ecr:eu-west-1:123456789012:repository/auth-service-repo",
        "imageTagMutability": "MUTABLE",
        "scanningConfiguration": {"ScanOnPush": true},
        "encryptionConfiguration": {"EncryptionType": "AES256"},
        "lifecyclePolicy": null,
        "tags": [{"Key": "port-auth-service", "Value": "true"}]
      },
      "relations": { "region": "eu-west-1", "service": "auth-service" }
    })
}

pub(super) fn strict_draft() -> Value {
    let mut d = draft();
    d["relations"]["account"] = json!("123456789012");
    d
}

pub(super) fn fields(v: &[Violation]) -> Vec<&str> {
    v.iter().map(|v| v.field.as_str()).collect()
}

/// Validates `d` against `bp` and returns the single violation it must produce.
pub(super) fn only(d: &Value, bp: &Blueprint) -> Violation {
    let v = validate(d, bp);
    assert_eq!(v.len(), 1, "expected exactly one violation, got {v:#?}");
    v[0].clone()
}

/// The strict draft with one property replaced (for `strict_blueprint`).
pub(super) fn with_prop(key: &str, value: Value) -> Value {
    let mut d = strict_draft();
    d["properties"][key] = value;
    d
}

/// The plain draft with one property replaced (for the §6 `blueprint`).
pub(super) fn plain_with_prop(key: &str, value: Value) -> Value {
    let mut d = draft();
    d["properties"][key] = value;
    d
}
