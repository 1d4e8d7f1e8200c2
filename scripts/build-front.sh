#!/usr/bin/env bash
# Builds the gateway's NativeAOT image into DIR/front/ (Workers/FrontExec.cs): the gateway compiled
# ahead of time, which the front of --processes becomes once it has read the app, and which it
# starts its workers with. It has no JIT and maps no assemblies: an idle front takes about 34 MB
# of RSS instead of 64, a worker 58 instead of 87. Put it beside a build or a publish of the
# gateway; a gateway without it runs its front and workers on its own image.
#
#   bash scripts/build-front.sh DIR        e.g. src/RobynGateway/bin/Release/net10.0
#
# Needs clang (Debian: apt-get install clang) and zlib's headers (zlib1g-dev). The compile takes
# a minute or more on two cores; $ROBYN_FRONT_CACHE (default ~/.cache/robyn-gateway-front) keeps
# the last image, keyed by a hash of the gateway's sources, so a second call only copies.
# RID=linux-arm64 builds it for aarch64, where the SDK can.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: bash scripts/build-front.sh DIR" >&2; exit 2; }
dir=$1
rid=${RID:-linux-x64}

# NativeAOT links with clang; Debian names it clang-N unless the unversioned package is there.
linker=$(command -v clang || true)
[ -n "$linker" ] || linker=$(compgen -c clang- | grep -E '^clang-[0-9]+$' | sort -t- -k2 -n | tail -1 || true)
[ -n "$linker" ] || { echo "build-front: NativeAOT needs clang (apt-get install clang zlib1g-dev)" >&2; exit 1; }

key=$( { echo "$rid"; find src/RobynGateway Directory.Build.props -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) \
        -not -path '*/bin/*' -not -path '*/obj/*' | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -c1-16)
cache=${ROBYN_FRONT_CACHE:-$HOME/.cache/robyn-gateway-front}
image="$cache/front-$key"
if [ ! -x "$image/RobynGateway" ]; then
    echo "build-front: compiling the gateway's NativeAOT image for $rid ..." >&2
    rm -rf "$image.tmp"
    dotnet publish src/RobynGateway -c Release -r "$rid" -nologo -v q -p:PublishAot=true \
        -p:CppCompilerAndLinker="$(basename "$linker")" -p:StripSymbols=true -p:GenerateDocumentationFile=false \
        -o "$image.tmp" >&2
    # The image alone: the publish also copies the robyn package and web assets, which the front never reads.
    find "$image.tmp" -mindepth 1 -maxdepth 1 -not -name RobynGateway -exec rm -rf {} +
    find "$cache" -maxdepth 1 -name 'front-*' -not -name "front-$key.tmp" -exec rm -rf {} + 2>/dev/null || true
    mv "$image.tmp" "$image"
else
    echo "build-front: the NativeAOT image for these sources is cached ($image)" >&2
fi
mkdir -p "$dir/front"
cp "$image/RobynGateway" "$dir/front/RobynGateway.tmp"
mv -f "$dir/front/RobynGateway.tmp" "$dir/front/RobynGateway"
