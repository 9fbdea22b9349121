//! Parity with the jq that Port runs, on Port mapping expressions over ECR
//! repositories in the Cloud Control shape: jq 1.6 (the exporter) and jq 1.8
//! (Ocean), each against its own engine.
//!
//! For every (expression, repository) pair we compare the *first* output. jq 1.6
//! is the `jq` 1.6 binary, run as `jq -c EXPR`, its first line taken (jq prints
//! outputs as it goes, then stops at the first uncaught error with exit status 5);
//! no stdout and exit status 0 means no output; no stdout and a failure status (5,
//! or 3 for a compile error) means an error. jq 1.8 is the `jq` 1.12.0 Python
//! package, called the way Ocean calls it (`tests/support/jq18_reference.py`),
//! which also hands the repository over as Python values. Both errored counts as
//! agreement whatever the messages say; values must be equal as JSON, down to
//! integer versus float and object key order. Without either reference the test
//! fails, it never skips.

use ecr_port::mapping::engine::{Dialect, Input, KNOWN_DIVERGENCES, Outcome, compile, first};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Repositories as Cloud Control describes them (`AWS::ECR::Repository`).
fn repositories() -> Vec<(&'static str, Value)> {
    let lifecycle = r#"{"rules":[{"rulePriority":1,"description":"expire untagged","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}},{"rulePriority":2,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":100},"action":{"type":"expire"}}]}"#;
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "AllowPull", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]
    });
    vec![
        (
            "full",
            json!({
                "RepositoryName": "team/api",
                "Arn": "arn:aws:ecr:eu-west-1:123456789012:repository/team/api",
                "RepositoryUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api",
                "ImageTagMutability": "MUTABLE",
                "ImageScanningConfiguration": {"ScanOnPush": true},
                "EncryptionConfiguration": {"EncryptionType": "KMS",
                    "KmsKey": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
                "LifecyclePolicy": {"LifecyclePolicyText": lifecycle, "RegistryId": "123456789012"},
                "RepositoryPolicyText": policy,
                "Tags": [{"Key": "port-auth-service", "Value": "true"}, {"Key": "team", "Value": "platform"}]
            }),
        ),
        (
            "no-tags",
            json!({
                "RepositoryName": "legacy-batch",
                "Arn": "arn:aws:ecr:us-east-1:123456789012:repository/legacy-batch",
                "RepositoryUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/legacy-batch",
                "ImageTagMutability": "IMMUTABLE",
                "ImageScanningConfiguration": {"ScanOnPush": false},
                "EncryptionConfiguration": {"EncryptionType": "AES256"}
            }),
        ),
        (
            "empty-tags",
            json!({
                "RepositoryName": "sandbox",
                "Arn": "arn:aws:ecr:ap-southeast-2:123456789012:repository/sandbox",
                "RepositoryUri": "123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/sandbox",
                "ImageTagMutability": "MUTABLE",
                "ImageScanningConfiguration": {"ScanOnPush": true},
                "EncryptionConfiguration": {"EncryptionType": "AES256"},
                "Tags": []
            }),
        ),
        (
            "port-tags",
            json!({
                "RepositoryName": "payments/ledger-service",
                "Arn": "arn:aws:ecr:eu-central-1:123456789012:repository/payments/ledger-service",
                "RepositoryUri": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/payments/ledger-service",
                "ImageTagMutability": "IMMUTABLE",
                "ImageScanningConfiguration": {"ScanOnPush": true},
                "EncryptionConfiguration": {"EncryptionType": "KMS", "KmsKey": "alias/aws/ecr"},
                "LifecyclePolicy": {"LifecyclePolicyText": "{\"rules\":[]}", "RegistryId": "123456789012"},
                "Tags": [
                    {"Key": "port-", "Value": "bare"},
                    {"Key": "port-ledger", "Value": "true"},
                    {"Key": "port-billing", "Value": "true"},
                    {"Key": "Environment", "Value": "prod"},
                    {"Key": "port-ledger", "Value": "duplicate"},
                    {"Key": "team", "Value": "payments"}
                ]
            }),
        ),
        (
            "unicode",
            json!({
                "RepositoryName": "équipe/サービス-Ünïcode",
                "Arn": "arn:aws:ecr:eu-west-3:123456789012:repository/équipe/サービス-Ünïcode",
                "RepositoryUri": "123456789012.dkr.ecr.eu-west-3.amazonaws.com/équipe/サービス-Ünïcode",
                "ImageTagMutability": "MUTABLE",
                "ImageScanningConfiguration": {"ScanOnPush": false},
                "EncryptionConfiguration": {"EncryptionType": "AES256"},
                "RepositoryPolicyText": {"Version": "2012-10-17", "Statement": []},
                "Tags": [{"Key": "port-é", "Value": "ünï"}, {"Key": "team", "Value": "名前 🚀"}]
            }),
        ),
        (
            "object-tags",
            json!({
                "RepositoryName": "shapes/object-tags",
                "Arn": "arn:aws:ecr:eu-west-1:123456789012:repository/shapes/object-tags",
                "RepositoryUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shapes/object-tags",
                "ImageTagMutability": "MUTABLE",
                "ImageScanningConfiguration": {"ScanOnPush": true},
                "Tags": {"port-auth-service": "true", "team": "platform"},
                "ImageCount": 12,
                "SizeBytes": 1536000000.5,
                "Ratio": 0.1,
                "Version": 2.0,
                "Pushed": 1709634030,
                "Big": 9007199254740993_u64
            }),
        ),
    ]
}

/// Mapping expressions: the guide's, the usual Port mapping idioms, and jq 1.6
/// corners where jaq behaves differently.
const CORPUS: &[&str] = &[
    // The guide's broken expression, and the fixed ones.
    r#".Tags | keys[] | select(startswith("port-")) | .[6:]"#,
    r#"first(.Tags[]? | .Key | select(startswith("port-")) | ltrimstr("port-") | select(length>0)) // null"#,
    r#"[.Tags[]? | .Key | select(startswith("port-")) | ltrimstr("port-") | select(length>0)] | unique"#,
    // Identifiers and links.
    r#".RepositoryName"#,
    r#".Arn | split(":") | .[3]"#,
    r#".Arn | split(":") | .[4]"#,
    r#""https://console.aws.amazon.com/go/view?arn=" + .Arn"#,
    r#""https://\(.Arn | split(":")[3]).console.aws.amazon.com/ecr/repositories/private/\(.Arn | split(":")[4])/\(.RepositoryName)""#,
    r#".RepositoryUri | split("/")[0]"#,
    r#".RepositoryName | ascii_downcase | gsub("/"; "-")"#,
    r#".RepositoryName | sub("/"; ":")"#,
    r#".RepositoryName | .[0:4]"#,
    r#".RepositoryName | length"#,
    r#".RepositoryName | utf8bytelength"#,
    r#".RepositoryName | split("/") | last"#,
    r#".RepositoryName | index("/")"#,
    r#".RepositoryName | ascii_upcase"#,
    r#".RepositoryName | @base64"#,
    r#".RepositoryName | @uri"#,
    r#".RepositoryName | test("^team/")"#,
    r#".RepositoryUri | test("dkr")"#,
    r#".RepositoryName | capture("(?<group>[^/]+)/(?<name>.+)")"#,
    r#".RepositoryName | [splits("[/-]")]"#,
    r#".RepositoryName | explode | length"#,
    // Tags.
    r#".Tags | from_entries"#,
    r#".Tags | from_entries | .team"#,
    r#".Tags | to_entries | .[0].key"#,
    r#".Tags | with_entries(.value |= ascii_upcase)"#,
    r#".Tags[0].Key"#,
    r#"[.Tags[] | .Value] | join(",")"#,
    r#".Tags | length"#,
    r#".Tags | map(.Key) | sort"#,
    r#".Tags[] | select(.Key=="team") | .Value"#,
    r#"limit(1; .Tags[])"#,
    r#".Tags | any(.Key=="team")"#,
    r#".Tags | all(.Key | startswith("port-"))"#,
    r#"(.Tags // []) | map(select(.Key|startswith("port-"))) | length"#,
    r#"[.Tags[]? | select(.Key | startswith("port-")) | {key: (.Key | ltrimstr("port-")), value: .Value}] | from_entries"#,
    r#".Tags | map({(.Key): .Value}) | add"#,
    r#".Tags | map(.Key) | index("team")"#,
    r#".Tags | keys"#,
    r#".Tags | has("team")"#,
    r#".Tags | has(0)"#,
    r#".Tags | first"#,
    r#".Tags | unique_by(.Key) | map(.Key)"#,
    r#".Tags | group_by(.Value) | map(length)"#,
    r#"[.Tags[]?.Key] | join(" ")"#,
    r#".Tags | tostring"#,
    r#"[.Tags[]? | .Key | ltrimstr("port-")]"#,
    r#".Tags | map(.Key | test("^port-")) | any"#,
    r#"[paths(type == "string")] | length"#,
    // Nested configuration.
    r#".EncryptionConfiguration.KmsKey"#,
    r#".EncryptionConfiguration.KmsKey // "AWS managed""#,
    r#".RepositoryPolicyText | tojson"#,
    r#".RepositoryPolicyText.Statement | length"#,
    r#".RepositoryPolicyText.Statement[0].Principal.AWS | split(":")[4]"#,
    r#".LifecyclePolicy.LifecyclePolicyText | fromjson | .rules | length"#,
    r#".LifecyclePolicy.LifecyclePolicyText | fromjson | [.rules[].selection.countNumber] | add"#,
    r#".LifecyclePolicy.LifecyclePolicyText | fromjson | .rules | map(.rulePriority) | max"#,
    r#"if .ImageScanningConfiguration.ScanOnPush then "on" else "off" end"#,
    r#".ImageScanningConfiguration.ScanOnPush | not"#,
    r#".ImageTagMutability == "IMMUTABLE""#,
    r#"{name: .RepositoryName, immutable: (.ImageTagMutability == "IMMUTABLE"), kms: (.EncryptionConfiguration.EncryptionType == "KMS")}"#,
    r#".EncryptionConfiguration | keys"#,
    r#".EncryptionConfiguration | to_entries | map("\(.key)=\(.value)") | join(";")"#,
    r#"del(.RepositoryPolicyText, .LifecyclePolicy) | keys"#,
    r#"[.[] | type] | unique"#,
    r#"keys_unsorted | .[0:3]"#,
    r#".LifecyclePolicy | has("RegistryId")"#,
    // Numbers.
    r#".ImageCount / 4"#,
    r#"(.ImageCount // 0) / 4 | tostring"#,
    r#".SizeBytes / 1024 / 1024 | floor"#,
    r#".SizeBytes | tostring"#,
    r#".Ratio * 3"#,
    r#"[.Ratio, .SizeBytes] | tojson"#,
    r#""\(.ImageCount) images""#,
    r#"[1e17, 1e16, 0.00001, 123456789012345678, 1.5e300, -0] | tostring"#,
    // Missing data, errors and edge cases.
    r#".nothing"#,
    r#".a.b.c"#,
    r#"empty"#,
    r#"error("boom")"#,
    r#"error(null)"#,
    r#"{(.RepositoryName): 1}"#,
    r#"{(1): 2}"#,
    r#"try {(1): 2} catch "caught""#,
    r#"nan"#,
    r#"[nan, infinite, -infinite]"#,
    r#"infinite | tostring"#,
    r#"{} | .[0]"#,
    r#".Tags | .[0]"#,
    r#"null | .[6:]"#,
    r#"1 | ltrimstr("a")"#,
    r#"1 | startswith("a")"#,
    r#"null | keys"#,
    r#"[.Tags[]?.Key] | .[] |= ltrimstr("port-")"#,
    r#"[1,2,3] | .[] |= (if . == 1 then empty else . end)"#,
    r#"[1,2,3,4] | del(.[1,2])"#,
    r#"{} | del(.a.b)"#,
    r#"[limit(0; 1, 2)]"#,
    r#"[range(0; 10; 0)]"#,
    r#"last(empty)"#,
    r#"nth(5; 1, 2)"#,
    r#"first(range(1e10))"#,
    r#"[.[]?] | length"#,
    r#""x" * 0, "x" * 2.5"#,
    r#"[1, null, "a", true] | join("-")"#,
    r#"{"a": [1, {"b": 2}]} | [tostream]"#,
    r#"{"a": {"b": 1}} | walk(if type == "number" then . + 1 else . end)"#,
    r#"{"a": [1, [2]]} | flatten"#,
    r#"[{"k": "a", "v": 1}] | from_entries"#,
    r#"[{"name": "a", "value": 1}, {"Name": "b", "Value": 2}, {"key": "c", "value": false}] | from_entries"#,
    r#""a-b-c" | [match("-"; "g").offset]"#,
    // Regex search loops: empty matches after a match, groups outside the match, flags.
    r#""abc" | [match("b*"; "g") | [.offset, .length]]"#,
    r#""foo bar" | [match("\\b"; "g") | .offset]"#,
    r#""ab" | [match("$"; "g") | .offset]"#,
    r#""abc" | [splits("b*")]"#,
    r#".RepositoryName | [match("(x)?([a-z]+)") | .captures[] | [.offset, .length, .string]]"#,
    r#".RepositoryName | [match("(?:(?<team>[a-z]+)/)?(?<app>[^/]*)"; "g") | .captures]"#,
    r#".RepositoryName | [match("^(?:(?<team>[a-z-]+)/)?(?<app>.+)$") | .captures[].string]"#,
    r#".RepositoryName | capture("^(?:(?<team>[a-z-]+)/)?(?<app>.+)$")"#,
    r#""a\nb" | [test("a.b"; "s"), test("a.b"; "p"), test("a.b"; "m"), test("A"; "i")]"#,
    r#"try ("ab" | test("b"; "q")) catch "refused""#,
    r#""ab12" | [match("[a-z]*"; "g") | .string]"#,
    r#""aaa" | sub("(?<x>a)"; "\(.x)!"; "g")"#,
    // Numbers as jq's parser reads them (strtod's words), remainders past 2^63, implode.
    r#"["[.5]", ".5", "5.", "+3", "Infinity", "-inf", "NaN", "Nan", "nan", "0x10", " 5 ", "1e"] | map(try tonumber catch "no")"#,
    r#"["[.5, -5., 1e400]", "{\"a\": .5}", "[nan]", "Infinity"] | map(try fromjson catch "no")"#,
    r#"[1e20 % 7, (-1e20) % 7, 5 % -3, nan % 3, (.RepositoryName | length) % 4]"#,
    r#"[[65, 1114112], [65.7, 66], [72, 105]] | map(try implode catch "no")"#,
    r#""test" | @base64d"#,
    r#"[1, "a,b", null, true] | @csv"#,
    r#"@sh "echo \(.RepositoryName)""#,
    r#""abc" | .[1.5:2.2]"#,
    r#"[3, 1, 2] | sort | reverse"#,
    r#"[splits(", *")]"#,
    r#".Tags | .. | strings"#,
    r#"getpath(["Tags", 0, "Key"])"#,
    r#"[paths] | length"#,
    r#".Tags | INDEX(.Key) | keys"#,
    r#".ImageTagMutability | IN("MUTABLE", "IMMUTABLE")"#,
    r#"reduce (.Tags[]? | .Key) as $k (0; . + 1)"#,
    r#"[foreach (.Tags[]? | .Key) as $k (0; . + 1)]"#,
    r#"label $out | .Tags[]? | if .Key == "team" then ., break $out else empty end"#,
    r#"(.Tags // {}) | type"#,
    r#".Tags as [$first] | $first"#,
    r#". as {RepositoryName: $n} | $n"#,
    r#"[.Tags[]?] | map(.Key) | contains(["team"])"#,
    r#"[.RepositoryName] | inside(["team/api", "sandbox"])"#,
    r#"ascii_downcase"#,
    r#"to_entries | map(.key) | length"#,
    r#".RepositoryName | scan("[a-z]+")"#,
    r#"todate"#,
    r#"1700000000 | todate"#,
    r#""2015-03-05T23:51:47Z" | fromdate"#,
    r#"tojson | fromjson == ."#,
    // jq 1.6 grammar (jaq is more permissive; both must refuse these).
    r#"{name: .RepositoryName, kms: .EncryptionConfiguration.KmsKey // "none"}"#,
    r#"{name: .RepositoryName, kms: (.EncryptionConfiguration.KmsKey // "none")}"#,
    r#"if .Tags then "tagged" end"#,
    r#".Tags.[0]"#,
    r#"[.Tags[]?.Key | test("^port-"; "x")]"#,
    // Known divergences (see EXPECTED_DIVERGENCES).
    r#"input_filename"#,
    r#"halt"#,
    r#".RepositoryName | test("(?=api)")"#,
    r#"reduce (.Tags[]?.Key) as $k (0; ., 1)"#,
];

/// What jq 1.7 and 1.8 added or changed that a mapping can meet. Evaluated in both
/// dialects: jq 1.6 must refuse or answer them the 1.6 way, jq 1.8 the 1.8 way.
const CORPUS_18: &[&str] = &[
    // New builtins.
    r#".RepositoryName | "  \(.)  " | trim"#,
    r#".RepositoryName | "  \(.)  " | ltrim"#,
    r#".RepositoryName | "  \(.)  " | rtrim"#,
    r#".ImageCount | trim"#,
    r#".RepositoryName | trimstr("a")"#,
    r#".Arn | trimstr("arn:")"#,
    r#"pick(.RepositoryName, .EncryptionConfiguration.EncryptionType)"#,
    r#".Tags | pick(.[1])"#,
    r#"-5 | abs"#,
    r#".SizeBytes | -. | abs"#,
    r#".RepositoryName | abs"#,
    r#"null | abs"#,
    r#"[1, 2] | toarray"#,
    r#"add(.Tags[]?.Key)"#,
    r#"add(empty)"#,
    r#"[skip(1; .Tags[]?.Key)]"#,
    r#"[skip(-1; 1)]"#,
    r#".ImageScanningConfiguration.ScanOnPush | tostring | toboolean"#,
    r#""yes" | toboolean"#,
    r#"have_decnum"#,
    r#"have_literal_numbers"#,
    r#"$__loc__"#,
    r#"{a: 1} | $__loc__.line"#,
    r#".RepositoryName | @uri | @urid"#,
    r#""%E2%9C%93 ok" | @urid"#,
    r#"debug("seen: \(.RepositoryName)") | .RepositoryName"#,
    r#".RepositoryName | [scan("[a-z]+"; "g")]"#,
    r#".RepositoryName | [splits("/"; null)]"#,
    r#"ltrimstr("x")"#,
    r#".RepositoryName | ltrimstr(1)"#,
    r#".ImageCount | rtrimstr("2")"#,
    r#"getpath(["Tags", 0, "Key", "x"])?"#,
    r#"[paths(type == "boolean")]"#,
    r#"[paths(..)] | length"#,
    r#"leaf_paths"#,
    r#"pow10"#,
    r#""MZXW6===" | @base32d"#,
    r#""foo" | @base32"#,
    r#"splits("a")"#,
    // Numbers keep their literal text in jq 1.8.
    r#"1.000 | tostring"#,
    r#"[1.50, 1e3, 1.5e2, 150e-2, 0.0000001, 0.00001, 0.00] | tojson"#,
    r#"100000000000000000001"#,
    r#"100000000000000000001 | tostring"#,
    r#"100000000000000000001 == 100000000000000000000"#,
    r#"[3.10] | .[0] | tostring"#,
    r#"-1.50 | tostring"#,
    r#"-0 | tostring"#,
    r#"1.10 | length | tostring"#,
    r#".Ratio | tojson"#,
    r#"[.ImageCount, .SizeBytes, .Ratio] | tostring"#,
    r#".SizeBytes + 0 | tostring"#,
    r#""\(.SizeBytes) bytes""#,
    r#"[.SizeBytes, "x"] | @csv"#,
    r#".Version"#,
    r#"[.Version, 1.0, 1e3, -1.0, 10e-1] | map(. // 0)"#,
    r#".Version | tostring"#,
    r#"1.0 | floor, (-1.0 | abs)"#,
    r#"(.Pushed // 1709634030) / 86400"#,
    r#"1363349908 / 2926"#,
    r#".Big | tostring"#,
    r#"9007199254740993 | tostring"#,
    r#"9999999999999999"#,
    r#""aaa" | indices("aa")"#,
    r#""aaa" | rindex("aa")"#,
    r#"1e1000 | tostring"#,
    r#"[.[] | numbers] | tojson"#,
    r#""1.50" | tonumber | tostring"#,
    r#"" 12" | tonumber"#,
    r#""12 " | tonumber"#,
    r#""+1" | tonumber"#,
    r#""nan" | tonumber"#,
    r#""[1.50]" | fromjson | tojson"#,
    // Indexing and slicing with non-integers.
    r#"[range(5)] | .[1.7]"#,
    r#"[range(5)] | .[-1.5]"#,
    r#".Tags | .[0.5]"#,
    r#"[range(5)] | .[1.2:3.5]"#,
    r#".RepositoryName | .[1.5:]"#,
    // limit, first, last, nth, error.
    r#"[limit(-1; 1, 2)]"#,
    r#"[last(empty)]"#,
    r#"[nth(5; 1, 2)]"#,
    r#"[first(empty)]"#,
    r#"try (null | error) catch ."#,
    r#"[1, error(null), 2]"#,
    r#"try error({a: 1}) catch .a"#,
    r#"try (1 / 0) catch "caught""#,
    r#"[.Tags[]?.Key] | any(startswith("port-"))"#,
    r#"[1, 2] | all(. > 0)"#,
    // Strings.
    r#""x" * 0"#,
    r#""x" * 0.5"#,
    r#"0 * "x""#,
    r#""ab" * -1"#,
    r#".RepositoryName | indices("e")"#,
    r#".RepositoryName | index("-")"#,
    r#".RepositoryName | rindex("e")"#,
    r#".RepositoryName | indices("")"#,
    r#""!*'()" | @uri"#,
    r#"[.Tags[]?.Key] | join("|")"#,
    // Regular expressions with empty matches.
    r#".RepositoryName | [match(""; "g") | .offset] | length"#,
    r#"[.RepositoryName | splits("")] | length"#,
    r#".RepositoryName | gsub(""; "-")"#,
    r#".RepositoryName | sub("$"; "!")"#,
    r#".RepositoryName | gsub("(?<c>[aeiou])"; "<\(.c)>")"#,
    r#".RepositoryName | [scan("")] | length"#,
    r#".RepositoryName | test("")"#,
    r#".RepositoryName | capture("(?<ns>[a-z]+)/?(?<rest>x)?")"#,
    // Grammar jq 1.7 added.
    r#"{name: .RepositoryName, kms: .EncryptionConfiguration.KmsKey // "none", n: 1 + 2}"#,
    r#"[-1 as $x | 1, $x]"#,
];

/// Corpus entries known to differ, each covered by `KNOWN_DIVERGENCES`.
/// Each must differ on at least one input, or the entry is stale.
const EXPECTED_DIVERGENCES: &[(&str, &str)] = &[
    (
        r#"[-1 as $x | 1, $x]"#,
        "Programs jq accepts but jaq's parser does not read the same way",
    ),
    (r#"input_filename"#, "`input_filename` is null"),
    (r#"halt"#, "`halt` and `halt_error` are reported as errors"),
    (
        r#".RepositoryName | test("(?=api)")"#,
        "Regular expressions run on jaq's engine",
    ),
    (
        r#"reduce (.Tags[]?.Key) as $k (0; ., 1)"#,
        "`reduce`/`foreach` whose update yields several",
    ),
];

/// Corpus entries known to differ from jq 1.8, each covered by `KNOWN_DIVERGENCES`.
const EXPECTED_DIVERGENCES_18: &[(&str, &str)] = &[
    (
        r#"100000000000000000001 == 100000000000000000000"#,
        "jq 1.8 compares two number literals",
    ),
    (
        r#".RepositoryName | test("(?=api)")"#,
        "Regular expressions run on jaq's engine",
    ),
    (
        r#"reduce (.Tags[]?.Key) as $k (0; ., 1)"#,
        "`reduce`/`foreach` whose update yields several",
    ),
];

/// What jq 1.6 gave for the first output.
/// Corpus entries on which jq 1.6 never returns (it loops until memory runs out); the
/// engine must answer them with an error. `jq_1_6_never_returns_on_these` keeps the list
/// honest.
const NEVER_RETURN_IN_JQ16: &[&str] = &[
    r#".RepositoryName | indices("")"#,
    r#".RepositoryName | gsub(""; "-")"#,
];

/// What jq 1.6 gave for the first output, or that it never returns.
fn run_jq(expr: &str, input: &Value) -> Outcome {
    if NEVER_RETURN_IN_JQ16.contains(&expr) {
        return Outcome::Error("jq 1.6 never returns".into());
    }
    first_line_of_jq(expr, input, Duration::from_secs(20)).expect("jq 1.6 timed out")
}

/// jq 1.6's first output within `patience`, or `None`.
fn first_line_of_jq(expr: &str, input: &Value, patience: Duration) -> Option<Outcome> {
    let mut child = Command::new(jq())
        .arg("-c")
        .arg(expr)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn jq");
    let mut stdin = child.stdin.take().expect("jq stdin");
    // jq exits without reading when the expression does not compile.
    let _ = stdin.write_all(input.to_string().as_bytes());
    drop(stdin);

    // Read only the first line: some expressions (`range(1e10)`) never end.
    let stdout = child.stdout.take().expect("jq stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(read.map(|_| line));
    });
    let Ok(line) = rx.recv_timeout(patience) else {
        let _ = child.kill();
        let _ = child.wait();
        return None;
    };
    let line = line.expect("read jq output");
    if !line.trim().is_empty() {
        let _ = child.kill();
        let _ = child.wait();
        return Some(Outcome::Value(
            serde_json::from_str(line.trim()).expect("jq printed JSON"),
        ));
    }
    let status = child.wait().expect("wait for jq");
    let mut stderr = String::new();
    let _ = child
        .stderr
        .take()
        .map(|mut e| e.read_to_string(&mut stderr));
    Some(if status.success() {
        Outcome::NoOutput
    } else {
        Outcome::Error(stderr.trim().to_string())
    })
}

fn run_engine(expr: &str, input: &Input, dialect: Dialect) -> Outcome {
    match compile(expr, dialect) {
        Ok(filter) => first(&filter, input),
        Err(errors) => Outcome::Error(format!("compile error: {errors:?}")),
    }
}

/// Same first value (including object key order), both errors, or both nothing.
fn agree(ours: &Outcome, jq: &Outcome) -> bool {
    match (ours, jq) {
        (Outcome::Value(a), Outcome::Value(b)) => a == b && same_text(a, b),
        (Outcome::Error(_), Outcome::Error(_)) | (Outcome::NoOutput, Outcome::NoOutput) => true,
        _ => false,
    }
}

/// Equal values may still order object keys differently; jq keeps insertion order.
fn same_text(a: &Value, b: &Value) -> bool {
    let (a, b) = (a.to_string(), b.to_string());
    a == b
}

/// The reference jq: `$JQ`, else `jq` on PATH.
fn jq() -> String {
    std::env::var("JQ").unwrap_or_else(|_| "jq".to_owned())
}

fn jq_is_1_6() -> bool {
    Command::new(jq())
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "jq-1.6")
}

/// The jq 1.8 reference: Ocean's `jq` Python package, driven by
/// `tests/support/jq18_reference.py`. One process answers every request; one that
/// hangs is killed and counted as never returning.
struct Jq18 {
    child: std::process::Child,
    requests: std::process::ChildStdin,
    replies: mpsc::Receiver<String>,
}

/// Where the test command installs the `jq` 1.12.0 package (`$JQ18_PYTHONPATH` overrides).
fn jq18_path() -> String {
    std::env::var("JQ18_PYTHONPATH")
        .unwrap_or_else(|_| format!("{}/.pyjq/jq-1.12.0", env!("CARGO_MANIFEST_DIR")))
}

impl Jq18 {
    fn start() -> Jq18 {
        let script = format!(
            "{}/tests/support/jq18_reference.py",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut child = Command::new("python3")
            .arg(script)
            .env("PYTHONPATH", jq18_path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn python3 for the jq 1.8 reference");
        let requests = child.stdin.take().expect("reference stdin");
        let stdout = child.stdout.take().expect("reference stdout");
        let (tx, replies) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Jq18 {
            child,
            requests,
            replies,
        }
    }

    /// The package's version, checked before anything is compared.
    fn version() -> String {
        let out = Command::new("python3")
            .args([
                "-c",
                "import importlib.metadata as m; print(m.version('jq'))",
            ])
            .env("PYTHONPATH", jq18_path())
            .output()
            .expect("run python3");
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn first(&mut self, expr: &str, input: &Value) -> Outcome {
        let request = json!({"expr": expr, "input": input}).to_string();
        writeln!(self.requests, "{request}").expect("write to the reference");
        match self.replies.recv_timeout(Duration::from_secs(10)) {
            Ok(line) => {
                let reply: Value = serde_json::from_str(&line).expect("the reference printed JSON");
                if let Some(v) = reply.get("v") {
                    Outcome::Value(v.clone())
                } else if let Some(e) = reply.get("e") {
                    Outcome::Error(e.as_str().unwrap_or_default().to_owned())
                } else {
                    Outcome::NoOutput
                }
            }
            Err(_) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                *self = Jq18::start();
                Outcome::Error("jq 1.8 never returned".into())
            }
        }
    }
}

impl Drop for Jq18 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Compares every corpus entry on every repository with `reference`, and checks the
/// known divergences: each must still differ and be explained in `KNOWN_DIVERGENCES`.
fn compare(
    dialect: Dialect,
    expected: &[(&str, &str)],
    mut reference: impl FnMut(&str, &Value) -> Outcome,
) {
    let corpus: Vec<&str> = CORPUS.iter().chain(CORPUS_18).copied().collect();
    let mut unique = corpus.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), corpus.len(), "duplicate corpus entries");
    assert!(CORPUS_18.len() >= 80, "too few jq 1.7/1.8 entries");
    let repositories = repositories();
    assert!(repositories.len() >= 5, "too few repositories");
    let (mut mismatches, mut diverged, mut compared) = (Vec::new(), Vec::new(), 0);
    let version = dialect.version();
    for (name, repo) in &repositories {
        let input = Input::from_json(repo);
        for expr in &corpus {
            let (ours, theirs) = (run_engine(expr, &input, dialect), reference(expr, repo));
            compared += 1;
            if agree(&ours, &theirs) {
                continue;
            }
            let report = format!("[{name}] {expr}\n   engine: {ours:?}\n   {version}: {theirs:?}");
            if expected.iter().any(|(e, _)| e == expr) {
                eprintln!("known divergence {report}");
                diverged.push(*expr);
            } else {
                mismatches.push(report);
            }
        }
    }
    eprintln!(
        "{version}: compared {compared} first outputs ({} expressions x {} repositories): {} mismatches, {} known divergences",
        corpus.len(),
        repositories.len(),
        mismatches.len(),
        diverged.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches with {version}:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    for (expr, reason) in expected {
        assert!(
            diverged.contains(expr),
            "{expr} no longer diverges from {version}: drop it from the expected divergences"
        );
        assert!(
            KNOWN_DIVERGENCES.iter().any(|d| d.starts_with(reason)),
            "{expr}: no KNOWN_DIVERGENCES entry starts with {reason:?}"
        );
    }
}

#[test]
fn first_outputs_match_jq_1_6() {
    // Nothing skips silently: without the reference there is no parity to show.
    assert!(
        jq_is_1_6(),
        "`{}` is not jq 1.6 (Port's exporter runs libjq 1.6): install it (apt-get install jq on Debian 12) or set JQ",
        jq()
    );
    compare(Dialect::Jq16, EXPECTED_DIVERGENCES, run_jq);
}

#[test]
fn jq_1_6_never_returns_on_these() {
    assert!(jq_is_1_6(), "`{}` is not jq 1.6", jq());
    let repo = &repositories()[0].1;
    for expr in NEVER_RETURN_IN_JQ16 {
        assert!(
            CORPUS.iter().chain(CORPUS_18).any(|e| e == expr),
            "{expr} is not in the corpus"
        );
        assert_eq!(
            first_line_of_jq(expr, repo, Duration::from_secs(2)),
            None,
            "jq 1.6 returned from {expr}: drop it from NEVER_RETURN_IN_JQ16"
        );
    }
}

#[test]
fn first_outputs_match_jq_1_8() {
    let version = Jq18::version();
    assert_eq!(
        version,
        "1.12.0",
        "the `jq` Python package at {} is not 1.12.0 (Ocean's pin): run scripts/test, or `python3 -m pip install --target {} jq==1.12.0`",
        jq18_path(),
        jq18_path()
    );
    let mut reference = Jq18::start();
    compare(Dialect::Jq18, EXPECTED_DIVERGENCES_18, |expr, input| {
        reference.first(expr, input)
    });
}

/// The real path: the corpus through the worker process the app and `render` use (the
/// request crosses the pipe as JSON, the dialect with it), for both dialects, must give
/// exactly what the engine gives in-process, which the tests above hold to jq.
#[tokio::test(flavor = "multi_thread")]
async fn the_worker_process_answers_as_the_engine_does() {
    use ecr_port::mapping::worker::{
        DEFAULT_MEMORY_LIMIT, DEFAULT_OUTPUT_CAP, WorkerClient, WorkerOptions,
    };
    let opts = WorkerOptions {
        program: env!("CARGO_BIN_EXE_ecr-port").into(),
        deadline: Duration::from_secs(30),
        output_cap: DEFAULT_OUTPUT_CAP,
        memory_limit: DEFAULT_MEMORY_LIMIT,
    };
    let corpus: Vec<String> = CORPUS
        .iter()
        .chain(CORPUS_18)
        .map(|e| e.to_string())
        .collect();
    let repos: Vec<Value> = repositories().into_iter().map(|(_, v)| v).collect();
    for dialect in [Dialect::Jq16, Dialect::Jq18] {
        let mut client = WorkerClient::new(opts.clone());
        client.set_dialect(dialect);
        client
            .load(std::sync::Arc::new(repos.clone()))
            .await
            .expect("load the repositories");
        let got = client
            .eval(corpus.clone(), None, None)
            .await
            .expect("the worker answers");
        client.shutdown().await;
        assert_eq!(got.outcomes.len(), repos.len());
        let mut differ = Vec::new();
        for (repo, row) in repos.iter().zip(&got.outcomes) {
            let input = Input::from_json(repo);
            for (expr, theirs) in corpus.iter().zip(row) {
                let ours = run_engine(expr, &input, dialect);
                if !agree(&ours, theirs) {
                    differ.push(format!(
                        "{expr}\n   in-process: {ours:?}\n   worker: {theirs:?}"
                    ));
                }
            }
        }
        assert!(
            differ.is_empty(),
            "{}: the worker differs from the engine:\n{}",
            dialect.version(),
            differ.join("\n")
        );
    }
}
