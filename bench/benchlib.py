# benchlib.py: what proxy-bench.py and stream-bench.py share: ports,
# /proc figures, stopping what a run started, number formatting.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import signal
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10, proc=None):
    """Until something listens on @port; False if @proc exits first."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return True
        except OSError:
            if proc is not None and proc.poll() is not None:
                return False
            time.sleep(0.05)
    return False


def status_kb(pid, key):
    """A figure of /proc/PID/status in kB (VmRSS, VmHWM, RssAnon...)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def stop(procs):
    """SIGTERM to each (last started first), then wait; SIGKILL after 10 s."""
    for p in reversed(procs):
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def fmt(v, digits=1):
    return "–" if v is None else f"{v:.{digits}f}"
