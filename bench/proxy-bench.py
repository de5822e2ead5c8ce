#!/usr/bin/env python3
# proxy-bench.py: Switchyard against the floor (a direct call to the
# upstream) and the practical limit of a proxy hop (nginx as a plain reverse
# proxy), cell by cell, in the same run on the same machine. Run by
# bench/run.sh, which installs wrk and nginx and builds a release tree.
#
# The fake upstream is nginx returning canned bodies (JSON answers and SSE
# streams of N events for OpenAI chat, Claude messages and Gemini
# generateContent), so it is not the bottleneck. Load: wrk with a Lua body.
# Per cell: requests/s, p50/p99 latency, CPU seconds per 1,000 requests of
# the process under test (utime+stime from /proc), its peak RSS.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import fmt, free_port, status_kb, stop, wait_port

CLK_TCK = os.sysconf("SC_CLK_TCK")
PROMPT = [{"role": "user", "content": "Say hello"}]


# --- the fake upstream's answers -------------------------------------------

# Each answer formatted as its API writes it: OpenAI and Anthropic compact,
# Google with a space after each colon (decoders may read the usual shape
# faster, so the bench must not use a shape no upstream sends).
def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def google(obj):
    return json.dumps(obj, separators=(",", ": "))


def openai_json():
    return compact({"id": "chatcmpl-b", "object": "chat.completion", "created": 1, "model": "m",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there"},
                                    "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}})


def openai_sse(n):
    chunk = lambda delta, finish: "data: " + compact(
        {"id": "chatcmpl-b", "object": "chat.completion.chunk", "created": 1, "model": "m",
         "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}) + "\n\n"
    out = chunk({"role": "assistant", "content": ""}, None)
    out += "".join(chunk({"content": f"tok{i} "}, None) for i in range(n))
    out += chunk({}, "stop")
    return out + "data: [DONE]\n\n"


def claude_json():
    return compact({"id": "msg_b", "type": "message", "role": "assistant", "model": "m",
                       "content": [{"type": "text", "text": "Hello there"}], "stop_reason": "end_turn",
                       "stop_sequence": None, "usage": {"input_tokens": 5, "output_tokens": 2}})


def claude_sse(n):
    ev = lambda name, data: f"event: {name}\ndata: {compact(data)}\n\n"
    out = ev("message_start", {"type": "message_start", "message": {
        "id": "msg_b", "type": "message", "role": "assistant", "model": "m", "content": [],
        "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 5, "output_tokens": 0}}})
    out += ev("content_block_start", {"type": "content_block_start", "index": 0,
                                      "content_block": {"type": "text", "text": ""}})
    out += "".join(ev("content_block_delta", {"type": "content_block_delta", "index": 0,
                                              "delta": {"type": "text_delta", "text": f"tok{i} "}})
                   for i in range(n))
    out += ev("content_block_stop", {"type": "content_block_stop", "index": 0})
    out += ev("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                "usage": {"output_tokens": n}})
    return out + ev("message_stop", {"type": "message_stop"})


def gemini_json():
    return google({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hello there"}]},
                                       "finishReason": "STOP", "index": 0}],
                       "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 2, "totalTokenCount": 7},
                       "modelVersion": "gemini-m"})


def gemini_sse(n):
    # Gemini repeats usageMetadata (the prompt's count) in every chunk.
    part = lambda i, text, last: "data: " + google(
        {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"},
                         **({"finishReason": "STOP"} if last else {}), "index": 0}],
         "usageMetadata": {"promptTokenCount": 5, **({"candidatesTokenCount": n} if last else {}),
                           "totalTokenCount": n + 5 if last else 5},
         "modelVersion": "gemini-m", "responseId": "resp-b"}) + "\r\n\r\n"
    return "".join(part(i, f"tok{i} ", i == n - 1) for i in range(n))


def fake_upstream_conf(workdir, events):
    """nginx locations answering each upstream path with a canned body. The
    bodies are files (an SSE stream is too long for a config string); the
    static module refuses POST with 405, which error_page turns into the
    file with 200."""
    www = os.path.join(workdir, "www")
    os.makedirs(www, exist_ok=True)
    # nginx's workers (nobody, when started as root) must reach the files.
    os.chmod(workdir, 0o711)
    os.chmod(www, 0o755)

    def loc(path, name, body, ctype, regex=False):
        with open(os.path.join(www, name), "w") as f:
            f.write(body)
        return (f"    location {'~ ' if regex else '= '}{path} {{\n"
                f"      root {www};\n      default_type {ctype};\n"
                f"      try_files /{name} =404;\n      error_page 405 =200 $uri;\n    }}\n")
    js, sse = "application/json", "text/event-stream"
    # Where error_page sends the request on: the file itself, by GET.
    files = (f"    location ~ ^/[a-z]+\\.(json|sse)$ {{\n      root {www};\n"
             f"      types {{ {js} json; {sse} sse; }}\n    }}\n")
    return (files + loc("/json/v1/chat/completions", "openai.json", openai_json(), js)
            + loc("/stream/v1/chat/completions", "openai.sse", openai_sse(events), sse)
            + loc("/json/v1/messages", "claude.json", claude_json(), js)
            + loc("/stream/v1/messages", "claude.sse", claude_sse(events), sse)
            + loc(r"^/json/v1beta/models/[^/]+:generateContent$", "gemini.json", gemini_json(), js, True)
            + loc(r"^/stream/v1beta/models/[^/]+:streamGenerateContent$", "gemini.sse", gemini_sse(events),
                  sse, True))


def nginx_main_conf(workdir, port, body, workers):
    return f"""worker_processes {workers};
pid {workdir}/nginx-{port}.pid;
error_log {workdir}/nginx-{port}.err warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  client_body_buffer_size 64k;
  client_body_temp_path {workdir}/body-{port};
  proxy_temp_path {workdir}/proxy-{port};
  upstream fake {{ server 127.0.0.1:{body['fake_port']}; keepalive 256; }}
  server {{
    listen 127.0.0.1:{port};
{body['locations']}  }}
}}
"""


# --- the paths --------------------------------------------------------------

# name, client path, client body, upstream path (direct / nginx hop)
def paths(stream):
    s = "stream" if stream else "json"
    sfx = "-stream" if stream else ""
    gem = "streamGenerateContent?alt=sse" if stream else "generateContent"
    chat = lambda model: json.dumps({"model": model, "messages": PROMPT, "stream": stream})
    claude = lambda model: json.dumps({"model": model, "max_tokens": 256, "messages": PROMPT, "stream": stream})
    up_openai = (f"/{s}/v1/chat/completions", chat("m"))
    up_claude = (f"/{s}/v1/messages", claude("claude-m"))
    up_gemini = (f"/{s}/v1beta/models/gemini-m:{gem}",
                 json.dumps({"contents": [{"role": "user", "parts": [{"text": "Say hello"}]}]}))
    kind = "stream" if stream else "json"
    return [
        (f"pass-through {kind} (OpenAI -> OpenAI)", "/v1/chat/completions", chat("pt" + sfx), up_openai),
        (f"pass-through {kind}, 3 accounts round-robin", "/v1/chat/completions", chat("pt3" + sfx), up_openai),
        (f"translated {kind} (Claude -> OpenAI)", "/v1/messages", claude("pt" + sfx), up_openai),
        (f"translated {kind} (OpenAI -> Gemini)", "/v1/chat/completions", chat("gm" + sfx), up_gemini),
        (f"translated {kind} (Responses -> Claude)", "/v1/responses",
         json.dumps({"model": "cl" + sfx, "input": "Say hello", "stream": stream}), up_claude),
    ]


def switchyard_conf(port, fake):
    entries = lambda n: "\n".join(f'      - api-key: "sk-bench-{i}"' for i in range(n))
    oc = ""
    for name, base, alias, n in (("fake", "json", "pt", 1), ("fakes", "stream", "pt-stream", 1),
                                 ("fake3", "json", "pt3", 3), ("fake3s", "stream", "pt3-stream", 3)):
        oc += f"""  - name: {name}
    base-url: "http://127.0.0.1:{fake}/{base}/v1"
    api-key-entries:
{entries(n)}
    models:
      - name: m
        alias: {alias}
"""
    keyed = lambda kind, model, alias: "".join(
        f"""  - api-key: "sk-bench-{kind}-{base}"
    base-url: "http://127.0.0.1:{fake}/{base}"
    models:
      - name: {model}
        alias: {alias}{sfx}
""" for base, sfx in (("json", ""), ("stream", "-stream")))
    return f"""host: 127.0.0.1
port: {port}
openai-compatibility:
{oc}claude-api-key:
{keyed("claude", "claude-m", "cl")}gemini-api-key:
{keyed("gemini", "gemini-m", "gm")}"""


# --- processes ----------------------------------------------------------------

def cpu_ticks(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def start_nginx(workdir, port, locations, fake_port, workers):
    conf = os.path.join(workdir, f"nginx-{port}.conf")
    with open(conf, "w") as f:
        f.write(nginx_main_conf(workdir, port, {"locations": locations, "fake_port": fake_port}, workers))
    proc = subprocess.Popen(["nginx", "-p", workdir, "-c", conf, "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(port, proc=proc):
        raise RuntimeError(f"nginx did not start on {port}")
    return proc


# --- load ---------------------------------------------------------------------

def wrk(url_base, path, body, conc, duration, workdir):
    lua = os.path.join(workdir, "body.lua")
    with open(lua, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = {json.dumps(body)}\n")
    threads = max(1, min(conc, 2))
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(conc), "-d", f"{max(1, round(duration))}s", "--latency",
                          "-s", lua, url_base + path], capture_output=True, text=True)
    out = out.stdout + out.stderr
    if not re.search(r"Requests/sec:", out):
        raise RuntimeError(f"wrk {url_base + path}: {out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    reqs = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    lat = {}
    for pct, val, unit in re.findall(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)$", out, re.M):
        lat[pct] = float(val) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return {"rps": rps, "requests": reqs, "p50": lat.get("50"), "p99": lat.get("99"),
            "errors": int(errors.group(1)) if errors else 0}


def measure(target, path, body, conc, duration, workdir):
    before = cpu_ticks(target["pids"]()) if target["pids"] else 0
    r = wrk(target["url"], path, body, conc, duration, workdir)
    after = cpu_ticks(target["pids"]()) if target["pids"] else 0
    r["cpu_ms_per_1k"] = ((after - before) / CLK_TCK * 1000.0 / r["requests"] * 1000.0
                          if target["pids"] and r["requests"] else None)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--switchyard", required=True)
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--concurrency", default="1,16,64,256")
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--streams", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--out", default="bench/results")
    ap.add_argument("--hold", action="store_true",
                    help="start the fake upstream, the nginx hop and Switchyard, print where they listen "
                         "and wait (for profiling with perf or callgrind by hand)")
    args = ap.parse_args()
    concs = [int(c) for c in args.concurrency.split(",")]

    workdir = tempfile.mkdtemp(prefix="sy-bench-")
    procs = []
    try:
        fake_port, hop_port, sy_port = free_port(), free_port(), free_port()
        procs.append(start_nginx(workdir, fake_port, fake_upstream_conf(workdir, args.events), fake_port, 2))
        hop_locations = ("    location / {\n      proxy_pass http://fake;\n      proxy_http_version 1.1;\n"
                         "      proxy_set_header Connection \"\";\n      proxy_buffering off;\n    }\n")
        hop = start_nginx(workdir, hop_port, hop_locations, fake_port, 1)
        procs.append(hop)

        home = os.path.join(workdir, "home")
        os.makedirs(os.path.join(home, "config", "switchyard"))
        config = os.path.join(home, "config", "switchyard", "config.yaml")
        with open(config, "w") as f:
            f.write(switchyard_conf(sy_port, fake_port))
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
                   XDG_DATA_HOME=os.path.join(home, "data"), XDG_STATE_HOME=os.path.join(home, "state"),
                   XDG_CACHE_HOME=os.path.join(home, "cache"))
        env.pop("DISPLAY", None)
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        sy = subprocess.Popen([args.switchyard, "--headless", "--config", config], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "sy.log"), "w"))
        procs.append(sy)
        if not wait_port(sy_port, proc=sy):
            raise RuntimeError(f"Switchyard did not start: see {os.path.join(workdir, 'sy.log')}")
        time.sleep(1.0)
        idle_rss = status_kb(sy.pid, "VmRSS")

        targets = {
            "direct": {"url": f"http://127.0.0.1:{fake_port}", "pids": None},
            "nginx": {"url": f"http://127.0.0.1:{hop_port}", "pids": lambda: children(hop.pid)},
            "switchyard": {"url": f"http://127.0.0.1:{sy_port}", "pids": lambda: [sy.pid]},
        }
        if args.hold:
            print(f"fake upstream http://127.0.0.1:{fake_port}  nginx hop http://127.0.0.1:{hop_port}  "
                  f"Switchyard http://127.0.0.1:{sy_port} (pid {sy.pid}, config {config})", flush=True)
            for name, client_path, client_body, _ in paths(False) + paths(True):
                print(f"  {name}: POST {client_path} {client_body}")
            # Blocked first, so that sigwait takes them and the cleanup below runs.
            signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT, signal.SIGTERM])
            signal.sigwait([signal.SIGINT, signal.SIGTERM])
            return 0
        rows = []
        cells = paths(False) + (paths(True) if args.streams else [])
        for name, client_path, client_body, (up_path, up_body) in cells:
            for conc in concs:
                runs = {t: [] for t in targets}
                for _ in range(args.reps):
                    for t, target in targets.items():
                        if t == "switchyard":
                            runs[t].append(measure(target, client_path, client_body, conc, args.duration, workdir))
                        else:
                            runs[t].append(measure(target, up_path, up_body, conc, args.duration, workdir))
                row = {"path": name, "c": conc}
                for t, rs in runs.items():
                    for key in ("rps", "p50", "p99", "cpu_ms_per_1k"):
                        vals = [r[key] for r in rs if r[key] is not None]
                        row[f"{t}_{key}"] = statistics.median(vals) if vals else None
                        row[f"{t}_{key}_spread"] = (max(vals) - min(vals)) if len(vals) > 1 else 0.0
                    row[f"{t}_errors"] = sum(r["errors"] for r in rs)
                rows.append(row)
                print(f"{name:48} c={conc:<4} sy {row['switchyard_rps']:9.0f}/s "
                      f"nginx {row['nginx_rps']:9.0f}/s direct {row['direct_rps']:9.0f}/s "
                      f"cpu sy {row['switchyard_cpu_ms_per_1k'] or 0:7.1f} ms/1k nginx "
                      f"{row['nginx_cpu_ms_per_1k'] or 0:6.1f} ms/1k", flush=True)
        peak_rss = status_kb(sy.pid, "VmHWM")
        report(rows, idle_rss, peak_rss, args)
    finally:
        stop(procs)
        shutil.rmtree(workdir, ignore_errors=True)


def report(rows, idle_rss, peak_rss, args):
    os.makedirs(args.out, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d")
    tsv = os.path.join(args.out, "proxy-bench.tsv")
    keys = list(rows[0].keys())
    with open(tsv, "w") as f:
        f.write("\t".join(keys) + "\n")
        for r in rows:
            f.write("\t".join("" if r[k] is None else str(r[k]) for k in keys) + "\n")
    md = [f"Run {stamp} on {os.cpu_count()} CPUs ({platform_line()}); {args.duration:g} s per cell, "
          f"{args.reps} repetition(s), medians; SSE streams of {args.events} events.",
          "",
          f"Switchyard idle RSS (headless): {idle_rss / 1024:.1f} MB; peak RSS over the run: {peak_rss / 1024:.1f} MB.",
          "",
          "| path | c | req/s direct | req/s nginx | req/s Switchyard | Sy / nginx | p50 ms +direct: nginx / Sy "
          "| p99 ms nginx / Sy | CPU ms per 1k req nginx / Sy | Sy CPU / nginx |",
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        added = lambda t: None if r[f"{t}_p50"] is None or r["direct_p50"] is None else r[f"{t}_p50"] - r["direct_p50"]
        ratio = lambda a, b: None if not a or not b else a / b
        md.append(f"| {r['path']} | {r['c']} | {fmt(r['direct_rps'], 0)} | {fmt(r['nginx_rps'], 0)} | "
                  f"{fmt(r['switchyard_rps'], 0)} | {fmt(ratio(r['switchyard_rps'], r['nginx_rps']), 2)} | "
                  f"{fmt(added('nginx'), 2)} / {fmt(added('switchyard'), 2)} | "
                  f"{fmt(r['nginx_p99'], 2)} / {fmt(r['switchyard_p99'], 2)} | "
                  f"{fmt(r['nginx_cpu_ms_per_1k'], 1)} / {fmt(r['switchyard_cpu_ms_per_1k'], 1)} | "
                  f"{fmt(ratio(r['switchyard_cpu_ms_per_1k'], r['nginx_cpu_ms_per_1k']), 2)} |")
    errors = sum(r[f"{t}_errors"] for r in rows for t in ("direct", "nginx", "switchyard"))
    if errors:
        md.append("")
        md.append(f"**{errors} non-2xx answers during the run** (see the TSV's *_errors columns).")
    with open(os.path.join(args.out, "proxy-bench.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


def platform_line():
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        model = "unknown CPU"
    return model


if __name__ == "__main__":
    sys.exit(main())
