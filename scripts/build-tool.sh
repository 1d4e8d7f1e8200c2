#!/usr/bin/env bash
# Packs the gateway as a .NET tool (PackAsTool): OUT_DIR/RobynGateway.<version>.nupkg, with the
# robyn package inside (beside the dll, where the gateway finds it). Install from that folder:
#
#   bash scripts/build-tool.sh [OUT_DIR]                  (default dist/)
#   dotnet tool install --global RobynGateway --add-source dist
#   robyn-gateway app.py --workers 4
#
# Framework-dependent: it needs the .NET 10 runtime (ASP.NET Core) where it runs, as every dotnet
# tool does; the wheel (scripts/build-wheel.sh) is the self-contained choice for Python users.
# The tool properties are given here rather than in the project, because PackAsTool forbids the
# self-contained publish the wheel makes from the same project. NoDefaultExcludes keeps the
# templates' .dockerignore files (robyn --create copies them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
dotnet pack src/RobynGateway -c Release -nologo -v q -o "$out" \
    -p:IsPackable=true -p:PackAsTool=true -p:ToolCommandName=robyn-gateway -p:PackageId=RobynGateway \
    -p:Authors=RobynGateway -p:PackageLicenseExpression=MIT -p:NoDefaultExcludes=true \
    "-p:Description=Runs Python web apps written for Robyn on ASP.NET Core (Kestrel and an embedded CPython 3.11+)." >&2
ls "$out"/RobynGateway.*.nupkg
