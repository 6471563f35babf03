"""Text measurement without Qt: advance widths read from the fonts PacketStage ships.

The layout stage must know how wide "Home router (NAT)" is at 22 px before any renderer
exists (a test, a PDF or HTML exporter, the Qt stage). Every renderer draws with the bundled
DejaVu fonts, unhinted and without kerning (the Qt views' ``font()``), so a string's
width is exactly the sum of its glyphs' advances scaled to the pixel size: reading the
``hmtx`` and ``cmap`` tables gives the same numbers Qt's QFontMetricsF does (checked in
``tests/layout/test_text.py``), with no drawing library loaded.

The tables are read with ``struct`` (``read_face``): the four faces take ~12 ms in all, where
fontTools took ~150 ms (it decodes the glyph names of ``post`` to map the ``cmap``), most of the
player's start-up beyond Qt's own. ``tests/layout/test_text.py`` checks the two agree. What they
give is kept in the user's cache folder (``FontFace`` as two arrays, keyed by the font file's
size and time), so later starts read ~50 KB instead of parsing 2 MB of fonts.
"""

from __future__ import annotations

import functools
import struct
from array import array
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

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
        # map() with dict.get runs the loop in C: the layout measures ~90,000 characters per scene.
        return sum(map(self.advances.get, text, repeat(self.fallback))) * px / self.units_per_em

    def line_height(self, px: float) -> float:
        """Qt's QFontMetricsF.height(): ascent plus descent (DejaVu has no line gap)."""
        return (self.ascent + self.descent) * px / self.units_per_em


@functools.cache
def face(bold: bool = False, mono: bool = False) -> FontFace:
    """The face's metrics, read once per process (from the cache, or ~3 ms from the font)."""
    return cached_face(assets_dir() / "fonts" / _FILES[bold, mono])


#: Bumped whenever ``read_face`` or the cache's layout changes.
_CACHE_MAGIC = b"PSFM1\n"
_CACHE_HEADER = struct.Struct("=IHHhh")


def _cache_file(path: Path) -> Path | None:
    from animator.engine.sim.cache import cache_dir

    try:
        stat = path.stat()
    except OSError:
        return None
    return cache_dir() / "fonts" / f"{path.stem}-{stat.st_size}-{stat.st_mtime_ns}.metrics"


def cached_face(path: Path) -> FontFace:
    """``read_face(path)``, through a small cache file: a start-up reads the advances of ~6,000
    characters in well under a millisecond instead of parsing the font's tables. A missing,
    stale or damaged cache file is simply made again."""
    cache = _cache_file(path)
    if cache is not None:
        try:
            data = cache.read_bytes()
            if data.startswith(_CACHE_MAGIC):
                count, fallback, units, ascent, descent = _CACHE_HEADER.unpack_from(data, len(_CACHE_MAGIC))
                start = len(_CACHE_MAGIC) + _CACHE_HEADER.size
                codes, widths = array("I"), array("H")
                codes.frombytes(data[start : start + 4 * count])
                widths.frombytes(data[start + 4 * count : start + 6 * count])
                if len(codes) == len(widths) == count and units:
                    return FontFace(dict(zip(map(chr, codes), widths, strict=True)), fallback, units, ascent, descent)
        except (OSError, ValueError, struct.error):
            pass
    face = read_face(path)
    if cache is not None:
        _write_cache(cache, face)
    return face


def _write_cache(cache: Path, face: FontFace) -> None:
    codes = array("I", map(ord, face.advances))
    widths = array("H", face.advances.values())
    header = _CACHE_HEADER.pack(len(codes), face.fallback, face.units_per_em, face.ascent, face.descent)
    from animator.files import write_atomic

    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        # Whole or not at all (another process may be reading it), and no temporary left on a full disk.
        write_atomic(cache, _CACHE_MAGIC + header + codes.tobytes() + widths.tobytes())
    except OSError:
        pass  # a read-only home: parse the font each time


#: The character maps preferred, in order: Windows full Unicode, Unicode full, Unicode BMP,
#: Windows BMP (fontTools' ``getBestCmap`` order, for the formats read here).
_CMAP_PREFERENCE = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


def read_face(path: Path) -> FontFace:
    """A TrueType/OpenType font's advance widths per character and its vertical metrics, read
    straight from its ``head``, ``hhea``, ``maxp``, ``hmtx`` and ``cmap`` tables."""
    data = path.read_bytes()
    (count,) = struct.unpack_from(">H", data, 4)
    tables = {tag: offset for tag, _, offset, _ in struct.iter_unpack(">4sIII", data[12 : 12 + 16 * count])}
    (units_per_em,) = struct.unpack_from(">H", data, tables[b"head"] + 18)
    ascent, descent = struct.unpack_from(">hh", data, tables[b"hhea"] + 4)
    (metric_count,) = struct.unpack_from(">H", data, tables[b"hhea"] + 34)
    (glyph_count,) = struct.unpack_from(">H", data, tables[b"maxp"] + 4)
    hmtx = tables[b"hmtx"]
    widths = [advance for advance, _ in struct.iter_unpack(">Hh", data[hmtx : hmtx + 4 * metric_count])]
    last = widths[-1]  # glyphs past the last metric share its advance (every glyph, in a mono face)
    advances = {chr(code): widths[g] if g < metric_count else last for code, g in _cmap(data, tables[b"cmap"]) if g < glyph_count}
    return FontFace(advances, advances.get("?", units_per_em // 2), units_per_em, ascent, -descent)


def _cmap(data: bytes, cmap: int) -> list[tuple[int, int]]:
    """(character, glyph id) pairs of the most complete Unicode map the font has (format 12 or 4)."""
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    subtables: dict[tuple[int, int], int] = {}
    for platform, encoding, offset in struct.iter_unpack(">HHI", data[cmap + 4 : cmap + 4 + 8 * count]):
        (fmt,) = struct.unpack_from(">H", data, cmap + offset)
        if fmt in (4, 12):
            subtables.setdefault((platform, encoding), cmap + offset)
    at = next((subtables[key] for key in _CMAP_PREFERENCE if key in subtables), None)
    if at is None:
        raise ValueError("the font has no Unicode character map of format 4 or 12")
    (fmt,) = struct.unpack_from(">H", data, at)
    pairs: list[tuple[int, int]] = []
    if fmt == 12:
        (groups,) = struct.unpack_from(">I", data, at + 12)
        for first, last, glyph in struct.iter_unpack(">III", data[at + 16 : at + 16 + 12 * groups]):
            pairs.extend((code, glyph + code - first) for code in range(first, last + 1))
        return pairs
    (seg_x2,) = struct.unpack_from(">H", data, at + 6)
    segments = seg_x2 // 2
    ends = struct.unpack_from(f">{segments}H", data, at + 14)
    starts = struct.unpack_from(f">{segments}H", data, at + 16 + seg_x2)
    deltas = struct.unpack_from(f">{segments}h", data, at + 16 + 2 * seg_x2)
    range_at = at + 16 + 3 * seg_x2
    ranges = struct.unpack_from(f">{segments}H", data, range_at)
    for i in range(segments):
        for code in range(starts[i], ends[i] + 1):
            if code == 0xFFFF:
                continue
            if ranges[i] == 0:
                glyph = (code + deltas[i]) & 0xFFFF
            else:
                (glyph,) = struct.unpack_from(">H", data, range_at + 2 * i + ranges[i] + 2 * (code - starts[i]))
                glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
            if glyph:
                pairs.append((code, glyph))
    return pairs


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
