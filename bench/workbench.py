#!/usr/bin/env python3
"""Workbench latency: what the TUI waits for after a keystroke, measured at the worker
boundary the TUI uses (this binary in worker mode, JSON lines over stdio).

- preview: every field of the shipped mapping on the highlighted repository (inline input);
- sweep: one edited field re-evaluated over all N repositories (inputs loaded once).

Prints median and 95th percentile over many requests. Targets: preview under 16 ms,
one-field sweep of 10,000 repositories under 100 ms.

    python3 bench/workbench.py [N]    # ECR_PORT_BIN overrides the binary
"""
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
BIN = os.environ.get("ECR_PORT_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "ecr-port")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
repos = json.loads(subprocess.check_output([sys.executable, os.path.join(ROOT, "bench", "gen_repos.py"), str(N)]))
config = json.load(open(os.path.join(ROOT, "assets", "default-mapping.json")))
mapping = next(r for r in config["resources"] if r["kind"] == "AWS::ECR::Repository")["port"]["entity"]["mappings"][0]
exprs = [mapping["identifier"], mapping["title"], json.dumps(mapping["blueprint"])]
exprs += list(mapping["properties"].values()) + list(mapping["relations"].values())

worker = subprocess.Popen([BIN, "__jq-worker", str(1 << 30)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          env={"MIMALLOC_ARENA_RESERVE": "64MiB"})
next_id = 0


def request(kind, body):
    global next_id
    next_id += 1
    body["id"] = next_id
    line = json.dumps({kind: body}, separators=(",", ":")) + "\n"
    start = time.perf_counter()
    worker.stdin.write(line.encode())
    worker.stdin.flush()
    reply = json.loads(worker.stdout.readline())
    took = (time.perf_counter() - start) * 1000
    assert reply["id"] == next_id, reply
    return reply, took


request("load", {"inputs": repos})
# Warm up: the first evaluation of each shard compiles the prelude.
request("eval", {"exprs": exprs, "cap": 1 << 18})

preview = []
for i in range(200):
    reply, took = request("eval", {"exprs": exprs, "inline": [repos[i % N]], "cap": 1 << 18})
    assert len(reply["results"][0]) == len(exprs)
    preview.append(took)

sweep = []
edited = mapping["relations"]["service"]
for i in range(30):
    # A different expression each time, as when the user types.
    expr = edited + (" " * (i % 7))
    reply, took = request("eval", {"exprs": [expr], "cap": 1 << 18})
    assert len(reply["results"]) == N
    sweep.append(took)

worker.stdin.close()
worker.wait()


def report(name, xs, target):
    xs = sorted(xs)
    p95 = xs[int(len(xs) * 0.95) - 1]
    med = statistics.median(xs)
    verdict = "met" if p95 < target else "MISSED"
    print(f"{name:<44} median {med:7.2f} ms   p95 {p95:7.2f} ms   (target < {target} ms: {verdict})")


print(f"=== workbench latency at the worker boundary, {N} repositories, {len(exprs)} fields ===")
report("preview: all fields, highlighted repository", preview, 16)
report(f"sweep: one field over {N} repositories", sweep, 100)
