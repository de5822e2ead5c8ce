#!/usr/bin/env python3
# test-macos-files.py: the macOS bundle's files checked here, where they
# cannot be built (TAP): Info.plist reads as a property list and makes a
# menu-bar app of this version and id; the gtk-mac-bundler spec is
# well-formed and names files that exist; the scripts parse.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import plistlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

src = os.environ["SY_SOURCE_ROOT"]
version = os.environ["SY_VERSION"]
macos = os.path.join(src, "macos")
app_id = "io.github.switchyard.Switchyard"
n = 0
failed = 0


def check(name, cond, detail=""):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} {name}")
    else:
        failed += 1
        print(f"not ok {n} {name}")
        if detail:
            print(f"# {detail}")


print("TAP version 13")

with open(os.path.join(macos, "Info.plist"), "rb") as f:
    info = plistlib.load(f)
check("Info.plist: a menu-bar app (LSUIElement, no Dock icon)", info.get("LSUIElement") is True)
check("Info.plist: the app id", info.get("CFBundleIdentifier") == app_id, info.get("CFBundleIdentifier"))
check("Info.plist: the version of meson.build",
      info.get("CFBundleShortVersionString") == version and info.get("CFBundleVersion") == version,
      f'{info.get("CFBundleShortVersionString")} / {info.get("CFBundleVersion")} vs {version}')
check("Info.plist: an application", info.get("CFBundlePackageType") == "APPL")
with open(os.path.join(src, "po", "LINGUAS")) as f:
    linguas = sorted({"en"} | {l.strip() for l in f if l.strip() and not l.startswith("#")})
check("Info.plist: the languages of po/LINGUAS", sorted(info.get("CFBundleLocalizations", [])) == linguas,
      f'{info.get("CFBundleLocalizations")} vs {linguas}')

bundle = ET.parse(os.path.join(macos, "switchyard.bundle")).getroot()
check("switchyard.bundle: an app-bundle", bundle.tag == "app-bundle")
main = bundle.findtext("main-binary") or ""
check("switchyard.bundle: the main binary is switchyard", main.endswith("/bin/switchyard"), main)
project_refs = [e.text for e in bundle.iter() if e.text and "${project}/" in e.text]
missing = [r for r in project_refs if not os.path.exists(r.replace("${project}", macos))]
check(f"switchyard.bundle: the files it takes from macos/ exist ({len(project_refs)})",
      len(project_refs) >= 2 and not missing, f"missing: {missing}")
icon = [e.text for e in bundle.iter("data") if e.text and e.text.endswith(".svg")]
check("switchyard.bundle: the app icon is the one meson installs",
      all(os.path.basename(i) == app_id + ".svg" for i in icon) and len(icon) == 1, str(icon))
check("switchyard.bundle: the icns named in Info.plist",
      any((e.get("dest") or "").endswith("/" + info.get("CFBundleIconFile", "?")) for e in bundle.iter("data")))

with open(os.path.join(src, "src", "app", "sy-autostart-launchd.h")) as f:
    label = re.search(r'#define SY_AUTOSTART_LAUNCHD_LABEL "([^"]+)"', f.read())
check("the LaunchAgent opens the bundle by the id of Info.plist", label and label.group(1) == app_id)

for script, shell in (("launcher.sh", "sh"), ("build.sh", "bash"), ("make-dmg.sh", "bash")):
    path = os.path.join(macos, script)
    r = subprocess.run([shell, "-n", path], capture_output=True, text=True)
    check(f"{script} parses ({shell} -n) and is executable", r.returncode == 0 and os.access(path, os.X_OK),
          r.stderr.strip())

print(f"1..{n}")
sys.exit(1 if failed else 0)
