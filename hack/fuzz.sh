#!/usr/bin/env bash
# Fuzzes the collector's parsers of node-controlled and network input with Jazzer: every
# @FuzzTest class in turn, in a test JVM with a 256 MiB heap (Jazzer's instrumentation of the
# collector and its libraries does not start in 96 MiB; the default would be a quarter of the
# machine), so a memory blow-up fails as OutOfMemoryError. libFuzzer's own flags are passed as
# Jazzer's internal arguments (argument 0 is the program name):
#   -max_len      inputs up to FUZZ_MAX_LEN bytes (default 4 MiB; libFuzzer's default is 4 KiB),
#   -timeout      10 s per input, so a stall is a finding too (JUnit's timeout would instead
#                 end the whole run: Jazzer issue 930),
#   -max_total_time FUZZ_SECONDS per target (default 300; overrides the annotation's maxDuration),
#   -len_control=0  long inputs from the start (libFuzzer otherwise grows its length limit from
#                 a few bytes over hours).
# Findings are written by Jazzer under
# collector-image/src/test/resources/<package>/<Class>Inputs/<method>/ and, once committed,
# replay in every build (the normal build runs the fuzz tests in regression mode only).
# Megabyte inputs and structured mutations of valid seeds also come from our own HostileInputs
# harness, which runs in every build (the *FuzzTest @Test methods).
#   hack/fuzz.sh                                   # all targets
#   FUZZ_SECONDS=60 hack/fuzz.sh CgroupParserFuzzTest # one class, one minute
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME="$(hack/java-home.sh)"
export JAVA_HOME
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(find collector-image/src/test/java -name '*FuzzTest.java' -printf '%f\n' | sed 's/\.java$//' | sort)
fi
failed=()
for target in "${targets[@]}"; do
  echo "== fuzzing $target"
  JAZZER_FUZZ=1 ./mvnw -B -q -pl collector-image -am test -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtest.jvm.extra="-Xmx256m -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_len=${FUZZ_MAX_LEN:-4194304} \
      -Djazzer.internal.arg.2=-timeout=10 -Djazzer.internal.arg.3=-max_total_time=${FUZZ_SECONDS:-300} \
      -Djazzer.internal.arg.4=-len_control=0" || failed+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "findings or failures in: ${failed[*]}" >&2
  exit 1
fi
