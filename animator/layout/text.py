"""Text measurement without Qt: advance widths read from the fonts PacketStage ships.

The layout stage must know how wide "Home router (NAT)" is at 22 px before any renderer
exists (a test, a PDF or HTML exporter, the Qt stage). Every renderer draws with the bundled
DejaVu fonts, unhinted and without kerning (the Qt views' ``font()``), so a string's
width is exactly the sum of its glyphs' advances scaled to the pixel size: reading the
``hmtx`` and ``cmap`` tables with fontTools gives the same numbers Qt's QFontMetricsF does
(checked in ``tests/layout/test_text.py``), with no drawing library loaded.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from animator.resources import assets_dir

_FILES = {
    (False, False): "DejaVuSans.ttf",
    (True, False): "DejaVuSans-Bold.ttf",
    (False, True): "DejaVuSansMono.ttf",
    (True, True): "DejaVuSansMono-Bold.ttf",
}
ELLIPSIS = "…"
#: Where a word too long for a line may break: after these (host names, paths, addresses).
BREAKS = ".-/:"


@dataclass(frozen=True, slots=True)
class FontFace:
    """One face's metrics in font units: advance per character, the em, and the line's extent."""

    advances: dict[str, int]
    fallback: int
    units_per_em: int
    ascent: int
    descent: int

    def width(self, text: str, px: float) -> float:
        advances, fallback = self.advances, self.fallback
        return sum(advances.get(ch, fallback) for ch in text) * px / self.units_per_em

    def line_height(self, px: float) -> float:
        """Qt's QFontMetricsF.height(): ascent plus descent (DejaVu has no line gap)."""
        return (self.ascent + self.descent) * px / self.units_per_em


@functools.cache
def face(bold: bool = False, mono: bool = False) -> FontFace:
    """The face's metrics, read once per process (~35 ms each)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(assets_dir() / "fonts" / _FILES[bold, mono]), lazy=True)
    metrics = font["hmtx"].metrics
    advances = {chr(code): metrics[glyph][0] for code, glyph in font.getBestCmap().items() if glyph in metrics}
    hhea = font["hhea"]
    return FontFace(
        advances, advances.get("?", font["head"].unitsPerEm // 2), font["head"].unitsPerEm, hhea.ascent, -hhea.descent
    )


def width(text: str, px: float, bold: bool = False, mono: bool = False) -> float:
    return face(bold, mono).width(text, px)


def line_height(px: float, bold: bool = False, mono: bool = False) -> float:
    return face(bold, mono).line_height(px)


def elide(text: str, px: float, room: float, bold: bool = False, mono: bool = False) -> str:
    """``text`` cut with an ellipsis to fit ``room`` pixels (Qt's ElideRight), or "" if not even that fits."""
    f = face(bold, mono)
    if f.width(text, px) <= room:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits with the ellipsis
        mid = (lo + hi + 1) // 2
        if f.width(text[:mid].rstrip() + ELLIPSIS, px) <= room:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ELLIPSIS if lo > 0 else ""


def wrap(text: str, px: float, room: float, bold: bool = False, mono: bool = False) -> list[str]:
    """Greedy word wrap into lines no wider than ``room``; a word longer than a line is cut."""
    f = face(bold, mono)
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if f.width(candidate, px) <= room:
                line = candidate
                continue
            if line:
                lines.append(line)
            while f.width(word, px) > room and len(word) > 1:  # a URL or a long token: break it
                cut = len(word)
                while cut > 1 and f.width(word[:cut], px) > room:
                    cut -= 1
                # Prefer a natural break: after a dot, dash, slash or colon ("www.example." / "com").
                natural = max((i + 1 for i in range(cut - 1) if word[i] in BREAKS), default=0)
                if natural >= max(1, cut // 2):
                    cut = natural  # always at least one character: a line too narrow for any still ends
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def split_in_two(text: str, px: float, room: float, bold: bool = False) -> list[str] | None:
    """``text`` as two balanced lines that each fit ``room`` (breaking at a space, before a
    parenthesis by preference: "Office laptop" / "(curl -x)"), or None if no break fits."""
    f = face(bold, False)
    best: tuple[float, list[str]] | None = None
    for i, ch in enumerate(text):
        if ch != " ":
            continue
        first, second = text[:i].rstrip(), text[i + 1 :].lstrip()
        widest = max(f.width(first, px), f.width(second, px))
        if not first or not second or widest > room:
            continue
        score = widest - (0.25 * room if second.startswith("(") else 0.0)
        if best is None or score < best[0]:
            best = (score, [first, second])
    return best[1] if best else None
