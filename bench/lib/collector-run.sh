# Shared by bench/policies.sh and bench/soak.sh: builds the collector, starts loopback API server
# and profile sink, writes collector.json files, and starts `run` with the image's JVM flags
# (collector-image/jvm.options, so the benchmark runs what the image runs).
# Source it after bench/lib/start.sh.

"$root/scorch" --help >/dev/null   # builds the collector if needed, outside any measured window
# COLLECTOR_JAR: a copy of the jar to run instead, so a build in the worktree cannot change the
# classes under a long run.
jar="${COLLECTOR_JAR:-$(find "$root/collector-image/target" -maxdepth 1 -name 'scorch-collector-*.jar' ! -name '*-sources.jar' ! -name '*-tests.jar' | head -1)}"
# The image reads its JVM flags from this one file (java @jvm.options), and so do we.
image_flags=("@$root/collector-image/jvm.options")
# The image's runtime, not the JDK: the two differ in their class-data archives. RUNTIME_HOME
# runs another one (e.g. the JDK's own: RUNTIME_HOME=$JAVA_HOME). jcmd stays the JDK's.
image_runtime="$("$root/bench/lib/image-runtime.sh")"
runtime_home="${RUNTIME_HOME:-$image_runtime}"
# The image's runtime maps the collector's own class-data archive, dumped for the jar it runs
# (/opt/scorch/scorch-collector.jsa in the image). Archives of the jars a bench runs on that runtime,
# made before any collector starts: each takes a training run of about 20 s, which a bench on
# another runtime (RUNTIME_HOME=$JAVA_HOME) does not wait for.
declare -A app_archive_of
if [ "$runtime_home" = "$image_runtime" ]; then
  for archived_jar in "$jar" ${PREVIOUS_JAR:-} ${BASELINE_JAR:-}; do
    app_archive_of[$archived_jar]="$("$root/bench/lib/image-runtime.sh" --app-archive "$archived_jar")"
  done
fi
# The flag mapping a jar's archive, on the image's runtime only (another runtime ignores it).
app_archive_flag() {
  [ "$runtime_home" = "$image_runtime" ] || return 0
  [ -n "${app_archive_of[$1]:-}" ] || app_archive_of[$1]="$("$root/bench/lib/image-runtime.sh" --app-archive "$1")"
  echo "-XX:SharedArchiveFile=${app_archive_of[$1]}"
}

# The API server speaks TLS with an RSA key, as a cluster's does.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 1 -subj "/CN=bench" \
  -addext subjectAltName=IP:127.0.0.1 2>/dev/null
SCORCH_BENCH_API_CERT="$work/ca.pem" SCORCH_BENCH_API_KEY="$work/ca.key" python3 "$root/bench/lib/fake_node_services.py" >"$work/services.out" &
services=$!
for _ in $(seq 50); do [ -s "$work/services.out" ] && break; sleep 0.1; done
api_port=$(sed -n 's/api=\([0-9]*\).*/\1/p' "$work/services.out")
sink_port=$(sed -n 's/.*sink=\([0-9]*\)/\1/p' "$work/services.out")
echo bench-token >"$work/token"

# collector.json with policies <first>..<last>: every policy profiles the host's processes (the
# loopback API server reports no pods), with its own labels, a directory backend and, with
# NETWORK=1, OTLP and Pyroscope backends on the sink.
policies_json() {
  local first=$1 last=$2 out=$3 i
  {
    printf '{"health": {"port": 0, "statusUpdateSeconds": 120}, "spool": {"directory": "%s/spool"}, "policies": [' "$out"
    for i in $(seq "$first" "$last"); do
      [ "$i" = "$first" ] || printf ','
      printf '{"name": "team-%s", "sampling": {"frequencyHz": %s}, "targets": {"hostProcesses": true},' "$i" "${FREQUENCY:-19}"
      printf ' "export": {"intervalSeconds": %s, "labels": {"team": "team-%s"}, "spool": {"maxBytes": 16777216}, "backends": [' \
        "${INTERVAL:-15}" "$i"
      printf '{"name": "files", "directory": {"path": "%s/profiles/team-%s"}}' "$out" "$i"
      if [ "${NETWORK:-1}" = 1 ]; then
        printf ',{"name": "otel", "otlp": {"endpoint": "http://127.0.0.1:%s"}}' "$sink_port"
        printf ',{"name": "grafana", "pyroscope": {"url": "http://127.0.0.1:%s"}}' "$sink_port"
      fi
      printf ']}}'
    done
    printf ']}\n'
  }
}

# SIGTERM, then SIGKILL to what still runs after a pod's default grace period (30 s), as the
# kubelet does. The collectors are not this shell's children, so `wait` cannot see them; a collector
# still in its shutdown would sample, and be sampled by, the next window's collectors (one kept
# asking JVMs for JIT maps in its final flush for more than 15 minutes at load 50-90).
stop_collectors() {
  local pid left
  kill -TERM "$@" 2>/dev/null || true
  for _ in $(seq 300); do
    left=0
    for pid in "$@"; do [ ! -e "/proc/$pid" ] || left=$((left + 1)); done
    [ "$left" -gt 0 ] || return 0
    sleep 0.1
  done
  for pid in "$@"; do
    if [ -e "/proc/$pid" ]; then
      echo "  collector $pid still running 30 s after SIGTERM: killed" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# However the bench ends (done, failed under set -e, Ctrl-C, SIGTERM, SIGHUP), the collectors it
# started still running are stopped as above, and then its background jobs. Collectors start inside
# command substitutions, so they are not this shell's jobs: they are found by pid, and only a pid
# that still runs this bench's collector (its config under $work) is signalled, not one reused since.
stop_bench() {
  local pid running=()
  for pid in $(cat "$work/collector.pids" 2>/dev/null); do
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "--config $work/" && running+=("$pid")
  done
  [ "${#running[@]}" = 0 ] || stop_collectors "${running[@]}"
  kill $(jobs -p) 2>/dev/null || true
}
trap stop_bench EXIT
# Explicitly: a signal ends the bench through its exit trap.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Starts `run` on a config file; prints its pid. Extra JVM flags: JAVA_EXTRA; the runtime:
# runtime_home.
start_collector() {
  local config=$1 log=$2
  # shellcheck disable=SC2086
  SCORCH_NODE_NAME=bench-node "$runtime_home/bin/java" "${image_flags[@]}" $(app_archive_flag "$jar") ${JAVA_EXTRA:-} \
    -cp "$jar:$root/collector-image/target/lib/*" dev.scorch.collector.cli.Main \
    run --config "$config" --api-server "https://127.0.0.1:$api_port" --api-server-ca "$work/ca.pem" --token-file "$work/token" \
    >"$log" 2>&1 &
  echo $! >>"$work/collector.pids"
  echo $!
}

# CPU time of the whole process in ns, from utime+stime in /proc/<pid>/stat (10 ms resolution): it
# keeps the time of threads that have exited, which a sum of the live threads' schedstat loses (the
# shared HTTP client's virtual-thread carriers come and go).
oncpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f\n", ($14 + $15) * 1e9 / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# The resident KiB of a collector's Java heap: the pages of its reserved range (from the young
# generation's start to the old one's end, as jcmd GC.heap_info prints them) that are in memory, from
# /proc/<pid>/smaps. The heap's part of RSS, apart from what moves between collectors of one run
# (JIT maps, binaries, malloc). Addresses are compared as 16-digit hex strings (mawk has no hex).
declare -A heap_range_of
heap_rss() {
  local pid=$1
  [ -n "${heap_range_of[$pid]:-}" ] || heap_range_of[$pid]=$("$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info 2>/dev/null |
    awk '/^ *(DefNew|def new generation)/ {gsub(/[\[\],)]|0x/, ""); low = $(NF - 2)} /^ *(Tenured|tenured generation)/ {gsub(/[\[\],)]|0x/, ""); high = $NF}
      END {if (low != "" && high != "") print low, high}')
  [ -n "${heap_range_of[$pid]}" ] || { echo 0; return; }
  awk -v range="${heap_range_of[$pid]}" 'function pad(x) {while (length(x) < 16) x = "0" x; return x}
    BEGIN {split(range, r, " ")}
    /^[0-9a-f]+-[0-9a-f]+ / {split($1, a, "-"); inside = pad(a[1]) >= r[1] && pad(a[2]) <= r[2]}
    /^Rss:/ && inside {kib += $2} END {print kib + 0}' "/proc/$pid/smaps" 2>/dev/null || echo 0
}

# Host load for the whole run: one busy process and process churn (short-lived processes).
start_load() {
  build_split
  "$work/split" 100000 -1 100000 >/dev/null &
  busy=$!
  ( while :; do for _ in $(seq 25); do /bin/true & done; wait; sleep 0.1; done ) &
  churn=$!
}
