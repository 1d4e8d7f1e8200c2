#!/usr/bin/env bash
# A Debian root with a newer CPython, for running the gateway and its tests on that version:
#
#   bash scripts/python-root.sh 3.13                      # make the root (once), print its path
#   bash scripts/python-root.sh 3.14 -- python3 -V        # run a command inside it
#   bash scripts/python-root.sh 3.13 -- dotnet test RobynGateway.sln --no-build
#
# 3.13 is Debian 13 (trixie); 3.14 and 3.15 are Debian testing, whose python3 is one of them and
# which ships the other as python3.X beside it (as it does while it moves from one to the next). A
# version that is not the suite's python3 is installed beside it, with its libpython, and the
# command finds it first on PATH as python3 (the test packages' compiled parts, uvloop or
# pydantic-core, may exist for the default one only). The root is made with debootstrap under
# .cache/roots/<suite> (git-ignored) and reused while its stamp matches the package list below;
# making it needs the Debian mirror once (about 1-3 minutes), a made root needs no network.
# The command runs chrooted in a mount namespace of its own (unshare), so every mount (/proc,
# /dev, /sys, a fresh /tmp, the host's .NET and NuGet folders read-only, this checkout
# read-write at the same path) goes away when it ends, however it ends; it keeps this script's
# pid. The working directory is kept when it is inside the checkout or a folder under /tmp
# (bound in read-write), else it is the checkout; ROBYN_ROOT_SHARE_TMP=1 shares the host's
# /tmp. ROBYN_* variables and PYTHONPATH pass through; pass others with `env NAME=value command`.
# Needs root.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
version=${1:-}
shift || true
case "$version" in
    3.13) suite=trixie ;;
    3.14|3.15) suite=testing ;;
    *) echo "usage: $0 3.13|3.14|3.15 [-- command ...]" >&2; exit 2 ;;
esac
[ "${1:-}" = "--" ] && shift

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=${ROBYN_ROOTS_DIR:-$repo/.cache/roots}/$suite
# What the suite needs inside (compare scripts/install-test-deps.sh); libpython3.X is added
# once python3 says which X. Changing this list remakes the root's packages at the next run.
packages="python3 python3-pytest python3-requests python3-websocket python3-jinja2 python3-yaml
python3-pydantic python3-asyncpg python3-jwt python3-uvloop python3-setuptools python3-wheel
python3-venv nginx procps iproute2 ca-certificates"
packages=$(echo $packages)   # one line
stamp_text="$suite $packages"

fail() { echo "python-root: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot and mounts)"

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet || fail 'dotnet is not on PATH')")")
nuget=${NUGET_PACKAGES:-$HOME/.nuget/packages}

in_root() {   # in_root ENV... -- COMMAND...: a command in the root, with mounts that end with it
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    # The inner script runs in a mount namespace of its own: its mounts are private to it and
    # vanish with its last process, so nothing is left mounted on the host after a crash or
    # kill -9. Every step execs the next, so the command keeps this process's pid and gets its
    # signals (a test harness's SIGTERM reaches the gateway itself).
    exec unshare --mount --propagation private bash -c '
        set -e
        root=$1 repo=$2 dotnet_root=$3 nuget=$4 cwd=$5 share_tmp=$6 nenv=$7; shift 7
        envs=("${@:1:$nenv}"); shift "$nenv"
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount --rbind /sys "$root/sys"
        # A /tmp of its own: the gateway sweeps socket folders of dead fronts there, and must
        # not judge the host'"'"'s; a working directory under /tmp is the one folder shared.
        # share_tmp=1 (ROBYN_ROOT_SHARE_TMP) shares the host'"'"'s instead, for a server whose
        # client runs on the host and reads the files it writes (the conformance suite).
        if [ "$share_tmp" = 1 ]; then mount --rbind /tmp "$root/tmp"
        else mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"; fi
        mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
        bind_ro() { mkdir -p "$root$2"; mount --bind "$1" "$root$2"; mount -o remount,bind,ro "$root$2"; }
        bind_ro "$dotnet_root" /usr/share/dotnet
        if [ -d "$nuget" ]; then bind_ro "$nuget" "$nuget"; fi
        mkdir -p "$root$repo"; mount --bind "$repo" "$root$repo"
        case "$cwd" in
            "$repo"|"$repo"/*) ;;
            /tmp/?*) [ "$share_tmp" = 1 ] || { mkdir -p "$root$cwd"; mount --bind "$cwd" "$root$cwd"; } ;;
            *) cwd=$repo ;;
        esac
        exec chroot "$root" /usr/bin/env -i "${envs[@]}" /bin/bash -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
    ' in-root "$root" "$repo" "$dotnet_root" "$nuget" "$PWD" "${ROBYN_ROOT_SHARE_TMP:-0}" "${#envs[@]}" "${envs[@]}" "$@"
}

default_python() { chroot "$root" /usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])'; }

beside_default() {   # python$version and its libpython, beside the suite's own python3
    echo "python-root: installing Python $version (and its venv) beside $suite's python3 ($(default_python))"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    (in_root PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive -- sh -c '
        timeout 900 apt-get -o Acquire::http::Timeout=30 -o Acquire::Check-Valid-Until=false update -qq &&
        timeout 1800 apt-get -o Acquire::http::Timeout=30 install -y -qq --no-install-recommends '"python$version libpython$version python$version-venv"' >/dev/null &&
        apt-get clean') || fail "could not install python$version into the $suite root (no network? or Debian $suite has none any more: then update the map in $0)"
    mkdir -p "$root/opt/python$version/bin"
    ln -sf "/usr/bin/python$version" "$root/opt/python$version/bin/python3"
}

make_root() {
    # Fail fast without the mirror, instead of debootstrap's wget retrying for many minutes.
    command -v debootstrap >/dev/null || {
        echo "installing debootstrap"; apt-get -o DPkg::Lock::Timeout=300 install -y -qq debootstrap >/dev/null; }
    curl -fsS --max-time 15 -o /dev/null "$mirror/dists/$suite/Release" ||
        fail "cannot reach $mirror (no network?): the $version root ($suite) must be made once with the mirror reachable; it is then cached in $root"
    if [ ! -x "$root/usr/bin/python3" ]; then
        echo "python-root: debootstrap $suite into $root"
        rm -rf "$root" && mkdir -p "$root"
        # bookworm's debootstrap has no script for testing's codename; "testing" is sid's script.
        timeout 1200 debootstrap --variant=minbase --include=python3 "$suite" "$root" "$mirror" \
            >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; rm -rf "$root"; fail "debootstrap $suite failed (log: $root.log)"; }
    fi
    local py
    cp /etc/resolv.conf "$root/etc/resolv.conf"   # apt inside the root uses the host's resolver
    py=$(default_python)
    echo "python-root: installing the test packages into $suite"
    (in_root PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive -- sh -c '
        # No service may start while apt runs (nginx), as in install-test-deps.sh. Testing`s
        # Release file expires within days; a mirror or proxy that lags behind serves an
        # expired one, which is still the archive`s own signed file.
        printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        timeout 900 apt-get -o Acquire::http::Timeout=30 -o Acquire::Check-Valid-Until=false update -qq &&
        timeout 1800 apt-get -o Acquire::http::Timeout=30 install -y -qq --no-install-recommends '"libpython$py $packages"' >/dev/null &&
        apt-get clean')
    echo "$stamp_text" > "$root/.robyn-root"
}

if [ ! -f "$root/.robyn-root" ] || [ "$(cat "$root/.robyn-root")" != "$stamp_text" ]; then
    mkdir -p "$(dirname "$root")"
    make_root
fi

# The suite's python3, or the version installed beside it, first on the command's PATH.
first=
if [ "$(default_python)" != "$version" ]; then
    # (The link is the root's: checked from out here, its target is the root's file.)
    [ -L "$root/opt/python$version/bin/python3" ] && [ -x "$root/usr/bin/python$version" ] || beside_default
    first=/opt/python$version/bin:
fi

if [ $# -eq 0 ]; then
    echo "$root"
    exit 0
fi
# No ICU in the root: the dotnet CLI runs invariant, as the gateway and tests are built to
# (InvariantGlobalization in Directory.Build.props).
# ROBYN_* settings and PYTHONPATH pass through (ROBYN_GATEWAY_DLL, ...); others go by `env`.
mapfile -t passed < <(env | grep -E '^(ROBYN_[A-Z0-9_]*|PYTHONPATH)=' | grep -vE '^ROBYN_ROOTS?_' || true)
in_root PATH=$first/usr/share/dotnet:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DOTNET_ROOT=/usr/share/dotnet DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 NUGET_PACKAGES="$nuget" \
    DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
    "${passed[@]}" -- "$@"
