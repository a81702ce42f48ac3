#!/usr/bin/env bash
# Installs the Debian packages tier 6 needs: podman/buildah/runc build and run the images,
# debootstrap makes the local base images, containerd, the CNI plugins, iptables and conntrack run
# the host node. Idempotent: installs only what is missing.
set -euo pipefail

packages=(podman buildah runc fuse-overlayfs uidmap debootstrap containerd containernetworking-plugins iptables conntrack iproute2 libcap2-bin zstd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "hack/install-node-tools: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# crun refuses a hybrid cgroup layout and raising the default ulimits needs CAP_SYS_RESOURCE,
# which a sandboxed CI host may withhold: runc and no default ulimits.
mkdir -p /etc/containers
conf=/etc/containers/containers.conf
if ! grep -q 'scorch: tier 6' "$conf" 2>/dev/null; then
  cat >> "$conf" <<'CONF'
# scorch: tier 6 (hack/install-node-tools.sh)
[containers]
default_ulimits = []
[engine]
runtime = "runc"
CONF
fi
