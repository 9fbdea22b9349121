#!/usr/bin/env python3
"""Generate the embedded demo ECR inventory (assets/demo-inventory.json).

Deterministic: stdlib only, fixed random seed. Re-run to regenerate:

    python3 scripts/gen_demo_inventory.py            # writes assets/demo-inventory.json
    python3 scripts/gen_demo_inventory.py -o -       # prints to stdout

The data models a mid-size company's ECR registry (account 123456789012)
spread over eu-west-1 and us-east-1, with a deliberate mix of tagging styles
and a handful of edge cases for the `port-<service>` tag convention.
"""

import argparse
import json
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20240311
ACCOUNT = "123456789012"
REGIONS = ("eu-west-1", "us-east-1")

# Other AWS accounts that appear in repository policies.
ACCOUNTS = {
    "prod": "210987654321",
    "staging": "345678901234",
    "ci": "456789012345",
    "data": "567890123456",
    "partner": "678901234567",
}

# Tag categories:
#   port1  exactly one port-<service> tag, nothing else
#   portN  two or three port- tags, nothing else
#   port+  one port- tag plus several other tags
#   other  only non-port tags
#   none   no tags at all
#
# (region, name, team, category, port services, created-year range, extra)
REPOS = [
    # ---------------------------------------------------------------- eu-west-1
    ("eu-west-1", "auth-service", "identity", "port1", ["auth-service"], (2019, 2020), {}),
    ("eu-west-1", "base-images", "platform", "none", [], (2019, 2019), {}),
    ("eu-west-1", "legacy-billing", "finance", "other", [], (2019, 2019), {"wrong_case": True}),
    ("eu-west-1", "payments/api", "payments", "port1", ["payments-api"], (2020, 2021), {}),
    ("eu-west-1", "payments/worker", "payments", "port1", ["payments-worker"], (2020, 2021), {}),
    ("eu-west-1", "payments/reconciliation", "payments", "portN", ["payments-api", "billing"], (2022, 2023), {}),
    ("eu-west-1", "payments/fraud-scorer", "payments", "port+", ["payments-api"], (2023, 2024), {}),
    ("eu-west-1", "platform/ingress-nginx", "platform", "port1", ["ingress"], (2019, 2020), {}),
    ("eu-west-1", "platform/cert-manager", "platform", "other", [], (2020, 2021), {}),
    ("eu-west-1", "platform/external-dns", "platform", "other", [], (2020, 2021), {}),
    ("eu-west-1", "platform/otel-collector", "platform", "port+", ["observability"], (2023, 2024), {}),
    ("eu-west-1", "platform/tools/ci-runner", "platform", "other", [], (2021, 2022), {}),
    ("eu-west-1", "platform/tools/terraform-runner", "platform", "none", [], (2021, 2022), {}),
    ("eu-west-1", "data/etl-runner", "data", "port1", ["analytics"], (2021, 2022), {}),
    ("eu-west-1", "data/airflow", "data", "other", [], (2021, 2022), {}),
    ("eu-west-1", "data/kafka-connect", "data", "portN", ["orders", "inventory"], (2022, 2023), {}),
    ("eu-west-1", "data/dbt", "data", "none", [], (2023, 2024), {}),
    ("eu-west-1", "ml/feature-store", "ml", "port1", ["recommendations"], (2022, 2023), {}),
    ("eu-west-1", "ml/model-serving", "ml", "portN", ["recommendations", "search"], (2023, 2024), {}),
    ("eu-west-1", "ml/training/pytorch-base", "ml", "other", [], (2023, 2025), {}),
    ("eu-west-1", "web/storefront", "web", "port1", ["storefront"], (2019, 2020), {}),
    ("eu-west-1", "web/checkout", "web", "port1", ["checkout.v2"], (2024, 2025), {}),
    ("eu-west-1", "web/admin-portal", "web", "port+", ["gateway"], (2021, 2022), {}),
    ("eu-west-1", "web/static-assets", "web", "other", [], (2020, 2021), {}),
    ("eu-west-1", "orders/api", "orders", "port1", ["orders"], (2020, 2021), {}),
    ("eu-west-1", "orders/events-consumer", "orders", "portN", ["orders", "notifications"], (2022, 2023), {}),
    ("eu-west-1", "inventory/sync", "orders", "port1", ["inventory"], (2021, 2022), {}),
    ("eu-west-1", "notifications/email-sender", "engagement", "port1", ["notifications"], (2020, 2021), {}),
    ("eu-west-1", "search/indexer", "search", "port+", ["search_indexer"], (2022, 2023), {}),
    ("eu-west-1", "shipping/label-service", "logistics", "port1", ["shipping"], (2024, 2025), {}),
    # ---------------------------------------------------------------- us-east-1
    ("us-east-1", "auth-service", "identity", "port1", ["auth-service"], (2021, 2022), {}),
    ("us-east-1", "base-images", "platform", "none", [], (2021, 2021), {}),
    ("us-east-1", "payments/api", "payments", "port1", ["payments-api"], (2022, 2022), {}),
    ("us-east-1", "web/storefront", "web", "port1", ["storefront"], (2021, 2022), {}),
    ("us-east-1", "web/cdn-edge", "web", "other", [], (2022, 2023), {}),
    ("us-east-1", "search/api", "search", "port1", ["search"], (2021, 2022), {}),
    ("us-east-1", "notifications/sms-gateway", "engagement", "port1", ["notifications"], (2022, 2023), {}),
    ("us-east-1", "notifications/push-dispatcher", "engagement", "portN",
     ["notifications", "user-profile", "gateway"], (2024, 2025), {}),
    ("us-east-1", "platform/ingress-nginx", "platform", "port+", ["ingress"], (2021, 2022), {}),
    ("us-east-1", "platform/tools/ci-runner", "platform", "other", [], (2022, 2023), {}),
    ("us-east-1", "sandbox/experiments", "platform", "none", [], (2026, 2026), {}),
    ("us-east-1", "mobile/bff", "mobile", "port+", ["gateway"], (2023, 2024), {"tag_count": 48}),
    ("us-east-1", "analytics/clickstream-collector", "data", "other", [], (2023, 2024), {}),
    ("us-east-1", "identity/user-profile", "identity", "port1", ["user-profile"], (2022, 2023), {}),
    ("us-east-1", "ml/inference-gpu", "ml", "other", [], (2026, 2026), {}),
    ("us-east-1", "security/trivy-db-mirror", "security", "other", [], (2024, 2025), {"empty_port": True}),
    ("us-east-1", "marketing/campaign-service", "growth", "port+", ["notifications"], (2025, 2026), {}),
    ("us-east-1", "partners/webhook-relay", "integrations", "other", [], (2024, 2025), {}),
]

TEAM_OWNERS = {
    "identity": "identity-team@example.com",
    "platform": "platform-eng@example.com",
    "finance": "finance-eng@example.com",
    "payments": "payments-oncall@example.com",
    "data": "data-eng@example.com",
    "ml": "ml-platform@example.com",
    "web": "web-frontend@example.com",
    "orders": "orders-team@example.com",
    "engagement": "engagement@example.com",
    "search": "search-team@example.com",
    "logistics": "logistics-eng@example.com",
    "mobile": "mobile-team@example.com",
    "security": "secops@example.com",
    "growth": "growth-eng@example.com",
    "integrations": "integrations@example.com",
}

COST_CENTERS = {team: "CC-%d" % (1000 + 17 * i) for i, team in enumerate(sorted(TEAM_OWNERS))}

LATEST = datetime(2026, 10, 31, 23, 59, 59, tzinfo=timezone.utc)


def rand_date(rng, years):
    lo = datetime(years[0], 1, 1, tzinfo=timezone.utc)
    hi = min(datetime(years[1], 12, 31, 23, 59, 59, tzinfo=timezone.utc), LATEST)
    secs = int((hi - lo).total_seconds())
    return (lo + timedelta(seconds=rng.randrange(secs))).strftime("%Y-%m-%dT%H:%M:%SZ")


def rand_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def other_tags(rng, region, name, team, n_min, n_max):
    """A realistic selection of non-port tags."""
    env = "shared" if team in ("platform", "security") else rng.choice(["prod", "prod", "staging"])
    pool = [
        ("team", team),
        ("env", env),
        ("cost-center", COST_CENTERS[team]),
        ("owner", TEAM_OWNERS[team]),
        ("managed-by", rng.choice(["terraform", "terraform", "terraform", "cdk", "pulumi"])),
        ("source-repo", "github.com/acme/" + name.split("/")[-1]),
        ("app.kubernetes.io/part-of", name.split("/")[0]),
    ]
    if team in ("payments", "finance"):
        pool.append(("compliance", "pci-dss"))
    elif team in ("identity", "data", "ml"):
        pool.append(("compliance", "gdpr"))
    if team in ("payments", "identity", "data", "finance"):
        pool.append(("data-classification", rng.choice(["confidential", "restricted"])))
    if env == "prod":
        pool.append(("backup", "none"))
    pool.append(("region-role", "primary" if region == "eu-west-1" else "secondary"))
    # "team" is almost always present; the rest is a random subset.
    k = min(len(pool) - 1, rng.randint(n_min, n_max) - 1)
    chosen = [pool[0]] + rng.sample(pool[1:], k)
    return [{"Key": k_, "Value": v} for k_, v in chosen]


def bulk_tags(rng, name, team, total):
    """Tags for a heavily automated repository (near ECR's 50-tag limit)."""
    tags = other_tags(rng, "us-east-1", name, team, 8, 8)
    keys = {t["Key"] for t in tags}
    clusters = ["eks-prod-use1", "eks-prod-euw1", "eks-staging-use1", "eks-dev-use1"]
    consumers = ["ios-app", "android-app", "web-app", "partner-api", "kiosk", "smart-tv",
                 "watch-app", "car-play", "android-auto", "widgets"]
    extra = []
    for c in clusters:
        extra.append(("deploy/" + c, rng.choice(["enabled", "canary", "paused"])))
    for c in consumers:
        extra.append(("consumer:" + c, rng.choice(["v1", "v2", "v2", "v3"])))
    for i in range(1, 13):
        extra.append(("release/2024.%02d" % i, "approved"))
    for i in range(1, 13):
        extra.append(("release/2025.%02d" % i, rng.choice(["approved", "approved", "rolled-back"])))
    extra += [("sbom:format", "cyclonedx"), ("signing", "cosign"), ("slo-tier", "gold"),
              ("pagerduty-service", "PXM0B1F"), ("runbook", "https://wiki.example.com/mobile/bff")]
    for k, v in extra:
        if len(tags) >= total:
            break
        if k not in keys:
            tags.append({"Key": k, "Value": v})
            keys.add(k)
    assert len(tags) == total, len(tags)
    return tags


def make_tags(rng, region, name, team, category, services, extra):
    port = [{"Key": "port-" + s, "Value": "true"} for s in services]
    if category == "none":
        return []
    if category in ("port1", "portN"):
        return port
    if category == "port+":
        if "tag_count" in extra:
            return port + bulk_tags(rng, name, team, extra["tag_count"] - len(port))
        return port + other_tags(rng, region, name, team, 3, 6)
    # category == "other"
    tags = other_tags(rng, region, name, team, 2, 6)
    if extra.get("wrong_case"):
        tags.insert(0, {"Key": "Port-billing", "Value": "true"})
    if extra.get("empty_port"):
        tags.append({"Key": "port-", "Value": "true"})
    return tags


def lifecycle_policy(rng):
    rules = []
    prio = 1
    if rng.random() < 0.8:
        days = rng.choice([1, 3, 7, 14, 30])
        rules.append({
            "rulePriority": prio,
            "description": "Expire untagged images older than %d day%s" % (days, "" if days == 1 else "s"),
            "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                          "countUnit": "days", "countNumber": days},
            "action": {"type": "expire"},
        })
        prio += 1
    if rng.random() < 0.7:
        prefixes = rng.choice([["v"], ["release-"], ["v", "release-"], ["prod-"], ["sha-"]])
        keep = rng.choice([10, 20, 30, 50, 100])
        rules.append({
            "rulePriority": prio,
            "description": "Keep last %d %s images" % (keep, "/".join(p.rstrip("-") for p in prefixes)),
            "selection": {"tagStatus": "tagged", "tagPrefixList": prefixes,
                          "countType": "imageCountMoreThan", "countNumber": keep},
            "action": {"type": "expire"},
        })
        prio += 1
    if rng.random() < 0.35:
        days = rng.choice([14, 30, 60])
        rules.append({
            "rulePriority": prio,
            "description": "Expire feature-branch images after %d days" % days,
            "selection": {"tagStatus": "tagged", "tagPrefixList": ["pr-", "feature-"],
                          "countType": "sinceImagePushed", "countUnit": "days", "countNumber": days},
            "action": {"type": "expire"},
        })
        prio += 1
    if not rules or rng.random() < 0.5:
        # A tagStatus "any" rule must carry the highest rulePriority.
        keep = rng.choice([50, 100, 200, 500])
        rules.append({
            "rulePriority": max(prio, 10) if rules else 1,
            "description": "Cap repository at %d images" % keep,
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
            "action": {"type": "expire"},
        })
    return json.dumps({"rules": rules}, separators=(",", ":"))


PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
PUSH_ACTIONS = ["ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"]


def repository_policy(rng, team):
    statements = []
    pullers = rng.sample(["prod", "staging", "data", "partner"], rng.choice([1, 1, 2]))
    principals = ["arn:aws:iam::%s:root" % ACCOUNTS[a] for a in sorted(pullers)]
    statements.append({
        "Sid": "AllowCrossAccountPull",
        "Effect": "Allow",
        "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
        "Action": PULL_ACTIONS,
    })
    if rng.random() < 0.5:
        statements.append({
            "Sid": "AllowCiPush",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:role/github-actions-%s" % (ACCOUNTS["ci"], team)},
            "Action": PULL_ACTIONS + PUSH_ACTIONS,
        })
    if rng.random() < 0.3:
        statements.append({
            "Sid": "AllowOrgReadOnly",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:role/ecr-auditor" % ACCOUNTS["prod"]},
            "Action": ["ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:ListImages"],
        })
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=(",", ":"))


def pick(rng, n, k):
    return set(rng.sample(range(n), k))


def build():
    rng = random.Random(SEED)
    n = len(REPOS)
    kms_keys = {r: [rand_uuid(rng) for _ in range(3)] for r in REGIONS}

    immutable = pick(rng, n, 14)
    with_exclusion = rng.choice(sorted(set(range(n)) - immutable))
    kms = pick(rng, n, 17)
    lifecycle = pick(rng, n, 19)
    repo_policy = pick(rng, n, 10)

    repos = []
    for i, (region, name, team, category, services, years, extra) in enumerate(REPOS):
        if i == with_exclusion:
            mutability = "IMMUTABLE_WITH_EXCLUSION"
        elif i in immutable:
            mutability = "IMMUTABLE"
        else:
            mutability = "MUTABLE"
        repo = {
            "repositoryName": name,
            "region": region,
            "registryId": ACCOUNT,
            "createdAt": rand_date(rng, years),
            "imageTagMutability": mutability,
            "scanOnPush": rng.random() < 0.55,
            "encryptionType": "KMS" if i in kms else "AES256",
        }
        if i in kms:
            repo["kmsKey"] = "arn:aws:kms:%s:%s:key/%s" % (region, ACCOUNT, rng.choice(kms_keys[region]))
        repo["tags"] = make_tags(rng, region, name, team, category, services, extra)
        if i in lifecycle:
            repo["lifecyclePolicyText"] = lifecycle_policy(rng)
        if i in repo_policy:
            repo["repositoryPolicyText"] = repository_policy(rng, team)
        repos.append(repo)

    repos.sort(key=lambda r: (r["region"], r["repositoryName"]))
    return {"repositories": repos}


def main():
    default_out = Path(__file__).resolve().parent.parent / "assets" / "demo-inventory.json"
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", default=str(default_out), help="output path, or - for stdout")
    args = ap.parse_args()
    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print("wrote %s" % args.output, file=sys.stderr)


if __name__ == "__main__":
    main()
