#!/bin/bash
# test-forward.sh: a second switchyard goes to the running one (TAP)
#
# Runs in tests/headless-session.sh (a private session bus, Xvfb): a fake
# app (tests/fake-app.c) owns the desktop app's name and records what it
# is asked; the real binary, run as a user would, must forward to it.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

SY=${SY_BINARY:?}
FAKE_APP=${SY_FAKE_APP:?}
T=$(mktemp -d /tmp/sy-forward.XXXXXX)
export LC_ALL=C LANGUAGE=C XDG_STATE_HOME=$T/state
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "$0")/tap.sh"

echo "TAP version 13"
printf 'host: 127.0.0.1\nport: 0\n' >"$T/config.yaml"
REC=$T/record

"$FAKE_APP" "$REC" &
pid=$!
for _ in $(seq 1 600); do
  grep -qx ready "$REC" 2>/dev/null && break
  sleep 0.05
done
check "the fake app owns the name" grep -qx ready "$REC"

# --login while the app runs: the app's login action gets the provider.
out=$(timeout 20 "$SY" --config "$T/config.yaml" --login claude 2>"$T/err"); rc=$?
check "--login claude: exit status 0" test "$rc" = 0
check "--login claude: says the running app continues" \
  bash -c 'grep -q "The sign-in continues in the running Switchyard" <<<"$1"' _ "$out"
check "--login claude: the app's login action got \"claude\"" grep -qx "login claude" "$REC"
check "--login claude: no sign-in ran here" bash -c '! grep -q "Sign in to" <<<"$1"' _ "$out"
# Without --config: forwarded before the default config would be made.
out=$(XDG_CONFIG_HOME="$T/fresh-config" timeout 20 "$SY" --login codex 2>"$T/err"); rc=$?
check "--login codex (default config): exit status 0" test "$rc" = 0
check "--login codex (default config): the app got \"codex\"" grep -qx "login codex" "$REC"
check "--login codex (default config): no config.yaml made here" test ! -e "$T/fresh-config/switchyard/config.yaml"

# What only the terminal does stays here: an unknown provider is said here.
timeout 20 "$SY" --config "$T/config.yaml" --login nosuch >"$T/out" 2>"$T/err"; rc=$?
check "--login nosuch: not forwarded" bash -c "! grep -q 'login nosuch' '$REC'"
check "--login nosuch: fails here" test "$rc" != 0

# A plain second launch activates the running one and exits.
if [ -n "${DISPLAY:-}" ]; then
  timeout 20 "$SY" --config "$T/config.yaml" >"$T/out2" 2>&1; rc=$?
  check "second launch: exit status 0" test "$rc" = 0
  check "second launch: the running app is activated" grep -qx activate "$REC"
  check "second launch: no second proxy" bash -c "! grep -q 'Listening on' '$T/out2'"
fi

# The tray app itself on a taken port: it says which port is free, and
# its app.use-port action (the notification's button) moves it there,
# written to config.yaml.
if [ -n "${DISPLAY:-}" ]; then
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=
  printf 'host: 127.0.0.1\nport: 0\n' >"$T/holder.yaml"
  "$SY" --headless --config "$T/holder.yaml" >"$T/holder.log" 2>&1 &
  holder=$!
  taken=
  for _ in $(seq 1 600); do
    taken=$(sed -n 's/.*Listening on http:[^ ]*:\([0-9]*\).*/\1/p' "$T/holder.log" | head -1)
    [ -n "$taken" ] && break
    sleep 0.05
  done
  printf '# the port\nhost: 127.0.0.1\nport: %s\n' "$taken" >"$T/app.yaml"
  "$SY" --config "$T/app.yaml" >"$T/app.log" 2>&1 &
  pid=$!
  free=
  for _ in $(seq 1 1200); do   # slow under ASan
    free=$(sed -n 's/.*Port [0-9]* is in use: port \([0-9]*\) is free.*/\1/p' "$T/app.log" | head -1)
    [ -n "$free" ] && break
    sleep 0.05
  done
  check "taken port: the app offers the next free one" test -n "$free" -a "${free:-0}" -gt "${taken:-0}"
  check "taken port: the app did not listen" bash -c "! grep -q 'Listening on' '$T/app.log'"
  if [ -n "$free" ]; then
    gdbus call --session --dest io.github.switchyard.Switchyard \
      --object-path /io/github/switchyard/Switchyard --method org.gtk.Actions.Activate \
      use-port "[<uint16 $free>]" "{}" >/dev/null 2>"$T/gdbus.err"
    up=
    for _ in $(seq 1 600); do
      curl -sf "http://127.0.0.1:$free/healthz" >/dev/null && { up=1; break; }
      sleep 0.05
    done
    check "use-port: the proxy listens on the port offered" test -n "$up"
    check "use-port: config.yaml has the new port, its comment kept" \
      bash -c "grep -qx 'port: $free' '$T/app.yaml' && grep -qx '# the port' '$T/app.yaml'"
  fi
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=
  kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
  [ -n "$free" ] || sed 's/^/#   /' "$T/app.log"
fi

echo "1..$n"
[ "$failed" = 0 ]
