#!/usr/bin/env bash
# Symbolization rounds' wait on JVMs: starts RUNNING + STOPPED idle JVMs and runs four rounds, 31 s
# apart (each JVM due again), that ask them all for their JIT perf maps with the collector's settings
# (bench/lib/JitRound.java): round 1 with all running; STOPPED of them stopped (SIGSTOP: a JVM that
# cannot answer attach, as a starved or frozen one) for rounds 2 and 3, which ask them first; all
# running again for round 4. Once with this tree's JitMapRequests ("after") and once with that of
# revision BEFORE ("before"). Prints each round's wall time, requests sent and late, and how many
# running and once-stopped JVMs got a fresh map within the round.
# Usage (root): bench/jit-round.sh [running] [stopped] [before-revision]
#   (build first: ./mvnw -B -pl collector-image -am package -DskipTests)
set -euo pipefail
source "$(dirname "$0")/lib/start.sh"
running=${1:-3}
stopped=${2:-5}
before=${3:-86850bb}
classes="$root/collector-image/target/classes:$root/collector-image/target/lib/*"
mkdir -p "$work/before"
# The revision's request class and the interface it implements, compiled over this tree's other classes.
git -C "$root" show "$before:collector-image/src/main/java/dev/scorch/collector/jvm/JitMapRequests.java" > "$work/JitMapRequests.java"
git -C "$root" show "$before:collector-image/src/main/java/dev/scorch/collector/symbol/PerfMapWriter.java" > "$work/PerfMapWriter.java"
"$JAVA_HOME/bin/javac" -nowarn -d "$work/before" -cp "$classes" "$work/JitMapRequests.java" "$work/PerfMapWriter.java"
cat > "$work/Idle.java" <<'JAVA'
public class Idle { public static void main(String[] a) throws Exception { System.out.println("ready"); Thread.sleep(600_000); } }
JAVA
pids=()
cleanup() { for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill -KILL "$p" 2>/dev/null || true; rm -f "/tmp/perf-$p.map" "/tmp/.java_pid$p" "/tmp/.attach_pid$p"; done; pids=(); }
trap cleanup EXIT
for side in before after; do
  # Fresh JVMs for each side: a JVM stopped and asked before holds a pending SIGQUIT and may have its listener running.
  for i in $(seq 1 $((running + stopped))); do
    "$JAVA_HOME/bin/java" -Xmx16m "$work/Idle.java" > "$work/idle-$side-$i.out" &
    pids+=($!)
    disown
  done
  for i in $(seq 1 $((running + stopped))); do
    until grep -q ready "$work/idle-$side-$i.out"; do sleep 0.2; done
  done
  for p in "${pids[@]}"; do rm -f "/tmp/perf-$p.map"; done
  cp=$classes
  [ "$side" = before ] && cp="$work/before:$classes"
  echo "-- $side ($([ "$side" = before ] && echo "$before" || git -C "$root" rev-parse --short HEAD)): $running running JVMs, $stopped stopped after round 1; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" "$root/bench/lib/JitRound.java" "$stopped" "${pids[@]}"
  echo "   load: $(cut -d' ' -f1-3 /proc/loadavg)"
  cleanup
done
