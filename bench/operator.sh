#!/usr/bin/env bash
# The operator benchmark (issue 2): apply -> DaemonSet latency over 100 policies, time for the
# policy status to reflect 1,000 kwok nodes ready, and the operator's API requests while idle for a
# minute, each next to the matching figure of kube-controller-manager in the same run.
# Builds the operator package and the benchmark, provisions the test binaries, and prints figures.
# Arguments go to the benchmark: --policies=100 --nodes=1000 --idle-seconds=60
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME="$(hack/java-home.sh)"
export JAVA_HOME
SCORCH_TEST_BIN_CACHE="$(hack/test-binaries.sh)"
export SCORCH_TEST_BIN_CACHE
./mvnw -B -q -pl operator,bench -am install -DskipTests
classpath_file="$(mktemp)"
trap 'rm -f "$classpath_file"' EXIT
./mvnw -B -q -pl bench dependency:build-classpath -Dmdep.outputFile="$classpath_file" >/dev/null
exec "$JAVA_HOME/bin/java" -cp "bench/target/classes:$(cat "$classpath_file")" \
  dev.scorch.bench.operator.OperatorBenchmark \
  --operator-jar=operator/target/quarkus-app/quarkus-run.jar --deploy=deploy "$@"
