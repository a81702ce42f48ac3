#!/usr/bin/env bash
# Stack completeness per runtime, side by side with perf in the same window: the share of a
# workload's samples in its hot function whose stack also names the hot function's callers, for
# the collector (`scorch record`, registers + stack copy + unwinder), `perf record -g` (frame
# pointers) and `perf record --call-graph dwarf` (perf's own DWARF unwinder), all three sampling
# the same processes at the same time. Also prints each recorder's CPU seconds, peak RSS and
# lost samples. Needs root, gcc, Go and python3. Usage:
#   bench/stacks.sh [seconds, default 30] [frequency, default 99]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-30}"
freq="${2:-99}"
work="$(mktemp -d /tmp/scorch-stacks.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

"$root/hack/install-perf.sh" >/dev/null
command -v gcc >/dev/null || { echo "bench needs gcc (apt-get install -y gcc)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench needs python3 (apt-get install -y python3)" >&2; exit 1; }
GO="${SCORCH_GO:-$(command -v go || echo /usr/local/go/bin/go)}"
gcc -O2 -fomit-frame-pointer -o "$work/omitted_frames" "$root/collector-image/src/test/c/omitted_frames.c"
cp -r "$root/collector-image/src/test/resources/workloads/goleaf" "$work/goleaf"
(cd "$work/goleaf" && "$GO" build -ldflags='-s -w' -o "$work/goleaf-bin" .)
"$root/scorch" --help >/dev/null   # builds the collector if needed, outside the measured window

total=$((seconds + 10))
"$work/omitted_frames" $((total + 20)) >/dev/null &
c_pid=$!
"$work/goleaf-bin" $((total + 20)) >/dev/null &
go_pid=$!
sleep 1

/usr/bin/time -o "$work/scorch.time" -f "%U %S %M" \
  "$root/scorch" record --duration "${total}s" --frequency "$freq" --pid "$c_pid" --pid "$go_pid" \
  --output "$work/scorch.pb.gz" 2>"$work/scorch.err" &
scorch_timer=$!
/usr/bin/time -o "$work/perf-fp.time" -f "%U %S %M" \
  perf record -g -F "$freq" -p "$c_pid,$go_pid" -o "$work/perf-fp.data" -- sleep "$total" 2>"$work/perf-fp.err" &
fp_timer=$!
/usr/bin/time -o "$work/perf-dwarf.time" -f "%U %S %M" \
  perf record --call-graph dwarf -F "$freq" -p "$c_pid,$go_pid" -o "$work/perf-dwarf.data" -- sleep "$total" 2>"$work/perf-dwarf.err" &
dwarf_timer=$!
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
wait $scorch_timer $fp_timer $dwarf_timer || true
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

"$GO" tool pprof -traces "$work/scorch.pb.gz" >"$work/scorch.traces" 2>/dev/null
perf script -i "$work/perf-fp.data" -F comm,ip,sym >"$work/perf-fp.script" 2>/dev/null
perf script -i "$work/perf-dwarf.data" -F comm,ip,sym >"$work/perf-dwarf.script" 2>/dev/null

python3 - "$work" "$freq" <<'PY'
import re, sys
work = sys.argv[1]
freq = int(sys.argv[2])
chains = {
    "C -O2 -fomit-frame-pointer": ["scorch_leaf", "scorch_middle", "scorch_outer", "main"],
    "Go frameless leaf (stripped)": ["main.scorchLeaf", "main.scorchCaller", "main.main"],
}

UNITS = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}

def stacks_pprof(path):
    # go tool pprof -traces: label lines ("comm: x"), then "<value><unit>   leaf" and one caller per line.
    period = 1e9 / freq
    text = open(path).read()
    for block in text.split("-----------+-------------------------------------------------------")[1:]:
        lines = [l for l in block.strip().splitlines() if l.strip() and not re.match(r"\s*\w+:\s", l)]
        if not lines:
            continue
        m = re.match(r"\s*([\d.]+)(ns|us|ms|s)\s+(\S+)", lines[0])
        if not m:
            continue
        frames = [m.group(3)] + [l.strip() for l in lines[1:]]
        yield round(float(m.group(1)) * UNITS[m.group(2)] / period), frames

def stacks_perf(path):
    block = []
    for line in open(path).read().splitlines() + [""]:
        if not line.strip():
            if block:
                yield 1, [re.sub(r"\+0x[0-9a-f]+$", "", f.split()[1]) if len(f.split()) > 1 else "?" for f in block[1:]]
            block = []
        else:
            block.append(line)

def share(stacks, chain):
    leaf = whole = 0
    for count, frames in stacks:
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
