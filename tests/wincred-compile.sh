#!/bin/sh
# wincred-compile.sh: the Windows Credential Manager backend, built for
# Windows with the MinGW-w64 cross compiler and warnings as errors (the
# project's, and -Wall -Wextra); then run under wine when one is given.
#
# usage: wincred-compile.sh CC OUTPUT.exe WINE|'' SOURCE...
# Each source's directory is searched for headers: sy-secret-os.h is found
# beside sy-secret-wincred.c.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

cc=$1 out=$2 wine=$3
shift 3

includes=
for source in "$@"; do
  includes="$includes -I$(dirname "$source")"
done

# shellcheck disable=SC2086 # $includes is a list of words
"$cc" -std=gnu11 -O2 -Wall -Wextra -Werror \
  -Wno-unused-parameter -Wmissing-prototypes -Wstrict-prototypes \
  -Wdeclaration-after-statement -Wformat=2 -Wshadow -Wundef -Wpointer-arith \
  $includes -o "$out" "$@" -ladvapi32
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
