#!/usr/bin/env bash
# Per-node cost of `run` pulling the pprof endpoints of N pods (spec.pull) at a fixed interval,
# against a plain bash loop of `curl -o` fetching the same endpoints at the same pace, all in the
# same run against the same Go programs. Two collectors run side by side on the same loopback
# API server (which reports the N pods on this node, at 127.0.0.1 and their own port): one whose
# policy pulls, one whose otherwise equal policy does not, so the difference is what pulling
# costs (both also sample this host's CPUs at 19 Hz). Prints CPU, RSS and bytes fetched, and the
# load. Needs Go.
# Usage: bench/pull-run.sh [pods, default 20] [seconds, default 120] [interval seconds, default 15]
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
n="${1:-20}"
seconds="${2:-120}"
interval="${3:-15}"
types="heap allocs goroutine mutex block"

# shellcheck source=bench/lib/go-pprof-programs.sh
. "$root/bench/lib/go-pprof-programs.sh"
# The pods the loopback API server reports on node bench-node, one per program.
python3 - "$work" "$n" >"$work/pods.json" <<'PY'
import json, sys, uuid
work, n = sys.argv[1], int(sys.argv[2])
pods = []
for i in range(1, n + 1):
    port = int(open(f"{work}/port.{i}").read().strip())
    pods.append({"metadata": {"name": f"go-{i}", "namespace": "bench", "uid": str(uuid.uuid4()),
                              "labels": {"app": f"go-{i}"}, "annotations": {"scorch.dev/pprof-port": str(port)}},
                 "spec": {"nodeName": "bench-node", "containers": [{"name": "app", "ports": [{"containerPort": port}]}]},
                 "status": {"podIP": "127.0.0.1", "containerStatuses": [
                     {"name": "app", "containerID": "containerd://" + (uuid.uuid4().hex + uuid.uuid4().hex)}]}})
print(json.dumps(pods))
PY
export SCORCH_BENCH_PODS="$work/pods.json"
# shellcheck source=bench/lib/collector-run.sh
. "$root/bench/lib/collector-run.sh"

config() {
  local pull=$1 out=$2
  mkdir -p "$out"
  printf '{"health": {"port": 0}, "spool": {"directory": "%s/spool"}, "policies": [{"name": "go", "sampling": {"frequencyHz": 19},' "$out"
  printf ' "export": {"intervalSeconds": %s, "backends": [{"name": "files", "directory": {"path": "%s/profiles"}}]}' "$interval" "$out"
  if [ "$pull" = 1 ]; then
    # A fetch must end within the interval (collector.json refuses a timeout that does not).
    printf ', "pull": {"types": ["heap", "allocs", "goroutine", "mutex", "block"], "intervalSeconds": %s, "timeoutSeconds": %s,' \
      "$interval" $((interval > 20 ? 10 : interval / 2))
    printf ' "maxProfileBytes": 33554432, "maxConcurrent": 4}'
  fi
  printf '}]}\n'
}
config 1 "$work/pulling" >"$work/pulling.json"
config 0 "$work/baseline" >"$work/baseline.json"

mkdir -p "$work/curl"
clk=$(getconf CLK_TCK)
pulling=$(start_collector "$work/pulling.json" "$work/pulling.log")
baseline=$(start_collector "$work/baseline.json" "$work/baseline.log")
/usr/bin/time -o "$work/curl.time" -f "%U %S %M" bash -c "$(declare -p urls types work seconds interval); $(declare -f curl_loop); curl_loop" &
curl_timer=$!
sleep 1
loop=$(pgrep -P $curl_timer -x bash)

# Steady state: from the end of the first interval (JVM start and first pulls behind) to the end.
sleep "$interval"
p0=$(ticks "$pulling"); b0=$(ticks "$baseline"); c0=$(ticks "$loop"); t0=$(date +%s.%N)
sleep $((seconds - interval - 2))   # ends before the curl loop does
p1=$(ticks "$pulling"); b1=$(ticks "$baseline"); c1=$(ticks "$loop"); t1=$(date +%s.%N)
prss=$(rss "$pulling"); brss=$(rss "$baseline"); phwm=$(hwm "$pulling"); bhwm=$(hwm "$baseline")
metrics_port=$(sed -n 's/.*health endpoints on port \([0-9]*\).*/\1/p' "$work/pulling.log" | head -1)
pulled=$(curl -s "http://127.0.0.1:$metrics_port/metrics" | grep -E '^scorch_pull_(received_bytes_total|profiles_total|failures_total)' || true)
load=$(cut -d' ' -f1-3 /proc/loadavg)
wait $curl_timer || true
kill "$pulling" "$baseline" 2>/dev/null || true
wait "$pulling" "$baseline" 2>/dev/null || true
wall=$(echo "$t1 - $t0" | bc -l)
curl_bytes=$(du -sb "$work/curl" | cut -f1)
cat <<REPORT
pods: $n at 127.0.0.1, types: $types, every ${interval}s, steady window ${wall%.*}s; load (1/5/15 min) at the end: $load
                              run, pulling    run, same policy without pull    curl loop
CPU, % of a core, steady      $(echo "scale=2; ($p1 - $p0) * 100 / $clk / $wall" | bc -l)            $(echo "scale=2; ($b1 - $b0) * 100 / $clk / $wall" | bc -l)                             $(echo "scale=2; ($c1 - $c0) * 100 / $clk / $wall" | bc -l)
pull's own CPU (difference)   $(echo "scale=2; (($p1 - $p0) - ($b1 - $b0)) * 100 / $clk / $wall" | bc -l)
RSS now / peak (KiB)          $prss / $phwm     $brss / $bhwm                 peak $(cut -d' ' -f3 "$work/curl.time")
bytes fetched (curl)          $curl_bytes
collector's pull metrics:
$pulled
REPORT
