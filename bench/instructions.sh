#!/usr/bin/env bash
# User-space instructions per request, counted by callgrind: the steady figure for an A/B of a
# change to the per-request path. CPU time per request (bench/ab.sh) moves by 10% from one
# server instance to the next on this shared machine, even summed over three starts; the count of
# instructions a request takes moved by 1-2% between runs of one build in one invocation, and by up
# to 6% between invocations (other warm-up, a busier machine: a GC more or less in the window), so
# compare builds within one invocation, and repeat it for a difference of a few percent.
#
#   bash bench/instructions.sh BEFORE_DIR AFTER_DIR              # two build outputs (…/bin/Release/net10.0 copies)
#   PATHS='/json /async-json' N=2000 bash bench/instructions.sh A B
#
# Each build serves bench/apps/bench_app.py under valgrind (about 50 times slower: a start takes
# about a minute). After a warm-up, one keep-alive connection (one curl) asks N times; the
# counters are zeroed before and dumped after, so the figure is the server's user-space
# instructions, all threads, over those requests, divided by N. The kernel's share (sockets,
# context switches) is not counted: that is ab.sh's. The runtime runs without tiered compilation
# (every method fully optimized when first called, so no method is recompiled while counting) and
# with workstation GC and a 512 MB heap limit (callgrind cannot reserve server GC's range): the
# count is for comparing two builds in the same conditions, not the production figure.
# Run it under `flock /work/wt/bench.lock` on a shared machine, inside `unshare -n` for a private loopback.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BEFORE=${1:?usage: instructions.sh BEFORE_DIR AFTER_DIR}
AFTER=${2:?usage: instructions.sh BEFORE_DIR AFTER_DIR}
PATHS=${PATHS:-/json /async-json /hooked/json}
N=${N:-1000}
WARM=${WARM:-500}
PORT=${PORT:-18770}
PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }

work=$(mktemp -d)
launcher=
cleanup() {
    [[ -n $launcher ]] && kill -TERM "$launcher" 2>/dev/null && wait "$launcher" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# asks <path> <count>: one curl, one keep-alive connection, <count> requests.
asks() {
    local i
    for ((i = 0; i < $2; i++)); do printf 'url = "http://127.0.0.1:%s%s"\noutput = "/dev/null"\n' "$PORT" "$1"; done >"$work/urls"
    curl -s -K "$work/urls"
}

# count <dir> <path>: instructions per request of one fresh server.
count() {
    local dir=$1 path=$2 vg i
    rm -f "$work"/cg.out*
    DOTNET_TieredCompilation=0 DOTNET_gcServer=0 DOTNET_GCHeapHardLimit=0x20000000 DOTNET_EnableWriteXorExecute=0 \
        timeout 600 valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" --smc-check=all --error-limit=no \
        dotnet "$dir/RobynGateway.dll" "$ROOT/bench/apps/bench_app.py" --log-level WARNING --python "$PYTHON" \
        --host 127.0.0.1 --port "$PORT" >"$work/server.log" 2>&1 &
    launcher=$!
    for i in $(seq 1 600); do
        curl -fs -o /dev/null "http://127.0.0.1:$PORT$path" && break
        kill -0 "$launcher" 2>/dev/null || { echo "the server exited: $(tail -5 "$work/server.log")" >&2; exit 1; }
        sleep 0.5
    done
    vg=$(pgrep -P "$launcher")
    asks "$path" "$WARM"
    sleep 1
    callgrind_control -z "$vg" >/dev/null 2>&1
    asks "$path" "$N"
    callgrind_control -d "$vg" >/dev/null 2>&1
    kill -TERM "$vg"
    wait "$launcher" 2>/dev/null || true
    launcher=
    grep -h '^summary:' "$work"/cg.out.* | tail -1 | awk -v n="$N" '{ printf "%.0f", $2 / n }'
}

printf '%-14s %12s %12s %8s\n' path before after change
for path in $PATHS; do
    b=$(count "$BEFORE" "$path")
    a=$(count "$AFTER" "$path")
    awk -v p="$path" -v b="$b" -v a="$a" 'BEGIN { printf "%-14s %12d %12d %+7.1f%%\n", p, b, a, (a - b) / b * 100 }'
done
