#!/usr/bin/env bash
# Installs Debian's Node.js, the runtime that writes its own perf map (--perf-basic-prof) in the
# tier-2 test that perf maps written by runtimes keep naming frames (PerfMapRuntimesTest).
# Idempotent; needs root (apt-get).
set -euo pipefail
if command -v node >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends nodejs >/dev/null
node --version
