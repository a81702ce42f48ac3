#!/usr/bin/env bash
# Soak of `run` as the image runs it (the image's jlinked runtime, bench/lib/image-runtime.sh, and
# collector-image/jvm.options): one collector serving POLICIES
# policies (default 20) on a host with one busy process and ~200 short-lived processes a second,
# every policy exporting every 15 s to a directory and to OTLP and Pyroscope on a loopback sink.
# Prints RSS and the heap's resident part (bench/lib/collector-run.sh, heap_rss) every 30 s, then
# the live heap after a full GC (jcmd). With LEVERS=1 it then runs one
# collector per JVM lever, all at the same time (so they see the same host), for LEVER_SECONDS
# (default 300), and prints each one's peak and final RSS, live heap and CPU against the baseline.
# Needs root. Usage:
#   bench/soak.sh            (SOAK_SECONDS=600 POLICIES=20 LEVERS=0)
#   SOAK_SECONDS=0 LEVERS=1 LEVER_NAMES="baseline heap-48m" bench/soak.sh   (only the named levers)
#   JAVA_EXTRA="-Xlog:gc:file=/tmp/gc-%p.log" adds flags to every collector, each lever's after its own
#   (a GC log per collector gives the live heap after every full GC over the whole run).
#   no-app-archive: the runtime's own archive only (the image before the collector's archive).
#   Levers that are not flags: jdk-runtime (the full JDK), runtime-uncompressed (jlink without
#   --compress), cds-app* (an application archive from a TRAIN_SECONDS training run, default 90),
#   malloc-arena-max-2 and glibc-tunables (environment). LEVER_EXTRA / LEVER_EXTRA_ENV: a lever
#   "combined" of any flags and environment.
#   LEVER_ARCHIVES="old=/tmp/old.jsa" adds a lever archive-old mapping that class-data archive.
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
# <every> is not 0; ends with "peak=<KiB> final=<KiB> live_heap=<KiB> heap_committed=<KiB>
# heap_resident_peak=<KiB>".
soak() {
  local run_seconds=$1 every=$2 tag=$3 dir="$work/$3"
  mkdir -p "$dir"
  policies_json 1 "$policies" "$dir" >"$dir/collector.json"
  local pid
  pid=$(start_collector "$dir/collector.json" "$dir/collector.log")
  local start=$SECONDS
  local pause=$every heap heap_peak=0
  [ "$every" != 0 ] || pause=10
  while [ $((SECONDS - start)) -lt "$run_seconds" ]; do
    sleep "$pause"
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "collector exited after $((SECONDS - start)) s: $(tail -1 "$dir/collector.log")"
      return 0
    fi
    [ "$every" != 0 ] || continue
    heap=$(heap_rss "$pid")
    [ "$heap" -le "$heap_peak" ] || heap_peak=$heap
    awk -v t=$((SECONDS - start)) -v r="$(rss "$pid")" -v h="$(hwm "$pid")" -v heap="$heap" \
      'BEGIN {printf "%5d s  RSS %6.1f MiB  peak %6.1f MiB  heap resident %5.1f MiB\n", t, r / 1024, h / 1024, heap / 1024}'
  done
  local peak final
  peak=$(hwm "$pid"); final=$(rss "$pid")
  "$JAVA_HOME/bin/jcmd" "$pid" GC.run >/dev/null 2>&1 || true
  local heap
  heap=$("$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info 2>/dev/null | awk '/DefNew|Tenured|def new generation|tenured generation/ {for (i = 1; i <= NF; i++) {if ($i == "used") {u += $(i + 1) + 0}; if ($i == "total") {t += $(i + 1) + 0}}} END {printf "%d %d", u, t}')
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo "peak=$peak final=$final live_heap=${heap% *} heap_committed=${heap#* } heap_resident_peak=$heap_peak (KiB; resident peak from the 30 s samples)"
}

echo "soak: $policies policies, ${seconds} s, $(nproc) CPUs, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runtime: $runtime_home ($(ls "$runtime_home/lib/server" | grep jsa | tr "\n" " ")), the collector's archive: $(app_archive_flag "$jar")"
echo "JVM flags: $(grep -v "^#" "$root/collector-image/jvm.options" | tr "\n" " ") ${JAVA_EXTRA:-}"
if [ "$seconds" != 0 ]; then
  soak "$seconds" 30 baseline
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

# Each lever: extra JVM flags (after jvm.options, so they override it), and where a lever is not a
# flag, the environment (lever_env) or another runtime (lever_runtime) it runs with.
read -r -a lever_names <<<"${LEVER_NAMES:-baseline no-app-archive jdk-runtime no-cds cds-no-relocation cds-app cds-app-no-relocation malloc-arena-max-2 malloc-trim heap-48m-young-8m free-heap-returned code-cache-8m stacks-256k}"
declare -A lever_flags=(
  [baseline]=""
  [heap-48m]="-Xmx48m"
  [heap-40m]="-Xmx40m"
  [heap-32m]="-Xmx32m"
  [young-8m]="-Xmn8m"
  [heap-48m-young-8m]="-Xmx48m -Xmn8m"
  [heap-40m-young-6m]="-Xmx40m -Xmn6m"
  [heap-64m]="-Xmx64m"
  [heap-by-need]="-XX:MaxNewSize=8m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"
  [heap-by-need-20-40]="-XX:MaxNewSize=8m -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40"
  [heap-by-need-128m]="-Xmx128m -XX:MaxNewSize=8m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"
  [free-heap-returned]="-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"
  [g1-periodic-gc]="-XX:-UseSerialGC -XX:+UseG1GC -XX:G1PeriodicGCInterval=30000 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20"
  [g1-by-need]="-XX:-UseSerialGC -XX:+UseG1GC -XX:ParallelGCThreads=1 -XX:ConcGCThreads=1 -XX:G1PeriodicGCInterval=30000"
  [g1-by-need-128m]="-Xmx128m -XX:-UseSerialGC -XX:+UseG1GC -XX:ParallelGCThreads=1 -XX:ConcGCThreads=1 -XX:G1PeriodicGCInterval=30000"
  [code-cache-8m]="-XX:ReservedCodeCacheSize=8m"
  [code-cache-unsegmented]="-XX:-SegmentedCodeCache"
  [virtual-carriers-1]="-Djdk.virtualThreadScheduler.parallelism=1"
  [interpreter-only]="-Xint"
  [compile-thresholds-x5]="-XX:CompileThresholdScaling=5"
  [metaspace-free-ratios]="-XX:MinMetaspaceFreeRatio=10 -XX:MaxMetaspaceFreeRatio=20"
  [stacks-256k]="-Xss256k"
  [compact-headers]="-XX:+UseCompactObjectHeaders"
  [jdk-runtime]=""
  [runtime-uncompressed]=""
  [no-cds]="-Xshare:off"
  [no-app-archive]="-XX:SharedArchiveFile=$image_runtime/lib/server/classes_coh.jsa"
  [cds-no-relocation]="-XX:ArchiveRelocationMode=0"
  [cds-app]="-XX:SharedArchiveFile=$work/app.jsa"
  [cds-app-no-relocation]="-XX:SharedArchiveFile=$work/app.jsa -XX:ArchiveRelocationMode=0"
  [malloc-arena-max-2]=""
  [malloc-trim]="-XX:TrimNativeHeapInterval=5000"
  [glibc-tunables]=""
)
declare -A lever_env=(
  [malloc-arena-max-2]="MALLOC_ARENA_MAX=2"
  [glibc-tunables]="GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072:glibc.malloc.top_pad=0"
)
declare -A lever_runtime=([jdk-runtime]="$JAVA_HOME")
case " ${LEVER_NAMES:-} " in
  *" runtime-uncompressed "*) lever_runtime[runtime-uncompressed]="$(JLINK_COMPRESS=zip-0 "$root/bench/lib/image-runtime.sh")" ;;
esac
if [ -n "${PREVIOUS_JAR:-}" ]; then
  lever_names+=(previous-build)
  lever_flags[previous-build]=""
fi
# LEVER_ARCHIVES="<name>=<archive> ...": a lever "archive-<name>" per class-data archive, dumped for
# the bench's jar (COLLECTOR_JAR) on the image's runtime, to weigh archives side by side.
for named in ${LEVER_ARCHIVES:-}; do
  lever_names+=("archive-${named%%=*}")
  lever_flags[archive-${named%%=*}]="-XX:SharedArchiveFile=${named#*=}"
done
if [ -n "${LEVER_EXTRA:-}" ]; then
  lever_names+=(combined)
  lever_flags[combined]="$LEVER_EXTRA"
  lever_env[combined]="${LEVER_EXTRA_ENV:-}"
fi

# The cds-app levers' archive: the classes a 20-policy collector loads in TRAIN_SECONDS (default
# 90), dumped on its exit as a dynamic archive on top of the runtime's own.
train_app_archive() {
  mkdir -p "$work/train"
  policies_json 1 "$policies" "$work/train" >"$work/train/collector.json"
  local pid
  pid=$(JAVA_EXTRA="-XX:ArchiveClassesAtExit=$work/app.jsa ${JAVA_EXTRA:-}" start_collector "$work/train/collector.json" "$work/train/collector.log")
  sleep "${TRAIN_SECONDS:-90}"
  kill -TERM "$pid"
  # Not this shell's child (started in a command substitution): wait for it to write and exit.
  while kill -0 "$pid" 2>/dev/null; do sleep 1; done
  [ -s "$work/app.jsa" ] || { echo "no application archive was written: $(tail -3 "$work/train/collector.log")" >&2; exit 1; }
  echo "application archive: $(du -m "$work/app.jsa" | cut -f1) MiB, $(grep -c . "$work/train/collector.log" || true) log lines"
}

if [ "${LEVERS:-0}" = 1 ]; then
  lever_seconds="${LEVER_SECONDS:-300}"
  echo "levers: one collector each, side by side for ${lever_seconds} s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  declare -A lever_pid lever_cpu
  case " ${lever_names[*]} " in *" cds-app"*) train_app_archive ;; esac
  for name in "${lever_names[@]}"; do
    mkdir -p "$work/lever-$name"
    policies_json 1 "$policies" "$work/lever-$name" >"$work/lever-$name/collector.json"
    if [ "$name" = previous-build ]; then
      lever_pid[$name]=$(jar="$PREVIOUS_JAR" start_collector "$work/lever-$name/collector.json" "$work/lever-$name/collector.log")
    else
      # shellcheck disable=SC2086
      lever_pid[$name]=$([ -z "${lever_env[$name]:-}" ] || export "${lever_env[$name]}"; runtime_home="${lever_runtime[$name]:-$runtime_home}" \
        JAVA_EXTRA="${lever_flags[$name]} ${JAVA_EXTRA:-}" start_collector "$work/lever-$name/collector.json" "$work/lever-$name/collector.log")
    fi
  done
  sleep 60
  for name in "${!lever_pid[@]}"; do lever_cpu[$name]=$(oncpu "${lever_pid[$name]}"); done
  sleep $((lever_seconds - 60))
  # anon/file: the final RSS split into anonymous memory (heap, metaspace, code, stacks, malloc)
  # and mapped files (libjvm, the class-data archive, modules, jars).
  # metaspace: committed MiB (jcmd VM.metaspace); classes: loaded/of them from the archive.
  printf '%-22s %9s %9s %11s %9s %9s %10s %10s %11s %s\n' lever "peak MiB" "final MiB" "anon/file" "live MiB" "threads" "CPU % core" \
    "meta MiB" "shared/all" flags
  for name in "${lever_names[@]}"; do
    pid=${lever_pid[$name]}
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name: exited: $(tail -1 "$work/lever-$name/collector.log")"
      continue
    fi
    cpu=$(awk -v a="${lever_cpu[$name]}" -v b="$(oncpu "$pid")" -v s=$((lever_seconds - 60)) 'BEGIN {printf "%.2f", 100 * (b - a) / (s * 1e9)}')
    peak=$(hwm "$pid"); final=$(rss "$pid")
    split=$(awk '/RssAnon/ {a = $2} /RssFile/ {f = $2} END {printf "%.1f/%.1f", a / 1024, f / 1024}' "/proc/$pid/status")
    threads=$(awk '/^Threads/ {print $2}' "/proc/$pid/status")
    metaspace=$("$JAVA_HOME/bin/jcmd" "$pid" VM.metaspace 2>/dev/null | awk '/^Metaspace/ {gsub(/[K,]/, "", $5); m = $5 / 1024}
      /^Total Usage/ {c = $6; s = $8; gsub(/[(]/, "", s)} END {printf "%.1f %s/%s", m, s, c}')
    "$JAVA_HOME/bin/jcmd" "$pid" GC.run >/dev/null 2>&1 || true
    live=$("$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info 2>/dev/null | awk '/DefNew|Tenured|garbage-first heap/ {for (i = 1; i <= NF; i++) if ($i == "used") u += $(i + 1) + 0} END {print u}')
    kill -TERM "$pid"
    awk -v n="$name" -v p="$peak" -v f="$final" -v s="$split" -v t="$threads" -v l="$live" -v c="$cpu" -v x="$(case $name in previous-build) echo "$PREVIOUS_JAR" ;; jdk-runtime | runtime-uncompressed) echo "${lever_runtime[$name]}" ;; *) echo "${lever_env[$name]:-} ${lever_flags[$name]:-(jvm.options only)}" ;; esac)" \
      -v m="${metaspace% *}" -v k="${metaspace#* }" \
      'BEGIN {printf "%-22s %9.1f %9.1f %11s %9.1f %9s %10s %10s %11s %s\n", n, p / 1024, f / 1024, s, l / 1024, t, c, m, k, x}'
  done
  wait "${lever_pid[@]}" 2>/dev/null || true
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
fi
echo "work directory (profiles, logs): $work"
