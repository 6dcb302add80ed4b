#!/usr/bin/env python3
"""Renders a terminal capture (ANSI colours) to a PNG, for the README's screenshot.

Usage: script -qc "target/debug/tandem demo" demo.log && scripts/render-terminal.py demo.log assets/demo.png
Needs Pillow and the DejaVu Sans Mono font (Debian: fonts-dejavu-core).
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
COLOURS = {"31": (240, 98, 98), "32": (120, 210, 120), "33": (235, 200, 100), "36": (110, 200, 230)}
FG, BG = (220, 220, 220), (30, 32, 38)


def spans(line):
    """Yields (text, colour, bold) runs of one line."""
    colour, bold = FG, False
    for part in re.split(r"(\x1b\[[0-9;]*m)", line):
        m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
        if not m:
            if part:
                yield part, colour, bold
            continue
        for code in (m.group(1) or "0").split(";"):
            if code == "0":
                colour, bold = FG, False
            elif code == "1":
                bold = True
            elif code in COLOURS:
                colour = COLOURS[code]


def main(src, dst):
    text = open(src, encoding="utf-8", errors="replace").read().replace("\r", "")
    lines = [l for l in text.split("\n") if not l.startswith("Script ")]
    while lines and not lines[-1].strip():
        lines.pop()
    size = 15
    font, bold = ImageFont.truetype(FONT, size), ImageFont.truetype(BOLD, size)
    cw, lh = font.getlength("M"), int(size * 1.45)
    width = int(max(len(re.sub(r"\x1b\[[0-9;]*m", "", l)) for l in lines) * cw) + 48
    img = Image.new("RGB", (width, lh * len(lines) + 48), BG)
    draw = ImageDraw.Draw(img)
    for row, line in enumerate(lines):
        x = 24
        for part, colour, is_bold in spans(line):
            f = bold if is_bold else font
            draw.text((x, 24 + row * lh), part, font=f, fill=colour)
            x += f.getlength(part)
    img.save(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
