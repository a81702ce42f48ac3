#!/usr/bin/env bash
# Captures the real CPU profile the export tests send to Parca and OTLP: a Go program burns CPU in
# scorchHotLoop for 2 s under Go's own profiler (gzipped pprof with mappings, addresses and
# function names, as a profiler writes it). The result is committed as a test resource; rerun this
# only to refresh it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../collector-image/src/test/resources/dev/scorch/collector/export/go-cpu-hotloop.pb.gz}"
mkdir -p "$(dirname "$out")"
# asyncpreemptoff keeps runtime.asyncPreempt frames out of the tight loop's leaf position.
(cd "$here/testdata-workload" && GODEBUG=asyncpreemptoff=1 GOFLAGS=-mod=mod go run . "$out")
# testenv's ParcaServer self-test sends the same profile.
cp "$out" "$here/../testenv/src/test/resources/dev/scorch/testenv/go-cpu-hotloop.pb.gz"
echo "$out"
