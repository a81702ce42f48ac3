#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium, which the flame graph tests drive through the
# Chrome DevTools protocol (FlameGraphInChromiumTest). Idempotent; needs root (apt-get).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
chromium --version
