"""``export --pptx OUT.pptx``: one 16:9 slide per pause point, to drop into a PowerPoint or Keynote lecture.

Each slide's title placeholder holds the step's caption (real slide text: the lecturer can edit,
restyle or translate it, and PowerPoint's outline, search and screen readers see it); under it
is the stage as a PNG at ``--size`` (``StageRenderer.image``, exactly what the player shows),
with the caption as its alternative text. The stage's own caption band is cut off the picture,
since the title says it already: the same sentence twice on a slide is the first thing a
lecturer would delete. The slide's notes carry the speaker notes (or, without notes, the step's
explanation), and the question the app asks before the next step with its answer, because a
slide deck cannot run the app's quiz.

A deck starts with a title slide, each part of the course (a deck entry's ``part``) with a divider
slide, and each scene with a section header slide; the slides are
also grouped into PowerPoint sections (one per scene), which the slide sorter shows.

The template is python-pptx's default (Office theme), widened to 16:9: its layouts are moved
and stretched to the new width, so a slide the lecturer adds to this file still looks right.
"""

from __future__ import annotations

import io
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from animator.export.base import LOOK_OPTIONS, Chapter, Exporter, ExportError, ExportOptions, ExportSource, Progress

if TYPE_CHECKING:
    from animator.export.png import StageRenderer

#: 16:9 at PowerPoint's widescreen size, in EMU (914,400 a inch).
SLIDE_W, SLIDE_H = 12_192_000, 6_858_000
EMU_PER_INCH = 914_400
MARGIN = 365_760  # 0.4 inch
TITLE_TOP, TITLE_H = 228_600, 1_005_840  # 0.25 inch down, 1.1 inches high
#: Caption sizes tried, largest first: the first at which it fits in the title's lines.
CAPTION_PT = (28, 26, 24, 22, 20, 18, 16)
#: The layouts of python-pptx's default template used here.
TITLE_SLIDE, SECTION_HEADER, TITLE_ONLY = 0, 2, 5
#: PowerPoint 2010's extension holding the presentation's sections.
SECTIONS_URI = "{521415D9-36F7-43E2-AB2F-B90AF26B5E84}"
P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"


def _inline(text: str) -> str:
    """Markdown's inline marks dropped: emphasis, code, and links as "text (address)"."""
    text = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r"\1 (\2)", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"\1", text)
    return re.sub(r"`([^`]*)`", r"\1", text)


def plain(markdown: str) -> str:
    """Markdown (notes and explanations are written in it) as plain text for the notes pane:
    paragraphs and list items on one line each (bullets as "•"), code blocks and table rows
    line by line as written, inline marks dropped."""
    lines: list[str] = []
    joinable = False  # whether a next line of text continues the last one
    in_code = False
    for raw in markdown.strip().splitlines():
        text = raw.strip()
        if text.startswith(("```", "~~~")):
            in_code, joinable = not in_code, False
        elif in_code:
            lines.append("    " + text)
        elif not text:
            if lines and lines[-1]:
                lines.append("")
            joinable = False
        elif bullet := re.match(r"[-*+]\s+(.*)", text):
            lines.append("• " + _inline(bullet.group(1)))
            joinable = True
        elif re.fullmatch(r"\|?[\s:|-]+\|?", text):
            continue  # a table's |---|---| line
        elif text.startswith("|"):
            lines.append(_inline(text))
            joinable = False
        elif re.match(r"(\d+[.)]|#+)\s", text) or not joinable:
            lines.append(_inline(text.lstrip("#").strip()))
            joinable = True
        else:
            lines[-1] += " " + _inline(text)
    return "\n".join(lines).strip()


def caption_fit(caption: str, width_emu: int) -> tuple[int, int]:
    """The font size and line count for a caption in the title: the largest ``CAPTION_PT`` at
    which it takes at most two lines, else three, else the smallest size and as many as it needs.

    Measured with the bundled DejaVu Sans, which is wider than the template's Calibri, so the
    caption fits with room to spare in PowerPoint and LibreOffice alike.
    """
    from animator.layout import text as tx

    width_pt = width_emu / EMU_PER_INCH * 72 - 15  # less the text box's insets
    for most in (2, 3):
        for size in CAPTION_PT:
            lines = len(tx.wrap(caption, size, width_pt))
            if lines <= most:
                return size, lines
    return CAPTION_PT[-1], len(tx.wrap(caption, CAPTION_PT[-1], width_pt))


def _widen(prs: Any) -> None:
    """Make the (4:3) default template 16:9: every master and layout shape stretched to the new width."""
    old_w = prs.slide_width
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    k = SLIDE_W / old_w
    for master in prs.slide_masters:
        for shape in [*master.shapes, *(s for layout in master.slide_layouts for s in layout.placeholders)]:
            if shape.left is not None and shape.width is not None:
                shape.left, shape.width = round(shape.left * k), round(shape.width * k)


def _place(shape: Any, left: int, top: int, width: int, height: int) -> None:
    shape.left, shape.top, shape.width, shape.height = left, top, width, height


def _set_text(shape: Any, text: str, size: int, bold: bool = False, left_aligned: bool = True) -> None:
    from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
    from pptx.util import Pt

    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.text = text
    for paragraph in frame.paragraphs:
        if left_aligned:
            paragraph.alignment = PP_ALIGN.LEFT
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold


def _notes(chapter: Chapter, step: int) -> str:
    """What the lecturer reads in the notes pane at this pause point."""
    scene = chapter.scene
    parts = []
    if step >= 1:
        spec = scene.steps[step - 1]
        if spec.notes and spec.notes.strip():
            parts.append(plain(spec.notes))
        elif spec.explain and spec.explain.strip():
            parts.append(plain(spec.explain))
    if step < len(scene.steps) and step + 1 <= chapter.last_step:
        quiz = scene.steps[step].quiz
        if quiz is not None:
            correct = quiz.correct_index()
            choices = "\n".join(f"{chr(65 + i)}. {c}" for i, c in enumerate(quiz.choices))
            answer = f"{chr(65 + correct)}. {quiz.choices[correct]}" if correct is not None else quiz.answer
            question = f"Ask before the next step: {quiz.question}\n{choices}\nAnswer: {answer}"
            if quiz.explain and quiz.explain.strip():
                question += "\n" + plain(quiz.explain)
            parts.append(question)
    return "\n\n".join(parts)


def _stage_png(renderer: StageRenderer, t: float) -> tuple[bytes, int, int]:
    """The stage at ``t`` as PNG bytes, cut off above its caption band; and its size in pixels."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QImageWriter

    image = renderer.image(t)
    layout = renderer.layout
    bottom = max(1, min(image.height(), round(layout.caption_top - layout.gap / 2)))
    # The stage is opaque: RGB without alpha, and zlib's middle setting, encode in a third of the
    # time of Qt's default at a tenth larger (measured: ~60 ms and ~110 KB for 1920x900).
    image = image.copy(0, 0, image.width(), bottom).convertToFormat(QImage.Format.Format_RGB888)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    writer.setQuality(50)
    if not writer.write(image):
        raise ExportError(f"could not encode the stage as PNG: {writer.errorString()}")
    buffer.close()
    return bytes(data.data()), image.width(), image.height()


def _add_sections(prs: Any, sections: list[tuple[str, list[int]]]) -> None:
    """Group the slides (by slide id) into PowerPoint sections: ``<p14:sectionLst>`` in the
    presentation's extension list, where PowerPoint 2010 and later keep them (LibreOffice ignores it)."""
    from pptx.oxml.ns import qn

    def sub(parent: Any, tag: str, **attributes: str) -> Any:
        child = parent.makeelement(tag, attributes, nsmap={"p14": P14})
        parent.append(child)
        return child

    root = prs.part._element
    ext_list = root.find(qn("p:extLst"))
    if ext_list is None:
        ext_list = sub(root, qn("p:extLst"))  # the presentation's last child, as the schema wants
    section_list = sub(sub(ext_list, qn("p:ext"), uri=SECTIONS_URI), f"{{{P14}}}sectionLst")
    for name, slide_ids in sections:
        section = sub(section_list, f"{{{P14}}}section", name=name, id="{" + str(uuid.uuid4()).upper() + "}")
        ids = sub(section, f"{{{P14}}}sldIdLst")
        for slide_id in slide_ids:
            sub(ids, f"{{{P14}}}sldId", id=str(slide_id))


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    from pptx import Presentation
    from pptx.util import Emu

    from animator.export.png import StageRenderer
    from animator.files import write_atomic

    prs = Presentation()
    _widen(prs)
    prs.core_properties.title = source.title
    summary = " ".join((source.summary or "").split())
    # Document properties hold at most 255 characters: the summary, cut at a word if longer.
    prs.core_properties.subject = summary if len(summary) <= 255 else summary[:254].rsplit(" ", 1)[0] + "…"
    prs.core_properties.author = "PacketStage"
    content_w = SLIDE_W - 2 * MARGIN
    total = source.step_total()
    done = 0
    sections: list[tuple[str, list[int]]] = []
    if source.is_deck:
        slide = prs.slides.add_slide(prs.slide_layouts[TITLE_SLIDE])
        title, subtitle = slide.placeholders[0], slide.placeholders[1]
        _place(title, MARGIN * 2, SLIDE_H // 3 - TITLE_H // 2, SLIDE_W - 4 * MARGIN, TITLE_H)
        _place(subtitle, MARGIN * 2, SLIDE_H // 3 + TITLE_H // 2 + MARGIN // 2, SLIDE_W - 4 * MARGIN, TITLE_H * 2)
        _set_text(title, source.title, 40, bold=True, left_aligned=False)
        _set_text(subtitle, source.summary or f"{len(source.chapters)} scenes", 20, left_aligned=False)
        sections.append((source.title, [slide.slide_id]))
    parts = 0
    for chapter in source.chapters:
        ids: list[int] = []
        if source.is_deck and chapter.part:
            # A part of the course opens with its own divider slide, inside its first scene's section.
            parts += 1
            slide = prs.slides.add_slide(prs.slide_layouts[SECTION_HEADER])
            title, body = slide.placeholders[0], slide.placeholders[1]
            _place(title, MARGIN * 2, SLIDE_H // 2 - TITLE_H, SLIDE_W - 4 * MARGIN, TITLE_H)
            _place(body, MARGIN * 2, SLIDE_H // 2 + MARGIN // 2, SLIDE_W - 4 * MARGIN, TITLE_H * 2)
            _set_text(title, f"Part {parts}", 28)
            _set_text(body, chapter.part, 40, bold=True)
            ids.append(slide.slide_id)
        if source.is_deck:
            slide = prs.slides.add_slide(prs.slide_layouts[SECTION_HEADER])
            title, body = slide.placeholders[0], slide.placeholders[1]
            _place(title, MARGIN * 2, SLIDE_H // 2 - TITLE_H, SLIDE_W - 4 * MARGIN, TITLE_H)
            _place(body, MARGIN * 2, SLIDE_H // 2 + MARGIN // 2, SLIDE_W - 4 * MARGIN, TITLE_H * 2)
            _set_text(title, chapter.title, 36, bold=True)
            _set_text(body, chapter.scene.summary or chapter.scene.title, 18)
            ids.append(slide.slide_id)
        renderer = StageRenderer(chapter.timeline, options.size, options.theme, options.palette, options.scale)
        try:
            for step in chapter.steps():
                progress(done, total, f"{chapter.title}: step {step}")
                t = chapter.timeline.boundary(step)
                caption = chapter.timeline.state_at(t).caption
                slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
                title = slide.shapes.title
                size, lines = caption_fit(caption, content_w)
                # Room for the caption's lines (1.2 line spacing, plus the box's insets), never less than two.
                title_h = max(TITLE_H, round((lines * size * 1.2 + 12) / 72 * EMU_PER_INCH))
                _place(title, MARGIN, TITLE_TOP, content_w, title_h)
                _set_text(title, caption, size)
                png, w, h = _stage_png(renderer, t)
                # The picture fills the room under the title, at the stage's proportions, centred.
                top = TITLE_TOP + title_h + MARGIN // 3
                room_w, room_h = content_w, SLIDE_H - top - MARGIN // 2
                scale = min(room_w / w, room_h / h)
                pic_w, pic_h = round(w * scale), round(h * scale)
                picture = slide.shapes.add_picture(
                    io.BytesIO(png), Emu(MARGIN + (room_w - pic_w) // 2), Emu(top), Emu(pic_w), Emu(pic_h)
                )
                picture.name = f"Stage, step {step}"
                picture._element.nvPicPr.cNvPr.set("descr", f"{chapter.title}, step {step}: {caption}")
                notes = _notes(chapter, step)
                if notes:
                    slide.notes_slide.notes_text_frame.text = notes
                ids.append(slide.slide_id)
                done += 1
        finally:
            renderer.close()
        sections.append((chapter.title, ids))
    if source.is_deck:
        _add_sections(prs, sections)
    buffer = io.BytesIO()
    prs.save(buffer)
    write_atomic(out, buffer.getvalue())
    progress(total, total, "done")
    slides = len(prs.slides)
    return f"wrote {slides} slide(s) to {out}: {total} step(s), speaker notes in the slide notes"


EXPORTER = Exporter(
    key="pptx",
    label="PowerPoint slides…",
    help="one slide per step: the stage, the caption, the speaker notes in the slide notes",
    suffixes=(".pptx",),
    export=_export,
    options=LOOK_OPTIONS,
)
