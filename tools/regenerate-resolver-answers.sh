#!/usr/bin/env bash
# Regenerates the expected answers of the resolver's differential test from the real apk-tools
# (../shared/tools/apk-oracle, needs root). Run from the repository root:
#   sudo tools/regenerate-resolver-answers.sh
# Writes apkimg-core/src/test/resources/resolver/v3.17-aarch64/{worlds,answers}.txt; commit both.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${APKIMG_SHARED:-../shared}
repo=$shared/fixtures/mirror/v3.17/main
keys=$shared/fixtures/alpine-keys/aarch64
out=apkimg-core/src/test/resources/resolver/v3.17-aarch64
mkdir -p "$out"
python3 tools/resolver-worlds.py "$repo/aarch64/APKINDEX.tar.gz" 317 > "$out/worlds.txt"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
n=0
while read -r world; do
  n=$((n + 1))
  echo "@ $world" >> "$tmp"
  # apk-oracle prints "name version" lines in install order, or apk's ERROR lines.
  # shellcheck disable=SC2086
  "$shared/tools/apk-oracle" resolve "$repo" aarch64 "$keys" $world >> "$tmp" 2>&1 || true
  printf '\r%d worlds' "$n" >&2
done < "$out/worlds.txt"
echo >&2
mv "$tmp" "$out/answers.txt"
trap - EXIT
echo "wrote $out/answers.txt ($n worlds)" >&2
