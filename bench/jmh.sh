#!/usr/bin/env bash
# JMH throughput of the collector's hot path (decode, decode + aggregate, pprof build + gzip), in
# samples per second. Extra arguments go to JMH, e.g. bench/jmh.sh -f 1 -wi 1 -i 3 decode
# BENCHMARK=UnwinderBenchmark: the unwinder's time per sample on real samples of a C program built
# without frame pointers and of a Go program in a frameless leaf (needs root, gcc and go).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA_HOME="$("$root/hack/java-home.sh")"
export JAVA_HOME
cd "$root"
./mvnw -B -q -Pbench -pl collector-image -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath >&2
module="$root/collector-image"
cp="$module/target/test-classes:$module/target/classes:$(cat "$module/target/jmh.classpath")"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.openjdk.jmh.Main -rf text -rff "$module/target/jmh-result.txt" "$@" "${BENCHMARK:-PipelineBenchmark}"
