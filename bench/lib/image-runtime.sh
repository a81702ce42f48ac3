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
# runtime and the jar's path, size and time, which the JVM checks when it maps the archive; a jar
# from before the class-data training gets its archive as its image then made it.
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
# A jar from before cli/ClassDataTraining (a bench's BASELINE_JAR or PREVIOUS_JAR) gets the training
# of its time, so that its archive is what its image had: `run` alone for 20 s, without
# capabilities, on an API server and backends that do not answer; prints the class list it wrote.
list_before_training() {
  local jar=$1 dir=$2
  "$jdk/bin/keytool" -genkeypair -alias training -keyalg EC -dname CN=training -validity 1 \
    -keystore "$dir/ca.p12" -storepass training >/dev/null 2>&1
  "$jdk/bin/keytool" -exportcert -rfc -alias training -keystore "$dir/ca.p12" -storepass training >"$dir/ca.pem" 2>/dev/null
  echo training >"$dir/token"
  cat >"$dir/collector.json" <<JSON
{"health": {"port": 0, "statusUpdateSeconds": 120}, "spool": {"directory": "$dir/spool"},
 "policies": [{"name": "training", "sampling": {"frequencyHz": 19}, "targets": {"hostProcesses": true},
   "export": {"intervalSeconds": 5, "backends": [{"name": "files", "directory": {"path": "$dir/profiles"}},
     {"name": "otel", "otlp": {"endpoint": "http://127.0.0.1:1"}}, {"name": "grafana", "pyroscope": {"url": "http://127.0.0.1:1"}}]}}]}
JSON
  local drop=()
  if [ "$(id -u)" = 0 ] && setpriv --bounding-set=-all --inh-caps=-all -- true 2>/dev/null; then
    drop=(setpriv --bounding-set=-all --inh-caps=-all --)
  fi
  SCORCH_NODE_NAME=training "${drop[@]}" "$home/bin/java" "@$root/collector-image/jvm.options" \
    -XX:DumpLoadedClassList="$dir/classes.list" -cp "$jar" dev.scorch.collector.cli.Main run --config "$dir/collector.json" \
    --api-server https://127.0.0.1:1 --api-server-ca "$dir/ca.pem" --token-file "$dir/token" >"$dir/training.log" 2>&1 &
  local pid=$!
  sleep 20
  kill -0 "$pid" 2>/dev/null || { echo "the training run of $jar exited early: $(tail -3 "$dir/training.log")" >&2; exit 1; }
  kill -TERM "$pid"
  wait "$pid" || true
  echo "$dir/classes.list"
}
if [ "${1:-}" = --app-archive ]; then
  jar=$2
  archive="$home/app-archives/$(stat -c '%n %s %Y' "$jar" | sha256sum | cut -c1-16).jsa"
  if [ ! -s "$archive" ]; then
    mkdir -p "$home/app-archives"
    list=()
    if ! "$jdk/bin/jar" tf "$jar" | grep -qx 'dev/scorch/collector/cli/ClassDataTraining.class'; then
      old="$(mktemp -d)"
      trap 'rm -rf "$old"' EXIT
      before="$(list_before_training "$jar" "$old")"
      list=("$before")
    fi
    "$root/collector-image/jlink-runtime.sh" --app-archive "$home" "$jar" "$archive.tmp" "${list[@]}" >&2
    mv "$archive.tmp" "$archive"
  fi
  echo "$archive"
  exit 0
fi
echo "$home"
