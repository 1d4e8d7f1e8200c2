#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages, only when something is missing,
# so a second run costs nothing. Needs root (CI and the dev machines run as root).
set -euo pipefail

missing=()
/usr/bin/python3 -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
# robyn.templating renders with Jinja2 (its tests, and a gateway run on /usr/bin/python3).
/usr/bin/python3 -c 'import jinja2' 2>/dev/null || missing+=(python3-jinja2)
# Some tests embed Debian's /usr/bin/python3, which needs its shared libpython.
/usr/bin/python3 -c 'import os, sys, sysconfig; v = sysconfig.get_config_var
sys.exit(not os.path.exists(os.path.join(v("LIBDIR"), v("INSTSONAME"))))' 2>/dev/null \
    || missing+=("lib$(/usr/bin/python3 -c 'import sys; print("python%d.%d" % sys.version_info[:2])')")
# The nginx tests run Debian's nginx as a child process of their own, with their own config.
[ -x /usr/sbin/nginx ] || missing+=(nginx)
# The metrics test has Debian's Prometheus scrape a gateway and answers a PromQL query.
[ -x /usr/bin/prometheus ] || missing+=(prometheus)
# The deployment checks parse docker-compose.yml.
/usr/bin/python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
# examples/users: PostgreSQL through asyncpg, JWTs through PyJWT, on Debian's python3.
/usr/bin/python3 -c 'import asyncpg' 2>/dev/null || missing+=(python3-asyncpg)
/usr/bin/python3 -c 'import jwt' 2>/dev/null || missing+=(python3-jwt)
# A websocket client for trying the example's chat by hand (the tests use the TestClient).
/usr/bin/python3 -c 'import websocket' 2>/dev/null || missing+=(python3-websocket)
# The wheel's test installs it into a fresh `python3 -m venv` (Debian keeps ensurepip in python3-venv).
dpkg -s python3-venv >/dev/null 2>&1 || missing+=(python3-venv)
# The --broadcast tests start their own redis-server (never the system's service) on a loopback port.
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
# The example's tests run against a throwaway cluster that scripts/postgres.sh starts.
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
# scripts/test.sh runs its concurrent runners each on a loopback of its own (unshare -n, then `ip link set lo up`).
command -v ip >/dev/null || missing+=(iproute2)
# The gateway's NativeAOT image (scripts/build-front.sh) links with clang against zlib.
compgen -c clang | grep -qE '^clang(-[0-9]+)?$' || missing+=(clang)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
command -v dotnet >/dev/null || { echo "error: the .NET SDK 10 (dotnet) is not on PATH" >&2; exit 1; }
# The MCP client test drives the server with the official TypeScript SDK, pinned by
# tests/mcp-client/package-lock.json (the test runs `npm ci` itself too, and skips without node).
mcp_client="$(cd "$(dirname "$0")/.." && pwd)/tests/mcp-client"
if command -v npm >/dev/null && [ ! -d "$mcp_client/node_modules/@modelcontextprotocol/sdk" ]; then
    (cd "$mcp_client" && npm ci --no-audit --no-fund --silent)
fi
# The deployment lint (dockerfile-utils, kubernetes-models), pinned by tests/deploy-lint/package-lock.json.
deploy_lint="$(cd "$(dirname "$0")/.." && pwd)/tests/deploy-lint"
if command -v npm >/dev/null && [ ! -d "$deploy_lint/node_modules/kubernetes-models" ]; then
    (cd "$deploy_lint" && npm ci --no-audit --no-fund --silent)
fi

if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Installing nginx or redis-server must not start the system's service: while apt runs, a policy-rc.d
    # (Debian's switch for package scripts) refuses every service start, unless one is there.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
        trap 'rm -f "$policy"' EXIT
    fi
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
