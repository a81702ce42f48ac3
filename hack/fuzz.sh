#!/usr/bin/env bash
# Fuzzes the collector's parsers of node-controlled and network input with Jazzer: every
# @FuzzTest class in turn (each method runs for its annotated maxDuration), in a test JVM with a
# 256 MiB heap (Jazzer's instrumentation of the collector and its libraries does not start in
# 96 MiB; the default would be a quarter of the machine), so a memory blow-up fails as
# OutOfMemoryError, and a 10 s limit per input, so a stall is a finding too. Findings are written by Jazzer under
# collector-image/src/test/resources/<package>/<Class>Inputs/<method>/ and, once committed,
# replay in every build (the normal build runs the fuzz tests in regression mode only).
# Megabyte inputs and structured mutations of valid seeds come from our own HostileInputs
# harness, which runs in every build (the *FuzzTest @Test methods).
#   hack/fuzz.sh                      # all targets
#   hack/fuzz.sh CgroupParserFuzzTest # one class
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME="$(hack/java-home.sh)"
export JAVA_HOME
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(find collector-image/src/test/java -name '*FuzzTest.java' -printf '%f\n' | sed 's/\.java$//' | sort)
fi
for target in "${targets[@]}"; do
  echo "== fuzzing $target"
  JAZZER_FUZZ=1 ./mvnw -B -q -pl collector-image -am test -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtest.jvm.extra="-Xmx256m -Djunit.jupiter.execution.timeout.default=10s"
done
