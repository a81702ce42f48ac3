#!/usr/bin/env bash
# One collector serving N policies against N collectors of one policy each (what one DaemonSet per
# policy cost), in the same run, on the same host load (one busy process, ~200 short-lived
# processes a second): peak RSS and steady CPU of the node's Scorch processes for N = 1, 5, 20.
# Every policy profiles every host process at 19 Hz, exporting every 15 s to a directory and (with
# NETWORK=1, the default) OTLP and Pyroscope on a loopback sink: the overlap is total, the worst
# case for one process. Needs root. Usage:
#   bench/policies.sh            (COUNTS="1 5 20" WARMUP=30 STEADY=60)
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
warmup="${WARMUP:-30}"
steady="${STEADY:-60}"
counts="${COUNTS:-1 5 20}"
# shellcheck source=bench/lib/collector-run.sh
. "$root/bench/lib/collector-run.sh"
start_load

# Runs the given collectors (config files) at once; prints "<sum of peak RSS KiB> <sum of CPU % of a core>".
measure() {
  local pids=() config
  for config in "$@"; do
    pids+=("$(start_collector "$config" "$config.log")")
  done
  sleep "$warmup"
  local before=0 after=0 peak=0 pid
  for pid in "${pids[@]}"; do before=$((before + $(oncpu "$pid"))); done
  sleep "$steady"
  for pid in "${pids[@]}"; do
    after=$((after + $(oncpu "$pid")))
    peak=$((peak + $(hwm "$pid")))
  done
  kill -TERM "${pids[@]}"
  wait "${pids[@]}" 2>/dev/null || true
  awk -v kib="$peak" -v ns=$((after - before)) -v s="$steady" 'BEGIN {printf "%d %.2f\n", kib, 100 * ns / (s * 1e9)}'
}

echo "policies bench: $(nproc) CPUs, kernel $(uname -r), ${warmup} s warm-up, ${steady} s steady, network backends ${NETWORK:-1}"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %-28s %-28s %s\n' policies "one collector: RSS MiB, CPU%" "one per policy: RSS MiB, CPU%" "ratio RSS (one / one-policy)"
one_rss=""
for n in $counts; do
  mkdir -p "$work/shared-$n"
  policies_json 1 "$n" "$work/shared-$n" >"$work/shared-$n/collector.json"
  read -r s_kib s_cpu < <(measure "$work/shared-$n/collector.json")
  [ -n "$one_rss" ] || one_rss=$s_kib
  if [ "$n" = 1 ]; then
    separate="(same)"
  else
    configs=()
    for i in $(seq "$n"); do
      mkdir -p "$work/separate-$n-$i"
      policies_json "$i" "$i" "$work/separate-$n-$i" >"$work/separate-$n-$i/collector.json"
      configs+=("$work/separate-$n-$i/collector.json")
    done
    read -r p_kib p_cpu < <(measure "${configs[@]}")
    separate=$(awk -v k="$p_kib" -v c="$p_cpu" 'BEGIN {printf "%.1f, %s", k / 1024, c}')
  fi
  printf '%-9s %-28s %-28s %s\n' "$n" "$(awk -v k="$s_kib" -v c="$s_cpu" 'BEGIN {printf "%.1f, %s", k / 1024, c}')" "$separate" \
    "$(awk -v a="$s_kib" -v b="$one_rss" 'BEGIN {printf "%.2f", a / b}')"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work directory (profiles, logs): $work"
