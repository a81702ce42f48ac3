#!/usr/bin/env bash
# Collector overhead and accuracy against `perf record -a -g`, both sampling the same workload at
# the same time. Prints CPU time, peak RSS, lost samples and the hot-function shares of each, plus
# the truth the workload measured about itself. Needs root. Usage:
#   bench/collector.sh [seconds-of-steady-state, default 60] [frequency, default 99]
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
steady="${1:-60}"
freq="${2:-99}"
warmup="${WARMUP:-20}"
build_split
prepare_perf_and_collector

clk=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Two busy CPUs: two copies of the ground-truth workload, each one thread, for the whole run.
total=$((warmup + steady + 5))
"$work/split" 100000 -1 $((total + 30)) >"$work/split1.out" &
w1=$!
"$work/split" 100000 -1 $((total + 30)) >"$work/split2.out" &
w2=$!

/usr/bin/time -o "$work/scorch.time" -f "%U %S %M" \
  "$root/scorch" record --duration "${total}s" --frequency "$freq" --output "$work/scorch.pb.gz" 2>"$work/scorch.err" &
scorch_timer=$!
/usr/bin/time -o "$work/perf.time" -f "%U %S %M" \
  perf record -a -g -F "$freq" -o "$work/perf.data" -- sleep "$total" 2>"$work/perf.err" &
perf_timer=$!
sleep 1
# ./scorch execs java, so the timer's child is the collector itself.
scorch=$(pgrep -P $scorch_timer)
perfpid=$(pgrep -P $perf_timer -x perf)

sleep "$warmup"
s_ticks0=$(ticks $scorch); s_ns0=$(live_threads_ns $scorch)
p_ticks0=$(ticks $perfpid); p_ns0=$(live_threads_ns $perfpid)
sleep "$steady"
s_ticks1=$(ticks $scorch); s_ns1=$(live_threads_ns $scorch); s_steady_hwm=$(hwm $scorch)
p_ticks1=$(ticks $perfpid); p_ns1=$(live_threads_ns $perfpid); p_hwm=$(hwm $perfpid)
wait $perf_timer || true
wait $scorch_timer || { echo "collector failed:"; cat "$work/scorch.err"; exit 1; }
kill -TERM $w1 $w2; wait $w1 $w2 || true

pct() { awk -v ns="$1" -v s="$2" 'BEGIN {printf "%.3f", 100 * ns / (s * 1e9)}'; }
tickpct() { awk -v t="$1" -v hz="$clk" -v s="$2" 'BEGIN {printf "%.3f", 100 * t / hz / s}'; }
share() { awk -v h="$1" -v c="$2" 'BEGIN {if (h + c == 0) print "n/a"; else printf "%.1f", 100 * h / (h + c)}'; }

truth_hot=$(cat "$work"/split*.out | sed -n 's/.*hot_ns=\([0-9]*\).*/\1/p' | paste -sd+ | bc)
truth_cold=$(cat "$work"/split*.out | sed -n 's/.*cold_ns=\([0-9]*\).*/\1/p' | paste -sd+ | bc)

top=$(go tool pprof -top -unit=ms -nodecount=100000 "$work/scorch.pb.gz" 2>/dev/null)
flat() { echo "$top" | awk -v f="$1" '$NF == f {v = $1; sub(/ms$/, "", v); print v; exit}'; }
s_hot=$(flat scorch_hot); s_cold=$(flat scorch_cold)
/usr/bin/time -o "$work/report.time" -f "%U %S %M" \
  perf report -i "$work/perf.data" --stdio --no-children --sort sym 2>/dev/null >"$work/perf.report"
pflat() { awk -v f="$1" '$NF == f {v = $1; sub(/%/, "", v); print v; exit}' "$work/perf.report"; }
p_hot=$(pflat scorch_hot); p_cold=$(pflat scorch_cold)
perf report -i "$work/perf.data" --stats 2>/dev/null >"$work/perf.stats"
p_lost=$(awk '$1 == "LOST" && $2 == "events:" {s += $3} END {print s + 0}' "$work/perf.stats")
s_lost=$(sed -n 's/.* \([0-9]*\) lost.*/\1/p' "$work/scorch.err")
s_samples=$(sed -n 's/.*wrote .*: \([0-9]*\) samples.*/\1/p' "$work/scorch.err")
p_samples=$(awk '$1 == "SAMPLE" && $2 == "events:" {print $3; exit}' "$work/perf.stats")

cat <<REPORT
collector bench: ${freq} Hz, ${steady} s steady state after ${warmup} s warm-up, $(nproc) CPUs, 2 busy workload threads
kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)
                          scorch record          perf record -a -g
CPU, schedstat (% core)   $(pct $((s_ns1 - s_ns0)) "$steady")                 $(pct $((p_ns1 - p_ns0)) "$steady")
CPU, stat ticks (% core)  $(tickpct $((s_ticks1 - s_ticks0)) "$steady")                 $(tickpct $((p_ticks1 - p_ticks0)) "$steady")
peak RSS, sampling (KiB)  ${s_steady_hwm}                  ${p_hwm}
peak RSS, whole run (KiB) $(cut -d' ' -f3 "$work/scorch.time")                 $(cut -d' ' -f3 "$work/perf.time") (perf report: $(cut -d' ' -f3 "$work/report.time"))
CPU s, whole run          $(awk '{print $1 + $2}' "$work/scorch.time")                   $(awk '{print $1 + $2}' "$work/perf.time") + perf report $(awk '{print $1 + $2}' "$work/report.time")
samples                   ${s_samples}                  ${p_samples}
lost                      ${s_lost}                      ${p_lost}
scorch_hot share (%)      $(share "$s_hot" "$s_cold")                   $(share "$p_hot" "$p_cold")      truth $(share "$truth_hot" "$truth_cold")
REPORT
echo "(files in $work)"
