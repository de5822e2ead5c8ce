#!/bin/bash
# make-dmg.sh APP DMG: a compressed disk image with the app and a link to
# /Applications, so it installs by dragging.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

app=${1:?usage: make-dmg.sh Switchyard.app Switchyard-VERSION.dmg}
dmg=${2:?usage: make-dmg.sh Switchyard.app Switchyard-VERSION.dmg}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
rm -f "$dmg"
hdiutil create -volname Switchyard -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg"
echo "$dmg"
