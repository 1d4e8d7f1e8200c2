#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages, only when something is missing,
# so a second run costs nothing. Needs root (CI and the dev machines run as root).
set -euo pipefail

missing=()
/usr/bin/python3 -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
/usr/bin/python3 -c 'import requests' 2>/dev/null || missing+=(python3-requests)
command -v dotnet >/dev/null || { echo "error: the .NET SDK 10 (dotnet) is not on PATH" >&2; exit 1; }

if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
