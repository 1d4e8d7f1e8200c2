#!/usr/bin/env bash
# A/B of two gateway builds against bare Kestrel, side by side in the same minutes: for each path,
# req/s, the ratio to bare Kestrel and the server's CPU per request (its /proc/<pid>/stat ticks
# over the run, divided by the requests wrk counted).
#
#   bash bench/ab.sh BEFORE_DIR AFTER_DIR            # two build outputs (…/bin/Release/net10.0 copies)
#   bash bench/ab.sh DIR DIR/front/RobynGateway      # the JIT build against its NativeAOT image
#   PATHS='/json /async-json' REPS=3 DURATION=5 bash bench/ab.sh /tmp/a src/RobynGateway/bin/Release/net10.0
#   AFTER_ENV='DOTNET_X=1' bash bench/ab.sh DIR DIR   # one build, a runtime setting on and off
#   STARTS=3 PATHS=/json bash bench/ab.sh A B          # every server started fresh 3 times, figures summed
#   APP='bench/apps/bench_app.py --processes 2' TREE=1 PATHS=/json bash bench/ab.sh A B   # front + workers' CPU
#   AFTER_ARGS='--metrics-port 19464' bash bench/ab.sh DIR DIR   # one build, a flag on and off
#   AFTER_ARGS='--log-level INFO --log-format json' ...          # the access log, as JSON to a file
#   PATHS='/db/users?page=50&per_page=20' bash bench/ab.sh A B  # the DB page (see below)
#
# A path under /db/ needs PostgreSQL: BENCH_DATABASE_URL if set, else a throwaway cluster of
# bench/lib/postgres.sh (PG_BIN, DB_POOL as in run.sh) for the run. Bare Kestrel has no database
# client: it answers 404 there, so its row (and the ratio to it) means nothing for such a path.
#
# Every server starts once (STARTS=N: N times, all of them fresh each time, the figures summed
# over the starts: one instance of a server can be 10% faster than the next on this shared
# machine, whichever build it runs, so an A/B of a few percent needs STARTS=3 or more); the reps
# interleave (before, after, bare; then the next rep starting one target later) so that a drift
# of the machine's speed lands on all three alike. Each row ends with the figure of every start,
# so the spread is there to read beside the difference: an A/A run (one build in both slots,
# /json, STARTS=3 x 2 reps x 5 s) once came out 22.8 against 20.4 us, and 19.1 against 19.2
# minutes later; a difference inside the starts' spread is not one. Run it under
# `flock /work/wt/bench.lock` on a shared machine, and inside `unshare -n` for a private loopback.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BEFORE=${1:?usage: ab.sh BEFORE_DIR AFTER_DIR}
AFTER=${2:?usage: ab.sh BEFORE_DIR AFTER_DIR}
PATHS=${PATHS:-/json /async-json /hooked/json}
REPS=${REPS:-3}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-8}
STARTS=${STARTS:-1}
CONNECTIONS=${CONNECTIONS:-64}
PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
APP=${APP:-$ROOT/bench/apps/bench_app.py}
BARE=$ROOT/bench/BareKestrel/bin/Release/net10.0/BareKestrel.dll
TICK=$(getconf CLK_TCK)

names=(before after bare)
declare -A CMD PID PORT
# --log-level WARNING keeps the access log off unless *_ARGS turn it on (a later flag wins).
# A build output runs through dotnet; a program (the NativeAOT image, DIR/front/RobynGateway) runs itself.
program() { if [[ -f $1 && -x $1 ]]; then echo "$1"; else echo "dotnet $1/RobynGateway.dll"; fi; }
CMD[before]="env ${BEFORE_ENV:-} $(program "$BEFORE") $APP --log-level WARNING ${BEFORE_ARGS:-} --python $PYTHON --host 127.0.0.1 --port"
CMD[after]="env ${AFTER_ENV:-} $(program "$AFTER") $APP --log-level WARNING ${AFTER_ARGS:-} --python $PYTHON --host 127.0.0.1 --port"
CMD[bare]="dotnet $BARE --static $ROOT/bench/apps/static --host 127.0.0.1 --port"

cleanup() {
    for n in "${names[@]}"; do [[ -n ${PID[$n]:-} ]] && kill -TERM "${PID[$n]}" 2>/dev/null; done; wait 2>/dev/null || true
    if [[ -n ${PG_DIR:-} ]]; then pg_stop; rm -rf "$RAW"; fi
}
trap cleanup EXIT

if [[ " $PATHS" == *" /db/"* && -z ${BENCH_DATABASE_URL:-} ]]; then
    log() { echo "$*" >&2; }
    BENCH_PYTHON=$PYTHON PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin} DB_POOL=${DB_POOL:-8} RAW=$(mktemp -d)
    # shellcheck source=/dev/null
    source "$ROOT/bench/lib/servers.sh"; source "$ROOT/bench/lib/postgres.sh"
    pushd "$ROOT" >/dev/null && pg_start && popd >/dev/null   # exports BENCH_DATABASE_URL for the servers
fi

# start: every server fresh, on its own port, answering.
start() {
    local port=18600 n
    for n in "${names[@]}"; do
        PORT[$n]=$port
        ${CMD[$n]} "$port" >"/tmp/ab-$n.log" 2>&1 &
        PID[$n]=$!
        port=$((port + 1))
    done
    for n in "${names[@]}"; do
        for _ in $(seq 1 120); do
            curl -fs "http://127.0.0.1:${PORT[$n]}/json" >/dev/null && break
            sleep 0.5
        done
        curl -fs "http://127.0.0.1:${PORT[$n]}/json" >/dev/null || { echo "$n did not start: $(tail -5 /tmp/ab-$n.log)" >&2; exit 1; }
    done
}

stop() {
    local n
    for n in "${names[@]}"; do kill -TERM "${PID[$n]}" 2>/dev/null; wait "${PID[$n]}" 2>/dev/null || true; PID[$n]=; done
}

# TREE=1: the server's CPU with its children's (the workers of --processes, via APP='app.py --processes 2').
if [[ ${TREE:-0} == 1 ]]; then
    # (processes come and go while the glob is read: a vanished one is skipped, not an error)
    ticks() { { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v p="$1" '$1 == p || $4 == p { t += $14 + $15 } END { print t }'; }
else
    ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
fi

# run <target> <path> <seconds>: prints "requests ticks"
run() {
    local n=$1 path=$2 secs=$3 t0 t1 out
    t0=$(ticks "${PID[$n]}")
    out=$(wrk -t1 -c"$CONNECTIONS" -d"${secs}s" "http://127.0.0.1:${PORT[$n]}$path")
    t1=$(ticks "${PID[$n]}")
    echo "$(awk '/requests in/ { print $1 }' <<<"$out") $((t1 - t0))"
}

# Per path and target, summed over every start and rep.
declare -A REQ=() TK=() SREQ=() STK=()
for start in $(seq 1 "$STARTS"); do
    start
    for path in $PATHS; do
        for n in "${names[@]}"; do run "$n" "$path" "$WARMUP" >/dev/null; done
        for rep in $(seq 0 $((REPS - 1))); do
            for i in 0 1 2; do
                n=${names[$(((i + rep + start) % 3))]}
                read -r r t < <(run "$n" "$path" "$DURATION")
                REQ[$path,$n]=$(( ${REQ[$path,$n]:-0} + r ))
                TK[$path,$n]=$(( ${TK[$path,$n]:-0} + t ))
                SREQ[$path,$n,$start]=$(( ${SREQ[$path,$n,$start]:-0} + r ))
                STK[$path,$n,$start]=$(( ${STK[$path,$n,$start]:-0} + t ))
            done
        done
    done
    stop
done

printf '%-14s %-7s %9s %6s %9s %6s  %s\n' path target req/s ratio us/req cpu× "us/req of each start"
total=$((STARTS * REPS * DURATION))
for path in $PATHS; do
    for n in "${names[@]}"; do
        each=
        for start in $(seq 1 "$STARTS"); do
            each+=" $(awk -v r="${SREQ[$path,$n,$start]}" -v t="${STK[$path,$n,$start]}" -v hz="$TICK" 'BEGIN { printf "%.1f", t / hz * 1e6 / r }')"
        done
        awk -v p="$path" -v n="$n" -v r="${REQ[$path,$n]}" -v t="${TK[$path,$n]}" -v br="${REQ[$path,bare]}" -v bt="${TK[$path,bare]}" \
            -v s="$total" -v hz="$TICK" -v each="$each" 'BEGIN {
                us = t / hz * 1e6 / r; bus = bt / hz * 1e6 / br
                printf "%-14s %-7s %9.0f %6.2f %9.1f %6.2f %s\n", p, n, r / s, r / br, us, us / bus, each }'
    done
done
