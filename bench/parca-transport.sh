#!/usr/bin/env bash
# What the Parca backend's gRPC stack (grpc-java over OkHttp) costs the real collector: three `run`
# collectors side by side under the same host load, one policy at 99 Hz exporting every 10 s,
# to (a) a directory only, (b) a directory and a real Parca (hack/test-binaries.sh), (c) a
# directory and an OTLP sink on loopback: java.net.http, which a gRPC-web Parca sender would use
# and which `run` loads anyway for its API client. Prints peak RSS and CPU per collector, and
# whether Parca's HTTP port answers a gRPC-web WriteRaw. Needs root. Usage:
#   bench/parca-transport.sh            (WARMUP=30 STEADY=60)
set -euo pipefail
# shellcheck source=bench/lib/start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/start.sh"
warmup="${WARMUP:-30}"
steady="${STEADY:-60}"
# shellcheck source=bench/lib/collector-run.sh
. "$root/bench/lib/collector-run.sh"
start_load

parca="$("$root/hack/test-binaries.sh" 2>/dev/null | tail -1)/tools/parca"
parca_port=$(( 20000 + RANDOM % 20000 ))
printf 'object_storage:\n  bucket:\n    type: "FILESYSTEM"\n    config:\n      directory: "%s/bucket"\n' "$work" >"$work/parca.yaml"
"$parca" --config-path="$work/parca.yaml" --http-address="127.0.0.1:$parca_port" >"$work/parca.log" 2>&1 &
for _ in $(seq 120); do curl -sf -o /dev/null "http://127.0.0.1:$parca_port/api/profiles/types" && break; sleep 1; done
printf '\0\0\0\0\0' >"$work/empty-write-raw"
grpc_web=$(curl -s -H 'content-type: application/grpc-web+proto' -H 'x-grpc-web: 1' --data-binary @"$work/empty-write-raw" \
  "http://127.0.0.1:$parca_port/parca.profilestore.v1alpha1.ProfileStoreService/WriteRaw" | tr -c '[:print:]' ' ' | grep -o 'grpc-status: [0-9]*' || true)

config() {
  local name=$1 extra=$2
  mkdir -p "$work/$name"
  printf '{"health": {"port": 0, "statusUpdateSeconds": 120}, "spool": {"directory": "%s/spool"}, "policies": [{"name": "%s",' "$work/$name" "$name"
  printf ' "sampling": {"frequencyHz": 99}, "targets": {"hostProcesses": true}, "export": {"intervalSeconds": 10, "backends": ['
  printf '{"name": "files", "directory": {"path": "%s/profiles"}}%s]}}]}\n' "$work/$name" "$extra"
}
config directory "" >"$work/directory.json"
config parca ",{\"name\": \"parca\", \"parca\": {\"address\": \"127.0.0.1:$parca_port\", \"insecure\": true}}" >"$work/parca.json"
config otlp ",{\"name\": \"otel\", \"otlp\": {\"endpoint\": \"http://127.0.0.1:$sink_port\"}}" >"$work/otlp.json"

echo "parca transport bench: $(nproc) CPUs, ${warmup} s warm-up, ${steady} s steady; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Parca $("$parca" --version 2>/dev/null | head -1) answers an empty gRPC-web WriteRaw over HTTP/1.1 with: ${grpc_web:-no grpc-status}"
names=(directory parca otlp)
pids=()
for name in "${names[@]}"; do pids+=("$(start_collector "$work/$name.json" "$work/$name.collector.log")"); done
sleep "$warmup"
before=()
for pid in "${pids[@]}"; do before+=("$(oncpu "$pid")"); done
sleep "$steady"
printf '%-10s %-14s %-14s %s\n' backends "peak RSS MiB" "RSS now MiB" "CPU % of a core"
for i in "${!names[@]}"; do
  pid=${pids[$i]}
  awk -v n="${names[$i]}" -v hwm="$(hwm "$pid")" -v rss="$(rss "$pid")" -v ns=$(( $(oncpu "$pid") - ${before[$i]} )) -v s="$steady" \
    'BEGIN {printf "%-10s %-14.1f %-14.1f %.2f\n", n, hwm / 1024, rss / 1024, 100 * ns / (s * 1e9)}'
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
kill -TERM "${pids[@]}"
wait "${pids[@]}" 2>/dev/null || true
for name in "${names[@]}"; do
  echo "$name: $(find "$work/$name/profiles" -name '*.pb.gz' | wc -l) profiles in its directory, $(grep -c 'delivery failing' "$work/$name.collector.log" || true) delivery failures logged"
done
