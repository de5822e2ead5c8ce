#!/bin/bash
# test-cli.sh: the switchyard binary as a user runs it (TAP)
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

SY=${SY_BINARY:?}
FAKE=${SY_FAKE_UPSTREAM:?}
T=$(mktemp -d /tmp/sy-cli.XXXXXX)
export XDG_STATE_HOME=$T/state   # account state (cooldowns) stays in the test dir
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "$0")/tap.sh"

echo "TAP version 13"

# Start switchyard in the background; sets PID, LOG and URL.
start_sy() {
  LOG=$T/sy-$n.log
  "$SY" --headless --port 0 "$@" >"$LOG" 2>&1 &
  PID=$!
  pids+=("$PID")
  URL=
  for _ in $(seq 1 100); do
    URL=$(sed -n 's/.*Listening on \(http:[^ ]*\).*/\1/p' "$LOG" | head -1)
    [ -n "$URL" ] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "# switchyard did not start:"; sed 's/^/#   /' "$LOG"
  return 1
}

stop_sy() {
  kill -TERM "$PID" 2>/dev/null
  wait "$PID"
}

# --version, --help
out=$("$SY" --version); rc=$?
check "--version prints the version" test "$rc" = 0 -a "${out#switchyard }" != "$out"
out=$("$SY" --help 2>&1); rc=$?
check "--help lists the options" bash -c '[ '"$rc"' = 0 ] && for o in --headless --config --host --port --debug --version; do grep -q -- "$o" <<<"$1" || exit 1; done' _ "$out"

# Zero-config start
export XDG_CONFIG_HOME=$T/xdg
if start_sy; then
  cfg=$XDG_CONFIG_HOME/switchyard/config.yaml
  check "zero-config: creates the default config" test -f "$cfg"
  check "zero-config: the config is private (0600)" test "$(stat -c %a "$cfg")" = 600
  check "zero-config: says where it wrote it" grep -q "Created $cfg" "$LOG"
  check "zero-config: listens on 127.0.0.1" grep -q "Listening on http://127.0.0.1:" "$LOG"
  check "zero-config: /healthz answers" test "$(curl -s "$URL/healthz")" = '{"status":"ok"}'
  check "zero-config: /readyz answers" bash -c "curl -sf '$URL/readyz' | grep -q ready"
  stop_sy; rc=$?
  check "SIGTERM: clean exit" test "$rc" = 0
else
  not_ok "zero-config start"
fi
unset XDG_CONFIG_HOME

# Broken configs: FILE:LINE:COLUMN and exit status 2
printf 'port: 8317\nhost: [oops\n' >"$T/syntax.yaml"
err=$("$SY" --headless --config "$T/syntax.yaml" 2>&1); rc=$?
check "syntax error: exit status 2" test "$rc" = 2
check "syntax error: FILE:LINE:COLUMN" bash -c "grep -qE '$T/syntax.yaml:[0-9]+:[0-9]+: ' <<<\"\$1\"" _ "$err"

printf 'debug: false\nport: eighty\n' >"$T/type.yaml"
err=$("$SY" --headless --config "$T/type.yaml" 2>&1); rc=$?
check "wrong type: exit status 2" test "$rc" = 2
check "wrong type: names the line and column" bash -c "grep -q '$T/type.yaml:2:7: ' <<<\"\$1\"" _ "$err"

err=$("$SY" --headless --config "$T/missing.yaml" 2>&1); rc=$?
check "missing explicit config: exit status 2" test "$rc" = 2

printf 'host: 0.0.0.0\nport: 0\n' >"$T/open.yaml"
err=$("$SY" --headless --config "$T/open.yaml" 2>&1); rc=$?
check "all interfaces without api-keys: refused with status 2" test "$rc" = 2
check "all interfaces without api-keys: says why" bash -c "grep -q 'refusing to listen' <<<\"\$1\"" _ "$err"

printf 'port: 0\nfrobnicate: 1\n' >"$T/unknown.yaml"
if start_sy --config "$T/unknown.yaml"; then
  check "unknown key: a warning with its line" grep -q "unknown.yaml:2:1: unknown key 'frobnicate'" "$LOG"
  stop_sy
else
  not_ok "unknown key: still starts"
fi

# debug: in the config turns request traces on, and a reload turns them off
coproc FAKEPROC { exec "$FAKE"; }
pids+=("$FAKEPROC_PID")
read -r fake_port <&"${FAKEPROC[0]}"
UP=http://127.0.0.1:$fake_port
debug_cfg() {
  printf 'port: 0\ndebug: %s\nopenai-compatibility:\n  - {name: f, base-url: "%s/v1", models: [{name: echo}]}\n' "$1" "$UP" >"$T/debug.yaml"
}
debug_cfg true
if start_sy --config "$T/debug.yaml"; then
  chat() { curl -s -o /dev/null "$URL/v1/chat/completions" -d '{"model":"echo","messages":[]}'; }
  chat
  check "debug: true traces requests" grep -q "DEBUG sy-server: \[" "$LOG"
  debug_cfg false
  for _ in $(seq 1 60); do grep -q "Config reloaded" "$LOG" && break; sleep 0.05; done
  before=$(grep -c "DEBUG sy-server" "$LOG")
  chat
  check "debug: false after a reload stops the traces" test "$(grep -c "DEBUG sy-server" "$LOG")" = "$before"
  stop_sy
else
  not_ok "start with debug: true"
fi

# Secrets in logs, hot reload, SIGHUP
CLIENT=sk-client-canary-ABCDEFGHIJKLMNOP
UPKEY=sk-upstream-canary-QRSTUVWXYZ012345
GKEY=AIzaUpstreamCanaryGeminiKey678901234
write_cfg() {
  cat >"$T/live.yaml" <<YAML
port: 0
api-keys: ["$1"]
openai-compatibility:
  - name: Fake
    base-url: "$UP/v1"
    api-key-entries: [{api-key: "$UPKEY"}]
    models: [{name: echo, alias: m}, {name: fail-500, alias: broken}, {name: drop, alias: cut}]
gemini-api-key:
  - api-key: "$GKEY"
    base-url: "$UP"
    models: [{name: echo, alias: g}]
YAML
}
write_cfg "$CLIENT"
if start_sy --debug --config "$T/live.yaml"; then
  body='{"model":"m","messages":[{"role":"user","content":"hi"}]}'
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CLIENT" "$URL/v1/chat/completions" -d "$body")
  check "request through the binary" test "$code" = 200
  curl -s -o /dev/null -H "Authorization: Bearer $CLIENT" "$URL/v1/chat/completions" -d '{"model":"broken","messages":[]}'
  curl -s -o /dev/null -H "Authorization: Bearer $CLIENT" "$URL/v1/chat/completions" -d '{"model":"cut","stream":true,"messages":[]}'
  curl -s -o /dev/null "$URL/v1beta/models/g:generateContent?key=$CLIENT" -d '{"contents":[]}'
  curl -s -o /dev/null -H "Authorization: Bearer sk-wrong-canary-0000000000000" "$URL/v1/models"

  # Reload: a new client key takes effect; a broken file is refused.
  write_cfg "sk-client-second-canary-9999999999"
  for _ in $(seq 1 60); do grep -q "Config reloaded" "$LOG" && break; sleep 0.05; done
  check "hot reload: logged" grep -q "Config reloaded" "$LOG"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer sk-client-second-canary-9999999999" "$URL/v1/chat/completions" -d "$body")
  check "hot reload: the new key works" test "$code" = 200
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CLIENT" "$URL/v1/chat/completions" -d "$body")
  check "hot reload: the old key is refused" test "$code" = 401
  printf 'port: [\n' >"$T/live.yaml"
  for _ in $(seq 1 60); do grep -q "previous config stays" "$LOG" && break; sleep 0.05; done
  check "broken reload: logged with its position" grep -qE "live.yaml:[0-9]+:[0-9]+: .*previous config stays" "$LOG"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer sk-client-second-canary-9999999999" "$URL/v1/chat/completions" -d "$body")
  check "broken reload: still serving" test "$code" = 200

  write_cfg "$CLIENT"
  for _ in $(seq 1 60); do [ "$(grep -c "Config reloaded" "$LOG")" -ge 2 ] && break; sleep 0.05; done
  reloads=$(grep -c "Config reloaded" "$LOG")
  kill -HUP "$PID"
  for _ in $(seq 1 60); do [ "$(grep -c "Config reloaded" "$LOG")" -gt "$reloads" ] && break; sleep 0.05; done
  check "SIGHUP: reloads the file" test "$(grep -c "Config reloaded" "$LOG")" = $((reloads + 1))
  check "SIGHUP: still running" kill -0 "$PID"
  stop_sy

  leaked=0
  for s in "$CLIENT" "$UPKEY" "$GKEY" "sk-client-second-canary-9999999999" "sk-wrong-canary-0000000000000"; do
    if grep -qF "$s" "$LOG"; then leaked=1; echo "# leaked: ${s:0:6}..."; fi
  done
  check "no secret in the --debug log" test "$leaked" = 0
  check "the log has request lines" grep -q "POST /v1/chat/completions" "$LOG"
else
  not_ok "start with a live config"
fi

# Sign in to Claude from the command line (the fake plays claude.ai),
# then serve with that login, then sign out.
cat >"$T/login.yaml" <<YAML
port: 0
token-store: file
endpoints:
  claude: {auth: "$UP", api: "$UP"}
YAML
export XDG_DATA_HOME=$T/data
"$SY" --login claude --no-browser --callback-port 0 --config "$T/login.yaml" >"$T/login.out" 2>&1 </dev/null &
login_pid=$!
pids+=("$login_pid")
auth_url=
for _ in $(seq 1 100); do
  auth_url=$(grep -o "$UP/oauth/authorize?[^ ]*" "$T/login.out" | head -1)
  [ -n "$auth_url" ] && break
  sleep 0.05
done
check "login: prints the address to open" test -n "$auth_url"
check "login: says the terms notice first" grep -q "terms of service" "$T/login.out"
page=$(curl -s -L "$auth_url")
check "login: the browser lands on a success page" grep -q "Signed in" <<<"$page"
wait "$login_pid"; rc=$?
check "login: exits 0" test "$rc" = 0
check "login: says who signed in" grep -q "Signed in to Claude (Pro / Max) as me@example.com" "$T/login.out"
check "login: accounts.json holds no token" bash -c '! grep -q "sk-ant-" "$1/accounts.json" && grep -q me@example.com "$1/accounts.json"' _ "$T"
check "login: tokens are encrypted at rest" bash -c '[ -f "$1/data/switchyard/tokens.enc" ] && ! grep -q "sk-ant-" "$1/data/switchyard/tokens.enc"' _ "$T"
list=$("$SY" --list-accounts --config "$T/login.yaml" 2>/dev/null)
check "--list-accounts shows the login" grep -qE "^claude:[0-9a-f]{8} +claude +me@example.com +ok" <<<"$list"
if start_sy --config "$T/login.yaml"; then
  code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/chat/completions" \
         -d '{"model":"claude-sonnet-4-6","messages":[{"role":"user","content":"hi"}]}')
  check "login: serves requests" test "$code" = 200
  check "login: upstream got the bearer token" bash -c 'curl -s "$1/_fake/last" | grep -q "\"path\":\"/v1/messages\""' _ "$UP"
  stop_sy
  check "login: no token in the log" bash -c '! grep -q "sk-ant-" "$1"' _ "$LOG"
else
  not_ok "start with a login"
fi
id=$(grep -oE "^claude:[0-9a-f]{8}" <<<"$list")
out=$("$SY" --logout "$id" --config "$T/login.yaml" 2>&1); rc=$?
check "--logout: signs out" test "$rc" = 0
list=$("$SY" --list-accounts --config "$T/login.yaml" 2>/dev/null)
check "--logout: the account is gone" grep -q "No signed-in accounts" <<<"$list"
out=$("$SY" --login qwen --config "$T/login.yaml" 2>&1); rc=$?
check "login: a discontinued provider is refused with the reason" bash -c '[ "$1" != 0 ] && grep -q discontinued <<<"$2"' _ "$rc" "$out"
# ...and the lines that serve it with an API key instead, which load.
sed -n '/^openai-compatibility:/,$p' <<<"$out" >"$T/preset.yaml"
printf 'port: 0\n' >>"$T/preset.yaml"
check "login: the API-key preset is valid config" bash -c 'grep -q "name: qwen" "$2" && "$1" --list-accounts --config "$2" >/dev/null 2>&1' _ "$SY" "$T/preset.yaml"

echo "1..$n"
exit $((failed > 0))
