#!/usr/bin/env python3
# test-canary.py: no secret comes out of the real binary, wherever it came from (TAP)
#
# Every place a secret can come from gets a distinctive canary value: the
# client api-keys, the management key (config and MANAGEMENT_PASSWORD), the
# provider keys of the config, the Amp key, proxy passwords, and the OAuth
# access, refresh and id tokens of imported logins (and the ones a refresh
# hands out). `switchyard --headless` then runs with debug, request-log and
# logging-to-file on, against a fake upstream on 127.0.0.1 whose error
# answers echo every header and query it received. Requests succeed and
# fail in every client format, every GET management route is called with
# and without the key, the diagnostics bundle is fetched and unzipped, the
# command line is run with good and bad options. Then everything that came
# out is searched: stdout and stderr, every file under the test's HOME and
# XDG directories (SQLite databases as bytes and through SQL), every HTTP
# answer's headers and body, the bundle's files.
#
# A canary may show only as its mask, the first three characters, "..."
# and the last four (sy_mask_secret()). No 8-character piece of it may
# appear anywhere, nor its last four characters outside that mask. The
# exceptions, each by design (docs/hardening.md, "Secrets"):
#   - config.yaml, and GET /v0/management/config.yaml (loopback only), hold
#     the keys configured in the file (not the management key: it is
#     replaced by its bcrypt hash at load);
#   - GET /v0/management/auth-files/download (loopback only) is the export
#     of a login: its tokens;
#   - tokens.enc holds the tokens encrypted: never as plain bytes.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zipfile

SY = os.environ.get("SY_BINARY")
SRCDIR = os.environ.get("G_TEST_SRCDIR", os.path.dirname(os.path.abspath(__file__)))

n = 0
LEAKS_SHOWN = int(os.environ.get("SY_CANARY_SHOW", "200"))
failed = 0


def ok(name):
    global n
    n += 1
    print(f"ok {n} {name}", flush=True)


def not_ok(name, *lines):
    global n, failed
    n += 1
    failed += 1
    print(f"not ok {n} {name}", flush=True)
    for line in lines:
        print(f"# {line}", flush=True)


def check(name, cond, *lines):
    if cond:
        ok(name)
    else:
        not_ok(name, *lines)


# ------------------------------------------------------------ the canaries

# Alphanumeric, no provider key shape (sk-, AIza, ya29., xai-): what masks
# them must be the secret registry, not the shape guesser. Random letters
# and digits (from a fixed seed, so a failure repeats), so that no piece of
# one is a piece of another or of a word a run prints; 26 characters, masked
# as xxx...yyyy (12 or more).
_rng = random.Random(1111)
CANARY = {name: "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(26))
          for name in ("client-key-1", "client-key-2", "mgmt-key", "mgmt-password", "claude-key",
                       "gemini-key", "codex-key", "compat-key", "amp-key", "proxy-password",
                       "entry-proxy-password", "claude-access", "claude-refresh", "claude-new-access",
                       "claude-new-refresh", "codex-access", "codex-refresh", "codex-id-sig",
                       "codex2-access", "codex2-refresh", "codex2-id-sig", "gemini-access",
                       "gemini-refresh")}
# Canaries named by the config file (allowed in it, and in /config.yaml).
IN_CONFIG = {"client-key-1", "client-key-2", "claude-key", "gemini-key", "codex-key", "compat-key",
             "amp-key", "proxy-password", "entry-proxy-password"}
PROXY_USER = "pxuser"
ENTRY_PROXY_USER = "pxentry"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(email, account, plan, sig):
    head = b64url(b'{"alg":"none","typ":"JWT"}')
    claims = {"email": email, "https://api.openai.com/auth":
              {"chatgpt_account_id": account, "chatgpt_plan_type": plan}}
    return f"{head}.{b64url(json.dumps(claims).encode())}.{sig}"


CODEX_ID = jwt("codex@example.com", "acct-canary-1", "plus", CANARY["codex-id-sig"])
CODEX2_ID = jwt("dead@example.com", "acct-canary-2", "plus", CANARY["codex2-id-sig"])
# The whole id_tokens too (their claims, not secret by themselves, are
# shown: only the signature part is searched piece by piece).
WHOLE = {"codex-id-token": CODEX_ID, "codex2-id-token": CODEX2_ID,
         "proxy-basic": base64.b64encode(f"{PROXY_USER}:{CANARY['proxy-password']}".encode()).decode(),
         "entry-proxy-basic":
         base64.b64encode(f"{ENTRY_PROXY_USER}:{CANARY['entry-proxy-password']}".encode()).decode()}
LOGIN_TOKENS = {"claude-access", "claude-refresh", "claude-new-access", "claude-new-refresh",
                "codex-access", "codex-refresh", "codex-id-sig", "codex2-access", "codex2-refresh",
                "codex2-id-sig", "gemini-access", "gemini-refresh"}


def mask(value):
    return f"{value[:3]}...{value[-4:]}"


def find_leaks(data, allowed=frozenset()):
    """What of the canaries @data shows beyond their masks: a list of
    "name: why" (empty when nothing). @data is bytes."""
    leaks = []
    for name, value in CANARY.items():
        if name in allowed:
            continue
        v = value.encode()
        if v in data:
            leaks.append(f"{name}: the whole value")
            continue
        for i in range(len(v) - 7):
            if v[i:i + 8] in data:
                leaks.append(f"{name}: the piece {v[i:i + 8].decode()!r}")
                break
        else:
            # The tail only as part of the mask.
            tail = v[-4:]
            if data.count(tail) != data.count(mask(value).encode()):
                leaks.append(f"{name}: its last four characters outside the mask {mask(value)}")
    for name, value in WHOLE.items():
        if name.startswith("codex") and name.replace("-token", "-sig") in allowed:
            continue
        if value.encode() in data:
            leaks.append(f"{name}: the whole value")
    return leaks


# Everything searched at the end: (where, bytes, allowed canary names).
outputs = []


def keep(where, data, allowed=frozenset()):
    if isinstance(data, str):
        data = data.encode()
    outputs.append((where, data, frozenset(allowed)))


# ------------------------------------------------------------ fake upstream

class Fake:
    """The shared state of the fake upstream (provider APIs, token
    endpoints, Amp, and the HTTP proxy in front of them)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []          # (method, path, {header: value})
        self.refreshes = {}         # refresh token -> threading.Event
        self.renew = {CANARY["claude-refresh"]: ("claude-new-access", "claude-new-refresh")}
        self.proxy_auth = {"Basic " + WHOLE["proxy-basic"], "Basic " + WHOLE["entry-proxy-basic"]}
        self.proxied = 0
        self.proxied_entry = 0

    def refreshed(self, token):
        with self.lock:
            return self.refreshes.setdefault(token, threading.Event())


FAKE = Fake()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    # -- answers

    def reply(self, status, body, ctype="application/json", extra=()):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def echo(self):
        """What an upstream that quotes its request would say: every header
        and the query it got."""
        lines = [f"{k}: {v}" for k, v in self.headers.items()]
        return f"you sent {self.target} with " + "; ".join(lines)

    def reply_error(self, status):
        text = self.echo()
        body = {"error": {"type": "authentication_error" if status in (401, 403) else "error",
                          "code": status, "message": text}}
        extra = [("Retry-After", "1")] if status == 429 else []
        # The echo again in a header of the answer, as some gateways do.
        extra.append(("X-Debug-Echo", text.replace("\r", " ").replace("\n", " ")[:4000]))
        self.reply(status, json.dumps(body), extra=extra)

    def start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def chunk(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_stream(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def drop(self):
        """Close mid-answer: the chunked body never ends."""
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- dispatch

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def handle_any(self):
        target = self.path
        if target.startswith("http://"):
            auth = self.headers.get("Proxy-Authorization", "")
            if auth not in FAKE.proxy_auth:
                self.target = target
                self.read_body()
                self.reply_error(407)
                return
            with FAKE.lock:
                FAKE.proxied += 1
                if auth == "Basic " + WHOLE["entry-proxy-basic"]:
                    FAKE.proxied_entry += 1
            parts = urllib.parse.urlsplit(target)
            target = parts.path + ("?" + parts.query if parts.query else "")
            # A proxy takes its own credentials out before it forwards.
            del self.headers["Proxy-Authorization"]
        self.target = target
        body = self.read_body()
        path, _, query = target.partition("?")
        with FAKE.lock:
            FAKE.requests.append((self.command, path, dict(self.headers.items())))
        if path in ("/v1/oauth/token", "/oauth/token", "/token", "/api/oauth/token"):
            self.token(body)
            return
        mode = "ok"
        m = re.search(rb"FAKE:(\w+)", body)
        if m:
            mode = m.group(1).decode()
        if mode.isdigit():
            self.reply_error(int(mode))
            return
        try:
            req = json.loads(body) if body else {}
        except ValueError:
            req = {}
        if not isinstance(req, dict):
            req = {}
        model = req.get("model", "fake-model")
        if path.endswith("/v1/messages"):
            self.claude(model, req.get("stream", False), mode)
        elif ":generateContent" in path or ":streamGenerateContent" in path:
            self.gemini(path, ":streamGenerateContent" in path, mode)
        elif path.endswith("/responses"):
            self.answer_responses(model, req.get("stream", False), mode)
        elif path.endswith("/chat/completions"):
            self.chat(model, req.get("stream", False), mode)
        elif path.startswith("/api/user"):
            self.reply(200, json.dumps({"id": "amp-user", "email": "amp@example.com"}))
        else:
            # Amp's other calls, quota reads, sign-in pages: refused, quoting.
            self.reply_error(401 if path.startswith("/api/") else 404)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    # -- token endpoint

    def token(self, body):
        try:
            form = json.loads(body)
        except ValueError:
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()}
        refresh = form.get("refresh_token", "")
        renewed = FAKE.renew.get(refresh)
        if renewed is None:
            text = f"refresh_token {refresh} is not valid; " + self.echo()
            self.reply(400, json.dumps({"error": "invalid_grant", "error_description": text}))
        else:
            self.reply(200, json.dumps({"access_token": CANARY[renewed[0]],
                                        "refresh_token": CANARY[renewed[1]],
                                        "expires_in": 3600, "token_type": "Bearer"}))
        FAKE.refreshed(refresh).set()

    # -- provider answers

    def claude(self, model, stream, mode):
        usage = {"input_tokens": 3, "output_tokens": 2}
        if not stream:
            self.reply(200, json.dumps({"id": "msg_1", "type": "message", "role": "assistant", "model": model,
                                        "content": [{"type": "text", "text": "hello"}],
                                        "stop_reason": "end_turn", "usage": usage}))
            return
        events = [
            ("message_start", {"type": "message_start", "message": {
                "id": "msg_1", "type": "message", "role": "assistant", "model": model, "content": [],
                "stop_reason": None, "usage": {"input_tokens": 3, "output_tokens": 0}}}),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "text", "text": ""}}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": "hel"}}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": "lo"}}),
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                               "usage": {"output_tokens": 2}}),
            ("message_stop", {"type": "message_stop"}),
        ]
        self.sse([f"event: {e}\ndata: {json.dumps(d)}\n\n" for e, d in events], mode)

    def gemini(self, path, stream, mode):
        internal = "/v1internal:" in path
        resp = {"candidates": [{"content": {"role": "model", "parts": [{"text": "hello"}]},
                                "finishReason": "STOP", "index": 0}],
                "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2, "totalTokenCount": 5},
                "modelVersion": "fake"}
        wrap = (lambda r: {"response": r}) if internal else (lambda r: r)
        if not stream:
            self.reply(200, json.dumps(wrap(resp)))
            return
        first = {"candidates": [{"content": {"role": "model", "parts": [{"text": "hel"}]}, "index": 0}]}
        second = dict(resp)
        second["candidates"] = [{"content": {"role": "model", "parts": [{"text": "lo"}]},
                                 "finishReason": "STOP", "index": 0}]
        self.sse([f"data: {json.dumps(wrap(first))}\r\n\r\n", f"data: {json.dumps(wrap(second))}\r\n\r\n"], mode)

    def answer_responses(self, model, stream, mode):
        item = {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": "hello", "annotations": []}]}
        usage = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}
        done = {"id": "resp_1", "object": "response", "created_at": 1, "status": "completed", "model": model,
                "output": [item], "usage": usage}
        if not stream:
            self.reply(200, json.dumps(done))
            return
        started = dict(done, status="in_progress", output=[], usage=None)
        events = [
            ("response.created", {"type": "response.created", "sequence_number": 0, "response": started}),
            ("response.output_item.added", {"type": "response.output_item.added", "sequence_number": 1,
                                            "output_index": 0, "item": dict(item, status="in_progress",
                                                                            content=[])}),
            ("response.content_part.added", {"type": "response.content_part.added", "sequence_number": 2,
                                             "item_id": "msg_1", "output_index": 0, "content_index": 0,
                                             "part": {"type": "output_text", "text": "", "annotations": []}}),
            ("response.output_text.delta", {"type": "response.output_text.delta", "sequence_number": 3,
                                            "item_id": "msg_1", "output_index": 0, "content_index": 0,
                                            "delta": "hello"}),
            ("response.output_text.done", {"type": "response.output_text.done", "sequence_number": 4,
                                           "item_id": "msg_1", "output_index": 0, "content_index": 0,
                                           "text": "hello"}),
            ("response.output_item.done", {"type": "response.output_item.done", "sequence_number": 5,
                                           "output_index": 0, "item": item}),
            ("response.completed", {"type": "response.completed", "sequence_number": 6, "response": done}),
        ]
        self.sse([f"event: {e}\ndata: {json.dumps(d)}\n\n" for e, d in events], mode)

    def chat(self, model, stream, mode):
        usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
        if not stream:
            self.reply(200, json.dumps({"id": "chat_1", "object": "chat.completion", "created": 1, "model": model,
                                        "choices": [{"index": 0, "message": {"role": "assistant",
                                                                             "content": "hello"},
                                                     "finish_reason": "stop"}], "usage": usage}))
            return
        base = {"id": "chat_1", "object": "chat.completion.chunk", "created": 1, "model": model}
        chunks = [dict(base, choices=[{"index": 0, "delta": {"role": "assistant", "content": "hel"}}]),
                  dict(base, choices=[{"index": 0, "delta": {"content": "lo"}}]),
                  dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}], usage=usage)]
        self.sse([f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"], mode)

    def sse(self, events, mode):
        self.start_stream()
        if mode == "drop":
            self.chunk(events[0])
            self.drop()
            return
        for e in events:
            self.chunk(e)
        self.end_stream()


class FakeServer(http.server.ThreadingHTTPServer):
    daemon_threads = True


# ------------------------------------------------------------ the binary

class Proc:
    """`switchyard` in the background: its output kept (and searched),
    its address read from its "Listening on" line."""

    def __init__(self, args, env, name):
        self.name = name
        self.lines = []
        self.listening = threading.Event()
        self.url = None
        self.proc = subprocess.Popen([SY] + args, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace")
            self.lines.append(line)
            m = re.search(r"Listening on (http://[^ ]+)", line)
            if m and not self.listening.is_set():
                self.url = m.group(1)
                self.listening.set()
        self.listening.set()

    def output(self):
        return "".join(self.lines)

    def wait_line(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(re.search(pattern, line) for line in self.lines):
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        return any(re.search(pattern, line) for line in self.lines)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.reader.join(timeout=10)
        keep(f"{self.name}: stdout and stderr", self.output())
        return rc


def run(args, env, name, allowed=frozenset()):
    """Run the binary to the end; its output is kept for the search."""
    p = subprocess.run([SY] + args, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    keep(f"{name}: stdout", p.stdout, allowed)
    keep(f"{name}: stderr", p.stderr, allowed)
    return p


class Client:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port

    def call(self, method, path, body=None, headers=None, allowed=frozenset(), what=None):
        """One request; the whole answer (status line, headers, body) is
        kept for the search. Returns (status, headers, body)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            try:
                payload = resp.read()
            except http.client.IncompleteRead as e:
                payload = e.partial
            status, rh = resp.status, resp.getheaders()
        except (ConnectionError, http.client.HTTPException) as e:
            status, rh, payload = 0, [], str(e).encode()
        finally:
            conn.close()
        head = "".join(f"{k}: {v}\n" for k, v in rh)
        keep(f"{what or method + ' ' + path}: answer", f"HTTP {status}\n{head}\n".encode() + payload, allowed)
        return status, dict((k.lower(), v) for k, v in rh), payload


# ------------------------------------------------------------ the run

def write(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def iso(offset_s):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_s))


def management_get_routes():
    """The GET routes of the management API's route tables, read from the
    sources so that a new route is searched too."""
    routes = []
    server = os.path.join(SRCDIR, "..", "src", "server")
    for name in sorted(os.listdir(server)):
        if not (name.startswith("sy-mgmt-") and name.endswith(".c")):
            continue
        with open(os.path.join(server, name)) as f:
            text = f.read()
        for m in re.finditer(r'\{\s*"(/[^"]*)",\s*([A-Z_ |]+),\s*handle_\w+\s*\}', text):
            methods = m.group(2)
            if "GET" in methods or "SCALAR_METHODS" in methods or "ALL_METHODS" in methods:
                routes.append(m.group(1))
    return routes


def main():
    print("TAP version 13", flush=True)
    if not SY:
        print("1..0 # SKIP SY_BINARY not set")
        return 0

    top = tempfile.mkdtemp(prefix="sy-canary.")
    home = os.path.join(top, "home")          # everything searched lives here
    inputs = os.path.join(top, "inputs")      # what the test hands in (auth files)
    os.makedirs(home)
    os.makedirs(inputs)

    fake = FakeServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=fake.serve_forever, daemon=True).start()
    up = f"http://127.0.0.1:{fake.server_address[1]}"
    proxy = f"http://{PROXY_USER}:{CANARY['proxy-password']}@127.0.0.1:{fake.server_address[1]}"
    entry_proxy = f"http://{ENTRY_PROXY_USER}:{CANARY['entry-proxy-password']}@127.0.0.1:{fake.server_address[1]}"

    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and not k.startswith(("XDG_", "DBUS_", "SWITCHYARD_"))}
    env.update({
        "HOME": home,
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
        "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_RUNTIME_DIR": os.path.join(home, "run"),
        # No keyring: the token store is the encrypted file with its key
        # in tokens.key.
        "DBUS_SESSION_BUS_ADDRESS": "unix:path=" + os.path.join(home, "no-bus"),
        "MANAGEMENT_PASSWORD": CANARY["mgmt-password"],
        "LC_ALL": "C",
    })
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
    cfg = os.path.join(env["XDG_CONFIG_HOME"], "switchyard", "config.yaml")
    config = f"""\
port: 0
debug: true
request-log: true
logging-to-file: true
token-store: file
disable-cooling: true
quota-refresh-interval: 0
api-keys: ["{CANARY['client-key-1']}", "{CANARY['client-key-2']}"]
remote-management:
  secret-key: "{CANARY['mgmt-key']}"
proxy-url: "{proxy}"
endpoints:
  claude: {{auth: "{up}", api: "{up}"}}
  codex: {{auth: "{up}", api: "{up}"}}
  gemini-cli: {{auth: "{up}", api: "{up}"}}
  antigravity: {{auth: "{up}", api: "{up}"}}
  kimi: {{auth: "{up}", api: "{up}"}}
  xai: {{auth: "{up}", api: "{up}"}}
claude-api-key:
  - api-key: "{CANARY['claude-key']}"
    base-url: "{up}"
    models: [{{name: claude-up, alias: k-claude}}]
gemini-api-key:
  - api-key: "{CANARY['gemini-key']}"
    base-url: "{up}"
    models: [{{name: gemini-up, alias: k-gemini}}]
codex-api-key:
  - api-key: "{CANARY['codex-key']}"
    base-url: "{up}/v1"
    models: [{{name: codex-up, alias: k-codex}}]
openai-compatibility:
  - name: compat
    base-url: "{up}/v1"
    api-key-entries:
      - {{api-key: "{CANARY['compat-key']}", proxy-url: "{entry_proxy}"}}
    models: [{{name: compat-up, alias: k-compat}}]
ampcode:
  upstream-url: "{up}"
  upstream-api-key: "{CANARY['amp-key']}"
"""
    write(cfg, config)

    # ---- logins: imported CLIProxyAPI files. Claude's has expired (its
    # refresh works and hands out new canaries), the first Codex one is
    # valid, the second expired with a refresh token the fake refuses.
    authdir = os.path.join(inputs, "auth")
    write(os.path.join(authdir, "claude-c@example.com.json"), json.dumps({
        "type": "claude", "email": "c@example.com", "access_token": CANARY["claude-access"],
        "refresh_token": CANARY["claude-refresh"], "id_token": "", "expired": iso(-3600),
        "last_refresh": iso(-7200)}))
    write(os.path.join(authdir, "codex-codex@example.com-plus.json"), json.dumps({
        "type": "codex", "email": "codex@example.com", "access_token": CANARY["codex-access"],
        "refresh_token": CANARY["codex-refresh"], "id_token": CODEX_ID, "account_id": "acct-canary-1",
        "expired": iso(10 * 86400), "last_refresh": iso(-60)}))
    write(os.path.join(authdir, "codex-dead@example.com-plus.json"), json.dumps({
        "type": "codex", "email": "dead@example.com", "access_token": CANARY["codex2-access"],
        "refresh_token": CANARY["codex2-refresh"], "id_token": CODEX2_ID, "account_id": "acct-canary-2",
        "expired": iso(-3600), "last_refresh": iso(-7200)}))
    write(os.path.join(authdir, "gemini-g@example.com-canary-proj.json"), json.dumps({
        "type": "gemini", "email": "g@example.com", "project_id": "canary-proj",
        "token": {"access_token": CANARY["gemini-access"], "refresh_token": CANARY["gemini-refresh"],
                  "token_type": "Bearer", "expiry": iso(10 * 86400),
                  "token_uri": f"{up}/token"}}))

    p = run(["--import-auth", authdir, "--config", cfg], env, "--import-auth")
    check("--import-auth takes the four logins", p.returncode == 0 and p.stdout.count(b"imported ") >= 4,
          *(p.stdout + p.stderr).decode(errors="replace").splitlines())

    # ---- the command line
    p = run(["--version"], env, "--version")
    check("--version runs", p.returncode == 0)
    p = run(["--help"], env, "--help")
    check("--help runs", p.returncode == 0)
    p = run(["--list-accounts", "--config", cfg], env, "--list-accounts")
    check("--list-accounts lists the logins", p.returncode == 0 and b"codex@example.com" in p.stdout)
    for args in (["--port", "99999", "--headless", "--config", cfg],
                 ["--login", "nosuchprovider", "--config", cfg],
                 ["--logout", "claude:00000000", "--config", cfg],
                 ["--headless", "--config", os.path.join(home, "missing.yaml")],
                 ["--no-such-option", CANARY["client-key-1"]]):
        p = run(args, env, " ".join(args[:2]))
        check(f"{' '.join(args[:2])}: refused", p.returncode != 0)
    # Configs that do not load, with secrets where the errors point.
    bad = os.path.join(env["XDG_CONFIG_HOME"], "switchyard", "broken.yaml")
    for i, text in enumerate([
            f'api-keys: {{a: "{CANARY["client-key-2"]}"}}\n',
            f'remote-management: {{secret-key: ["{CANARY["mgmt-key"]}"]}}\n',
            f'claude-api-key:\n  - api-key: "{CANARY["claude-key"]}"\n    priority: "{CANARY["claude-key"]}"\n',
            f'proxy-url: "{proxy}"\nport: [\n',
            f'port: 0\nhost: 0.0.0.0\nproxy-url: "{proxy}"\nampcode: {{upstream-api-key: "{CANARY["amp-key"]}"}}\n']):
        write(bad, text)
        p = run(["--headless", "--config", bad], env, f"broken config {i + 1}")
        check(f"broken config {i + 1}: refused", p.returncode != 0,
              *(p.stdout + p.stderr).decode(errors="replace").splitlines())
        os.unlink(bad)

    # ---- the server
    sy = Proc(["--headless", "--config", cfg], env, "switchyard --headless")
    if not sy.listening.wait(60) or sy.url is None:
        not_ok("switchyard --headless starts", *sy.output().splitlines())
        sy.stop()
        print(f"1..{n}")
        return 1
    ok("switchyard --headless starts")
    c = Client(sy.url)
    key1 = {"Authorization": f"Bearer {CANARY['client-key-1']}"}
    key2 = {"x-api-key": CANARY["client-key-2"]}
    gkey = {"x-goog-api-key": CANARY["client-key-1"]}

    # The expired logins are renewed (or fail to be) before they serve.
    def chat(model, text, stream=False, headers=key1):
        return c.call("POST", "/v1/chat/completions",
                      {"model": model, "stream": stream, "messages": [{"role": "user", "content": text}]},
                      headers)

    st, _, _ = chat("claude-sonnet-4-6", "hello")
    check("a Claude login serves, after its refresh", st == 200)
    check("the Claude refresh went to the fake", FAKE.refreshed(CANARY["claude-refresh"]).wait(30))
    st, _, _ = chat("gpt-5", "hello")
    check("a Codex login serves", st == 200)
    st, _, _ = chat("gemini-2.5-pro", "hello")
    check("a Gemini CLI login serves", st == 200)

    # Every client format, streamed and not, on every kind of upstream.
    models = ["k-claude", "k-gemini", "k-codex", "k-compat", "claude-sonnet-4-6", "gpt-5", "gemini-2.5-pro"]
    formats = 0
    for model in models:
        for stream in (False, True):
            msgs = [{"role": "user", "content": "hello"}]
            answers = [
                c.call("POST", "/v1/chat/completions", {"model": model, "stream": stream, "messages": msgs},
                       key1),
                c.call("POST", "/v1/messages", {"model": model, "stream": stream, "max_tokens": 16,
                                                "messages": msgs}, key2),
                c.call("POST", "/v1/responses", {"model": model, "stream": stream, "input": "hello"}, key1),
                c.call("POST", f"/v1beta/models/{model}:" +
                       ("streamGenerateContent?alt=sse" if stream else "generateContent"),
                       {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}, gkey),
                c.call("POST", f"/v1beta/models/{model}:generateContent?key={CANARY['client-key-2']}",
                       {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}),
            ]
            formats += sum(1 for a in answers if a[0] == 200)
    check("every client format is served by every upstream, streamed and not",
          formats == len(models) * 2 * 5, f"{formats} of {len(models) * 2 * 5} answered 200")
    check("the upstream calls went through the proxy with its password",
          FAKE.proxied > 0 and FAKE.proxied_entry > 0, f"{FAKE.proxied} proxied, {FAKE.proxied_entry} by the entry's")

    # Failures: upstream errors that quote the credentials they got, a
    # stream cut off, wrong client keys, unknown models.
    failures = 0
    for model in models:
        for mode in ("401", "403", "429", "500", "drop"):
            for stream in (False, True):
                msgs = [{"role": "user", "content": f"FAKE:{mode}"}]
                a = c.call("POST", "/v1/chat/completions", {"model": model, "stream": stream, "messages": msgs},
                           key1)
                b = c.call("POST", "/v1/messages", {"model": model, "stream": stream, "max_tokens": 16,
                                                    "messages": msgs}, key2)
                r = c.call("POST", "/v1/responses", {"model": model, "stream": stream,
                                                     "input": f"FAKE:{mode}"}, key1)
                g = c.call("POST", f"/v1beta/models/{model}:" +
                           ("streamGenerateContent?alt=sse" if stream else "generateContent"),
                           {"contents": [{"role": "user", "parts": [{"text": f"FAKE:{mode}"}]}]}, gkey)
                failures += sum(1 for x in (a, b, r, g) if x[0] != 200 or b"error" in x[2])
    check("upstream failures reach the clients as failures", failures >= len(models) * 4 * 2 * 4,
          f"{failures} failed answers")
    st, _, _ = c.call("POST", "/v1/chat/completions", {"model": "k-compat", "messages": []},
                      {"Authorization": f"Bearer {CANARY['mgmt-key']}"})
    check("a wrong client key (the management key) is refused", st == 401)
    st, _, _ = c.call("POST", "/v1/messages", {"model": "k-claude", "messages": []},
                      {"x-api-key": CANARY["claude-key"]})
    check("a wrong client key (an upstream key) is refused", st == 401)
    c.call("GET", "/v1/models", headers={"Authorization": f"Bearer {CANARY['amp-key']}"})
    c.call("GET", f"/v1/models?key={CANARY['gemini-key']}")
    st, _, _ = chat("no-such-model", "hello")
    check("an unknown model is refused", 400 <= st < 500)
    c.call("GET", "/v1/models", headers=key1)
    # The refused refresh: the dead Codex login is tried and renewed.
    check("the refused Codex refresh went to the fake", FAKE.refreshed(CANARY["codex2-refresh"]).wait(30))
    for _ in range(4):
        chat("gpt-5", "hello")
        chat("gpt-5", "hello", stream=True)
    # Amp: its calls reach ampcode.com (the fake) with the Amp key.
    st, _, _ = c.call("GET", "/api/user", headers=key1)
    check("Amp: /api/user goes upstream", st == 200)
    c.call("POST", "/api/internal?getThing", {"method": "x"}, key1)
    c.call("GET", "/threads/T-1")
    c.call("POST", "/api/provider/openai/v1/chat/completions",
           {"model": "amp-only-model", "messages": [{"role": "user", "content": "hello"}]}, key1)
    amp_got = [h for (_, p, h) in FAKE.requests if p.startswith("/api/")]
    check("Amp: the upstream got the Amp key",
          any(CANARY["amp-key"] in " ".join(h.values()) for h in amp_got))

    # ---- management
    mkey = {"Authorization": f"Bearer {CANARY['mgmt-key']}"}
    mpass = {"X-Management-Key": CANARY["mgmt-password"]}
    st, _, body = c.call("GET", "/v0/management/auth-files", headers=mkey)
    check("management: the config's key works", st == 200)
    files = json.loads(body).get("files", []) if st == 200 else []
    names = [f.get("name") for f in files]
    st, _, _ = c.call("GET", "/v0/management/debug", headers=mpass)
    check("management: MANAGEMENT_PASSWORD works", st == 200)
    # Without request-log, failed requests go to error-*.log: turn it off
    # through the API (the config is rewritten and reloaded), fail a few.
    st, _, _ = c.call("PUT", "/v0/management/request-log", {"value": False}, mkey)
    check("management: request-log turned off", st == 200)
    for model in ("k-claude", "k-gemini", "claude-sonnet-4-6", "gpt-5"):
        for mode in ("401", "drop"):
            chat(model, f"FAKE:{mode}")
            chat(model, f"FAKE:{mode}", stream=True)
    # Error logs and request logs are written by a thread after the answer.
    error_log = None
    deadline = time.monotonic() + 30
    while error_log is None and time.monotonic() < deadline:
        st, _, body = c.call("GET", "/v0/management/request-error-logs", headers=mkey)
        listed = json.loads(body).get("files", []) if st == 200 else []
        error_log = listed[0]["name"] if listed else None
        if error_log is None:
            time.sleep(0.1)
    check("management: an error log is listed", error_log is not None)
    logs_dir = os.path.join(env["XDG_STATE_HOME"], "switchyard", "logs")
    req_ids = sorted(re.sub(r".*-([0-9a-f]{8})\.log$", r"\1", f) for f in os.listdir(logs_dir)
                     if re.match(r"request-.*-[0-9a-f]{8}\.log$", f))
    states = []
    routes = management_get_routes()
    check("management: the route tables are read", len(routes) > 40, f"{len(routes)} GET routes")
    for route in routes:
        paths = [route]
        allowed = frozenset()
        if route == "/model-definitions/":
            paths = [route + ch for ch in ("claude", "codex", "gemini-cli")]
        elif route == "/request-error-logs/":
            paths = [route + (error_log or "none")]
        elif route == "/request-log-by-id/":
            paths = [route + i for i in req_ids[-3:]] or [route + "00000000"]
        elif route in ("/auth-files/models", "/auth-files/download"):
            paths = [route + "?name=" + urllib.parse.quote(x) for x in names]
            if route == "/auth-files/download":
                allowed = LOGIN_TOKENS       # the explicit export, loopback only
        elif route == "/get-auth-status":
            paths = [route + "?state=" + urllib.parse.quote(s) for s in states] or [route + "?state=x"]
        elif route == "/config.yaml":
            allowed = IN_CONFIG              # the file as it is, loopback only
        elif route == "/diagnostics":
            continue                         # below, unzipped
        for path in paths:
            full = "/v0/management" + path
            # Without the key and with a wrong one (a client key), then
            # the right one, which resets the failure count.
            c.call("GET", full)
            c.call("GET", full, headers={"Authorization": f"Bearer {CANARY['client-key-2']}"})
            st, _, body = c.call("GET", full, headers=mkey, allowed=allowed)
            if st == 200 and route.endswith("-auth-url"):
                s = json.loads(body).get("state")
                if s:
                    states.append(s)
    # The scalars and lists also with the environment's password.
    for route in ("/api-keys", "/claude-api-key", "/gemini-api-key", "/codex-api-key", "/openai-compatibility",
                  "/proxy-url", "/ampcode", "/ampcode/upstream-api-key", "/config"):
        c.call("GET", "/v0/management" + route, headers=mpass)
    # A front that writes a list back as it read it (masked) keeps the
    # keys and the proxy password.
    st, _, body = c.call("GET", "/v0/management/openai-compatibility", headers=mkey)
    listed = json.loads(body).get("openai-compatibility") if st == 200 else None
    st, _, _ = c.call("PUT", "/v0/management/openai-compatibility", listed, mkey)
    with open(cfg) as f:
        text = f.read()
    check("management: a list written back as read keeps its key and proxy password",
          st == 200 and listed is not None and CANARY["compat-key"] in text and entry_proxy in text)
    # /api-call with an account's token, to an upstream that quotes it.
    if files:
        idx = files[0].get("auth_index")
        c.call("POST", "/v0/management/api-call",
               {"auth_index": idx, "method": "GET", "url": f"{up}/quote-me",
                "header": {"Authorization": "Bearer $TOKEN$"}}, mkey)

    # ---- diagnostics bundle
    st, hdrs, body = c.call("GET", "/v0/management/diagnostics", headers=mkey)
    check("diagnostics: a zip", st == 200 and body[:2] == b"PK")
    bundle_files = 0
    if st == 200:
        zpath = os.path.join(top, "bundle.zip")
        with open(zpath, "wb") as f:
            f.write(body)
        with zipfile.ZipFile(zpath) as z:
            for info in z.infolist():
                keep(f"diagnostics bundle: {info.filename}", z.read(info))
                bundle_files += 1
    check("diagnostics: the bundle has its files", bundle_files >= 4, f"{bundle_files} files")

    rc = sy.stop()
    check("switchyard stops cleanly", rc == 0, *sy.output().splitlines()[-20:])

    # The bundle from the command line, after the run.
    zcli = os.path.join(top, "cli-bundle.zip")
    p = run(["--diagnostics", zcli, "--config", cfg], env, "--diagnostics")
    check("--diagnostics writes a bundle", p.returncode == 0 and zipfile.is_zipfile(zcli))
    if zipfile.is_zipfile(zcli):
        with zipfile.ZipFile(zcli) as z:
            for info in z.infolist():
                keep(f"--diagnostics bundle: {info.filename}", z.read(info))

    # ---- everything the run left under HOME
    tokens_enc = None
    seen = {"request": 0, "error": 0, "main": 0, "db": 0}
    for root, _, fnames in os.walk(home):
        for fname in fnames:
            path = os.path.join(root, fname)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            rel = os.path.relpath(path, home)
            with open(path, "rb") as f:
                data = f.read()
            allowed = IN_CONFIG if path == cfg else frozenset()
            keep(f"file ~/{rel}", data, allowed)
            if fname == "tokens.enc":
                tokens_enc = data
            if fname.startswith("request-"):
                seen["request"] += 1
            if fname.startswith("error-"):
                seen["error"] += 1
            if fname == "main.log":
                seen["main"] += 1
            if data[:16] == b"SQLite format 3\0":
                seen["db"] += 1
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                rows = []
                for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                    for row in db.execute(f'SELECT * FROM "{table}"'):
                        rows.append(f"{table}: {row!r}")
                db.close()
                keep(f"file ~/{rel} through SQL", "\n".join(rows))
    check("the run wrote request logs, error logs, main.log and databases",
          seen["request"] > 0 and seen["error"] > 0 and seen["main"] > 0 and seen["db"] > 0, repr(seen))
    check("the token store is the encrypted file", tokens_enc is not None and tokens_enc[:4] == b"SYTK")
    with open(cfg) as f:
        text = f.read()
    check("config.yaml holds the management key only as its hash",
          CANARY["mgmt-key"] not in text and "$2b$" in text)

    # ---- the search
    leaks = []
    for where, data, allowed in outputs:
        for leak in find_leaks(data, allowed):
            leaks.append(f"{where}: {leak}")
    searched = len(outputs)
    check(f"no canary in anything the run produced ({searched} outputs searched)", not leaks,
          *leaks[:LEAKS_SHOWN], *([f"... and {len(leaks) - LEAKS_SHOWN} more"] if len(leaks) > LEAKS_SHOWN else []))
    # The search itself finds what it looks for.
    probe = find_leaks(f"x {CANARY['gemini-key'][5:13]} {mask(CANARY['amp-key'])} {CANARY['amp-key'][-4:]}".encode())
    check("the search finds a piece and a bare tail, and lets a mask pass",
          len(probe) == 2 and probe[0].startswith("gemini-key") and probe[1].startswith("amp-key"), *probe)

    if failed == 0 and not os.environ.get("SY_CANARY_KEEP"):
        shutil.rmtree(top, ignore_errors=True)
    else:
        print(f"# kept in {top}", flush=True)
    print(f"1..{n}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        import traceback
        for line in traceback.format_exc().splitlines():
            print(f"# {line}")
        print("Bail out! the test crashed")
        sys.exit(1)
