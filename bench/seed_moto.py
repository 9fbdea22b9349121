#!/usr/bin/env python3
"""Seed a moto server with ECR repositories (directly, not through the proxy).

    python3 bench/seed_moto.py --endpoint http://127.0.0.1:5000 --start 0 --count 2000

Creates repositories start..start+count-1 (names/tags from bench_common), each
with its 5 tags passed to CreateRepository, using a thread pool.
"""

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import REGION, repo_name, repo_settings, repo_tags  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--region", default=REGION)
    ap.add_argument("--role-arn", help="seed in the account of this role (moto keeps an "
                    "assumed role's resources in the role's account)")
    args = ap.parse_args()

    keys = {}
    if args.role_arn:
        sts = boto3.client("sts", region_name=args.region, endpoint_url=args.endpoint)
        c = sts.assume_role(RoleArn=args.role_arn, RoleSessionName="seed")["Credentials"]
        keys = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                    aws_session_token=c["SessionToken"])
    client = boto3.client(
        "ecr",
        region_name=args.region,
        endpoint_url=args.endpoint,
        config=Config(max_pool_connections=args.workers, retries={"max_attempts": 5, "mode": "standard"}),
        **keys,
    )

    def create(i: int) -> None:
        client.create_repository(repositoryName=repo_name(i), tags=repo_tags(i), **repo_settings(i))

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        # list() re-raises the first exception, failing the seed loudly.
        list(pool.map(create, range(args.start, args.start + args.count)))
    dt = time.perf_counter() - t0
    print(f"seeded {args.count} repositories ({args.start}..{args.start + args.count - 1}) "
          f"in {dt:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
