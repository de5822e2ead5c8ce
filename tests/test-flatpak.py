#!/usr/bin/env python3
# test-flatpak.py: offline checks of the Flatpak manifest (TAP)
#
# What can be checked without flathub: flatpak-builder reads the manifest
# with no warning (G_DEBUG=fatal-warnings, and nothing on stderr), the
# sandbox holes are exactly the expected ones (no home or host access, the
# coding tools' config directories and nothing else, the same ones
# src/integrations writes), every downloaded source is pinned by sha256, the
# app is built with the tray and without PostgreSQL, and the app id matches
# the icon, desktop file and metainfo names. The checks are also run on
# broken copies of the manifest, which must fail them.
#
# Env: SY_SOURCE_ROOT (the source tree).
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

APP_ID = "io.github.switchyard.Switchyard"
ROOT = os.environ.get("SY_SOURCE_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANIFEST = os.path.join(ROOT, "flatpak", APP_ID + ".yml")

# The sandbox's holes, each one explained in flatpak/README.md.
BASE_ARGS = {
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--talk-name=org.kde.StatusNotifierWatcher",
    "--talk-name=org.freedesktop.secrets",
}
# Never: the whole home or host, all devices, the buses unfiltered, or
# flatpak-spawn --host (org.freedesktop.Flatpak) out of the sandbox.
FORBIDDEN = re.compile(r"^--(filesystem=(host|host-os|host-etc|home|~|/)(:.*)?$"
                       r"|device=all$|socket=(session-bus|system-bus|x11)$"
                       r"|talk-name=org\.freedesktop\.Flatpak$)")
SHA256 = re.compile(r"^[0-9a-f]{64}$")

n = 0
failed = 0


def report(ok, name, why=""):
    global n, failed
    n += 1
    if ok:
        print(f"ok {n} {name}")
    else:
        failed += 1
        print(f"not ok {n} {name}")
        for line in str(why).splitlines():
            print(f"# {line}")


def skip(name, why):
    global n
    n += 1
    print(f"ok {n} {name} # SKIP {why}")


def tool_dirs():
    """The config directories the setup helpers write, from the helpers' own
    table in src/integrations/sy-integration-tools.c ({ ".claude/settings.json", ... })."""
    with open(os.path.join(ROOT, "src", "integrations", "sy-integration-tools.c")) as f:
        text = f.read()
    paths = re.findall(r'\{\s*"(\.[^"]+)",\s*merge_', text)
    return {"~/" + os.path.dirname(p) for p in paths}


def show_manifest(path):
    """flatpak-builder's own reading of the manifest: (json, problem)."""
    # In a scratch directory: flatpak-builder leaves a .flatpak-builder there.
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, G_DEBUG="fatal-warnings")
        run = subprocess.run(["flatpak-builder", "--show-manifest", path],
                             cwd=scratch, env=env, capture_output=True, text=True)
    if run.returncode != 0 or run.stderr.strip():
        return None, f"exit {run.returncode}\n{run.stderr}"
    try:
        return json.loads(run.stdout), None
    except ValueError as e:
        return None, f"not JSON: {e}"


def all_modules(modules):
    for m in modules:
        if isinstance(m, dict):
            yield m
            yield from all_modules(m.get("modules", []))


def problems(manifest):
    """Everything wrong with a parsed manifest, in words (empty: fine)."""
    out = []
    if manifest.get("id", manifest.get("app-id")) != APP_ID:
        out.append(f"id is {manifest.get('id')!r}")
    if manifest.get("command") != "switchyard":
        out.append(f"command is {manifest.get('command')!r}")
    if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
        out.append("not on the GNOME runtime")

    args = manifest.get("finish-args", [])
    expected = BASE_ARGS | {f"--filesystem={d}:create" for d in tool_dirs()}
    for a in args:
        if FORBIDDEN.match(a):
            out.append(f"forbidden finish-arg {a}")
    if set(args) != expected:
        out.append("finish-args differ from the expected set:"
                   f" extra {sorted(set(args) - expected)}, missing {sorted(expected - set(args))}")
    if len(args) != len(set(args)):
        out.append("a finish-arg is repeated")

    mods = list(all_modules(manifest.get("modules", [])))
    for m in mods:
        for s in m.get("sources", []):
            if not isinstance(s, dict):
                out.append(f"{m['name']}: a source in a separate file")
                continue
            t = s.get("type")
            if t in ("archive", "file") and "url" in s:
                if not SHA256.match(s.get("sha256", "")):
                    out.append(f"{m['name']}: {s['url']} has no sha256")
                if not s["url"].startswith("https://"):
                    out.append(f"{m['name']}: {s['url']} is not https")
            elif t == "dir" and m["name"] != "switchyard":
                out.append(f"{m['name']}: a dir source")
            elif t not in ("archive", "file", "dir", "script", "shell", "patch"):
                out.append(f"{m['name']}: a {t} source (not pinned by sha256)")
    names = [m["name"] for m in mods]
    for need in ("libyaml", "libdbusmenu", "libayatana-indicator", "libayatana-appindicator"):
        if need not in names:
            out.append(f"no module {need}")
    app = [m for m in mods if m["name"] == "switchyard"]
    if len(app) != 1 or names[-1] != "switchyard":
        out.append("switchyard is not the last module")
    else:
        opts = app[0].get("config-opts", [])
        for need in ("-Dgui=enabled", "-Dpostgres=disabled", "--buildtype=release"):
            if need not in opts:
                out.append(f"switchyard is built without {need}")
    return out


def main():
    if shutil.which("flatpak-builder") is None:
        print("1..0 # SKIP flatpak-builder is not installed (.ci/deps installs it)")
        return 0

    manifest, why = show_manifest(MANIFEST)
    report(manifest is not None, "flatpak-builder --show-manifest reads it without warnings", why)
    if manifest is None:
        print(f"1..{n}")
        return 1
    p = problems(manifest)
    report(not p, "permissions, sources and build options", "\n".join(p))

    dirs = tool_dirs()
    report({"~/.claude", "~/.codex", "~/.gemini", "~/.config/opencode",
            "~/.factory", "~/.continue"} <= dirs,
           "the setup helpers' directories are read from src/integrations", sorted(dirs))

    # The checks catch what they are for: broken copies fail them.
    with open(MANIFEST) as f:
        text = f.read()
    broken = {
        "home access": ("  - --share=ipc\n", "  - --share=ipc\n  - --filesystem=home\n"),
        "an unlisted path": ("  - --share=ipc\n", "  - --share=ipc\n  - --filesystem=~/.ssh:create\n"),
        "a tool path missing": ("  - --filesystem=~/.codex:create\n", ""),
        "a source without sha256": ("        sha256: 7f7ce3", "        x-sha256: 7f7ce3"),
        "postgres on": ("      - -Dpostgres=disabled\n", "      - -Dpostgres=enabled\n"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for what, (old, new) in broken.items():
            if old not in text:
                report(False, f"a manifest with {what} is refused", f"{old!r} is not in the manifest")
                continue
            path = os.path.join(tmp, APP_ID + ".yml")
            with open(path, "w") as f:
                f.write(text.replace(old, new, 1))
            m, _ = show_manifest(path)
            report(m is not None and problems(m), f"a manifest with {what} is refused")
        path = os.path.join(tmp, APP_ID + ".yml")
        with open(path, "w") as f:
            f.write(text.replace("command: switchyard\n", "command: switchyard\ncomand: switchyard\n", 1))
        m, _ = show_manifest(path)
        report(m is None, "a manifest with an unknown key is refused (a flatpak-builder warning)")

    # The exported names: flatpak exports only files named after the app id.
    icon = os.path.join(ROOT, "resources", "icons", "scalable", "apps", APP_ID + ".svg")
    report(os.path.exists(icon), "the app icon is named after the app id")
    data = os.path.join(ROOT, "data")
    for kind, names in (("desktop file", [APP_ID + ".desktop", APP_ID + ".desktop.in"]),
                        ("metainfo", [APP_ID + ".metainfo.xml", APP_ID + ".metainfo.xml.in"])):
        found = [x for x in names if os.path.exists(os.path.join(data, x))]
        if not found:
            skip(f"the {kind} is named after the app id", f"data/{names[0]} is not there yet")
            continue
        with open(os.path.join(data, found[0])) as f:
            body = f.read()
        if kind == "metainfo":
            ids = re.findall(r"<id>([^<]*)</id>", body)
            report(ids[:1] == [APP_ID], f"the {kind} is named after the app id and says so", ids[:1])
        else:
            execs = re.findall(r"^Exec=(\S+)", body, re.M)
            report(bool(execs) and all(os.path.basename(e) == "switchyard" for e in execs),
                   f"the {kind} is named after the app id and runs switchyard", execs)

    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
