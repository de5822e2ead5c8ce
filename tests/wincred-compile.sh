#!/bin/sh
# wincred-compile.sh: a Windows-only plain C file and its check program
# (the Credential Manager backend, the Run key autostart), built for
# Windows with the MinGW-w64 cross compiler and warnings as errors (the
# project's, and -Wall -Wextra); then run under wine when one is given.
#
# usage: wincred-compile.sh CC OUTPUT.exe WINE|'' SOURCE...
#        wincred-compile.sh CC OUTPUT.o '' SOURCE   (an object only: no check program)
# Each source's directory is searched for headers: sy-secret-os.h is found
# beside sy-secret-wincred.c, sy-autostart-win32.h beside
# sy-autostart-win32.c. Everything links with advapi32 (the credential
# and registry functions).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

cc=$1 out=$2 wine=$3
shift 3

includes=
for source in "$@"; do
  includes="$includes -I$(dirname "$source")"
done

flags="-std=gnu11 -O2 -Wall -Wextra -Werror
  -Wno-unused-parameter -Wmissing-prototypes -Wstrict-prototypes
  -Wdeclaration-after-statement -Wformat=2 -Wshadow -Wundef -Wpointer-arith"

case $out in
  *.o)
    # shellcheck disable=SC2086 # $flags and $includes are lists of words
    "$cc" $flags $includes -c -o "$out" "$@"
    echo "built $out"
    exit 0 ;;
esac
# shellcheck disable=SC2086 # $flags and $includes are lists of words
"$cc" $flags $includes -o "$out" "$@" -ladvapi32
echo "built $out"

if [ -z "$wine" ]; then
  echo "no wine: built, not run"
  exit 0
fi
# A wine prefix of its own, beside the program, not the user's.
WINEPREFIX=$(dirname "$out")/wincred-wine
WINEDEBUG=-all
export WINEPREFIX WINEDEBUG
exec "$wine" "$out"
