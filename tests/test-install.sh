#!/bin/bash
# test-install.sh: `meson install` into a temporary DESTDIR puts everything
# in place, the installed desktop entry, metainfo, user unit and man page
# pass their validators, and the installed binary runs headless and finds
# its installed translations (TAP)
#
# SY_BUILD_ROOT: the build tree (built: the test depends on what installs).
# SY_PREFIX, SY_BINDIR, SY_DATADIR, SY_MANDIR, SY_LOCALEDIR, SY_UNITDIR: the
# configured install directories (absolute); SY_GUI: 1 with the desktop app.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

BUILD=${SY_BUILD_ROOT:?}
T=$(mktemp -d /tmp/sy-install.XXXXXX)
D=$T/dest
APP=io.github.switchyard.Switchyard
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "$0")/tap.sh"
# Runs "$@"; its output goes into the TAP diagnostics when it fails.
check()  {
  local name=$1; shift
  if "$@" >"$T/out" 2>&1; then ok "$name"; else not_ok "$name" "command: $*"; sed 's/^/#   /' "$T/out"; fi
}
# Like check, and the command must say nothing either (validators that
# warn but succeed).
quiet()  {
  local name=$1; shift
  if "$@" >"$T/out" 2>&1 && [ ! -s "$T/out" ]; then ok "$name"
  else not_ok "$name" "command: $*"; sed 's/^/#   /' "$T/out"; fi
}

echo "TAP version 13"

# --no-rebuild: the test's dependencies are built; a rebuild here would
# race the other tests' use of the build tree.
if ! meson install -C "$BUILD" --no-rebuild --destdir "$D" --quiet >"$T/install.log" 2>&1; then
  not_ok "meson install --destdir" "$(cat "$T/install.log")"
  echo "1..$n"
  exit 1
fi
ok "meson install --destdir"

BIN=$D$SY_BINDIR/switchyard
DESKTOP=$D$SY_DATADIR/applications/$APP.desktop
METAINFO=$D$SY_DATADIR/metainfo/$APP.metainfo.xml
DBUS_SERVICE=$D$SY_DATADIR/dbus-1/services/$APP.service
UNIT=$D$SY_UNITDIR/switchyard.service
MAN=$D$SY_MANDIR/man1/switchyard.1

# 1. Everything in place.
expected=("$BIN" "$UNIT" "$MAN"
          "$D$SY_LOCALEDIR/de/LC_MESSAGES/switchyard.mo"
          "$D$SY_LOCALEDIR/zh_CN/LC_MESSAGES/switchyard.mo")
if [ "${SY_GUI:-0}" = 1 ]; then
  expected+=("$DESKTOP" "$METAINFO" "$DBUS_SERVICE"
             "$D$SY_DATADIR/icons/hicolor/scalable/apps/$APP.svg"
             "$D$SY_DATADIR/icons/hicolor/symbolic/apps/$APP-symbolic.svg")
fi
for f in "${expected[@]}"; do
  check "installed: ${f#"$D"}" test -s "$f"
done
check "the installed binary is executable" test -x "$BIN"
check "the user unit starts the installed binary headless" \
  grep -qxF "ExecStart=$SY_BINDIR/switchyard --headless" "$UNIT"

# 2. The desktop entry, metainfo and D-Bus service.
if [ "${SY_GUI:-0}" = 1 ]; then
  if command -v desktop-file-validate >/dev/null; then
    quiet "desktop-file-validate: the installed entry" desktop-file-validate "$DESKTOP"
  else
    skip "desktop-file-validate" "not installed (desktop-file-utils)"
  fi
  if command -v appstreamcli >/dev/null; then
    # Infos are fine (an older AppStream not knowing <developer>); warnings
    # and errors are not.
    if appstreamcli validate --no-net "$METAINFO" >"$T/as.log" 2>&1 && ! grep -qE '^[WE]: ' "$T/as.log"; then
      ok "appstreamcli validate --no-net: the installed metainfo, no warnings"
    else
      not_ok "appstreamcli validate --no-net: the installed metainfo, no warnings" "$(cat "$T/as.log")"
    fi
  else
    skip "appstreamcli validate" "not installed (appstream)"
  fi
  check "the desktop entry is D-Bus activatable" grep -qx "DBusActivatable=true" "$DESKTOP"
  check "the D-Bus service has the app's name" grep -qx "Name=$APP" "$DBUS_SERVICE"
  check "the D-Bus service starts the installed binary as a GApplication service" \
    grep -qxF "Exec=$SY_BINDIR/switchyard --gapplication-service" "$DBUS_SERVICE"
  check "the desktop entry is translated (de, zh_CN)" \
    bash -c 'grep -q "^Comment\[de\]=" "$1" && grep -q "^Comment\[zh_CN\]=" "$1"' _ "$DESKTOP"
  check "the metainfo is translated (de, zh_CN)" \
    bash -c 'grep -q "xml:lang=\"de\"" "$1" && grep -q "xml:lang=\"zh_CN\"" "$1"' _ "$METAINFO"
  version=$("$BIN" --version 2>/dev/null | sed -n 's/^switchyard //p')
  check "the metainfo's newest release is this version ($version)" \
    bash -c 'grep -m1 "<release " "$1" | grep -qF "version=\"$2\""' _ "$METAINFO" "$version"
fi

# 3. The man page: no roff warnings, as installed.
if command -v man >/dev/null; then
  quiet "man --warnings: the installed page" bash -c 'man --warnings -l "$1" 2>&1 >/dev/null' _ "$MAN"
else
  skip "man --warnings" "man-db not installed"
fi

# 4. The user unit: systemd's own check, the installed binary standing in
# for the configured path (verify wants the ExecStart binary there) and the
# installed man page found for Documentation=man:switchyard(1).
if command -v systemd-analyze >/dev/null; then
  mkdir -p -m 700 "$T/run" "$T/units"
  sed "s|^ExecStart=$SY_BINDIR/|ExecStart=$D$SY_BINDIR/|" "$UNIT" >"$T/units/switchyard.service"
  quiet "systemd-analyze verify --user: the installed unit" \
    env XDG_RUNTIME_DIR="$T/run" HOME="$T/home" MANPATH="$D$SY_MANDIR" \
    systemd-analyze verify --user "$T/units/switchyard.service"
else
  skip "systemd-analyze verify --user" "systemd is not installed (the unit is still checked above)"
fi

# 5. The installed binary, headless, in a home of its own with a small
# config, no session bus (the token store falls back to its file).
mkdir -p "$T/home" "$T/config/switchyard"
printf 'host: 127.0.0.1\nport: 0\ndebug: false\n' >"$T/config/switchyard/config.yaml"
runenv=(env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY -u WAYLAND_DISPLAY -u LANG -u LC_MESSAGES HOME="$T/home"
        XDG_CONFIG_HOME="$T/config" XDG_DATA_HOME="$T/data" XDG_STATE_HOME="$T/state"
        XDG_CACHE_HOME="$T/cache" XDG_RUNTIME_DIR="$T/run")
"${runenv[@]}" "$BIN" --headless >"$T/sy.log" 2>&1 &
pid=$!
pids+=("$pid")
url=
for _ in $(seq 1 200); do
  url=$(sed -n 's/.*Listening on \(http:[^ ]*\).*/\1/p' "$T/sy.log" | head -1)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
if [ -n "$url" ]; then
  ok "the installed binary starts headless ($url)"
  check "it reads the config given (\$XDG_CONFIG_HOME)" grep -qF "config $T/config/switchyard/config.yaml" "$T/sy.log"
  check "GET /healthz answers" test "$(curl -s --max-time 10 "$url/healthz")" = '{"status":"ok"}'
  kill -TERM "$pid"
  wait "$pid"; rc=$?
  check "SIGTERM: it stops, exit status 0" test "$rc" = 0
else
  not_ok "the installed binary starts headless" "$(cat "$T/sy.log")"
fi

# 6. Its translations: the binary looks in the configured locale dir
# ($SY_LOCALEDIR, compiled in), where meson installed the catalogs; from
# the DESTDIR, SWITCHYARD_LOCALEDIR points it there instead.
check "the binary looks for its catalogs in $SY_LOCALEDIR" grep -qaF "$SY_LOCALEDIR" "$BIN"
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
  list_en="List the signed-in accounts"
  list_de=$(TEXTDOMAINDIR="$D$SY_LOCALEDIR" LANGUAGE=de LC_ALL=C.UTF-8 gettext -d switchyard -- "$list_en")
  out=$("${runenv[@]}" LC_ALL=C.UTF-8 LANGUAGE=de \
        SWITCHYARD_LOCALEDIR="$D$SY_LOCALEDIR" "$BIN" --help 2>&1)
  check "the installed catalog has German ($list_de)" test -n "$list_de" -a "$list_de" != "$list_en"
  check "--help in German from the installed catalogs" grep -qE -- "--list-accounts +$list_de\$" <<<"$out"
else
  skip "the installed binary in German" "no C.UTF-8 locale"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
