#!/usr/bin/env bash
# One collector serving N policies against one serving one policy, and against N collectors of one
# policy each (what one DaemonSet per policy cost): peak RSS and steady CPU of the node's Scorch
# processes for N = 1, 5, 20. Every policy profiles every host process at 19 Hz, exporting every
# 15 s to a directory and (with NETWORK=1, the default) OTLP and Pyroscope on a loopback sink: the
# overlap is total, the worst case for one process. Host load: one busy process, ~200 short-lived
# processes a second.
#
# Window 1 runs the shared collectors of every count side by side, so they sample the same host at
# the same load and their CPU ratio is not blurred by the load moving between runs; it prints each
# one's CPU by thread as well. Then one window per N > 1 runs the N separate collectors (summed).
# BASELINE_JAR=<a collector jar> adds, in window 1, the same counts run from that jar (e.g. main's
# before a change), and BASELINE_RUNTIME=<a Java home> the same counts on that runtime (e.g. the
# full JDK, $JAVA_HOME, against the image's jlinked runtime) and BASELINE_OPTIONS=<a jvm.options
# file> with those JVM flags instead of collector-image/jvm.options (e.g. main's before a heap
# change), so a change is compared with what it
# replaces at the same moment on the same host: the level of every collector follows what else runs
# on the host (its JVMs' JIT maps, the binaries it starts), which moves between windows more than
# a change or a runtime moves the figures (docs/benchmarks.md). The JVMs and collectors on the host
# outside the bench are listed with the load at each window's start.
# Needs root. Usage:
#   bench/policies.sh   (COUNTS="1 5 20" WARMUP=60 STEADY=120 SEPARATE=1 BASELINE_JAR= BASELINE_RUNTIME=)
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
warmup="${WARMUP:-60}"
steady="${STEADY:-120}"
counts="${COUNTS:-1 5 20}"
# shellcheck source=bench/lib/collector-run.sh
. "$root/bench/lib/collector-run.sh"
start_load

# CPU ticks per thread name of a process: "<name> <utime+stime ticks>" lines (names merged: the
# pool threads of the HTTP client share theirs).
thread_ticks() {
  for stat in /proc/"$1"/task/*/stat; do
    cat "$stat" 2>/dev/null || true
  done | sed -E 's/^[0-9]+ \((.*)\) [A-Z] (.*)$/\1\t\2/' |
    awk -F'\t' '{split($2, f, " "); name = $1; gsub(/[0-9]+$/, "#", name); t[name] += f[11] + f[12]} END {for (n in t) print n "\t" t[n]}'
}

# The JVMs running on the host beside the given (the bench's own) pids, and how many of them are
# Scorch collectors: each collector asks every JVM it samples for its JIT map and reads it again
# whenever any collector made the JVM rewrite it, so these set much of a collector's level.
host_jvms() {
  local ours=" $* " jvms=0 collectors=0 pid
  for pid in $(pgrep -x java); do
    [[ $ours == *" $pid "* ]] && continue
    jvms=$((jvms + 1))
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'dev.scorch.collector.cli.Main'; then collectors=$((collectors + 1)); fi
  done
  echo "  other JVMs on the host at window start: $jvms, of them Scorch collectors: $collectors"
}

# Runs the given collectors (config files) at once, over the same warm-up and steady window; prints
# one line per collector: "<peak RSS KiB> <CPU % of a core>", and writes each one's per-thread CPU
# over the window to <config>.threads.
measure() {
  local pids=() config i configs=("$@")
  for config in "$@"; do
    pids+=("$(image_flags=("${options_of[$config]:-${image_flags[@]}}")
      jar="${jar_of[$config]:-$jar}" runtime_home="${runtime_of[$config]:-$runtime_home}" start_collector "$config" "$config.log")")
  done
  sleep "$warmup"
  local before=()
  for i in "${!pids[@]}"; do
    before+=("$(oncpu "${pids[$i]}")")
    thread_ticks "${pids[$i]}" >"${configs[$i]}.threads.before" 2>/dev/null || true
  done
  echo "  load average at window start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  host_jvms "${pids[@]}" >&2
  sleep "$steady"
  echo "  load average at window end:   $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  for i in "${!pids[@]}"; do
    local after kib
    after=$(oncpu "${pids[$i]}")
    kib=$(hwm "${pids[$i]}")
    thread_ticks "${pids[$i]}" >"${configs[$i]}.threads.after" 2>/dev/null || true
    awk -F'\t' -v hz="$(getconf CLK_TCK)" -v s="$steady" \
      'NR == FNR {b[$1] = $2; next} {d = $2 - b[$1]; if (d > 0) printf "%6.2f %%  %s\n", 100 * d / hz / s, $1}' \
      "${configs[$i]}.threads.before" "${configs[$i]}.threads.after" 2>/dev/null | sort -rn >"${configs[$i]}.threads" || true
    awk -v kib="$kib" -v ns=$((after - before[i])) -v s="$steady" 'BEGIN {printf "%d %.2f\n", kib, 100 * ns / (s * 1e9)}'
  done
  stop_collectors "${pids[@]}"
}

echo "policies bench: $(nproc) CPUs, kernel $(uname -r), ${warmup} s warm-up, ${steady} s steady, network backends ${NETWORK:-1}"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A jar_of runtime_of options_of
builds=(this)
[ -z "${BASELINE_JAR:-}${BASELINE_RUNTIME:-}${BASELINE_OPTIONS:-}" ] || builds+=(baseline)
echo "window 1: one collector per count and build, side by side (${counts}; ${builds[*]})"
shared=()
for build in "${builds[@]}"; do
  for n in $counts; do
    mkdir -p "$work/$build-shared-$n"
    policies_json 1 "$n" "$work/$build-shared-$n" >"$work/$build-shared-$n/collector.json"
    shared+=("$work/$build-shared-$n/collector.json")
    if [ "$build" = baseline ]; then
      jar_of["$work/$build-shared-$n/collector.json"]="${BASELINE_JAR:-$jar}"
      runtime_of["$work/$build-shared-$n/collector.json"]="${BASELINE_RUNTIME:-$runtime_home}"
      [ -z "${BASELINE_OPTIONS:-}" ] || options_of["$work/$build-shared-$n/collector.json"]="@$BASELINE_OPTIONS"
    fi
  done
done
mapfile -t results < <(measure "${shared[@]}")
declare -A s_kib s_cpu
i=0
for build in "${builds[@]}"; do
  for n in $counts; do
    read -r s_kib[$build-$n] s_cpu[$build-$n] <<<"${results[$i]}"
    i=$((i + 1))
  done
done
# The CPU of threads that are the bench's, not the collector's work: the JVM's Attach Listener
# answers the other collectors of this window asking for its JIT symbols (each collector profiles
# the others; 0.03 % of a core with one other, 0.2-0.3 % with three), and JFR's threads when
# JAVA_EXTRA records. The same in every count, so it lowers the ratio; the last column leaves it out.
artefacts() { awk '/ (Attach Listener|JFR )/ {s += $1} END {printf "%.2f\n", s + 0}' "$1"; }
first=${counts%% *}
for build in "${builds[@]}"; do
  [ "${#builds[@]}" = 1 ] || echo "build: $build$([ "$build" = this ] && echo " ($jar on $runtime_home)" ||
    echo " (${BASELINE_JAR:-$jar} on ${BASELINE_RUNTIME:-$runtime_home}${BASELINE_OPTIONS:+, flags @$BASELINE_OPTIONS})")"
  printf '%-9s %-30s %-44s %s\n' policies "one collector: RSS MiB, CPU%" "x the ${first}-policy collector (RSS, CPU)" \
    "CPU% and x without attach/JFR threads"
  for n in $counts; do
    k=$build-$n f=$build-$first
    own=$(awk -v c="${s_cpu[$k]}" -v a="$(artefacts "$work/$build-shared-$n/collector.json.threads")" 'BEGIN {printf "%.2f", c - a}')
    own_first=$(awk -v c="${s_cpu[$f]}" -v a="$(artefacts "$work/$build-shared-$first/collector.json.threads")" 'BEGIN {printf "%.2f", c - a}')
    printf '%-9s %-30s %-44s %s\n' "$n" "$(awk -v k="${s_kib[$k]}" -v c="${s_cpu[$k]}" 'BEGIN {printf "%.1f, %s", k / 1024, c}')" \
      "$(awk -v a="${s_kib[$k]}" -v b="${s_kib[$f]}" -v c="${s_cpu[$k]}" -v d="${s_cpu[$f]}" \
        'BEGIN {printf "%.2f, %s", a / b, (d > 0 ? sprintf("%.2f", c / d) : "n/a")}')" \
      "$(awk -v c="$own" -v d="$own_first" 'BEGIN {printf "%.2f, %s", c, (d > 0 ? sprintf("%.2f", c / d) : "n/a")}')"
  done
done
for build in "${builds[@]}"; do
  for n in $counts; do
    echo "  CPU by thread, $n policies, $build build (% of a core over the window):"
    sed 's/^/    /' "$work/$build-shared-$n/collector.json.threads" | head -12
  done
done

if [ "${SEPARATE:-1}" = 1 ]; then
  for n in $counts; do
    [ "$n" != 1 ] || continue
    echo "window: $n collectors of one policy each"
    configs=()
    for i in $(seq "$n"); do
      mkdir -p "$work/separate-$n-$i"
      policies_json "$i" "$i" "$work/separate-$n-$i" >"$work/separate-$n-$i/collector.json"
      configs+=("$work/separate-$n-$i/collector.json")
    done
    mapfile -t results < <(measure "${configs[@]}")
    printf '%s\n' "${results[@]}" | awk -v n="$n" '{k += $1; c += $2} END {printf "%-9s one per policy, summed: %.1f MiB, %.2f %% of a core\n", n, k / 1024, c}'
  done
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work directory (profiles, logs): $work"
