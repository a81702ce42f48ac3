#!/usr/bin/env bash
# Builds the collector's Java runtime: the one copy of how it is made, run by the Containerfile
# (the image's /opt/java) and by bench/lib/image-runtime.sh (the same runtime on the host, so the
# benchmarks measure what the image runs).
#   collector-image/jlink-runtime.sh <JDK home> <collector-image/target> <output directory>
#   collector-image/jlink-runtime.sh --modules <JDK home> <collector-image/target>   (prints the modules)
#   collector-image/jlink-runtime.sh --app-archive <runtime home> <collector jar> <archive> [<class list>]
# JLINK_COMPRESS: jlink's --compress of the module image (default zip-6); a benchmark lever.
# jdeps decides the modules from the collector's jar and its libraries, so a new library cannot
# silently miss a module. The runtime then gets a class-data archive dumped with the collector's own
# flags (jvm.options): the JVM picks its default archive by those flags (compact object headers
# look for classes_coh.jsa), and neither a jlinked runtime nor `jlink --generate-cds-archive`
# has that one, so without this dump the collector ran with no archive at all (docs/benchmarks.md).
#
# --app-archive writes the collector's own archive (run with -XX:SharedArchiveFile=<archive>): the
# JDK and collector classes that a training run loads, dumped as one static archive for the
# classpath <collector jar> (the JVM accepts libraries appended after it, in any order); with
# <class list> (as -XX:DumpLoadedClassList writes it) the classes it names instead of a training. The
# training (cli/ClassDataTraining) has no Kubernetes API server and no perf access (an image build
# has neither; on a host it runs without capabilities so that the bench's archive is the image's):
# it runs `run` (start-up, config, health, HTTP, TLS, the watches, placement, the pod caches) against
# a loopback API server of its own over TLS, and drives the sampling path on a
# perf ring it writes for its own process (decoding, the process table, unwinding, symbolizing the
# JVM's own binaries, profile encoding, the directory, OTLP and Pyroscope exporters on a loopback
# listener). The list must come from a run: an archive is relocated whole when mapped, so a class
# archived but never loaded costs RSS (every class of the jars: +20 MiB), see docs/benchmarks.md.
set -euo pipefail
options="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/jvm.options"

# Runs the collector's class-data training (cli/ClassDataTraining: `run` against the loopback API
# server of cli/TrainingSink, and the sampling path on a perf ring it writes itself) for
# ARCHIVE_TRAIN_SECONDS (default 10) and until both are done, and writes the classes it loaded to
# <class list>.
train() {
  local java_home=$1 jar=$2 list=$3 dir=$4
  # The training's API server's key: RSA, as kubeadm's and most clusters' API servers have.
  "$java_home/bin/keytool" -genkeypair -alias training -keyalg RSA -keysize 2048 -dname CN=training -ext san=ip:127.0.0.1 \
    -validity 1 -keystore "$dir/ca.p12" -storepass training >/dev/null 2>&1
  "$java_home/bin/keytool" -exportcert -rfc -alias training -keystore "$dir/ca.p12" -storepass training >"$dir/ca.pem" 2>/dev/null
  echo training >"$dir/token"
  local drop=()
  # Root keeps no capability across exec with an empty bounding set: perf is then refused as in a build.
  if [ "$(id -u)" = 0 ] && setpriv --bounding-set=-all --inh-caps=-all -- true 2>/dev/null; then
    drop=(setpriv --bounding-set=-all --inh-caps=-all --)
  fi
  # The training's API server and backends, in a JVM of their own whose classes are not listed.
  SCORCH_NODE_NAME=training "$java_home/bin/java" -cp "$jar" dev.scorch.collector.cli.TrainingSink "$dir" >"$dir/peers.log" 2>&1 &
  local peers=$!
  # shellcheck disable=SC2064
  trap "kill $peers 2>/dev/null || true; rm -rf '$dir'" EXIT
  local tries=0
  while [ ! -s "$dir/peers" ] && [ "$tries" -lt 600 ] && kill -0 "$peers" 2>/dev/null; do sleep 0.1; tries=$((tries + 1)); done
  [ -s "$dir/peers" ] || { echo "the training's API server did not start: $(tail -3 "$dir/peers.log")" >&2; exit 1; }
  SCORCH_NODE_NAME=training SCORCH_POD_NAMESPACE=scorch SCORCH_POD_NAME=scorch-collector-training "${drop[@]}" \
    "$java_home/bin/java" "@$options" -XX:DumpLoadedClassList="$list" -cp "$jar" dev.scorch.collector.cli.ClassDataTraining "$dir" >"$dir/training.log" 2>&1 &
  local pid=$!
  # At least ARCHIVE_TRAIN_SECONDS for `run`, and until `run` collects and the sampling path has run
  # to its end, which takes longer on a loaded machine (up to 300 s).
  sleep "${ARCHIVE_TRAIN_SECONDS:-10}"
  local waited=0
  while { [ ! -e "$dir/sampling-path.done" ] || ! grep -q "collecting until SIGTERM" "$dir/training.log"; } \
    && [ "$waited" -lt 300 ] && kill -0 "$pid" 2>/dev/null; do
    sleep 1; waited=$((waited + 1))
  done
  kill -0 "$pid" 2>/dev/null || { echo "the training run of $jar exited early: $(tail -3 "$dir/training.log")" >&2; exit 1; }
  kill -TERM "$pid"
  wait "$pid" || true
  kill "$peers"
  wait "$peers" 2>/dev/null || true
  # A training that no longer reaches the profile and its export, or no longer places its policy
  # from the API server's node, would leave those classes out silently.
  if [ ! -e "$dir/sampling-path.done" ] || grep -q "class-data training:" "$dir/training.log" \
    || [ -z "$(find "$dir/profiles" -name '*.pb.gz' 2>/dev/null | head -1)" ]; then
    echo "the training run of $jar did not run the sampling path to a profile: $(grep -m1 "class-data training:" "$dir/training.log")" >&2
    exit 1
  fi
  # Its policy selects the node by a label only the API server's node has.
  if ! grep -q "serving 1 of 1 policies" "$dir/training.log"; then
    echo "the training run of $jar did not place its policy from its API server's node: $(grep -m1 "watch of .* failed" "$dir/training.log")" >&2
    exit 1
  fi
}

if [ "$1" = --app-archive ]; then
  java_home=$2 jar=$3 archive=$4 list=${5:-}
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  if [ -z "$list" ]; then
    list="$work/classes.list"
    train "$java_home" "$jar" "$list" "$work"
  fi
  "$java_home/bin/java" "@$options" -Xshare:dump -XX:SharedClassListFile="$list" -XX:SharedArchiveFile="$archive" \
    -cp "$jar" -Xlog:cds=off -Xlog:aot=off >/dev/null
  # -Xshare:on refuses to start when the archive cannot be used (a classpath or flag mismatch).
  "$java_home/bin/java" "@$options" -Xshare:on -XX:SharedArchiveFile="$archive" -cp "$jar" dev.scorch.collector.cli.Main --help >/dev/null
  exit 0
fi

print_modules=false
if [ "$1" = --modules ]; then print_modules=true; shift; fi
jdk=$1 target=$2
jar="$(find "$target" -maxdepth 1 -name 'scorch-collector*.jar' ! -name '*-sources.jar' ! -name '*-tests.jar' | head -1)"
# cryptoki and zipfs are loaded as services, which jdeps does not see.
modules="$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
  -cp "$target/lib/*" "$jar" "$target"/lib/*.jar 2>/dev/null | tail -1),jdk.crypto.cryptoki,jdk.zipfs"
if $print_modules; then echo "$modules"; exit 0; fi
out=$3
"$jdk/bin/jlink" --add-modules "$modules" \
  --strip-debug --no-man-pages --no-header-files --compress="${JLINK_COMPRESS:-zip-6}" --output "$out"
"$out/bin/java" "@$options" -Xshare:dump -Xlog:cds=off -Xlog:aot=off >/dev/null
