//! One ECR repository as ECR describes it, and the JSON shapes its consumers map.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::tags::Tag;

/// A piece of data fetched separately from the repository list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Fetched<T> {
    /// Not asked for yet, or the answer has not arrived.
    #[default]
    Pending,
    /// ECR said there is none.
    Absent,
    Present(T),
    /// The fetch failed; the text says why.
    Failed(String),
}

impl<T> Fetched<T> {
    pub fn is_pending(&self) -> bool {
        matches!(self, Fetched::Pending)
    }

    pub fn present(&self) -> Option<&T> {
        match self {
            Fetched::Present(value) => Some(value),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub name: String,
    pub region: String,
    pub registry_id: String,
    pub arn: String,
    pub uri: String,
    /// Seconds since the epoch; ECR always sets it, stubs may not.
    pub created_at: Option<i64>,
    pub image_tag_mutability: String,
    pub scan_on_push: bool,
    pub encryption_type: String,
    pub kms_key: Option<String>,
    pub tags: Fetched<Vec<Tag>>,
    pub lifecycle_policy: Fetched<String>,
    pub repository_policy: Fetched<String>,
}

/// How a command line names a repository: by name (in every region read) or by ARN.
pub fn answers_to(name: &str, arn: &str, name_or_arn: &str) -> bool {
    name == name_or_arn || arn == name_or_arn
}

/// The region and account of an ECR repository ARN (`arn:aws:ecr:REGION:ACCOUNT:repository/NAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnParts {
    pub region: String,
    pub account: String,
}

pub fn arn_parts(arn: &str) -> Option<ArnParts> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 6 || parts[0] != "arn" || parts[2] != "ecr" {
        return None;
    }
    Some(ArnParts {
        region: parts[3].to_owned(),
        account: parts[4].to_owned(),
    })
}

/// Ocean's `aws` record around the exporter's one (port-reference.md §3).
pub fn ocean_aws_record(name: &str, account: &str, region: &str, properties: Value) -> Value {
    json!({
        "Identifier": name,
        "Properties": properties,
        "__Kind": "AWS::ECR::Repository",
        "__AccountId": account,
        "__Region": region,
    })
}

/// The record keys that hold the policies, fetched apart from the list (two calls per
/// repository): an expression that names one reads a policy.
pub const POLICY_KEYS: [&str; 2] = ["LifecyclePolicy", "RepositoryPolicyText"];

pub fn reads_policy(expr: &str) -> bool {
    POLICY_KEYS.iter().any(|k| expr.contains(k))
}

impl Repository {
    /// How a command line names a repository: by name (in every region read) or by ARN.
    pub fn answers_to(&self, name_or_arn: &str) -> bool {
        answers_to(&self.name, &self.arn, name_or_arn)
    }

    /// Why an expression that reads a policy cannot see it yet: still loading, or unreadable.
    /// `None` when both policies are known (present or absent).
    pub fn policy_gap(&self) -> Option<String> {
        let both = [&self.lifecycle_policy, &self.repository_policy];
        if both.iter().any(|p| p.is_pending()) {
            return Some("policy not loaded".to_owned());
        }
        both.iter().find_map(|p| match p {
            Fetched::Failed(why) => Some(format!("policy unreadable: {why}")),
            _ => None,
        })
    }

    /// The tags, or none while they are still loading.
    pub fn tag_list(&self) -> &[Tag] {
        self.tags.present().map(Vec::as_slice).unwrap_or(&[])
    }

    /// The Cloud Control `AWS::ECR::Repository` model that Port's AWS exporter feeds to its
    /// mappings (port-reference.md §2.6). Key order follows the CloudFormation schema.
    pub fn exporter_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("RepositoryName".into(), json!(self.name));
        obj.insert("Arn".into(), json!(self.arn));
        obj.insert("RepositoryUri".into(), json!(self.uri));
        obj.insert(
            "ImageTagMutability".into(),
            json!(self.image_tag_mutability),
        );
        obj.insert(
            "ImageScanningConfiguration".into(),
            json!({ "ScanOnPush": self.scan_on_push }),
        );
        let mut encryption = Map::new();
        encryption.insert("EncryptionType".into(), json!(self.encryption_type));
        if let Some(key) = &self.kms_key {
            encryption.insert("KmsKey".into(), json!(key));
        }
        obj.insert("EncryptionConfiguration".into(), Value::Object(encryption));
        if let Fetched::Present(text) = &self.lifecycle_policy {
            obj.insert(
                "LifecyclePolicy".into(),
                json!({ "LifecyclePolicyText": text, "RegistryId": self.registry_id }),
            );
        }
        if let Fetched::Present(text) = &self.repository_policy {
            // Cloud Control returns the policy as a JSON document, not as the string ECR
            // stores; keep the string only if it is not valid JSON.
            let policy = serde_json::from_str(text).unwrap_or_else(|_| json!(text));
            obj.insert("RepositoryPolicyText".into(), policy);
        }
        obj.insert(
            "Tags".into(),
            serde_json::to_value(self.tag_list()).unwrap_or_else(|_| json!([])),
        );
        Value::Object(obj)
    }

    /// Ocean `aws` integration shape: the Cloud Control model wrapped with its context.
    pub fn ocean_aws_json(&self) -> Value {
        ocean_aws_record(
            &self.name,
            &self.registry_id,
            &self.region,
            self.exporter_json(),
        )
    }

    /// Ocean `aws-v3` shape: PascalCase top level, raw ECR dicts nested (port-reference.md §3.3).
    pub fn aws_v3_json(&self) -> Value {
        let mut props = Map::new();
        props.insert("RepositoryName".into(), json!(self.name));
        props.insert("RepositoryArn".into(), json!(self.arn));
        props.insert("RepositoryUri".into(), json!(self.uri));
        props.insert("RegistryId".into(), json!(self.registry_id));
        if let Some(created) = self.created_at {
            props.insert(
                "CreatedAt".into(),
                json!(super::time::format_rfc3339(created)),
            );
        }
        props.insert(
            "ImageTagMutability".into(),
            json!(self.image_tag_mutability),
        );
        props.insert(
            "ImageScanningConfiguration".into(),
            json!({ "scanOnPush": self.scan_on_push }),
        );
        let mut encryption = Map::new();
        encryption.insert("encryptionType".into(), json!(self.encryption_type));
        if let Some(key) = &self.kms_key {
            encryption.insert("kmsKey".into(), json!(key));
        }
        props.insert("EncryptionConfiguration".into(), Value::Object(encryption));
        if let Fetched::Present(text) = &self.repository_policy {
            props.insert("RepositoryPolicyText".into(), json!(text));
        }
        if let Fetched::Present(text) = &self.lifecycle_policy {
            props.insert(
                "LifecyclePolicy".into(),
                json!({
                    "registryId": self.registry_id,
                    "repositoryName": self.name,
                    "lifecyclePolicyText": text,
                }),
            );
        }
        props.insert(
            "Tags".into(),
            serde_json::to_value(self.tag_list()).unwrap_or_else(|_| json!([])),
        );
        json!({
            "Type": "AWS::ECR::Repository",
            "Properties": Value::Object(props),
            "__ExtraContext": { "AccountId": self.registry_id, "Region": self.region },
        })
    }

    /// Rebuilds a repository from the exporter JSON that `list --output json` prints, so saved
    /// inventories replay offline. Region and account come from the ARN.
    pub fn from_exporter_json(value: &Value) -> Result<Self, String> {
        let text = |key: &str| -> Result<String, String> {
            value
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("missing string field `{key}`"))
        };
        let name = text("RepositoryName")?;
        let arn = text("Arn")?;
        let parts =
            arn_parts(&arn).ok_or_else(|| format!("`{arn}` is not an ECR repository ARN"))?;
        let encryption = value.get("EncryptionConfiguration");
        let tags: Vec<Tag> = match value.get("Tags") {
            None | Some(Value::Null) => Vec::new(),
            Some(tags) => serde_json::from_value(tags.clone())
                .map_err(|e| format!("`Tags` of {name}: {e}"))?,
        };
        let lifecycle = value
            .pointer("/LifecyclePolicy/LifecyclePolicyText")
            .and_then(Value::as_str)
            .map_or(Fetched::Absent, |t| Fetched::Present(t.to_owned()));
        let policy = match value.get("RepositoryPolicyText") {
            None | Some(Value::Null) => Fetched::Absent,
            Some(Value::String(s)) => Fetched::Present(s.clone()),
            Some(doc) => Fetched::Present(doc.to_string()),
        };
        Ok(Repository {
            region: parts.region,
            registry_id: parts.account,
            uri: text("RepositoryUri")?,
            created_at: None,
            image_tag_mutability: text("ImageTagMutability")?,
            scan_on_push: value
                .pointer("/ImageScanningConfiguration/ScanOnPush")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            encryption_type: encryption
                .and_then(|e| e.get("EncryptionType"))
                .and_then(Value::as_str)
                .unwrap_or("AES256")
                .to_owned(),
            kms_key: encryption
                .and_then(|e| e.get("KmsKey"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            tags: Fetched::Present(tags),
            lifecycle_policy: lifecycle,
            repository_policy: policy,
            name,
            arn,
        })
    }
}

/// The ARN and URI ECR gives a repository, for sources that only know its name.
pub fn arn_and_uri(region: &str, registry_id: &str, name: &str) -> (String, String) {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    let domain = if partition == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    (
        format!("arn:{partition}:ecr:{region}:{registry_id}:repository/{name}"),
        format!("{registry_id}.dkr.ecr.{region}.{domain}/{name}"),
    )
}

/// The demo asset's record: ECR's own field names, one level deep.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RepositoryRecord {
    pub repository_name: String,
    pub region: String,
    pub registry_id: String,
    pub created_at: String,
    pub image_tag_mutability: String,
    pub scan_on_push: bool,
    pub encryption_type: String,
    #[serde(default)]
    pub kms_key: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub lifecycle_policy_text: Option<String>,
    #[serde(default)]
    pub repository_policy_text: Option<String>,
}

impl From<RepositoryRecord> for Repository {
    fn from(r: RepositoryRecord) -> Self {
        let (arn, uri) = arn_and_uri(&r.region, &r.registry_id, &r.repository_name);
        let fetched = |v: Option<String>| v.map_or(Fetched::Absent, Fetched::Present);
        Repository {
            created_at: super::time::parse_rfc3339(&r.created_at),
            name: r.repository_name,
            region: r.region,
            registry_id: r.registry_id,
            arn,
            uri,
            image_tag_mutability: r.image_tag_mutability,
            scan_on_push: r.scan_on_push,
            encryption_type: r.encryption_type,
            kms_key: r.kms_key,
            tags: Fetched::Present(r.tags),
            lifecycle_policy: fetched(r.lifecycle_policy_text),
            repository_policy: fetched(r.repository_policy_text),
        }
    }
}

#[cfg(test)]
pub(crate) fn sample(name: &str, region: &str, tags: &[(&str, &str)]) -> Repository {
    let (arn, uri) = arn_and_uri(region, "123456789012", name);
    Repository {
        name: name.into(),
        region: region.into(),
        registry_id: "123456789012".into(),
        arn,
        uri,
        created_at: Some(1_700_000_000),
        image_tag_mutability: "MUTABLE".into(),
        scan_on_push: false,
        encryption_type: "AES256".into(),
        kms_key: None,
        tags: Fetched::Present(tags.iter().map(|(k, v)| Tag::new(*k, *v)).collect()),
        lifecycle_policy: Fetched::Absent,
        repository_policy: Fetched::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exporter_json_has_cloud_control_shape_and_order() {
        let mut repo = sample("team/api", "eu-west-1", &[("port-auth", "true")]);
        repo.kms_key = Some("arn:aws:kms:eu-west-1:123456789012:key/k".into());
        repo.encryption_type = "KMS".into();
        repo.lifecycle_policy = Fetched::Present("{\"rules\":[]}".into());
        repo.repository_policy = Fetched::Present("{\"Version\":\"2012-10-17\"}".into());
        let got = repo.exporter_json();
        let keys: Vec<&str> = got
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "RepositoryName",
                "Arn",
                "RepositoryUri",
                "ImageTagMutability",
                "ImageScanningConfiguration",
                "EncryptionConfiguration",
                "LifecyclePolicy",
                "RepositoryPolicyText",
                "Tags"
            ]
        );
        assert_eq!(
            got["Arn"],
            "arn:aws:ecr:eu-west-1:123456789012:repository/team/api"
        );
        assert_eq!(
            got["EncryptionConfiguration"]["KmsKey"],
            repo.kms_key.unwrap()
        );
        assert_eq!(got["RepositoryPolicyText"]["Version"], "2012-10-17");
        assert_eq!(got["LifecyclePolicy"]["RegistryId"], "123456789012");
        assert_eq!(got["Tags"], json!([{"Key": "port-auth", "Value": "true"}]));
    }

    #[test]
    fn absent_parts_are_left_out() {
        let got = sample("a", "us-east-1", &[]).exporter_json();
        assert!(got.get("LifecyclePolicy").is_none());
        assert!(got.get("RepositoryPolicyText").is_none());
        assert!(got["EncryptionConfiguration"].get("KmsKey").is_none());
        assert_eq!(got["Tags"], json!([]));
    }

    #[test]
    fn exporter_json_round_trips() {
        let mut repo = sample("x/y", "eu-central-1", &[("team", "a")]);
        repo.lifecycle_policy = Fetched::Present("{\"rules\":[]}".into());
        repo.repository_policy = Fetched::Present("{\"Version\":\"2012-10-17\"}".into());
        let back = Repository::from_exporter_json(&repo.exporter_json()).unwrap();
        assert_eq!(back.exporter_json(), repo.exporter_json());
        assert_eq!(back.region, "eu-central-1");
    }

    #[test]
    fn other_shapes_wrap_the_same_data() {
        // Written out from the port reference (§3.2 Ocean `aws`, §3.3 `aws-v3`), not from
        // the code under test.
        let repo = sample("svc", "us-east-1", &[("port-svc", "true")]);
        let arn = "arn:aws:ecr:us-east-1:123456789012:repository/svc";
        let uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc";
        let tags = json!([{"Key": "port-svc", "Value": "true"}]);
        assert_eq!(
            repo.ocean_aws_json(),
            json!({
                "Identifier": "svc",
                "Properties": {
                    "RepositoryName": "svc", "Arn": arn, "RepositoryUri": uri,
                    "ImageTagMutability": "MUTABLE",
                    "ImageScanningConfiguration": {"ScanOnPush": false},
                    "EncryptionConfiguration": {"EncryptionType": "AES256"},
                    "Tags": tags,
                },
                "__Kind": "AWS::ECR::Repository",
                "__AccountId": "123456789012",
                "__Region": "us-east-1",
            })
        );
        assert_eq!(
            repo.aws_v3_json(),
            json!({
                "Type": "AWS::ECR::Repository",
                "Properties": {
                    "RepositoryName": "svc", "RepositoryArn": arn, "RepositoryUri": uri,
                    "RegistryId": "123456789012", "CreatedAt": "2023-11-14T22:13:20Z",
                    "ImageTagMutability": "MUTABLE",
                    "ImageScanningConfiguration": {"scanOnPush": false},
                    "EncryptionConfiguration": {"encryptionType": "AES256"},
                    "Tags": tags,
                },
                "__ExtraContext": {"AccountId": "123456789012", "Region": "us-east-1"},
            })
        );
    }
}
