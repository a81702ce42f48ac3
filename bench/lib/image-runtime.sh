#!/usr/bin/env bash
# Prints the home of the Java runtime the collector image runs, built on this host from the
# collector's jar and libraries by the Containerfile's own script (collector-image/jlink-runtime.sh:
# the same jdeps module list, jlink flags and class-data archive), so the benchmarks measure the
# image's runtime rather than the full JDK (which maps its own, larger class-data archive).
# Cached under ~/.cache/scorch/runtimes/, keyed by the JDK, the module list, the script and
# jvm.options (whose flags choose and shape the archive). Needs the collector built (./scorch).
# JLINK_COMPRESS=zip-0 builds the same runtime with an uncompressed module image (a bench lever).
# --app-archive <jar> prints the collector's own class-data archive for that jar on this runtime
# (jlink-runtime.sh --app-archive, as the image's /opt/scorch/scorch-collector.jsa), cached by the
# runtime and the jar's path, size and time, which the JVM checks when it maps the archive.
#   bench/lib/image-runtime.sh
#   bench/lib/image-runtime.sh --app-archive <collector jar>
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jdk="$("$root/hack/java-home.sh")"
target="$root/collector-image/target"
modules="$("$root/collector-image/jlink-runtime.sh" --modules "$jdk" "$target")"
key="$({ "$jdk/bin/java" -version 2>&1; echo "$modules ${JLINK_COMPRESS:-}"; cat "$root/collector-image/jlink-runtime.sh" \
  "$root/collector-image/jvm.options"; } | sha256sum | cut -c1-16)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/scorch/runtimes"
home="$cache/$key"
mkdir -p "$cache"
# One build at a time per cache: benches started together must not delete each other's build.
exec 9>"$cache/.lock"
flock 9
if [ ! -x "$home/bin/java" ]; then
  rm -rf "$home.tmp"
  "$root/collector-image/jlink-runtime.sh" "$jdk" "$target" "$home.tmp" >&2
  mv "$home.tmp" "$home"
  # Older runtimes of this cache are superseded by this one.
  find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -mtime +7 -exec rm -rf {} + 2>/dev/null || true
fi
if [ "${1:-}" = --app-archive ]; then
  jar=$2
  archive="$home/app-archives/$(stat -c '%n %s %Y' "$jar" | sha256sum | cut -c1-16).jsa"
  if [ ! -s "$archive" ]; then
    mkdir -p "$home/app-archives"
    "$root/collector-image/jlink-runtime.sh" --app-archive "$home" "$jar" "$archive.tmp" >&2
    mv "$archive.tmp" "$archive"
  fi
  echo "$archive"
  exit 0
fi
echo "$home"
