# The Go part of bench/burst.sh: real Go programs serving net/http/pprof (bench/lib/pprof-service)
# that the collectors' policies pull, and whose CPU the collectors sample as host processes. Each
# program's heap, allocs and goroutine profiles have as many distinct stacks as its entry asks, so
# two are near what one fetch may hold in a 48 MiB heap and one is far past it. Source it after
# bench/lib/start.sh and before bench/lib/collector-run.sh (the loopback API server reports the programs as pods of this
# node); then add_pulls <collector.json> gives policies their pull section.
#   GO_PROGRAMS (default "1500/1000 1200/1000 30000/2000 300/100"): one program per entry,
#     "<allocation stacks>/<parked goroutines>"; "" runs none.
#   PULL_POLICIES (default 4): the first this many policies pull every program, heap, allocs and
#     goroutine, every PULL_INTERVAL (default 15) seconds, within the node's own caps.

command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
read -r -a go_programs <<<"${GO_PROGRAMS-1500/1000 1200/1000 30000/2000 300/100}"
go_program_pids=()

start_go_programs() {
  [ "${#go_programs[@]}" -gt 0 ] || return 0
  (cd "$root/bench/lib/pprof-service" && GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 go build -o "$work/pprof-service" .)
  local i spec
  for i in "${!go_programs[@]}"; do
    spec=${go_programs[$i]}
    "$work/pprof-service" -stacks "${spec%%/*}" -goroutines "${spec##*/}" -port-file "$work/go-port.$i" >"$work/go-$i.log" 2>&1 &
    go_program_pids+=($!)
  done
  for i in "${!go_programs[@]}"; do
    while [ ! -s "$work/go-port.$i" ]; do sleep 0.05; done
  done
  # The pods the loopback API server reports on node bench-node, one per program, at 127.0.0.1.
  python3 - "$work" "${#go_programs[@]}" >"$work/pods.json" <<'PY'
import json, sys, uuid
work, n = sys.argv[1], int(sys.argv[2])
pods = []
for i in range(n):
    port = int(open(f"{work}/go-port.{i}").read().strip())
    pods.append({"metadata": {"name": f"go-{i}", "namespace": "bench", "uid": str(uuid.uuid4()),
                              "labels": {"app": f"go-{i}"}, "annotations": {"scorch.dev/pprof-port": str(port)}},
                 "spec": {"nodeName": "bench-node", "containers": [{"name": "app", "ports": [{"containerPort": port}]}]},
                 "status": {"podIP": "127.0.0.1", "containerStatuses": [
                     {"name": "app", "containerID": "containerd://" + uuid.uuid4().hex + uuid.uuid4().hex}]}})
print(json.dumps(pods))
PY
  export SCORCH_BENCH_PODS="$work/pods.json"
  local sizes=""
  for i in "${!go_programs[@]}"; do
    sizes+=" go-$i ${go_programs[$i]}: heap $(curl -s "http://127.0.0.1:$(cat "$work/go-port.$i")/debug/pprof/heap" | wc -c) B gzipped;"
  done
  echo "Go programs pulled by the first ${PULL_POLICIES:-4} policies (stacks/goroutines):$sizes"
}

stop_go_programs() {
  [ "${#go_program_pids[@]}" = 0 ] || kill "${go_program_pids[@]}" 2>/dev/null || true
}

# Gives the first PULL_POLICIES policies of <collector.json> a pull section, in place.
add_pulls() {
  [ "${#go_programs[@]}" -gt 0 ] || return 0
  python3 - "$1" "${PULL_POLICIES:-4}" "${PULL_INTERVAL:-15}" <<'PY'
import json, sys
path, count, interval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
config = json.load(open(path))
for policy in config["policies"][:count]:
    policy["pull"] = {"types": ["heap", "allocs", "goroutine"], "intervalSeconds": interval,
                      "timeoutSeconds": min(10, interval - 1)}
json.dump(config, open(path, "w"))
PY
}

# One line of a collector's pull figures from its metrics: profiles pulled, bytes received,
# failed fetches by pod and reason.
report_pulls() {
  local name=$1 pid=$2 port
  [ "${#go_programs[@]}" -gt 0 ] || return 0
  port=$(sed -n 's/.*health endpoints on port \([0-9]*\).*/\1/p' "$work/$name/collector.log" | head -1)
  [ -n "$port" ] || return 0
  curl -s "http://127.0.0.1:$port/metrics" | awk -v n="$name" '
    /^scorch_pull_profiles_total/ {profiles += $NF}
    /^scorch_pull_received_bytes_total/ {bytes += $NF}
    /^scorch_pull_failures_total/ {match($0, /pod="[^"]*"/); pod = substr($0, RSTART + 5, RLENGTH - 6)
      match($0, /reason="[^"]*"/); failures[pod " " substr($0, RSTART + 8, RLENGTH - 9)] += $NF}
    END {printf "%s: pulls: %d profiles, %.1f MiB received, failed fetches:", n, profiles, bytes / 1048576
         for (r in failures) printf " %s %d;", r, failures[r]; print ""}'
}
