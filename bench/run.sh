#!/usr/bin/env bash
# RobynGateway benchmark: the gateway against bare Kestrel (the ceiling), same machine, same run.
#
#   bash bench/run.sh            # full run (about 4 minutes with the defaults)
#   bash bench/run.sh --quick    # smoke run: WARMUP=3 DURATION=3 REPS=1, numbers not meaningful
#
# Environment: WARMUP (s, default 20), DURATION (s per rep, default 10), REPS (default 3),
# CONNECTIONS (default 64), WRK_THREADS (default 1), LOAD_WARN (default 0.5),
# STARTUP_TIMEOUT (s, default 60), ONLY (a regex: run the workloads whose name matches),
# BEFORE_DLL (a RobynGateway.dll built from an older commit: adds a gateway-before row, for the
# before/after figures of a change to the per-request path; BEFORE_APP: the app it serves, when the
# current bench app needs features the older build lacks). See bench/README.md.
#
# Adding a target (uvicorn + FastAPI, gunicorn + Flask, ...): write one target_* function that
# calls `measure <name> <command...>` with the literal {port} where the port goes, serving the
# routes of the WORKLOADS table below on 127.0.0.1, and add it to TARGETS.
set -euo pipefail

SCRIPT=$(realpath "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SCRIPT")/.." && pwd)
cd "$ROOT"

# ---------------------------------------------------------------- settings

# The exact command, with the overrides that were set in the environment.
COMMAND=""
for var in WARMUP DURATION REPS CONNECTIONS WRK_THREADS LOAD_WARN STARTUP_TIMEOUT ONLY BEFORE_DLL; do
    if [[ -n ${!var+x} ]]; then COMMAND+="$var=$(printf '%q' "${!var}") "; fi
done
COMMAND+="bash $(realpath --relative-to="$ROOT" "$SCRIPT")"
for arg in "$@"; do COMMAND+=" $(printf '%q' "$arg")"; done

WARMUP=${WARMUP:-20}
DURATION=${DURATION:-10}
REPS=${REPS:-3}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-1}
LOAD_WARN=${LOAD_WARN:-0.5}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-60}
STOP_TIMEOUT=20
QUICK=0

usage() { sed -n '2,13p' "$SCRIPT" | sed 's/^# \{0,1\}//'; }

for arg in "$@"; do
    case $arg in
        --quick) QUICK=1; WARMUP=3; DURATION=3; REPS=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "error: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
    esac
done

for var in WARMUP DURATION REPS CONNECTIONS WRK_THREADS STARTUP_TIMEOUT; do
    if ! [[ ${!var} =~ ^[0-9]+$ ]]; then
        echo "error: $var=${!var}: expected a whole number" >&2; exit 2
    fi
done
for var in DURATION REPS CONNECTIONS WRK_THREADS STARTUP_TIMEOUT; do
    if (( ${!var} < 1 )); then echo "error: $var must be at least 1" >&2; exit 2; fi
done
if ! [[ $LOAD_WARN =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
    echo "error: LOAD_WARN=$LOAD_WARN: expected a number" >&2; exit 2
fi

# Workloads: "name|path|expected body". Every target must serve all of them with the same
# response: 200, Content-Type: application/json, this body.
WORKLOADS=(
    'sync JSON|/json|{"hello":"world"}'
    'async JSON|/async-json|{"hello":"world"}'
    'hooked JSON|/hooked/json|{"hello":"world"}'
    'static file|/static/hello.json|{"hello":"world"}'
)
# WebSocket workloads: "name|path". bench/WsLoad keeps CONNECTIONS clients each sending a 32-byte
# text message and waiting for its echo; the rate is echoed messages per second.
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
BASELINE=bare-kestrel   # the ratio column is target req/s divided by this target's req/s

GATEWAY_DLL=src/RobynGateway/bin/Release/net10.0/RobynGateway.dll
BARE_DLL=bench/BareKestrel/bin/Release/net10.0/BareKestrel.dll
WSLOAD_DLL=bench/WsLoad/bin/Release/net10.0/WsLoad.dll
APP=bench/apps/bench_app.py
RESULTS=bench/results
RAW=$RESULTS/raw

target_gateway() {
    measure gateway dotnet "$GATEWAY_DLL" "$APP" --host 127.0.0.1 --port '{port}' --log-level WARNING
}

# The same gateway embedding Debian's python3, whose event loop is uvloop (python3-uvloop) when
# installed: what async handlers gain from a faster loop.
target_gateway_uvloop() {
    measure gateway-uvloop dotnet "$GATEWAY_DLL" "$APP" --host 127.0.0.1 --port '{port}' --log-level WARNING \
        --python /usr/bin/python3
}

target_bare_kestrel() {
    measure bare-kestrel dotnet "$BARE_DLL" --host 127.0.0.1 --port '{port}' --static bench/apps/static
}

# An older build of the gateway, same app and Python: the "before" of a before/after comparison.
target_gateway_before() {
    measure gateway-before dotnet "$BEFORE_DLL" "${BEFORE_APP:-$APP}" --host 127.0.0.1 --port '{port}' --log-level WARNING
}

TARGETS=(target_gateway)
[[ -n ${BEFORE_DLL:-} ]] && TARGETS+=(target_gateway_before)
if /usr/bin/python3 -c 'import uvloop' 2>/dev/null; then
    TARGETS+=(target_gateway_uvloop)
fi
TARGETS+=(target_bare_kestrel)

# ---------------------------------------------------------------- helpers

log() { printf '%s\n' "$*" >&2; }
NOTES=()
note() { NOTES+=("$*"); log "  ! $*"; }
FAILED=0

SERVER_PID=""

# True while the process exists and is not a zombie (our exited children stay zombies until waited).
alive() {
    local state
    state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

# Stops a server we started: SIGTERM to its PID, bounded wait, SIGKILL as a last resort.
# Sets STOP_RC to its exit code. Never call it in $(...): only this shell can wait for its child.
STOP_RC=0
stop_server() {
    local pid=$1 i rc=0
    kill -TERM "$pid" 2>/dev/null || true
    for (( i = 0; i < STOP_TIMEOUT * 10; i++ )); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        log "  ! pid $pid still running ${STOP_TIMEOUT}s after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || rc=$?
    STOP_RC=$rc
}

cleanup() {
    if [[ -n $WRK_PID ]]; then
        kill -TERM "$WRK_PID" 2>/dev/null || true
        wait "$WRK_PID" 2>/dev/null || true
        WRK_PID=""
    fi
    if [[ -n $SERVER_PID ]]; then
        log "stopping server pid $SERVER_PID"
        stop_server "$SERVER_PID"
        SERVER_PID=""
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
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

# "pid ticks name" (user + system clock ticks) for every process, to name who else uses the CPU.
proc_snapshot() {
    cat /proc/[0-9]*/stat 2>/dev/null | sed -E 's/^([0-9]+) \((.*)\) (.*)$/\1\t\2\t\3/' \
        | awk -F '\t' '{ split($3, f, " "); print $1, f[12] + f[13], $2 }' || true
}

# top_procs <before-file> <after-file> <seconds> <pid to leave out>...: the processes that used
# at least 0.1 CPU in between, biggest first, as "pid command (CPUs)".
top_procs() {
    local before=$1 after=$2 secs=$3; shift 3
    local pid cpus name cmd out=""
    while read -r pid cpus name; do
        cmd=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-60) || true
        cmd=${cmd%% }
        out+="${out:+; }pid $pid ${cmd:-$name} ($cpus)"
    done < <(awk -v secs="$secs" -v skip=" $* $$ " '
        NR == FNR { a[$1] = $2; next }
        index(skip, " " $1 " ") == 0 {
            d = ($2 - a[$1]) / 100 / secs
            if (d >= 0.1) { name = $0; sub(/^[^ ]+ [^ ]+ /, "", name); printf "%s %.2f %s\n", $1, d, name }
        }' "$before" "$after" | sort -k2 -gr | head -3)
    echo "${out:-no running process over 0.1 CPU, so short-lived ones}"
}

# Busy CPUs (0..nproc) over one second, from /proc/stat; sets BUSY and BUSY_TOP (who).
BUSY=0 BUSY_TOP=""
sample_busy() {
    local a b p0 p1
    p0=$(mktemp); p1=$(mktemp)
    proc_snapshot >"$p0"
    a=$(head -1 /proc/stat); sleep 1; b=$(head -1 /proc/stat)
    proc_snapshot >"$p1"
    BUSY=$(busy_of "$a" "$b")
    BUSY_TOP=$(top_procs "$p0" "$p1" 1)
    rm -f "$p0" "$p1"
}

busy_of() {
    local a=$1 b=$2
    awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN {
        split(a, x); split(b, y); total = 0
        for (i = 2; i <= 9; i++) total += y[i] - x[i]
        idle = (y[5] - x[5]) + (y[6] - x[6])
        printf "%.2f", (total > 0 ? (total - idle) / total * n : 0) }'
}

# Is something else loading the machine? Once before anything (the 1-minute load average),
# then before each measurement a 1-second CPU sample while none of our servers runs: by then the
# load average still carries our own build and previous measurement.
initial_load_check() {
    local load busy
    load=$(cut -d' ' -f1 /proc/loadavg)
    sample_busy; busy=$BUSY
    if awk -v b="$busy" -v t="$LOAD_WARN" 'BEGIN { exit !(b > t) }'; then
        note "before start: ${busy} CPUs busy (1-min loadavg $load; top: $BUSY_TOP): something else is loading the machine; results are suspect"
    elif awk -v l="$load" -v t="$LOAD_WARN" 'BEGIN { exit !(l > t) }'; then
        note "before start: 1-min loadavg $load > $LOAD_WARN: the machine was busy during the last minute (idle now: ${busy} CPUs busy); the per-measurement checks below tell whether it stayed quiet"
    else
        log "load before start: 1-min loadavg $load, ${busy} CPUs busy"
    fi
}

check_quiet() {
    local label=$1 load busy
    load=$(cut -d' ' -f1 /proc/loadavg)
    sample_busy; busy=$BUSY
    if awk -v b="$busy" -v t="$LOAD_WARN" 'BEGIN { exit !(b > t) }'; then
        note "$label: ${busy} CPUs busy with other processes just before start (1-min loadavg $load; top: $BUSY_TOP); results are suspect"
    else
        log "  load: ${busy} CPUs busy before start (1-min loadavg $load, includes our previous runs)"
    fi
}

# CPU accounting during the measured runs, in clock ticks: all CPUs busy (user, nice, system,
# steal; irq and softirq left out, as they are mostly our own loopback traffic), the server, and
# the children this shell has waited for (wrk). What is left was used by other processes.
cpu_snapshot() {  # server-pid -> "busy total server children"
    local stat self srv
    stat=$(head -1 /proc/stat)
    srv=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }')
    self=$(sed 's/^.*) //' "/proc/$$/stat" | awk '{ print $14 + $15 }')
    awk -v a="$stat" -v s="${srv:-0}" -v c="$self" 'BEGIN {
        split(a, x); total = 0
        for (i = 2; i <= 9; i++) total += x[i]
        print x[2] + x[3] + x[4] + x[9], total, s, c }'
}

# "before after" snapshots -> "server_cpus foreign_cpus" (average CPUs over the interval)
cpu_usage() {
    awk -v a="$1" -v b="$2" -v n="$(nproc)" 'BEGIN {
        split(a, x); split(b, y)
        wall = (y[2] - x[2]) / n
        if (wall <= 0) { print "0.00 0.00"; exit }
        srv = (y[3] - x[3]) / wall; ours = srv + (y[4] - x[4]) / wall
        foreign = (y[1] - x[1]) / wall - ours
        printf "%.2f %.2f", srv, (foreign < 0 ? 0 : foreign) }'
}

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

# url seconds outfile. Bounded by timeout in case wrk hangs; run in the background and waited
# for, so that a SIGTERM/SIGINT to this script is handled at once rather than after the run.
WRK_PID=""
run_wrk() {
    local url=$1 secs=$2 out=$3 rc=0
    timeout $(( secs + 30 )) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${secs}s" --latency "$url" >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || rc=$?
    WRK_PID=""
    return "$rc"
}

# Results, keyed "target|workload".
declare -A R_RPS R_SPREAD R_P50 R_P99 R_RSS R_ERR R_STATUS R_CPU
MEASURED_TARGETS=()

# measure <target-name> <command...>: for each workload, starts the command ({port} replaced by a
# free loopback port), checks the response, warms up, runs REPS wrk runs, records RSS, stops it.
measure() {
    local name=$1; shift
    MEASURED_TARGETS+=("$name")
    local entry wname path expect
    for entry in "${WORKLOADS[@]}"; do
        IFS='|' read -r wname path expect <<<"$entry"
        measure_one "$name" "$wname" "$path" "$expect" "$@" || { R_STATUS["$name|$wname"]=failed; FAILED=1; }
    done
    for entry in "${WS_WORKLOADS[@]}"; do
        IFS='|' read -r wname path <<<"$entry"
        measure_ws_one "$name" "$wname" "$path" "$@" || { R_STATUS["$name|$wname"]=failed; FAILED=1; }
    done
}

# measure_ws_one <target> <workload> <path> <command...>: like measure_one, with bench/WsLoad
# (warm-up and REPS runs in one client process, on the same connections) instead of wrk.
measure_ws_one() {
    local name=$1 wname=$2 path=$3; shift 3
    local key="$name|$wname" slug port pid out rc=0 tag rep rate p50 p99 errs errors=0
    local -a rates=() p50s=() p99s=()
    slug=$(echo "$name-$wname" | tr 'A-Z ,.' 'a-z---')
    log ""
    log "== $name, $wname ($path)"
    check_quiet "$name/$wname"
    launch "$name/$wname" "$slug" "$@" || return 1
    port=$LAUNCH_PORT pid=$LAUNCH_PID

    local snap0 snap1 srv_cpus foreign_cpus
    snap0=$(cpu_snapshot "$pid")
    out="$RAW/$slug.wsload.txt"
    log "  warm-up ${WARMUP}s, then ${REPS} x ${DURATION}s of websocket echo on $CONNECTIONS connections"
    timeout $(( WARMUP + REPS * DURATION + 60 )) dotnet "$WSLOAD_DLL" --url "ws://127.0.0.1:$port$path" \
        --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION" --reps "$REPS" >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || rc=$?
    WRK_PID=""
    while read -r tag rep rate p50 p99 errs; do
        [[ $tag == rep ]] || continue
        rates+=("$rate"); p50s+=("$p50"); p99s+=("$p99"); errors=$(( errors + errs ))
        log "  rep $rep/$REPS: $rate msg/s, p50 $p50 ms, p99 $p99 ms$( (( errs == 0 )) || echo ", errors $errs")"
    done <"$out"
    snap1=$(cpu_snapshot "$pid")
    read -r srv_cpus foreign_cpus <<<"$(cpu_usage "$snap0" "$snap1")"
    land "$name/$wname" "$slug" "$pid"
    if (( rc != 0 || ${#rates[@]} != REPS )); then
        note "$name/$wname: the websocket load failed (exit $rc):"; sed 's/^/      /' "$out" | tail -5 >&2
        return 1
    fi
    awk -v f="$foreign_cpus" -v t="$LOAD_WARN" 'BEGIN { exit !(f > t) }' \
        && note "$name/$wname: other processes used ${foreign_cpus} CPUs on average during the measured runs; results are suspect"
    R_RPS[$key]=$(median "${rates[@]}")
    R_SPREAD[$key]="$(printf '%.0f' "$(minimum "${rates[@]}")")–$(printf '%.0f' "$(maximum "${rates[@]}")")"
    R_P50[$key]=$(median "${p50s[@]}")
    R_P99[$key]=$(median "${p99s[@]}")
    R_RSS[$key]=$LAND_RSS
    R_ERR[$key]=$errors
    (( errors == 0 )) || note "$name/$wname: $errors failed echoes"
    R_CPU[$key]=$srv_cpus
    R_STATUS[$key]=ok
}

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
    SERVER_PID=$pid
    log "  started pid $pid: ${cmd[*]}"

    for (( i = 0; i < STARTUP_TIMEOUT * 10; i++ )); do
        port_open "$port" && break
        alive "$pid" || break
        sleep 0.1
    done
    if ! alive "$pid" || ! port_open "$port"; then
        local why="did not open port $port within ${STARTUP_TIMEOUT}s"
        alive "$pid" || why="exited before opening port $port"
        SERVER_PID=""; stop_server "$pid"
        [[ $why != exited* ]] || why+=" (exit code $STOP_RC)"
        note "$label: server $why; last log line: $(grep -v '^[[:space:]]*$' "$RAW/$slug.server.log" | tail -1 | cut -c1-200) (full log: $RAW/$slug.server.log)"
        sed 's/^/      /' "$RAW/$slug.server.log" | tail -20 >&2
        return 1
    fi
    log "  port $port open after $(awk -v i="$i" 'BEGIN { printf "%.1f", i / 10 }') s"
    LAUNCH_PORT=$port LAUNCH_PID=$pid
}

# land <label> <slug> <pid>: reads the server's RSS (into LAND_RSS, MiB), stops it, notes a bad exit.
LAND_RSS="?"
land() {
    local label=$1 slug=$2 pid=$3 rss_kb
    rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    LAND_RSS=$( [[ -n $rss_kb ]] && awk -v k="$rss_kb" 'BEGIN { printf "%.0f", k / 1024 }' || echo "?")
    SERVER_PID=""
    stop_server "$pid"
    [[ $STOP_RC == 0 ]] || note "$label: server exited with code $STOP_RC after SIGTERM (expected 0); log $RAW/$slug.server.log"
    if [[ -s $RAW/$slug.server.log ]]; then
        log "  server log ($RAW/$slug.server.log):"; head -5 "$RAW/$slug.server.log" | sed 's/^/      /' >&2
    fi
}

measure_one() {
    local name=$1 wname=$2 path=$3 expect=$4; shift 4
    local key="$name|$wname" slug port pid resp body ctype rep out parsed
    local -a rpss=() p50s=() p99s=()
    slug=$(echo "$name-$wname" | tr 'A-Z ' 'a-z-')
    log ""
    log "== $name, $wname ($path)"
    check_quiet "$name/$wname"

    launch "$name/$wname" "$slug" "$@" || return 1
    port=$LAUNCH_PORT pid=$LAUNCH_PID

    resp=$(http_get "$port" "$path") || true
    body=$(printf '%s\n' "$resp" | sed '1,/^$/d')
    ctype=$(printf '%s\n' "$resp" | sed -n '1,/^$/{s/^[Cc]ontent-[Tt]ype:[[:space:]]*//p}')
    if [[ $(printf '%s\n' "$resp" | head -1) != "HTTP/1.1 200"* || $body != "$expect" || $ctype != application/json* ]]; then
        note "$name/$wname: GET $path did not answer 200 application/json $expect; got '$(printf '%s\n' "$resp" | head -1)', Content-Type '$ctype', body '$(printf '%s' "$body" | head -c 100 | tr '\n' ' ')'"
        printf '%s\n' "$resp" | head -12 | sed 's/^/      /' >&2
        SERVER_PID=""; stop_server "$pid"
        return 1
    fi

    local url="http://127.0.0.1:$port$path" non2xx=0 sockerr=0 r p50 p99 n s
    if (( WARMUP > 0 )); then
        log "  warm-up ${WARMUP}s"
        out="$RAW/$slug.warmup.txt"
        if ! run_wrk "$url" "$WARMUP" "$out"; then
            note "$name/$wname: wrk warm-up failed:"; sed 's/^/      /' "$out" >&2
            SERVER_PID=""; stop_server "$pid"
            return 1
        fi
        if parsed=$(parse_wrk "$out"); then
            read -r r p50 p99 n s <<<"$parsed"
            (( n + s == 0 )) || note "$name/$wname: warm-up had $n non-2xx responses and $s socket errors"
        fi
    fi

    local snap0 snap1 usage srv_cpus foreign_cpus
    snap0=$(cpu_snapshot "$pid")
    proc_snapshot >"$RAW/$slug.procs0"
    local t0=$SECONDS
    for (( rep = 1; rep <= REPS; rep++ )); do
        out="$RAW/$slug.rep$rep.txt"
        if ! run_wrk "$url" "$DURATION" "$out" || ! parsed=$(parse_wrk "$out"); then
            note "$name/$wname: wrk rep $rep failed:"; sed 's/^/      /' "$out" >&2
            SERVER_PID=""; stop_server "$pid"
            return 1
        fi
        read -r r p50 p99 n s <<<"$parsed"
        rpss+=("$r"); p50s+=("$p50"); p99s+=("$p99")
        non2xx=$(( non2xx + n )); sockerr=$(( sockerr + s ))
        log "  rep $rep/$REPS: $r req/s, p50 $p50 ms, p99 $p99 ms$( (( n + s == 0 )) || echo ", non-2xx $n, socket errors $s")"
    done

    snap1=$(cpu_snapshot "$pid")
    proc_snapshot >"$RAW/$slug.procs1"
    usage=$(cpu_usage "$snap0" "$snap1")
    read -r srv_cpus foreign_cpus <<<"$usage"
    log "  CPU during the measured runs: server ${srv_cpus}, other processes ${foreign_cpus} (of $(nproc))"
    if awk -v f="$foreign_cpus" -v t="$LOAD_WARN" 'BEGIN { exit !(f > t) }'; then
        note "$name/$wname: other processes used ${foreign_cpus} CPUs on average during the measured runs (top: $(top_procs "$RAW/$slug.procs0" "$RAW/$slug.procs1" $(( SECONDS - t0 > 0 ? SECONDS - t0 : 1 )) "$pid")); results are suspect"
    fi
    rm -f "$RAW/$slug.procs0" "$RAW/$slug.procs1"

    land "$name/$wname" "$slug" "$pid"

    R_RPS[$key]=$(median "${rpss[@]}")
    R_SPREAD[$key]="$(printf '%.0f' "$(minimum "${rpss[@]}")")–$(printf '%.0f' "$(maximum "${rpss[@]}")")"
    R_P50[$key]=$(median "${p50s[@]}")
    R_P99[$key]=$(median "${p99s[@]}")
    R_RSS[$key]=$LAND_RSS
    if (( non2xx + sockerr == 0 )); then R_ERR[$key]=0; else R_ERR[$key]="non-2xx $non2xx, socket $sockerr"; fi
    (( non2xx + sockerr == 0 )) || note "$name/$wname: $non2xx non-2xx responses and $sockerr socket errors in the measured runs"
    R_CPU[$key]=$srv_cpus
    R_STATUS[$key]=ok
    if (( REPS > 1 )); then
        awk -v lo="$(minimum "${rpss[@]}")" -v hi="$(maximum "${rpss[@]}")" -v m="${R_RPS[$key]}" \
            'BEGIN { exit !((hi - lo) / m > 0.10) }' \
            && note "$name/$wname: req/s spread ${R_SPREAD[$key]} is more than 10% of the median"
    fi
    return 0
}

# table <workloads array name> <unit>
table() {
    local -n rows=$1
    local unit=$2 entry wname path expect t key base ratio
    (( ${#rows[@]} )) || return 0
    echo "| target | workload | $unit (median) | spread (min–max) | p50 ms | p99 ms | ratio vs $BASELINE | server CPUs | RSS MiB | errors |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
    for entry in "${rows[@]}"; do
        IFS='|' read -r wname path expect <<<"$entry"
        base=""
        [[ ${R_STATUS["$BASELINE|$wname"]:-} == ok ]] && base=${R_RPS["$BASELINE|$wname"]}
        for t in "${MEASURED_TARGETS[@]}"; do
            key="$t|$wname"
            if [[ ${R_STATUS[$key]:-} != ok ]]; then
                echo "| $t | $wname ($path) | failed | | | | | | | see notes |"
                continue
            fi
            ratio="n/a"
            [[ -n $base ]] && ratio=$(awk -v a="${R_RPS[$key]}" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
            printf '| %s | %s (%s) | %.0f | %s | %.2f | %.2f | %s | %s | %s | %s |\n' \
                "$t" "$wname" "$path" "${R_RPS[$key]}" "${R_SPREAD[$key]}" "${R_P50[$key]}" "${R_P99[$key]}" \
                "$ratio" "${R_CPU[$key]}" "${R_RSS[$key]}" "${R_ERR[$key]}"
        done
    done
}

# ---------------------------------------------------------------- prerequisites

missing=()
command -v wrk >/dev/null || missing+=("wrk (HTTP load generator): sudo apt-get install wrk")
if ! command -v dotnet >/dev/null; then
    missing+=("dotnet (.NET SDK 10): see https://learn.microsoft.com/dotnet/core/install/linux-debian (e.g. sudo apt-get install dotnet-sdk-10.0 from packages.microsoft.com)")
elif ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
    missing+=(".NET SDK 10 (dotnet is there but has SDKs: $(dotnet --list-sdks 2>/dev/null | cut -d' ' -f1 | tr '\n' ' ')): install dotnet-sdk-10.0")
fi
command -v python3 >/dev/null || missing+=("python3 (embedded by the gateway): sudo apt-get install python3 python3-dev")
command -v timeout >/dev/null || missing+=("timeout: sudo apt-get install coreutils")
if (( ${#missing[@]} )); then
    echo "error: missing prerequisites (nothing was installed):" >&2
    printf '  - %s\n' "${missing[@]}" >&2
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
build bench/BareKestrel
build bench/WsLoad
[[ -f $GATEWAY_DLL ]] || { echo "error: $GATEWAY_DLL not found after the build" >&2; exit 1; }
[[ -f $BARE_DLL ]] || { echo "error: $BARE_DLL not found after the build" >&2; exit 1; }
[[ -f $WSLOAD_DLL ]] || { echo "error: $WSLOAD_DLL not found after the build" >&2; exit 1; }

mkdir -p "$RESULTS"
rm -rf "$RAW"
mkdir -p "$RAW"

# ---------------------------------------------------------------- environment facts

DATE=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
NPROC=$(nproc)
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[[ -n $CPU ]] || CPU=$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')
CPU=${CPU:-unknown}
DOTNET_SDK=$(dotnet --version)
ASPNET=$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" && $2 ~ /^10\./ { v = $2 } END { print (v ? v : "none") }')
PYTHON=$(python3 -c 'import platform, sys; print(platform.python_version(), "(" + sys.executable + ")")')
WRK=$(wrk -v 2>&1 | head -1 || true)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || COMMIT+=" + uncommitted changes"

log ""
log "settings: warm-up ${WARMUP}s, ${REPS} x ${DURATION}s, wrk -t$WRK_THREADS -c$CONNECTIONS, $NPROC CPUs ($CPU)"

# ---------------------------------------------------------------- measure

for target in "${TARGETS[@]}"; do
    "$target"
done

# ---------------------------------------------------------------- report

REPORT=$(
    echo "# RobynGateway benchmark, $DATE"
    echo
    (( QUICK )) && { echo "**Quick smoke run (--quick): too short for meaningful numbers.**"; echo; }
    echo "- Command: \`$COMMAND\`"
    echo "- Method: per target and workload a fresh server on 127.0.0.1, ${WARMUP} s wrk warm-up, then ${REPS} x \`wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s --latency\`; req/s, p50 and p99 are medians over the reps; RSS read after the load"
    echo "- Machine: $NPROC CPUs (nproc), $CPU, $(uname -sr); wrk and the server share these CPUs"
    echo "- .NET: SDK $DOTNET_SDK, ASP.NET Core runtime $ASPNET"
    echo "- Python: $PYTHON"
    echo "- wrk: $WRK"
    echo "- Commit: $COMMIT"
    echo
    table WORKLOADS req/s
    echo
    table WS_WORKLOADS "echoed msg/s"
    if (( ${#NOTES[@]} )); then
        echo
        echo "Notes:"
        printf -- '- %s\n' "${NOTES[@]}"
    fi
    echo
    echo "Raw wrk output and server logs: \`$RAW/\`"
)
printf '%s\n' "$REPORT" >"$RESULTS/latest.md"
echo
printf '%s\n' "$REPORT"
echo
echo "written to $RESULTS/latest.md"
exit "$FAILED"
