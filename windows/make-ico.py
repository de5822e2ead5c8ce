#!/usr/bin/env python3
# make-ico.py: the app's Windows icon (.ico) from its SVG
#
# usage: make-ico.py ICON.svg OUT.ico [RSVG_CONVERT]
#
# Each size Windows asks for (16 to 256 pixels) is drawn by rsvg-convert
# (librsvg: Debian's librsvg2-bin, MSYS2's librsvg) and kept as PNG inside
# the .ico, which Windows Vista and later read. Python (which meson needs
# anyway) writes the container, so neither icotool nor ImageMagick is
# needed. Exits 77 (meson's "skipped") when there is no rsvg-convert.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import shutil
import struct
import subprocess
import sys

SIZES = (16, 20, 24, 32, 40, 48, 64, 256)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def render(rsvg, svg, size):
    png = subprocess.run([rsvg, "-w", str(size), "-h", str(size), "-f", "png", svg],
                         check=True, stdout=subprocess.PIPE).stdout
    # The IHDR chunk comes first: width and height are its first 8 bytes.
    if png[:8] != PNG_MAGIC or png[12:16] != b"IHDR":
        sys.exit(f"make-ico: rsvg-convert gave no PNG for {size}x{size}")
    width, height = struct.unpack(">II", png[16:24])
    if (width, height) != (size, size):
        sys.exit(f"make-ico: asked for {size}x{size}, got {width}x{height}")
    return png


def ico(images):
    # ICONDIR, then one ICONDIRENTRY (16 bytes) per image, then the images.
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, png in images:
        # 0 stands for 256 in the one-byte width and height.
        side = 0 if size >= 256 else size
        out += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    return out + b"".join(png for _, png in images)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: make-ico.py ICON.svg OUT.ico [RSVG_CONVERT]")
    svg, out = sys.argv[1], sys.argv[2]
    rsvg = sys.argv[3] if len(sys.argv) == 4 else shutil.which("rsvg-convert")
    if not rsvg:
        print("make-ico: no rsvg-convert (Debian: librsvg2-bin, MSYS2: librsvg)")
        sys.exit(77)
    images = [(size, render(rsvg, svg, size)) for size in SIZES]
    with open(out, "wb") as f:
        f.write(ico(images))
    print(f"make-ico: {out}: {', '.join(str(s) for s in SIZES)} pixels")


if __name__ == "__main__":
    main()
