# What a host starting many new binaries and JVMs at once runs (an image build, a CI run, a node
# pulling images), made on purpose so its effect on the collector repeats: distinct copies of large
# Go binaries (each copy's GNU build id rewritten, so every copy is a new object to the caches
# keyed by build id), distinct JVM runtimes (java.base jlinked from the JDK, its libjvm.so given a
# new build id per copy, plus every other JDK installed) running a program that JIT-compiles for
# JVM_SECONDS, and a C compiler in a loop. Source it after bench/lib/start.sh; prepare_burst once,
# then start_burst / stop_burst.
#   GO_COPIES (default 2) copies of each of GO_BINARIES (default: the cached Kubernetes, etcd,
#   kwok and Parca binaries); JVM_COPIES (default 4) runtimes; JVM_SECONDS (default 20).

go_binaries=(${GO_BINARIES:-$(find "$HOME/.cache/scorch/test-binaries" "$HOME/.cache/scorch/node-binaries" -type f -size +20M 2>/dev/null | sort)})
burst_dir="$work/burst"
burst_pids=()

# Rewrites the 20-byte NT_GNU_BUILD_ID of an ELF file in place with bytes derived from <salt>.
new_build_id() {
  python3 - "$1" "$2" <<'EOF'
import hashlib, struct, sys
path, salt = sys.argv[1], sys.argv[2]
with open(path, "r+b") as f:
    head = f.read(1 << 16)
    at = head.find(struct.pack("<III", 4, 20, 3) + b"GNU\0")
    if at < 0:
        sys.exit(path + ": no GNU build id note in its first 64 KiB")
    f.seek(at + 16)
    f.write(hashlib.sha1((path + salt).encode()).digest())
EOF
}

prepare_burst() {
  mkdir -p "$burst_dir/go" "$burst_dir/jvm"
  local source copy name
  for source in "${go_binaries[@]}"; do
    name=$(basename "$source")
    for copy in $(seq 1 "${GO_COPIES:-2}"); do
      cp "$source" "$burst_dir/go/$name-$copy"
      new_build_id "$burst_dir/go/$name-$copy" "$copy"
    done
  done
  "$JAVA_HOME/bin/jlink" --add-modules java.base --output "$burst_dir/jvm/base" --strip-debug --no-header-files --no-man-pages
  for copy in $(seq 1 "${JVM_COPIES:-4}"); do
    cp -r "$burst_dir/jvm/base" "$burst_dir/jvm/runtime-$copy"
    new_build_id "$burst_dir/jvm/runtime-$copy/lib/server/libjvm.so" "$copy"
  done
  rm -rf "$burst_dir/jvm/base"
  # Work that keeps the JIT busy: regular expressions, formatting, sorting and hashing of varied
  # types, for JVM_SECONDS. Compiled for Java 17 so every installed JDK runs it.
  mkdir -p "$burst_dir/app"
  cat >"$burst_dir/app/Busy.java" <<'EOF'
import java.util.*;
import java.util.regex.*;
import java.util.stream.*;

public class Busy {
    public static void main(String[] args) {
        long end = System.nanoTime() + Long.parseLong(args[0]) * 1_000_000_000L;
        Pattern p = Pattern.compile("([a-z]+)-(\\d+)");
        long sum = 0;
        for (int round = 0; System.nanoTime() < end; round++) {
            Map<String, Integer> counts = new TreeMap<>();
            for (int i = 0; i < 2000; i++) {
                Matcher m = p.matcher(String.format("%s-%d", Integer.toHexString(i * round + 7).replaceAll("\\d", "x"), i));
                if (m.find()) counts.merge(m.group(1), 1, Integer::sum);
            }
            sum += counts.values().stream().mapToInt(Integer::intValue).sum();
            sum += IntStream.range(0, 5000).mapToObj(i -> Long.toString(i * 31L, 36)).sorted().collect(Collectors.joining()).hashCode();
            sum += Arrays.hashCode(new Random(round).doubles(2000).sorted().toArray());
        }
        System.out.println(sum);
    }
}
EOF
  "$JAVA_HOME/bin/javac" --release 17 -d "$burst_dir/app" "$burst_dir/app/Busy.java"
  jvm_homes=("$burst_dir"/jvm/runtime-*)
  local jdk
  for jdk in /usr/lib/jvm/*/; do
    [ -x "$jdk/bin/java" ] && [ ! -L "${jdk%/}" ] && jvm_homes+=("${jdk%/}")
  done
  echo "burst: ${#go_binaries[@]} Go binaries x ${GO_COPIES:-2} copies ($(du -sm "$burst_dir/go" | cut -f1) MiB), ${#jvm_homes[@]} JVM runtimes, a C compiler loop"
}

# Each Go copy's --help in a loop, each JVM runtime's Busy in a loop, gcc in a loop: every process
# a new exec, every binary a new object, every JVM a new perf map.
start_burst() {
  local bin home
  for bin in "$burst_dir"/go/*; do
    ( while :; do "$bin" --help >/dev/null 2>&1 || true; done ) &
    burst_pids+=($!)
  done
  for home in "${jvm_homes[@]}"; do
    ( while :; do "$home/bin/java" -cp "$burst_dir/app" Busy "${JVM_SECONDS:-20}" >/dev/null 2>&1 || true; done ) &
    burst_pids+=($!)
  done
  ( while :; do gcc -O2 -c "$root/collector-image/src/test/c/split.c" -o /dev/null; done ) &
  burst_pids+=($!)
}

# Stops the loops and what they started.
stop_burst() {
  local pid children
  for pid in "${burst_pids[@]}"; do
    children=$(pgrep -P "$pid" || true)
    kill "$pid" 2>/dev/null || true
    # shellcheck disable=SC2086
    [ -z "$children" ] || kill $children 2>/dev/null || true
  done
  burst_pids=()
}
