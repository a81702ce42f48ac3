#!/usr/bin/env bash
# Symbolization on this machine: records the whole host with `scorch-collector record` while a C
# workload (frame pointers, PIE) and a stripped Go workload (-s -w) burn CPU, then reports with the
# real `go tool pprof` how many sampled frames got a function name: per workload and for the host.
# Usage (root): bench/symbolization.sh [seconds]   (build first: ./mvnw -B -pl collector-image -am package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
export JAVA_HOME=${JAVA_HOME:-$(hack/java-home.sh)}
go=${SCORCH_GO:-$(command -v go || echo /usr/local/go/bin/go)}
work=$(mktemp -d)
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
res=collector-image/src/test/resources/workloads
cc -O1 -fno-omit-frame-pointer -o "$work/cburn" "$res/cburn/cburn.c"
cp -r "$res/gohot" "$work/gohot" && (cd "$work/gohot" && "$go" build -ldflags='-s -w' -o ../gohot-stripped .)
pids=()
"$work/cburn" spin >/dev/null & pids+=($!)
"$work/gohot-stripped" spin >/dev/null & pids+=($!)
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar collector-image/target/scorch-collector-0.1.0-SNAPSHOT.jar \
  record --duration "${seconds}s" --frequency 99 --output "$work/host.pb.gz" --flamegraph "$work/flame.html"
# Share of sampled frames (weighted by samples) whose location has a function, from `pprof -raw`.
rate() {
  "$go" tool pprof -raw -symbolize=none "$@" "$work/host.pb.gz" 2>/dev/null | awk '
    /^Samples:/ {s=1; next} /^Locations/ {s=0; l=1; next} /^Mappings/ {l=0}
    s && /^ *[0-9]+ +[0-9]+:/ {c=$1; n=split(substr($0, index($0, ":") + 1), ids, " "); for (i = 1; i <= n; i++) {w[ids[i]] += c; t += c}; if (n) leaf[ids[1]] += c; lt += c}
    l && /^ *[0-9]+: 0x/ {id=$1; sub(":", "", id); named[id] = ($4 != "")}
    END {for (i in w) if (named[i]) r += w[i]; for (i in leaf) if (named[i]) lr += leaf[i];
         printf "frames named %.1f%% (%d of %d), leaf frames named %.1f%%\n", 100 * r / t, r, t, 100 * lr / lt}'
}
for workload in cburn gohot-stripped; do
  echo "== $workload: $(rate -tagfocus=comm="$workload")"
  "$go" tool pprof -top -symbolize=none -tagfocus=comm="$workload" "$work/host.pb.gz" 2>/dev/null | sed -n '/flat  flat%/,+4p'
done
echo "== whole host: $(rate)"
echo "flame graph: $(wc -c < "$work/flame.html") bytes; pprof: $(wc -c < "$work/host.pb.gz") bytes"
