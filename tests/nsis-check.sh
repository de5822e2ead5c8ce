#!/bin/sh
# nsis-check.sh: windows/switchyard.nsi made into a real installer
#
# usage: nsis-check.sh MAKENSIS|'' RSVG_CONVERT|'' PYTHON SOURCE_ROOT WORK_DIR
#
# A fake staged tree (placeholder files where windows/build.sh puts the
# program, the GTK runtime, schemas and translations; a file name with a
# '$' in it), the app's .ico made from its SVG by windows/make-ico.py, the
# uninstall list by windows/nsis-uninstall-list.py, then makensis with
# warnings as errors: the installer must come out as a Windows program.
# It is deleted again. Skipped (77) without makensis (Debian: nsis) or
# rsvg-convert (Debian: librsvg2-bin). Nothing here runs the installer:
# that needs Windows.
#
# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck disable=SC2016 # NSIS's $INSTDIR and $$ are meant literally
set -eu

makensis=$1 rsvg=$2 python=$3 root=$4 work=$5

if [ -z "$makensis" ]; then
  echo "SKIP: no makensis (Debian package nsis)"
  exit 77
fi
if [ -z "$rsvg" ]; then
  echo "SKIP: no rsvg-convert for the icon (Debian package librsvg2-bin)"
  exit 77
fi

fail () {
  echo "FAIL: $*"
  exit 1
}

# The installer's autostart is the app's own: the same value in the same key
# (src/app/sy-autostart-win32.h), so the Settings switch sees it.
header=$root/src/app/sy-autostart-win32.h nsi=$root/windows/switchyard.nsi
for pair in "RUN_KEY SY_AUTOSTART_WIN32_RUN_KEY" "APPROVED_KEY SY_AUTOSTART_WIN32_APPROVED_KEY" \
            "RUN_VALUE SY_AUTOSTART_WIN32_VALUE"; do
  # shellcheck disable=SC2086 # two words
  set -- $pair
  in_nsi=$(sed -n "s/^!define $1 *\"\(.*\)\"\$/\1/p" "$nsi")
  # The header's C string (on the #define's line or, after a "\", the
  # next), its "\\" read as one backslash.
  in_c=$(sed -n "/^#define $2\b/{N;p;}" "$header" | sed -n 's/.*"\(.*\)".*/\1/p' | head -n 1 |
         sed 's/\\\\/\\/g')
  if [ -z "$in_nsi" ] || [ "$in_nsi" != "$in_c" ]; then
    fail "$1 is '$in_nsi' in the installer, $2 '$in_c' in the app"
  fi
done

rm -rf "$work"
stage=$work/stage
mkdir -p "$stage/bin" "$stage/lib/gdk-pixbuf-2.0/2.10.0/loaders" "$stage/share/glib-2.0/schemas" \
         "$stage/share/locale/de/LC_MESSAGES" "$stage/share/icons/hicolor"
for f in bin/switchyard.exe bin/libglib-2.0-0.dll bin/libgtk-3-0.dll bin/gdbus.exe \
         lib/gdk-pixbuf-2.0/2.10.0/loaders.cache lib/gdk-pixbuf-2.0/2.10.0/loaders/pixbufloader_svg.dll \
         share/glib-2.0/schemas/gschemas.compiled share/locale/de/LC_MESSAGES/switchyard.mo \
         share/icons/hicolor/index.theme 'share/odd$name.txt'; do
  printf 'placeholder: %s\n' "$f" > "$stage/$f"
done

ico=$stage/share/io.github.switchyard.Switchyard.ico
"$python" "$root/windows/make-ico.py" \
  "$root/resources/icons/scalable/apps/io.github.switchyard.Switchyard.svg" "$ico" "$rsvg"
# ICONDIR: reserved 0, type 1 (icon), 8 images.
[ "$(od -An -tx1 -N6 "$ico" | tr -d ' \n')" = 000001000800 ] || fail "$ico is not an icon of 8 images"

list=$work/uninstall.nsh
"$python" "$root/windows/nsis-uninstall-list.py" "$stage" "$list"
grep -qxF 'Delete "$INSTDIR\bin\switchyard.exe"' "$list" || fail "no Delete of the program in $list"
grep -qxF 'Delete "$INSTDIR\share\odd$$name.txt"' "$list" || fail "'\$' not escaped in $list"
grep -qxF 'RMDir "$INSTDIR\lib\gdk-pixbuf-2.0\2.10.0\loaders"' "$list" || fail "no RMDir in $list"
# Deepest first: a folder is removed after what is in it.
[ "$(grep -n 'loaders\\pixbufloader_svg.dll"$' "$list" | cut -d: -f1)" -lt \
  "$(grep -n 'RMDir "$INSTDIR\\lib\\gdk-pixbuf-2.0\\2.10.0\\loaders"$' "$list" | cut -d: -f1)" ] ||
  fail "a folder comes before its files in $list"

out=$work/switchyard-setup.exe
set -- -V2 -WX -INPUTCHARSET UTF8 "-DSTAGE=$stage" "-DUNINSTALL_LIST=$list" "-DICON=$ico" \
  -DVERSION=0.1.0 "-DOUTFILE=$out" "$root/windows/switchyard.nsi"
"$makensis" "$@" || fail "makensis refused windows/switchyard.nsi"
[ -s "$out" ] || fail "no installer"
[ "$(head -c 2 "$out")" = MZ ] || fail "$out is not a Windows program"
size=$(wc -c < "$out")
echo "built $out ($size bytes)"

# Without the stage it must refuse, not make an empty installer.
if "$makensis" -V1 -INPUTCHARSET UTF8 "-DUNINSTALL_LIST=$list" "-DICON=$ico" -DVERSION=0.1.0 \
     "-DOUTFILE=$work/empty.exe" "$root/windows/switchyard.nsi" > "$work/refused.log" 2>&1; then
  fail "makensis made an installer without STAGE"
fi
grep -q "define STAGE" "$work/refused.log" || fail "no word of the missing STAGE: $(cat "$work/refused.log")"

rm -rf "$work"
echo "ok: installer built from the fake stage, and deleted"
