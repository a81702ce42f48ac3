#!/usr/bin/env bash
# Builds what a real node and a chart install need from Go modules, cached outside the repository:
# kubelet and kube-proxy of the same Kubernetes release as the test control plane
# (hack/test-binaries.sh), and the helm CLI. Prints the directory that holds them.
#
# The same wrapper module as hack/test-binaries.sh: k8s.io/kubernetes maps its staging modules
# with local replaces, so a main module replaces each with its published version.
set -euo pipefail

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
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
  local staging
  staging="$(sed -n 's|^[[:space:]]*k8s.io/\([^ ]*\) => ./staging/src/k8s.io/.*|\1|p' "$gomod")"
  local minor="${K8S_VERSION#*.}"; minor="${minor%%.*}"
  local staging_version="v0.${K8S_VERSION#*.}"
  (
    cd "$work"
    go mod init scorch.invalid/node-binaries >/dev/null 2>&1
    go mod edit -go=1.24.0
    for m in $staging; do go mod edit -replace="k8s.io/$m=k8s.io/$m@$staging_version"; done
    go mod edit -require="k8s.io/kubernetes@v$K8S_VERSION"
    cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
    go mod tidy >/dev/null
    local ldf="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
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
    local work; work="$(mktemp -d)"
    (
      cd "$work"
      go mod init scorch.invalid/build-helm >/dev/null 2>&1
      go mod edit -require="helm.sh/helm/v3@$HELM_VERSION"
      printf '//go:build tools\n\npackage tools\n\nimport _ "helm.sh/helm/v3/cmd/helm"\n' > tools.go
      go mod tidy >/dev/null
      CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
        -o "$target.tmp" helm.sh/helm/v3/cmd/helm
      mv "$target.tmp" "$target"
    )
    rm -rf "$work"
  fi
  ln -sf "helm-$HELM_VERSION" "$cache/helm"
}

build_node_components
build_helm
echo "$cache"
