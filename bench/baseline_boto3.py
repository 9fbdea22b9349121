#!/usr/bin/env python3
"""Baseline: the approach of Port's example-ecr-images script, plus tags.

    python3 bench/baseline_boto3.py --endpoint-url http://127.0.0.1:PROXYPORT > out.json

Sequential boto3: describe_repositories(maxResults=1000) over all pages, then
one list_tags_for_resource per repository, one after another.  Prints the
repositories (boto3 shape plus "tags") as a JSON array on stdout and the count
on stderr.
"""

import argparse
import json
import sys

import boto3


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint-url", default=None)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--policies", action="store_true",
                    help="also each repository's lifecycle and repository policy")
    args = ap.parse_args()

    ecr = boto3.client("ecr", region_name=args.region, endpoint_url=args.endpoint_url)

    repos = []
    kwargs = {"maxResults": 1000}
    while True:
        page = ecr.describe_repositories(**kwargs)
        repos.extend(page["repositories"])
        token = page.get("nextToken")
        if not token:
            break
        kwargs["nextToken"] = token

    for repo in repos:
        repo["tags"] = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
        if args.policies:
            name = repo["repositoryName"]
            try:
                repo["lifecyclePolicy"] = ecr.get_lifecycle_policy(repositoryName=name)
            except ecr.exceptions.LifecyclePolicyNotFoundException:
                pass
            try:
                repo["repositoryPolicy"] = ecr.get_repository_policy(repositoryName=name)
            except ecr.exceptions.RepositoryPolicyNotFoundException:
                pass

    json.dump(repos, sys.stdout, default=str)
    sys.stdout.write("\n")
    print(f"baseline: {len(repos)} repositories", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
