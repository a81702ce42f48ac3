#!/usr/bin/env bash
# A collector serving POLICIES policies (default 20; a directory, an OTLP and a Pyroscope backend
# each, as bench/soak.sh configures them) loses its profile sink, its API server and its spool
# directory WARMUP seconds in (default 60): the loopback services are stopped and the spool is
# removed and replaced by a file, so no backend can send or spool and every one holds its profiles
# in memory. Prints the live heap after a full GC (jcmd GC.class_histogram, GC.heap_info) every 30 s for
# SECONDS_WITHOUT (default 240) s, or the collector's exit. A GC log and a heap dump at an
# out-of-memory error land in the bench's work directory. Needs root. Usage:
#   bench/spool-loss.sh      (INTERVAL=5 POLICIES=20 WARMUP=60 SECONDS_WITHOUT=240)
#   COLLECTOR_JAR=/tmp/old/scorch-collector.jar bench/spool-loss.sh   (an earlier build, to compare)
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
policies="${POLICIES:-20}"
warmup="${WARMUP:-60}"
without="${SECONDS_WITHOUT:-240}"
export INTERVAL="${INTERVAL:-5}"
JAVA_EXTRA="-XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=$work -Xlog:gc:file=$work/gc.log ${JAVA_EXTRA:-}"
# shellcheck source=bench/lib/collector-run.sh
. "$root/bench/lib/collector-run.sh"
start_load

# "<elapsed> s  live heap <MiB> of <committed MiB>" after a full GC, RSS, and from the class
# histogram the byte arrays' total and the profiles held in memory by the backends.
live_heap() {
  kill -0 "$1" 2>/dev/null || return 0
  local histogram
  histogram=$("$JAVA_HOME/bin/jcmd" "$1" GC.class_histogram 2>/dev/null | awk \
    '$4 == "[B" {b = $3} $4 ~ /Backlog\$InMemory$/ {m = $2} END {printf "byte[] %5.1f MiB  profiles held in memory %d", b / 1048576, m}')
  "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info 2>/dev/null | awk -v t="$2" -v r="$(rss "$1")" -v h="$histogram" \
    '/DefNew|Tenured|def new generation|tenured generation/ {for (i = 1; i <= NF; i++) {if ($i == "used") {u += $(i + 1) + 0}; if ($i == "total") {c += $(i + 1) + 0}}}
     END {printf "%5d s  live heap %5.1f of %5.1f MiB  RSS %6.1f MiB  %s\n", t, u / 1024, c / 1024, r / 1024, h}'
}

echo "spool-loss: $policies policies, ${INTERVAL} s intervals, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "jar: $jar"
mkdir -p "$work/run"
policies_json 1 "$policies" "$work/run" >"$work/run/collector.json"
pid=$(start_collector "$work/run/collector.json" "$work/run/collector.log")
sleep "$warmup"
live_heap "$pid" "$warmup"
kill "$services"; wait "$services" 2>/dev/null || true
rm -rf "$work/run/spool" && touch "$work/run/spool"
echo "sink and API server stopped, spool replaced by a file; load average $(cut -d' ' -f1-3 /proc/loadavg)"
start=$SECONDS
while [ $((SECONDS - start)) -lt "$without" ]; do
  sleep 30
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "collector exited $((SECONDS - start)) s after the loss: $(grep -m1 -i 'OutOfMemory' "$work/run/collector.log" || tail -1 "$work/run/collector.log")"
    ls "$work"/*.hprof 2>/dev/null || true
    exit 0
  fi
  live_heap "$pid" $((warmup + SECONDS - start))
done
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
echo "collector still up after $without s without sink and spool; load average $(cut -d' ' -f1-3 /proc/loadavg); work: $work"
