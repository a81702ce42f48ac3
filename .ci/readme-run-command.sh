#!/usr/bin/env bash
# Runs README's "try it on one machine" command as written (shorter), then checks that what it wrote
# is a CPU profile the real `go tool pprof` reads and a flame-graph page, so the README's run
# command cannot silently rot.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

command=$(grep -m1 '^\./scorch record ' README.md)
[ -n "$command" ] || { echo "ci: README.md shows no './scorch record' command" >&2; exit 1; }
# The README's command with a 3 s duration and the outputs in a scratch directory.
read -r -a words <<<"$command"
args=()
for ((i = 1; i < ${#words[@]}; i++)); do
  case "${words[i]}" in
    --duration) args+=(--duration 3s); i=$((i + 1)) ;;
    --output) args+=(--output "$out/${words[i + 1]}"); i=$((i + 1)) ;;
    --flamegraph) args+=(--flamegraph "$out/${words[i + 1]}"); i=$((i + 1)) ;;
    *) args+=("${words[i]}") ;;
  esac
done
(while :; do :; done) & busy=$!
./scorch "${args[@]}"
kill "$busy"

profile=$(find "$out" -name '*.pb.gz' | head -1)
page=$(find "$out" -name '*.html' | head -1)
[ -s "$profile" ] && [ -s "$page" ] || { echo "ci: './scorch record' wrote no profile or no flame graph in $out" >&2; exit 1; }
top=$(go tool pprof -top "$profile")
echo "$top" | head -8
echo "$top" | grep -q 'Type: cpu' || { echo "ci: go tool pprof does not read $profile as a CPU profile" >&2; exit 1; }
grep -q '<script' "$page" || { echo "ci: $page is not the interactive flame graph" >&2; exit 1; }
echo "ci: README run command wrote a CPU profile go tool pprof reads and a flame graph"
