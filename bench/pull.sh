#!/usr/bin/env bash
# Cost of pulling the pprof endpoints of N Go programs at a fixed interval: `scorch pull` (one JVM,
# per-interval deltas, gzipped files) against a plain bash loop of `curl -o` fetching the same
# endpoints at the same pace, both running at the same time against the same programs. Prints CPU
# time (whole run and steady state), peak RSS and bytes fetched of each, and the load. Needs Go.
# Usage: bench/pull.sh [programs, default 20] [seconds, default 120] [interval seconds, default 15]
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
n="${1:-20}"
seconds="${2:-120}"
interval="${3:-15}"
types="heap allocs goroutine mutex block"

# shellcheck source=bench/lib/go-pprof-programs.sh
. "$root/bench/lib/go-pprof-programs.sh"
"$root/scorch" --help >/dev/null   # builds the collector if needed, outside the measured window

clk=$(getconf CLK_TCK)
mkdir -p "$work/curl" "$work/scorch"
export -f curl_loop
/usr/bin/time -o "$work/scorch.time" -f "%U %S %M" \
  "$root/scorch" pull "${urls[@]}" --types "${types// /,}" --duration "${seconds}s" --interval "${interval}s" \
  --output "$work/scorch" 2>"$work/scorch.err" &
scorch_timer=$!
/usr/bin/time -o "$work/curl.time" -f "%U %S %M" bash -c "$(declare -p urls types work seconds interval); $(declare -f curl_loop); curl_loop" &
curl_timer=$!
sleep 1
scorch=$(pgrep -P $scorch_timer)
loop=$(pgrep -P $curl_timer -x bash)

# Steady state: from the end of the first interval (JVM start and first pulls behind) to the end.
sleep "$interval"
s0=$(ticks "$scorch"); c0=$(ticks "$loop"); t0=$SECONDS
while kill -0 "$scorch" 2>/dev/null && kill -0 "$loop" 2>/dev/null && [ $((SECONDS - t0)) -lt $((seconds - interval - 2)) ]; do sleep 1; done
s1=$(ticks "$scorch"); c1=$(ticks "$loop"); t1=$SECONDS
load=$(cut -d' ' -f1-3 /proc/loadavg)
wait $scorch_timer || { echo "scorch pull failed:"; cat "$work/scorch.err"; exit 1; }
wait $curl_timer || true

read -r su ss sm < "$work/scorch.time"
read -r cu cs cm < "$work/curl.time"
sbytes=$(sed -n 's/.*fetched \([0-9]*\) bytes.*/\1/p' "$work/scorch.err")
cbytes=$(find "$work/curl" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
sfiles=$(find "$work/scorch" -type f | wc -l)
cfiles=$(find "$work/curl" -type f | wc -l)
steady=$((t1 - t0))
pct() { awk -v t="$1" -v hz="$clk" -v s="$2" 'BEGIN {printf "%.2f", 100 * t / hz / s}'; }

echo "pulling $n Go programs x 5 types every ${interval}s for ${seconds}s; load average at the end: $load ($(nproc) CPUs)"
printf '%-34s %14s %18s %12s %14s %8s\n' "" "CPU s (run)" "CPU % core steady" "peak RSS KiB" "bytes fetched" "files"
printf '%-34s %14s %18s %12s %14s %8s\n' "scorch pull (deltas, one JVM)" "$(awk -v u="$su" -v s="$ss" 'BEGIN {print u + s}')" \
  "$(pct $((s1 - s0)) "$steady")" "$sm" "$sbytes" "$sfiles"
printf '%-34s %14s %18s %12s %14s %8s\n' "anchor: bash loop of curl -o" "$(awk -v u="$cu" -v s="$cs" 'BEGIN {print u + s}')" \
  "$(pct $((c1 - c0)) "$steady")" "$cm" "$cbytes" "$cfiles"
echo "steady window ${steady}s; scorch's own failures: $(grep -c '(timeout\|(unreachable\|(not-pprof\|(too-large' "$work/scorch.err" || true)"
