#!/usr/bin/env bash
# What --max-queue does under a 10x overload, on loopback, in about a minute and a half.
#
#   bash bench/overload.sh
#
# The app (bench/apps/overload_app.py) has one sync handler that waits WORK_MS (default 5 ms), so
# --workers W (default 2) serve at most W x 1000 / WORK_MS requests a second. For each of two
# servers, one with --max-queue MAX_QUEUE (default 16) and one with --max-queue 0 (unbounded, as
# before the bound existed), it runs three phases and a probe client measures the requests it gets
# answered (a 503 is retried at once and counted; only the 200s make the latency figures):
#
#   calm      the probe alone, CALM seconds (default 4)
#   overload  wrk with 10 x (MAX_QUEUE + WORKERS) connections floods /work for DURATION seconds
#             (default 10) while the probe keeps going
#   after     the flood stops; the probe's first answer, then AFTER seconds (default 3) more
#
# The probe is PROBES (default 2) Python threads, each sending one request at a time on its own
# keep-alive connection. Everything binds 127.0.0.1; every server is stopped by PID.
# Needs wrk, a Release build (dotnet build -c Release src/RobynGateway) and BENCH_PYTHON
# (default /usr/bin/python3) for the gateway to embed and for the probe.
set -euo pipefail

ROOT=$(cd "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/.." && pwd)
DLL=${DLL:-$ROOT/src/RobynGateway/bin/Release/net10.0/RobynGateway.dll}
BENCH_PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
WORKERS=${WORKERS:-2}
MAX_QUEUE=${MAX_QUEUE:-16}
WORK_MS=${WORK_MS:-5}
CALM=${CALM:-4}
DURATION=${DURATION:-10}
AFTER=${AFTER:-3}
PROBES=${PROBES:-2}
CONNECTIONS=$((10 * (MAX_QUEUE + WORKERS)))
OUT=${OUT:-$ROOT/bench/results/overload}
mkdir -p "$OUT"

command -v wrk >/dev/null || { echo "wrk is missing (sudo bash bench/install-peers.sh)"; exit 1; }
[[ -f $DLL ]] || { echo "no Release build at $DLL: dotnet build -c Release src/RobynGateway"; exit 1; }

free_port() { "$BENCH_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PROBE=$(cat <<'PY'
import http.client, json, sys, threading, time

port, seconds, threads = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
ok, refused, errors, first = [], [0], [0], []
lock = threading.Lock()
started = time.perf_counter()

def probe():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.perf_counter() - started < seconds:
        t = time.perf_counter()
        try:
            conn.request("GET", "/work")
            response = conn.getresponse()
            response.read()
        except OSError:
            with lock: errors[0] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        took = (time.perf_counter() - t) * 1000
        with lock:
            if response.status == 200:
                ok.append(took)
                if not first: first.append(took)
            else:
                refused[0] += 1

workers = [threading.Thread(target=probe) for _ in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
ok.sort()
pick = lambda q: round(ok[min(len(ok) - 1, int(q * len(ok)))], 1) if ok else None
print(json.dumps({"ok": len(ok), "refused": refused[0], "errors": errors[0], "first_ms": round(first[0], 1) if first else None,
                  "p50_ms": pick(0.50), "p99_ms": pick(0.99), "max_ms": round(ok[-1], 1) if ok else None}))
PY
)

run_server() { # mode max_queue
    local mode=$1 queue=$2 port pid
    port=$(free_port)
    WORK_MS=$WORK_MS dotnet "$DLL" "$ROOT/bench/apps/overload_app.py" --host 127.0.0.1 --port "$port" \
        --workers "$WORKERS" --max-queue "$queue" --log-level WARNING --python "$BENCH_PYTHON" \
        > "$OUT/$mode.server.log" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null || true' EXIT
    for _ in $(seq 1 120); do
        curl -fs "http://127.0.0.1:$port/work" >/dev/null 2>&1 && break
        sleep 0.5
    done
    wrk -t1 -c4 -d2s "http://127.0.0.1:$port/work" >/dev/null # warm the JIT

    echo "== $mode (--workers $WORKERS --max-queue $queue; capacity ~$((WORKERS * 1000 / WORK_MS)) req/s)"
    echo "calm:     $("$BENCH_PYTHON" -c "$PROBE" "$port" "$CALM" "$PROBES")"
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$port/work" > "$OUT/$mode.wrk.txt" &
    local flood=$!
    sleep 1 # let the flood fill the queue
    echo "overload: $("$BENCH_PYTHON" -c "$PROBE" "$port" "$((DURATION - 2))" "$PROBES")"
    wait $flood
    echo "after:    $("$BENCH_PYTHON" -c "$PROBE" "$port" "$AFTER" "$PROBES")"
    echo "wrk flood ($CONNECTIONS connections): $(grep -E 'Requests/sec' "$OUT/$mode.wrk.txt" | tr -s ' '), $(grep -E 'Non-2xx' "$OUT/$mode.wrk.txt" | tr -s ' ' || echo 'no non-2xx'), latency p99 of all answers $(grep -E '^ +99%' "$OUT/$mode.wrk.txt" | tr -s ' ')"
    grep -m1 "Overloaded" "$OUT/$mode.server.log" || true
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    trap - EXIT
}

echo "overload bench: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), WORK_MS=$WORK_MS, flood of $CONNECTIONS connections"
run_server bounded "$MAX_QUEUE"
run_server unbounded 0
