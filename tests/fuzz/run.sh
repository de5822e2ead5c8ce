#!/bin/bash
# tests/fuzz/run.sh BUILD_DIR [SECONDS]: runs every fuzz target for a short
# time, seeded with the inputs of the golden vectors. Exits non-zero on the
# first crash, leak or timeout (the reproducer is left in the build dir).
set -euo pipefail
build=$1
seconds=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
corpus=$build/fuzz-corpus
rm -rf "$corpus"
python3 "$here/make-corpus.py" "$here/../translate/vectors" "$corpus"

failed=0
for target in "$build"/tests/fuzz/fuzz-*; do
  [ -f "$target" ] && [ -x "$target" ] || continue
  name=$(basename "$target")          # fuzz-<kind>-<format>
  seeds=$corpus/${name#fuzz-}
  mkdir -p "$seeds"
  work=$(mktemp -d)
  if (cd "$build" && "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 "$work" "$seeds" >"$build/$name.log" 2>&1); then
    echo "ok $name ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$build/$name.log" | tail -1 || true))"
  else
    echo "FAIL $name: see $build/$name.log"
    tail -30 "$build/$name.log"
    failed=1
  fi
  rm -rf "$work"
done
exit $failed
