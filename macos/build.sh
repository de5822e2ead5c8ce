#!/bin/bash
# build.sh: Switchyard.app and Switchyard-VERSION.dmg on macOS (11 or later,
# Apple silicon or Intel), from Homebrew's libraries.
#
#   macos/build.sh            # -> dist/Switchyard.app, dist/Switchyard-0.1.0.dmg
#
# Needs Homebrew and gtk-mac-bundler (https://gitlab.gnome.org/GNOME/gtk-mac-bundler:
# clone it, `make install`; it lands in ~/.local/bin). The app is not signed:
# set SWITCHYARD_SIGN_IDENTITY to a "Developer ID Application" identity to
# sign it (and notarize the dmg with notarytool afterwards).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."

brew install meson ninja pkg-config gettext glib libsoup json-glib curl \
  libyaml openssl@3 sqlite libxcrypt gtk+3 librsvg adwaita-icon-theme

export SWITCHYARD_PREFIX=${SWITCHYARD_PREFIX:-$(brew --prefix)}
export SWITCHYARD_DIST=${SWITCHYARD_DIST:-$PWD/dist}
export PKG_CONFIG_PATH="$(brew --prefix openssl@3)/lib/pkgconfig:$(brew --prefix libxcrypt)/lib/pkgconfig:${PKG_CONFIG_PATH:-}"
version=$(meson introspect --projectinfo meson.build | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
mkdir -p "$SWITCHYARD_DIST"

# Switchyard into the prefix the bundler copies from (the Keychain is the
# token store and the menu-bar item is a GtkStatusIcon: no libsecret, no
# appindicator on macOS).
reconfigure=()
[ -f build-macos/build.ninja ] && reconfigure=(--reconfigure)
meson setup build-macos "${reconfigure[@]}" --prefix="$SWITCHYARD_PREFIX" --buildtype=release \
  -Dgui=enabled -Dpostgres=disabled
ninja -C build-macos
meson test -C build-macos --suite unit --suite translate --print-errorlogs
meson install -C build-macos --no-rebuild

# The icon: the SVG at each size Finder and the Dock ask for.
iconset=$SWITCHYARD_DIST/Switchyard.iconset
rm -rf "$iconset" && mkdir -p "$iconset"
svg=resources/icons/scalable/apps/io.github.switchyard.Switchyard.svg
for s in 16 32 128 256 512; do
  rsvg-convert -w $s -h $s "$svg" -o "$iconset/icon_${s}x${s}.png"
  rsvg-convert -w $((s * 2)) -h $((s * 2)) "$svg" -o "$iconset/icon_${s}x${s}@2x.png"
done
iconutil -c icns "$iconset" -o "$SWITCHYARD_DIST/Switchyard.icns"

# The version of meson.build into the bundle's Info.plist.
plist=$SWITCHYARD_DIST/Info.plist
cp macos/Info.plist "$plist"
/usr/libexec/PlistBuddy -c "Set :CFBundleShortVersionString $version" -c "Set :CFBundleVersion $version" "$plist"
sed "s|\${project}/Info.plist|$plist|" macos/switchyard.bundle >"$SWITCHYARD_DIST/switchyard.bundle"
cp macos/launcher.sh "$SWITCHYARD_DIST/"

gtk-mac-bundler "$SWITCHYARD_DIST/switchyard.bundle"

if [ -n "${SWITCHYARD_SIGN_IDENTITY:-}" ]; then
  codesign --force --deep --options runtime --timestamp \
    --sign "$SWITCHYARD_SIGN_IDENTITY" "$SWITCHYARD_DIST/Switchyard.app"
fi

macos/make-dmg.sh "$SWITCHYARD_DIST/Switchyard.app" "$SWITCHYARD_DIST/Switchyard-$version.dmg"
