#!/usr/bin/env bash
# The operator benchmark (issue 2): apply -> DaemonSet latency over 100 policies, time for the
# policy status to reflect 1,000 kwok nodes ready, and the operator's API requests while idle for a
# minute, each next to the matching figure of kube-controller-manager in the same run.
# Builds the operator package and the benchmark, provisions the test binaries, and prints figures.
# Arguments go to the benchmark: --policies=100 --nodes=1000 --idle-seconds=60; the operator JVM runs
# with the options of its image's ENTRYPOINT unless --operator-java-options= says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME="$(hack/java-home.sh)"
export JAVA_HOME
SCORCH_TEST_BIN_CACHE="$(hack/test-binaries.sh)"
export SCORCH_TEST_BIN_CACHE
# One reactor build, never `install`: the other modules resolve from this build's target/
# directories, not from ~/.m2, where a shared SNAPSHOT would be overwritten. Each module writes its
# own target/classpath.txt; the benchmark's is the one used.
./mvnw -B -q -pl operator,bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt >/dev/null
exec "$JAVA_HOME/bin/java" -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  dev.scorch.bench.operator.OperatorBenchmark \
  --operator-jar=operator/target/quarkus-app/quarkus-run.jar --deploy=deploy "$@"
