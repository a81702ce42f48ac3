#!/usr/bin/env bash
# Cost of the sample layouts, side by side in one run on the same two busy CPUs: the collector with
# registers + an 8 KiB user-stack copy per sample (what it unwinds from; the default), the collector
# with the kernel's frame-pointer callchain only (the layout before unwinding, --frame-pointers-only),
# `perf record -a --call-graph dwarf` (the same stack copy, written to a file) and `perf record -a -g`.
# Prints per recorder: steady-state CPU (schedstat of every thread, measured in a window that starts
# after a warm-up and ends before the recording does, so neither start-up nor the collector's
# end-of-run symbolization is in it), peak RSS while sampling, bytes per second through the ring
# buffers (the collector counts what it reads; perf: its perf.data growth in the window), samples
# and lost samples. All recorders share the 2 CPUs with the workload and each other: compare them
# within one run. With WORKLOAD_ONLY=1 the collectors keep (and unwind) only the workload's samples
# (--pid), as a node collector does for the pods a policy selects; the events stay CPU-wide, so the
# ring traffic is the same. At 1,000 Hz use WORKLOAD_ONLY=1: a whole-host recording's end-of-run
# profile (about 100,000 samples of every process) does not fit the image's 64 MiB heap. Needs root. Usage:
#   [WORKLOAD_ONLY=1] bench/layouts.sh [seconds-of-steady-state, default 60] [frequency, default 99]
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
steady="${1:-60}"
freq="${2:-99}"
warmup="${WARMUP:-20}"
build_split
prepare_perf_and_collector

total=$((warmup + steady + 5))
"$work/split" 100000 -1 $((total + 60)) >/dev/null &
select=(--pid $!)
"$work/split" 100000 -1 $((total + 60)) >/dev/null &
select+=(--pid $!)
[ "${WORKLOAD_ONLY:-0}" = 1 ] || select=()

names=(scorch-stack-copy scorch-frame-pointers perf-dwarf perf-fp)
"$root/scorch" record --duration "${total}s" --frequency "$freq" "${select[@]}" --output "$work/scorch-stack-copy.pb.gz" \
  2>"$work/scorch-stack-copy.err" &
timers=($!)
"$root/scorch" record --duration "${total}s" --frequency "$freq" "${select[@]}" --frame-pointers-only --output "$work/scorch-frame-pointers.pb.gz" \
  2>"$work/scorch-frame-pointers.err" &
timers+=($!)
perf record -a --call-graph dwarf -F "$freq" -o "$work/perf-dwarf.data" -- sleep "$total" 2>"$work/perf-dwarf.err" &
timers+=($!)
perf record -a -g -F "$freq" -o "$work/perf-fp.data" -- sleep "$total" 2>"$work/perf-fp.err" &
timers+=($!)
sleep 2
# ./scorch execs java; perf forks the workload (sleep), so the recorder is the perf process itself.
pids=("${timers[0]}" "${timers[1]}" "${timers[2]}" "${timers[3]}")
size() { [ -f "$1" ] && stat -c %s "$1" || echo 0; }

sleep "$((warmup - 2))"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A ns0 bytes0
for i in "${!names[@]}"; do
  ns0[$i]=$(live_threads_ns "${pids[$i]}")
done
# Per thread of each collector, to tell the sampler thread from the JVM's own work in the window.
thread_ns() { for t in /proc/"$1"/task/*; do echo "$(basename "$t") $(cut -d' ' -f1 "$t/schedstat") $(tr ' ' _ < "$t/comm")"; done 2>/dev/null | sort; }
thread_ns "${pids[0]}" >"$work/threads0.0"; thread_ns "${pids[1]}" >"$work/threads1.0"
bytes0[2]=$(size "$work/perf-dwarf.data"); bytes0[3]=$(size "$work/perf-fp.data")
sleep "$steady"
declare -A ns1 bytes1 peak
for i in "${!names[@]}"; do
  ns1[$i]=$(live_threads_ns "${pids[$i]}")
  peak[$i]=$(hwm "${pids[$i]}")
done
thread_ns "${pids[0]}" >"$work/threads0.1"; thread_ns "${pids[1]}" >"$work/threads1.1"
bytes1[2]=$(size "$work/perf-dwarf.data"); bytes1[3]=$(size "$work/perf-fp.data")
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
for t in "${timers[@]}"; do wait "$t" || true; done

lost_perf() { perf report -i "$1" --stats 2>/dev/null | awk '$1 == "LOST" && $2 == "events:" {s += $3} END {print s + 0}'; }
samples_perf() { perf report -i "$1" --stats 2>/dev/null | awk '$1 == "SAMPLE" && $2 == "events:" {print $3; exit}'; }

echo "layouts bench: ${freq} Hz, ${steady} s steady window after ${warmup} s warm-up, $(nproc) CPUs, 2 busy workload threads$([ ${#select[@]} -gt 0 ] && echo ', collectors keep the workload only')"
echo "kernel $(uname -r); load average before the window ${load_before}, after ${load_after}"
echo
echo "| recorder | CPU in the window, % of a core | CPU s per 60 s | peak RSS while sampling, KiB | ring traffic, KiB/s | samples (whole run) | lost (whole run) |"
echo "|---|---|---|---|---|---|---|"
for i in "${!names[@]}"; do
  name=${names[$i]}
  cpu_ns=$((ns1[$i] - ns0[$i]))
  pct=$(awk -v ns="$cpu_ns" -v s="$steady" 'BEGIN {printf "%.3f", 100 * ns / (s * 1e9)}')
  per60=$(awk -v ns="$cpu_ns" -v s="$steady" 'BEGIN {printf "%.3f", ns / 1e9 * 60 / s}')
  case $name in
    scorch-*)
      line=$(grep -a "wrote .*pb.gz" "$work/$name.err" || true)
      samples=$(echo "$line" | sed -n 's/.*(\([0-9]*\) taken.*/\1/p')
      lost=$(echo "$line" | sed -n 's/.* \([0-9]*\) lost.*/\1/p')
      kib=$(echo "$line" | sed -n 's/.*; \([0-9]*\) KiB read.*/\1/p')
      secs=$(awk -v t="$total" 'BEGIN {print t}')
      rate=$(awk -v k="$kib" -v s="$secs" 'BEGIN {printf "%.0f (whole run)", k / s}')
      ;;
    perf-*)
      data="$work/$name.data"
      samples=$(samples_perf "$data"); lost=$(lost_perf "$data")
      rate=$(awk -v b="$((bytes1[$i] - bytes0[$i]))" -v s="$steady" 'BEGIN {printf "%.0f (window, perf.data)", b / 1024 / s}')
      ;;
  esac
  echo "| $name | $pct | $per60 | ${peak[$i]} | $rate | $samples | $lost |"
done
echo
echo "Where the collectors' CPU went in the window, ms (threads alive at both ends): sampler = reading, decoding, unwinding and"
echo "counting; unwind-compiler = CFI of large objects; C1 = the JVM's JIT; VM thread = serial GC and safepoints; attach ="
echo "answering other profilers' perf-map requests (Scorch collectors on the same host ask every JVM they sample)."
echo
echo "| recorder | sampler | unwind-compiler | C1 | VM thread | attach | other |"
echo "|---|---|---|---|---|---|---|"
for i in 0 1; do
  join "$work/threads$i.0" "$work/threads$i.1" | awk -v name="${names[$i]}" '
    { d = ($4 - $2) / 1e6; c = $3
      if (c ~ /^scorch-sampler/) k = "s"; else if (c ~ /^scorch-unwind/) k = "u"; else if (c ~ /^C1_/) k = "c"
      else if (c ~ /^VM_Thread/) k = "v"; else if (c ~ /^Attach/) k = "a"; else k = "o"
      ms[k] += d }
    END { printf "| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", name, ms["s"], ms["u"], ms["c"], ms["v"], ms["a"], ms["o"] }'
done
echo
echo "(files in $work)"
