#!/usr/bin/env bash
# build.sh: Switchyard for Windows, built in MSYS2's UCRT64 shell
#
# usage: windows/build.sh [--deps] [--no-tests] [--no-installer] [BUILD_DIR]
#
#   --deps          install windows/packages.txt with pacman first
#   --no-tests      do not run the tests that run on Windows (suite 'unit')
#   --no-installer  stop after staging (no makensis)
#   BUILD_DIR       default: build-windows in the source tree
#
# Configures with meson (-Dgui=enabled: the tray app, whose tray is a
# GtkStatusIcon on Windows), builds, tests, and stages BUILD_DIR/stage:
#
#   bin\       switchyard.exe and every DLL it loads (found with ntldd or
#              ldd), gdbus.exe and GLib's spawn helpers
#   lib\       gdk-pixbuf's loaders (the SVG one draws the icons) and
#              their loaders.cache
#   share\     compiled GLib schemas, icons (Adwaita without cursors,
#              hicolor), translations (ours, GTK's and GLib's for the
#              languages in po/LINGUAS) and the app's .ico
#
# then makes BUILD_DIR/switchyard-<version>-setup.exe from
# windows/switchyard.nsi. The stage runs where it is: bin\switchyard.exe.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

die () {
  echo "build.sh: $*" >&2
  exit 1
}

deps=0 tests=1 installer=1 build=
for arg in "$@"; do
  case $arg in
    --deps) deps=1 ;;
    --no-tests) tests=0 ;;
    --no-installer) installer=0 ;;
    -*) die "unknown option $arg (see the top of the script)" ;;
    *) build=$arg ;;
  esac
done

[ "${MSYSTEM:-}" = UCRT64 ] || die "run me in the MSYS2 UCRT64 shell (MSYSTEM is '${MSYSTEM:-}')"
prefix=${MINGW_PREFIX:?}                   # /ucrt64
pkg_prefix=${MINGW_PACKAGE_PREFIX:?}       # mingw-w64-ucrt-x86_64
root=$(cd "$(dirname "$0")/.." && pwd)
build=${build:-$root/build-windows}
stage=$build/stage

if [ "$deps" = 1 ]; then
  mapfile -t names < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$root/windows/packages.txt")
  pacman -S --needed --noconfirm "${names[@]/#/$pkg_prefix-}"
fi

# ------------------------------------------------------------ build and test

# The prefix is the stage itself: `meson install` fills it, and the
# program finds its data relative to its own folder at run time (GLib,
# GTK and our translations do), wherever the installer puts it.
rm -rf "$stage"
mkdir -p "$stage"
stage_win=$(cygpath -m "$stage")
if [ -f "$build/build.ninja" ]; then
  meson setup --reconfigure "$build" "$root" --prefix="$stage_win"
else
  # PostgreSQL is for servers shared by several instances, not a desktop.
  meson setup "$build" "$root" --prefix="$stage_win" --buildtype=release \
    -Dgui=enabled -Dpostgres=disabled
fi
meson compile -C "$build"

if [ "$tests" = 1 ]; then
  # The desktop tests need Xvfb and a D-Bus session (not on Windows: meson
  # leaves them out); 'unit' has the Windows stores' own checks
  # (wincred, autostart-win32).
  meson test -C "$build" --suite unit --print-errorlogs
fi

meson install -C "$build" --no-rebuild
# What the Linux desktop integration installs has no use here.
rm -rf "$stage/share/applications" "$stage/share/metainfo" "$stage/share/dbus-1" \
       "$stage/share/man" "$stage/lib/systemd" "$stage/share/systemd" "$stage/etc/xdg"

# ------------------------------------------------------------ the GTK runtime

# The DLLs of $@ that come from MSYS2 (not Windows' own), recursively.
list_dlls () {
  if command -v ntldd > /dev/null; then
    ntldd -R "$@"
  else
    ldd "$@"
  fi | awk '$2 == "=>" { print $3 }' | while read -r path; do
    path=$(cygpath -u "$path")
    case $path in "$prefix"/bin/*.dll) echo "$path" ;; esac
  done | sort -u
}

version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$root/meson.build" | head -n 1)
[ -n "$version" ] || die "no version in meson.build"

# Programs GLib starts itself: the session bus for GApplication, and the
# helpers g_spawn uses on Windows.
for exe in gdbus.exe gspawn-win64-helper.exe gspawn-win64-helper-console.exe; do
  [ -f "$prefix/bin/$exe" ] && cp "$prefix/bin/$exe" "$stage/bin/"
done

# gdk-pixbuf's loaders, and their cache as gdk-pixbuf-query-loaders writes
# it in MSYS2: gdk-pixbuf puts its own install folder in place of MSYS2's
# prefix in those paths when it reads the cache, so it holds anywhere.
pixbuf_dir=lib/gdk-pixbuf-2.0/2.10.0
mkdir -p "$stage/$pixbuf_dir/loaders"
cp "$prefix/$pixbuf_dir/loaders/"*.dll "$stage/$pixbuf_dir/loaders/"
gdk-pixbuf-query-loaders > "$stage/$pixbuf_dir/loaders.cache"

mapfile -t dlls < <(list_dlls "$stage"/bin/*.exe "$stage/$pixbuf_dir/loaders/"*.dll)
[ "${#dlls[@]}" -gt 0 ] || die "no DLLs found for $stage/bin/switchyard.exe"
cp "${dlls[@]}" "$stage/bin/"
echo "build.sh: ${#dlls[@]} DLLs"

# GTK's own schemas (the file chooser, the colour chooser), compiled.
schemas=share/glib-2.0/schemas
mkdir -p "$stage/$schemas"
cp "$prefix/$schemas/"org.gtk.*.xml "$stage/$schemas/"
glib-compile-schemas "$stage/$schemas"

# Icons: Adwaita (GTK's own icons and the symbolic ones of menus and
# dialogs) without its cursors, which Windows draws; hicolor with ours.
mkdir -p "$stage/share/icons"
cp -r "$prefix/share/icons/Adwaita" "$stage/share/icons/"
rm -rf "$stage/share/icons/Adwaita/cursors"
mkdir -p "$stage/share/icons/hicolor/scalable/apps"
cp "$prefix/share/icons/hicolor/index.theme" "$stage/share/icons/hicolor/"
cp "$root/resources/icons/scalable/apps/io.github.switchyard.Switchyard.svg" \
   "$stage/share/icons/hicolor/scalable/apps/"
for theme in Adwaita hicolor; do
  gtk-update-icon-cache -q -f "$stage/share/icons/$theme"
done

# Translations: ours are installed; GTK's and GLib's for the same languages.
while read -r lang; do
  case $lang in ''|'#'*) continue ;; esac
  for domain in gtk30 gtk30-properties glib20; do
    mo=share/locale/$lang/LC_MESSAGES/$domain.mo
    if [ -f "$prefix/$mo" ]; then
      mkdir -p "$stage/$(dirname "$mo")"
      cp "$prefix/$mo" "$stage/$mo"
    fi
  done
done < "$root/po/LINGUAS"

# The icon of the program, its shortcut and Apps & features.
ico=$stage/share/io.github.switchyard.Switchyard.ico
python3 "$root/windows/make-ico.py" \
  "$root/resources/icons/scalable/apps/io.github.switchyard.Switchyard.svg" "$ico"

echo "build.sh: staged $stage"

# ------------------------------------------------------------ the installer

[ "$installer" = 1 ] || exit 0
makensis=$(command -v makensis || true)
for guess in "/c/Program Files (x86)/NSIS/makensis.exe" "/c/Program Files/NSIS/makensis.exe"; do
  [ -n "$makensis" ] || { [ -x "$guess" ] && makensis=$guess; }
done
[ -n "$makensis" ] || die "no makensis: install ${pkg_prefix}-nsis, or NSIS from nsis.sourceforge.io"

python3 "$root/windows/nsis-uninstall-list.py" "$stage" "$build/uninstall.nsh"
out=$build/switchyard-$version-setup.exe
# MSYS2 would turn "/D..." into paths: makensis takes "-" options too.
"$makensis" -V3 -INPUTCHARSET UTF8 \
  "-DSTAGE=$stage_win" "-DUNINSTALL_LIST=$(cygpath -m "$build/uninstall.nsh")" \
  "-DICON=$(cygpath -m "$ico")" "-DVERSION=$version" "-DOUTFILE=$(cygpath -m "$out")" \
  "$(cygpath -m "$root/windows/switchyard.nsi")"
echo "build.sh: $out"
