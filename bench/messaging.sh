#!/usr/bin/env bash
# Messaging load: a release `scs server run` on 127.0.0.1 and USERS clients
# at once, each with its live channel (WebSocket) open, each sending
# MESSAGES sealed and signed messages to recipients picked at random.
# Every message is opened and verified by its recipient and counted; the
# run fails unless every message arrived exactly once (counts, and SHA-256
# over the sorted tags on both sides). Prints messages/s and delivery
# latency (p50/p90/p99), and the CPU time of the server and of the clients.
#   bench/messaging.sh                 (USERS=100 MESSAGES=100 by default)
#   RATE=200 bench/messaging.sh        (paced: 200 messages/s in all)
#   KEY=rsa2048 bench/messaging.sh     (users' keys; default rsa3072)
# The load generator is crates/scs-cli/examples/msgload.rs; it runs on the
# same machine as the server and competes with it for the CPUs.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SCS=${SCS:-$TARGET/release/scs}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
USERS=${USERS:-100}
MESSAGES=${MESSAGES:-100}
LOAD=$TARGET/release/examples/msgload

if [ -z "${SKIP_BUILD:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p scs-cli --bin scs --example msgload)
fi
[ -x "$SCS" ] && [ -x "$LOAD" ] || { echo "missing $SCS or $LOAD" >&2; exit 2; }

export SCS_PASSPHRASE=bench-ca-passphrase SCS_HOME=$WORK/home
start_server msg-server

echo "server: $SCS (release), pid $PID, $URL, $(nproc) cores, default config (SQLite, synchronous = FULL)"
"$LOAD" "$URL" "$DATA/ca/root.crt" "$PID" "$USERS" "$MESSAGES"
echo "server peak RSS: $(awk '/^VmHWM/ {print $2, $3}' "/proc/$PID/status")"
