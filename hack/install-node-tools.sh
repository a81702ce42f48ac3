#!/usr/bin/env bash
# Installs the Debian packages tier 6 needs. Idempotent: installs only what is missing.
# Everything runs as root, so nothing here serves rootless containers: podman's storage is the
# kernel's overlay (no fuse-overlayfs) and no user namespace is mapped (no newuidmap from uidmap).
# Images move as uncompressed archives and debootstrap unpacks with dpkg-deb (no zstd); the
# kube-proxy hack/node-binaries.sh builds (1.33) clears conntrack entries over netlink, as every
# kube-proxy has since 1.32 (no conntrack).
set -euo pipefail

packages=(
  podman              # hack/base-images.sh and hack/images.sh build and save the images (its own build code: no buildah)
  runc                # podman's runtime (containers.conf below) and containerd's
  debootstrap         # hack/base-images.sh: the Debian bookworm base images
  containerd          # testenv HostNode: the node's container runtime
  containernetworking-plugins  # HostNode: the pods' bridge, host-local, portmap and loopback CNI plugins
  iptables            # kube-proxy's service rules (iptables mode) and the bridge plugin's masquerade
  iproute2            # testenv NodeNetwork: the node's network namespace (ip netns, ip link)
  libcap2-bin         # HostNode: capsh drops from containerd the capabilities a confined node lacks
)
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
