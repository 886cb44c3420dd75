#!/usr/bin/env bash
# Server load: a release `scs server run` on 127.0.0.1 and CLIENTS clients
# at once, each logging in by password and making REQUESTS authenticated
# calls. Prints requests/s, p50/p99 latency, errors, the share of the
# server's CPU spent in Argon2id and the server's peak RSS.
#   bench/load.sh                 (CLIENTS=200 REQUESTS=50 by default)
# The load generator is crates/scs-server/examples/load.rs; it runs on the
# same machine as the server and competes with it for the CPUs.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
SCS=${SCS:-$TARGET/release/scs}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CLIENTS=${CLIENTS:-200}
REQUESTS=${REQUESTS:-50}
LOAD=$TARGET/release/examples/load

if [ -z "${SKIP_BUILD:-}" ]; then
  (cd "$ROOT" && cargo build --release -q -p scs-cli && cargo build --release -q -p scs-server --example load)
fi
[ -x "$SCS" ] && [ -x "$LOAD" ] || { echo "missing $SCS or $LOAD" >&2; exit 2; }

export SCS_PASSPHRASE=bench-ca-passphrase SCS_HOME=$WORK/home
# Every client connects from 127.0.0.1, standing in for users on their own
# addresses: lift the per-address throttle (50 attempts in flight or
# failed per address), which would otherwise refuse most of the burst.
# ADDRESS_THRESHOLD=50 keeps the default.
ADDRESS_THRESHOLD=${ADDRESS_THRESHOLD:-100000}
lift_address_threshold() {
  sed -i "s/^address_lockout_threshold = .*/address_lockout_threshold = $ADDRESS_THRESHOLD/" "$DATA/config.toml"
  grep -q "^address_lockout_threshold = $ADDRESS_THRESHOLD\$" "$DATA/config.toml"
}
SERVER_SETUP=lift_address_threshold start_server server

echo "server: $SCS (release), pid $PID, $URL, $(nproc) cores, default config but address_lockout_threshold = $ADDRESS_THRESHOLD (Argon2id m=19 MiB t=2 p=1)"
"$LOAD" "$URL" "$DATA/ca/root.crt" "$PID" "$CLIENTS" "$REQUESTS"
