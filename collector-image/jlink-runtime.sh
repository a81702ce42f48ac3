#!/usr/bin/env bash
# Builds the collector's Java runtime: the one copy of how it is made, run by the Containerfile
# (the image's /opt/java) and by bench/lib/image-runtime.sh (the same runtime on the host, so the
# benchmarks measure what the image runs).
#   collector-image/jlink-runtime.sh <JDK home> <collector-image/target> <output directory>
#   collector-image/jlink-runtime.sh --modules <JDK home> <collector-image/target>   (prints the modules)
# JLINK_COMPRESS: jlink's --compress of the module image (default zip-6); a benchmark lever.
# jdeps decides the modules from the collector's jar and its libraries, so a new library cannot
# silently miss a module. The runtime then gets a class-data archive dumped with the collector's own
# flags (jvm.options): the JVM picks its default archive by those flags (compact object headers
# look for classes_coh.jsa), and neither a jlinked runtime nor `jlink --generate-cds-archive`
# has that one, so without this dump the collector ran with no archive at all (docs/benchmarks.md).
set -euo pipefail
print_modules=false
if [ "$1" = --modules ]; then print_modules=true; shift; fi
jdk=$1 target=$2
options="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/jvm.options"
jar="$(find "$target" -maxdepth 1 -name 'scorch-collector*.jar' ! -name '*-sources.jar' ! -name '*-tests.jar' | head -1)"
# cryptoki and zipfs are loaded as services, which jdeps does not see.
modules="$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
  -cp "$target/lib/*" "$jar" "$target"/lib/*.jar 2>/dev/null | tail -1),jdk.crypto.cryptoki,jdk.zipfs"
if $print_modules; then echo "$modules"; exit 0; fi
out=$3
"$jdk/bin/jlink" --add-modules "$modules" \
  --strip-debug --no-man-pages --no-header-files --compress="${JLINK_COMPRESS:-zip-6}" --output "$out"
"$out/bin/java" "@$options" -Xshare:dump -Xlog:cds=off -Xlog:aot=off >/dev/null
