#!/usr/bin/env bash
# Prices each exporter's network stack: peak RSS of the exporting JVM (ExportingProcess from the
# collector's tests, -Xmx64m -XX:+UseSerialGC) after offering 200 profiles to a real Parca
# (hack/test-binaries.sh; grpc-java + OkHttp transport, and gRPC-web over java.net.http, the
# cheaper transport Parca's port also accepts, as a probe sender), to an OTLP/HTTP receiver on loopback
# (a few lines of Python answering 200 with an empty ExportProfilesServiceResponse) and, for
# comparison, to the directory exporter, which loads no network stack. One line per backend.
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
otlp_pid=""
trap '[ -n "$parca_pid" ] && kill "$parca_pid" 2>/dev/null; [ -n "$otlp_pid" ] && kill "$otlp_pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(( 20000 + RANDOM % 20000 ))
printf 'object_storage:\n  bucket:\n    type: "FILESYSTEM"\n    config:\n      directory: "%s/bucket"\n' "$work" > "$work/parca.yaml"
"$parca" --config-path="$work/parca.yaml" --http-address="127.0.0.1:$port" > "$work/parca.log" 2>&1 &
parca_pid=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/api/profiles/types" && break
  sleep 1
done

otlp_port=$(( port + 1 ))
python3 -c '
import http.server, sys
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
' "$otlp_port" &
otlp_pid=$!

measure() {
  local backend="$1" address="$2" spool="$work/spool-$1"
  coproc EXPORTER { "$JAVA_HOME/bin/java" -Xmx64m -XX:+UseSerialGC -cp "$cp" \
      dev.scorch.collector.export.parca.ExportingProcess "$spool" "$address" 1000 "$backend" 2>>"$work/exporter.log"; }
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
measure directory "127.0.0.1:$port"
measure parca "127.0.0.1:$port"
measure parca-grpcweb "127.0.0.1:$port"
measure otlp "http://127.0.0.1:$otlp_port"
