#!/usr/bin/env bash
# Builds what a real node and a chart install need from Go modules, cached outside the repository:
# kubelet and kube-proxy of the same Kubernetes release as the test control plane
# (hack/test-binaries.sh), and the helm CLI. Prints the directory that holds them.
set -euo pipefail
# shellcheck source=hack/lib/go-main-modules.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/go-main-modules.sh"

K8S_VERSION="${K8S_VERSION:-1.33.13}"
HELM_VERSION="${HELM_VERSION:-v3.18.6}"

cache="${SCORCH_NODE_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scorch/node-binaries}"
k8s_dir="$cache/k8s-${K8S_VERSION}"
mkdir -p "$k8s_dir"

log() { printf 'hack/node-binaries: %s\n' "$*" >&2; }

build_node_components() {
  if [ -x "$k8s_dir/kubelet" ] && [ -x "$k8s_dir/kube-proxy" ]; then
    log "kubelet and kube-proxy $K8S_VERSION cached in $k8s_dir"
    return
  fi
  local work; work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  log "building kubelet and kube-proxy v$K8S_VERSION in $work (several minutes on 2 cores)"
  (
    cd "$work"
    kubernetes_main_module node-binaries "" k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubelet
    local ldf; ldf="$(kubernetes_ldflags)"
    for b in kubelet kube-proxy; do
      log "go build $b"
      CGO_ENABLED=0 go build -trimpath -ldflags "$ldf" -o "$k8s_dir/$b.tmp" "k8s.io/kubernetes/cmd/$b"
      mv "$k8s_dir/$b.tmp" "$k8s_dir/$b"
    done
  )
}

build_helm() {
  local target="$cache/helm-$HELM_VERSION"
  if [ -x "$target" ]; then log "helm $HELM_VERSION cached"; else
    log "building helm $HELM_VERSION"
    CGO_ENABLED=0 go_build_command helm helm.sh/helm/v3 helm.sh/helm/v3/cmd/helm "$HELM_VERSION" "$target" \
      "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  fi
  ln -sf "helm-$HELM_VERSION" "$cache/helm"
}

build_node_components
build_helm
echo "$cache"
