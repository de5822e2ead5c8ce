#!/usr/bin/env python3
"""Seed corpus for the fuzz targets.

make-corpus.py VECTORS OUT [SOURCE_ROOT]

The codec targets are seeded from the golden vectors: each vector's input
becomes a seed of the target that decodes it (requests with the client
format, "from"; answers and streams with the upstream format, "from" as
well). With SOURCE_ROOT, the other targets get seeds too: config (the
YAML of the repository: test configs, the docs' examples, the built-in
default), sse (the vectors' streams, with cut bytes in front), mgmt and
oauth (the bodies and redirects written below, and the docs' JSON).
"""
import ast
import json
import os
import re
import sys

NAMES = {"openai": "openai", "openai-response": "responses", "claude": "claude",
         "gemini": "gemini", "gemini-cli": "gemini-cli"}

vectors, out = sys.argv[1], sys.argv[2]
root = sys.argv[3] if len(sys.argv) > 3 else None
count = 0


def seed(target, name, data):
    global count
    if isinstance(data, str):
        data = data.encode()
    directory = os.path.join(out, target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)
    count += 1


streams = []
for base, _, files in os.walk(vectors):
    for name in sorted(files):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(base, name)) as f:
            case = json.load(f)
        fmt = NAMES.get(case.get("from"))
        kind = case.get("kind")
        if fmt is None or kind not in ("request", "response", "stream"):
            continue
        data = case["input"] if kind == "stream" else json.dumps(case["input"])
        seed(f"{kind}-{fmt}", name[:-5], data)
        if kind == "stream":
            streams.append((name[:-5], data))

if root is None:
    print(f"{count} seeds", file=sys.stderr)
    sys.exit(0)


def blocks(path, language):
    """The ```language blocks of a Markdown file."""
    with open(path) as f:
        text = f.read()
    return re.findall(r"^```" + language + r"\n(.*?)^```", text, re.S | re.M)


# config: YAML files, the docs' YAML examples, the built-in default.
for base, dirs, files in os.walk(os.path.join(root, "tests")):
    for name in sorted(files):
        if name.endswith((".yaml", ".yml")):
            with open(os.path.join(base, name), "rb") as f:
                seed("config", name, f.read())
docs = [os.path.join(root, "README.md")] + sorted(
    os.path.join(root, "docs", n) for n in os.listdir(os.path.join(root, "docs")) if n.endswith(".md"))
for path in docs:
    for i, block in enumerate(blocks(path, "yaml")):
        seed("config", f"{os.path.basename(path)[:-3]}-{i}.yaml", block)
with open(os.path.join(root, "src", "core", "sy-config.c")) as f:
    source = f.read()
match = re.search(r"default_text\[\] =\n(.*?);\n", source, re.S)
if match:
    literals = re.findall(r'"(?:[^"\\]|\\.)*"', match.group(1))
    seed("config", "default.yaml", "".join(ast.literal_eval(s) for s in literals))

# sse: byte 0 = number of cut bytes (bits 0-2) and size limit (bits 3-4).
for name, data in streams:
    seed("sse", name + "-whole", b"\x00" + data.encode())
    seed("sse", name + "-cut", b"\x03\x01\x07\x02" + data.encode())
    seed("sse", name + "-crlf", b"\x02\x05\x00" + data.replace("\n", "\r\n").encode())
seed("sse", "limit", b"\x19\x03\x04\x01data: a long line over the limit\n\nevent: e\ndata: x\n\n")
seed("sse", "bom", b"\x02\x01\x02\xef\xbb\xbfid: 7\nretry: 5\n: comment\ndata:\ndata: y\r\r")

# mgmt: byte 0 = parser, byte 1 = route and method; config routes take
# "query\n" before the body. The order is fuzz-mgmt.c's.
SCALAR, LIST, MAP, MAPPINGS, STATUS, FIELDS, DELETE, API_CALL, RESET, IMPORT, UPLOAD, VERTEX = range(12)
PUT, PATCH, DELETE_METHOD = 0, 1, 2


def route(parser, which, method, query, body):
    return bytes([parser, which * 3 + method]) + query.encode() + b"\n" + body.encode()


mgmt = {
    "debug-put": route(SCALAR, 0, PUT, "", '{"value":true}'),
    "strategy": route(SCALAR, 13, PUT, "", '{"value":"ff"}'),
    "amp-key-masked": route(SCALAR, 15, PUT, "", '{"value":"amp...0001"}'),
    "proxy-delete": route(SCALAR, 5, DELETE_METHOD, "", ""),
    "retry": route(SCALAR, 10, PUT, "", '{"value":3}'),
    "keys-put": route(LIST, 0, PUT, "", '["sk-new", "sk-...0001", " "]'),
    "keys-patch": route(LIST, 0, PATCH, "", '{"old":"sk-...0002","new":"sk-gamma"}'),
    "keys-patch-index": route(LIST, 0, PATCH, "", '{"index":1,"value":"sk-x"}'),
    "keys-delete": route(LIST, 0, DELETE_METHOD, "value=sk-alpha-0001", ""),
    "gemini-patch": route(LIST, 1, PATCH, "", '{"match":"AIza-one-0001","value":{"base-url":"https://x"}}'),
    "gemini-delete": route(LIST, 1, DELETE_METHOD, "api-key=AIza-two-0002", ""),
    "compat-patch": route(LIST, 5, PATCH, "name=local", '{"value":{"api-key":""}}'),
    "vertex-put": route(LIST, 4, PUT, "", '{"items":[{"api-key":"vx","base-url":"https://v"}]}'),
    "claude-put": route(LIST, 2, PUT, "", '[{"api-key":"k","models":[{"name":"m","alias":"a"}]}]'),
    "excluded-patch": route(MAP, 0, PATCH, "", '{"provider":"claude","models":["a*","b"]}'),
    "alias-put": route(MAP, 1, PUT, "", '{"items":{"codex":[{"name":"gpt","alias":"g"}]}}'),
    "alias-delete": route(MAP, 1, DELETE_METHOD, "channel=gemini-cli", ""),
    "mappings-patch": route(MAPPINGS, 0, PATCH, "", '{"value":[{"from":"a","to":"c"},{"from":"n","to":"m"}]}'),
    "mappings-delete": route(MAPPINGS, 1, DELETE_METHOD, "", '{"value":["x"]}'),
    "amp-keys-put": route(MAPPINGS, 2, PUT, "", '{"value":[{"upstream-api-key":"amp...0001","api-keys":["k"]}]}'),
    "status": bytes([STATUS, 0]) + b'{"name":" a.json ","disabled":true}',
    "fields": bytes([FIELDS, 0]) + b'{"name":"a.json","prefix":"/p/","proxy_url":" socks5://u:p@h:1 ",'
                                   b'"headers":{"X-Keep":"","X-New":"v"},"priority":0,"note":"n"}',
    "delete-list": bytes([DELETE, 0]) + b'["a.json"," b.json ","a.json",1]',
    "delete-object": bytes([DELETE, 0]) + b'{"name":"x.json","names":["y.json"]}',
    "api-call": bytes([API_CALL, 0]) + b'{"method":"get","url":"https://api.example/v1?x=1","auth_index":"ab12",'
                                       b'"header":{"Authorization":"Bearer $TOKEN$","X":1},"data":"{}"}',
    "reset": bytes([RESET, 0]) + b'{"auth_index":"abc"}',
    "reset-all": bytes([RESET, 0]) + b'{"all":true}',
    "import": bytes([IMPORT, 0]) + json.dumps({"version": 1, "usage": {"apis": {"k": {"models": {"m": {"details": [
        {"timestamp": "2026-01-02T03:04:05.123Z", "source": "a", "failed": False, "latency_ms": 12,
         "tokens": {"input_tokens": 1, "output_tokens": 2, "reasoning_tokens": 0, "cached_tokens": 0}}]}}}}}}).encode(),
    "upload-claude": bytes([UPLOAD, 0]) + b'{"type":"claude","email":"a@b.c","access_token":"t","refresh_token":"r",'
                                           b'"expired":"2026-01-01T00:00:00Z","prefix":"p","priority":2}',
    "upload-codex": bytes([UPLOAD, 0]) + b'{"type":"codex","id_token":"a.eyJlbWFpbCI6ImFAYiJ9.c","access_token":"t",'
                                          b'"refresh_token":"r","account_id":"x"}',
    "upload-gemini": bytes([UPLOAD, 0]) + b'{"type":"gemini","email":"a@b","project_id":"p","token":'
                                           b'{"access_token":"t","refresh_token":"r","expiry":1700000000000}}',
    "vertex": bytes([VERTEX, 0]) + b'{"type":"service_account","project_id":"p","client_email":"x@p.iam",'
                                    b'"private_key":"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n"}',
}
for name, data in mgmt.items():
    seed("mgmt", name, data)
for path in docs:
    for i, block in enumerate(blocks(path, "json")):
        for parser in (LIST, MAPPINGS, FIELDS, API_CALL, IMPORT):
            seed("mgmt", f"{os.path.basename(path)[:-3]}-{i}-{parser}",
                 bytes([parser, 1]) + (b"\n" if parser <= MAPPINGS else b"") + block.encode())

# oauth: byte 0 % 3 = callback query, paste, management body.
oauth = [
    b"\x00code=abc123&state=fuzz-state-0123",
    b"\x00code=abc%23fuzz-state-0123&state=fuzz-state-0123&scope=x+y",
    b"\x00error=access_denied&error_description=The+user+said+no%0A&state=fuzz-state-0123",
    b"\x00code=abc&state=other",
    b"\x01http://localhost:54545/callback?code=4%2F0Ab&state=s1&scope=email",
    b"\x01https://console.anthropic.com/oauth/code/callback?code=abc#s2",
    b"\x01http://localhost:1455/auth/callback#code=c&state=s",
    b"\x01abc#state",
    b"\x01?code=a=&state=b",
    b"\x01code=x&state=y&error=e",
    b'\x02{"provider":"anthropic","redirect_url":"http://localhost:54545/callback?code=c&state=s-1"}',
    b'\x02{"provider":"codex","state":" s.2 ","code":"c#s.2"}',
    b'\x02{"provider":"gemini","state":"s3","error":"","redirect_url":"http://h/?error=access_denied&state=x"}',
]
for i, data in enumerate(oauth):
    seed("oauth", f"seed-{i}", data)

print(f"{count} seeds", file=sys.stderr)
