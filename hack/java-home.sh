#!/usr/bin/env bash
# Prints a JDK 25 home: $JAVA_HOME when it is 25, else the first JDK 25 under /usr/lib/jvm.
# Scorch's product code targets Java 25; the machine's default JDK may be older.
set -euo pipefail
is25() { [ -x "$1/bin/javac" ] && "$1/bin/java" -version 2>&1 | head -1 | grep -q '"25'; }
if [ -n "${JAVA_HOME:-}" ] && is25 "$JAVA_HOME"; then echo "$JAVA_HOME"; exit 0; fi
for d in /usr/lib/jvm/*25* /usr/lib/jvm/*; do
  if is25 "$d"; then echo "$d"; exit 0; fi
done
echo "hack/java-home.sh: no JDK 25 found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm has none); install a Temurin 25 JDK" >&2
exit 1
