#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then runs the xunit tests
# (gateway, through WebApplicationFactory and real processes), the pytest suite (the robyn
# package) and the users example's tests (on a throwaway PostgreSQL), all on CPython 3.11 (the
# machine's). Then, on CPython 3.13 and 3.14, each in a Debian root (scripts/python-root.sh: made
# once, cached under .cache/roots, needs the Debian mirror the first time), the part where the
# Python version matters: the xunit tests that embed Python in process (NEWER_XUNIT below) and
# the pytest suite but for its version_independent files (tests/python/conftest.py says which).
# ROBYN_TEST_PYTHONS picks those versions ("3.13 3.14" by default; empty skips them). All always
# run; the exit code is non-zero if any fails.
#
# After the build, three runners: the 3.11 xunit tests, the 3.11 pytest suite and the examples,
# and the newer versions one after the other. They run one after the other (as CI runs them: the
# process tests hold their timing on a loaded 2-core machine, but three runners at once on two
# cores is more than they were made for). Most of the suite waits (for processes to start, for
# timeouts and drains), so on a machine with cores to spare ROBYN_TEST_PARALLEL=1 runs the three
# side by side, each on a loopback of its own where it starts servers (unshare -n: no two runners
# can pick the same free port). Either way the xunit classes that time answers in tens of
# milliseconds ([Collection(TimingSensitive.Name)]) run last, alone on the machine.
# A runner's output is printed whole when it ends; the closing lines sum them up.
#
# ROBYN_TEST_TIMING=DIR (off by default) records where the time goes: each run's wall time and
# start in DIR/phases.txt, each xunit run's per-test durations in a .trx file there, and pytest's
# slowest tests (--durations) in its output.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh || exit 1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
timing=${ROBYN_TEST_TIMING:-}
pytest_timing=()
[ -n "$timing" ] && { mkdir -p "$timing"; pytest_timing=(--durations=80 --durations-min=0.5); }
xunit_timing() { [ -n "$timing" ] && printf '%s\n' --logger "trx;LogFileName=$1.trx" --results-directory "$timing"; }
started=$SECONDS

# run NAME COMMAND...: COMMAND's output to $work/NAME.log and its exit code to NAME.rc; the log
# is printed whole when it ends (one runner's at a time), then a line with its wall time.
run() {
    local name=$1 start=$SECONDS rc; shift
    "$@" >"$work/$name.log" 2>&1
    rc=$?
    echo "$rc" >"$work/$name.rc"
    {
        flock 9
        echo; echo "== $name"; cat "$work/$name.log"
        echo "== $name: exit code $rc, $((SECONDS - start)) s (from $((start - started)) s)"
    } 9>"$work/print.lock"
    [ -n "$timing" ] && echo "$name $((SECONDS - start))s (from +$((start - started))s)" >>"$timing/phases.txt"
    return 0
}

# isolated COMMAND...: COMMAND on a network namespace of its own with loopback up. Side by side
# only with ROBYN_TEST_PARALLEL=1 and where that is possible (unshare -n).
isolate=0
unshare -n true 2>/dev/null && command -v ip >/dev/null && isolate=1
side_by_side=0
[ "${ROBYN_TEST_PARALLEL:-}" = 1 ] && side_by_side=$isolate
isolated() {
    if [ "$isolate" = 1 ]; then unshare -n bash -c 'ip link set lo up && exec "$@"' isolated "$@"; else "$@"; fi
}

# The newer Pythons' roots are made (a first run: minutes of download and unpacking, with the
# network, so not isolated) while the build and the 3.11 runs go on; their runner waits for them.
versions=${ROBYN_TEST_PYTHONS-3.13 3.14}
for version in $versions; do
    ( bash scripts/python-root.sh "$version" >"$work/root-$version.log" 2>&1; echo $? >"$work/root-$version.rc" ) &
done

# One build for all runners, before any starts: the xunit tests run it (--no-build), and the
# pytest suite's TestClient loads the gateway from its output (ROBYN_GATEWAY_DLL), so pytest
# never builds on its own. A failed build fails the xunit runs.
run build dotnet build RobynGateway.sln -nologo
gateway_dll="$PWD/src/RobynGateway/bin/Debug/net10.0/RobynGateway.dll"
# The gateway's NativeAOT image beside that build and the xunit tests' copy of it, as the wheel and
# the Docker image carry it, so every --processes test runs the front and workers users deploy
# (FrontImageTests check they are). The second call copies the first's.
run front bash -c 'bash scripts/build-front.sh "$1" && bash scripts/build-front.sh "$2"' front \
    "$(dirname "$gateway_dll")" tests/RobynGateway.Tests/bin/Debug/net10.0

# test_wheel's slow self-contained publish (scripts/build-wheel.sh caches it by a hash of the
# sources), made once here for every version: the cache is under the checkout, where the roots
# see it too, and it is filled before the runners start, so two never publish at once.
export ROBYN_WHEEL_CACHE=${ROBYN_WHEEL_CACHE:-$PWD/.cache/wheel}
run wheel bash scripts/build-wheel.sh "$work/wheel"

# The timing-sensitive xunit classes, found by their collection attribute.
timing_classes=$(grep -rh -A4 '^\[Collection(TimingSensitive.Name)\]' tests/RobynGateway.Tests --include='*.cs' \
    | grep -oE '\bclass [A-Za-z0-9_]+' | cut -d' ' -f2 | sort -u)
alone_filter=$(printf 'FullyQualifiedName~.%s.|' $timing_classes)
alone_filter=${alone_filter%|}
beside_filter=$(printf '&FullyQualifiedName!~.%s.' $timing_classes)

# The 3.11 xunit tests but the timing-sensitive ones (two classes at a time, xunit's default on
# two cores). A hung test fails the run after 3 minutes instead of eating CI's budget.
runner_xunit() {
    mapfile -t args < <(xunit_timing xunit-3.11)
    run "3.11 xunit" isolated dotnet test RobynGateway.sln --no-build --blame-hang-timeout 3m \
        --filter "FullyQualifiedName~RobynGateway.Tests$beside_filter" "${args[@]}"
}

# The pytest suite, then the examples' own tests (the users API, and the deep-dive document's app
# run as it says) against a real PostgreSQL that postgres.sh starts and stops. Not isolated: a
# first run's npm and dotnet tool tests may reach their registries.
runner_pytest() {
    run "3.11 pytest" env ROBYN_GATEWAY_DLL="$gateway_dll" \
        /usr/bin/python3 -m pytest -q -p no:cacheprovider "${pytest_timing[@]}" tests/python tests/wild
    run "3.11 examples" env ROBYN_GATEWAY_DLL="$gateway_dll" \
        bash scripts/postgres.sh /usr/bin/python3 -m pytest -q -p no:cacheprovider examples/users/tests examples/deep_dive/tests
}

# The newer versions. The xunit part is the tests that run Python in the test process through
# WebApplicationFactory (routing, handlers, hooks, websockets, the C API) and the watchdog's
# (stacks come from faulthandler on 3.13+); the process-level ones (workers, lifecycle,
# deployment) exercise C# and took the most time, so they run on 3.11 only, as do the
# timing-sensitive classes. BroadcastTests are Redis and C# only (and the roots have no
# redis-server): the host runs them. The pytest part is tests/python but for the files marked
# version_independent (C# behind a trivial app, or files: listeners, the dotnet tool, Grafana, k8s).
NEWER_XUNIT='(FullyQualifiedName~.Handlers.|FullyQualifiedName~.Hooks.|FullyQualifiedName~.Routing.|FullyQualifiedName~.WebSockets.|FullyQualifiedName~.Python.|FullyQualifiedName~.Sessions.|FullyQualifiedName~.Auth.|FullyQualifiedName~.TestClient.|FullyQualifiedName~.Examples.|FullyQualifiedName~.HangWatchTests.)&FullyQualifiedName!~.BroadcastTests'
runner_newer() {
    local version
    for version in $versions; do
        while [ ! -f "$work/root-$version.rc" ]; do sleep 1; done
        if [ "$(cat "$work/root-$version.rc")" -ne 0 ]; then
            # no network for the first run, say; the log says why
            run "$version root" bash -c 'cat "$1"; exit 1' root-log "$work/root-$version.log"
            continue
        fi
        mapfile -t args < <(xunit_timing "xunit-$version")
        run "$version xunit" isolated bash scripts/python-root.sh "$version" -- dotnet test tests/RobynGateway.Tests \
            --no-build --blame-hang-timeout 3m --filter "$NEWER_XUNIT$beside_filter" "${args[@]}"
        run "$version pytest" isolated env ROBYN_GATEWAY_DLL="$gateway_dll" bash scripts/python-root.sh "$version" -- \
            python3 -m pytest -q -p no:cacheprovider -m "not version_independent" "${pytest_timing[@]}" tests/python
    done
}

if [ "$side_by_side" = 1 ]; then
    runner_xunit & xunit_job=$!
    runner_pytest & pytest_job=$!
    runner_newer & newer_job=$!
    wait "$xunit_job" "$pytest_job" "$newer_job"
else
    runner_xunit; runner_pytest; runner_newer
fi

# Alone on the machine: nothing else runs beside these.
if [ -n "$alone_filter" ]; then
    mapfile -t args < <(xunit_timing xunit-3.11-alone)
    run "3.11 xunit alone" dotnet test RobynGateway.sln --no-build --blame-hang-timeout 3m --filter "$alone_filter" "${args[@]}"
fi

# One closing line for all runners: "suite: N passed, N failed", and one per run.
count() { grep -oE "$1" "$2" | grep -oE '[0-9]+' | tail -1; }
passed=0 failed=0 ok=true summary=()
tally() {   # tally NAME KIND: adds one run's counts; a failed run without failed tests counts one
    local log="$work/$1.log" rc p f
    [ -f "$work/$1.rc" ] || return 0
    rc=$(cat "$work/$1.rc")
    if [ "$2" = xunit ]; then p=$(count 'Passed: +[0-9]+' "$log"); f=$(count 'Failed: +[0-9]+' "$log")
    else p=$(count '[0-9]+ passed' "$log"); f=$(count '[0-9]+ failed' "$log"); fi
    p=${p:-0} f=${f:-0}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # build error, crash, no root, PostgreSQL did not start
    [ "$rc" -ne 0 ] && ok=false
    [ "$2" = build ] && [ "$rc" -eq 0 ] && return 0   # a line only if it failed
    passed=$((passed + p)) failed=$((failed + f))
    summary+=("$1: $p passed, $f failed")
}
tally build build
tally front build
tally "3.11 xunit" xunit
tally "3.11 xunit alone" xunit
tally "3.11 pytest" pytest
tally "3.11 examples" pytest
for version in $versions; do
    tally "$version root" root
    tally "$version xunit" xunit
    tally "$version pytest" pytest
done

echo
printf '%s\n' "${summary[@]}"
echo "suite: $passed passed, $failed failed"
$ok
