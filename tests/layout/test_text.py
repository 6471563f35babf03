"""The Qt-free text measure agrees with what Qt draws, so laid-out boxes fit their text."""

from __future__ import annotations

import pytest

from animator.layout import text

SAMPLES = [
    ("Home router (NAT)", True, False),
    ("192.168.1.10/24", False, True),
    ("SYN-ACK → 203.0.113.7:443", True, False),
    ("The SYN needs three ARP exchanges to get through", False, False),
    ("aa:bb:cc:dd:ee:ff", True, True),
]


@pytest.mark.gui
@pytest.mark.parametrize("px", [15, 22, 37])
def test_widths_and_line_heights_match_qt(qapp: object, px: int) -> None:
    from PySide6.QtGui import QFontMetricsF

    from animator.render.theme import font, load_fonts

    load_fonts()
    for sample, bold, mono in SAMPLES:
        metrics = QFontMetricsF(font(px, bold=bold, mono=mono))
        assert text.width(sample, px, bold, mono) == pytest.approx(metrics.horizontalAdvance(sample), abs=0.6), sample
        assert text.line_height(px, bold, mono) == pytest.approx(metrics.height(), abs=0.1)


def test_elide_fits_the_room_and_keeps_what_fits() -> None:
    title = "An HTTP GET from a laptop to a web server, through a home router"
    short = text.elide(title, 32, 400, bold=True)
    assert short.endswith("…") and title.startswith(short[:-1].rstrip())
    assert text.width(short, 32, bold=True) <= 400
    assert text.elide("ARP", 32, 400) == "ARP"


def test_wrap_never_exceeds_the_room_and_loses_no_word() -> None:
    caption = "The server's reply to port 40002 matches the second row, so the NAT delivers it to laptop B"
    lines = text.wrap(caption, 28, 500)
    assert all(text.width(line, 28) <= 500 for line in lines)
    assert " ".join(lines) == caption


def test_a_long_host_name_breaks_after_a_dot_not_mid_word() -> None:
    lines = text.wrap("origin.cdn.example.com", 22, text.width("origin.cdn.example", 22) + 2)
    assert lines[0].endswith(".") and "".join(lines) == "origin.cdn.example.com"


def test_a_name_splits_in_two_balanced_lines_before_a_parenthesis() -> None:
    room = text.width("Office laptop (curl", 22, bold=True)
    assert text.split_in_two("Office laptop (curl -x)", 22, room, bold=True) == ["Office laptop", "(curl -x)"]


def test_wrapping_into_a_room_narrower_than_a_letter_still_ends() -> None:
    """A window shown before it has a size lays out into a few pixels: wrap must still finish."""
    for room in (0.0, 1.0, 5.0):
        lines = text.wrap("www.example.com and more", 28, room)
        assert "".join("".join(lines).split()) == "www.example.comandmore"


@pytest.mark.parametrize("name", ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"])
def test_the_tables_read_with_struct_agree_with_fonttools(name: str) -> None:
    """``read_face`` replaced fontTools (150 ms of every start-up): same advances, em and extent."""
    fonttools = pytest.importorskip("fontTools.ttLib")
    from animator.resources import assets_dir

    path = assets_dir() / "fonts" / name
    face = text.read_face(path)
    font = fonttools.TTFont(str(path), lazy=True)
    metrics = font["hmtx"].metrics
    expected = {chr(code): metrics[glyph][0] for code, glyph in font.getBestCmap().items() if glyph in metrics}
    assert face.advances == expected
    assert (face.units_per_em, face.ascent, face.descent) == (font["head"].unitsPerEm, font["hhea"].ascent, -font["hhea"].descent)


def test_the_basic_multilingual_plane_map_agrees_with_the_full_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fonts without a format-12 map are read from their format-4 one: the same characters of the BMP."""
    from animator.resources import assets_dir

    path = assets_dir() / "fonts" / "DejaVuSans.ttf"
    full = text.read_face(path).advances
    monkeypatch.setattr(text, "_CMAP_PREFERENCE", ((3, 1),))
    bmp = text.read_face(path).advances
    assert bmp == {ch: width for ch, width in full.items() if ord(ch) <= 0xFFFF}


def test_the_metrics_cache_gives_what_the_font_does_and_survives_damage(tmp_path: object) -> None:
    import shutil
    from pathlib import Path

    from animator.resources import assets_dir

    assert isinstance(tmp_path, Path)
    font = tmp_path / "DejaVuSansMono.ttf"
    shutil.copy(assets_dir() / "fonts" / font.name, font)
    parsed = text.read_face(font)
    assert text.cached_face(font) == parsed  # made from the font, and written
    cache = text._cache_file(font)
    assert cache is not None and cache.exists()
    assert text.cached_face(font) == parsed  # read back from the cache
    cache.write_bytes(cache.read_bytes()[:100])  # cut short (a full disk, a crash)
    assert text.cached_face(font) == parsed
    cache.write_bytes(b"garbage")
    assert text.cached_face(font) == parsed
