#!/usr/bin/env bash
# RobynGateway benchmark: the gateway against bare Kestrel (the ceiling) and the Python servers a
# user would pick instead (uvicorn + FastAPI or Starlette, gunicorn + Flask), same machine, same run.
#
#   bash bench/run.sh            # full run (about 50 minutes with the defaults; see bench/README.md)
#   bash bench/run.sh --quick    # smoke run: WARMUP=3 PY_WARMUP=2 DURATION=3 REPS=1 REDO=0
#
# Environment: WARMUP (s, .NET servers, default 20), PY_WARMUP (s, Python servers, default 5),
# DURATION (s per rep, default 10), REPS (default 3), CONNECTIONS (default 64), WRK_THREADS
# (default 1), LOAD_WARN (CPUs, default 0.5), REDO (default 2), QUIET_WAIT (s, default 30),
# STARTUP_TIMEOUT (s, default 60), ONLY (regex on workload names), ONLY_TARGETS (regex on target
# names), BENCH_PYTHON (default /usr/bin/python3), DB_POOL (default 8), SYNC_WORKERS,
# GTHREAD_WORKERS, GTHREAD_THREADS, PG_BIN, BEFORE_DLL and BEFORE_APP. See bench/README.md.
#
# Peers come from Debian's packages: `sudo bash bench/install-peers.sh`. This script installs
# nothing; it says what is missing.
set -euo pipefail

SCRIPT=$(realpath "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SCRIPT")/.." && pwd)
cd "$ROOT"

# ---------------------------------------------------------------- settings

SETTINGS=(WARMUP PY_WARMUP DURATION REPS CONNECTIONS WRK_THREADS LOAD_WARN REDO QUIET_WAIT STARTUP_TIMEOUT
    ONLY ONLY_TARGETS BENCH_PYTHON DB_POOL SYNC_WORKERS GTHREAD_WORKERS GTHREAD_THREADS PG_BIN BEFORE_DLL BEFORE_APP)
# The exact command, with the overrides that were set in the environment.
shquote() {
    if [[ $1 =~ ^[A-Za-z0-9_./:=,+-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
COMMAND=""
for var in "${SETTINGS[@]}"; do
    if [[ -n ${!var+x} ]]; then COMMAND+="$var=$(shquote "${!var}") "; fi
done
COMMAND+="bash $(realpath --relative-to="$ROOT" "$SCRIPT")"
for arg in "$@"; do COMMAND+=" $(shquote "$arg")"; done

WARMUP=${WARMUP:-20}
PY_WARMUP=${PY_WARMUP:-5}
DURATION=${DURATION:-10}
REPS=${REPS:-3}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-1}
LOAD_WARN=${LOAD_WARN:-0.5}
REDO=${REDO:-2}
QUIET_WAIT=${QUIET_WAIT:-30}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}
BENCH_PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
DB_POOL=${DB_POOL:-8}
NPROC=$(nproc)
SYNC_WORKERS=${SYNC_WORKERS:-$(( 2 * NPROC + 1 ))}   # gunicorn's documented rule of thumb
GTHREAD_WORKERS=${GTHREAD_WORKERS:-$NPROC}
GTHREAD_THREADS=${GTHREAD_THREADS:-4}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
STOP_TIMEOUT=20
QUICK=0

usage() { sed -n '2,17p' "$SCRIPT" | sed 's/^# \{0,1\}//'; }

for arg in "$@"; do
    case $arg in
        --quick) QUICK=1; WARMUP=3; PY_WARMUP=2; DURATION=3; REPS=1; REDO=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "error: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
    esac
done

for var in WARMUP PY_WARMUP DURATION REPS CONNECTIONS WRK_THREADS REDO QUIET_WAIT STARTUP_TIMEOUT DB_POOL \
    SYNC_WORKERS GTHREAD_WORKERS GTHREAD_THREADS; do
    if ! [[ ${!var} =~ ^[0-9]+$ ]]; then
        echo "error: $var=${!var}: expected a whole number" >&2; exit 2
    fi
done
for var in DURATION REPS CONNECTIONS WRK_THREADS STARTUP_TIMEOUT DB_POOL SYNC_WORKERS GTHREAD_WORKERS GTHREAD_THREADS; do
    if (( ${!var} < 1 )); then echo "error: $var must be at least 1" >&2; exit 2; fi
done
if ! [[ $LOAD_WARN =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
    echo "error: LOAD_WARN=$LOAD_WARN: expected a number" >&2; exit 2
fi

# Workloads: "name|path|expected body". Every target serves all of them with the same response:
# 200, Content-Type: application/json, the body `python3 bench/apps/workloads.py expect KEY` prints.
# The work behind each route is in bench/apps/workloads.py, shared by every framework's app.
WORKLOADS=(
    'sync JSON|/json|hello'
    'async JSON|/async-json|hello'
    'hooked JSON|/hooked/json|hello'
    'static file|/static/hello.json|hello'
    'CPU 1 ms|/cpu|cpu'
    'async sleep 1 ms|/async-sleep|hello'
    'DB page|/db/users?page=50&per_page=20|db'
)
DB_WORKLOAD='DB page'
# WebSocket workloads: "name|path". bench/WsLoad keeps CONNECTIONS clients each sending a 32-byte
# text message and waiting for its echo; the rate is echoed messages per second. The 0.88 row is,
# for FastAPI and Starlette, their own websocket route.
WS_WORKLOADS=(
    'ws echo, seed API|/ws/legacy'
    'ws echo, 0.88 API|/ws/echo'
)
if [[ -n ${ONLY:-} ]]; then
    selected=() ws_selected=()
    for entry in "${WORKLOADS[@]}"; do [[ ${entry%%|*} =~ $ONLY ]] && selected+=("$entry"); done
    for entry in "${WS_WORKLOADS[@]}"; do [[ ${entry%%|*} =~ $ONLY ]] && ws_selected+=("$entry"); done
    (( ${#selected[@]} + ${#ws_selected[@]} )) || { echo "error: ONLY=$ONLY matches no workload" >&2; exit 2; }
    WORKLOADS=("${selected[@]}")
    WS_WORKLOADS=("${ws_selected[@]}")
fi
BASELINE=bare-kestrel          # the first ratio column: target req/s divided by this target's
PEER_BASELINE=uvicorn-fastapi  # the second ratio column

GATEWAY_DLL=src/RobynGateway/bin/Release/net10.0/RobynGateway.dll
BARE_DLL=bench/BareKestrel/bin/Release/net10.0/BareKestrel.dll
WSLOAD_DLL=bench/WsLoad/bin/Release/net10.0/WsLoad.dll
APP=bench/apps/bench_app.py
RESULTS=bench/results
RAW=$RESULTS/raw

# ---------------------------------------------------------------- targets

# target <name> <kind> <command...>: a server to measure. kind is dotnet (warmed up WARMUP s, for
# the JIT) or python (PY_WARMUP s). The command listens on 127.0.0.1 at the literal {port}.
TARGETS=()
declare -A T_KIND T_CMD NA
target() {
    local name=$1 kind=$2; shift 2
    [[ -z ${ONLY_TARGETS:-} || $name =~ $ONLY_TARGETS ]] || return 0
    TARGETS+=("$name")
    T_KIND[$name]=$kind
    T_CMD[$name]=$(printf '%q ' "$@")
}

# na <target> <workload regex> <why>: the target has no equivalent of these workloads; the table
# says so instead of a number.
na() {
    local name=$1 pattern=$2 why=$3 entry
    for entry in "${WORKLOADS[@]}" "${WS_WORKLOADS[@]}"; do
        [[ ${entry%%|*} =~ $pattern ]] && NA["$name|${entry%%|*}"]=$why
    done
    return 0
}

UVICORN=("$BENCH_PYTHON" -m uvicorn --app-dir bench/apps --host 127.0.0.1 --port '{port}' --log-level warning --no-access-log)
GUNICORN=("$BENCH_PYTHON" -m gunicorn --chdir bench/apps --bind '127.0.0.1:{port}' --log-level warning)
GTHREAD_NAME=gunicorn-flask-gthread-w${GTHREAD_WORKERS}t${GTHREAD_THREADS}
SYNC_NAME=gunicorn-flask-sync-w${SYNC_WORKERS}

target gateway dotnet dotnet "$GATEWAY_DLL" "$APP" --host 127.0.0.1 --port '{port}' --log-level WARNING --python "$BENCH_PYTHON"
target gateway-p2 dotnet dotnet "$GATEWAY_DLL" "$APP" --host 127.0.0.1 --port '{port}' --log-level WARNING --python "$BENCH_PYTHON" --processes 2
if [[ -n ${BEFORE_DLL:-} ]]; then
    # An older build of the gateway, same Python: the "before" of a before/after comparison.
    target gateway-before dotnet dotnet "$BEFORE_DLL" "${BEFORE_APP:-$APP}" --host 127.0.0.1 --port '{port}' --log-level WARNING --python "$BENCH_PYTHON"
fi
target bare-kestrel dotnet dotnet "$BARE_DLL" --host 127.0.0.1 --port '{port}' --static bench/apps/static
target uvicorn-fastapi python "${UVICORN[@]}" fastapi_app:app
target uvicorn-fastapi-w2 python "${UVICORN[@]}" fastapi_app:app --workers 2
target uvicorn-starlette python "${UVICORN[@]}" starlette_app:app
target "$SYNC_NAME" python "${GUNICORN[@]}" flask_app:app --workers "$SYNC_WORKERS"
target "$GTHREAD_NAME" python "${GUNICORN[@]}" flask_app:app --worker-class gthread --workers "$GTHREAD_WORKERS" --threads "$GTHREAD_THREADS"
(( ${#TARGETS[@]} )) || { echo "error: ONLY_TARGETS=$ONLY_TARGETS matches no target" >&2; exit 2; }

na bare-kestrel '^CPU' 'no Python in bare Kestrel: a C# loop would not be the same work'
na bare-kestrel '^DB' 'no database client in bare Kestrel'
for name in uvicorn-fastapi uvicorn-fastapi-w2 uvicorn-starlette; do
    na "$name" 'seed API' "Robyn's seed websocket API has no FastAPI/Starlette equivalent (the 0.88 row is their websocket route)"
done
for name in "$SYNC_NAME" "$GTHREAD_NAME"; do
    na "$name" '^ws ' 'Flask (WSGI) has no websockets'
done
if [[ -n ${BEFORE_DLL:-} ]]; then
    na gateway-before "^(CPU|async sleep|DB)" 'not in the older bench app'
fi

has_target() { local t; for t in "${TARGETS[@]}"; do [[ $t =~ $1 ]] && return 0; done; return 1; }
has_workload() { local e; for e in "${WORKLOADS[@]}" "${WS_WORKLOADS[@]}"; do [[ ${e%%|*} =~ $1 ]] && return 0; done; return 1; }

# ---------------------------------------------------------------- helpers

log() { printf '[%d:%02d] %s\n' $(( SECONDS / 60 )) $(( SECONDS % 60 )) "$*" >&2; }
NOTES=()
note() { NOTES+=("$*"); log "  ! $*"; }
FAILED=0

# True while the process exists and is not a zombie (our exited children stay zombies until waited).
alive() {
    local state
    state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

# "pid ppid ticks child-ticks name" for every process (ticks: user + system clock ticks; child
# ticks: those of its children it has waited for).
proc_table() {
    cat /proc/[0-9]*/stat 2>/dev/null | sed -E 's/^([0-9]+) \((.*)\) (.*)$/\1\t\2\t\3/' \
        | awk -F '\t' '{ split($3, f, " "); print $1, f[2], f[12] + f[13], f[14] + f[15], $2 }' || true
}

# The pids of a process and all its descendants, itself first.
descendants() {
    proc_table | awk -v root="$1" '
        { parent[$1] = $2; pids[++n] = $1 }
        END {
            mark[root] = 1; print root
            for (pass = 0; pass < 20; pass++) {
                changed = 0
                for (i = 1; i <= n; i++) { p = pids[i]; if (!(p in mark) && (parent[p] in mark)) { mark[p] = 1; print p; changed = 1 } }
                if (!changed) break
            }
        }'
}

# Stops a server we started: SIGTERM to its PID (unless the second argument says it was sent
# already: a second SIGTERM makes uvicorn skip its shutdown), bounded wait, SIGKILL as a last
# resort; then the same for any of its descendants still running (the workers of a server killed
# before it could stop them). Sets STOP_RC to its exit code. Never call it in $(...): only this
# shell can wait for its child.
STOP_RC=0
stop_server() {
    local pid=$1 signalled=${2:-} i rc=0 child
    local -a family=()
    mapfile -t family < <(descendants "$pid" | tail -n +2)
    [[ -n $signalled ]] || kill -TERM "$pid" 2>/dev/null || true
    for (( i = 0; i < STOP_TIMEOUT * 10; i++ )); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        log "  ! pid $pid still running ${STOP_TIMEOUT}s after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || rc=$?
    for child in "${family[@]}"; do
        alive "$child" || continue
        for (( i = 0; i < 50; i++ )); do alive "$child" || break; sleep 0.1; done
        if alive "$child"; then
            log "  ! pid $child (started by $pid) still running after its parent stopped; sending SIGKILL"
            kill -KILL "$child" 2>/dev/null || true
        fi
    done
    STOP_RC=$rc
}

declare -A RUNNING   # pid -> label, every server this script started and has not stopped
WRK_PID=""
cleanup() {
    local pid
    if [[ -n $WRK_PID ]]; then
        kill -TERM "$WRK_PID" 2>/dev/null || true
        wait "$WRK_PID" 2>/dev/null || true
        WRK_PID=""
    fi
    for pid in "${!RUNNING[@]}"; do
        log "stopping ${RUNNING[$pid]} (pid $pid)"
        stop_server "$pid"
        unset "RUNNING[$pid]"
    done
    if [[ -n ${PG_DIR:-} ]]; then pg_stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -S: no site import; a pyenv shim would take seconds on a loaded machine.
free_port() {
    "$BENCH_PYTHON" -S -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# One GET over /dev/tcp; prints the raw response with CRs removed.
http_get() {
    local port=$1 path=$2 fd
    exec {fd}<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$path" "$port" >&"$fd"
    timeout 5 cat <&"$fd" | tr -d '\r' || true
    exec {fd}>&-
}

# ---------------------------------------------------------------- CPU accounting
#
# A snapshot is /proc/stat's CPU line ("stat busy total": busy is user + nice + system + steal;
# irq and softirq are left out, as they are mostly our own loopback traffic) followed by
# proc_table. Between two snapshots, `cpu_usage` splits the busy CPUs into: the measured server (its
# whole process tree), PostgreSQL (the cluster this script started), everything this script
# started (servers, idle or not, and wrk), and the rest: foreign load, from other people's work.

snapshot() {
    head -1 /proc/stat | awk '{ t = 0; for (i = 2; i <= 9; i++) t += $i; print "stat", $2 + $3 + $4 + $9, t }'
    proc_table
}

USAGE_AWK='
FNR == 1 { if (NR == 1) { b0 = $2; t0 = $3 } else { b1 = $2; t1 = $3 }; next }
NR == FNR { a0[$1] = $3 + $4; own0[$1] = $3; par[$1] = $2; seen[$1] = 1; next }
{
    a1[$1] = $3 + $4; own1[$1] = $3; par[$1] = $2; seen[$1] = 1
    name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "", name); names[$1] = name
}
function mark(root, into,    pass, p, changed) {
    if (root == "" || root == 0) return
    into[root] = 1
    for (pass = 0; pass < 20; pass++) {
        changed = 0
        for (p in seen) if (!(p in into) && (par[p] in into)) { into[p] = 1; changed = 1 }
        if (!changed) break
    }
}
function delta(p,    d) { if (!(p in a1)) return 0; d = a1[p] - ((p in a0) ? a0[p] : 0); return d < 0 ? 0 : d }
END {
    wall = (t1 - t0) / n
    if (wall <= 0) { print "0.00 0.00 0.00 -"; exit }
    mark(srv, S); mark(self, O); mark(pg, G)
    for (p in seen) {
        d = delta(p)
        if (p in S) s += d
        if (p in O) o += d
        if (p in G) g += d
        # Naming the busiest others by their own ticks: a process that reaps children gains their
        # whole lifetime at once in its child ticks.
        if (!(p in O) && !(p in G) && (p in own1)) {
            d = own1[p] - ((p in own0) ? own0[p] : 0)
            if (d / wall >= 0.1) top[p] = d / wall
        }
    }
    foreign = (b1 - b0) / wall - (o + g) / wall
    if (foreign < 0) foreign = 0
    # The split of a multi-process server: its root, then each direct child with its descendants.
    spl = "-"
    if (srv != "" && srv != 0) {
        for (p in S) {
            if (p == srv) continue
            c = p
            for (i = 0; i < 50 && par[c] != srv && (c in par); i++) c = par[c]
            if (par[c] == srv) kid[c] += delta(p)
        }
        k = 0
        for (c in kid) ids[++k] = c + 0
        if (k > 0) {
            for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (ids[j] < ids[i]) { x = ids[i]; ids[i] = ids[j]; ids[j] = x }
            spl = sprintf("%.2f", (own1[srv] - own0[srv]) / wall) "|"
            for (i = 1; i <= k; i++) spl = spl (i > 1 ? "," : "") sprintf("%.2f", kid[ids[i]] / wall)
        }
    }
    if (mode == "top") {
        for (p in top) printf "%s %.2f %s\n", p, top[p], names[p]
        exit
    }
    printf "%.2f %.2f %.2f %s\n", s / wall, g / wall, foreign, spl
}'

# cpu_usage <snapshot-before> <snapshot-after> <server pid or 0>: "server_cpus db_cpus foreign_cpus
# split" (split: "root|child,child,..." in CPUs, "-" for a single process).
cpu_usage() {
    awk -v n="$NPROC" -v srv="$3" -v self="$$" -v pg="${PG_PID:-0}" -v mode=usage "$USAGE_AWK" "$1" "$2"
}

# foreign_top <snapshot-before> <snapshot-after>: the foreign processes that used at least 0.1
# CPU in between, biggest first, as "pid command (CPUs)".
foreign_top() {
    local pid cpus name cmd out=""
    while read -r pid cpus name; do
        cmd=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-60) || true
        cmd=${cmd%% }
        out+="${out:+; }pid $pid ${cmd:-$name} ($cpus)"
    done < <(awk -v n="$NPROC" -v srv=0 -v self="$$" -v pg="${PG_PID:-0}" -v mode=top "$USAGE_AWK" "$1" "$2" | sort -k2 -gr | head -3)
    echo "${out:-no running process over 0.1 CPU, so short-lived ones}"
}

# Foreign CPUs over one second (while our servers are idle); sets FOREIGN and FOREIGN_TOP.
FOREIGN=0 FOREIGN_TOP=""
sample_foreign() {
    local s0 s1
    s0=$(mktemp); s1=$(mktemp)
    snapshot >"$s0"; sleep 1; snapshot >"$s1"
    read -r _ _ FOREIGN _ <<<"$(cpu_usage "$s0" "$s1" 0)"
    FOREIGN_TOP=$(foreign_top "$s0" "$s1")
    rm -f "$s0" "$s1"
}

over() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

# Is something else loading the machine? Once before anything (the 1-minute load average and a
# 1-second sample), then before each workload a 1-second sample while none of its servers runs.
initial_load_check() {
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    sample_foreign
    if over "$FOREIGN" "$LOAD_WARN"; then
        note "before start: ${FOREIGN} CPUs busy (1-min loadavg $load; top: $FOREIGN_TOP): something else is loading the machine; results are suspect"
    elif over "$load" "$LOAD_WARN"; then
        note "before start: 1-min loadavg $load > $LOAD_WARN: the machine was busy during the last minute (now: ${FOREIGN} CPUs busy); the per-rep checks below tell whether it stayed quiet"
    else
        log "load before start: 1-min loadavg $load, ${FOREIGN} CPUs busy"
    fi
}

check_quiet() {
    local label=$1
    sample_foreign
    if over "$FOREIGN" "$LOAD_WARN"; then
        note "$label: ${FOREIGN} CPUs busy with other processes just before start (top: $FOREIGN_TOP)"
    else
        log "  load: ${FOREIGN} CPUs busy with other processes before start"
    fi
}

# Waits (at most QUIET_WAIT s) until other processes use at most LOAD_WARN CPUs over a second.
wait_quiet() {
    local i
    for (( i = 0; i < QUIET_WAIT; i++ )); do
        sample_foreign
        over "$FOREIGN" "$LOAD_WARN" || { log "  quiet again after ${i} s (${FOREIGN} CPUs foreign)"; return 0; }
    done
    log "  still ${FOREIGN} CPUs foreign after ${QUIET_WAIT} s (top: $FOREIGN_TOP); going on"
}

# Resident memory of a process tree, MiB (summed: pages shared between processes count in each).
tree_rss() {
    local pid kb total=0
    while read -r pid; do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        total=$(( total + ${kb:-0} ))
    done < <(descendants "$1")
    awk -v k="$total" 'BEGIN { printf "%.0f", k / 1024 }'
}

# ---------------------------------------------------------------- wrk

to_ms() {  # wrk time ("850.00us", "1.46ms", "1.02s", "2.00m") to milliseconds
    awk -v t="$1" 'BEGIN {
        if (match(t, /[a-z]+$/)) { u = substr(t, RSTART); v = substr(t, 1, RSTART - 1) + 0 } else { u = "s"; v = t + 0 }
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
        if (f < 0) { print "nan"; exit }
        printf "%.3f", v * f }'
}

# Parses one wrk --latency output: "rps p50_ms p99_ms non2xx socket_errors".
parse_wrk() {
    local file=$1 rps p50 p99 non2xx sockerr
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$file")
    p50=$(awk '/Latency Distribution/ { d = 1; next } d && $1 == "50%" { print $2; exit }' "$file")
    p99=$(awk '/Latency Distribution/ { d = 1; next } d && $1 == "99%" { print $2; exit }' "$file")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$file")
    sockerr=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$file")
    [[ -n $rps && -n $p50 && -n $p99 ]] || return 1
    echo "$rps $(to_ms "$p50") $(to_ms "$p99") ${non2xx:-0} ${sockerr:-0}"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print m }'; }
minimum() { printf '%s\n' "$@" | sort -g | head -1; }
maximum() { printf '%s\n' "$@" | sort -g | tail -1; }
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.2f", NR ? s / NR : 0 }'; }

# url seconds outfile. Bounded by timeout in case wrk hangs; run in the background and waited
# for, so that a SIGTERM/SIGINT to this script is handled at once rather than after the run.
run_wrk() {
    local url=$1 secs=$2 out=$3 rc=0
    timeout $(( secs + 30 )) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency "$url" >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || rc=$?
    WRK_PID=""
    return "$rc"
}

# ---------------------------------------------------------------- PostgreSQL
#
# A throwaway cluster for the DB workload, in a temp dir, on a free loopback port, seeded with
# the users table (bench/apps/workloads.py seed-sql), stopped by its own pg_ctl. initdb refuses
# to run as root, so as root the cluster belongs to the `postgres` user (Debian's packages create
# it) or else `nobody`. No system service is touched.
PG_DIR="" PG_PID="" PG_AS=()
pg_start() {
    local owner port data
    if (( $(id -u) == 0 )); then
        owner=postgres; id -u "$owner" >/dev/null 2>&1 || owner=nobody
        PG_AS=(runuser -u "$owner" --)
    fi
    PG_DIR=$(mktemp -d /tmp/robyn-bench-pg.XXXXXX)
    chmod 700 "$PG_DIR"
    (( ${#PG_AS[@]} == 0 )) || chown "$owner" "$PG_DIR"
    data=$PG_DIR/data
    port=$(free_port)
    log "starting PostgreSQL in $PG_DIR on 127.0.0.1:$port${owner:+ (as $owner)}"
    "${PG_AS[@]}" "$PG_BIN/initdb" -D "$data" -U bench --auth=trust --encoding=UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    # Durability off: the data is thrown away, and the workload only reads.
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" start -D "$data" -w -t 60 -l "$PG_DIR/server.log" \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c timezone=UTC" >/dev/null \
        || { cat "$PG_DIR/server.log" >&2; return 1; }
    PG_PID=$(head -1 "$data/postmaster.pid")
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U bench bench
    "$BENCH_PYTHON" bench/apps/workloads.py seed-sql \
        | "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U bench -d bench -q -v ON_ERROR_STOP=1 >/dev/null
    log "  seeded $("$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U bench -d bench -Atc 'SELECT count(*) FROM users') users; postmaster pid $PG_PID"
    export BENCH_DATABASE_URL="postgresql://bench@127.0.0.1:$port/bench"
    export BENCH_DB_POOL=$DB_POOL
}

pg_stop() {
    [[ -n $PG_DIR ]] || return 0
    if [[ -n $PG_PID ]]; then
        log "stopping PostgreSQL (postmaster pid $PG_PID)"
        "${PG_AS[@]}" "$PG_BIN/pg_ctl" stop -D "$PG_DIR/data" -m fast -t 30 >/dev/null 2>&1 \
            || log "  ! pg_ctl stop failed; log in $PG_DIR/server.log"
    fi
    cp "$PG_DIR/server.log" "$RAW/postgres.log" 2>/dev/null || true
    rm -rf "$PG_DIR"
    PG_DIR="" PG_PID=""
    unset BENCH_DATABASE_URL BENCH_DB_POOL
}

# ---------------------------------------------------------------- one server

# launch <label> <slug> <command...>: starts the command ({port} replaced by a free loopback port)
# and waits until the port opens. Sets LAUNCH_PORT and LAUNCH_PID; returns 1 (with a note) if the
# server exits or never opens the port.
LAUNCH_PORT="" LAUNCH_PID=""
launch() {
    local label=$1 slug=$2; shift 2
    local port pid i arg
    local -a cmd=()
    port=$(free_port)
    for arg in "$@"; do cmd+=("${arg//\{port\}/$port}"); done
    "${cmd[@]}" >"$RAW/$slug.server.log" 2>&1 &
    pid=$!
    RUNNING[$pid]=$label
    log "  started pid $pid: ${cmd[*]}"

    for (( i = 0; i < STARTUP_TIMEOUT * 10; i++ )); do
        port_open "$port" && break
        alive "$pid" || break
        sleep 0.1
    done
    if ! alive "$pid" || ! port_open "$port"; then
        local why="did not open port $port within ${STARTUP_TIMEOUT}s"
        alive "$pid" || why="exited before opening port $port"
        unset "RUNNING[$pid]"; stop_server "$pid"
        [[ $why != exited* ]] || why+=" (exit code $STOP_RC)"
        note "$label: server $why; last log line: $(grep -v '^[[:space:]]*$' "$RAW/$slug.server.log" | tail -1 | cut -c1-200) (full log: $RAW/$slug.server.log)"
        sed 's/^/      /' "$RAW/$slug.server.log" | tail -20 >&2
        return 1
    fi
    log "  port $port open after $(awk -v i="$i" 'BEGIN { printf "%.1f", i / 10 }') s"
    LAUNCH_PORT=$port LAUNCH_PID=$pid
}

# land <label> <slug> <pid> [signalled]: reads the server's RSS (into LAND_RSS, MiB) unless it was
# signalled to stop already, stops it, notes a bad exit.
LAND_RSS="?"
land() {
    local label=$1 slug=$2 pid=$3 signalled=${4:-}
    [[ -n $signalled ]] || LAND_RSS=$(tree_rss "$pid")
    unset "RUNNING[$pid]"
    stop_server "$pid" "$signalled"
    [[ $STOP_RC == 0 ]] || note "$label: server exited with code $STOP_RC after SIGTERM (expected 0); log $RAW/$slug.server.log"
    if [[ -s $RAW/$slug.server.log ]]; then
        log "  server log ($RAW/$slug.server.log):"; head -5 "$RAW/$slug.server.log" | sed 's/^/      /' >&2
    fi
}

# check_response <label> <port> <path> <expected body>: 200, application/json, that body.
check_response() {
    local label=$1 port=$2 path=$3 expect=$4 resp body ctype
    resp=$(http_get "$port" "$path") || true
    body=$(printf '%s\n' "$resp" | sed '1,/^$/d')
    ctype=$(printf '%s\n' "$resp" | sed -n '1,/^$/{s/^[Cc]ontent-[Tt]ype:[[:space:]]*//p}')
    if [[ $(printf '%s\n' "$resp" | head -1) != "HTTP/1.1 200"* || $body != "$expect" || $ctype != application/json* ]]; then
        note "$label: GET $path did not answer 200 application/json $(printf '%s' "$expect" | head -c 60); got '$(printf '%s\n' "$resp" | head -1)', Content-Type '$ctype', body '$(printf '%s' "$body" | head -c 100 | tr '\n' ' ')'"
        printf '%s\n' "$resp" | head -12 | sed 's/^/      /' >&2
        return 1
    fi
}

# ---------------------------------------------------------------- HTTP workloads, interleaved
#
# For one workload, every target's server is started and warmed up, then the reps run round by
# round: rep 1 of every target, then rep 2 (starting one target later), and so on. A drift of the
# machine's speed over the minutes of a workload then lands on every target alike instead of
# on whichever was measured last. Idle servers cost next to nothing meanwhile; their CPU (and
# PostgreSQL's) is accounted for as ours, not as foreign load.

# Per "target|workload": state while measuring, then the results.
declare -A C_PID C_URL C_SLUG C_RPS C_P50 C_P99 C_SRV C_DB C_FOREIGN C_SPLIT C_NON2XX C_SOCKERR C_REDONE C_FLAGGED
declare -A R_STATUS R_RSS

slug_of() { echo "$1-$2" | tr 'A-Z ,.' 'a-z---'; }

start_cell() {
    local t=$1 w=$2 path=$3 expect=$4 key="$1|$2" slug
    local -a cmd
    slug=$(slug_of "$t" "$w")
    eval "cmd=(${T_CMD[$t]})"
    log "- $t"
    launch "$t/$w" "$slug" "${cmd[@]}" || return 1
    if ! check_response "$t/$w" "$LAUNCH_PORT" "$path" "$expect"; then
        unset "RUNNING[$LAUNCH_PID]"; stop_server "$LAUNCH_PID"
        return 1
    fi
    C_PID[$key]=$LAUNCH_PID C_URL[$key]="http://127.0.0.1:$LAUNCH_PORT$path" C_SLUG[$key]=$slug
    C_RPS[$key]="" C_P50[$key]="" C_P99[$key]="" C_SRV[$key]="" C_DB[$key]="" C_FOREIGN[$key]="" C_SPLIT[$key]=""
    C_NON2XX[$key]=0 C_SOCKERR[$key]=0 C_REDONE[$key]=0 C_FLAGGED[$key]=0
}

fail_cell() {
    local key="$1|$2" pid=${C_PID["$1|$2"]:-}
    R_STATUS[$key]=failed; FAILED=1
    if [[ -n $pid ]]; then unset "RUNNING[$pid]"; stop_server "$pid"; fi
    C_PID[$key]=""
}

warm_cell() {
    local t=$1 w=$2 key="$1|$2" secs out parsed r p50 p99 n s
    secs=$WARMUP
    [[ ${T_KIND[$t]} == dotnet ]] || secs=$PY_WARMUP
    (( secs > 0 )) || return 0
    out="$RAW/${C_SLUG[$key]}.warmup.txt"
    log "- $t: warm-up ${secs}s"
    if ! run_wrk "${C_URL[$key]}" "$secs" "$out"; then
        note "$t/$w: wrk warm-up failed:"; sed 's/^/      /' "$out" >&2
        return 1
    fi
    if parsed=$(parse_wrk "$out"); then
        read -r r p50 p99 n s <<<"$parsed"
        (( n + s == 0 )) || note "$t/$w: warm-up had $n non-2xx responses and $s socket errors"
    fi
}

# rep_cell <target> <workload> <rep>: one measured wrk run, with the CPU accounting around it.
# A rep during which other processes used more than LOAD_WARN CPUs is run again, after waiting
# for quiet, while the target has redos left (REDO per target and workload); otherwise kept and
# flagged.
rep_cell() {
    local t=$1 w=$2 rep=$3 key="$1|$2" out s0 s1 parsed r p50 p99 n s srv db foreign split
    out="$RAW/${C_SLUG[$key]}.rep$rep.txt"
    s0=$(mktemp); s1=$(mktemp)
    while true; do
        snapshot >"$s0"
        if ! run_wrk "${C_URL[$key]}" "$DURATION" "$out" || ! parsed=$(parse_wrk "$out"); then
            note "$t/$w: wrk rep $rep failed:"; sed 's/^/      /' "$out" >&2
            rm -f "$s0" "$s1"
            return 1
        fi
        snapshot >"$s1"
        read -r srv db foreign split <<<"$(cpu_usage "$s0" "$s1" "${C_PID[$key]}")"
        read -r r p50 p99 n s <<<"$parsed"
        log "- $t rep $rep/$REPS: $r req/s, p50 $p50 ms, p99 $p99 ms; CPUs: server $srv$( [[ $split == - ]] || echo " ($split)")$( [[ -z $PG_PID ]] || echo ", PostgreSQL $db"), foreign $foreign$( (( n + s == 0 )) || echo "; non-2xx $n, socket errors $s")"
        if over "$foreign" "$LOAD_WARN"; then
            if (( C_REDONE[$key] < REDO )); then
                C_REDONE[$key]=$(( C_REDONE[$key] + 1 ))
                note "$t/$w: rep $rep redone: other processes used $foreign CPUs (top: $(foreign_top "$s0" "$s1"))"
                wait_quiet
                continue
            fi
            C_FLAGGED[$key]=$(( C_FLAGGED[$key] + 1 ))
            note "$t/$w: rep $rep kept with $foreign CPUs of foreign load (no redo left; top: $(foreign_top "$s0" "$s1")); suspect"
        fi
        break
    done
    rm -f "$s0" "$s1"
    C_RPS[$key]+="$r " C_P50[$key]+="$p50 " C_P99[$key]+="$p99 "
    C_SRV[$key]+="$srv " C_DB[$key]+="$db " C_FOREIGN[$key]+="$foreign "
    [[ $split == - ]] || C_SPLIT[$key]+="${C_SPLIT[$key]:+ · }$split"
    C_NON2XX[$key]=$(( C_NON2XX[$key] + n )) C_SOCKERR[$key]=$(( C_SOCKERR[$key] + s ))
    # One worker doing nearly all the work: the kernel handed it most of wrk's keep-alive
    # connections (uvicorn --workers shares one listening socket between its workers).
    if [[ $split != - ]] && awk -v s="${split#*|}" 'BEGIN {
            k = split(s, c, ","); if (k < 2) exit 1
            for (i = 1; i <= k; i++) { t += c[i]; if (c[i] > m) m = c[i] }
            exit !(t > 0.2 && m > 0.8 * t) }'; then
        note "$t/$w: rep $rep: one worker process did $(awk -v s="${split#*|}" 'BEGIN { k = split(s, c, ","); for (i = 1; i <= k; i++) { t += c[i]; if (c[i] > m) m = c[i] }; printf "%.0f%%", 100 * m / t }') of the workers' CPU (CPUs ${split#*|}): the others were nearly idle"
    fi
}

# land_cell <target> <workload>: after stop_cells. Waits for the server to stop, notes how it went.
land_cell() {
    local t=$1 w=$2 key="$1|$2"
    land "$t/$w" "${C_SLUG[$key]}" "${C_PID[$key]}" signalled
    C_PID[$key]=""
    R_STATUS[$key]=ok
    (( C_NON2XX[$key] + C_SOCKERR[$key] == 0 )) \
        || note "$t/$w: ${C_NON2XX[$key]} non-2xx responses and ${C_SOCKERR[$key]} socket errors in the measured runs"
    # shellcheck disable=SC2086
    if (( REPS > 1 )) && awk -v lo="$(minimum ${C_RPS[$key]})" -v hi="$(maximum ${C_RPS[$key]})" -v m="$(median ${C_RPS[$key]})" \
            'BEGIN { exit !((hi - lo) / m > 0.10) }'; then
        note "$t/$w: req/s spread $(printf '%.0f' "$(minimum ${C_RPS[$key]})")–$(printf '%.0f' "$(maximum ${C_RPS[$key]})") is more than 10% of the median"
    fi
}

measure_workload() {
    local wname=$1 path=$2 expect=$3 t key rep i n
    local -a active=() warm=() order=()
    log ""
    log "== $wname ($path)"
    check_quiet "$wname"
    if [[ $wname == "$DB_WORKLOAD" ]] && ! pg_start; then
        note "$wname: PostgreSQL did not start; see the log above"
        for t in "${TARGETS[@]}"; do [[ -n ${NA["$t|$wname"]:-} ]] || { R_STATUS["$t|$wname"]=failed; FAILED=1; }; done
        pg_stop
        return 0
    fi
    for t in "${TARGETS[@]}"; do
        [[ -z ${NA["$t|$wname"]:-} ]] || continue
        if start_cell "$t" "$wname" "$path" "$expect"; then active+=("$t"); else fail_cell "$t" "$wname"; fi
    done
    for t in "${active[@]}"; do
        if warm_cell "$t" "$wname"; then warm+=("$t"); else fail_cell "$t" "$wname"; fi
    done
    n=${#warm[@]}
    for (( rep = 1; rep <= REPS; rep++ )); do
        order=()
        for (( i = 0; i < n; i++ )); do order+=("${warm[(i + rep - 1) % n]}"); done
        for t in "${order[@]}"; do
            [[ -n ${C_PID["$t|$wname"]:-} ]] || continue
            rep_cell "$t" "$wname" "$rep" || fail_cell "$t" "$wname"
        done
    done
    # Every server's memory first, then all of them asked to stop at once (they drain in
    # parallel), then each waited for.
    local -a landing=()
    for t in "${warm[@]}"; do
        [[ -n ${C_PID["$t|$wname"]:-} ]] || continue
        landing+=("$t")
        R_RSS["$t|$wname"]=$(tree_rss "${C_PID["$t|$wname"]}")
    done
    for t in "${landing[@]}"; do kill -TERM "${C_PID["$t|$wname"]}" 2>/dev/null || true; done
    for t in "${landing[@]}"; do land_cell "$t" "$wname"; done
    [[ $wname != "$DB_WORKLOAD" ]] || pg_stop
}

# ---------------------------------------------------------------- websocket workloads
#
# One target at a time: bench/WsLoad does the warm-up and the REPS runs in one client process, on
# the same connections.
measure_ws_one() {
    local name=$1 wname=$2 path=$3 key="$1|$2" slug port pid out rc=0 tag rep rate p50 p99 errs errors=0 secs
    local -a rates=() p50s=() p99s=() cmd
    [[ -z ${NA[$key]:-} ]] || return 0
    slug=$(slug_of "$name" "$wname")
    eval "cmd=(${T_CMD[$name]})"
    log ""
    log "== $name, $wname ($path)"
    check_quiet "$name/$wname"
    launch "$name/$wname" "$slug" "${cmd[@]}" || return 1
    port=$LAUNCH_PORT pid=$LAUNCH_PID
    secs=$WARMUP
    [[ ${T_KIND[$name]} == dotnet ]] || secs=$PY_WARMUP

    local s0 s1 srv db foreign split
    s0=$(mktemp); s1=$(mktemp)
    snapshot >"$s0"
    out="$RAW/$slug.wsload.txt"
    log "  warm-up ${secs}s, then ${REPS} x ${DURATION}s of websocket echo on $CONNECTIONS connections"
    timeout $(( secs + REPS * DURATION + 60 )) dotnet "$WSLOAD_DLL" --url "ws://127.0.0.1:$port$path" \
        --connections "$CONNECTIONS" --warmup "$secs" --duration "$DURATION" --reps "$REPS" >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || rc=$?
    WRK_PID=""
    snapshot >"$s1"
    while read -r tag rep rate p50 p99 errs; do
        [[ $tag == rep ]] || continue
        rates+=("$rate"); p50s+=("$p50"); p99s+=("$p99"); errors=$(( errors + errs ))
        log "  rep $rep/$REPS: $rate msg/s, p50 $p50 ms, p99 $p99 ms$( (( errs == 0 )) || echo ", errors $errs")"
    done <"$out"
    read -r srv db foreign split <<<"$(cpu_usage "$s0" "$s1" "$pid")"
    log "  CPUs over warm-up and runs: server $srv$( [[ $split == - ]] || echo " ($split)"), foreign $foreign"
    over "$foreign" "$LOAD_WARN" \
        && note "$name/$wname: other processes used ${foreign} CPUs on average during the warm-up and runs (top: $(foreign_top "$s0" "$s1")); suspect"
    rm -f "$s0" "$s1"
    land "$name/$wname" "$slug" "$pid"
    if (( rc != 0 || ${#rates[@]} != REPS )); then
        note "$name/$wname: the websocket load failed (exit $rc):"; sed 's/^/      /' "$out" | tail -5 >&2
        return 1
    fi
    C_RPS[$key]="${rates[*]}" C_P50[$key]="${p50s[*]}" C_P99[$key]="${p99s[*]}"
    C_SRV[$key]=$srv C_DB[$key]=0 C_FOREIGN[$key]=$foreign C_SPLIT[$key]=${split/#-/}
    C_NON2XX[$key]=$errors C_SOCKERR[$key]=0 C_REDONE[$key]=0 C_FLAGGED[$key]=0
    over "$foreign" "$LOAD_WARN" && C_FLAGGED[$key]=$REPS
    R_RSS[$key]=$LAND_RSS
    (( errors == 0 )) || note "$name/$wname: $errors failed echoes"
    R_STATUS[$key]=ok
}

# ---------------------------------------------------------------- prerequisites

missing=()
command -v wrk >/dev/null || missing+=("wrk (HTTP load generator): sudo apt-get install wrk")
if ! command -v dotnet >/dev/null; then
    missing+=("dotnet (.NET SDK 10): see https://learn.microsoft.com/dotnet/core/install/linux-debian (e.g. sudo apt-get install dotnet-sdk-10.0 from packages.microsoft.com)")
elif ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    missing+=(".NET SDK 10 (dotnet is there but has SDKs: $(dotnet --list-sdks 2>/dev/null | cut -d' ' -f1 | tr '\n' ' ')): install dotnet-sdk-10.0")
fi
command -v timeout >/dev/null || missing+=("timeout: sudo apt-get install coreutils")
need_module() {  # module package why
    "$BENCH_PYTHON" -c "import $1" 2>/dev/null || missing+=("$2 ($3; Python module '$1' in $BENCH_PYTHON)")
}
if [[ ! -x $BENCH_PYTHON ]]; then
    missing+=("$BENCH_PYTHON (BENCH_PYTHON: the Python every target runs): sudo apt-get install python3 libpython3-dev")
else
    has_target '^uvicorn' && need_module uvicorn python3-uvicorn 'uvicorn targets'
    has_target '^uvicorn-fastapi' && need_module fastapi python3-fastapi 'uvicorn-fastapi targets'
    has_target '^uvicorn' && need_module starlette python3-starlette 'uvicorn targets'
    if has_target '^uvicorn' && has_workload '^ws '; then need_module websockets python3-websockets "uvicorn's websockets"; fi
    has_target '^gunicorn' && need_module gunicorn gunicorn 'gunicorn targets'
    has_target '^gunicorn' && need_module flask python3-flask 'gunicorn targets'
    if has_target '^gunicorn' && has_workload '^async'; then need_module asgiref python3-asgiref "Flask's async views"; fi
    if has_workload "^$DB_WORKLOAD\$"; then
        has_target '^(gateway|uvicorn)' && need_module asyncpg python3-asyncpg 'the DB workload'
        has_target '^gunicorn' && need_module psycopg2 python3-psycopg2 'the DB workload, Flask'
        [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl && -x $PG_BIN/psql ]] \
            || missing+=("postgresql-15 (the DB workload starts a throwaway cluster with $PG_BIN/initdb; PG_BIN=...)")
    fi
fi
if (( ${#missing[@]} )); then
    echo "error: missing prerequisites (nothing was installed):" >&2
    printf '  - %s\n' "${missing[@]}" >&2
    echo "the Debian packages: sudo bash bench/install-peers.sh; or leave targets out with ONLY_TARGETS=, workloads with ONLY=" >&2
    exit 1
fi

# ---------------------------------------------------------------- build

build() {
    local project=$1 blog
    blog=$(mktemp)
    log "building $project (Release)"
    if ! dotnet build -c Release -nologo "$project" >"$blog" 2>&1; then
        echo "error: build of $project failed:" >&2
        grep -E 'error|warning' "$blog" | sort -u | head -40 >&2 || tail -40 "$blog" >&2
        rm -f "$blog"
        exit 1
    fi
    rm -f "$blog"
}
initial_load_check
build src/RobynGateway
has_target '^bare-kestrel$' && build bench/BareKestrel
(( ${#WS_WORKLOADS[@]} == 0 )) || build bench/WsLoad
[[ -f $GATEWAY_DLL ]] || { echo "error: $GATEWAY_DLL not found after the build" >&2; exit 1; }
if has_target '^bare-kestrel$'; then [[ -f $BARE_DLL ]] || { echo "error: $BARE_DLL not found after the build" >&2; exit 1; }; fi
if (( ${#WS_WORKLOADS[@]} )); then [[ -f $WSLOAD_DLL ]] || { echo "error: $WSLOAD_DLL not found after the build" >&2; exit 1; }; fi

mkdir -p "$RESULTS"
rm -rf "$RAW" "$RESULTS"/latest.*
mkdir -p "$RAW"

declare -A EXPECT
for key in hello cpu db; do EXPECT[$key]=$("$BENCH_PYTHON" bench/apps/workloads.py expect "$key"); done

# ---------------------------------------------------------------- plan

# A rough length: a server starts and stops in about 2 s, a rep costs about 1 s besides wrk.
estimate=0
for entry in "${WORKLOADS[@]}"; do
    estimate=$(( estimate + 5 ))
    for t in "${TARGETS[@]}"; do
        [[ -z ${NA["$t|${entry%%|*}"]:-} ]] || continue
        w=$PY_WARMUP; [[ ${T_KIND[$t]} == dotnet ]] && w=$WARMUP
        estimate=$(( estimate + 2 + w + REPS * (DURATION + 1) ))
    done
done
for entry in "${WS_WORKLOADS[@]}"; do
    for t in "${TARGETS[@]}"; do
        [[ -z ${NA["$t|${entry%%|*}"]:-} ]] || continue
        w=$PY_WARMUP; [[ ${T_KIND[$t]} == dotnet ]] && w=$WARMUP
        estimate=$(( estimate + 8 + w + REPS * DURATION ))
    done
done

log ""
log "settings: warm-up ${WARMUP}s (.NET) / ${PY_WARMUP}s (Python), ${REPS} x ${DURATION}s, wrk -t$WRK_THREADS -c$CONNECTIONS, $NPROC CPUs"
log "targets: ${TARGETS[*]}"
log "about $(( (estimate + 59) / 60 )) minutes of measuring (more if reps are redone: REDO=$REDO, QUIET_WAIT=${QUIET_WAIT}s)"

# ---------------------------------------------------------------- measure

STARTED=$SECONDS
for entry in "${WORKLOADS[@]}"; do
    IFS='|' read -r wname path ekey <<<"$entry"
    measure_workload "$wname" "$path" "${EXPECT[$ekey]}"
done
for entry in "${WS_WORKLOADS[@]}"; do
    IFS='|' read -r wname path <<<"$entry"
    for t in "${TARGETS[@]}"; do
        measure_ws_one "$t" "$wname" "$path" || { R_STATUS["$t|$wname"]=failed; FAILED=1; }
    done
done
ELAPSED=$(( SECONDS - STARTED ))

# ---------------------------------------------------------------- results
#
# latest.tsv (one line per target and workload), latest.meta (the run's facts) and latest.notes;
# bench/report.py turns them into latest.md, bench/chart.py into latest.png.

tsv_row() {  # kind workload path target
    local kind=$1 w=$2 path=$3 t=$4 key="$2|$4" status reason="" rps="" lo="" hi="" p50="" p99="" srv="" db="" foreign="" rss="" errors=""
    key="$t|$w"
    status=${R_STATUS[$key]:-failed}
    [[ -z ${NA[$key]:-} ]] || { status=na; reason=${NA[$key]}; }
    if [[ $status == ok ]]; then
        # shellcheck disable=SC2086
        rps=$(median ${C_RPS[$key]}); lo=$(minimum ${C_RPS[$key]}); hi=$(maximum ${C_RPS[$key]})
        # shellcheck disable=SC2086
        p50=$(median ${C_P50[$key]}); p99=$(median ${C_P99[$key]})
        # shellcheck disable=SC2086
        srv=$(mean ${C_SRV[$key]}); db=$(mean ${C_DB[$key]}); foreign=$(mean ${C_FOREIGN[$key]})
        rss=${R_RSS[$key]}
        errors=$(( C_NON2XX[$key] + C_SOCKERR[$key] ))
    fi
    printf '%s\t' "$kind" "$w" "$path" "$t" "$status" "$reason" "$rps" "$lo" "$hi" "$p50" "$p99" "$srv" "$db" "$foreign" "$rss" "$errors" \
        "${C_SPLIT[$key]:-}" "${C_REDONE[$key]:-0}"
    printf '%s\n' "${C_FLAGGED[$key]:-0}"
}

{
    printf 'kind\tworkload\tpath\ttarget\tstatus\treason\trps\trps_min\trps_max\tp50_ms\tp99_ms\tserver_cpus\tdb_cpus\tforeign_cpus\trss_mib\terrors\tsplit\tredone\tflagged\n'
    for entry in "${WORKLOADS[@]}"; do
        IFS='|' read -r wname path _ <<<"$entry"
        for t in "${TARGETS[@]}"; do tsv_row http "$wname" "$path" "$t"; done
    done
    for entry in "${WS_WORKLOADS[@]}"; do
        IFS='|' read -r wname path <<<"$entry"
        for t in "${TARGETS[@]}"; do tsv_row ws "$wname" "$path" "$t"; done
    done
} >"$RESULTS/latest.tsv"

CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[[ -n $CPU ]] || CPU=$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || COMMIT+=" + uncommitted changes"
pyver() { "$BENCH_PYTHON" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || echo none; }
{
    printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'quick\t%s\n' "$QUICK"
    printf 'command\t%s\n' "$COMMAND"
    printf 'warmup\t%s\n' "$WARMUP"
    printf 'py_warmup\t%s\n' "$PY_WARMUP"
    printf 'duration\t%s\n' "$DURATION"
    printf 'reps\t%s\n' "$REPS"
    printf 'wrk_args\t%s\n' "-t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s --latency"
    printf 'connections\t%s\n' "$CONNECTIONS"
    printf 'load_warn\t%s\n' "$LOAD_WARN"
    printf 'redo\t%s\n' "$REDO"
    printf 'db_pool\t%s\n' "$DB_POOL"
    printf 'nproc\t%s\n' "$NPROC"
    printf 'cpu\t%s\n' "${CPU:-unknown}"
    printf 'memory\t%s\n' "$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
    printf 'kernel\t%s\n' "$(uname -sr)"
    printf 'os\t%s\n' "$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
    printf 'dotnet\t%s\n' "SDK $(dotnet --version), ASP.NET Core $(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" && $2 ~ /^10\./ { v = $2 } END { print (v ? v : "none") }')"
    printf 'python\t%s\n' "$("$BENCH_PYTHON" -c 'import platform, sys; print(platform.python_version(), "(" + sys.executable + ")")')"
    printf 'packages\t%s\n' "fastapi $(pyver fastapi), starlette $(pyver starlette), uvicorn $(pyver uvicorn), uvloop $(pyver uvloop), httptools $(pyver httptools), flask $(pyver flask), gunicorn $(pyver gunicorn), asyncpg $(pyver asyncpg), psycopg2 $(pyver psycopg2)"
    printf 'postgres\t%s\n' "$("$PG_BIN/postgres" --version 2>/dev/null || echo none)"
    printf 'wrk\t%s\n' "$(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//' || true)"
    printf 'commit\t%s\n' "$COMMIT"
    printf 'elapsed_s\t%s\n' "$ELAPSED"
    printf 'baseline\t%s\n' "$BASELINE"
    printf 'peer_baseline\t%s\n' "$PEER_BASELINE"
    for t in "${TARGETS[@]}"; do
        eval "cmd=(${T_CMD[$t]})"
        printf 'target\t%s\t%s\t%s\n' "$t" "${T_KIND[$t]}" "${cmd[*]}"
    done
} >"$RESULTS/latest.meta"
if (( ${#NOTES[@]} )); then printf '%s\n' "${NOTES[@]}" | tr '\t' ' ' >"$RESULTS/latest.notes"; else : >"$RESULTS/latest.notes"; fi

"$BENCH_PYTHON" bench/report.py "$RESULTS" || { echo "error: bench/report.py failed" >&2; FAILED=1; }
if "$BENCH_PYTHON" -c 'import matplotlib' 2>/dev/null; then
    "$BENCH_PYTHON" bench/chart.py "$RESULTS" || { echo "error: bench/chart.py failed" >&2; FAILED=1; }
else
    log "no chart: matplotlib is missing in $BENCH_PYTHON (sudo apt-get install python3-matplotlib)"
fi
log "measured for $(( ELAPSED / 60 )) min $(( ELAPSED % 60 )) s; raw wrk output and server logs in $RAW/"
exit "$FAILED"
