#!/usr/bin/env bash
# Builds the test environment's binaries from Go modules and caches them outside the repository:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd (one Kubernetes release),
# kwok and the Parca server. Prints the directory that holds them.
#
# Why a wrapper module: k8s.io/kubernetes requires its staging modules at v0.0.0 and maps them with
# local replaces, so `go install` refuses it; a main module that replaces each staging module with
# its published version builds it. The replace list is generated from the tag's own go.mod.
set -euo pipefail

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
  local gomod
  gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
  local staging
  staging="$(sed -n 's|^[[:space:]]*k8s.io/\([^ ]*\) => ./staging/src/k8s.io/.*|\1|p' "$gomod")"
  local minor="${K8S_VERSION#*.}"; minor="${minor%%.*}"
  local staging_version="v0.${K8S_VERSION#*.}"

  (
    cd "$work"
    go mod init scorch.invalid/test-binaries >/dev/null 2>&1
    go mod edit -go=1.24.0
    for m in $staging; do go mod edit -replace="k8s.io/$m=k8s.io/$m@$staging_version"; done
    go mod edit -require="k8s.io/kubernetes@v$K8S_VERSION" -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
    go mod tidy >/dev/null
    local ldf="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
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

# Builds one command of a Go module at a pinned version through a throwaway main module. Plain
# `go install pkg@version` also asks the proxy for the module's version list (to print deprecation
# notices), and this machine's proxy refuses that list for some modules (parca).
go_install() {
  local name="$1" module="$2" pkg="$3" version="$4"
  local target="$tools_dir/$name-$version"
  if [ -x "$target" ]; then log "$name $version cached"; return; fi
  log "building $pkg@$version"
  local work; work="$(mktemp -d)"
  (
    cd "$work"
    go mod init scorch.invalid/build-$name >/dev/null 2>&1
    go mod edit -require="$module@$version"
    printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" > tools.go
    go mod tidy >/dev/null
    go build -trimpath -ldflags "-s -w" -o "$target.tmp" "$pkg"
    mv "$target.tmp" "$target"
  )
  rm -rf "$work"
}

build_kubernetes
go_install kwok sigs.k8s.io/kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"
go_install parca github.com/parca-dev/parca github.com/parca-dev/parca/cmd/parca "$PARCA_VERSION"
ln -sf "kwok-$KWOK_VERSION" "$tools_dir/kwok"
ln -sf "parca-$PARCA_VERSION" "$tools_dir/parca"

echo "$cache"
