#!/usr/bin/env python3
"""Writes N generated repositories as `ecr-port list --output json` prints them (stdout)."""
import json
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
rnd = random.Random(7)
services = ["auth", "payments-api", "orders", "search", "checkout", "storefront", "notifications"]
out = []
for i in range(n):
    region = ["eu-west-1", "us-east-1", "ap-south-1"][i % 3]
    name = f"team-{i % 40:02d}/app-{i:05d}"
    arn = f"arn:aws:ecr:{region}:123456789012:repository/{name}"
    tags = [{"Key": f"port-{rnd.choice(services)}", "Value": "true"}] if i % 5 else []
    tags += [{"Key": "team", "Value": f"team-{i % 40:02d}"}, {"Key": "env", "Value": "prod"}]
    repo = {
        "RepositoryName": name,
        "Arn": arn,
        "RepositoryUri": f"123456789012.dkr.ecr.{region}.amazonaws.com/{name}",
        "ImageTagMutability": "IMMUTABLE" if i % 3 == 0 else "MUTABLE",
        "ImageScanningConfiguration": {"ScanOnPush": i % 2 == 0},
        "EncryptionConfiguration": {"EncryptionType": "AES256"},
        "Tags": tags,
    }
    if i % 4 == 0:
        repo["LifecyclePolicy"] = {
            "LifecyclePolicyText": '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}',
            "RegistryId": "123456789012",
        }
    out.append(repo)
json.dump(out, sys.stdout)
