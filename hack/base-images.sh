#!/usr/bin/env bash
# Makes local stand-ins for the public base images the Containerfiles name, for machines that
# reach no image registry: from Debian bookworm packages (debootstrap) and this machine's Temurin
# 25 JDK. Imported into podman's store; prints NAME=image lines, one per stand-in:
#   JDK_IMAGE      for eclipse-temurin:25-jdk  (Debian minbase + binutils + the JDK at /opt/java/openjdk)
#   JRE_IMAGE      for eclipse-temurin:25-jre  (Debian minbase + a jlinked JRE of the JDK's runtime modules)
#   RUNTIME_IMAGE  for distroless/base-debian12 (the files of base-files, libc6, libssl3,
#                  ca-certificates, tzdata, netbase and nothing else: no shell, no package manager)
#   DEBIAN_IMAGE   for debian:bookworm-slim    (Debian minbase)
#   GCC_IMAGE      for gcc:14                  (Debian minbase + gcc, for the test workload)
set -euo pipefail
cd "$(dirname "$0")/.."

MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
JDK="${SCORCH_BASE_JDK:-$(hack/java-home.sh)}"
cache="${SCORCH_BASE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scorch/base-images}"
jdk_version="$("$JDK/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')"
tag="bookworm-${jdk_version//+/_}"
log() { printf 'hack/base-images: %s\n' "$*" >&2; }

debian_image="localhost/scorch-base/debian:bookworm"
gcc_image="localhost/scorch-base/gcc:bookworm"
jdk_image="localhost/scorch-base/jdk:$tag"
jre_image="localhost/scorch-base/jre:$tag"
runtime_image="localhost/scorch-base/runtime:bookworm"

have() { podman image exists "$1"; }
if ! have "$jdk_image" || ! have "$jre_image" || ! have "$runtime_image" || ! have "$debian_image" || ! have "$gcc_image"; then
  mkdir -p "$cache"
  rootfs="$cache/minbase-bookworm.tar"
  if [ ! -f "$rootfs" ]; then
    work="$(mktemp -d)"
    log "debootstrap bookworm minbase (a few minutes)"
    debootstrap --variant=minbase --include=ca-certificates,tzdata,netbase,libssl3 \
      bookworm "$work/root" "$MIRROR" >"$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
    tar -C "$work/root" -cf "$rootfs.tmp" . && mv "$rootfs.tmp" "$rootfs"
    rm -rf "$work"
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  mkdir "$work/minbase"
  tar -C "$work/minbase" -xf "$rootfs"

  if ! have "$debian_image"; then
    log "importing $debian_image"
    tar -C "$work/minbase" -c . | podman import -q \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' - "$debian_image" >/dev/null
  fi
  if ! have "$gcc_image"; then
    log "building $gcc_image"
    printf 'FROM %s\nRUN apt-get update -qq && apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null && rm -rf /var/lib/apt/lists/*\n' \
      "$debian_image" | podman build --network=host -q -t "$gcc_image" -f - "$work" >/dev/null
  fi

  if ! have "$jdk_image"; then
    log "building $jdk_image"
    # binutils: jlink --strip-debug strips native debug symbols with objcopy (the public image has it too).
    mkdir "$work/jdk"
    # -L: a packaged JDK links lib/security/cacerts to the system trust store; the image needs the file.
    cp -rL "$JDK" "$work/jdk/openjdk"
    printf '%s\n' "FROM $debian_image" \
      'RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends binutils >/dev/null && rm -rf /var/lib/apt/lists/*' \
      'COPY openjdk /opt/java/openjdk' \
      'ENV JAVA_HOME=/opt/java/openjdk LANG=C.UTF-8' \
      'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      | podman build --network=host -q -t "$jdk_image" -f - "$work/jdk" >/dev/null
    rm -rf "$work/jdk"
  fi

  if ! have "$jre_image"; then
    log "importing $jre_image"
    # What a JRE ships: the JDK's modules minus the development tools.
    modules="$("$JDK/bin/java" --list-modules | sed 's/@.*//' \
      | grep -vE '^jdk\.(compiler|javadoc|jshell|jdeps|jlink|jartool|jpackage|jdi|jdwp\.agent|jconsole|hotspot\.agent|editpad|internal\.ed|internal\.jvmstat|internal\.le|internal\.opt|jcmd|jstatd)$' \
      | paste -sd,)"
    "$JDK/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
      --output "$work/minbase/opt/java/openjdk"
    tar -C "$work/minbase" -c . | podman import -q \
      --change 'ENV JAVA_HOME=/opt/java/openjdk' \
      --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' - "$jre_image" >/dev/null
    rm -rf "$work/minbase/opt/java/openjdk"
  fi

  if ! have "$runtime_image"; then
    log "importing $runtime_image"
    mkdir -p "$work/runtime/usr/bin" "$work/runtime/usr/sbin" "$work/runtime/usr/lib" "$work/runtime/usr/lib64"
    # The usr-merge links first, so files listed under /lib land in usr/lib.
    for l in bin lib lib64 sbin; do [ -L "$work/minbase/$l" ] && cp -a "$work/minbase/$l" "$work/runtime/$l"; done
    for p in base-files libc6 libssl3 ca-certificates tzdata netbase; do
      chroot "$work/minbase" dpkg -L "$p"
    done | sort -u | while read -r f; do
      [ -e "$work/minbase$f" ] || [ -L "$work/minbase$f" ] || continue
      [ -e "$work/runtime$f" ] && continue
      [ -d "$work/minbase$f" ] && [ ! -L "$work/minbase$f" ] && { mkdir -p "$work/runtime$f"; continue; }
      mkdir -p "$work/runtime$(dirname "$f")"
      cp -a "$work/minbase$f" "$work/runtime$f"
    done
    # The certificate bundle ca-certificates generates at install time.
    mkdir -p "$work/runtime/etc/ssl/certs" "$work/runtime/tmp" "$work/runtime/root" "$work/runtime/home/nonroot"
    cp -a "$work/minbase/etc/ssl/certs/ca-certificates.crt" "$work/runtime/etc/ssl/certs/"
    chmod 1777 "$work/runtime/tmp"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$work/runtime/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > "$work/runtime/etc/group"
    tar -C "$work/runtime" -c . | podman import -q \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' - "$runtime_image" >/dev/null
  fi
fi
printf 'DEBIAN_IMAGE=%s\nGCC_IMAGE=%s\nJDK_IMAGE=%s\nJRE_IMAGE=%s\nRUNTIME_IMAGE=%s\n' \
  "$debian_image" "$gcc_image" "$jdk_image" "$jre_image" "$runtime_image"
