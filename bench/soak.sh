#!/usr/bin/env bash
# Soak: one gateway under steady load for a while, its memory read as it goes.
#
#   bash bench/soak.sh                 # 12 rounds of 10 s of wrk -t1 -c64 on /json
#   ROUNDS=30 ROUND_SECONDS=20 PATHS="/json /async-json /hooked/json" bash bench/soak.sh
#
# Loopback only; bounded by ROUNDS x ROUND_SECONDS (plus start and stop). Prints one line per round
# (requests, req/s, non-2xx, socket errors, RSS of the gateway) and a closing verdict: RSS after
# the first round against the last. Uses the Release build (built first) and bench/apps/bench_app.py.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-12}
ROUND_SECONDS=${ROUND_SECONDS:-10}
PATHS=${PATHS:-/json}
PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
command -v wrk >/dev/null || { echo "soak: wrk is needed (apt-get install wrk)" >&2; exit 2; }

dotnet build src/RobynGateway -c Release -nologo -v quiet >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
dotnet src/RobynGateway/bin/Release/net10.0/RobynGateway.dll bench/apps/bench_app.py \
    --port "$port" --python "$PYTHON" --log-level WARNING >"$log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/json" >/dev/null && break
    kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.2
done

rss_mib() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }
echo "soak: gateway pid $pid on 127.0.0.1:$port, paths: $PATHS, $ROUNDS x ${ROUND_SECONDS}s, wrk -t1 -c64"
echo "start RSS: $(rss_mib) MiB"
printf '%5s  %-14s %10s %10s %8s %8s %9s\n' round path requests req/s non2xx errors "RSS MiB"
first_rss=""
total=0
for round in $(seq "$ROUNDS"); do
    for path in $PATHS; do
        out=$(wrk -t1 -c64 -d"${ROUND_SECONDS}s" "http://127.0.0.1:$port$path" 2>&1)
        requests=$(awk '/requests in/ { print $1 }' <<<"$out")
        rps=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")
        non2xx=$(awk '/Non-2xx/ { print $NF }' <<<"$out"); non2xx=${non2xx:-0}
        errors=$(awk -F'[ ,]+' '/Socket errors/ { print $4 + $6 + $8 + $10 }' <<<"$out"); errors=${errors:-0}
        rss=$(rss_mib)
        [[ -n $first_rss ]] || first_rss=$rss
        total=$((total + requests))
        printf '%5s  %-14s %10s %10s %8s %8s %9s\n' "$round" "$path" "$requests" "$rps" "$non2xx" "$errors" "$rss"
    done
done
last_rss=$(rss_mib)
echo "requests: $total; RSS after round 1: $first_rss MiB, at the end: $last_rss MiB" \
    "($(awk -v a="$first_rss" -v b="$last_rss" 'BEGIN { printf "%+.1f", b - a }') MiB)"
kill -0 $pid 2>/dev/null || { echo "soak: the gateway died" >&2; cat "$log" >&2; exit 1; }
