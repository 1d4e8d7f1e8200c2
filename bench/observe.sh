#!/usr/bin/env bash
# Where a request's time goes: starts the gateway (Release build) on bench/apps/bench_app.py with
# the access log in JSON, drives each DB-free workload with wrk for a few seconds, then draws
# bench/results/where-time-goes.png from the access log's per-request fields (bench/observe_chart.py, with
# Debian's python3-matplotlib: CHART_PYTHON, /usr/bin/python3):
# median time in Python, waiting for Python (sync queue, event loop, GIL) and the rest (Kestrel,
# routing, reading and writing), in microseconds.
#
#   dotnet build src/RobynGateway -c Release
#   flock /work/wt/bench.lock unshare -n bash -c 'ip link set lo up && bench/observe.sh'
#
# Settings (environment): SECONDS_EACH (3), CONNECTIONS (4), PORT (8087), OUT (bench/results),
# KEEP_LOG=1 (keep the gateway log and the marks).
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
DLL=${DLL:-$ROOT/src/RobynGateway/bin/Release/net10.0/RobynGateway.dll}
SECONDS_EACH=${SECONDS_EACH:-3}
CONNECTIONS=${CONNECTIONS:-4}
PORT=${PORT:-8087}
OUT=${OUT:-$HERE/results}
WORKLOADS=(/static/hello.json /json /async-json /hooked/json /cpu /async-sleep)

[[ -f $DLL ]] || { echo "no $DLL: dotnet build src/RobynGateway -c Release" >&2; exit 1; }
mkdir -p "$OUT"
RUN=$(mktemp -d)
SERVER=""
cleanup() {  # stops only the gateway this script started, by its PID
    if [[ -n $SERVER ]] && kill -0 "$SERVER" 2>/dev/null; then
        kill -TERM "$SERVER" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER" 2>/dev/null || true
    fi
    if [[ -n ${KEEP_LOG:-} ]]; then echo "access log kept in $RUN"; else rm -rf "$RUN"; fi
}
trap cleanup EXIT

# No database here (the app opens one only with BENCH_DATABASE_URL); the access log goes to stdout, so a file.
unset BENCH_DATABASE_URL
(cd "$HERE/apps" && PYTHONPATH="$ROOT/src/python" exec dotnet "$DLL" bench_app.py --port "$PORT" \
    --log-format json --log-level INFO >"$RUN/gateway.log" 2>&1) &
SERVER=$!
for _ in $(seq 600); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/json" 2>/dev/null && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$RUN/gateway.log" >&2; exit 1; }
    sleep 0.1
done

for path in "${WORKLOADS[@]}"; do
    # Warm up the path (JIT, first Python call), then mark where its measured lines start.
    timeout 30 wrk -t1 -c"$CONNECTIONS" -d1s "http://127.0.0.1:$PORT$path" >/dev/null
    echo "{\"observe\": \"$path\", \"line\": $(wc -l <"$RUN/gateway.log")}" >>"$RUN/marks.jsonl"
    timeout $(( SECONDS_EACH + 30 )) wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" "http://127.0.0.1:$PORT$path" \
        | awk -v p="$path" '/Requests\/sec/ { print p ": " $2 " req/s" }'
done
echo "{\"observe\": \"end\", \"line\": $(wc -l <"$RUN/gateway.log")}" >>"$RUN/marks.jsonl"

"${CHART_PYTHON:-/usr/bin/python3}" "$HERE/observe_chart.py" "$RUN/gateway.log" "$RUN/marks.jsonl" "$OUT/where-time-goes.png"
