#!/bin/sh
# launcher.sh: Contents/MacOS/Switchyard in the bundle. Points GTK, GLib and
# gettext at what the bundle carries, then runs the real binary.
#
# SPDX-License-Identifier: GPL-3.0-or-later

contents=$(cd "$(dirname "$0")/.." && pwd)
res=$contents/Resources

export XDG_DATA_DIRS="$res/share"
export GTK_DATA_PREFIX="$res"
export GTK_EXE_PREFIX="$res"
export GTK_PATH="$res"
export GSETTINGS_SCHEMA_DIR="$res/share/glib-2.0/schemas"
export GIO_MODULE_DIR="$res/lib/gio/modules"
export GDK_PIXBUF_MODULE_FILE="$res/lib/gdk-pixbuf-2.0/2.10.0/loaders.cache"
# The translations of the bundle (Switchyard reads SWITCHYARD_LOCALEDIR).
export SWITCHYARD_LOCALEDIR="$res/share/locale"

# The language the user picked in System Settings, for gettext.
if [ -z "${LANGUAGE:-}" ]; then
  lang=$(defaults read .GlobalPreferences AppleLanguages 2>/dev/null |
    sed -n 's/^[[:space:]]*"\{0,1\}\([a-zA-Z_-]*\).*/\1/p' | head -n 1 | tr '-' '_')
  [ -n "$lang" ] && export LANGUAGE="$lang"
fi
[ -z "${LANG:-}" ] && export LANG=en_US.UTF-8

exec "$res/bin/switchyard" "$@"
