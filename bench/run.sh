#!/bin/bash
# bench/run.sh [proxy-bench options]: every benchmark, one command.
#   bash bench/run.sh                        # the full run: 15 s cells, 2 repetitions, c = 1,16,64,256
#   bash bench/run.sh --duration 3 --reps 1 --concurrency 1,64   # a quick look
# Installs what is missing (wrk, nginx-light; Debian), builds a release tree
# (build-bench, -Dgui=disabled), and prints Markdown tables; the figures
# also go to bench/results/ (proxy-bench.md, proxy-bench.tsv).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/deps --build
missing=()
for p in wrk nginx-light; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -f build-bench/build.ninja ]; then
  meson setup --reconfigure build-bench --buildtype=release -Dgui=disabled >/dev/null
else
  meson setup build-bench --buildtype=release -Dgui=disabled >/dev/null
fi
ninja -C build-bench src/switchyard bench/bench-translate >/dev/null

echo "## Translation alone (bench-translate)"
build-bench/bench/bench-translate 0.3
echo
echo "## Through the proxy (proxy-bench)"
python3 bench/proxy-bench.py --switchyard build-bench/src/switchyard "$@"
