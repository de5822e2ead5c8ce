#!/usr/bin/env python3
# test-crash.py: kill -9 at random moments, then check what was kept (TAP)
#
# The real `switchyard --headless` binary is killed with SIGKILL again and
# again while it writes, and every file it keeps is checked after each kill
# and after the restart that follows:
#
#  tokens   three Claude logins (token-store: file) whose access tokens live
#           one second, so they are renewed all the time by a fake token
#           endpoint that rotates refresh tokens; the kill comes a few
#           milliseconds after the fake handed out a new one. The refresh
#           token kept must be the newest or the one it replaced (both are
#           taken by the fake, nothing else is), and after the restart every
#           login must serve a request.
#  config   management PUTs in a loop; after the kill config.yaml must load
#           and hold, for each setting, the last acknowledged value or the
#           one being written; no temporary file of a killed write is left.
#  usage    steady requests through three API keys of a fake upstream (some
#           answered 429, so account cooldowns are saved too); usage.db must
#           pass `PRAGMA integrity_check` and hold every request whose answer
#           the client had more than a second before the kill, each once.
#
# After every kill accounts.json and the account-state file must parse.
#
# Env: SY_BINARY (the switchyard binary); SY_CRASH_KILLS (kills per scenario,
# default 25; 10 under ASan, where each start takes seconds); SY_CRASH_SEED (to replay a run: the seed is printed);
# SY_CRASH_ONLY (tokens, config or usage: that scenario alone).
# SPDX-License-Identifier: GPL-3.0-or-later

import glob
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SY = os.environ.get("SY_BINARY")
KILLS = int(os.environ.get("SY_CRASH_KILLS", "10" if "ASAN_OPTIONS" in os.environ else "25"))
ONLY = os.environ.get("SY_CRASH_ONLY", "")
SEED = int(os.environ.get("SY_CRASH_SEED", str(int(time.time() * 1000) % 1000000)))
MGMT_KEY = "crash-test-management-key-0123456789"
CLAUDE_MODEL = "claude-sonnet-4-5-20250929"
LOGINS = ["crash0", "crash1", "crash2"]
UPSTREAM_KEYS = ["sk-crash-up-aaaa", "sk-crash-up-bbbb", "sk-crash-up-cccc"]
BUSY_KEY = "sk-crash-up-busy"
START_TIMEOUT = 60.0
# What the requirement allows a kill to lose: the records of the last second.
USAGE_WINDOW = 1.0

rng = random.Random(SEED)
n = 0
failed = 0


def report(ok, name, why=""):
    global n, failed
    n += 1
    if ok:
        print(f"ok {n} {name}", flush=True)
    else:
        failed += 1
        print(f"not ok {n} {name}", flush=True)
        for line in str(why).splitlines():
            print(f"# {line}", flush=True)


def note(text):
    print(f"# {text}", flush=True)


# --------------------------------------------------------------------------
# The fake upstream: Claude's token endpoint and API, an OpenAI-compatible
# chat endpoint. Handlers run on their own threads; all state is under lock.

class Upstream:
    def __init__(self):
        self.lock = threading.Condition()
        self.chains = {}        # login -> {"n", "newest", "prev"}: refresh tokens taken
        self.access = {}        # access token -> login
        self.issued = 0         # refresh tokens handed out, all logins
        self.refused = []       # refresh tokens presented that were not taken
        self.served = set()     # logins whose access token served a request
        self.bad_auth = []
        self.busy_calls = 0

    def add_login(self, login):
        with self.lock:
            self.chains[login] = {"n": 0, "newest": f"rt-{login}-0", "prev": None}
            self.access[f"at-{login}-0"] = login

    def taken(self, login):
        with self.lock:
            c = self.chains[login]
            return {c["newest"], c["prev"]} - {None}

    def refresh(self, token):
        with self.lock:
            m = re.fullmatch(r"rt-(\w+)-(\d+)", token or "")
            c = self.chains.get(m.group(1)) if m else None
            if c is None or token not in (c["newest"], c["prev"]):
                self.refused.append(token)
                return None
            login = m.group(1)
            c["n"] += 1
            # The token just presented stays good until the next one is
            # presented: a client killed before it kept the answer can
            # still renew with it.
            c["prev"], c["newest"] = token, f"rt-{login}-{c['n']}"
            access = f"at-{login}-{c['n']}"
            self.access[access] = login
            self.issued += 1
            self.lock.notify_all()
            return {"access_token": access, "refresh_token": c["newest"], "token_type": "Bearer",
                    "expires_in": 1, "account": {"email_address": f"{login}@example.com"}}

    def wait_issued(self, count, timeout):
        with self.lock:
            return self.lock.wait_for(lambda: self.issued >= count, timeout)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True     # headers and body go in two writes
    up = None

    def log_message(self, *args):
        pass

    def answer(self, status, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        up = Handler.up
        path = self.path.split("?")[0]
        seq = re.search(rb"seq-(\d+)", raw)
        seq = int(seq.group(1)) if seq else 0
        if path == "/v1/oauth/token":
            try:
                fields = json.loads(raw)
            except ValueError:
                fields = dict(urllib.parse.parse_qsl(raw.decode()))
            renewal = fields.get("grant_type") == "refresh_token"
            answer = up.refresh(fields.get("refresh_token")) if renewal else None
            if answer is None:
                self.answer(400, {"error": "invalid_grant"})
            else:
                self.answer(200, answer)
        elif path == "/v1/messages":
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            with up.lock:
                login = up.access.get(token)
                if login is None:
                    up.bad_auth.append(token[:12])
                else:
                    up.served.add(login)
            if login is None:
                self.answer(401, {"type": "error", "error": {"type": "authentication_error",
                                                             "message": "invalid token"}})
                return
            self.answer(200, {"id": "msg_crash", "type": "message", "role": "assistant",
                              "model": CLAUDE_MODEL, "content": [{"type": "text", "text": "ok"}],
                              "stop_reason": "end_turn", "stop_sequence": None,
                              "usage": {"input_tokens": seq, "output_tokens": 1}})
        elif path == "/v1/chat/completions":
            if self.headers.get("Authorization") == f"Bearer {BUSY_KEY}":
                # Every other call a 429: that account cools down and comes
                # back, over and over, so the account-state file is written.
                with up.lock:
                    up.busy_calls += 1
                    busy = up.busy_calls % 2 == 1
                if busy:
                    self.answer(429, {"error": {"message": "slow down", "type": "rate_limit_error"}},
                                [("Retry-After", "1")])
                    return
            self.answer(200, {"id": "chatcmpl-crash", "object": "chat.completion", "created": 0,
                              "model": "echo",
                              "choices": [{"index": 0, "finish_reason": "stop",
                                           "message": {"role": "assistant", "content": "ok"}}],
                              "usage": {"prompt_tokens": seq, "completion_tokens": 1,
                                        "total_tokens": seq + 1}})
        else:
            self.answer(404, {"error": "no such route"})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass        # connections cut by the kills


# --------------------------------------------------------------------------
# The binary

class Switchyard:
    def __init__(self, home, config, extra_env=None):
        self.home = home
        self.config = config
        self.env = dict(os.environ)
        for k in ("DBUS_SESSION_BUS_ADDRESS", "MANAGEMENT_PASSWORD", "SWITCHYARD_MASTER_KEY"):
            self.env.pop(k, None)
        self.env.update({
            "HOME": f"{home}/home",
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_DATA_HOME": f"{home}/data",
            "XDG_STATE_HOME": f"{home}/state",
            "XDG_CACHE_HOME": f"{home}/cache",
            "XDG_RUNTIME_DIR": f"{home}/run",
            # No keyring: the token file keeps its own key in tokens.key.
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={home}/no-bus",
        })
        self.env.update(extra_env or {})
        for d in ("home", "config", "data", "state", "cache", "run"):
            os.makedirs(f"{home}/{d}", mode=0o700, exist_ok=True)
        self.proc = None
        self.url = None
        self.port = None
        self.log = []

    def run(self, *args):
        return subprocess.run([SY, *args, "--config", self.config], env=self.env, capture_output=True,
                              text=True, timeout=120)

    def _read(self, proc, listening, log):
        for line in proc.stdout:
            log.append(line.rstrip("\n"))
            m = re.search(r"Listening on (http://[^ ]+)", line)
            if m and not listening.is_set():
                self.url = m.group(1).rstrip("/")
                listening.set()
        listening.set()

    def start(self):
        listening = threading.Event()
        self.log = []
        self.url = None
        self.proc = subprocess.Popen([SY, "--headless", "--port", "0", "--config", self.config],
                                     env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, text=True, errors="replace")
        self.reader = threading.Thread(target=self._read, args=(self.proc, listening, self.log), daemon=True)
        self.reader.start()
        listening.wait(START_TIMEOUT)
        if self.url is None:
            self.kill()
            return False
        self.port = int(self.url.rsplit(":", 1)[1])
        return True

    def kill(self):
        if self.proc is None:
            return
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.reader.join(10)
        self.proc = None

    def stop(self):
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(60)
        self.reader.join(10)
        self.proc = None
        return rc

    def tail(self, lines=15):
        return "\n".join(self.log[-lines:])


def request(port, method, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
        resp = conn.getresponse()
        text = resp.read()
        return resp.status, text
    finally:
        conn.close()


def json_files_ok(paths):
    """The JSON files among @paths that exist and do not parse (name: why)."""
    bad = []
    for path in paths:
        try:
            with open(path, "rb") as f:
                json.load(f)
        except FileNotFoundError:
            pass
        except ValueError as e:
            bad.append(f"{os.path.basename(path)}: {e}")
    return bad


def state_files(home):
    return glob.glob(f"{home}/state/switchyard/*.json")


def temp_files(*dirs):
    """Files that look like the temporary file of an atomic write: ours
    (.NAME.XXXXXX.tmp), GLib's (NAME.XXXXXX), GIO's (.goutputstream-XXXXXX)."""
    found = []
    for d in dirs:
        for name in os.listdir(d) if os.path.isdir(d) else []:
            if re.fullmatch(r"\..+\.\w{6}\.tmp|.+\.(json|yaml|enc|key)\.\w{6}|\.goutputstream-\w{6}", name):
                found.append(os.path.join(d, name))
    return sorted(found)


def check_temp_files(what, sy, dirs):
    """What kills left is only temporary files the next start recognizes,
    and it removes them once they are old enough to be nobody's write under
    way (a minute: the files' clocks are turned back rather than waited
    for), while a young one, maybe another process's write, stays."""
    left = temp_files(*dirs)
    foreign = [p for p in left if not re.fullmatch(r"\..+\.\w{6}\.tmp", os.path.basename(p))]
    for p in left:
        st = os.stat(p)
        os.utime(p, (st.st_atime - 120, st.st_mtime - 120))
    young = os.path.join(dirs[0], ".config.yaml.Young1.tmp")
    with open(young, "w") as f:
        f.write("a write under way\n")
    started = sy.start()
    rc = sy.stop() if started else None
    after = temp_files(*dirs)
    report(started and not foreign and after == [young],
           f"{what}: the temporary files kills left ({len(left)}) are removed at the next start, "
           "a young one is kept",
           f"left: {[os.path.basename(p) for p in left]}; "
           f"after the restart: {[os.path.basename(p) for p in after]}\n{sy.tail()}")
    # SIGTERM as soon as it said where it listens: a clean stop all the same.
    report(rc == 0, f"{what}: SIGTERM right after the start exits 0", f"exit {rc}\n{sy.tail()}")
    os.unlink(young)
    return len(left)


# --------------------------------------------------------------------------
# (a) Token renewal

def scenario_tokens(up, base):
    home = f"{base}/tokens"
    cfgdir = f"{home}/config/switchyard"   # the default config: default file names
    os.makedirs(f"{home}/import", exist_ok=True)
    os.makedirs(cfgdir, exist_ok=True)
    cfg = f"{cfgdir}/config.yaml"
    with open(cfg, "w") as f:
        f.write(f"port: 0\ntoken-store: file\nendpoints:\n  claude: {{api: \"http://127.0.0.1:{up.port}\"}}\n")
    for login in LOGINS:
        up.add_login(login)
        with open(f"{home}/import/claude-{login}.json", "w") as f:
            json.dump({"type": "claude", "email": f"{login}@example.com", "prefix": login,
                       "access_token": f"at-{login}-0", "refresh_token": f"rt-{login}-0",
                       "expired": "2020-01-01T00:00:00Z"}, f)
    sy = Switchyard(home, cfg)
    out = sy.run("--import-auth", f"{home}/import")
    if out.returncode != 0 or not os.path.exists(f"{home}/data/switchyard/tokens.enc"):
        report(False, "tokens: import the logins", out.stdout + out.stderr)
        return
    kept_prev = 0
    problems = []
    unusable = []
    for k in range(KILLS):
        if not sy.start():
            problems.append(f"kill {k}: did not start again:\n{sy.tail()}")
            break
        # Every login serves after the restart: a request per login (by its
        # prefix), answered with that login's own access token.
        with up.lock:
            up.served.clear()
        for login in LOGINS:
            try:
                status, text = request(sy.port, "POST", "/v1/messages",
                                       {"model": f"{login}/{CLAUDE_MODEL}", "max_tokens": 8,
                                        "messages": [{"role": "user", "content": "hi"}]},
                                       {"anthropic-version": "2023-06-01"})
            except OSError as e:
                status, text = 0, str(e).encode()
            if status != 200:
                unusable.append(f"kill {k}: {login}: {status} {text[:200]!r}")
        with up.lock:
            if up.served != set(LOGINS):
                unusable.append(f"kill {k}: served by {sorted(up.served)}")
            issued = up.issued
        # The kill: a few milliseconds after the fake handed out a token,
        # while Switchyard reads the answer and stores it.
        if not up.wait_issued(issued + rng.randint(1, 4), 30):
            problems.append(f"kill {k}: no renewal within 30 s:\n{sy.tail()}")
            sy.kill()
            break
        time.sleep(rng.uniform(0, 0.012))
        sy.kill()

        bad = json_files_ok([f"{cfgdir}/accounts.json", *state_files(home)])
        if bad:
            problems.append(f"kill {k}: " + "; ".join(bad))
        export = f"{home}/export-{k}"
        out = sy.run("--export-auth", export)
        if out.returncode != 0:
            problems.append(f"kill {k}: --export-auth failed: {out.stderr.strip()}")
            continue
        for login in LOGINS:
            path = f"{export}/claude-{login}@example.com.json"
            try:
                with open(path) as f:
                    kept = json.load(f).get("refresh_token")
            except (OSError, ValueError) as e:
                problems.append(f"kill {k}: {login}: {e}")
                continue
            taken = up.taken(login)
            if kept not in taken:
                problems.append(f"kill {k}: {login} kept {kept}, the fake takes {sorted(taken)}")
            elif kept != up.chains[login]["newest"]:
                kept_prev += 1
        shutil.rmtree(export, ignore_errors=True)

    if not os.path.exists(f"{cfgdir}/accounts.json"):
        problems.append("accounts.json was never written")
    report(not problems and not up.refused,
           f"tokens: after {KILLS} kills during renewals every kept refresh token is the newest or the one before",
           "\n".join(problems[:10] + [f"refused by the fake: {t}" for t in up.refused[:5]]))
    report(not unusable and not up.bad_auth, "tokens: after every restart each login serves a request",
           "\n".join(unusable[:10] + [f"a token the fake never issued: {t}..." for t in up.bad_auth[:5]]))
    note(f"tokens: {up.issued} refresh tokens issued; {kept_prev} times a kill kept the previous one "
         f"(the new one was not stored yet)")
    check_temp_files("tokens", sy, [cfgdir, f"{home}/data/switchyard", f"{home}/state/switchyard"])


# --------------------------------------------------------------------------
# (b) Config writes from the management API

CONFIG_ROUTES = [
    # route, JSON value for step i, the GET answer's form of it
    ("request-retry", lambda i: i % 1000, lambda v: v),
    ("max-retry-interval", lambda i: 1000 + i % 100000, lambda v: v),
    ("api-keys", lambda i: [f"sk-crash-client-{i:06d}"], lambda v: [f"sk-...{v[0][-4:]}"]),
]


def scenario_config(up, base):
    home = f"{base}/config"
    cfgdir = f"{home}/config/switchyard"   # the default config: default file names
    os.makedirs(cfgdir, exist_ok=True)
    cfg = f"{cfgdir}/config.yaml"
    with open(cfg, "w") as f:
        f.write("# written by test-crash.py\nport: 0\n"
                "request-retry: 0   # kept by the edits\n"
                "max-retry-interval: 1000\n"
                f"api-keys: [\"sk-crash-client-000000\"]\n"
                f"openai-compatibility:\n  - name: fake\n    base-url: \"http://127.0.0.1:{up.port}/v1\"\n"
                "    models: [{name: echo}]\n")
    sy = Switchyard(home, cfg, {"MANAGEMENT_PASSWORD": MGMT_KEY})
    auth = {"Authorization": f"Bearer {MGMT_KEY}"}
    # For each route: the last value acknowledged and the one being written.
    acked = {route: form(value(0)) for route, value, form in CONFIG_ROUTES}
    pending = dict(acked)
    step = [0]
    problems = []
    writes = 0
    for k in range(KILLS):
        if not sy.start():
            problems.append(f"kill {k}: config.yaml did not load:\n{sy.tail()}")
            break
        for route, _, _ in CONFIG_ROUTES:
            try:
                status, text = request(sy.port, "GET", f"/v0/management/{route}", headers=auth)
                got = json.loads(text).get(route) if status == 200 else f"status {status}"
            except (OSError, ValueError) as e:
                got = str(e)
            if got not in (acked[route], pending[route]):
                problems.append(f"kill {k}: {route} is {got!r}, not {acked[route]!r} (acknowledged) "
                                f"or {pending[route]!r} (being written)")
            # Whatever survived is the base for what follows.
            acked[route] = pending[route] = got

        stop = threading.Event()
        done = [0]

        def writer(port):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                while not stop.is_set():
                    step[0] += 1
                    route, value, form = CONFIG_ROUTES[step[0] % len(CONFIG_ROUTES)]
                    v = value(step[0])
                    pending[route] = form(v)
                    body = {"items": v} if isinstance(v, list) else {"value": v}
                    conn.request("PUT", f"/v0/management/{route}", body=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **auth})
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status != 200:
                        problems.append(f"kill {k}: PUT {route} answered {resp.status}")
                        return
                    acked[route] = pending[route]
                    done[0] += 1
            except (OSError, http.client.HTTPException):
                pass        # the kill
            finally:
                conn.close()

        t = threading.Thread(target=writer, args=(sy.port,), daemon=True)
        t.start()
        time.sleep(rng.uniform(0.05, 0.5))
        sy.kill()
        stop.set()
        t.join(30)
        writes += done[0]
        bad = json_files_ok([f"{cfgdir}/accounts.json", *state_files(home)])
        if bad:
            problems.append(f"kill {k}: " + "; ".join(bad))

    report(not problems, f"config: after {KILLS} kills during management writes config.yaml loads and "
           "holds the acknowledged value or the one being written",
           "\n".join(problems[:10]))
    note(f"config: {writes} writes acknowledged")
    check_temp_files("config", sy, [cfgdir, f"{home}/state/switchyard"])


# --------------------------------------------------------------------------
# (c) Usage records

def scenario_usage(up, base):
    home = f"{base}/usage"
    cfgdir = f"{home}/config/switchyard"   # the default config: default file names
    os.makedirs(cfgdir, exist_ok=True)
    cfg = f"{cfgdir}/config.yaml"
    entries = "".join(f"      - api-key: \"{key}\"\n" for key in UPSTREAM_KEYS)
    with open(cfg, "w") as f:
        f.write(f"port: 0\nopenai-compatibility:\n  - name: fake\n"
                f"    base-url: \"http://127.0.0.1:{up.port}/v1\"\n"
                f"    api-key-entries:\n{entries}    models: [{{name: echo}}]\n"
                f"  - name: busy\n    base-url: \"http://127.0.0.1:{up.port}/v1\"\n"
                f"    api-key-entries: [{{api-key: \"{BUSY_KEY}\"}}]\n    models: [{{name: busy}}]\n")
    db_path = f"{home}/data/switchyard/usage.db"
    sy = Switchyard(home, cfg)
    seq = [0]
    lock = threading.Lock()
    problems = []
    acked_total = 0
    lost_total = 0
    worst_lost = 0.0     # the oldest answer a kill lost, seconds before the kill
    for k in range(KILLS):
        if not sy.start():
            problems.append(f"kill {k}: did not start again:\n{sy.tail()}")
            break
        acks = {}            # seq -> monotonic time the client had the answer
        first = threading.Event()
        stop = threading.Event()

        def client(port):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                while not stop.is_set():
                    with lock:
                        seq[0] += 1
                        s = seq[0]
                    body = json.dumps({"model": "echo", "messages": [{"role": "user", "content": f"seq-{s}"}]})
                    conn.request("POST", "/v1/chat/completions", body=body.encode(),
                                 headers={"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status == 200:
                        with lock:
                            acks[s] = time.monotonic()
                        first.set()
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()

        def busy(port):
            # Paced, not synchronising: a request to the cooling account
            # now and then, answered 429 by Switchyard until it is back.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                while not stop.is_set():
                    conn.request("POST", "/v1/chat/completions", body=b'{"model":"busy","messages":[]}',
                                 headers={"Content-Type": "application/json"})
                    conn.getresponse().read()
                    stop.wait(0.05)
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()

        threads = [threading.Thread(target=client, args=(sy.port,), daemon=True) for _ in range(2)]
        threads.append(threading.Thread(target=busy, args=(sy.port,), daemon=True))
        for t in threads:
            t.start()
        if not first.wait(30):
            problems.append(f"kill {k}: no request answered:\n{sy.tail()}")
        # Long enough that answers older than the window exist.
        time.sleep(rng.uniform(USAGE_WINDOW + 0.1, USAGE_WINDOW + 0.7))
        with lock:
            killed_at = time.monotonic()
        sy.kill()
        stop.set()
        for t in threads:
            t.join(30)
        bad = json_files_ok([f"{cfgdir}/accounts.json", *state_files(home)])
        if bad:
            problems.append(f"kill {k}: " + "; ".join(bad))

        try:
            db = sqlite3.connect(f"file:{db_path}?mode=rw", uri=True)
            try:
                check = db.execute("PRAGMA integrity_check").fetchone()[0]
                rows = [r[0] for r in db.execute("SELECT input_tokens FROM requests"
                                                 " WHERE status = 200 AND model_asked = 'echo'")]
            finally:
                db.close()
        except sqlite3.Error as e:
            problems.append(f"kill {k}: usage.db: {e}")
            continue
        if check != "ok":
            problems.append(f"kill {k}: integrity_check: {check}")
        present = set(rows)
        if len(rows) != len(present):
            problems.append(f"kill {k}: {len(rows) - len(present)} records twice")
        missing = [s for s, t in acks.items() if s not in present and killed_at - t > USAGE_WINDOW]
        if missing:
            problems.append(f"kill {k}: {len(missing)} of {len(acks)} answers older than "
                            f"{USAGE_WINDOW} s are not in usage.db (oldest "
                            f"{max(killed_at - acks[s] for s in missing):.3f} s before the kill)")
        lost = [killed_at - t for s, t in acks.items() if s not in present]
        acked_total += len(acks)
        lost_total += len(lost)
        worst_lost = max([worst_lost, *lost])

    if not state_files(home):
        problems.append("the account-state file was never written")
    report(not problems, f"usage: after {KILLS} kills under load usage.db is intact and has every answer "
           f"older than {USAGE_WINDOW} s, once", "\n".join(problems[:10]))
    note(f"usage: {acked_total} answers, {lost_total} not recorded at their kill; "
         f"the oldest of those was answered {worst_lost:.3f} s before the kill")
    check_temp_files("usage", sy, [cfgdir, f"{home}/state/switchyard"])


def main():
    print("TAP version 13", flush=True)
    if not SY:
        print("1..0 # SKIP SY_BINARY is not set")
        return 0
    note(f"seed {SEED} (SY_CRASH_SEED replays it), {KILLS} kills per scenario")
    up = Upstream()
    Handler.up = up
    server = Server(("127.0.0.1", 0), Handler)
    up.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = tempfile.mkdtemp(prefix="sy-crash.")
    try:
        for scenario in (scenario_tokens, scenario_config, scenario_usage):
            if ONLY and ONLY not in scenario.__name__:
                continue
            t0 = time.monotonic()
            scenario(up, base)
            note(f"{scenario.__name__}: {time.monotonic() - t0:.1f} s")
    finally:
        server.shutdown()
        shutil.rmtree(base, ignore_errors=True)
    print(f"1..{n}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
