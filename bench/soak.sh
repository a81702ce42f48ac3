#!/usr/bin/env bash
# Soak of `run` as the image runs it (collector-image/jvm.options): one collector serving POLICIES
# policies (default 20) on a host with one busy process and ~200 short-lived processes a second,
# every policy exporting every 15 s to a directory and to OTLP and Pyroscope on a loopback sink.
# Prints RSS every 30 s, then the live heap after a full GC (jcmd). With LEVERS=1 it then runs one
# collector per JVM lever, all at the same time (so they see the same host), for LEVER_SECONDS
# (default 300), and prints each one's peak and final RSS, live heap and CPU against the baseline.
# Needs root. Usage:
#   bench/soak.sh            (SOAK_SECONDS=600 POLICIES=20 LEVERS=0)
#   SOAK_SECONDS=0 LEVERS=1 LEVER_NAMES="baseline heap-48m" bench/soak.sh   (only the named levers)
#   JAVA_EXTRA="-Xlog:gc:file=/tmp/gc-%p.log" adds flags to every collector, each lever's after its own
#   (a GC log per collector gives the live heap after every full GC over the whole run).
#   PREVIOUS_JAR=/tmp/old/scorch-collector.jar adds a lever "previous-build": that collector jar
#   (a copy of an earlier build) with today's jvm.options, to weigh a code change side by side.
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
seconds="${SOAK_SECONDS:-600}"
policies="${POLICIES:-20}"
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
if [ "$seconds" != 0 ]; then
  soak "$seconds" 30 baseline
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

# Each lever: extra JVM flags (after jvm.options, so they override it); MALLOC_ARENA_MAX is an
# environment variable and gets its own entry.
read -r -a lever_names <<<"${LEVER_NAMES:-baseline heap-48m heap-40m heap-32m young-8m free-heap-returned g1-periodic-gc code-cache-8m no-cds stacks-256k compact-headers malloc-arena-max-2}"
declare -A lever_flags=(
  [baseline]=""
  [heap-48m]="-Xmx48m"
  [heap-40m]="-Xmx40m"
  [heap-32m]="-Xmx32m"
  [young-8m]="-Xmn8m"
  [heap-48m-young-8m]="-Xmx48m -Xmn8m"
  [heap-40m-young-6m]="-Xmx40m -Xmn6m"
  [heap-64m]="-Xmx64m"
  [free-heap-returned]="-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"
  [g1-periodic-gc]="-XX:-UseSerialGC -XX:+UseG1GC -XX:G1PeriodicGCInterval=30000 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"
  [code-cache-8m]="-XX:ReservedCodeCacheSize=8m"
  [no-cds]="-Xshare:off"
  [stacks-256k]="-Xss256k"
  [compact-headers]="-XX:+UseCompactObjectHeaders"
)
if [ -n "${PREVIOUS_JAR:-}" ]; then
  lever_names+=(previous-build)
  lever_flags[previous-build]=""
fi
if [ -n "${LEVER_EXTRA:-}" ]; then
  lever_names+=(combined)
  lever_flags[combined]="$LEVER_EXTRA"
fi

if [ "${LEVERS:-0}" = 1 ]; then
  lever_seconds="${LEVER_SECONDS:-300}"
  echo "levers: one collector each, side by side for ${lever_seconds} s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  declare -A lever_pid lever_cpu
  for name in "${lever_names[@]}"; do
    mkdir -p "$work/lever-$name"
    policies_json 1 "$policies" "$work/lever-$name" >"$work/lever-$name/collector.json"
    if [ "$name" = malloc-arena-max-2 ]; then
      lever_pid[$name]=$(MALLOC_ARENA_MAX=2 start_collector "$work/lever-$name/collector.json" "$work/lever-$name/collector.log")
    elif [ "$name" = previous-build ]; then
      lever_pid[$name]=$(jar="$PREVIOUS_JAR" start_collector "$work/lever-$name/collector.json" "$work/lever-$name/collector.log")
    else
      lever_pid[$name]=$(JAVA_EXTRA="${lever_flags[$name]} ${JAVA_EXTRA:-}" start_collector "$work/lever-$name/collector.json" "$work/lever-$name/collector.log")
    fi
  done
  sleep 60
  for name in "${!lever_pid[@]}"; do lever_cpu[$name]=$(oncpu "${lever_pid[$name]}"); done
  sleep $((lever_seconds - 60))
  printf '%-20s %10s %10s %10s %12s %s\n' lever "peak MiB" "final MiB" "live MiB" "CPU % core" flags
  for name in "${lever_names[@]}"; do
    pid=${lever_pid[$name]}
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name: exited: $(tail -1 "$work/lever-$name/collector.log")"
      continue
    fi
    cpu=$(awk -v a="${lever_cpu[$name]}" -v b="$(oncpu "$pid")" -v s=$((lever_seconds - 60)) 'BEGIN {printf "%.2f", 100 * (b - a) / (s * 1e9)}')
    peak=$(hwm "$pid"); final=$(rss "$pid")
    "$JAVA_HOME/bin/jcmd" "$pid" GC.run >/dev/null 2>&1 || true
    live=$("$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info 2>/dev/null | awk '/DefNew|Tenured|garbage-first heap/ {for (i = 1; i <= NF; i++) if ($i == "used") u += $(i + 1) + 0} END {print u}')
    kill -TERM "$pid"
    awk -v n="$name" -v p="$peak" -v f="$final" -v l="$live" -v c="$cpu" -v x="$(case $name in malloc-arena-max-2) echo MALLOC_ARENA_MAX=2 ;; previous-build) echo "$PREVIOUS_JAR" ;; *) echo "${lever_flags[$name]:-(jvm.options only)}" ;; esac)" \
      'BEGIN {printf "%-20s %10.1f %10.1f %10.1f %12s %s\n", n, p / 1024, f / 1024, l / 1024, c, x}'
  done
  wait "${lever_pid[@]}" 2>/dev/null || true
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
echo "work directory (profiles, logs): $work"
