#!/usr/bin/env bash
# Memory of each role of the gateway, idle: the one process (`--processes 1`), and the front and
# its workers (`--processes 2`), serving apps/hello_app.py. For each process, from
# /proc/<pid>/smaps_rollup: RSS, PSS (shared pages divided among the processes that map them: the
# workers share the runtime's and Python's files, so PSS is what one more worker really costs),
# private (pages no other process maps), and the file-backed part of RSS (mapped assemblies and
# libraries). Whether the process has libpython mapped is shown too, and its runtime: jit (the
# .NET runtime and its JIT) or aot (the gateway's NativeAOT image, which the front of
# --processes becomes, and starts its workers with, when OUT has one in front/:
# `bash scripts/build-front.sh OUT`; this script builds none).
#
#   bash bench/memory.sh                         # the Release build
#   OUT=/tmp/other-build bash bench/memory.sh    # another build output (…/bin/Release/net10.0)
#   ENV='DOTNET_GCgen0size=0x400000' bash bench/memory.sh   # a runtime setting for every process
#   PROGRAM=$OUT/front/RobynGateway bash bench/memory.sh      # the NativeAOT image started by itself
#   BREAKDOWN=1 bash bench/memory.sh             # and, per process, RSS/PSS/private by kind of mapping
#
# With PYTHONDONTWRITEBYTECODE in the environment (this machine's shell sets it), every process
# compiles the robyn package from source at each start and keeps no .pyc: about 1 MB more RSS in
# each Python process than with the bytecode cache (`ENV='-u PYTHONDONTWRITEBYTECODE'`, twice).
#
# Two readings per process: idle after start (SETTLE seconds after the first answer), and idle
# again after REQUESTS requests (wrk, bounded). Run it under `flock /work/wt/bench.lock` on a
# shared machine (it loads the server briefly), and inside `unshare -n` for a private loopback.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$ROOT/src/RobynGateway/bin/Release/net10.0}
APP=${APP:-$ROOT/bench/apps/hello_app.py}
PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
SETTLE=${SETTLE:-5}
LOAD_SECONDS=${LOAD_SECONDS:-3}
PORT=${PORT:-18700}
PROCESSES=${PROCESSES:-1 2}

pid=
cleanup() { [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=; }
trap cleanup EXIT

children() { awk -v p="$1" '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null | sort -n; }

# row <role> <pid>: RSS, PSS, private and file-backed RSS in MB, and whether libpython is mapped.
row() {
    local role=$1 p=$2 py=no rt=aot
    grep -q 'libpython' "/proc/$p/maps" && py=yes
    grep -q 'libcoreclr' "/proc/$p/maps" && rt=jit
    awk -v role="$role" -v pid="$p" -v py="$py" -v rt="$rt" '
        /^Rss:/ { rss = $2 } /^Pss:/ { pss = $2 } /^Pss_File:/ { pf = $2 }
        /^Private_Clean:/ { pc = $2 } /^Private_Dirty:/ { pd = $2 } /^Anonymous:/ { anon = $2 }
        END { printf "%-10s %7d %7.1f %7.1f %7.1f %8.1f %8.1f  %-6s  %s\n", role, pid, rss / 1024, pss / 1024,
              (pc + pd) / 1024, anon / 1024, (rss - anon) / 1024, py, rt }' "/proc/$p/smaps_rollup"
}

# breakdown <pid>: RSS, PSS and private (MB) by kind of mapping, biggest first. "JIT code and stubs"
# is the runtime's double-mapped executable memory (W^X: code it compiled, precode and stubs);
# "anon" holds the GC heap, Python's object arenas, thread stacks and the runtime's loader heaps
# (adjacent anonymous mappings merge, so smaps cannot tell them apart); "[heap]" is malloc's
# (Python's larger objects, the runtime's native allocations).
breakdown() {
    awk '
        function kind(name) {
            if (name ~ /libcoreclr/) return "coreclr"
            if (name ~ /libclrjit/) return "clrjit (the JIT)"
            if (name ~ /System\.Private\.CoreLib/) return "CoreLib"
            if (name ~ /Microsoft\.(NETCore|AspNetCore)\.App\/.*\.dll$/) return "other framework assemblies"
            if (name ~ /\.dll$/) return "our and NuGet assemblies"
            if (name ~ /\/front\/RobynGateway$/) return "the NativeAOT image"
            if (name ~ /libpython/) return "libpython"
            if (name ~ /cpython-|python3/) return "Python extension modules"
            if (name ~ /doublemapper/) return "JIT code and stubs"
            if (name == "[heap]") return "[heap] (malloc)"
            if (name ~ /^\[/) return "[stack], [vdso]..."
            if (name != "") return "other libraries and files"
            return "anon (GC heap, Python arenas, stacks, loader heaps)"
        }
        /^[0-9a-f]+-[0-9a-f]+ / { name = ""; for (i = 6; i <= NF; i++) name = name (i > 6 ? " " : "") $i; k = kind(name); next }
        /^Rss:/ { rss[k] += $2 } /^Pss:/ { pss[k] += $2 } /^Private_(Clean|Dirty):/ { pr[k] += $2 }
        END { for (k in rss) if (rss[k] > 0) printf "    %7.1f %7.1f %7.1f  %s\n", rss[k] / 1024, pss[k] / 1024, pr[k] / 1024, k }
    ' "/proc/$1/smaps" | sort -rn
}

report() {
    local when=$1 n=$2 w i=0
    echo "# --processes $n, $when"
    printf '%-10s %7s %7s %7s %7s %8s %8s  %-6s  %s\n' role pid RSS PSS private anon file python runtime
    if ((n == 1)); then row single "$pid"; else
        row front "$pid"
        for w in $(children "$pid"); do row "worker$i" "$w"; i=$((i + 1)); done
    fi
    [[ ${BREAKDOWN:-0} == 1 ]] || return 0
    echo "#   by mapping (RSS PSS private), the $( ((n == 1)) && echo "single process" || echo "front, then worker0")"
    breakdown "$pid"
    if ((n > 1)); then echo "    --"; breakdown "$(children "$pid" | head -1)"; fi
}

for n in $PROCESSES; do
    env ${ENV:-} ${PROGRAM:-dotnet $OUT/RobynGateway.dll} "$APP" --processes "$n" --python "$PYTHON" \
        --host 127.0.0.1 --port "$PORT" --log-level WARNING --no-access-log >"/tmp/memory-$n.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.25; done
    curl -fs "http://127.0.0.1:$PORT/" >/dev/null || { echo "did not start: $(tail -5 "/tmp/memory-$n.log")" >&2; exit 1; }
    sleep "$SETTLE"
    report "idle after start" "$n"
    wrk -t1 -c16 -d"${LOAD_SECONDS}s" "http://127.0.0.1:$PORT/" | awk '/requests in/ { print "# load: " $1 " requests" }'
    sleep "$SETTLE"
    report "idle after the load" "$n"
    cleanup
    echo
done
