# shellcheck shell=bash
# wrk: running it (bounded, interruptible), reading its output, and statistics over the reps.
# Sourced by bench/run.sh, which defines WRK_THREADS, CONNECTIONS and WRK_PID (the running load
# generator, which its clean-up stops).

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
