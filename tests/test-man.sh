#!/bin/bash
# test-man.sh: data/switchyard.1 documents every option that
# `switchyard --help` and `switchyard setup --help` list, as they list it,
# and man/groff have nothing to warn about in it (TAP)
#
# SY_BINARY: switchyard; SY_MAN_PAGE: data/switchyard.1.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

SY=${SY_BINARY:?}
PAGE=${SY_MAN_PAGE:?}
T=$(mktemp -d /tmp/sy-man.XXXXXX)
trap 'rm -rf "$T"' EXIT

. "$(dirname "$0")/tap.sh"

echo "TAP version 13"

if ! command -v groff >/dev/null; then
  skip "the man page" "groff is not installed (groff-base)"
  echo "1..$n"
  exit 0
fi

# 1. No warnings from groff (all of them) or from man.
groff -man -ww -z "$PAGE" >"$T/groff.log" 2>&1
if [ -s "$T/groff.log" ]; then not_ok "groff -ww: no warnings" "$(cat "$T/groff.log")"
else ok "groff -ww: no warnings"; fi
if command -v man >/dev/null; then
  LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$PAGE" >/dev/null 2>"$T/man.log"
  if [ -s "$T/man.log" ]; then not_ok "man --warnings: no warnings" "$(cat "$T/man.log")"
  else ok "man --warnings: no warnings"; fi
else
  skip "man --warnings" "man-db is not installed"
fi

# 2. The page as a reader sees it, as plain text: lines wide enough that
# no option is broken across two.
groff -man -Tascii -P-cbou -rLL=200n "$PAGE" 2>/dev/null >"$T/page.txt"
grep -q "SYNOPSIS" "$T/page.txt" && ok "the page renders" || not_ok "the page renders"
for section in OPTIONS "EXIT STATUS" ENVIRONMENT FILES; do
  if grep -qx "$section" "$T/page.txt"; then ok "the page has $section"
  else not_ok "the page has $section"; fi
done

# 3. Each option line of --help ("  -c, --config=FILE   Config file ..."),
# up to its description, is in the page as it is.
options() {   # the "-c, --config=FILE" part of each option line
  env -u LANGUAGE LC_ALL=C "$@" --help 2>&1 | sed -n 's/^  \(\(-[a-zA-Z], \)\{0,1\}--[a-z][a-z-]*\(=[^ ]*\)\{0,1\}\)  .*/\1/p'
}
for cmd in "" setup; do
  mapfile -t opts < <(options "$SY" $cmd)
  if [ "${#opts[@]}" -lt 5 ]; then
    not_ok "switchyard $cmd --help lists options" "found: ${opts[*]}"
    continue
  fi
  missing=()
  for o in "${opts[@]}"; do
    grep -qF -- "$o" "$T/page.txt" || missing+=("$o")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    ok "the page documents all ${#opts[@]} options of switchyard${cmd:+ $cmd} --help"
  else
    not_ok "the page documents all ${#opts[@]} options of switchyard${cmd:+ $cmd} --help" \
      "missing: ${missing[*]}"
  fi
done

# 4. Its version is the binary's.
version=$("$SY" --version | sed -n 's/^switchyard //p')
if grep -q "^\.TH .*\"switchyard $version\"" "$PAGE"; then ok "the page is of switchyard $version"
else not_ok "the page is of switchyard $version" "$(grep '^\.TH' "$PAGE")"; fi

echo "1..$n"
[ "$failed" -eq 0 ]
