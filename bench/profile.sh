#!/usr/bin/env bash
# Where a request's CPU goes, beside bare Kestrel's: perf samples of each server under the same wrk
# load, in microseconds per request, by thread and by whose code ran (the kernel, Python, the
# gateway's C#, ASP.NET's request timeouts, Kestrel, ...), with the difference per row.
#
#   bash bench/profile.sh                                  # the Release build, /json /async-json /hooked/json
#   PATHS=/json DURATION=8 bash bench/profile.sh DIR       # one build output (…/bin/Release/net10.0)
#
# The runtime runs with ReadyToRun off and its perf map on (DOTNET_ReadyToRun=0,
# DOTNET_PerfMapEnabled=1, W^X off), so that every managed method is JIT'd and perf can name it:
# with perf's own cost, figures come out about a fifth above ab.sh's CPU per request. They are for
# reading where the time goes and comparing the two servers of one run, not for the README's
# req/s. The requests of the window are wrk's count scaled to the seconds perf recorded.
# Run it under `flock /work/wt/bench.lock` on a shared machine, inside `unshare -n` for a private
# loopback; perf needs perf_event_paranoid <= 1 or root.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$ROOT/src/RobynGateway/bin/Release/net10.0}
PATHS=${PATHS:-/json /async-json /hooked/json}
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-8}
CONNECTIONS=${CONNECTIONS:-64}
FREQ=${FREQ:-2000}
PORT=${PORT:-18780}
PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
BARE=$ROOT/bench/BareKestrel/bin/Release/net10.0/BareKestrel.dll
command -v perf >/dev/null || { echo "needs perf (apt-get install linux-perf)" >&2; exit 1; }
[[ -f $BUILD/RobynGateway.dll ]] || { echo "no RobynGateway.dll in $BUILD: dotnet build src/RobynGateway -c Release" >&2; exit 1; }
[[ -f $BARE ]] || dotnet build "$ROOT/bench/BareKestrel" -c Release -v quiet >/dev/null

work=$(mktemp -d)
server=
cleanup() {
    [[ -n $server ]] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# profile <name> <path> <command...>: writes $work/<name>.report, and the requests perf saw to $work/<name>.requests.
profile() {
    local name=$1 path=$2 i total
    shift 2
    DOTNET_ReadyToRun=0 DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 "$@" --host 127.0.0.1 --port "$PORT" \
        >"$work/$name.log" 2>&1 &
    server=$!
    for i in $(seq 1 120); do
        curl -fs -o /dev/null "http://127.0.0.1:$PORT$path" && break
        kill -0 "$server" 2>/dev/null || { echo "$name exited: $(tail -5 "$work/$name.log")" >&2; exit 1; }
        sleep 0.5
    done
    wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$PORT$path" >/dev/null
    # wrk runs a second before and after perf's window, so perf sees steady load throughout.
    wrk -t1 -c"$CONNECTIONS" -d"$((DURATION + 2))s" "http://127.0.0.1:$PORT$path" >"$work/$name.wrk" &
    local load=$!
    sleep 1
    perf record -q -F "$FREQ" -p "$server" -o "$work/$name.data" -- sleep "$DURATION" ||
        { echo "perf record failed (perf_event_paranoid is $(cat /proc/sys/kernel/perf_event_paranoid); needs <= 1, or root)" >&2; exit 1; }
    wait "$load"
    perf report -i "$work/$name.data" -n --no-children --sort comm,dso,sym -g none --field-separator='|' \
        >"$work/$name.report" 2>/dev/null
    kill -TERM "$server" 2>/dev/null
    wait "$server" 2>/dev/null || true
    rm -f "/tmp/perf-$server.map" "/tmp/perfinfo-$server.map"
    server=
    total=$(awk '/requests in/ { print $1 }' "$work/$name.wrk")
    awk -v t="$total" -v d="$DURATION" 'BEGIN { printf "%.0f", t * d / (d + 2) }' >"$work/$name.requests"
}

for path in $PATHS; do
    profile gateway "$path" dotnet "$BUILD/RobynGateway.dll" "$ROOT/bench/apps/bench_app.py" --log-level WARNING --python "$PYTHON"
    profile bare "$path" dotnet "$BARE"
    g=$(<"$work/gateway.requests") b=$(<"$work/bare.requests")
    echo "== $path: gateway $((g / DURATION)) req/s, bare Kestrel $((b / DURATION)) req/s (under perf, ${FREQ} Hz)"
    python3 "$ROOT/bench/lib/cpu_owners.py" "$FREQ" "$work/gateway.report" "$g" "$work/bare.report" "$b"
    echo
done
