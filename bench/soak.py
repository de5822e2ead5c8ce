#!/usr/bin/env python3
# soak.py: Switchyard under a minute of many open streams, steady single
# answers and clients that hang up, with a probe request every 100 ms.
#
#   python3 bench/soak.py --switchyard build-rel/src/switchyard [--duration 60]
#     [--streams 1000] [--workers 16] [--out bench/results]
#
# A fake upstream in this process serves an OpenAI-compatible API: streams
# send an event every --interval ms for 2 to 10 s, single answers come at
# once. --streams clients each keep one stream open at a time (OpenAI
# clients relayed, Claude clients translated), a fifth of them hanging up
# at a random moment (the injected faults); --workers clients ask for
# single answers back to back; a probe asks for a single answer every
# 100 ms and notes how long it took. Reported: errors other than the
# injected disconnects (must be 0), open descriptors and RSS of Switchyard
# before and after, and the probe's latency (p50, p99, max).
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import asyncio
import collections
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import free_port, status_kb, stop, wait_port


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))] if values else None


def chunk(content=None, finish=None):
    delta = {} if content is None else {"content": content}
    return ("data: " + json.dumps({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
                                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]},
                                  separators=(",", ":")) + "\n\n").encode()


ANSWER = json.dumps({"id": "c", "object": "chat.completion", "created": 1, "model": "m",
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": "fine"},
                                  "finish_reason": "stop"}],
                     "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}).encode()


class Fake:
    def __init__(self, interval):
        self.interval = interval
        self.open = 0

    async def handle(self, reader, writer):
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
            body = json.loads(await reader.readexactly(length))
            if not body.get("stream"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(ANSWER) + ANSWER)
                await writer.drain()
                return
            self.open += 1
            try:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
                events = random.randint(int(2 / self.interval), int(10 / self.interval))
                for i in range(events):
                    writer.write(chunk(f"w{i} "))
                    await writer.drain()
                    await asyncio.sleep(self.interval)
                writer.write(chunk(finish="stop") + b"data: [DONE]\n\n")
                await writer.drain()
            finally:
                self.open -= 1
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            writer.close()


async def post(port, path, body, on_data=None, timeout=60):
    """(status, body, complete); on_data(bytes_so_far) returning False hangs up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        data = json.dumps(body).encode()
        writer.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
        await writer.drain()

        async def read():
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            got = bytearray()
            chunked = re.search(rb"(?i)transfer-encoding:\s*chunked", head) is not None
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if length:
                got.extend(await reader.readexactly(int(length.group(1))))
                return status, bytes(got), True
            while True:
                if chunked:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    if size == 0:
                        return status, bytes(got), True
                    got.extend(await reader.readexactly(size))
                    await reader.readexactly(2)
                else:
                    piece = await reader.read(65536)
                    if not piece:
                        return status, bytes(got), True
                    got.extend(piece)
                if on_data is not None and on_data(got) is False:
                    return status, bytes(got), False

        return await asyncio.wait_for(read(), timeout)
    finally:
        writer.transport.abort()


def request_for(fmt, stream):
    msg = [{"role": "user", "content": "hello"}]
    if fmt == "claude":
        return "/v1/messages", {"model": "m", "max_tokens": 64, "stream": stream, "messages": msg}
    return "/v1/chat/completions", {"model": "m", "stream": stream, "messages": msg}


# The probe: a single answer every 100 ms over a plain blocking socket;
# prints each one's milliseconds, or E<status>.
PROBE = r"""
import json, socket, sys, time
port, left = int(sys.argv[1]), float(sys.argv[2])
end = time.monotonic() + left
body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "probe"}]}).encode()
req = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
       b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
while time.monotonic() < end:
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), 30) as s:
            s.sendall(req)
            got = b""
            while True:
                piece = s.recv(65536)
                if not piece:
                    break
                got += piece
        ok = got.startswith(b"HTTP/1.1 200")
        print("%.3f" % ((time.monotonic() - t0) * 1000) if ok else "E" + got[9:12].decode(), flush=True)
    except OSError as e:
        print("E" + type(e).__name__, flush=True)
    time.sleep(max(0.0, 0.1 - (time.monotonic() - t0)))
"""


def stream_complete(fmt, body):
    return (b"data: [DONE]" in body) if fmt == "openai" else (b"event: message_stop" in body)


async def main_async(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(65536, hard), hard))
    fake = Fake(args.interval / 1000.0)
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0, backlog=4096)
    fake_port = server.sockets[0].getsockname()[1]
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="sy-soak-")
    home = os.path.join(workdir, "home")
    os.makedirs(home)
    config = os.path.join(workdir, "config.yaml")
    with open(config, "w") as f:
        f.write(f"host: 127.0.0.1\nport: {port}\nopenai-compatibility:\n  - name: fake\n"
                f"    base-url: \"http://127.0.0.1:{fake_port}/v1\"\n"
                f"    api-key-entries: [{{api-key: sk-soak-0001}}]\n    models: [{{name: m}}]\n")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and k != "DISPLAY"}
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, "config"), XDG_DATA_HOME=os.path.join(home, "data"),
               XDG_STATE_HOME=os.path.join(home, "state"), XDG_CACHE_HOME=os.path.join(home, "cache"))
    sy = subprocess.Popen([args.switchyard, "--headless", "--config", config], env=env,
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(workdir, "sy.log"), "w"))
    procs = [sy]
    try:
        if not wait_port(port, 20, sy):
            raise RuntimeError(open(os.path.join(workdir, "sy.log")).read())
        # Warm up, so that "before" is the working size, not the idle one.
        for fmt in ("openai", "claude"):
            for stream in (False, True):
                await post(port, *request_for(fmt, stream))
        await asyncio.sleep(1)
        fds0 = len(os.listdir(f"/proc/{sy.pid}/fd"))
        rss0 = status_kb(sy.pid, "VmRSS")
        deadline = time.monotonic() + args.duration
        counts = collections.Counter()
        errors = []
        probes = []

        def error(what):
            counts["errors"] += 1
            if len(errors) < 10:
                errors.append(what)

        async def streamer(i):
            rnd = random.Random(i)
            # Spread the first opens over a second, as real clients come.
            await asyncio.sleep(rnd.random())
            while time.monotonic() < deadline:
                fmt = "claude" if rnd.random() < 0.5 else "openai"
                hang_up_after = rnd.randint(1, 30) if rnd.random() < 0.2 else None
                events = [0]

                def on_data(got, events=events):
                    events[0] = got.count(b"\n\n")
                    return hang_up_after is None or events[0] < hang_up_after

                try:
                    status, body, complete = await post(port, *request_for(fmt, True), on_data=on_data)
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
                    error(f"stream {fmt}: {type(e).__name__}: {e}")
                    continue
                if status != 200:
                    error(f"stream {fmt}: status {status}: {body[:200]!r}")
                elif not complete:
                    counts["injected disconnects"] += 1
                elif not stream_complete(fmt, body):
                    error(f"stream {fmt}: ended without its end: {body[-200:]!r}")
                else:
                    counts["streams"] += 1

        async def single(i):
            rnd = random.Random(10000 + i)
            while time.monotonic() < deadline:
                fmt = "claude" if rnd.random() < 0.5 else "openai"
                try:
                    status, body, _ = await post(port, *request_for(fmt, False))
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
                    error(f"single {fmt}: {type(e).__name__}: {e}")
                    continue
                if status != 200 or b"fine" not in body:
                    error(f"single {fmt}: status {status}: {body[:200]!r}")
                else:
                    counts["single answers"] += 1

        async def probe():
            # In a process of its own: this one's event loop, busy with a
            # thousand streams, would add its own lag to the figure.
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", PROBE, str(port), str(deadline - time.monotonic()),
                stdout=asyncio.subprocess.PIPE)
            out, _ = await proc.communicate()
            for line in out.decode().split():
                if line.startswith("E"):
                    error(f"probe: {line[1:]}")
                else:
                    probes.append(float(line))

        peak = [0, 0]

        async def sample():
            while time.monotonic() < deadline:
                peak[0] = max(peak[0], fake.open)
                peak[1] = max(peak[1], len(os.listdir(f"/proc/{sy.pid}/fd")))
                await asyncio.sleep(0.5)

        t0 = time.monotonic()
        await asyncio.gather(*(streamer(i) for i in range(args.streams)), *(single(i) for i in range(args.workers)),
                             probe(), sample())
        took = time.monotonic() - t0
        # Settle: the server closes what the last clients left.
        end = time.monotonic() + 10
        while time.monotonic() < end and len(os.listdir(f"/proc/{sy.pid}/fd")) > fds0:
            await asyncio.sleep(0.1)
        fds1 = len(os.listdir(f"/proc/{sy.pid}/fd"))
        rss1 = status_kb(sy.pid, "VmRSS")
        hwm = status_kb(sy.pid, "VmHWM")
    finally:
        stop(procs)
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)

    md = [f"Soak: {args.duration:g} s, {args.streams} stream clients (events every {args.interval:g} ms, 2-10 s "
          f"each, a fifth hanging up early), {args.workers} single-answer clients, a probe every 100 ms.", "",
          "| figure | value |", "|---|---:|",
          f"| run | {took:.1f} s |",
          f"| streams completed | {counts['streams']} |",
          f"| streams left early by the client (injected) | {counts['injected disconnects']} |",
          f"| single answers | {counts['single answers']} |",
          f"| most streams open upstream at once | {peak[0]} |",
          f"| errors other than the injected ones | {counts['errors']} |",
          f"| open descriptors before / peak / after | {fds0} / {peak[1]} / {fds1} |",
          f"| RSS before / peak / after | {rss0 / 1024:.1f} / {hwm / 1024:.1f} / {rss1 / 1024:.1f} MB |",
          f"| probe latency p50 / p99 / max ({len(probes)} probes) | {pct(probes, 50):.1f} / {pct(probes, 99):.1f}"
          f" / {max(probes):.1f} ms |"]
    text = "\n".join(md)
    print(text)
    for e in errors:
        print(f"  error: {e}")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "soak.md"), "w") as f:
            f.write(text + "\n")
    return 0 if counts["errors"] == 0 and fds1 <= fds0 else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--switchyard", required=True, help="the headless binary (a release build)")
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--interval", type=float, default=250, help="ms between a stream's events")
    ap.add_argument("--out", default=None, help="also write soak.md here")
    args = ap.parse_args()
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
