#!/usr/bin/env bash
# Mapping benchmark: `ecr-port render --input` against `jq -c -f` (jq 1.6) on the same
# 10,000 generated repositories with the shipped mapping, whole processes, in one run.
#
#   bench/render.sh [N]          # default N=10000
# ECR_PORT_BIN overrides the binary (default: the release build in CARGO_TARGET_DIR or target/).
# Target: ecr-port takes at most half of jq's time.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
N=${1:-10000}
BIN=${ECR_PORT_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/ecr-port}
[[ -x $BIN ]] || { echo "render.sh: no binary at $BIN (cargo build --release)" >&2; exit 1; }
command -v jq >/dev/null || { echo "render.sh: jq is not installed" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
MAPPING="$ROOT/assets/default-mapping.json"

python3 "$BENCH_DIR/gen_repos.py" "$N" > "$WORK/repos.json"
python3 "$BENCH_DIR/mapping_to_jq.py" "$MAPPING" > "$WORK/mapping.jq"

best() { # best of 3 wall-clock seconds of a command writing to $1
  local out=$1; shift
  local best=999999
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N); "$@" > "$out"; t1=$(date +%s.%N)
    best=$(python3 -c "print(min($best, $t1 - $t0))")
  done
  echo "$best"
}

T_JQ=$(best "$WORK/jq.out" jq -c -f "$WORK/mapping.jq" "$WORK/repos.json")
T_EP=$(best "$WORK/ep.out" env ECR_PORT_STATE_DIR="$WORK/state" "$BIN" render --mapping "$MAPPING" --input "$WORK/repos.json")

python3 - "$WORK/jq.out" "$WORK/ep.out" "$N" <<'PY'
import json, sys
jq = [json.loads(l) for l in open(sys.argv[1])]
ep = [json.loads(l) for l in open(sys.argv[2])]
n = int(sys.argv[3])
assert len(jq) == n and len(ep) == n, (len(jq), len(ep))
bad = [i for i, (a, b) in enumerate(zip(jq, ep)) if a != b]
assert not bad, f"{len(bad)} entities differ, first at {bad[0]}:\n{jq[bad[0]]}\n{ep[bad[0]]}"
print(f"same {n} entities from both")
PY
python3 - "$T_JQ" "$T_EP" "$N" <<'PY'
import sys
jq, ep, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(f"=== mapping benchmark: {n} repositories, shipped mapping, best of 3 ===")
print(f"jq 1.6 (jq -c -f):       {jq:.3f} s")
print(f"ecr-port render --input: {ep:.3f} s")
print(f"ecr-port / jq = {ep / jq:.2f} (target <= 0.50) -- {'met' if ep <= jq / 2 else 'MISSED'}")
PY
