#!/usr/bin/env bash
# Soak of `run` as the image runs it (the ENTRYPOINT's JVM flags): one collector serving POLICIES
# policies (default 20) on a host with one busy process and ~200 short-lived processes a second,
# every policy exporting every 15 s to a directory and to OTLP and Pyroscope on a loopback sink.
# Prints RSS every 30 s, then the live heap after a full GC (jcmd). With LEVERS=1 it then runs
# once per JVM lever (LEVER_SECONDS each, default 180) and prints each one's RSS against the
# baseline. Needs root. Usage:
#   bench/soak.sh            (SOAK_SECONDS=600 POLICIES=20 LEVERS=0)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA_HOME="$("$root/hack/java-home.sh")"
export JAVA_HOME
seconds="${SOAK_SECONDS:-600}"
policies="${POLICIES:-20}"
work="$(mktemp -d /tmp/scorch-soak.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
# shellcheck source=bench/lib/collector-run.sh
. "$root/bench/lib/collector-run.sh"
start_load

# Runs one collector for <seconds>, printing "<elapsed> <RSS KiB> <peak KiB>" every <every> s when
# <every> is not 0; ends with "peak=<KiB> final=<KiB> live_heap=<KiB> heap_committed=<KiB>".
soak() {
  local run_seconds=$1 every=$2 tag=$3 dir="$work/$3"
  mkdir -p "$dir"
  policies_json 1 "$policies" "$dir" >"$dir/collector.json"
  local pid
  pid=$(start_collector "$dir/collector.json" "$dir/collector.log")
  local start=$SECONDS
  local pause=$every
  [ "$every" != 0 ] || pause=10
  while [ $((SECONDS - start)) -lt "$run_seconds" ]; do
    sleep "$pause"
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "collector exited after $((SECONDS - start)) s: $(tail -1 "$dir/collector.log")"
      return 0
    fi
    [ "$every" = 0 ] || awk -v t=$((SECONDS - start)) -v r="$(rss "$pid")" -v h="$(hwm "$pid")" \
      'BEGIN {printf "%5d s  RSS %6.1f MiB  peak %6.1f MiB\n", t, r / 1024, h / 1024}'
  done
  local peak final
  peak=$(hwm "$pid"); final=$(rss "$pid")
  "$JAVA_HOME/bin/jcmd" "$pid" GC.run >/dev/null 2>&1 || true
  local heap
  heap=$("$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info 2>/dev/null | awk '/DefNew|Tenured|def new generation|tenured generation/ {for (i = 1; i <= NF; i++) {if ($i == "used") {u += $(i + 1) + 0}; if ($i == "total") {t += $(i + 1) + 0}}} END {printf "%d %d", u, t}')
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo "peak=$peak final=$final live_heap=${heap% *} heap_committed=${heap#* }"
}

echo "soak: $policies policies, ${seconds} s, $(nproc) CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "JVM flags: $(grep -v "^#" "$root/collector-image/jvm.options" | tr "\n" " ") ${JAVA_EXTRA:-}"
soak "$seconds" 30 baseline
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "${LEVERS:-0}" = 1 ]; then
  lever_seconds="${LEVER_SECONDS:-180}"
  echo "levers: ${lever_seconds} s each, RSS in KiB"
  declare -A levers=(
    [baseline]=""
    [heap-32m]="-Xmx32m"
    [free-heap-returned]="-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"
    [code-cache-8m]="-XX:ReservedCodeCacheSize=8m"
    [no-cds]="-Xshare:off"
    [stacks-256k]="-Xss256k -XX:ThreadStackSize=256"
  )
  for name in baseline heap-32m free-heap-returned code-cache-8m no-cds stacks-256k; do
    echo "$name: $(JAVA_EXTRA="${levers[$name]}" soak "$lever_seconds" 0 "lever-$name")"
  done
  echo "malloc-arena-max-2: $(MALLOC_ARENA_MAX=2 soak "$lever_seconds" 0 lever-arenas)"
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
echo "work directory (profiles, logs): $work"
