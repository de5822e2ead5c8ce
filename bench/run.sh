#!/bin/bash
# bench/run.sh [proxy-bench options]: every benchmark, one command.
#   bash bench/run.sh                        # the full run: 15 s cells, 2 repetitions, c = 1,16,64,256
#   bash bench/run.sh --duration 3 --reps 1 --concurrency 1,64   # a quick look
#   BENCH_TRAY=0 bash bench/run.sh ...       # without the tray's RSS (no GUI build, no Xvfb)
# Installs what is missing (wrk, nginx-light; for the tray Xvfb, D-Bus and
# gnome-keyring; Debian), builds release trees (build-bench, -Dgui=disabled;
# build-bench-gui for the tray), and prints Markdown tables; the figures
# also go to bench/results/ (proxy-bench, stream-bench, tray-rss: .md, .tsv).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."

tray=${BENCH_TRAY:-1}
bash .ci/deps --build
wanted=(wrk nginx-light)
[ "$tray" = 1 ] && wanted+=(xvfb xauth dbus gnome-keyring)
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

setup() {   # setup DIR [meson options]
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" --buildtype=release "$@" >/dev/null
  else
    meson setup "$dir" --buildtype=release "$@" >/dev/null
  fi
}
setup build-bench -Dgui=disabled
ninja -C build-bench src/switchyard bench/bench-translate >/dev/null
if [ "$tray" = 1 ]; then
  setup build-bench-gui -Dgui=enabled
  ninja -C build-bench-gui src/switchyard tests/sni-watcher >/dev/null
fi

echo "## Translation alone (bench-translate)"
build-bench/bench/bench-translate 0.3
echo
echo "## Through the proxy (proxy-bench)"
python3 bench/proxy-bench.py --switchyard build-bench/src/switchyard "$@"
echo
echo "## Streams, memory, reload (stream-bench)"
python3 bench/stream-bench.py --switchyard build-bench/src/switchyard
if [ "$tray" = 1 ]; then
  echo
  echo "## With the tray"
  TEST_BUS_CONF=tests/test-bus.conf SNI_WATCHER=build-bench-gui/tests/sni-watcher \
    bash tests/headless-session.sh python3 bench/stream-bench.py --tray build-bench-gui/src/switchyard
fi
