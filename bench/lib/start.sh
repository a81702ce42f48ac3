# The start of the benches that run the collector against a workload: source it right after
# `set -euo pipefail`. Sets root (the repository), JAVA_HOME (a JDK 25, from hack/java-home.sh),
# work (a fresh /tmp/scorch-<bench>.XXXXXX, left behind for reading afterwards) and an exit trap
# that stops the bench's background jobs; defines the /proc readers and the workload build the
# benches share.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA_HOME="$("$root/hack/java-home.sh")"
export JAVA_HOME
work="$(mktemp -d "/tmp/scorch-$(basename "$0" .sh).XXXXXX")"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

# Peak and current resident set of a process, KiB.
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# On-CPU time of a process's live threads in ns, from schedstat: finer than stat's 10 ms ticks, but
# the time of threads that have exited is lost (right for `record`, whose threads live as long as it).
live_threads_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'; }

# The ground-truth workload (collector-image/src/test/c/split.c) as $work/split.
build_split() {
  command -v gcc >/dev/null || { echo "bench needs gcc (apt-get install -y gcc)" >&2; exit 1; }
  gcc -O1 -fno-omit-frame-pointer -fno-inline -o "$work/split" "$root/collector-image/src/test/c/split.c"
}

# perf for the side-by-side anchor, and the collector built outside any measured window.
prepare_perf_and_collector() {
  "$root/hack/install-perf.sh" >/dev/null
  "$root/scorch" --help >/dev/null
}
