#!/usr/bin/env bash
# One symbolization round's wait on JVMs: starts RUNNING idle JVMs and STOPPED ones (SIGSTOP: a JVM
# that cannot answer attach, as a starved or frozen one), then runs two rounds, 5 s apart, that ask them all for
# their JIT perf maps with the collector's settings, once with this tree's JitMapRequests ("after")
# and once with that of revision BEFORE ("before"), and prints each round's wall time.
# Usage (root): bench/jit-round.sh [running] [stopped] [before-revision]
#   (build first: ./mvnw -B -pl collector-image -am package -DskipTests)
set -euo pipefail
source "$(dirname "$0")/lib/start.sh"
running=${1:-3}
stopped=${2:-5}
before=${3:-5263cb7}
classes="$root/collector-image/target/classes:$root/collector-image/target/lib/*"
mkdir -p "$work/before"
git -C "$root" show "$before:collector-image/src/main/java/dev/scorch/collector/jvm/JitMapRequests.java" > "$work/JitMapRequests.java"
"$JAVA_HOME/bin/javac" -nowarn -d "$work/before" -cp "$classes" "$work/JitMapRequests.java"
cat > "$work/Idle.java" <<'JAVA'
public class Idle { public static void main(String[] a) throws Exception { System.out.println("ready"); Thread.sleep(600_000); } }
JAVA
pids=()
cleanup() { for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; rm -f "/tmp/perf-$p.map" "/tmp/.java_pid$p" "/tmp/.attach_pid$p"; done; }
trap cleanup EXIT
for i in $(seq 1 $((running + stopped))); do
  "$JAVA_HOME/bin/java" -Xmx16m "$work/Idle.java" > "$work/idle-$i.out" &
  pids+=($!)
done
for i in $(seq 1 $((running + stopped))); do
  until grep -q ready "$work/idle-$i.out"; do sleep 0.2; done
done
for p in "${pids[@]:0:$stopped}"; do kill -STOP "$p"; done
echo "== $running running JVMs, $stopped stopped; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for side in before after; do
  for p in "${pids[@]}"; do rm -f "/tmp/perf-$p.map"; done
  cp=$classes
  [ "$side" = before ] && cp="$work/before:$classes"
  echo "-- $side ($([ "$side" = before ] && echo "$before" || git -C "$root" rev-parse --short HEAD))"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" "$root/bench/lib/JitRound.java" "${pids[@]}"
done
