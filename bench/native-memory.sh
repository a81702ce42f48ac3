#!/usr/bin/env bash
# Where a collector's resident memory outside the Java heap goes, as the image runs it (the image's
# runtime, collector-image/jvm.options, the collector's class-data archive): one or more collectors
# of POLICIES policies (default 20) side by side on the host's load of bench/soak.sh, each broken
# down after WARMUP seconds (default 120) from /proc/<pid>/smaps by mapping (the Java heap's range,
# the class-data archive, libjvm.so, the other files, the other anonymous memory, the perf rings),
# with private-dirty against clean pages, threads, and the JVM's own accounts (jcmd: NMT summary,
# metaspace, code cache, glibc's malloc arenas).
# Each collector is a lever: NATIVE_LEVERS="<name>=<JVM flags> ..." (flags after jvm.options,
# commas between them; ENV:VAR=value sets the environment instead), "baseline" being jvm.options
# alone. Every collector runs with -XX:NativeMemoryTracking=summary (about 0.5 MiB of its own).
# Needs root. Usage:
#   bench/native-memory.sh
#   NATIVE_LEVERS="baseline= no-relocation=-XX:ArchiveRelocationMode=0 arenas=ENV:MALLOC_ARENA_MAX=1" bench/native-memory.sh
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
warmup="${WARMUP:-120}"
policies="${POLICIES:-20}"
# shellcheck source=bench/lib/collector-run.sh
. "$root/bench/lib/collector-run.sh"
start_load

# KiB per part of one collector's memory: "<part> <resident> <private dirty>" lines.
breakdown() {
  local pid=$1 range
  # The Java heap's reserved range, from the first and last addresses GC.heap_info prints.
  range=$("$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info 2>/dev/null | grep -o '0x[0-9a-f]*' | sort | sed -n '1p;$p' | tr '\n' ' ')
  awk -v lo="${range% * }" -v hi="${range#* }" '
    function hex(s,  i, c, n) { n = 0; s = tolower(s); sub(/^0x/, "", s)
      for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; n = n * 16 + c }
      return n }
    BEGIN { heap_lo = hex(lo); heap_hi = hex(hi) }
    /^[0-9a-f]+-[0-9a-f]+ / {
      split($1, r, "-"); start = hex(r[1]); path = (NF >= 6) ? $6 : ""
      if (path == "" && start >= heap_lo && start < heap_hi) part = "java-heap"
      else if (path ~ /\.jsa$/) part = "class-data-archive"
      else if (path ~ /libjvm\.so$/) part = "libjvm.so"
      else if (path ~ /\[perf_event\]/) part = "perf-rings"
      else if (path ~ /\/lib\/modules$/) part = "module-image"
      else if (path ~ /^\//) part = "other-files"
      else part = "other-anon"
      next }
    /^Rss:/ { rss[part] += $2 }
    /^Private_Dirty:/ { dirty[part] += $2 }
    END { for (p in rss) printf "%s %d %d\n", p, rss[p], dirty[p] }' "/proc/$pid/smaps"
}

# The JVM's own accounts of the anonymous rest: "<name> <KiB>" lines.
jvm_accounts() {
  local pid=$1
  "$JAVA_HOME/bin/jcmd" "$pid" VM.native_memory summary 2>/dev/null | awk '
    /^-/ { name = $0; sub(/^- +/, "", name); sub(/ \(.*/, "", name); gsub(/ /, "-", name)
      if (match($0, /committed=[0-9]+KB/)) print "nmt:" name, substr($0, RSTART + 10, RLENGTH - 12) + 0 }
    /^ *\(stack: / { if (match($0, /committed=[0-9]+KB/)) print "nmt:thread-stacks-touched", substr($0, RSTART + 10, RLENGTH - 12) + 0 }
    /^ *\(malloc=/ { if (match($0, /malloc=[0-9]+KB/)) m += substr($0, RSTART + 7, RLENGTH - 9) }
    END { print "nmt:malloc-total", m + 0 }'
  # glibc's arenas: how many, the bytes they hold from the system and the free bytes among them (the
  # totals after the last arena's own figures).
  "$JAVA_HOME/bin/jcmd" "$pid" System.native_heap_info 2>/dev/null | awk '
    /<heap nr=/ { arenas++ }
    /<\/heap>/ { sys = 0; free = 0 }
    /<system type="current"/ { if (match($0, /size="[0-9]+"/)) sys = substr($0, RSTART + 6, RLENGTH - 7) }
    /<total type="fast"|<total type="rest"/ { if (match($0, /size="[0-9]+"/)) free += substr($0, RSTART + 6, RLENGTH - 7) }
    END { printf "malloc:arenas %d\nmalloc:from-system %d\nmalloc:free-in-arenas %d\n", arenas, sys / 1024, free / 1024 }'
  awk '/^Threads/ {print "threads", $2}' "/proc/$pid/status"
}

declare -A lever_flags lever_env lever_pid
read -r -a names <<<"$(for lever in ${NATIVE_LEVERS:-baseline=}; do printf '%s ' "${lever%%=*}"; done)"
for lever in ${NATIVE_LEVERS:-baseline=}; do
  name=${lever%%=*} flags=${lever#*=}
  flags=${flags//,/ }
  case $flags in ENV:*) lever_env[$name]=${flags#ENV:}; flags="" ;; esac
  lever_flags[$name]=$flags
done
echo "native memory: ${policies} policies per collector, ${warmup} s, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${names[@]}"; do
  mkdir -p "$work/$name"
  policies_json 1 "$policies" "$work/$name" >"$work/$name/collector.json"
  lever_pid[$name]=$([ -z "${lever_env[$name]:-}" ] || export "${lever_env[$name]}"
    JAVA_EXTRA="-XX:NativeMemoryTracking=summary ${lever_flags[$name]} ${JAVA_EXTRA:-}" \
      start_collector "$work/$name/collector.json" "$work/$name/collector.log")
done
sleep "$warmup"
echo "load average after ${warmup} s: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${names[@]}"; do
  pid=${lever_pid[$name]}
  if ! kill -0 "$pid" 2>/dev/null; then echo "$name: exited: $(tail -1 "$work/$name/collector.log")"; continue; fi
  { awk '/VmHWM|VmRSS|RssAnon|RssFile/ {sub(/:/, "", $1); print $1, $2}' "/proc/$pid/status"; breakdown "$pid"; jvm_accounts "$pid"; } >"$work/$name/breakdown"
done
# One column per lever, MiB (resident, and private dirty where a mapping has both).
printf '%-34s' "MiB"; for name in "${names[@]}"; do printf ' %18s' "$name"; done; echo
rows="VmHWM VmRSS RssAnon RssFile java-heap class-data-archive libjvm.so module-image other-files other-anon perf-rings"
rows+=" nmt:Java-Heap nmt:Class nmt:Metaspace nmt:Shared-class-space nmt:Code nmt:Thread nmt:thread-stacks-touched nmt:Symbol"
rows+=" nmt:Internal nmt:Other nmt:Arena-Chunk nmt:GC nmt:Compiler nmt:Native-Memory-Tracking nmt:malloc-total"
rows+=" malloc:from-system malloc:free-in-arenas malloc:arenas threads"
for row in $rows; do
  printf '%-34s' "$row"
  for name in "${names[@]}"; do
    awk -v r="$row" '$1 == r {
        if (r == "threads" || r == "malloc:arenas") v = $2
        else if (NF == 3) v = sprintf("%.1f (%.1f dirty)", $2 / 1024, $3 / 1024)
        else v = sprintf("%.1f", $2 / 1024)
        found = 1 }
      END { printf " %18s", found ? v : "-" }' "$work/$name/breakdown" 2>/dev/null || printf ' %18s' "-"
  done
  echo
done
stop_collectors "${lever_pid[@]}"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "work directory (breakdowns, logs): $work"
