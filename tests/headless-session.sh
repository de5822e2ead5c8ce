#!/bin/bash
# headless-session.sh CMD [ARGS...]
# Runs CMD in a throwaway desktop session: Xvfb, a private D-Bus session bus,
# an unlocked gnome-keyring (Secret Service) and a StatusNotifierWatcher.
# Env in:  TEST_BUS_CONF (bus config), SNI_WATCHER (path to sni-watcher,
#          optional), HEADLESS_NO_KEYRING=1 to leave the Secret Service out,
#          HEADLESS_NO_X=1 to leave Xvfb out (then nothing can ever prompt).
# Env out: DISPLAY, DBUS_SESSION_BUS_ADDRESS, HOME/XDG_* (temp), SHOT_DIR.
set -uo pipefail
T=$(mktemp -d /tmp/headless.XXXXXX)
export HOME=$T/home XDG_RUNTIME_DIR=$T/run XDG_DATA_HOME=$T/data \
       XDG_CONFIG_HOME=$T/config XDG_CACHE_HOME=$T/cache
mkdir -p -m 700 "$HOME" "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
pids=()
cleanup() {   # reverse order: watcher, bus (keyring follows it), Xvfb
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[i]}" 2>/dev/null; sleep 0.05; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
die() { echo "headless-session: $*" >&2; exit 99; }   # 99 = hard error for meson

# 1. X server: -displayfd makes Xvfb pick a free display (parallel-safe)
if [ -z "${HEADLESS_NO_X:-}" ]; then
  mkfifo "$T/xfd"
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$T/xfd" 2>"$T/xvfb.log" &
  pids+=($!)
  read -r -t 15 dnum <"$T/xfd" || die "Xvfb did not start: $(cat "$T/xvfb.log")"
  export DISPLAY=":$dnum"
else
  unset DISPLAY
fi

# 2. private session bus (config without service dirs: nothing auto-activates)
mkfifo "$T/bfd"
dbus-daemon --config-file="${TEST_BUS_CONF:?}" --nofork --print-address=4 4>"$T/bfd" 2>"$T/bus.log" &
pids+=($!)
read -r -t 15 DBUS_SESSION_BUS_ADDRESS <"$T/bfd" || die "dbus-daemon did not start"
export DBUS_SESSION_BUS_ADDRESS

# 3. Secret Service: creates + unlocks the "login" keyring from the password
#    on stdin, so nothing ever prompts. --foreground keeps it our child.
if [ -z "${HEADLESS_NO_KEYRING:-}" ]; then
  printf '%s' 'test-password' | gnome-keyring-daemon --foreground --unlock \
      --components=secrets >"$T/keyring.log" 2>&1 &
  pids+=($!)
  gdbus wait --session --timeout 10 org.freedesktop.secrets || die "keyring did not start"
fi

# 4. StatusNotifierWatcher so AppIndicator registers instead of falling back
if [ -n "${SNI_WATCHER:-}" ]; then
  [ -x "$SNI_WATCHER" ] || die "no watcher at $SNI_WATCHER"
  "$SNI_WATCHER" >"$T/watcher.log" &
  pids+=($!)
  gdbus wait --session --timeout 10 org.kde.StatusNotifierWatcher || die "watcher did not start"
fi

export SHOT_DIR=${SHOT_DIR:-${MESON_BUILD_ROOT:-$PWD}/screenshots}
"$@"
exit $?
