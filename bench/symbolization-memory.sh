#!/usr/bin/env bash
# Peak RSS of `scorch record` symbolizing the whole host while a large stripped Go binary runs:
# kube-apiserver v1.33.13 (about 100 MB, built with -s -w, a 38 MB .gopclntab) started in a loop
# (`--help`), so every record has to name its frames. Measures the collector with the `./scorch`
# heap (-Xmx256m) and with the Containerfile's -Xmx64m, and, as the anchor, `perf record -a -g`
# plus `perf report` on the same workload. Prints one line per run: peak RSS, CPU seconds and the
# share of the kube-apiserver samples whose leaf frame is named.
# Usage (root): bench/symbolization-memory.sh [seconds]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds=${1:-10}
export JAVA_HOME="$(hack/java-home.sh)"
go=${SCORCH_GO:-$(command -v go || echo /usr/local/go/bin/go)}
cache="$(hack/test-binaries.sh 2>/dev/null | tail -1)"
apiserver="$cache/k8s/1.33.13-linux-amd64/kube-apiserver"
hack/install-perf.sh >/dev/null
./scorch --help >/dev/null 2>&1 || true # builds the collector when its jar is missing or stale

work="$(mktemp -d)"
loop_pid=""
trap '[ -n "$loop_pid" ] && kill "$loop_pid" 2>/dev/null; rm -rf "$work"' EXIT
(while true; do "$apiserver" --help >/dev/null 2>&1; done) &
loop_pid=$!
sleep 1

# Leaf frames of kube-apiserver samples that carry a function name, from `pprof -raw`.
named() {
  "$go" tool pprof -raw -symbolize=none -tagfocus=comm=kube-apiserver "$1" 2>/dev/null | awk '
    /^Samples:/ {s=1; next} /^Locations/ {s=0; l=1; next} /^Mappings/ {l=0}
    s && /^ *[0-9]+ +[0-9]+:/ {split(substr($0, index($0, ":") + 1), ids, " "); leaf[ids[1]] += $1; t += $1}
    l && /^ *[0-9]+: 0x/ {id=$1; sub(":", "", id); named[id] = ($4 != "")}
    END {for (i in leaf) if (named[i]) r += leaf[i]; printf "%.1f%% of %d samples", t ? 100 * r / t : 0, t}'
}

timed() { # label, command...
  local label="$1"; shift
  /usr/bin/time -f "%M %U %S" -o "$work/time" "$@" >"$work/out" 2>&1 || { cat "$work/out"; return 1; }
  read -r rss user sys <"$work/time"
  printf '%-44s peak RSS %7d KiB  CPU %5.2f s' "$label" "$rss" "$(echo "$user + $sys" | bc)"
}

timed "scorch record (-Xmx256m, ./scorch default)" ./scorch record --duration "${seconds}s" --frequency 99 --output "$work/a.pb.gz"
echo "  kube-apiserver leaf frames named: $(named "$work/a.pb.gz")"
SCORCH_JAVA_OPTS=-Xmx64m timed "scorch record (-Xmx64m, as the Containerfile)" \
  ./scorch record --duration "${seconds}s" --frequency 99 --output "$work/b.pb.gz"
echo "  kube-apiserver leaf frames named: $(named "$work/b.pb.gz")"
timed "perf record -a -g -F 99" perf record -a -g -F 99 -o "$work/perf.data" -- sleep "$seconds"
echo
timed "perf report --stdio (symbolizing)" perf report --stdio -i "$work/perf.data" --comm kube-apiserver
echo "  kube-apiserver: $(grep -c '^ .*\[\.\] [a-z]' "$work/out" || true) report lines naming a user function"
