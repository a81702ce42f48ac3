#!/usr/bin/env bash
# Stack completeness per runtime, side by side with perf in the same window: the share of a
# workload's samples in its hot function whose stack also names the hot function's callers, for
# the collector (`scorch record`, registers + stack copy + unwinder), `perf record -g` (frame
# pointers) and `perf record --call-graph dwarf` (perf's own DWARF unwinder), all three sampling
# the same processes at the same time. Also prints each recorder's CPU seconds, peak RSS and
# lost samples. The JVM row runs a Java program with no profiling flag: its Java methods are named
# from the perf map Scorch has the JVM write through the attach mechanism (`Compiler.perfmap`); perf
# is shown without a map (what perf gets on its own) and, on a separate line, with one the JVM
# writes on a `jcmd` after the recording. Needs
# root, gcc, Go and python3. Usage:
#   bench/stacks.sh [seconds, default 30] [frequency, default 99]
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
seconds="${1:-30}"
freq="${2:-99}"

command -v gcc >/dev/null || { echo "bench needs gcc (apt-get install -y gcc)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench needs python3 (apt-get install -y python3)" >&2; exit 1; }
GO="${SCORCH_GO:-$(command -v go || echo /usr/local/go/bin/go)}"
gcc -O2 -fomit-frame-pointer -o "$work/omitted_frames" "$root/collector-image/src/test/c/omitted_frames.c"
cp -r "$root/collector-image/src/test/resources/workloads/goleaf" "$work/goleaf"
(cd "$work/goleaf" && "$GO" build -ldflags='-s -w' -o "$work/goleaf-bin" .)
prepare_perf_and_collector
JAVA="$JAVA_HOME/bin/java"
cp "$root/collector-image/src/test/resources/workloads/jit/JitWorkload.java" "$work/"

total=$((seconds + 10))
"$work/omitted_frames" $((total + 20)) >/dev/null &
c_pid=$!
"$work/goleaf-bin" $((total + 20)) >/dev/null &
go_pid=$!
"$JAVA" "$work/JitWorkload.java" $((total + 60)) >"$work/jvm.out" &
jvm_pid=$!
# JitWorkload prints "warm" after 3 s of its own CPU time (its methods compiled): steady state, not JVM start-up.
for _ in $(seq 1 240); do grep -q '^warm$' "$work/jvm.out" && break; sleep 0.5; done
grep -q '^warm$' "$work/jvm.out" || { echo "the JVM workload never warmed up: $(cat "$work/jvm.out")" >&2; exit 1; }

/usr/bin/time -o "$work/scorch.time" -f "%U %S %M" \
  "$root/scorch" record --duration "${total}s" --frequency "$freq" --pid "$c_pid" --pid "$go_pid" --pid "$jvm_pid" \
  --output "$work/scorch.pb.gz" 2>"$work/scorch.err" &
scorch_timer=$!
/usr/bin/time -o "$work/perf-fp.time" -f "%U %S %M" \
  perf record -g -F "$freq" -p "$c_pid,$go_pid,$jvm_pid" -o "$work/perf-fp.data" -- sleep "$total" 2>"$work/perf-fp.err" &
fp_timer=$!
/usr/bin/time -o "$work/perf-dwarf.time" -f "%U %S %M" \
  perf record --call-graph dwarf -F "$freq" -p "$c_pid,$go_pid,$jvm_pid" -o "$work/perf-dwarf.data" -- sleep "$total" 2>"$work/perf-dwarf.err" &
dwarf_timer=$!
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
wait $scorch_timer $fp_timer $dwarf_timer || true
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$GO" tool pprof -traces "$work/scorch.pb.gz" >"$work/scorch.traces" 2>/dev/null
# Scorch removes the perf map it had the JVM write when the recording ends; for perf's figures with a map the JVM
# (still running) writes one again on a jcmd, then it is moved aside for perf's own figures.
jvm_map="/tmp/perf-$jvm_pid.map"
"$JAVA_HOME/bin/jcmd" "$jvm_pid" Compiler.perfmap >/dev/null
for r in fp dwarf; do
  perf script -i "$work/perf-$r.data" -F comm,pid,ip,sym >"$work/perf-$r.with-map.script" 2>/dev/null
done
[ -f "$jvm_map" ] && mv "$jvm_map" "$work/jvm.map"
for r in fp dwarf; do
  perf script -i "$work/perf-$r.data" -F comm,pid,ip,sym >"$work/perf-$r.script" 2>/dev/null
done

python3 - "$work" "$freq" "$jvm_pid" <<'PY'
import re, sys
work = sys.argv[1]
freq = int(sys.argv[2])
jvm_pid = int(sys.argv[3])
# Functions only HotSpot's own threads run (JIT compilers, GC, VM thread...), mangled or not: their
# samples are not the workload's. A stack that cannot be told apart stays in the denominator.
HOTSPOT_THREADS = ["compiler_thread_loop", "8VMThread3run", "VMThread::run", "12WorkerThread3run", "WorkerThread::run",
                   "ConcurrentGCThread3run", "ConcurrentGCThread::run", "13WatcherThread3run", "WatcherThread::run",
                   "AttachListenerThread", "signal_thread_entry", "service_thread_entry", "monitor_deflation_thread_entry",
                   "ConcurrentRefineThread"]
chains = {
    "C -O2 -fomit-frame-pointer": ["scorch_leaf", "scorch_middle", "scorch_outer", "main"],
    "Go frameless leaf (stripped)": ["main.scorchLeaf", "main.scorchCaller", "main.main"],
}

UNITS = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}

def stacks_pprof(path):
    # go tool pprof -traces: label lines ("pid: n"), then "<value><unit>   leaf" and one caller per line.
    period = 1e9 / freq
    text = open(path).read()
    for block in text.split("-----------+-------------------------------------------------------")[1:]:
        pid = re.search(r"^\s*pid:\s+(\d+)", block, re.M)
        lines = [l for l in block.strip().splitlines() if l.strip() and not re.match(r"\s*\w+:\s", l)]
        if not lines:
            continue
        m = re.match(r"\s*([\d.]+)(ns|us|ms|s)\s+(.+)", lines[0])
        if not m:
            continue
        frames = [m.group(3).strip()] + [l.strip() for l in lines[1:]]
        yield round(float(m.group(1)) * UNITS[m.group(2)] / period), frames, int(pid.group(1)) if pid else 0

def stacks_perf(path):
    # perf script -F comm,pid,ip,sym: a header line "comm pid", then "ip sym" per frame.
    block = []
    for line in open(path).read().splitlines() + [""]:
        if not line.strip():
            if block:
                header = block[0].split()
                pid = int(header[-1]) if header and header[-1].isdigit() else 0
                yield 1, [re.sub(r"\+0x[0-9a-f]+$", "", f.split(None, 1)[1]) if len(f.split()) > 1 else "?" for f in block[1:]], pid
            block = []
        else:
            block.append(line)

def share(stacks, chain):
    leaf = whole = 0
    for count, frames, _ in stacks:
        if frames and frames[0] == chain[0]:
            leaf += count
            if frames[:len(chain)] == chain:
                whole += count
    return whole, leaf

sources = {"scorch": lambda: stacks_pprof(f"{work}/scorch.traces"),
           "perf -g": lambda: stacks_perf(f"{work}/perf-fp.script"),
           "perf --call-graph dwarf": lambda: stacks_perf(f"{work}/perf-dwarf.script")}
print("| workload: samples in the hot function whose stack names its callers | " + " | ".join(sources) + " |")
print("|---|" + "---|" * len(sources))
for name, chain in chains.items():
    cells = []
    for source in sources.values():
        whole, leaf = share(list(source()), chain)
        cells.append(f"{100.0 * whole / leaf:.1f}% ({whole}/{leaf})" if leaf else "no samples")
    print(f"| {name} | " + " | ".join(cells) + " |")

def jvm_share(stacks):
    named = workload = 0
    for count, frames, pid in stacks:
        if pid != jvm_pid or any(part in f for f in frames for part in HOTSPOT_THREADS):
            continue
        workload += count
        if any("JitWorkload.scorch" in f for f in frames):
            named += count
    return named, workload

def jvm_cell(stacks):
    named, workload = jvm_share(stacks)
    return f"{100.0 * named / workload:.1f}% ({named}/{workload})" if workload else "no samples"

print("| JVM, no flags: the workload thread's samples naming a JitWorkload method (perf: no perf map) | "
      + " | ".join(jvm_cell(list(source())) for source in sources.values()) + " |")
print()
print("perf with a perf map the JVM wrote on a jcmd after the recording: "
      + ", ".join(f"{name} {jvm_cell(list(stacks_perf(f'{work}/perf-{r}.with-map.script')))}"
                  for name, r in [("perf -g", "fp"), ("perf --call-graph dwarf", "dwarf")]))
PY

echo
echo "| recorder | user s | system s | peak RSS KiB |"
echo "|---|---|---|---|"
for r in scorch perf-fp perf-dwarf; do
  read -r u s m <"$work/$r.time"
  echo "| $r | $u | $s | $m |"
done
echo
grep -h -i "lost" "$work/scorch.err" | tail -1 || true
grep -h -i "lost" "$work/perf-fp.err" "$work/perf-dwarf.err" || true
echo "perf.data sizes: $(du -k "$work/perf-fp.data" | cut -f1) KiB (-g), $(du -k "$work/perf-dwarf.data" | cut -f1) KiB (dwarf)"
echo "load average before: $load_before, after: $load_after; ${seconds}+10 s at ${freq} Hz; files in $work"
