# Shared helpers for the comparison scripts: timing, peak RSS, throughput.
# Source this file; it needs bash and python3.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d /tmp/scs-bench.XXXXXX)}
SIZE_MIB=${SIZE_MIB:-1024}
SCS=${SCS:-$ROOT/target/release/scs}

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing: $1 ($2)" >&2; exit 2; }; }

build_scs() {
  if [ -z "${SKIP_BUILD:-}" ]; then
    (cd "$ROOT" && cargo build --release -q -p scs-cli)
  fi
  [ -x "$SCS" ] || { echo "no scs binary at $SCS" >&2; exit 2; }
}

# make_input FILE: SIZE_MIB of incompressible data, then read once so the
# page cache holds it.
make_input() {
  local f=$1
  if [ ! -f "$f" ] || [ "$(stat -c %s "$f")" -ne $((SIZE_MIB * 1048576)) ]; then
    head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$f"
  fi
  cat "$f" > /dev/null
}

# measure LABEL CMD...: runs CMD $RUNS times (stdout to /dev/null), keeps the
# fastest wall time and the largest peak RSS; appends to $WORK/results.
measure() {
  local label=$1; shift
  python3 "$BENCH_DIR/measure.py" "$WORK/results" "$label" "${MEASURE_MIB:-$SIZE_MIB}" "$RUNS" -- "$@"
}

# ratio A B: prints how many times faster A is than B.
ratio() {
  python3 - "$WORK/results" "$1" "$2" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    label, seconds, _ = line.rstrip("\n").split("\t")
    rows[label] = float(seconds)
a, b = sys.argv[2], sys.argv[3]
print(f"  {a}  vs  {b}:  {rows[b] / max(rows[a], 1e-9):.2f}x")
PY
}

# start_server NAME: `scs server init` in $WORK/NAME (then the function named
# by $SERVER_SETUP, if any, to adjust its config.toml), and `scs server run`
# on 127.0.0.1:0 in the background. Sets DATA, PID and URL; the server is
# stopped when the script exits. Needs SCS_PASSPHRASE (the CA passphrase).
start_server() {
  local name=$1
  DATA=$WORK/$name
  rm -rf "$DATA"
  "$SCS" server init --dir "$DATA" --host 127.0.0.1 > /dev/null
  if [ -n "${SERVER_SETUP:-}" ]; then "$SERVER_SETUP"; fi
  env ${SERVER_ENV:-} RUST_LOG=warn "$SCS" server run --dir "$DATA" --listen 127.0.0.1:0 \
    > "$WORK/$name.out" 2> "$WORK/$name.log" &
  PID=$!
  trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true' EXIT
  for _ in $(seq 600); do
    grep -q '^listening on ' "$WORK/$name.out" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/$name.log" >&2; exit 2; }
    sleep 0.1
  done
  URL=$(sed -n 's/^listening on //p' "$WORK/$name.out")
  [ -n "$URL" ] || { echo "the server did not start" >&2; exit 2; }
}
