#!/usr/bin/env bash
# Installs what bench/run.sh compares the gateway with, from Debian's packages (Debian 12):
#
#   sudo bash bench/install-peers.sh          # installs
#   bash bench/install-peers.sh --check       # only says what is missing (exit 1 if anything is)
#
# run.sh never installs anything itself: it checks for these and says what is missing. They all
# go into Debian's /usr/bin/python3, which is also the interpreter the gateway embeds in the
# benchmark, so every framework runs on the same Python.
#   peers:     uvicorn + FastAPI, uvicorn + Starlette, gunicorn + Flask (sync and gthread workers)
#   database:  PostgreSQL 15 (a throwaway cluster run.sh starts), asyncpg, psycopg2
#   extras:    uvloop + httptools + websockets (what `pip install uvicorn[standard]` brings),
#              asgiref (Flask's async views), matplotlib (the chart)
#   load:      wrk
set -euo pipefail

PACKAGES=(
    python3-fastapi python3-starlette python3-uvicorn python3-uvloop python3-httptools python3-websockets
    python3-flask python3-asgiref gunicorn
    postgresql-15 python3-asyncpg python3-psycopg2
    python3-matplotlib wrk
)

missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done

if [[ ${1:-} == --check ]]; then
    if (( ${#missing[@]} )); then
        echo "missing: ${missing[*]}"
        echo "install them with: sudo bash bench/install-peers.sh"
        exit 1
    fi
    echo "all benchmark peers are installed"
    exit 0
elif [[ -n ${1:-} ]]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi

if (( ${#missing[@]} == 0 )); then
    echo "all benchmark peers are installed"
    exit 0
fi
if (( $(id -u) != 0 )); then
    echo "error: installing ${missing[*]} needs root: sudo bash $0" >&2
    exit 1
fi
echo "installing: ${missing[*]}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
