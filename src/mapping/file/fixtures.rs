//! Documents and helpers the tests of every part of the mapping file share.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;

pub(super) const EXPORTER: &str = r#"{
  "resources": [
    {
      "kind": "AWS::S3::Bucket",
      "port": { "entity": { "mappings": [ { "identifier": ".BucketName", "blueprint": "bucket" } ] } }
    },
    {
      "kind": "AWS::ECR::Repository",
      "selector": { "query": "true", "aws": { "regions": ["eu-west-1"] } },
      "port": {
        "entity": {
          "mappings": [
            {
              "identifier": ".RepositoryName",
              "title": ".RepositoryName",
              "blueprint": "ecr_repository",
              "icon": "\"AWS\"",
              "team": "\"platform\"",
              "properties": {
                "repositoryUri": ".RepositoryUri",
                "arn": ".Arn",
                "tags": ".Tags"
              },
              "relations": {
                "service": ".Tags[0].Key",
                "region": ".Arn | split(\":\") | .[3]"
              },
              "itemsToParse": ".Layers"
            },
            { "identifier": ".Arn", "blueprint": "\"ecr_arn\"" }
          ]
        }
      }
    }
  ],
  "zebra": { "b": 1, "a": 2.5 }
}"#;

pub(super) const OCEAN: &str = r#"createMissingRelatedEntities: true
deleteDependentEntities: false
resources:
  - kind: AWS::Lambda::Function
    port:
      entity:
        mappings:
          identifier: .Identifier
          blueprint: '"lambda"'
  - kind: AWS::ECR::Repository
    selector:
      query: 'true'
      includeActions: [ListTagsForResourceAction]
    port:
      itemsToParse: .Layers
      entity:
        mappings:
          identifier: .Properties.RepositoryArn
          title: .Properties.RepositoryName
          blueprint: '"ecrRepository"'
          properties:
            repositoryUri: .Properties.RepositoryUri
            mutability: .Properties.ImageTagMutability
          relations:
            account: .__ExtraContext.AccountId
"#;

pub(super) fn json(text: &str) -> Json {
    serde_json::from_str(text).expect("valid JSON")
}

pub(super) fn yaml(text: &str) -> Yaml {
    serde_yaml_ng::from_str(text).expect("valid YAML")
}

/// Value equality ignores key order (IndexMap's `==` does), so order is compared too.
pub(super) fn assert_same_json(a: &Json, b: &Json) {
    assert_eq!(a, b);
    assert_eq!(a.to_string(), b.to_string(), "key order differs");
}

pub(super) fn assert_same_yaml(a: &Yaml, b: &Yaml) {
    assert_eq!(a, b);
    let render = |v| serde_yaml_ng::to_string(v).expect("renders");
    assert_eq!(render(a), render(b), "key order differs");
}

pub(super) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write fixture");
    path
}

pub(super) fn ecr_mapping_json(doc: &mut Json) -> &mut Json {
    &mut doc["resources"][1]["port"]["entity"]["mappings"][0]
}
