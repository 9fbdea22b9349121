#!/usr/bin/env bash
# Push benchmark: `ecr-port push` against Port's example-ecr-images approach (one upsert
# request per entity, one after the other), each writing N rendered repositories into its
# own empty fake Port API (bench/fake_port_server.py) that adds DELAY_MS to every request.
#
#   bench/push.sh                    # N=5000 repositories, 50 ms per request
#   N=500 DELAY_MS=20 bench/push.sh
# ECR_PORT overrides the binary (default: the release build in CARGO_TARGET_DIR or target/).
# STRICT=1 exits with status 3 when the target is missed.
# Target: baseline / ecr-port >= 50x, with ecr-port making at most 300 requests.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
N=${N:-5000}
DELAY_MS=${DELAY_MS:-50}
BIN=${ECR_PORT:-${CARGO_TARGET_DIR:-$ROOT/target}/release/ecr-port}

die() { echo "push.sh: ERROR: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
now() { date +%s.%N; }
# run_child CMD...: run CMD in the background and wait, so that INT/TERM reach the trap
# at once instead of after the minutes-long baseline (bash defers traps until a
# foreground command ends).
run_child() {
  local rc=0
  "$@" &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=
  return "$rc"
}

[[ -x $BIN ]] || die "no binary at $BIN (cargo build --release, or set ECR_PORT)"
command -v curl >/dev/null || die "curl is required"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$N'"
[[ $DELAY_MS =~ ^[0-9]+$ ]] || die "DELAY_MS must be a whole number of milliseconds, got '$DELAY_MS'"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecr-port-push.XXXXXX")
PIDS=()   # the fake servers
CHILD=    # the timed command being waited for
cleanup() {
  local rc=$? pid
  for pid in $CHILD "${PIDS[@]:-}"; do
    [[ -n $pid ]] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $rc != 0 ]]; then echo "work dir (outputs, server logs): $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A user's settings file (mapping, Port URL) must not change what either side sends.
export XDG_CONFIG_HOME="$WORK/config" ECR_PORT_STATE_DIR="$WORK/state"

start_server() { # start_server NAME -> SRV_PORT; the server prints `PORT <n>` first
  local i
  python3 "$BENCH_DIR/fake_port_server.py" --port 0 --delay-ms "$DELAY_MS" \
    >"$WORK/$1.out" 2>"$WORK/$1.log" &
  PIDS+=("$!")
  for i in $(seq 1 100); do
    SRV_PORT=$(awk '/^PORT /{ print $2; exit }' "$WORK/$1.out")
    [[ -n $SRV_PORT ]] && return 0
    kill -0 "${PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  cat "$WORK/$1.log" >&2
  die "fake Port server '$1' did not start"
}

# Both catalogs start with the three blueprints and no entities.
cat >"$WORK/seed.json" <<'JSON'
{"blueprints": [
{"identifier":"ecr_repository","title":"ECR Repository","icon":"Service","schema":{"properties":{"link":{"title":"Link","type":"string","format":"url"},"imageTagMutability":{"title":"Image Tag Mutability","type":"string"},"scanningConfiguration":{"title":"Scanning Configuration","type":"object"},"repositoryArn":{"title":"Repository ARN","type":"string"},"repositoryUri":{"title":"Repository URI","type":"string"},"encryptionConfiguration":{"title":"Encryption Configuration","type":"object"},"lifecyclePolicy":{"title":"Lifecycle Policy","type":"object"},"tags":{"title":"Tags","type":"array"}},"required":[]},"mirrorProperties":{},"calculationProperties":{},"aggregationProperties":{},"relations":{"region":{"title":"Region","target":"region","required":false,"many":false},"service":{"title":"Service","target":"service","required":false,"many":false}}},
{"identifier":"service","title":"Service","schema":{"properties":{},"required":[]},"relations":{}},
{"identifier":"region","title":"Region","schema":{"properties":{},"required":[]},"relations":{}}
], "entities": []}
JSON
seed() { curl -sSf -X POST -H 'Content-Type: application/json' --data-binary @"$WORK/seed.json" \
  "http://127.0.0.1:$1/__seed" >/dev/null || die "seeding the server on port $1 failed"; }
stats() { curl -sSf "http://127.0.0.1:$1/__stats" >"$2" || die "GET /__stats on port $1 failed"; }

log "generating $N repositories and rendering their entities ..."
python3 "$BENCH_DIR/gen_repos.py" "$N" >"$WORK/repos.json"
# A non-zero status only means some repositories had mapping problems; ecr-port push
# skips the same ones, and the entity counts are compared below.
"$BIN" render --input "$WORK/repos.json" >"$WORK/entities.jsonl" 2>"$WORK/render.err" \
  || log "render exited with status $? (mapping problems in some repositories); continuing"
[[ -s $WORK/entities.jsonl ]] || { cat "$WORK/render.err" >&2; die "render produced no entities"; }
ENTITIES=$(wc -l <"$WORK/entities.jsonl")

start_server baseline; P1=$SRV_PORT; seed "$P1"
start_server ecr-port; P2=$SRV_PORT; seed "$P2"
log "fake Port APIs (+${DELAY_MS} ms per request): baseline on :$P1, ecr-port on :$P2"

# ecr-port first: it is quick, so a broken push fails before the minutes-long baseline.
log "ecr-port push of $ENTITIES entities ..."
E_RC=0
t0=$(now)
PORT_CLIENT_ID=bench PORT_CLIENT_SECRET=bench-secret PORT_BASE_URL="http://127.0.0.1:$P2" \
  run_child "$BIN" push --input "$WORK/repos.json" --yes --create-missing-related --output json \
  >"$WORK/push.json" 2>"$WORK/push.err" || E_RC=$?
t1=$(now)
E_SECS=$(python3 -c "print($t1 - $t0)")
if [[ $E_RC != 0 ]]; then
  log "ecr-port push exited with status $E_RC; stderr (last 20 lines):"
  tail -n 20 "$WORK/push.err" >&2 || true
fi
stats "$P2" "$WORK/ecr-port.stats"

log "baseline: $ENTITIES sequential single upserts (expect ~$(( ENTITIES * (DELAY_MS + 1) / 1000 )) s) ..."
t0=$(now)
run_child python3 "$BENCH_DIR/baseline_single_upserts.py" --url "http://127.0.0.1:$P1" \
  --entities "$WORK/entities.jsonl" >"$WORK/baseline.out" || die "the baseline failed"
t1=$(now)
B_SECS=$(python3 -c "print($t1 - $t0)")
stats "$P1" "$WORK/baseline.stats"

python3 - "$WORK" "$N" "$ENTITIES" "$DELAY_MS" "$B_SECS" "$E_SECS" "${STRICT:-0}" <<'PY'
import json, sys
work, n, entities, delay, b_secs, e_secs, strict = sys.argv[1:]
entities, b_secs, e_secs = int(entities), float(b_secs), float(e_secs)
b = json.load(open(f"{work}/baseline.stats"))
e = json.load(open(f"{work}/ecr-port.stats"))
b_count = b["entities"].get("ecr_repository", 0)
e_count = e["entities"].get("ecr_repository", 0)
if not b_count == e_count == entities:
    sys.exit(f"push.sh: FAIL: ecr_repository entities: baseline server {b_count}, ecr-port server "
             f"{e_count}, rendered {entities} -- they must all be equal (outputs kept in {work})")
try:
    push = json.load(open(f"{work}/push.json"))
    summary = ", ".join(f"{k} {push.get(k)}" for k in
                        ("created", "updated", "unchanged", "failed", "refused", "notAttempted"))
except ValueError as err:
    summary = f"(push.json is not JSON: {err})"

ratio = b_secs / e_secs if e_secs > 0 else float("inf")
met = ratio >= 50 and e["requests"] <= 300
print(f"\n=== push benchmark: {n} repositories -> {entities} entities, +{delay} ms per request ===")
print(f"{'':28}{'seconds':>10}{'requests':>10}")
print(f"{'baseline (single upserts)':28}{b_secs:10.2f}{b['requests']:10d}")
print(f"{'ecr-port push':28}{e_secs:10.2f}{e['requests']:10d}")
print(f"ecr-port push result: {summary}")
print("ecr-port requests: " + ", ".join(f"{r} {c}" for r, c in sorted(e["routes"].items())))
print(f"catalogs hold {entities} ecr_repository entities each")
print(f"speed-up: {ratio:.1f}x")
print(f"target: >= 50x and <= 300 requests: {'met' if met else 'MISSED'}")
sys.exit(3 if strict == "1" and not met else 0)
PY
