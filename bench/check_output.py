#!/usr/bin/env python3
"""Verify a benchmark output file against the seeded data.

    python3 bench/check_output.py --kind ecr-port --expect 2000 FILE
    python3 bench/check_output.py --kind baseline --expect 2000 FILE

ecr-port output: JSON array of objects with "RepositoryName" and "Tags"
([{Key, Value}]).  Baseline output: boto3 shape ("repositoryName", "tags").
Checks: exactly the expected repository names (no missing/extra/duplicates)
and every repository carries exactly its 5 seeded tags.  Exit 1 on mismatch.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import expected  # noqa: E402

FIELDS = {"ecr-port": ("RepositoryName", "Tags"), "baseline": ("repositoryName", "tags")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", choices=FIELDS, required=True)
    ap.add_argument("--expect", type=int, required=True)
    ap.add_argument("file")
    args = ap.parse_args()
    name_f, tags_f = FIELDS[args.kind]
    label = args.kind

    try:
        with open(args.file, "rb") as f:
            raw = f.read()
        data = json.loads(raw)
    except (OSError, ValueError) as e:
        print(f"FAIL [{label}]: output is not valid JSON: {e}; output starts with: "
              f"{raw[:200]!r}" if "raw" in locals() else f"FAIL [{label}]: {e}", file=sys.stderr)
        return 1
    if not isinstance(data, list):
        print(f"FAIL [{label}]: output is a {type(data).__name__}, expected a JSON array",
              file=sys.stderr)
        return 1

    want = expected(args.expect)
    errors = []
    seen = set()
    for idx, repo in enumerate(data):
        if not isinstance(repo, dict) or name_f not in repo:
            errors.append(f"element {idx} has no {name_f!r}: {str(repo)[:120]}")
            continue
        name = repo[name_f]
        if name in seen:
            errors.append(f"duplicate repository {name}")
        seen.add(name)
        if name not in want:
            errors.append(f"unexpected repository {name}")
            continue
        tags = repo.get(tags_f)
        if not isinstance(tags, list):
            errors.append(f"{name}: {tags_f!r} missing or not an array: {tags!r}")
            continue
        got = {(t.get("Key"), t.get("Value")) for t in tags if isinstance(t, dict)}
        if len(tags) != 5 or got != want[name]:
            errors.append(f"{name}: expected 5 tags {sorted(want[name])}, got {tags}")
    missing = sorted(set(want) - seen)
    if missing:
        errors.append(f"{len(missing)} repositories missing, e.g. {missing[:3]}")

    size = os.path.getsize(args.file)
    if errors or len(data) != args.expect:
        print(f"FAIL [{label}]: {len(data)} repositories returned, expected {args.expect}; "
              f"{len(errors)} problem(s):", file=sys.stderr)
        for e in errors[:10]:
            print(f"  - {e}", file=sys.stderr)
        return 1
    print(f"OK [{label}]: {len(data)} repositories, all with their 5 tags, {size / 1e6:.2f} MB JSON")
    return 0


if __name__ == "__main__":
    sys.exit(main())
