#!/usr/bin/env bash
# Inventory benchmark: ecr-port vs. a sequential boto3 baseline (Port's
# example-ecr-images approach plus one ListTagsForResource per repository),
# both talking to moto through a loopback proxy that adds ~25 ms per request.
#
# Usage:
#   bench/inventory.sh                    # N=2000 timing + RSS, then RSS at 10,000
#   bench/inventory.sh --repos 500        # smaller N
#   bench/inventory.sh --baseline-only    # no ecr-port binary needed
#   bench/inventory.sh --no-rss-10k       # skip the 10,000-repository RSS run
#   bench/inventory.sh --no-accounts      # skip (d), three accounts x two regions
#   ECR_PORT_ARGS="--concurrency 16" ECR_PORT_BIN=./target/release/ecr-port bench/inventory.sh
#
# Options: --repos N (2000)  --delay-ms MS (25)  --rss-10k / --no-rss-10k (on)
#          --accounts-repos N (1000 per account and region for (d))  --no-accounts
#          --baseline-only  --stock-moto (plain moto_server instead of
#          bench/moto_server_fast.py)  --strict (exit 3 when a target is missed)
#          --keep (keep the work dir with outputs and logs)
# Runs, one after the other: (a) ecr-port with tags through ECR (aws.tagSource
# ecr), the same 2,001 calls as the baseline; (b) tags through the Resource
# Groups Tagging API (bench/moto_server_fast.py serves it for ECR); (c) the full
# exporter record with both policies at the default settings, against a
# baseline fetching the same data sequentially (3 calls per repository); (d) three
# accounts (roles assumed through moto's STS, behind the same proxy) x two regions x
# 1,000 repositories at the default settings: time, peak RSS and calls.
# (a) and (c) are also run straight to moto, without the proxy: that time is the emulator's
# own bound (one GIL-bound process), printed beside the ratio.
# Targets: (a) >= 10x, (b) >= 50x and <= 60 calls at N=2000, (c) >= 10x;
# ecr-port peak RSS < 100 MB at 10,000 repositories.  Everything started here (moto, proxies) is stopped
# on exit.  Needs python3 with boto3 + moto[server] (installed if missing),
# curl and /usr/bin/time (GNU time).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${PYTHON:-python3}
ECR_PORT_BIN=${ECR_PORT_BIN:-/work/cache/target/release/ecr-port}
ECR_PORT_TIMEOUT=${ECR_PORT_TIMEOUT:-600}
read -r -a EXTRA_ARGS <<<"${ECR_PORT_ARGS:-}"

REPOS=2000
DELAY_MS=25
RSS_10K=1
BASELINE_ONLY=0
STOCK_MOTO=0
STRICT=0
KEEP=0
BIG=10000
ACCOUNTS=1
ACCOUNT_REPOS=1000

die() { echo "inventory.sh: ERROR: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --repos) REPOS=${2:?--repos needs a number}; shift 2 ;;
    --repos=*) REPOS=${1#*=}; shift ;;
    --delay-ms) DELAY_MS=${2:?--delay-ms needs a number}; shift 2 ;;
    --delay-ms=*) DELAY_MS=${1#*=}; shift ;;
    --rss-10k) RSS_10K=1; shift ;;
    --no-rss-10k) RSS_10K=0; shift ;;
    --baseline-only) BASELINE_ONLY=1; shift ;;
    --no-accounts) ACCOUNTS=0; shift ;;
    --accounts-repos) ACCOUNT_REPOS=${2:?--accounts-repos needs a number}; shift 2 ;;
    --stock-moto) STOCK_MOTO=1; shift ;;
    --strict) STRICT=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done
[[ $REPOS =~ ^[1-9][0-9]*$ ]] || die "--repos must be a positive integer, got '$REPOS'"
[[ $REPOS -le 99999 ]] || die "--repos must be <= 99999 (repository naming scheme)"

# ---- preconditions -----------------------------------------------------------
if [[ $BASELINE_ONLY == 0 ]]; then
  [[ -x $ECR_PORT_BIN ]] || die "ecr-port binary not found or not executable: $ECR_PORT_BIN
  Build it first (cargo build --release), point ECR_PORT_BIN at it, or run with --baseline-only."
  [[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed for the RSS measurement (apt-get install time)"
fi
command -v curl >/dev/null || die "curl is required"
if ! "$PY" -c 'import boto3, moto, flask, flask_cors' 2>/dev/null; then
  log "installing moto[server] and boto3 ..."
  "$PY" -m pip install --quiet 'moto[server]>=5,<6' boto3 || die "pip install of moto[server]/boto3 failed"
fi

# ---- isolated AWS environment (same for both clients) ------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecr-port-bench.XXXXXX")
: >"$WORK/aws-config"; : >"$WORK/aws-credentials"
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECR \
      AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
      AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_REGION
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 \
       AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE="$WORK/aws-config" \
       AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"

# ---- process bookkeeping -----------------------------------------------------
exec 3>&2
PIDS=()   # long-lived helpers (moto, proxies)
CHILD=    # the foreground job currently waited for (seeder, baseline, ecr-port)
kill_tree() { # kill_tree PID: PID and its descendants (e.g. /usr/bin/time -> timeout -> ecr-port)
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null || true); do kill_tree "$c"; done
  kill "$1" 2>/dev/null || true
}
cleanup() {
  local rc=$? pid
  if [[ -n $CHILD ]]; then kill_tree "$CHILD"; wait "$CHILD" 2>/dev/null || true; fi
  for pid in "${PIDS[@]:-}"; do
    [[ -n $pid ]] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # fd 3 = the script's original stderr (a trap may fire inside a redirected call)
  if [[ $KEEP == 1 || $rc != 0 ]]; then echo "work dir (outputs, logs): $WORK" >&3; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_child CMD...: run CMD in the background and wait for it, so that INT/TERM
# traps fire immediately (bash defers traps until a foreground command ends).
run_child() {
  local rc=0
  "$@" &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=
  return "$rc"
}

forget_pid() { local p=$1 i; for i in "${!PIDS[@]}"; do [[ ${PIDS[$i]} == "$p" ]] && unset 'PIDS[i]'; done; return 0; }

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- moto ----------------------------------------------------------------------
start_moto() {
  local attempt port pid i
  for attempt in 1 2 3; do
    port=$(free_port)
    if [[ $STOCK_MOTO == 1 ]]; then
      "$PY" -m moto.server -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
    else
      "$PY" "$BENCH_DIR/moto_server_fast.py" -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
    fi
    pid=$!; PIDS+=("$pid")
    for i in $(seq 1 150); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/moto-api/" || true) != 000 ]]; then
        MOTO_PORT=$port; MOTO_PID=$pid; return 0
      fi
      sleep 0.2
    done
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; forget_pid "$pid"
    log "moto did not come up on port $port (attempt $attempt); log tail:"; tail -n 5 "$WORK/moto.log" >&2 || true
  done
  die "could not start moto_server"
}

seed() { # seed START COUNT [seed_moto.py options: --region R --role-arn ARN]
  log "seeding repositories $1..$(($1 + $2 - 1)) into moto (direct, thread pool) ${*:3} ..."
  run_child "$PY" "$BENCH_DIR/seed_moto.py" --endpoint "http://127.0.0.1:$MOTO_PORT" \
    --start "$1" --count "$2" "${@:3}" || die "seeding failed"
}

# (d)'s accounts: roles in three accounts other than moto's default.
D_ACCOUNTS=(111111111111 222222222222 333333333333)
D_REGIONS=(us-east-1 eu-west-1)

# ---- latency proxy -------------------------------------------------------------
start_proxy() { # start_proxy NAME  -> sets PROXY_PORT, PROXY_PID
  local name=$1 i
  rm -f "$WORK/$name.port" "$WORK/$name.stats"
  "$PY" "$BENCH_DIR/latency_proxy.py" --upstream "127.0.0.1:$MOTO_PORT" --delay-ms "$DELAY_MS" \
    --port-file "$WORK/$name.port" --stats-file "$WORK/$name.stats" 2>"$WORK/$name.proxy.log" &
  PROXY_PID=$!; PIDS+=("$PROXY_PID")
  for i in $(seq 1 100); do
    [[ -s $WORK/$name.port ]] && { PROXY_PORT=$(cat "$WORK/$name.port"); return 0; }
    kill -0 "$PROXY_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$WORK/$name.proxy.log" >&2 || true
  die "latency proxy did not start"
}

stop_proxy() { # stop_proxy -> proxy writes its request counts to $WORK/NAME.stats
  kill -TERM "$PROXY_PID" 2>/dev/null || true
  wait "$PROXY_PID" 2>/dev/null || true
  forget_pid "$PROXY_PID"
}

requests_summary() { # requests_summary NAME
  "$PY" - "$WORK/$1.stats" <<'EOF' 2>/dev/null || echo "n/a"
import json, sys
s = json.load(open(sys.argv[1]))
ops = ", ".join(f"{k} {v}" for k, v in sorted(s["by_target"].items()))
print(f"{s['requests']} requests over {s['connections']} connections ({ops})")
EOF
}

# ---- timed runs ----------------------------------------------------------------
# timed NAME CMD...  -> stdout to $WORK/NAME.json, stderr to $WORK/NAME.err,
# GNU time report to $WORK/NAME.time; sets ELAPSED (s) and RSS_KB.
timed() {
  local name=$1; shift
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  if [[ -x /usr/bin/time ]]; then
    run_child /usr/bin/time -v -o "$WORK/$name.time" "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" || rc=$?
  else
    run_child "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" || rc=$?
  fi
  t1=$(date +%s.%N)
  ELAPSED=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  RSS_KB=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/$name.time" 2>/dev/null || true)
  if [[ $rc != 0 ]]; then
    echo "---- $name stderr (last 30 lines) ----" >&2; tail -n 30 "$WORK/$name.err" >&2 || true
    die "$name exited with status $rc after ${ELAPSED}s: $*"
  fi
}

mb() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'; }  # kB -> MB (10^6 bytes)

check() { # check KIND N FILE
  "$PY" "$BENCH_DIR/check_output.py" --kind "$1" --expect "$2" "$3" \
    || die "$1 output check failed for N=$2 (see above; output kept in $3)"
}

run_ecr_port() { # run_ecr_port NAME ENDPOINT [TAG_SOURCE [--no-policies]]
  local name=$1 endpoint=$2 source=${3:-auto}; shift 2; shift $(( $# > 0 ? 1 : 0 ))
  printf '{"aws": {"tagSource": "%s"}}\n' "$source" >"$WORK/$name.settings.json"
  timed "$name" timeout -k 5 "$ECR_PORT_TIMEOUT" "$ECR_PORT_BIN" list --output json \
    --endpoint-url "$endpoint" --region us-east-1 --config "$WORK/$name.settings.json" \
    "$@" "${EXTRA_ARGS[@]}"
}

ceiling() { # ceiling NAME BASELINE_S RUN_S DIRECT_S: the emulator's bound on the ratio
  awk -v n="$1" -v b="$2" -v e="$3" -v d="$4" 'BEGIN {
    if (d <= 0) exit
    printf "    %s bound: moto alone answers the same calls in %.2f s (no added latency), so no\n", n, d
    printf "    client reaches more than %.1fx here; ecr-port got %.0f%% of that bound\n", b / d, 100 * d / e }'
}
ratio() { awk -v b="$1" -v e="$2" 'BEGIN { printf "%.1f", (e > 0 ? b / e : 0) }'; }
verdict() { # verdict RATIO TARGET -> VERDICT=met / MISSED (and remembers a miss)
  if awk -v r="$1" -v t="$2" 'BEGIN { exit !(r >= t) }'; then VERDICT=met; else MISSED=1; VERDICT=MISSED; fi
}
requests_of() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$WORK/$1.stats" 2>/dev/null || echo 0; }

# ---- main ----------------------------------------------------------------------
MISSED=0
start_moto
log "moto listening on 127.0.0.1:$MOTO_PORT ($([[ $STOCK_MOTO == 1 ]] && echo stock moto_server || echo moto_server_fast.py))"
seed 0 "$REPOS"

if [[ $BASELINE_ONLY == 0 ]]; then
  # (a) tags through ECR's own calls: the same 2,001 calls as the baseline.
  start_proxy ecr-port
  log "(a) ecr-port, tags through ECR (tagSource ecr, --no-policies) ..."
  run_ecr_port ecr-port "http://127.0.0.1:$PROXY_PORT" ecr --no-policies
  stop_proxy
  E_SECS=$ELAPSED; E_RSS=$RSS_KB
  check ecr-port "$REPOS" "$WORK/ecr-port.json"
  # The same calls straight to moto, no added latency: how fast the emulator itself can
  # answer them on this machine, a floor no client reaches through the proxy.
  log "(a) again, straight to moto: the emulator's own ceiling ..."
  run_ecr_port ecr-port-direct "http://127.0.0.1:$MOTO_PORT" ecr --no-policies
  E0_SECS=$ELAPSED
  # (b) tags through the Resource Groups Tagging API (moto_server_fast.py serves it for ECR).
  start_proxy tagging
  log "(b) ecr-port, tags through the tagging API (tagSource tagging-api, --no-policies) ..."
  run_ecr_port tagging "http://127.0.0.1:$PROXY_PORT" tagging-api --no-policies
  stop_proxy
  T_SECS=$ELAPSED
  check ecr-port "$REPOS" "$WORK/tagging.json"
  cmp -s <("$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True))' "$WORK/ecr-port.json") \
         <("$PY" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True))' "$WORK/tagging.json") \
    || die "(b) the tagging API run printed other repositories or tags than (a)"
  # (c) the full exporter record, policies included, at the default settings.
  start_proxy full
  log "(c) ecr-port, the full exporter record with policies (defaults) ..."
  run_ecr_port full "http://127.0.0.1:$PROXY_PORT"
  stop_proxy
  F_SECS=$ELAPSED
  check ecr-port "$REPOS" "$WORK/full.json"
  log "(c) again, straight to moto: the emulator's own ceiling ..."
  run_ecr_port full-direct "http://127.0.0.1:$MOTO_PORT"
  F0_SECS=$ELAPSED
fi

if [[ $BASELINE_ONLY == 0 && $ACCOUNTS == 1 ]]; then
  # (d) three accounts x two regions, each account through a role assumed on moto's STS.
  for account in "${D_ACCOUNTS[@]}"; do
    for region in "${D_REGIONS[@]}"; do
      seed 0 "$ACCOUNT_REPOS" --region "$region" --role-arn "arn:aws:iam::$account:role/bench"
    done
  done
  "$PY" "$BENCH_DIR/accounts_check.py" settings "$WORK/accounts.settings.json" "${D_ACCOUNTS[@]}"
  start_proxy accounts
  log "(d) ecr-port, ${#D_ACCOUNTS[@]} accounts x ${#D_REGIONS[@]} regions x $ACCOUNT_REPOS repositories (defaults) ..."
  timed accounts timeout -k 5 "$ECR_PORT_TIMEOUT" "$ECR_PORT_BIN" list --output json \
    --endpoint-url "http://127.0.0.1:$PROXY_PORT" --config "$WORK/accounts.settings.json" "${EXTRA_ARGS[@]}"
  stop_proxy
  D_SECS=$ELAPSED; D_RSS=$RSS_KB
  "$PY" "$BENCH_DIR/accounts_check.py" check "$WORK/accounts.json" "$ACCOUNT_REPOS" "${D_ACCOUNTS[@]}" \
    || die "(d) output check failed"
fi

start_proxy baseline
log "baseline: sequential boto3 via proxy 127.0.0.1:$PROXY_PORT (expect ~$(awk -v n="$REPOS" -v d="$DELAY_MS" 'BEGIN{printf "%.0f", n*(d+4)/1000}')s) ..."
timed baseline "$PY" "$BENCH_DIR/baseline_boto3.py" --endpoint-url "http://127.0.0.1:$PROXY_PORT" --region us-east-1
stop_proxy
B_SECS=$ELAPSED; B_RSS=$RSS_KB
log "baseline: ${B_SECS}s"
check baseline "$REPOS" "$WORK/baseline.json"

if [[ $BASELINE_ONLY == 0 ]]; then
  start_proxy baseline-full
  log "baseline with policies: sequential boto3, 3 calls per repository ..."
  timed baseline-full "$PY" "$BENCH_DIR/baseline_boto3.py" --policies --endpoint-url "http://127.0.0.1:$PROXY_PORT" --region us-east-1
  stop_proxy
  BF_SECS=$ELAPSED
  check baseline "$REPOS" "$WORK/baseline-full.json"
fi

echo
echo "=== ecr-port inventory benchmark: N=$REPOS repositories x 5 tags, +${DELAY_MS} ms per request ==="
printf 'baseline (boto3, sequential): %8.2f s   %s\n' "$B_SECS" "$(requests_summary baseline)"
[[ -n $B_RSS ]] && printf '                              peak RSS %s MB, output %s bytes\n' "$(mb "$B_RSS")" "$(stat -c %s "$WORK/baseline.json")"
if [[ $BASELINE_ONLY == 0 ]]; then
  printf '(a) ecr-port, tags via ECR:   %8.2f s   %s\n' "$E_SECS" "$(requests_summary ecr-port)"
  printf '                              peak RSS %s MB, output %s bytes\n' "$(mb "$E_RSS")" "$(stat -c %s "$WORK/ecr-port.json")"
  RATIO=$(ratio "$B_SECS" "$E_SECS")
  verdict "$RATIO" 10; echo "(a) ratio: ${RATIO}x (target >= 10x) -- $VERDICT"
  ceiling "(a)" "$B_SECS" "$E_SECS" "$E0_SECS"
  printf '(b) ecr-port, tagging API:    %8.2f s   %s\n' "$T_SECS" "$(requests_summary tagging)"
  T_RATIO=$(ratio "$B_SECS" "$T_SECS"); T_CALLS=$(requests_of tagging)
  if [[ $T_CALLS -le 60 || $REPOS -ne 2000 ]]; then calls_verdict=met; else calls_verdict=MISSED; MISSED=1; fi
  verdict "$T_RATIO" 50
  echo "(b) ratio: ${T_RATIO}x (target >= 50x) -- $VERDICT; $T_CALLS calls (target <= 60 at 2,000) -- $calls_verdict"
  printf 'baseline with policies:       %8.2f s   %s\n' "$BF_SECS" "$(requests_summary baseline-full)"
  printf '(c) ecr-port, full record:    %8.2f s   %s\n' "$F_SECS" "$(requests_summary full)"
  F_RATIO=$(ratio "$BF_SECS" "$F_SECS")
  verdict "$F_RATIO" 10; echo "(c) ratio: ${F_RATIO}x (target >= 10x) -- $VERDICT"
  ceiling "(c)" "$BF_SECS" "$F_SECS" "$F0_SECS"
  if [[ $ACCOUNTS == 1 ]]; then
    printf '(d) %d accounts x %d regions:  %8.2f s   %s\n' "${#D_ACCOUNTS[@]}" "${#D_REGIONS[@]}" "$D_SECS" "$(requests_summary accounts)"
    printf '                              %s repositories, peak RSS %s MB\n' "$(( ${#D_ACCOUNTS[@]} * ${#D_REGIONS[@]} * ACCOUNT_REPOS ))" "$(mb "$D_RSS")"
  else
    echo "(d) several accounts: skipped (--no-accounts)"
  fi
else
  echo "ecr-port: skipped (--baseline-only)"
fi

if [[ $BASELINE_ONLY == 0 && $RSS_10K == 1 ]]; then
  if [[ $REPOS -lt $BIG ]]; then seed "$REPOS" $((BIG - REPOS)); fi
  TOTAL=$((REPOS > BIG ? REPOS : BIG))
  log "RSS run: ecr-port against moto directly (no proxy), $TOTAL repositories ..."
  run_ecr_port ecr-port-10k "http://127.0.0.1:$MOTO_PORT"
  check ecr-port "$TOTAL" "$WORK/ecr-port-10k.json"
  if awk -v k="$RSS_KB" 'BEGIN { exit !(k * 1024 / 1e6 < 100) }'; then verdict=met; else verdict="MISSED"; MISSED=1; fi
  echo "ecr-port peak RSS at N=$TOTAL: $(mb "$RSS_KB") MB (target under 100 MB at 10,000) -- $verdict   [run took ${ELAPSED}s without proxy]"
fi
echo "note: moto ignores maxResults/nextToken, so DescribeRepositories returns all repositories in one page;"
echo "      moto (werkzeug) answers every request with 'Connection: close', so each request is a new TCP connection."

if [[ $STRICT == 1 && $MISSED == 1 ]]; then exit 3; fi
