# shellcheck shell=bash
# The servers under test: finding a port, starting one, checking its answer, reading its memory,
# stopping it (and what it started) by PID. Sourced by bench/run.sh, which defines log, note,
# RUNNING, RAW and the settings used here (STOP_TIMEOUT, STARTUP_TIMEOUT, BENCH_PYTHON).

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

# Resident memory of a process tree, MiB (summed: pages shared between processes count in each).
tree_rss() {
    local pid kb total=0
    while read -r pid; do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        total=$(( total + ${kb:-0} ))
    done < <(descendants "$1")
    awk -v k="$total" 'BEGIN { printf "%.0f", k / 1024 }'
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
