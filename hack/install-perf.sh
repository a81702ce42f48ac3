#!/usr/bin/env bash
# Installs the perf tool (Debian package linux-perf) that bench/collector.sh compares against.
set -euo pipefail
if command -v perf >/dev/null && perf --version >/dev/null 2>&1; then
  exit 0
fi
apt-get update -q
apt-get install -y -q linux-perf
perf --version
