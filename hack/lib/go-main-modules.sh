# Go builds through throwaway main modules, shared by hack/test-binaries.sh and hack/node-binaries.sh
# (which cache what they build). Source it after setting K8S_VERSION.

# tools.go importing the given packages, so `go mod tidy` keeps what they need.
tools_go() {
  { printf '//go:build tools\n\npackage tools\n\nimport (\n'; printf '\t_ "%s"\n' "$@"; printf ')\n'; } >tools.go
}

# Makes the current directory main module scorch.invalid/<name>, which builds commands of
# k8s.io/kubernetes@v$K8S_VERSION (and of each further module@version in <requires>) imported by
# its tools.go: <packages>.
# Why a wrapper module: k8s.io/kubernetes requires its staging modules at v0.0.0 and maps them with
# local replaces, so `go install` refuses it; a main module that replaces each staging module with
# its published version builds it. The replace list is generated from the tag's own go.mod.
kubernetes_main_module() {
  local name=$1 requires=$2 gomod staging m r
  shift 2
  gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')"
  staging="$(sed -n 's|^[[:space:]]*k8s.io/\([^ ]*\) => ./staging/src/k8s.io/.*|\1|p' "$gomod")"
  go mod init "scorch.invalid/$name" >/dev/null 2>&1
  go mod edit -go=1.24.0
  for m in $staging; do go mod edit -replace="k8s.io/$m=k8s.io/$m@v0.${K8S_VERSION#*.}"; done
  go mod edit -require="k8s.io/kubernetes@v$K8S_VERSION"
  for r in $requires; do go mod edit -require="$r"; done
  tools_go "$@"
  go mod tidy >/dev/null
}

# The -ldflags of a Kubernetes command: stripped, with its version stamped in.
kubernetes_ldflags() {
  local minor="${K8S_VERSION#*.}"
  minor="${minor%%.*}"
  echo "-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
}

# Builds command <pkg> of <module>@<version> into <target>, stripped, with optional extra -ldflags,
# through main module scorch.invalid/build-<name>. Plain `go install pkg@version` also asks the
# proxy for the module's version list (to print deprecation notices), and this machine's proxy
# refuses that list for some modules (parca).
go_build_command() {
  local name=$1 module=$2 pkg=$3 version=$4 target=$5 extra_ldflags=${6:-} work
  work="$(mktemp -d)"
  (
    cd "$work"
    go mod init "scorch.invalid/build-$name" >/dev/null 2>&1
    go mod edit -require="$module@$version"
    tools_go "$pkg"
    go mod tidy >/dev/null
    go build -trimpath -ldflags "-s -w${extra_ldflags:+ $extra_ldflags}" -o "$target.tmp" "$pkg"
    mv "$target.tmp" "$target"
  )
  rm -rf "$work"
}
