"""``export --svg``: one valid, vector SVG per pause point that looks like the stage and carries its text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from animator import cli
from animator.export.base import ExportCancelled, ExportOptions
from animator.export.registry import exporter, load_source
from tests.conftest import REPO
from tests.export.lesson import CAPTIONS, flat, write_deck, write_lesson

pytestmark = pytest.mark.gui

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"


def export(scene: Path, out: Path, *args: str) -> list[Path]:
    assert cli.main(["export", str(scene), "--svg", str(out), "--size", "640x360", *args]) == 0
    return sorted(out.iterdir())


def test_one_valid_svg_per_pause_point_with_its_caption_as_text(tmp_path: Path) -> None:
    files = export(write_lesson(tmp_path), tmp_path / "images")
    assert [f.name for f in files] == ["step-00.svg", "step-01.svg", "step-02.svg", "step-03.svg"]
    for step, path in enumerate(files):
        root = ET.parse(path).getroot()  # well-formed XML, or this raises
        assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 640 360"
        texts = flat(" ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text")))
        assert CAPTIONS[step] in texts, "the caption is real text (searchable, read by a screen reader)"
        assert "Switch lesson" in texts and f"{step} / 3" in texts
        # What a screen reader announces for the image: the scene and step, and the caption.
        assert root.findtext(f"{SVG}title") == f"Switch lesson: step {step} of 3"
        assert root.findtext(f"{SVG}desc") == CAPTIONS[step]


def test_vector_no_image_of_the_stage_and_every_icon_placed(tmp_path: Path) -> None:
    files = export(write_lesson(tmp_path), tmp_path / "images", "--steps", "1-2")
    for path in files:
        root = ET.parse(path).getroot()
        assert list(root.iter(f"{SVG}image")) == [], "no raster image"
        defined = {g.get("id") for g in root.iter(f"{SVG}g") if g.get("id")}
        uses = [u.get(XLINK, "") for u in root.iter(f"{SVG}use")]
        # Three devices: a host, a switch and a server, each its icon's own shapes.
        assert sorted(uses) == ["#icon-host", "#icon-server", "#icon-switch"]
        assert {u[1:] for u in uses} <= defined


def test_the_svg_looks_like_the_stage(tmp_path: Path) -> None:
    """Rendered back, the SVG is the PNG the stage renders: the same boxes, icons and colours
    (anti-aliasing aside). The home router's icon is the one Qt's SVG generator would give black
    outlines if it were drawn through QSvgRenderer (measured: 9 % of its pixels off, 0 % as placed)."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    from animator.export.png import StageRenderer

    scene = REPO / "scenes" / "http-get.yaml"
    (path,) = export(scene, tmp_path / "images", "--steps", "3")
    drawn = QImage(640, 360, QImage.Format.Format_ARGB32)
    drawn.fill(QColor("white"))
    painter = QPainter(drawn)
    QSvgRenderer(str(path)).render(painter, QRectF(0, 0, 640, 360))
    painter.end()
    timeline = load_source(scene).chapters[0].timeline
    renderer = StageRenderer(timeline, (640, 360))
    try:
        stage = renderer.image(timeline.boundary(3))
        icons = [b.rect for b in renderer.boxes if b.kind == "icon"]
    finally:
        renderer.close()
    assert len(icons) == 5

    def differing(x0: int, y0: int, x1: int, y1: int) -> float:
        bad = total = 0
        for y in range(y0, y1):
            for x in range(x0, x1):
                a, b = QColor(stage.pixel(x, y)), QColor(drawn.pixel(x, y))
                total += 1
                bad += max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue())) > 60
        return bad / total

    assert differing(0, 0, 640, 360) < 0.03
    for r in icons:
        assert differing(int(r.x), int(r.y), int(r.right), int(r.bottom)) < 0.03


def test_a_deck_numbers_its_images_by_chapter(tmp_path: Path) -> None:
    names = [f.name for f in export(write_deck(tmp_path), tmp_path / "images")]
    assert names[:5] == ["01-step-00.svg", "01-step-01.svg", "01-step-02.svg", "01-step-03.svg", "02-step-00.svg"]
    assert len(names) == 8


def test_a_cancel_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "images"
    out.mkdir()
    (out / "step-01.svg").write_text("old")

    def cancel(done: int, total: int, what: str) -> None:
        if done == 2:
            raise ExportCancelled

    with pytest.raises(ExportCancelled):
        exporter("svg").export(load_source(write_lesson(tmp_path)), out, ExportOptions(size=(320, 180)), cancel)
    assert [p.name for p in out.iterdir()] == ["step-01.svg"] and (out / "step-01.svg").read_text() == "old"
