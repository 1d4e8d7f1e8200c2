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
# --processes 2 as users get it: on Linux --balance kernel (the workers accept on the port themselves; no front hop).
target gateway-p2 dotnet dotnet "$GATEWAY_DLL" "$APP" --host 127.0.0.1 --port '{port}' --log-level WARNING --python "$BENCH_PYTHON" --processes 2
# The same two workers behind the front's proxy (--balance front), for comparison.
target gateway-p2-front dotnet dotnet "$GATEWAY_DLL" "$APP" --host 127.0.0.1 --port '{port}' --log-level WARNING --python "$BENCH_PYTHON" --processes 2 --balance front
if [[ -n ${BEFORE_DLL:-} ]]; then
    # An older build of the gateway, same Python: the "before" of a before/after comparison.
    target gateway-before dotnet dotnet "$BEFORE_DLL" "${BEFORE_APP:-$APP}" --host 127.0.0.1 --port '{port}' --log-level WARNING --python "$BENCH_PYTHON"
fi
target bare-kestrel dotnet dotnet "$BARE_DLL" --host 127.0.0.1 --port '{port}' --static bench/apps/static
# The same with the socket scheduling the gateway runs with (Hosting/SocketScheduling.cs): the ceiling
# under equal transport settings, beside Kestrel as an ASP.NET Core app gets it (the ratios' baseline).
target bare-kestrel-inline dotnet dotnet "$BARE_DLL" --host 127.0.0.1 --port '{port}' --static bench/apps/static --inline
target uvicorn-fastapi python "${UVICORN[@]}" fastapi_app:app
target uvicorn-fastapi-w2 python "${UVICORN[@]}" fastapi_app:app --workers 2
target uvicorn-starlette python "${UVICORN[@]}" starlette_app:app
target "$SYNC_NAME" python "${GUNICORN[@]}" flask_app:app --workers "$SYNC_WORKERS"
target "$GTHREAD_NAME" python "${GUNICORN[@]}" flask_app:app --worker-class gthread --workers "$GTHREAD_WORKERS" --threads "$GTHREAD_THREADS"
(( ${#TARGETS[@]} )) || { echo "error: ONLY_TARGETS=$ONLY_TARGETS matches no target" >&2; exit 2; }

for name in bare-kestrel bare-kestrel-inline; do
    na "$name" '^CPU' 'no Python in bare Kestrel: a C# loop would not be the same work'
    na "$name" '^DB' 'no database client in bare Kestrel'
done
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
#
# The rest are in bench/lib/: servers.sh (start, check, stop), cpu.sh (who uses the CPU),
# wrk.sh (load and statistics), postgres.sh (the throwaway cluster).

log() { printf '[%d:%02d] %s\n' $(( SECONDS / 60 )) $(( SECONDS % 60 )) "$*" >&2; }
NOTES=()
note() { NOTES+=("$*"); log "  ! $*"; }
FAILED=0

for lib in servers cpu wrk postgres; do
    # shellcheck source=/dev/null
    source "$ROOT/bench/lib/$lib.sh"
done

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

# land_cell <target> <workload>: after the server was sent SIGTERM. Waits for it to stop, notes how
# it went.
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
# The front and workers of --processes as users deploy them (the wheel and the Docker image carry this image).
if has_target '^gateway-p'; then
    log "the gateway's NativeAOT image (scripts/build-front.sh)"
    bash scripts/build-front.sh "$(dirname "$GATEWAY_DLL")" >/dev/null 2>&1 \
        || { echo "error: scripts/build-front.sh failed (NativeAOT needs clang and zlib1g-dev)" >&2; exit 1; }
fi
has_target '^bare-kestrel' && build bench/BareKestrel
(( ${#WS_WORKLOADS[@]} == 0 )) || build bench/WsLoad
[[ -f $GATEWAY_DLL ]] || { echo "error: $GATEWAY_DLL not found after the build" >&2; exit 1; }
if has_target '^bare-kestrel'; then [[ -f $BARE_DLL ]] || { echo "error: $BARE_DLL not found after the build" >&2; exit 1; }; fi
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

# shellcheck disable=SC2086  # the C_* values are space-separated lists of numbers, split on purpose
tsv_row() {  # kind workload path target
    local kind=$1 w=$2 path=$3 t=$4 key="$2|$4" status reason="" rps="" lo="" hi="" p50="" p99="" srv="" db="" foreign="" rss="" errors=""
    key="$t|$w"
    status=${R_STATUS[$key]:-failed}
    [[ -z ${NA[$key]:-} ]] || { status=na; reason=${NA[$key]}; }
    if [[ $status == ok ]]; then
        rps=$(median ${C_RPS[$key]}); lo=$(minimum ${C_RPS[$key]}); hi=$(maximum ${C_RPS[$key]})
        p50=$(median ${C_P50[$key]}); p99=$(median ${C_P99[$key]})
        srv=$(mean ${C_SRV[$key]}); db=$(mean ${C_DB[$key]}); foreign=$(mean ${C_FOREIGN[$key]})
        rss=${R_RSS[$key]}
        errors=$(( C_NON2XX[$key] + C_SOCKERR[$key] ))
    fi
    # Per rep, req/s and server CPUs side by side: report.py divides them into CPU per request
    # (and, for --processes, the front's and the workers' share with the split).
    printf '%s\t' "$kind" "$w" "$path" "$t" "$status" "$reason" "$rps" "$lo" "$hi" "$p50" "$p99" "$srv" "$db" "$foreign" "$rss" "$errors" \
        "${C_SPLIT[$key]:-}" "${C_REDONE[$key]:-0}" "${C_FLAGGED[$key]:-0}" "$( [[ $status != ok ]] || echo ${C_RPS[$key]})"
    printf '%s\n' "$( [[ $status != ok ]] || echo ${C_SRV[$key]})"
}

{
    printf 'kind\tworkload\tpath\ttarget\tstatus\treason\trps\trps_min\trps_max\tp50_ms\tp99_ms\tserver_cpus\tdb_cpus\tforeign_cpus\trss_mib\terrors\tsplit\tredone\tflagged\trps_reps\tcpus_reps\n'
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
