#!/usr/bin/env bash
# Provisions tier 6 (a real node on this host): the Debian packages (hack/install-node-tools.sh),
# kubelet, kube-proxy and helm from Go modules (hack/node-binaries.sh), and Scorch's images built
# from their Containerfiles (hack/images.sh). Everything slow is cached under ~/.cache/scorch;
# prints what it took.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf 'hack/node-provision: %s\n' "$*" >&2; }

started=$(date +%s)
hack/install-node-tools.sh
hack/node-binaries.sh >/dev/null
binaries_done=$(date +%s)
hack/images.sh >/dev/null
images_done=$(date +%s)
log "node binaries $((binaries_done - started)) s, Scorch images $((images_done - binaries_done)) s"
