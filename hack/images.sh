#!/usr/bin/env bash
# Builds Scorch's two images from their Containerfiles with podman (runc), plus the tier-6 test
# workload, and saves each as an archive a node's containerd imports (ctr images import).
#   hack/images.sh            local Debian + Temurin stand-ins for the public bases (hack/base-images.sh)
#   SCORCH_PUBLIC_BASES=true hack/images.sh   the Containerfiles' own defaults (needs a registry)
# Maven inside the collector's build reads ~/.m2 through an overlay mount: nothing is downloaded
# again and nothing is written back to the host's repository.
# Prints the directory holding images.env (NAME=reference lines) and the archives; logs the build
# time and each image's size.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${SCORCH_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scorch/images}"
tag="${SCORCH_IMAGE_TAG:-dev}"
collector="localhost/scorch/collector:$tag"
operator="localhost/scorch/operator:$tag"
workload="localhost/scorch/hot-loop:$tag"
pause="localhost/scorch/pause:$tag"
mkdir -p "$out"
log() { printf 'hack/images: %s\n' "$*" >&2; }

args=()
workload_args=()
if [ "${SCORCH_PUBLIC_BASES:-false}" != true ]; then
  bases="$(hack/base-images.sh)"
  while IFS='=' read -r name ref; do
    case "$name" in
      JDK_IMAGE|JRE_IMAGE|RUNTIME_IMAGE) args+=("--build-arg=$name=$ref") ;;
      GCC_IMAGE) workload_args+=("--build-arg=BUILD_IMAGE=$ref") ;;
      DEBIAN_IMAGE) workload_args+=("--build-arg=RUN_IMAGE=$ref") ;;
    esac
  done <<< "$bases"
fi
m2=()
[ -d "$HOME/.m2" ] && m2=(-v "$HOME/.m2:/root/.m2:O")

started=$(date +%s)
log "building $collector (collector-image/Containerfile: Maven build, jdeps, jlink, runtime stage)"
podman build -q --network=host "${m2[@]}" "${args[@]}" -f collector-image/Containerfile -t "$collector" . >/dev/null
collector_done=$(date +%s)

log "packaging the operator (./mvnw -pl operator -am package) and building $operator"
export JAVA_HOME="${JAVA_HOME:-$(hack/java-home.sh)}"
./mvnw -B -q -pl operator -am package -DskipTests >&2
podman build -q "${args[@]}" -f operator/src/main/docker/Containerfile -t "$operator" operator >/dev/null
operator_done=$(date +%s)

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp e2e/src/test/resources/dev/scorch/e2e/workload/hot-loop.c "$context/"
podman build -q "${workload_args[@]}" --build-arg=HOT_FUNCTION=checkout_api_hot \
  -f e2e/src/test/resources/dev/scorch/e2e/workload/Containerfile.hot-loop -t "$workload" "$context" >/dev/null
podman build -q "${workload_args[@]}" -f hack/node/Containerfile.pause -t "$pause" hack/node >/dev/null
done_all=$(date +%s)

for pair in "collector=$collector" "operator=$operator" "hot-loop=$workload" "pause=$pause"; do
  name="${pair%%=*}"; ref="${pair#*=}"
  rm -f "$out/$name.tar"
  podman save -q --format docker-archive -o "$out/$name.tar" "$ref"
done
cat > "$out/images.env" <<ENV
COLLECTOR_IMAGE=$collector
OPERATOR_IMAGE=$operator
WORKLOAD_IMAGE=$workload
SANDBOX_IMAGE=$pause
ENV
size() { podman image inspect --format '{{.Size}}' "$1" | awk '{printf "%.1f MiB", $1/1048576}'; }
log "image build time: collector $((collector_done - started)) s, operator (with its Maven package) $((operator_done - collector_done)) s, workload $((done_all - operator_done)) s"
log "image sizes: collector $(size "$collector"), operator $(size "$operator"), workload $(size "$workload")"
echo "$out"
