#!/usr/bin/env bash
# The heap in a burst: 20-policy collectors (POLICIES) as the image runs them (its runtime,
# bench/lib/image-runtime.sh, and collector-image/jvm.options), side by side, on a host with one
# busy process and ~200 short-lived processes a second, WARMUP seconds (default 60) of that, then
# BURST_SECONDS (default 120) while the host also starts many new binaries and JVMs at once
# (bench/lib/burst.sh), then AFTER_SECONDS (default 60) without the burst. Every 10 s it prints
# each collector's RSS, peak RSS, the heap's resident part (bench/lib/collector-run.sh, heap_rss)
# and the live heap after its latest full GC (from its GC log);
# every HISTOGRAM_SECONDS (default 30; 0: never) the largest classes of a class histogram (which
# costs a full GC). Real Go programs serving net/http/pprof run throughout, pulled by the policies
# (bench/lib/burst-pulls.sh: GO_PROGRAMS, PULL_POLICIES). At the end, per collector and phase: the
# largest live heap after a full GC, full GCs, CPU (the GC thread's from the log's gc+cpu lines),
# and an out-of-memory exit with its heap dump. Needs root. Usage:
#   bench/burst.sh                                  (one collector, jvm.options only)
#   COLLECTORS="current; small -Xmx40m -Xmn6m; before@/tmp/old/scorch-collector.jar" bench/burst.sh
# COLLECTORS: ";"-separated entries "<name>[@<jar>] [JVM flags after jvm.options]"; without @ the
# jar is COLLECTOR_JAR or the worktree's build. Every collector gets -XX:+HeapDumpOnOutOfMemoryError
# (the dump lands in its directory under the work directory) and a GC log; DUMP_AT_BURST_END=1
# also dumps every live collector's heap (jcmd GC.heap_dump) as the burst ends.
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
policies="${POLICIES:-20}"
warmup="${WARMUP:-60}"
burst_seconds="${BURST_SECONDS:-120}"
after="${AFTER_SECONDS:-60}"
histogram_every="${HISTOGRAM_SECONDS:-30}"
# shellcheck source=bench/lib/burst-pulls.sh
. "$root/bench/lib/burst-pulls.sh"
start_go_programs
# shellcheck source=bench/lib/collector-run.sh
. "$root/bench/lib/collector-run.sh"
# shellcheck source=bench/lib/burst.sh
. "$root/bench/lib/burst.sh"
trap 'stop_burst; stop_go_programs; kill $(cat "$work/collector.pids" 2>/dev/null) $(jobs -p) 2>/dev/null || true' EXIT

prepare_burst
start_load

IFS=';' read -r -a entries <<<"${COLLECTORS:-current}"
# Each jar's class-data archive takes a training run: all of them first, so the collectors start together.
for entry in "${entries[@]}"; do
  read -r label _ <<<"$entry"
  [ "$label" = "${label%%@*}" ] || app_archive_flag "${label#*@}" >/dev/null
done
names=()
declare -A pid_of cpu_at_start
for entry in "${entries[@]}"; do
  read -r label flags <<<"$entry"
  [ -n "$label" ] || continue
  name="${label%%@*}"
  dir="$work/$name"
  mkdir -p "$dir"
  policies_json 1 "$policies" "$dir" >"$dir/collector.json"
  add_pulls "$dir/collector.json"
  run_jar="$jar"
  [ "$label" = "$name" ] || run_jar="${label#*@}"
  pid_of[$name]=$(jar="$run_jar" JAVA_EXTRA="${flags:-} -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=$dir -Xlog:gc,gc+cpu:file=$dir/gc.log ${JAVA_EXTRA:-}" \
    start_collector "$dir/collector.json" "$dir/collector.log")
  cpu_at_start[$name]=$(oncpu "${pid_of[$name]}")
  names+=("$name")
  echo "collector $name: pid ${pid_of[$name]}, $run_jar, flags: ${flags:-(jvm.options only)}"
done
echo "burst: $policies policies each, $(nproc) CPUs, kernel $(uname -r), warm-up $warmup s, burst $burst_seconds s, after $after s; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# "<after-MiB> <committed-MiB>" of the latest full GC in a serial-GC log line such as
# "[..] GC(12) Pause Full (Allocation Failure) 55M->53M(61M) 120.3ms", or "- -".
last_full() { grep 'Pause Full' "$1" 2>/dev/null | tail -1 | sed -n 's/.* [0-9]*M->\([0-9]*\)M(\([0-9]*\)M).*/\1 \2/p' | grep . || echo "- -"; }

# The CPU time (user + system, s) the GC thread spent, in all collections and in full ones, from
# the GC log's "GC(n) User=0.01s Sys=0.00s Real=0.01s" lines: "<all> <full>".
gc_cpu() {
  awk '{match($0, /GC\([0-9]+\)/); id = substr($0, RSTART, RLENGTH)}
    /Pause Full/ {full[id] = 1}
    / User=/ {u = $0; sub(/.*User=/, "", u); s = $0; sub(/.*Sys=/, "", s); cpu[id] = u + s}
    END {for (id in cpu) {all += cpu[id]; if (id in full) f += cpu[id]}; printf "%.2f %.2f", all, f}' "$1"
}

# The phase each full GC fell in, from the GC log's uptime stamps and the phase boundaries (s).
phase_summary() {
  local log=$1 start_burst=$2 end_burst=$3
  awk -v b="$start_burst" -v e="$end_burst" '/Pause Full/ {
      t = substr($1, 2) + 0; match($0, /M->[0-9]+M\(/); live = substr($0, RSTART + 3, RLENGTH - 5) + 0
      p = t < b ? 1 : (t < e ? 2 : 3); n[p]++; if (live > m[p]) m[p] = live }
    END {for (p = 1; p <= 3; p++) printf " %s %s/%s", (p == 1 ? "warm-up" : (p == 2 ? "burst" : "after")), (m[p] ? m[p] : "-"), n[p] + 0}' "$log"
}

histogram() {
  "$JAVA_HOME/bin/jcmd" "$1" GC.class_histogram 2>/dev/null | awk 'NR > 3 && NR <= 9 {printf "  %s %.1f MiB (%d)", $4, $3 / 1048576, $2}'
}

report() {
  local phase=$1 t=$2 name pid
  for name in "${names[@]}"; do
    pid=${pid_of[$name]}
    if ! kill -0 "$pid" 2>/dev/null; then
      continue
    fi
    read -r live committed <<<"$(last_full "$work/$name/gc.log")"
    heap=$(heap_rss "$pid")
    [ "$heap" -le "${heap_peak[$name]:-0}" ] || heap_peak[$name]=$heap
    awk -v t="$t" -v p="$phase" -v n="$name" -v r="$(rss "$pid")" -v h="$(hwm "$pid")" -v l="$live" -v c="$committed" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
      -v heap="$heap" 'BEGIN {printf "%5d s %-7s %-14s RSS %6.1f  peak %6.1f MiB  heap resident %5.1f MiB  live after last full GC %3s of %3s MiB  load %s\n",
        t, p, n, r / 1024, h / 1024, heap / 1024, l, c, load}'
  done
}

declare -A exited_at heap_peak
run_phase() {
  local phase=$1 seconds=$2 phase_start=$SECONDS name
  while [ $((SECONDS - phase_start)) -lt "$seconds" ]; do
    sleep 10
    local t=$((SECONDS - run_start))
    report "$phase" "$t"
    for name in "${names[@]}"; do
      if [ -z "${exited_at[$name]:-}" ] && ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
        exited_at[$name]="$t s ($phase): $(grep -m1 -o 'OutOfMemoryError.*' "$work/$name/collector.log" || tail -1 "$work/$name/collector.log")"
        echo "collector $name exited at ${exited_at[$name]}"
      fi
      if [ "$histogram_every" != 0 ] && [ $((t % histogram_every)) -lt 10 ] && [ -z "${exited_at[$name]:-}" ]; then
        echo "      $name histogram:$(histogram "${pid_of[$name]}")"
      fi
    done
  done
}

run_start=$SECONDS
run_phase warm-up "$warmup"
burst_from=$((SECONDS - run_start))
start_burst
echo "burst started at $burst_from s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run_phase burst "$burst_seconds"
if [ "${DUMP_AT_BURST_END:-0}" = 1 ]; then
  for name in "${names[@]}"; do
    ! kill -0 "${pid_of[$name]}" 2>/dev/null || "$JAVA_HOME/bin/jcmd" "${pid_of[$name]}" GC.heap_dump "$work/$name/burst-end.hprof" >/dev/null 2>&1 || true
  done
  echo "heap dumps at the burst's end: $(ls "$work"/*/burst-end.hprof 2>/dev/null | tr '\n' ' ')"
fi
stop_burst
burst_to=$((SECONDS - run_start))
echo "burst stopped at $burst_to s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
run_phase after "$after"

echo "collector: peak RSS, largest live heap after a full GC (MiB) / full GCs per phase, CPU over the run"
for name in "${names[@]}"; do
  pid=${pid_of[$name]}
  # The GC log's uptime stamps count from the collector's start, which is the run's (within a second).
  phases=$(phase_summary "$work/$name/gc.log" "$burst_from" "$burst_to")
  if [ -n "${exited_at[$name]:-}" ]; then
    echo "$name: EXITED at ${exited_at[$name]};$phases; heap dump: $(ls "$work/$name"/*.hprof 2>/dev/null || echo none)"
    continue
  fi
  cpu=$(awk -v a="${cpu_at_start[$name]}" -v b="$(oncpu "$pid")" -v s=$((SECONDS - run_start)) 'BEGIN {printf "%.2f", 100 * (b - a) / (s * 1e9)}')
  report_pulls "$name" "$pid"
  read -r gc_all gc_full <<<"$(gc_cpu "$work/$name/gc.log")"
  echo "$name: peak RSS $(awk -v h="$(hwm "$pid")" 'BEGIN {printf "%.1f", h / 1024}') MiB, final $(awk -v r="$(rss "$pid")" 'BEGIN {printf "%.1f", r / 1024}') MiB, heap resident at most $(awk -v h="${heap_peak[$name]:-0}" 'BEGIN {printf "%.1f", h / 1024}') MiB (every 10 s);$phases; CPU $cpu % of a core, of it GC $gc_all s (full GCs $gc_full s)"
  kill -TERM "$pid"
done
for name in "${names[@]}"; do
  while kill -0 "${pid_of[$name]}" 2>/dev/null; do sleep 1; done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); work directory (logs, GC logs, heap dumps): $work"
