#!/usr/bin/env bash
# How much of the user stack the unwinder needs: whole-host recordings at several stack-copy sizes,
# side by side in one window on the same processes (whatever this host runs: JVMs, Go and C
# programs, builds), each printed with the share of its samples whose unwound stack reaches a
# thread's entry (clone3, start_thread, __libc_start_call_main, runtime.goexit, ...), the mean
# number of user frames, the bytes per second through its rings and what it lost. The largest
# size the kernel allows (60 KiB) is the reference: a size that reaches the entry as often as it
# does copies enough. Needs root. Usage:
#   [SIZES="61440 16384 8192 4096 2048"] bench/stack-copy-sizes.sh [seconds, default 30] [frequency, default 99]
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
seconds="${1:-30}"
freq="${2:-99}"
read -r -a sizes <<<"${SIZES:-61440 16384 8192 4096 2048}"
GO="${SCORCH_GO:-$(command -v go || echo /usr/local/go/bin/go)}"
"$root/scorch" --help >/dev/null   # builds the collector if needed, outside the measured window

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
recorders=()
for size in "${sizes[@]}"; do
  "$root/scorch" record --duration "${seconds}s" --frequency "$freq" --no-kernel-stacks --user-stack-bytes "$size" \
    --output "$work/$size.pb.gz" 2>"$work/$size.err" &
  recorders+=($!)
done
for r in "${recorders[@]}"; do wait "$r" || true; done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
for size in "${sizes[@]}"; do
  "$GO" tool pprof -traces "$work/$size.pb.gz" >"$work/$size.traces" 2>/dev/null
done

echo "stack-copy sizes: whole host, ${seconds} s at ${freq} Hz, user stacks only, $(nproc) CPUs, kernel $(uname -r)"
echo "load average before ${load_before}, after ${load_after}"
echo
python3 - "$work" "$freq" "${sizes[@]}" <<'PY'
import re, sys
work, freq, sizes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
# Outermost frames of a thread: native thread and main-thread entries, Go's goroutine and thread starts.
ENTRIES = {"clone3", "clone", "__clone", "__clone3", "start_thread", "__libc_start_call_main", "__libc_start_main", "_start",
           "runtime.goexit", "runtime.rt0_go", "runtime.mstart", "runtime.mstart0"}
UNITS = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}

def stacks(path):
    period = 1e9 / freq
    for block in open(path).read().split("-----------+-------------------------------------------------------")[1:]:
        comm = re.search(r"^\s*comm:\s+(\S+)", block, re.M)
        lines = [l for l in block.strip().splitlines() if l.strip() and not re.match(r"\s*\w+:\s", l)]
        m = re.match(r"\s*([\d.]+)(ns|us|ms|s)\s+(.+)", lines[0]) if lines else None
        if m:
            frames = [m.group(3).strip()] + [l.strip() for l in lines[1:]]
            yield round(float(m.group(1)) * UNITS[m.group(2)] / period), frames, comm.group(1) if comm else "?"

def summary(path):
    total = rooted = depth = 0
    by_comm = {}
    for count, frames, comm in stacks(path):
        total += count
        depth += count * len(frames)
        reached = frames[-1] in ENTRIES
        rooted += count if reached else 0
        c = by_comm.setdefault(comm, [0, 0])
        c[0] += count
        c[1] += count if reached else 0
    return total, rooted, depth, by_comm

results = {s: summary(f"{work}/{s}.traces") for s in sizes}
def line(path):
    text = open(path).read()
    m = re.search(r"\((\d+) taken, (\d+) lost.*?(\d+) KiB read from the ring buffers of (\d+) KiB per CPU", text)
    return m.groups() if m else ("?", "?", "?", "?")
print("| stack copy, bytes | samples | reach a thread entry | mean user frames | lost | ring KiB per CPU |")
print("|---|---|---|---|---|---|")
for s in sizes:
    total, rooted, depth, _ = results[s]
    taken, lost, kib, ring = line(f"{work}/{s}.err")
    print(f"| {s} | {total} | {100.0 * rooted / max(total, 1):.1f}% | {depth / max(total, 1):.1f} | {lost} | {ring} |")
print()
comms = sorted(results[sizes[0]][3].items(), key=lambda kv: -kv[1][0])[:8]
print("| command (most samples at the first size) | " + " | ".join(f"{s} B" for s in sizes) + " |")
print("|---|" + "---|" * len(sizes))
for comm, _ in comms:
    cells = []
    for s in sizes:
        n, r = results[s][3].get(comm, [0, 0])
        cells.append(f"{100.0 * r / n:.1f}% of {n}" if n else "-")
    print(f"| {comm} | " + " | ".join(cells) + " |")
PY
echo
echo "(files in $work)"
