# tap.sh: TAP output for the shell tests, sourced by each of them.
#
#   . "$(dirname "$0")/tap.sh"
#   echo "TAP version 13"
#   check "what is checked" COMMAND ARGS...   # ok when COMMAND succeeds
#   ...
#   echo "1..$n"; [ "$failed" = 0 ]
#
# A test may define its own check() after sourcing this (one that shows
# the command's output, say).
#
# SPDX-License-Identifier: GPL-3.0-or-later

n=0
failed=0
ok()     { n=$((n+1)); echo "ok $n $1"; }
not_ok() { n=$((n+1)); failed=$((failed+1)); echo "not ok $n $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip()   { n=$((n+1)); echo "ok $n $1 # SKIP $2"; }
check()  { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name" "command: $*"; fi; }
