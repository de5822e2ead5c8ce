#!/bin/bash
# test-containerfile.sh: the Containerfile checked without a container
# engine (TAP). Its packages exist in Debian, its meson options exist in this
# project, it runs as a user, and the built server, started with the image's
# entry point, environment and volume layout, first refuses to open to the
# network without keys and then answers the image's HEALTHCHECK command.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

SY=${SY_BINARY:?}
SRC=${SY_SOURCE_ROOT:?}
BUILD=${SY_BUILD_ROOT:?}
CF=$SRC/Containerfile
T=$(mktemp -d /tmp/sy-container.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT

. "$(dirname "$0")/tap.sh"

echo "TAP version 13"

# The Containerfile with its continuation lines joined.
joined=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$CF")

# (1) Packages: every name after "apt-get install" in either stage.
mapfile -t packages < <(grep -oE 'apt-get install [^&]*' <<<"$joined" |
  sed -E 's/apt-get install//; s/(^| )-[^ ]*//g' | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)
check "the Containerfile installs packages" test "${#packages[@]}" -ge 10
if command -v apt-cache >/dev/null && [ "$(. /etc/os-release; echo "${VERSION_CODENAME:-}")" = bookworm ]; then
  # One apt-cache call: a package it knows has a candidate version.
  known_pkgs=$(apt-cache policy "${packages[@]}" 2>/dev/null |
    awk '/^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) } /Candidate:/ && $2 != "(none)" { print name }')
  missing=()
  for p in "${packages[@]}"; do grep -qxF "$p" <<<"$known_pkgs" || missing+=("$p"); done
  check "every package exists in Debian 12 (${#packages[@]}: ${missing[*]:-all found})" test "${#missing[@]}" = 0
else
  skip "every package exists in Debian 12" "not a Debian 12 machine with apt-cache"
fi

# (2) Meson options: each -Dname= of the build is one of ours or meson's.
mapfile -t options < <(grep -oE -- '-D[a-z_]+=' <<<"$joined" | sed -E 's/^-D//; s/=$//' | sort -u)
known=$(meson introspect --buildoptions "$BUILD" | python3 -c 'import json,sys; print("\n".join(o["name"] for o in json.load(sys.stdin)))')
unknown=()
for o in "${options[@]}"; do grep -qx "$o" <<<"$known" || unknown+=("$o"); done
check "the build's -D options exist (${options[*]})" test "${#unknown[@]}" = 0 -a "${#options[@]}" -ge 2
check "the image is built without GTK (-Dgui=disabled)" grep -qE -- '-Dgui=disabled' <<<"$joined"

# (3) Not root.
user=$(grep -E '^USER ' "$CF" | tail -n1 | awk '{print $2}')
check "the server runs as a user of its own (USER $user)" bash -c '[ -n "$1" ] && [[ "$1" != root* ]] && [[ "$1" != 0* ]]' _ "$user"

# (4) The image's environment and entry point, here: ENV's variables moved
# under $T, then ENTRYPOINT + CMD.
volume=$(grep -E '^VOLUME ' "$CF" | awk '{print $2}')
env_line=$(grep -oE '^ENV .*' <<<"$joined" | sed -E 's/^ENV //')
declare -a envs=()
for kv in $env_line; do envs+=("${kv//$volume/$T/volume}"); done
check "the image keeps everything under its volume ($volume)" \
  bash -c '[ "${#@}" -ge 4 ] && ! grep -qvF -- "$0" <(printf "%s\n" "$@" | cut -d= -f2)' "$T/volume" "${envs[@]}"
json_words() { python3 -c 'import json,sys; print("\n".join(json.loads(sys.stdin.read())))'; }
mapfile -t entry < <(grep -E '^ENTRYPOINT ' "$CF" | sed -E 's/^ENTRYPOINT //' | json_words)
mapfile -t cmd < <(grep -E '^CMD ' "$CF" | sed -E 's/^CMD //' | json_words)
check "the entry point is the headless server" test "${entry[0]##*/}" = switchyard -a "${entry[1]:-}" = --headless

# First start: a config is written into the volume, and the server refuses
# to listen on the network without keys (nothing listens meanwhile).
out=$(env -i PATH="$PATH" "${envs[@]}" "$SY" "${entry[@]:1}" "${cmd[@]}" --port 0 2>&1); rc=$?
config=$(find "$T/volume" -name config.yaml 2>/dev/null | head -n1)
check "first start: a default config in the volume" test -n "$config"
check "first start: refused without api-keys (exit status $rc)" test "$rc" != 0
check "first start: says why" grep -qF "without client API keys" <<<"$out"

# With a key the server starts; the image's HEALTHCHECK command, with the
# port this test picked, reports it healthy. (The address is the test's
# loopback, not the image's 0.0.0.0.)
sed -i -E 's/^api-keys:.*/api-keys: ["sk-container-test"]/' "$config"
check "first start: the config has a place for api-keys" grep -qx 'api-keys: \["sk-container-test"\]' "$config"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -i PATH="$PATH" "${envs[@]}" "$SY" "${entry[@]:1}" --host=127.0.0.1 --port "$port" >"$T/server.log" 2>&1 &
pid=$!
health=$(grep -oE 'CMD curl .*' <<<"$joined" | head -n1 | sed -E "s/^CMD //; s/:8317\\b/:$port/")
up=1
for _ in $(seq 100); do
  if bash -c "$health" >/dev/null 2>&1; then up=0; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
check "the HEALTHCHECK command passes against the running server ($health)" test "$up" = 0
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=
if [ "$up" != 0 ]; then sed 's/^/# /' "$T/server.log"; fi

echo "1..$n"
[ "$failed" = 0 ]
