#!/usr/bin/env bash
# PostgreSQL stopped under load, then started again (bench/outage.py). Stops
# the machine's PostgreSQL for a few seconds: not for CI, nor while anything
# else uses that server.  bash bench/outage.sh [--down-for 5]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
cluster=$(ls /etc/postgresql | sort -V | tail -n 1)
db="khuyenhoc_outage_$$"
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
    pg_ctlcluster --skip-systemctl-redirect "$cluster" main start 2>/dev/null || true
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $db" >/dev/null
url="postgres://postgres@127.0.0.1:5432/$db"
token=$(DATABASE_URL="$url" RUST_LOG=off ./target/release/khuyenhoc token create --role admin --name outage)
DATABASE_URL="$url" BIND=127.0.0.1:18091 RUST_LOG=warn ./target/release/khuyenhoc serve 2> >(grep -c "internal error" > /tmp/khuyenhoc-outage-internal-errors; cat >/dev/null) &
pid=$!
until curl -fs http://127.0.0.1:18091/readyz >/dev/null; do sleep 0.2; done
python3 bench/outage.py --base-url http://127.0.0.1:18091 --token "$token" --cluster "$cluster" "$@"
