#!/bin/bash
# test-setup-cli.sh: `switchyard setup` as a user runs it, on a temporary
# home (TAP)
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail

SY=${SY_BINARY:?}
T=$(mktemp -d /tmp/sy-setup-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
export HOME=$T/home XDG_STATE_HOME=$T/state XDG_CONFIG_HOME=$T/xdg
mkdir -p "$HOME/.codex" "$XDG_CONFIG_HOME/switchyard"

. "$(dirname "$0")/tap.sh"

echo "TAP version 13"

# A config with a port and a client key; a Codex config of the user's.
printf 'port: 9123\napi-keys:\n  - sk-cli-test\n' >"$XDG_CONFIG_HOME/switchyard/config.yaml"
printf '# mine\nmodel = "o3"\n\n[tui]\nnotifications = true\n' >"$HOME/.codex/config.toml"
cp "$HOME/.codex/config.toml" "$T/original.toml"

out=$("$SY" setup codex --dry-run 2>&1); rc=$?
check "dry-run: exit status 0" test "$rc" = 0
check "dry-run: shows the provider table" grep -qF '+base_url = "http://127.0.0.1:9123/v1"' <<<"$out"
check "dry-run: writes nothing" cmp -s "$HOME/.codex/config.toml" "$T/original.toml"
check "dry-run: no record" test ! -e "$XDG_STATE_HOME/switchyard/integrations/codex/record.json"

out=$("$SY" setup codex --model gpt-5 2>&1); rc=$?
check "setup: exit status 0" test "$rc" = 0
check "setup: says how to undo" grep -qF 'switchyard setup --restore codex' <<<"$out"
expected=$(printf '# mine\nmodel = "gpt-5"\nmodel_provider = "switchyard"\n\n[tui]\nnotifications = true\n\n[model_providers.switchyard]\nname = "Switchyard"\nbase_url = "http://127.0.0.1:9123/v1"\nwire_api = "responses"\nexperimental_bearer_token = "sk-cli-test"\n')
check "setup: the config as expected" test "$(cat "$HOME/.codex/config.toml")" = "$expected"

out=$("$SY" setup --status 2>&1); rc=$?
check "status: exit status 0" test "$rc" = 0
check "status: codex connected" grep -qE '^codex +Codex CLI +connected \(set up ' <<<"$out"
check "status: claude-code not connected" grep -qE '^claude-code +Claude Code +not connected$' <<<"$out"

echo '# my edit' >>"$HOME/.codex/config.toml"
cp "$HOME/.codex/config.toml" "$T/edited.toml"
out=$("$SY" setup --status 2>&1)
check "status: a changed file is said" grep -qE '^codex .*files changed since' <<<"$out"
out=$("$SY" setup --restore codex 2>&1); rc=$?
check "restore after an edit: refused (exit status 1)" test "$rc" = 1
check "restore after an edit: says why" grep -qF 'changed since the setup' <<<"$out"
check "restore after an edit: the file stays" cmp -s "$HOME/.codex/config.toml" "$T/edited.toml"
out=$("$SY" setup --restore codex --force 2>&1); rc=$?
check "restore --force: exit status 0" test "$rc" = 0
check "restore --force: byte-exact original" cmp -s "$HOME/.codex/config.toml" "$T/original.toml"

out=$("$SY" setup claude-code 2>&1); rc=$?
check "claude-code on a home without ~/.claude: created" test "$rc" = 0 -a -f "$HOME/.claude/settings.json"
check "claude-code: the file is private (0600)" test "$(stat -c %a "$HOME/.claude/settings.json")" = 600
out=$("$SY" setup --restore claude-code 2>&1); rc=$?
check "restore of a file that did not exist: deleted" test "$rc" = 0 -a ! -e "$HOME/.claude/settings.json"

out=$("$SY" setup cursor 2>&1); rc=$?
check "an unknown tool: exit status 2 and the list" bash -c '[ "$1" = 2 ] && grep -qF "claude-code, codex" <<<"$2"' _ "$rc" "$out"
out=$("$SY" setup --restore gemini-cli 2>&1); rc=$?
check "restore without setup: exit status 1" test "$rc" = 1
printf 'model = "broken\n' >"$HOME/.codex/config.toml"
out=$("$SY" setup codex 2>&1); rc=$?
check "a broken config.toml: exit status 1, not changed" bash -c '[ "$1" = 1 ] && [ "$(cat "$2")" = "model = \"broken" ]' _ "$rc" "$HOME/.codex/config.toml"

out=$("$SY" setup cline 2>&1); rc=$?
check "cline without --model: exit status 1, says --model" bash -c '[ "$1" = 1 ] && grep -qF -- "--model" <<<"$2"' _ "$rc" "$out"
check "cline without --model: nothing written" test ! -e "$HOME/.cline"
out=$("$SY" setup cline --model sy-model 2>&1); rc=$?
check "cline: exit status 0" test "$rc" = 0
f=$HOME/.cline/data/settings/providers.json
check "cline: the provider, its base URL, key and model" bash -c 'grep -qF "\"lastUsedProvider\": \"openai-compatible\"" "$1" && grep -qF "\"baseUrl\": \"http://127.0.0.1:9123/v1\"" "$1" && grep -qF "\"apiKey\": \"sk-cli-test\"" "$1" && grep -qF "\"model\": \"sy-model\"" "$1"' _ "$f"
out=$("$SY" setup --status 2>&1)
check "status: cline connected" grep -qE '^cline +Cline +connected \(set up ' <<<"$out"
out=$("$SY" setup --restore cline 2>&1); rc=$?
check "cline restore: the file that was not there is gone" test "$rc" = 0 -a ! -e "$f"

echo "1..$n"
[ "$failed" = 0 ]
