#!/usr/bin/env bash
# Prices the Parca exporter's gRPC stack (grpc-java + OkHttp transport): peak RSS of the exporting
# JVM (ExportingProcess from the collector's tests, -Xmx64m -XX:+UseSerialGC) after offering the
# same 200 real profiles to a real Parca (hack/test-binaries.sh) and, for comparison, to the
# directory exporter, which loads no network stack. Prints one line per backend.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export JAVA_HOME="$(hack/java-home.sh)"
cache="$(hack/test-binaries.sh 2>/dev/null | tail -1)"
parca="$cache/tools/parca"

./mvnw -B -q -pl collector-image -am test-compile
./mvnw -B -q -pl collector-image dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.cp
cp="collector-image/target/test-classes:collector-image/target/classes:$(cat collector-image/target/bench.cp)"

work="$(mktemp -d)"
parca_pid=""
trap '[ -n "$parca_pid" ] && kill "$parca_pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(( 20000 + RANDOM % 20000 ))
printf 'object_storage:\n  bucket:\n    type: "FILESYSTEM"\n    config:\n      directory: "%s/bucket"\n' "$work" > "$work/parca.yaml"
"$parca" --config-path="$work/parca.yaml" --http-address="127.0.0.1:$port" > "$work/parca.log" 2>&1 &
parca_pid=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/api/profiles/types" && break
  sleep 1
done

measure() {
  local backend="$1" spool="$work/spool-$1"
  coproc EXPORTER { "$JAVA_HOME/bin/java" -Xmx64m -XX:+UseSerialGC -cp "$cp" \
      dev.scorch.collector.export.parca.ExportingProcess "$spool" "127.0.0.1:$port" 1000 "$backend" 2>>"$work/exporter.log"; }
  local line
  read -r line <&"${EXPORTER[0]}"          # READY
  echo "offer 0 200 10" >&"${EXPORTER[1]}"
  read -r line <&"${EXPORTER[0]}"          # OFFERED 199
  sleep 5                                  # let the sender drain
  echo "health" >&"${EXPORTER[1]}"
  read -r line <&"${EXPORTER[0]}"
  echo "backend=$backend $line"
  exec {EXPORTER[1]}>&-
  wait "$EXPORTER_PID" || true
}

echo "export memory bench: 200 profiles of $(stat -c %s collector-image/src/test/resources/dev/scorch/collector/export/go-cpu-hotloop.pb.gz) bytes, JVM -Xmx64m SerialGC, $(date -u +%FT%TZ)"
measure directory
measure parca
