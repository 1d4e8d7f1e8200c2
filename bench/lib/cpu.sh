# shellcheck shell=bash
# Who uses the CPU while a server is measured. Sourced by bench/run.sh, which defines log, note
# and the settings used here (NPROC, LOAD_WARN, QUIET_WAIT); PG_PID comes from postgres.sh.

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
            spl = sprintf("%.3f", (own1[srv] - own0[srv]) / wall) "|"
            for (i = 1; i <= k; i++) spl = spl (i > 1 ? "," : "") sprintf("%.3f", kid[ids[i]] / wall)
        }
    }
    if (mode == "top") {
        for (p in top) printf "%s %.2f %s\n", p, top[p], names[p]
        exit
    }
    # The server CPUs and the split with 3 decimals: report.py divides them by req/s into CPU per
    # request, where 2 decimals of a 0.07-CPU worker were a 7% error.
    printf "%.3f %.2f %.2f %s\n", s / wall, g / wall, foreign, spl
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
