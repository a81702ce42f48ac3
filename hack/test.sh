#!/usr/bin/env bash
# The test command: provisions what the test tiers need (hack/test-binaries.sh builds
# kube-apiserver, etcd, kube-controller-manager, kube-scheduler, kubectl, kwok and Parca from Go
# modules, cached under ~/.cache/scorch), then runs every tier through the Maven wrapper:
#   ./mvnw -B verify
# Tiers 2-5 need root (perf_event_open, cgroups). Extra arguments go to Maven, e.g.
#   hack/test.sh -pl collector-image -Dtest=SamplerTest
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME="$(hack/java-home.sh)"
export JAVA_HOME
# The flame graph tests drive a real headless Chromium, and a tier-2 test runs Node.js (Debian's
# packages; apt-get needs root).
if [ "$(id -u)" = 0 ]; then
  hack/install-chromium.sh >&2
  hack/install-nodejs.sh >&2
fi
SCORCH_TEST_BIN_CACHE="$(hack/test-binaries.sh)"
export SCORCH_TEST_BIN_CACHE
exec ./mvnw -B verify "$@"
