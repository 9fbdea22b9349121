#!/usr/bin/env python3
"""Benchmark (d)'s helpers: the settings naming the accounts, and the check of the output.

    python3 bench/accounts_check.py settings FILE ACCOUNT...
    python3 bench/accounts_check.py check OUTPUT N ACCOUNT...
"""

import json
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import repo_name  # noqa: E402

REGIONS = ["us-east-1", "eu-west-1"]


def settings(path: str, accounts: list[str]) -> None:
    """One role per account, both regions, the default tag source and concurrency."""
    entries = [{"roleArn": f"arn:aws:iam::{a}:role/reader", "regions": REGIONS} for a in accounts]
    with open(path, "w") as f:
        json.dump({"aws": {"accounts": entries}}, f)


def check(path: str, n: int, accounts: list[str]) -> int:
    """Every account x region holds repositories 0..n-1, each with its 5 tags."""
    with open(path) as f:
        records = json.load(f)
    got = Counter()
    names = {}
    for r in records:
        _, _, _, region, account, rest = r["Arn"].split(":", 5)
        got[(account, region)] += 1
        names.setdefault((account, region), set()).add(rest.removeprefix("repository/"))
        if len(r.get("Tags", [])) != 5:
            print(f"(d) {r['Arn']} has {len(r.get('Tags', []))} tags, not 5", file=sys.stderr)
            return 1
    want = {(a, g): n for a in accounts for g in REGIONS}
    if dict(got) != want:
        print(f"(d) expected {n} repositories in each of {sorted(want)}, got {dict(got)}", file=sys.stderr)
        return 1
    expected = {repo_name(i) for i in range(n)}
    for key, seen in names.items():
        if seen != expected:
            print(f"(d) {key} lists other repositories than 0..{n - 1}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "settings":
        settings(sys.argv[2], sys.argv[3:])
        sys.exit(0)
    sys.exit(check(sys.argv[2], int(sys.argv[3]), sys.argv[4:]))
