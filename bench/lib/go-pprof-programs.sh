# Shared by bench/pull.sh and bench/pull-run.sh: builds our Go net/http/pprof program, starts n of
# them on loopback (their base URLs in `urls`), and defines the plain `curl` loop both benches
# compare Scorch against. Source it after bench/lib/start.sh and setting n, seconds, interval and types.

command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
(cd "$root/testenv/src/main/resources/workloads/gopprof" && GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 \
  go build -o "$work/gopprof" .)

urls=()
for i in $(seq 1 "$n"); do
  "$work/gopprof" -background -addr 127.0.0.1:0 -port-file "$work/port.$i" >/dev/null 2>&1 &
done
for i in $(seq 1 "$n"); do
  while [ ! -s "$work/port.$i" ]; do sleep 0.05; done
  urls+=("http://127.0.0.1:$(cat "$work/port.$i")")
done

# utime+stime of the whole process, exited threads included (a thread's schedstat leaves with it,
# and the JVM's virtual-thread carriers come and go), plus reaped children (the loop's curls).
ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat"; }

# Fetches every type of every program once per interval until `seconds` have passed.
curl_loop() {
  local end=$((SECONDS + seconds)) round=0
  while [ "$SECONDS" -le "$end" ]; do
    local next=$((SECONDS + interval))
    for i in "${!urls[@]}"; do
      for t in $types; do
        curl -s --max-time 10 -o "$work/curl/$i-$t-$round.pb.gz" "${urls[$i]}/debug/pprof/$t" || true
      done
    done
    round=$((round + 1))
    while [ "$SECONDS" -lt "$next" ] && [ "$SECONDS" -le "$end" ]; do sleep 0.2; done
  done
}
