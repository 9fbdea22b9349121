#!/usr/bin/env bash
# Big lists stay fast: the TUI on the demo scaled to N repositories (ECR_PORT_DEMO_SCALE, a
# setting for benchmarks only) in a pseudo-terminal; filter, sort and scroll keys timed from
# the key to the end of its frame, with the app's own key-to-drawn time, and the peak RSS.
#
#   bench/tui_keys.sh [N] [WIDTH HEIGHT]     # default 50000 at 80x24
# ECR_PORT_BIN overrides the binary (default: the release build in CARGO_TARGET_DIR or target/).
# Targets: p95 under 16 ms a key, peak RSS under 300 MB.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
BIN=${ECR_PORT_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/ecr-port}
[[ -x $BIN ]] || { echo "tui_keys.sh: no binary at $BIN (cargo build --release)" >&2; exit 1; }
exec python3 "$BENCH_DIR/tui_keys.py" "$BIN" "${1:-50000}" "${2:-80}" "${3:-24}"
