#!/bin/bash
# test-i18n.sh: the translations compile, are complete and current, no
# translatable string is missing from po/POTFILES.in, and the binary speaks
# the user's language (TAP)
#
# SY_SOURCE_ROOT: the source tree; SY_BINARY: switchyard;
# SY_LOCALEDIR: the build's locale tree (po/LANG/LC_MESSAGES/switchyard.mo).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

SRC=${SY_SOURCE_ROOT:?}
SY=${SY_BINARY:?}
LOCALEDIR=${SY_LOCALEDIR:?}
PO=$SRC/po
T=$(mktemp -d /tmp/sy-i18n.XXXXXX)
trap 'rm -rf "$T"' EXIT

. "$(dirname "$0")/tap.sh"
# Runs "$@"; its output goes into the TAP diagnostics when it fails.
check()  {
  local name=$1; shift
  if "$@" >"$T/out" 2>&1; then ok "$name"; else not_ok "$name"; sed 's/^/#   /' "$T/out"; fi
}

echo "TAP version 13"

# The keywords of <glib/gi18n.h> and <glib/gi18n-lib.h>, and plain gettext's.
keywords=(--keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2
          --keyword=g_dngettext:2,3 --keyword=ngettext:1,2)
# Every message of some C files, sorted, without locations: two runs over
# the same strings give the same file. (Without a header xgettext warns
# about the "…" in some messages: its chatter goes to xgettext.log.)
extract() {
  local out=$1; shift
  (cd "$SRC" && LC_ALL=C.UTF-8 xgettext --language=C --from-code=UTF-8 "${keywords[@]}" --omit-header \
     --no-location --sort-output --no-wrap -o - "$@") >"$out" 2>>"$T/xgettext.log"
}

mapfile -t langs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$PO/LINGUAS")
mapfile -t potfiles < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$PO/POTFILES.in")
mapfile -t potfiles_c < <(printf '%s\n' "${potfiles[@]}" | grep -E '\.[ch]$')
mapfile -t sources < <(cd "$SRC" && find src -name '*.[ch]' | sort)

# LINGUAS: Simplified Chinese, and at least one more.
check "LINGUAS has zh_CN" grep -qx zh_CN <(printf '%s\n' "${langs[@]}")
check "LINGUAS has a second language" test "${#langs[@]}" -ge 2

# (1) Each catalog compiles with the format strings checked.
for l in "${langs[@]}"; do
  check "$l.po compiles (msgfmt --check-format -c)" \
    msgfmt --check-format -c -o "$T/$l.mo" "$PO/$l.po"
done

# (2) Every translatable string in src/ comes from a file POTFILES.in lists
# (a new file with _() in it fails here until it is listed).
if extract "$T/all.pot" "${sources[@]}" && extract "$T/listed.pot" "${potfiles_c[@]}"; then
  if cmp -s "$T/all.pot" "$T/listed.pot"; then
    ok "the files in POTFILES.in hold every translatable string in src/"
  else
    unlisted=()
    for f in "${sources[@]}"; do
      grep -qxF "$f" <(printf '%s\n' "${potfiles_c[@]}") && continue
      extract "$T/one.pot" "$f" && [ -s "$T/one.pot" ] && unlisted+=("$f")
    done
    not_ok "the files in POTFILES.in hold every translatable string in src/" \
      "strings outside POTFILES.in, in: ${unlisted[*]}"
    diff "$T/listed.pot" "$T/all.pot" | grep '^>' | sed 's/^/#   /'
  fi
else
  not_ok "xgettext reads the sources and POTFILES.in's files" "(a file in POTFILES.in is missing?)"
  grep -E '^xgettext: ' "$T/xgettext.log" | sed 's/^/#   /'
fi

# ... and every window's template with translatable text is listed too.
unlisted_ui=()
while IFS= read -r f; do
  grep -q 'translatable="yes"' "$SRC/$f" || continue
  grep -qxF "$f" <(printf '%s\n' "${potfiles[@]}") || unlisted_ui+=("$f")
done < <(cd "$SRC" && find resources -name '*.ui' | sort)
if [ "${#unlisted_ui[@]}" -eq 0 ]; then
  ok "POTFILES.in lists every .ui file with translatable text"
else
  not_ok "POTFILES.in lists every .ui file with translatable text" "not listed: ${unlisted_ui[*]}"
fi

# (3) Complete: nothing untranslated or fuzzy, and (4) current: every
# message of today's sources is in the catalog.
(cd "$SRC" && LC_ALL=C.UTF-8 xgettext --from-code=UTF-8 "${keywords[@]}" -o "$T/current.pot" \
   "${potfiles[@]}") 2>>"$T/xgettext.log"
for l in "${langs[@]}"; do
  stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$PO/$l.po" 2>&1)
  check "$l.po is complete ($stats)" bash -c '! grep -qE "fuzzy|untranslated" <<<"$1"' _ "$stats"
  check "$l.po has every message of the sources" msgcmp "$PO/$l.po" "$T/current.pot"
done

# (5) The binary in Chinese, German and English. LANGUAGE picks the
# catalog; gettext only honours it when LC_MESSAGES is not the C locale,
# and C.UTF-8 (always there on glibc 2.35+ and on Debian) is not C.
if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
  export XDG_CONFIG_HOME=$T/xdg XDG_STATE_HOME=$T/state
  run() { env -u LANG -u LC_MESSAGES LC_ALL=C.UTF-8 SWITCHYARD_LOCALEDIR="$LOCALEDIR" "$@"; }
  # What the build's catalog says for a message (gettext(1) reads the same .mo).
  say() { TEXTDOMAINDIR=$LOCALEDIR LANGUAGE=$1 LC_ALL=C.UTF-8 gettext -d switchyard -- "$2"; }

  list_en="List the signed-in accounts"
  summary_en="Serve your AI subscriptions as OpenAI-, Claude- and Gemini-compatible APIs on 127.0.0.1:8317."
  list_zh=$(say zh_CN "$list_en")
  summary_zh=$(say zh_CN "$summary_en")
  check "the build's zh_CN catalog translates (gettext -d switchyard)" \
    bash -c '[ "$1" != "$2" ] && LC_ALL=C.UTF-8 grep -qP "[\x{4e00}-\x{9fff}]" <<<"$1"' _ "$list_zh" "$list_en"

  out=$(run LANGUAGE=zh_CN "$SY" --help 2>&1); rc=$?
  check "--help in zh_CN: exit status 0" test "$rc" = 0
  check "--help in zh_CN: the summary in Chinese" grep -qF -- "$summary_zh" <<<"$out"
  check "--help in zh_CN: the options in Chinese" grep -qE -- "--list-accounts +$list_zh\$" <<<"$out"
  check "--help in zh_CN: the value names in Chinese" grep -qF -- "--config=$(say zh_CN FILE)" <<<"$out"
  check "--help in zh_CN: no English left of ours" bash -c '! grep -qF -- "$1" <<<"$2"' _ "$list_en" "$out"

  err=$(run LANGUAGE=zh_CN "$SY" --port 70000 2>&1 >/dev/null); rc=$?
  check "an error in zh_CN: exit status 2" test "$rc" = 2
  check "an error in zh_CN: in Chinese" \
    grep -qxF "switchyard: $(say zh_CN '--port must be from 0 to 65535')" <<<"$err"

  # An error of the setup helpers (src/integrations), with its file.
  mkdir -p "$T/home/.codex"
  printf 'model = "x"\n[broken\n' >"$T/home/.codex/config.toml"
  err=$(run LANGUAGE=zh_CN HOME="$T/home" "$SY" setup codex 2>&1 >/dev/null); rc=$?
  check "a setup error in zh_CN: exit status 1" test "$rc" = 1
  check "a setup error in zh_CN: in Chinese" \
    grep -qF "$(say zh_CN 'a table header without its '"']'")" <<<"$err"

  if grep -qx de <(printf '%s\n' "${langs[@]}"); then
    out=$(run LANGUAGE=de "$SY" --help 2>&1)
    check "--help in de: in German" grep -qE -- "--list-accounts +$(say de "$list_en")\$" <<<"$out"
  fi

  # No LANGUAGE: the default stays English, catalogs or not.
  out=$(run env -u LANGUAGE "$SY" --help 2>&1)
  check "--help without LANGUAGE: English" grep -qE -- "--list-accounts +$list_en\$" <<<"$out"
  check "--help without LANGUAGE: the summary in English" grep -qF -- "$summary_en" <<<"$out"
else
  skip "switchyard speaks Chinese" "no C.UTF-8 locale (locale -a)"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
