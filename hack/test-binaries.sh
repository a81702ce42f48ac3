#!/usr/bin/env bash
# Builds the test environment's binaries from Go modules and caches them outside the repository:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd (one Kubernetes release),
# kwok and the Parca server. Prints the directory that holds them.
set -euo pipefail
# shellcheck source=hack/lib/go-main-modules.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/go-main-modules.sh"

K8S_VERSION="${K8S_VERSION:-1.33.13}"
ETCD_VERSION="${ETCD_VERSION:-v3.5.21}"
KWOK_VERSION="${KWOK_VERSION:-v0.7.0}"
PARCA_VERSION="${PARCA_VERSION:-v0.28.0}"

cache="${SCORCH_TEST_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scorch/test-binaries}"
k8s_dir="$cache/k8s/${K8S_VERSION}-linux-amd64"
tools_dir="$cache/tools"
mkdir -p "$k8s_dir" "$tools_dir"

log() { printf 'hack/test-binaries: %s\n' "$*" >&2; }

build_kubernetes() {
  local need=0
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl etcd; do
    [ -x "$k8s_dir/$b" ] || need=1
  done
  [ "$need" = 1 ] || { log "kubernetes $K8S_VERSION binaries cached in $k8s_dir"; return; }

  local work; work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  log "building kubernetes v$K8S_VERSION and etcd $ETCD_VERSION in $work (several minutes on 2 cores)"
  (
    cd "$work"
    kubernetes_main_module test-binaries "go.etcd.io/etcd/server/v3@$ETCD_VERSION" go.etcd.io/etcd/server/v3 \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
      k8s.io/kubernetes/cmd/kubectl
    local ldf; ldf="$(kubernetes_ldflags)"
    for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
      log "go build $b"
      go build -trimpath -ldflags "$ldf" -o "$k8s_dir/$b.tmp" "k8s.io/kubernetes/cmd/$b"
      mv "$k8s_dir/$b.tmp" "$k8s_dir/$b"
    done
    log "go build etcd"
    go build -trimpath -ldflags "-s -w" -o "$k8s_dir/etcd.tmp" go.etcd.io/etcd/server/v3
    mv "$k8s_dir/etcd.tmp" "$k8s_dir/etcd"
  )
}

# Builds one command of a Go module at a pinned version into the tools directory.
go_install() {
  local name="$1" module="$2" pkg="$3" version="$4"
  local target="$tools_dir/$name-$version"
  if [ -x "$target" ]; then log "$name $version cached"; return; fi
  log "building $pkg@$version"
  go_build_command "$name" "$module" "$pkg" "$version" "$target"
}

build_kubernetes
go_install kwok sigs.k8s.io/kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"
go_install parca github.com/parca-dev/parca github.com/parca-dev/parca/cmd/parca "$PARCA_VERSION"
ln -sf "kwok-$KWOK_VERSION" "$tools_dir/kwok"
ln -sf "parca-$PARCA_VERSION" "$tools_dir/parca"

echo "$cache"
