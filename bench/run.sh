#!/usr/bin/env bash
# Runs a benchmark script against a release build on SQLite and on
# PostgreSQL (local server, trust auth), one after the other on this machine,
# each on a fresh database with a fresh admin token.
#   bash bench/run.sh associations [--size 10000] [--repeat 50]
#   bash bench/run.sh assessments [--citizens 100000] [--repeat 50]
#   bash bench/run.sh reports [--assessments 1000000] [--repeat 20]
#   bash bench/run.sh writers [--clients 64] [--seconds 20]
#   bash bench/run.sh soak [--rate 700] [--minutes 10]   (not for CI: 20 minutes)
#   BACKENDS=sqlite bash bench/run.sh soak --minutes 60   (one backend; the hour-long soak)
#   bash bench/run.sh forms [--citizens 1000000] [--repeat 10]
#   bash bench/run.sh throughput [--associations 10001] [--citizens 100000] [--seconds 10] [--runs 3]
#   bash bench/run.sh webhooks [--events 5000] [--rate 100] [--seconds 10]
set -euo pipefail
cd "$(dirname "$0")/.."
script="bench/${1:?name a benchmark: associations, assessments or reports}.py"
shift
# The throughput benchmark drives the service with wrk and measures SQLite's own floor with
# the sqlite3 shell (PostgreSQL's with pgbench, which comes with its client).
if [ "$script" = bench/throughput.py ]; then
    for tool in wrk sqlite3; do
        command -v "$tool" >/dev/null && continue
        apt-get install -y -q "$tool" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "$tool" >/dev/null; }
    done
fi
# KHUYENHOC_BIN: another build to measure (an earlier commit, for a before/after).
# BACKENDS: which backends, in order (default "sqlite postgresql"); two runs of one
# backend each can go side by side (the one-hour soaks).
bin=${KHUYENHOC_BIN:-./target/release/khuyenhoc}
[ -n "${KHUYENHOC_BIN:-}" ] || cargo build --release --quiet
work=$(mktemp -d)
pg_db="khuyenhoc_bench_$$"
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $pg_db" >/dev/null

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for backend in ${BACKENDS:-sqlite postgresql}; do
    case $backend in
        sqlite) url="$work/bench.db" ;;
        postgresql) url="postgres://postgres@127.0.0.1:5432/$pg_db" ;;
    esac
    token=$(DATABASE_URL="$url" RUST_LOG=off "$bin" token create --role admin --name bench)
    # The webhooks benchmark delivers to a receiver on loopback.
    allow_private=false
    [ "$script" = bench/webhooks.py ] && allow_private=true
    WEBHOOK_ALLOW_PRIVATE_NETWORKS=$allow_private DATABASE_URL="$url" BIND=127.0.0.1:$port RUST_LOG=warn "$bin" serve &
    pid=$!
    until curl -fs http://127.0.0.1:$port/readyz >/dev/null; do
        kill -0 "$pid" 2>/dev/null || { echo "the server exited before it was ready" >&2; exit 1; }
        sleep 0.2
    done
    echo "== $backend"
    SERVER_PID=$pid python3 "$script" --base-url http://127.0.0.1:$port --token "$token" --database-url "$url" "$@"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
