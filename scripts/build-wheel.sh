#!/usr/bin/env bash
# Builds dist/robyn_gateway-<version>-py3-none-linux_x86_64.whl: the robyn package, plus a
# self-contained `dotnet publish` of the gateway (no .NET runtime needed where it is installed)
# with its NativeAOT image (scripts/build-front.sh), and the `robyn` console script.
# Install it with `pip install --no-index <wheel>`.
#
#   bash scripts/build-wheel.sh [OUT_DIR]        (default dist/)
#
# The publish is slow (a minute or more), so it is cached under $ROBYN_WHEEL_CACHE (default
# ~/.cache/robyn-gateway-wheel), keyed by a hash of the gateway's sources: a second build with
# unchanged sources only zips. Needs the .NET 10 SDK and NuGet (for the linux-x64 runtime packs).
# RID=linux-arm64 cross-publishes for aarch64 (tagged linux_aarch64), where the SDK can.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
rid=${RID:-linux-x64}
case "$rid" in
    linux-x64) tag=linux_x86_64 ;;
    linux-arm64) tag=linux_aarch64 ;;
    *) echo "build-wheel: RID $rid: use linux-x64 or linux-arm64" >&2; exit 2 ;;
esac

key=$( { echo "$rid"; find src/RobynGateway src/python Directory.Build.props -type f \
        \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.py' -o -path '*/scaffold/*' \) \
        -not -path '*/bin/*' -not -path '*/obj/*' -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs sha256sum; } \
    | sha256sum | cut -c1-16)
cache=${ROBYN_WHEEL_CACHE:-$HOME/.cache/robyn-gateway-wheel}
publish="$cache/publish-$key"
if [ ! -x "$publish/RobynGateway" ]; then
    echo "build-wheel: publishing the gateway for $rid (self-contained) ..." >&2
    rm -rf "$publish.tmp"
    dotnet publish src/RobynGateway -c Release -r "$rid" --self-contained true -nologo -v q \
        -p:UseAppHost=true -p:GenerateDocumentationFile=false -o "$publish.tmp" >&2
    # The front and workers of --processes run the NativeAOT image (Workers/FrontExec), which lives beside the program.
    RID=$rid bash scripts/build-front.sh "$publish.tmp"
    # Keep only this key's publish: the cache holds one gateway, not every one ever built.
    find "$cache" -maxdepth 1 -name 'publish-*' -not -name "publish-$key.tmp" -exec rm -rf {} + 2>/dev/null || true
    mv "$publish.tmp" "$publish"
else
    echo "build-wheel: the gateway's publish for these sources is cached ($publish)" >&2
fi
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' src/RobynGateway/RobynGateway.csproj | head -1)
python3 scripts/build_wheel.py --publish "$publish" --package src/python/robyn --version "$version" --tag "$tag" --out "$out"
