#!/usr/bin/env bash
# Suggestion benchmark: the whole-process time of `ecr-port tag suggest` for N repositories
# against S services (offline: a saved inventory and a services file), best of RUNS, against
# a baseline in the same run: the same process with an empty services file (start, read,
# print; no matching).
#
#   bench/suggest.sh                 # N=5000 repositories, S=500 services, 5 runs
#   N=20000 S=1000 RUNS=3 bench/suggest.sh
# ECR_PORT overrides the binary (default: the release build in CARGO_TARGET_DIR or target/).
# STRICT=1 exits with status 3 when the target is missed.  Target: under 1 s.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
N=${N:-5000}
S=${S:-500}
RUNS=${RUNS:-5}
BIN=${ECR_PORT:-${CARGO_TARGET_DIR:-$ROOT/target}/release/ecr-port}

die() { echo "suggest.sh: ERROR: $*" >&2; exit 1; }
[[ -x $BIN ]] || die "no binary at $BIN (cargo build --release, or set ECR_PORT)"
[[ $N =~ ^[1-9][0-9]*$ && $S =~ ^[1-9][0-9]*$ && $RUNS =~ ^[1-9][0-9]*$ ]] \
  || die "N, S and RUNS must be positive integers"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecr-port-suggest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export XDG_CONFIG_HOME="$WORK/config" ECR_PORT_STATE_DIR="$WORK/state"

python3 "$BENCH_DIR/gen_suggest.py" "$N" "$S" "$WORK/services.json" "$WORK/inventory.json"
echo '[]' >"$WORK/none.json"

# best_of SERVICES_FILE OUT: the fastest of RUNS whole-process times, in seconds.
best_of() {
  local best= t0 t1 t
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s.%N)
    "$BIN" tag suggest --input "$WORK/inventory.json" --services "$1" >"$2" 2>"$WORK/err" \
      || { cat "$WORK/err" >&2; die "tag suggest failed"; }
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    if [[ -z $best ]] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
  done
  echo "$best"
}

base=$(best_of "$WORK/none.json" "$WORK/base.json")
full=$(best_of "$WORK/services.json" "$WORK/out.json")
read -r considered picked < <(python3 -c "
import json; s = json.load(open('$WORK/out.json'))
print(len(s), sum(1 for x in s if x['service']))")

printf 'tag suggest: %d repositories (%d without a service tag), %d services, best of %d\n' \
  "$N" "$considered" "$S" "$RUNS"
printf '  baseline (no services: start, read, print)  %6.3f s\n' "$base"
printf '  tag suggest                                 %6.3f s   (%.1fx the baseline)\n' \
  "$full" "$(echo "$full / $base" | bc -l)"
printf '  suggestions: %d picked, %d without a pick\n' "$picked" "$((considered - picked))"
if (( $(echo "$full < 1" | bc -l) )); then
  echo "  target (< 1 s): met"
else
  echo "  target (< 1 s): MISSED"
  [[ ${STRICT:-0} == 1 ]] && exit 3
fi
