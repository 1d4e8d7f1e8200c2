#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then runs the xunit tests
# (gateway, through WebApplicationFactory and real processes), the pytest suite (the robyn
# package) and the users example's tests (on a throwaway PostgreSQL). All always run; the exit
# code is non-zero if any fails.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh || exit 1

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

# One closing line for both runners: "suite: N passed, N failed".
count() { grep -oE "$1" "$2" | grep -oE '[0-9]+' | tail -1; }
d_passed=$(count 'Passed: +[0-9]+' "$dotnet_log"); d_failed=$(count 'Failed: +[0-9]+' "$dotnet_log")
p_passed=$(count '[0-9]+ passed' "$pytest_log"); p_failed=$(count '[0-9]+ failed' "$pytest_log")
e_passed=$(count '[0-9]+ passed' "$example_log"); e_failed=$(count '[0-9]+ failed' "$example_log")
passed=$(( ${d_passed:-0} + ${p_passed:-0} + ${e_passed:-0} ))
failed=$(( ${d_failed:-0} + ${p_failed:-0} + ${e_failed:-0} ))
[ "$dotnet_rc" -ne 0 ] && [ "${d_failed:-0}" -eq 0 ] && failed=$((failed + 1))   # build error or crash
[ "$pytest_rc" -ne 0 ] && [ "${p_failed:-0}" -eq 0 ] && failed=$((failed + 1))
[ "$example_rc" -ne 0 ] && [ "${e_failed:-0}" -eq 0 ] && failed=$((failed + 1))  # e.g. PostgreSQL did not start
rm -f "$dotnet_log" "$pytest_log" "$example_log"

echo
echo "suite: $passed passed, $failed failed"
[ "$dotnet_rc" -eq 0 ] && [ "$pytest_rc" -eq 0 ] && [ "$example_rc" -eq 0 ]
