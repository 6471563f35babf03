"""``export --svg DIR``: one SVG image per pause point, for slides, web pages and print at any size.

Named as ``render --step all`` and ``export --png`` name their images (``step-00.svg`` …; a deck's
scenes are numbered by chapter, ``01-step-00.svg``, so the files sort in lecture order). Each is
drawn by ``animator.export.vector`` through ``QSvgGenerator``: paths and ``<text>`` (found by
search, read by a screen reader, editable in Inkscape), no embedded image of the stage. Each file
has a ``<title>`` (scene and step) and a ``<desc>`` (the caption), what a screen reader announces.

The device icons are the app's own SVG markup, defined once in ``<defs>`` and placed with
``<use>``. They cannot be drawn through ``QSvgRenderer`` into ``QSvgGenerator``: the renderer
paints a fill without an outline using a pen that has no brush, and the generator (Qt 6.11)
writes that pen out as a black outline, so every icon would gain black edges. Instead each icon
is drawn as a marker rectangle whose colour names the icon, and the marker is replaced by the
icon in the generator's output.

Text is set in the bundled DejaVu fonts (``font-family="DejaVu Sans"``); SVG cannot carry the
font, so a viewer without DejaVu substitutes a similar sans-serif, whose widths differ a little.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from animator.export.base import LOOK_OPTIONS, Exporter, ExportError, ExportOptions, ExportSource, Progress, step_file_name

if TYPE_CHECKING:
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter

    from animator.export.vector import VectorStage

#: A marker's fill is #0123NN, NN numbering the icon kind: colours no theme or palette uses.
_MARK = re.compile(
    r'<g fill="#0123([0-9a-f]{2})" fill-opacity="1" stroke="none" transform="(matrix\([^)"]*\))"[^>]*>\s*<rect [^>]*/>\s*</g>'
)


class _IconMarks:
    """The ``icon_painter`` of an SVG export: a marker where each icon goes, replaced afterwards."""

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.count = 0

    def __call__(self, painter: QPainter, kind: str, rect: QRectF) -> None:
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor

        from animator.render.icons import icon_renderer

        if kind not in self.kinds:
            self.kinds.append(kind)
        box = icon_renderer(kind).viewBoxF()
        painter.save()
        # The marker is the icon's viewBox mapped onto ``rect``: the generator writes that mapping
        # as the group's matrix, which the icon's <use> then takes over.
        painter.translate(rect.topLeft())
        painter.scale(rect.width() / box.width(), rect.height() / box.height())
        painter.translate(-box.topLeft())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0x01, 0x23, self.kinds.index(kind)))
        painter.drawRect(QRectF(box))
        painter.restore()
        self.count += 1


def _icon_markup(kind: str) -> str:
    """The inside of an icon's SVG file (its shapes, without its title), as one group."""
    import xml.etree.ElementTree as ET

    from animator.resources import assets_dir

    ns = "http://www.w3.org/2000/svg"
    ET.register_namespace("", ns)
    root = ET.parse(assets_dir() / "icons" / f"{kind}.svg").getroot()
    shapes = [child for child in root if child.tag not in (f"{{{ns}}}title", f"{{{ns}}}desc", f"{{{ns}}}metadata")]
    inner = "".join(ET.tostring(child, encoding="unicode") for child in shapes)
    return f'<g id="icon-{kind}">{inner}</g>'


def _place_icons(svg: str, marks: _IconMarks) -> str:
    """Replace the icon markers in the generator's output with ``<use>`` of icons defined once."""

    def use(match: re.Match[str]) -> str:
        kind = marks.kinds[int(match.group(1), 16)]
        return f'<use xlink:href="#icon-{kind}" transform="{match.group(2)}"/>'

    svg, placed = _MARK.subn(use, svg)
    if placed != marks.count:
        raise ExportError(f"placed {placed} of {marks.count} device icons in the SVG: Qt's SVG output has changed")
    defs = "<defs>\n" + "\n".join(_icon_markup(kind) for kind in marks.kinds) + "\n</defs>"
    if "<defs>\n</defs>" in svg:
        return svg.replace("<defs>\n</defs>", defs, 1)
    return svg.replace("</desc>", "</desc>\n" + defs, 1)


def svg_text(stage: VectorStage, step: int, title: str) -> str:
    """The stage at pause point ``step`` as the text of an SVG file of the stage's size, with a
    title and description. ``stage`` must draw its icons with an ``_IconMarks``."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize
    from PySide6.QtSvg import QSvgGenerator

    from animator.export.vector import TextPainter

    marks = stage.box_painter.icon_painter
    assert isinstance(marks, _IconMarks)
    marks.kinds.clear()
    marks.count = 0
    w, h = stage.size
    frame = stage.frame(step)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(w, h))
    generator.setViewBox(QRect(0, 0, w, h))
    generator.setResolution(96)  # CSS pixels: the stage's pixel sizes are the SVG's user units
    generator.setTitle(f"{title}: step {step} of {frame.step_count}")
    generator.setDescription(frame.caption)
    painter = TextPainter(generator)
    try:
        stage.paint(painter, frame.time)
    finally:
        painter.end()
    buffer.close()
    return _place_icons(bytes(data.data()).decode("utf-8"), marks)


def svg_stage(timeline: object, options: ExportOptions) -> VectorStage:
    """A vector stage that draws into SVG (icons as markers for ``svg_text``)."""
    from animator.engine.timeline import Timeline
    from animator.export.vector import VectorStage

    assert isinstance(timeline, Timeline)
    return VectorStage(timeline, options.size, options.theme, options.palette, options.scale, icon_painter=_IconMarks())


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    """One SVG per pause point, made in a temporary folder and moved in at the end, so a cancel changes nothing."""
    from animator.files import atomic_folder, write_atomic

    total = source.step_total()
    done = 0
    with atomic_folder(out) as folder:
        for chapter_number, chapter in enumerate(source.chapters, start=1):
            stage = svg_stage(chapter.timeline, options)
            for step in chapter.steps():
                progress(done, total, f"{chapter.title}: step {step}")
                write_atomic(folder / step_file_name(source, chapter_number, step, ".svg"), svg_text(stage, step, chapter.title))
                done += 1
    progress(total, total, "done")
    return f"wrote {total} SVG image(s) to {out}"


EXPORTER = Exporter(
    key="svg",
    label="Images (SVG), one per step…",
    help="a folder of SVG images, one per pause point",
    suffixes=(),
    export=_export,
    options=LOOK_OPTIONS,
    folder=True,
)
