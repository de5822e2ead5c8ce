#!/bin/bash
# test-dbus-activation.sh: the desktop entry is DBusActivatable: a launcher
# calls org.freedesktop.Application.Activate on io.github.switchyard.Switchyard,
# the session bus starts the app from its service file
# (`switchyard --gapplication-service`), the app starts the proxy, a second
# Activate goes to the same process, and app.quit ends it (TAP)
#
# Runs in tests/headless-session.sh with TEST_BUS_CONF naming a bus whose
# service dir holds the build's service file.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

APP=io.github.switchyard.Switchyard
OBJ=/io/github/switchyard/Switchyard
T=$(mktemp -d /tmp/sy-activation.XXXXXX)
trap 'rm -rf "$T"' EXIT

. "$(dirname "$0")/tap.sh"
check()  {
  local name=$1; shift
  if "$@" >"$T/out" 2>&1; then ok "$name"; else not_ok "$name" "command: $*"; sed 's/^/#   /' "$T/out"; fi
}
bus()    { gdbus call --session --timeout 60 "$@"; }
has_owner() { bus -d org.freedesktop.DBus -o /org/freedesktop/DBus -m org.freedesktop.DBus.NameHasOwner "$APP" | grep -q true; }
app_pid() { bus -d org.freedesktop.DBus -o /org/freedesktop/DBus \
              -m org.freedesktop.DBus.GetConnectionUnixProcessID "$APP" 2>/dev/null | sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'; }
healthz() { curl -s --max-time 5 "http://127.0.0.1:$port/healthz"; }

echo "TAP version 13"

# The session's own config (headless-session.sh made XDG_CONFIG_HOME), on a
# port free now; the bus passes its environment to what it starts.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$XDG_CONFIG_HOME/switchyard"
printf 'host: 127.0.0.1\nport: %s\n' "$port" >"$XDG_CONFIG_HOME/switchyard/config.yaml"

if has_owner; then not_ok "nothing owns $APP before"; else ok "nothing owns $APP before"; fi
check "Activate: the bus starts the app" \
  bus -d "$APP" -o "$OBJ" -m org.freedesktop.Application.Activate '{}'
check "the app owns $APP" has_owner
pid=$(app_pid)
check "the bus started it as a GApplication service" \
  bash -c 'tr "\0" " " </proc/"$1"/cmdline | grep -qE "/switchyard --gapplication-service $"' _ "$pid"

answer=
for _ in $(seq 1 200); do
  answer=$(healthz) && [ -n "$answer" ] && break
  sleep 0.05
done
check "the activated app serves: GET /healthz on port $port" test "$answer" = '{"status":"ok"}'

check "a second Activate is answered" \
  bus -d "$APP" -o "$OBJ" -m org.freedesktop.Application.Activate '{}'
check "... by the same process" test "$(app_pid)" = "$pid"

check "app.quit over the bus" \
  bus -d "$APP" -o "$OBJ" -m org.freedesktop.Application.ActivateAction quit '[]' '{}'
for _ in $(seq 1 200); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
check "the app is gone" bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid"
if has_owner; then not_ok "its name is released"; else ok "its name is released"; fi
check "the proxy stopped with it" bash -c '! curl -s --max-time 2 "http://127.0.0.1:$1/healthz"' _ "$port"

# Started so where there is no display: it says so and exits, leaving no
# headless proxy behind that nobody asked for.
err=$(env -u DISPLAY -u WAYLAND_DISPLAY "${SY_BINARY:?}" --gapplication-service 2>&1 >/dev/null); rc=$?
check "no display: --gapplication-service exits with status 1" test "$rc" = 1
check "no display: it says why" grep -qF "no display to start the desktop app on" <<<"$err"
check "no display: nothing listens" bash -c '! curl -s --max-time 2 "http://127.0.0.1:$1/healthz"' _ "$port"

echo "1..$n"
[ "$failed" -eq 0 ]
