#!/usr/bin/env python3
# stream-bench.py: what the throughput cells of proxy-bench.py cannot show.
# Run by bench/run.sh after proxy-bench.py; prints Markdown and writes
# bench/results/stream-bench.md and .tsv.
#
#  - Paced streams: a fake upstream (in this process) sends an SSE event
#    every --interval ms and notes when; the client (in this process too,
#    one clock) notes when each event arrives. Time to the first event and
#    each event's delay, direct / through nginx / through Switchyard
#    (pass-through, and translated OpenAI upstream -> Claude client), at
#    1 and 16 concurrent streams.
#  - A 50 MB stream, pass-through and translated: Switchyard's RSS before,
#    its peak during, and the rate.
#  - 1,000 concurrent open streams: Switchyard's RSS while all are open.
#  - Reload: from a config write to the new model being served.
#  - Idle RSS with the tray (--tray BINARY, run inside a desktop session).
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import fmt, free_port, pss_kb, status_kb, stop, wait_port

MARK = re.compile(rb"ev(\d+)ev")


def pct(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


# --- the fake upstream ----------------------------------------------------------


class Fake:
    """POST <mode>/v1/chat/completions -> an OpenAI SSE stream, close-delimited.
    Modes: /paced (events every interval), /bulk (bulk_mb of events at once),
    /hold (an event a second until released). The stream id is the user
    message's text; sent[id][i] is when event i was written."""

    def __init__(self, events, interval_ms, bulk_mb):
        self.events, self.interval, self.bulk_mb = events, interval_ms / 1000.0, bulk_mb
        self.sent = {}
        self.release = asyncio.Event()
        self.open_streams = 0

    @staticmethod
    def chunk(text):
        return ("data: " + json.dumps({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                                       "choices": [{"index": 0, "delta": {"content": text},
                                                    "finish_reason": None}]},
                                      separators=(",", ":")) + "\n\n").encode()

    async def handle(self, reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
            body = json.loads(await reader.readexactly(length))
            path = head.split(b" ", 2)[1].decode()
            sid = body["messages"][-1]["content"]
            if isinstance(sid, list):
                sid = sid[0]["text"]
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
            sent = self.sent.setdefault(sid, {})
            if path.startswith("/paced/"):
                for i in range(self.events):
                    if i:
                        await asyncio.sleep(self.interval)
                    writer.write(self.chunk(f"ev{i}ev "))
                    sent[i] = time.monotonic_ns()
                    await writer.drain()
            elif path.startswith("/bulk/"):
                piece = self.chunk("x" * 1000)
                n = self.bulk_mb * 1024 * 1024 // len(piece)
                for i in range(n):
                    writer.write(piece)
                    if i % 64 == 0:
                        await writer.drain()
            elif path.startswith("/hold/"):
                self.open_streams += 1
                i = 0
                while not self.release.is_set():
                    writer.write(self.chunk(f"ev{i}ev "))
                    await writer.drain()
                    i += 1
                    try:
                        await asyncio.wait_for(self.release.wait(), 1.0)
                    except asyncio.TimeoutError:
                        pass
                self.open_streams -= 1
            final = json.dumps({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                                "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}},
                               separators=(",", ":"))
            writer.write(f"data: {final}\n\ndata: [DONE]\n\n".encode())
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


# --- the client -------------------------------------------------------------------


async def stream(port, path, body, on_data):
    """POSTs @body; calls on_data(bytes) with the decoded body as it comes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body).encode()
    writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if status != 200:
        raise RuntimeError(f"{path}: HTTP {status}: {head + await reader.read(2000)!r}")
    chunked = re.search(rb"(?i)transfer-encoding:\s*chunked", head) is not None
    try:
        if not chunked:
            while True:
                got = await reader.read(65536)
                if not got:
                    break
                on_data(got)
        else:
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    break
                on_data(await reader.readexactly(size))
                await reader.readexactly(2)
    finally:
        writer.close()


def request_for(kind, model, sid):
    if kind == "claude":
        return "/v1/messages", {"model": model, "max_tokens": 64, "stream": True,
                                "messages": [{"role": "user", "content": sid}]}
    return "/v1/chat/completions", {"model": model, "stream": True,
                                    "messages": [{"role": "user", "content": sid}]}


async def paced_run(fake, port, kind, model, path_prefix, streams, conc):
    """@streams paced streams, @conc at a time: first-event times and per-event delays (ms)."""
    firsts, delays = [], []
    sem = asyncio.Semaphore(conc)
    counter = [0]

    async def one():
        async with sem:
            counter[0] += 1
            sid = f"s{id(fake)}-{port}-{counter[0]}-{time.monotonic_ns()}"
            path, body = request_for(kind, model, sid)
            got = {}
            buf = bytearray()

            def on_data(b):
                now = time.monotonic_ns()
                buf.extend(b)
                for m in MARK.finditer(buf):
                    got.setdefault(int(m.group(1)), now)
                # keep only an unfinished tail
                cut = buf.rfind(b"\n\n")
                if cut >= 0:
                    del buf[:cut + 2]

            t0 = time.monotonic_ns()
            await stream(port, path_prefix + path, body, on_data)
            sent = fake.sent.pop(sid, {})
            if 0 in got:
                firsts.append((got[0] - t0) / 1e6)
            delays.extend((got[i] - sent[i]) / 1e6 for i in got if i in sent and i > 0)

    await asyncio.gather(*(one() for _ in range(streams)))
    return firsts, delays


# --- Switchyard --------------------------------------------------------------------


def switchyard_conf(port, fake_port, extra_alias=None):
    out = f"host: 127.0.0.1\nport: {port}\nopenai-compatibility:\n"
    for mode in ("paced", "bulk", "hold"):
        out += (f"  - name: fake-{mode}\n    base-url: \"http://127.0.0.1:{fake_port}/{mode}/v1\"\n"
                f"    api-key-entries:\n      - api-key: \"sk-bench-{mode}\"\n"
                f"    models:\n      - name: m\n        alias: {mode}\n")
        if extra_alias and mode == "paced":
            out += f"      - name: m\n        alias: {extra_alias}\n"
    return out


def start_switchyard(binary, workdir, port, fake_port, env_extra=None, args=("--headless",)):
    home = os.path.join(workdir, "home")
    os.makedirs(os.path.join(home, "config", "switchyard"), exist_ok=True)
    config = os.path.join(home, "config", "switchyard", "config.yaml")
    with open(config, "w") as f:
        f.write(switchyard_conf(port, fake_port))
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"),
               XDG_DATA_HOME=os.path.join(home, "data"), XDG_STATE_HOME=os.path.join(home, "state"),
               XDG_CACHE_HOME=os.path.join(home, "cache"))
    if env_extra is None:
        env.pop("DISPLAY", None)
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    else:
        env.update(env_extra)
    proc = subprocess.Popen([binary, *args, "--config", config], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(workdir, f"sy-{port}.log"), "w"))
    if wait_port(port, 20, proc):
        return proc, config
    raise RuntimeError(f"Switchyard did not start: {open(os.path.join(workdir, f'sy-{port}.log')).read()}")


def start_nginx_hop(workdir, port, fake_port):
    conf = os.path.join(workdir, "hop.conf")
    os.chmod(workdir, 0o711)
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1;
pid {workdir}/hop.pid;
error_log {workdir}/hop.err warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/hop-body;
  proxy_temp_path {workdir}/hop-proxy;
  upstream fake {{ server 127.0.0.1:{fake_port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{ proxy_pass http://fake; proxy_http_version 1.1;
      proxy_set_header Connection ""; proxy_buffering off; }}
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-p", workdir, "-c", conf, "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait_port(port, 10, proc):
        return proc
    raise RuntimeError("nginx did not start")


async def models_has(port, name):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    await writer.drain()
    data = await reader.read()
    writer.close()
    return f'"{name}"'.encode() in data


async def reload_times(port, config, fake_port, n):
    times = []
    for i in range(n):
        alias = f"reloaded-{i}-{os.getpid()}"
        tmp = config + ".tmp"
        with open(tmp, "w") as f:
            f.write(switchyard_conf(port, fake_port, extra_alias=alias))
        t0 = time.monotonic()
        os.replace(tmp, config)
        while not await models_has(port, alias):
            if time.monotonic() - t0 > 10:
                raise RuntimeError("the new config was not taken within 10 s")
            await asyncio.sleep(0.001)
        times.append((time.monotonic() - t0) * 1000.0)
        await asyncio.sleep(0.3)
    return times


async def main_async(args):
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(65536, resource.getrlimit(resource.RLIMIT_NOFILE)[1]),) * 2)
    fake = Fake(args.events, args.interval, args.bulk_mb)
    fake_port, hop_port, sy_port = free_port(), free_port(), free_port()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", fake_port, backlog=4096)
    workdir = tempfile.mkdtemp(prefix="sy-stream-bench-")
    procs = []
    rows, facts = [], {}
    try:
        if args.tray:
            tray, _ = start_switchyard(args.tray, workdir, sy_port, fake_port, env_extra={}, args=())
            procs.append(tray)
            await asyncio.sleep(3)
            facts["tray_idle_rss_mb"] = status_kb(tray.pid, "VmRSS") / 1024
            facts["tray_idle_pss_mb"] = pss_kb(tray.pid) / 1024
            tray.terminate()
            tray.wait(10)
            procs.remove(tray)
            report(rows, facts, args, tray_only=True)
            return 0

        hop = start_nginx_hop(workdir, hop_port, fake_port)
        procs.append(hop)
        sy, config = start_switchyard(args.switchyard, workdir, sy_port, fake_port)
        procs.append(sy)
        await asyncio.sleep(1.0)
        facts["idle_rss_mb"] = status_kb(sy.pid, "VmRSS") / 1024
        facts["idle_pss_mb"] = pss_kb(sy.pid) / 1024
        facts["idle_anon_mb"] = status_kb(sy.pid, "RssAnon") / 1024

        # Paced streams.
        targets = [("direct", fake_port, "openai", "m", "/paced"), ("nginx", hop_port, "openai", "m", "/paced"),
                   ("Switchyard pass-through", sy_port, "openai", "paced", ""),
                   ("Switchyard translated (OpenAI -> Claude client)", sy_port, "claude", "paced", "")]
        for conc in (1, 16):
            for name, port, kind, model, prefix in targets:
                streams = args.streams if conc == 1 else args.streams * 4
                firsts, delays = await paced_run(fake, port, kind, model, prefix, streams, conc)
                rows.append({"target": name, "c": conc, "streams": len(firsts),
                             "first_p50": pct(firsts, 50), "first_p99": pct(firsts, 99),
                             "delay_p50": pct(delays, 50), "delay_p99": pct(delays, 99),
                             "delay_max": max(delays) if delays else None, "events": len(delays)})
                print(f"paced {name:48} c={conc:<3} first p50 {rows[-1]['first_p50']:.2f} ms  "
                      f"event delay p50 {rows[-1]['delay_p50']:.3f} p99 {rows[-1]['delay_p99']:.3f} ms", flush=True)

        # One big stream each way: RSS stays flat.
        for label, kind in (("pass-through", "openai"), ("translated", "claude")):
            before = status_kb(sy.pid, "VmRSS")
            peak = [before]
            total = [0]

            def on_data(b):
                total[0] += len(b)

            async def sample():
                while True:
                    peak[0] = max(peak[0], status_kb(sy.pid, "VmRSS"))
                    await asyncio.sleep(0.02)

            sampler = asyncio.ensure_future(sample())
            path, body = request_for(kind, "bulk", f"bulk-{label}")
            t0 = time.monotonic()
            await stream(sy_port, path, body, on_data)
            took = time.monotonic() - t0
            sampler.cancel()
            fake.sent.pop(f"bulk-{label}", None)
            facts[f"bulk_{label}_rss_before_mb"] = before / 1024
            facts[f"bulk_{label}_rss_peak_mb"] = peak[0] / 1024
            facts[f"bulk_{label}_mb_per_s"] = total[0] / 1e6 / took
            print(f"{args.bulk_mb} MB {label} stream: RSS {before / 1024:.1f} -> peak {peak[0] / 1024:.1f} MB, "
                  f"{total[0] / 1e6 / took:.0f} MB/s to the client", flush=True)

        # Many open streams.
        n = args.open_streams
        tasks = [asyncio.ensure_future(stream(sy_port, *request_for("openai", "hold", f"hold-{i}"), lambda b: None))
                 for i in range(n)]
        t0 = time.monotonic()
        while fake.open_streams < n and time.monotonic() - t0 < 60:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)
        facts["open_streams"] = fake.open_streams
        facts["open_streams_rss_mb"] = status_kb(sy.pid, "VmRSS") / 1024
        fake.release.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        errors = [r for r in results if isinstance(r, Exception)]
        facts["open_streams_failed"] = len(errors)
        for text in sorted({repr(e)[:200] for e in errors})[:5]:
            print(f"  failed: {text}", flush=True)
        print(f"{facts['open_streams']} open streams: RSS {facts['open_streams_rss_mb']:.1f} MB "
              f"({facts['open_streams_failed']} failed)", flush=True)
        fake.sent.clear()

        # Reload.
        times = await reload_times(sy_port, config, fake_port, args.reloads)
        facts["reload_ms_median"] = statistics.median(times)
        facts["reload_ms_max"] = max(times)
        print(f"reload: median {facts['reload_ms_median']:.1f} ms, max {facts['reload_ms_max']:.1f} ms", flush=True)
        facts["peak_rss_mb"] = status_kb(sy.pid, "VmHWM") / 1024
        report(rows, facts, args)
    finally:
        stop(procs)
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report(rows, facts, args, tray_only=False):
    os.makedirs(args.out, exist_ok=True)
    name = "tray-rss" if tray_only else "stream-bench"
    with open(os.path.join(args.out, name + ".tsv"), "w") as f:
        for k, v in facts.items():
            f.write(f"{k}\t{v}\n")
        if rows:
            keys = list(rows[0].keys())
            f.write("\t".join(keys) + "\n")
            for r in rows:
                f.write("\t".join("" if r[k] is None else str(r[k]) for k in keys) + "\n")
    md = []
    if tray_only:
        md.append(f"Idle with the tray (GUI build, Xvfb session): RSS {facts['tray_idle_rss_mb']:.1f} MB, "
                  f"PSS {facts['tray_idle_pss_mb']:.1f} MB.")
    else:
        md += [f"Paced streams: {args.events} events {args.interval:g} ms apart; {args.streams} streams at c = 1, "
               f"more at c = 16. Times in ms; an event's delay is from the fake upstream writing it to the "
               f"client reading it (one process, one clock).", "",
               "| target | c | streams | first event p50 | p99 | event delay p50 | p99 | max |",
               "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            md.append(f"| {r['target']} | {r['c']} | {r['streams']} | {fmt(r['first_p50'], 2)} | {fmt(r['first_p99'], 2)} | "
                      f"{fmt(r['delay_p50'], 3)} | {fmt(r['delay_p99'], 3)} | {fmt(r['delay_max'], 3)} |")
        md += ["",
               f"- Idle (headless): RSS {facts['idle_rss_mb']:.1f} MB, PSS {facts['idle_pss_mb']:.1f} MB, "
               f"private (anonymous) {facts['idle_anon_mb']:.1f} MB.",
               f"- One {args.bulk_mb} MB stream, pass-through: RSS {facts['bulk_pass-through_rss_before_mb']:.1f} -> "
               f"peak {facts['bulk_pass-through_rss_peak_mb']:.1f} MB at {facts['bulk_pass-through_mb_per_s']:.0f} MB/s; "
               f"translated to a Claude client: {facts['bulk_translated_rss_before_mb']:.1f} -> "
               f"{facts['bulk_translated_rss_peak_mb']:.1f} MB at {facts['bulk_translated_mb_per_s']:.0f} MB/s.",
               f"- {facts['open_streams']} concurrent open streams: RSS {facts['open_streams_rss_mb']:.1f} MB "
               f"({facts['open_streams_failed']} failed).",
               f"- Reload: a config write to the new model served in {facts['reload_ms_median']:.1f} ms "
               f"(median of {args.reloads}; max {facts['reload_ms_max']:.1f} ms).",
               f"- Peak RSS over this run: {facts['peak_rss_mb']:.1f} MB."]
    with open(os.path.join(args.out, name + ".md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--switchyard", help="the headless binary")
    ap.add_argument("--tray", help="a GUI binary: only measure its idle RSS with the tray (run in a desktop session)")
    ap.add_argument("--events", type=int, default=50)
    ap.add_argument("--interval", type=float, default=20, help="ms between paced events")
    ap.add_argument("--streams", type=int, default=20, help="paced streams per target at c = 1")
    ap.add_argument("--bulk-mb", type=int, default=50)
    ap.add_argument("--open-streams", type=int, default=1000)
    ap.add_argument("--reloads", type=int, default=5)
    ap.add_argument("--out", default="bench/results")
    args = ap.parse_args()
    if not args.switchyard and not args.tray:
        ap.error("--switchyard or --tray")
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
