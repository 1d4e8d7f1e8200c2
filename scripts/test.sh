#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then runs the xunit tests
# (gateway, through WebApplicationFactory and real processes), the pytest suite (the robyn
# package) and the users example's tests (on a throwaway PostgreSQL), all on CPython 3.11 (the
# machine's). Then, on CPython 3.13 and 3.14, each in a Debian root (scripts/python-root.sh: made
# once, cached under .cache/roots, needs the Debian mirror the first time), the part where the
# Python version matters: the xunit tests that embed Python in process (NEWER_XUNIT below) and
# the whole pytest suite. ROBYN_TEST_PYTHONS picks those versions ("3.13 3.14" by default; empty
# skips them). All always run; the exit code is non-zero if any fails.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh || exit 1

# The newer Pythons' roots are made (a first run: minutes of download and unpacking) while the
# 3.11 runs go on, so CI waits for them only where they are slower than those.
declare -A root_job root_log
for version in ${ROBYN_TEST_PYTHONS-3.13 3.14}; do
    root_log[$version]=$(mktemp)
    bash scripts/python-root.sh "$version" >"${root_log[$version]}" 2>&1 &
    root_job[$version]=$!
done

dotnet_log=$(mktemp)
# One build for both runners, before either starts: the xunit tests run it (--no-build), and
# the pytest suite's TestClient loads the gateway from its output (ROBYN_GATEWAY_DLL), so
# pytest never builds on its own. A failed build fails the dotnet run below.
dotnet build RobynGateway.sln -nologo 2>&1 | tee "$dotnet_log"
# A hung test fails the run after 3 minutes instead of eating CI's budget.
dotnet test RobynGateway.sln --no-build --blame-hang-timeout 3m 2>&1 | tee -a "$dotnet_log"
dotnet_rc=${PIPESTATUS[0]}

pytest_log=$(mktemp)
ROBYN_GATEWAY_DLL="$PWD/src/RobynGateway/bin/Debug/net10.0/RobynGateway.dll" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python tests/wild 2>&1 | tee "$pytest_log"
pytest_rc=${PIPESTATUS[0]}

# The examples' own tests (the users API, and the deep-dive document's app run as it says), against
# a real PostgreSQL that postgres.sh starts and stops.
example_log=$(mktemp)
ROBYN_GATEWAY_DLL="$PWD/src/RobynGateway/bin/Debug/net10.0/RobynGateway.dll" \
    bash scripts/postgres.sh /usr/bin/python3 -m pytest -q -p no:cacheprovider examples/users/tests examples/deep_dive/tests 2>&1 | tee "$example_log"
example_rc=${PIPESTATUS[0]}

# One closing line for all runners: "suite: N passed, N failed", and one per Python version.
count() { grep -oE "$1" "$2" | grep -oE '[0-9]+' | tail -1; }
passed=0 failed=0 ok=true summary=()
tally() {   # tally VERSION KIND LOG RC: adds one runner's counts; a failed run without failed tests counts one
    local p f
    if [ "$2" = xunit ]; then p=$(count 'Passed: +[0-9]+' "$3"); f=$(count 'Failed: +[0-9]+' "$3")
    else p=$(count '[0-9]+ passed' "$3"); f=$(count '[0-9]+ failed' "$3"); fi
    p=${p:-0} f=${f:-0}
    [ "$4" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # build error, crash, no root, PostgreSQL did not start
    [ "$4" -ne 0 ] && ok=false
    passed=$((passed + p)) failed=$((failed + f))
    summary+=("$1 $2: $p passed, $f failed")
}
tally 3.11 xunit "$dotnet_log" "$dotnet_rc"
tally 3.11 pytest "$pytest_log" "$pytest_rc"
tally 3.11 examples "$example_log" "$example_rc"

# The newer versions. The xunit part is the tests that run Python in the test process through
# WebApplicationFactory (routing, handlers, hooks, websockets, the C API) and the watchdog's
# (stacks come from faulthandler on 3.13+); the process-level ones (workers, lifecycle,
# deployment) exercise C# and took the most time, so they run on 3.11 only.
# BroadcastTests are Redis and C# only (and the roots have no redis-server): the host runs them.
NEWER_XUNIT='(FullyQualifiedName~.Handlers.|FullyQualifiedName~.Hooks.|FullyQualifiedName~.Routing.|FullyQualifiedName~.WebSockets.|FullyQualifiedName~.Python.|FullyQualifiedName~.Sessions.|FullyQualifiedName~.Auth.|FullyQualifiedName~.TestClient.|FullyQualifiedName~.Examples.|FullyQualifiedName~.HangWatchTests.)&FullyQualifiedName!~.BroadcastTests'
for version in ${ROBYN_TEST_PYTHONS-3.13 3.14}; do
    echo; echo "== CPython $version (scripts/python-root.sh $version)"
    log=$(mktemp)
    wait "${root_job[$version]}"; root_rc=$?
    cat "${root_log[$version]}" | tee "$log"; rm -f "${root_log[$version]}"
    if [ "$root_rc" -eq 0 ]; then
        bash scripts/python-root.sh "$version" -- dotnet test tests/RobynGateway.Tests --no-build \
            --blame-hang-timeout 3m --filter "$NEWER_XUNIT" 2>&1 | tee "$log"
        tally "$version" xunit "$log" "${PIPESTATUS[0]}"
        ROBYN_GATEWAY_DLL="$PWD/src/RobynGateway/bin/Debug/net10.0/RobynGateway.dll" \
            bash scripts/python-root.sh "$version" -- python3 -m pytest -q -p no:cacheprovider tests/python 2>&1 | tee "$log"
        tally "$version" pytest "$log" "${PIPESTATUS[0]}"
    else
        tally "$version" root "$log" 1   # no network for the first run, say; the message is above
    fi
    rm -f "$log"
done
rm -f "$dotnet_log" "$pytest_log" "$example_log"

echo
printf '%s\n' "${summary[@]}"
echo "suite: $passed passed, $failed failed"
$ok
