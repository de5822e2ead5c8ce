#!/bin/bash
# tests/fuzz/run.sh BUILD_DIR [SECONDS]: runs every fuzz target for a short
# time, seeded from the repository (make-corpus.py) and with the dictionary
# of its input's syntax. Exits non-zero on the first crash, leak or timeout
# (the reproducer is left in the build dir).
set -euo pipefail
build=$(cd "$1" && pwd)   # the targets run from there
seconds=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
corpus=$build/fuzz-corpus
rm -rf "$corpus"
python3 "$here/make-corpus.py" "$here/../translate/vectors" "$corpus" "$here/../.."

# The dictionary of a target's input.
dict_for() {
  case $1 in
    fuzz-config) echo "$here/yaml.dict" ;;
    fuzz-sse|fuzz-stream-*) echo "$here/sse.dict" ;;
    *) echo "$here/json.dict" ;;
  esac
}

# One target: its log in the build dir, "ok NAME (N runs)" or the failure.
run_one() {
  local target=$1 name seeds work
  name=$(basename "$target")          # fuzz-<kind>-<format>
  seeds=$corpus/${name#fuzz-}
  mkdir -p "$seeds"
  work=$(mktemp -d)
  if (cd "$build" && "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -dict="$(dict_for "$name")" -print_final_stats=1 "$work" "$seeds" >"$build/$name.log" 2>&1); then
    echo "ok $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$build/$name.log" | tail -1 || true))"
  else
    echo "FAIL $name: see $build/$name.log"
    tail -30 "$build/$name.log"
    rm -rf "$work"
    return 1
  fi
  rm -rf "$work"
}

# As many targets at a time as there are processors: each is one process
# for a fixed time, so the whole run takes time / processors.
jobs=$(nproc 2>/dev/null || echo 1)
failed=0
pids=()
for target in "$build"/tests/fuzz/fuzz-*; do
  [ -f "$target" ] && [ -x "$target" ] || continue
  if [ "${#pids[@]}" -ge "$jobs" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
  run_one "$target" &
  pids+=($!)
done
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
exit $failed
