"""``export --pdf OUT.pdf``: a vector handout of a scene or a deck, for students to read and annotate.

Each pause point gets the stage as it is at that moment (drawn as paths and text by
``animator.export.vector``: selectable, searchable, sharp at any zoom, and small), the step's
explanation (the Lesson text a student reads alone), the question the app asks before the next
step, and with ``--notes`` the lecturer's speaker notes. The answers are collected on the last
page(s), so a student can try the questions first. A deck gets a title page with its contents,
each of its scenes starts on a new page, and the PDF's outline (bookmarks) lists the chapters
and steps.

The page is A4 landscape: the stage is 16:9, so a landscape page gives it the most room (with one
step a page it spans the page between the margins), and the text goes beneath it as on a slide
with notes; two steps a page sit one above the other with the text beside each stage, four in a
2x2 grid. A4 is the paper most of the world prints on; on US Letter, "fit to page" scales it to 94 %.
The stage is drawn from the same layout as on screen, so the page shows what the class saw.

Qt's ``QPdfWriter`` writes the pages; it has no API for an outline, so ``_add_outline`` appends
one as a PDF incremental update (new objects plus a new catalogue after the file Qt wrote), the
mechanism PDF defines for amending a finished file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from animator.export.base import Chapter, Exporter, ExportOptions, ExportSource, Progress

if TYPE_CHECKING:
    from PySide6.QtGui import QPainter, QPdfWriter, QTextDocument

    from animator.export.vector import VectorStage
    from animator.model.schema import Quiz

#: A4 landscape, in points (1/72 inch): every length below is in points.
PAGE_W, PAGE_H = 841.89, 595.28
MARGIN = 34.0
#: The running header (title, chapter, page number) above the content.
HEADER = 24.0
GAP = 12.0
#: The stage's layout size for each ``--per-page``: what decides how big its text is next to the
#: network. Four to a page, the stage is laid out smaller so its labels print larger.
STAGE_SIZES = {1: (1280, 720), 2: (1280, 720), 4: (1024, 576)}
#: Text size of the explanation, question and notes, per ``--per-page``, and the least it may
#: shrink to when a step's text is long.
TEXT_PT = {1: 10.0, 2: 9.0, 4: 8.0}
MIN_TEXT_PT = 7.0
#: To make room for a long text, a stage above it may shrink to this share of its full size, no
#: less (four to a page that is 8 cm wide, about a slide in PowerPoint's six-a-page handout).
MIN_STAGE_SHARE = 0.6
#: Beside its text (two steps a page), the stage takes this share of the width, or less, down to
#: the last, when the text needs the room.
SIDE_STAGE_SHARES = (0.58, 0.5, 0.42)
INK = "#1f2937"
MUTED = "#5b6472"
RULE = "#c9ced6"


@dataclass
class _Question:
    """A quiz as the handout shows it: numbered through the document, asked on one page, answered at the end."""

    number: int
    chapter_title: str
    #: The step whose animation answers it; it is asked at the pause point before.
    step: int
    quiz: Quiz
    page: int = 0


@dataclass
class _Cell:
    """One pause point on a page."""

    chapter: Chapter
    step: int
    explain: str
    notes: str
    question: _Question | None
    caption: str = ""


@dataclass
class _Page:
    kind: str  # "title", "steps" or "answers"
    chapter: Chapter | None = None
    cells: list[_Cell] = field(default_factory=list)
    #: For "answers": which page of the answers document.
    part: int = 0


NOTES_HEADING = "Speaker notes"
#: Lines drawn in the muted colour: labels, not content.
MUTED_LINES = {NOTES_HEADING}


def _escape(text: str) -> str:
    """Plain text (a caption, a question) made safe to put into Markdown: one line, punctuation escaped."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", " ".join(text.split()))


def _question_markdown(q: _Question) -> str:
    """A question as a cell shows it: before the step that answers it, with its choices."""
    lines = [f"**Question {q.number}** *(predict, then see step {q.step}; answers on the last page)*", _escape(q.quiz.question)]
    lines += [f"{_letter(i)}\\. {_escape(choice)}" for i, choice in enumerate(q.quiz.choices)]
    return "\\\n".join(lines)


def _shorten(text: str, most: int) -> str:
    """``text`` cut at a word to at most ``most`` characters, with an ellipsis if cut (outline entries)."""
    text = " ".join(text.split())
    if len(text) <= most:
        return text
    return text[: most - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _letter(index: int) -> str:
    return chr(ord("A") + index)


class _Handout:
    """Plans the pages (which step goes where, how big each stage and text is) and paints them."""

    def __init__(self, source: ExportSource, options: ExportOptions, writer: QPdfWriter) -> None:
        self.source, self.options, self.writer = source, options, writer
        self.per_page = options.per_page if options.per_page in STAGE_SIZES else 1
        #: Device units per point (QPdfWriter draws at 1200 dpi).
        self.u = writer.resolution() / 72.0
        self.questions: list[_Question] = []
        self.pages: list[_Page] = []
        #: (level, title, page index) for the PDF outline.
        self.outline: list[tuple[int, str, int]] = []
        self.first_page: dict[int, int] = {}
        #: Every question and answer, paginated in columns (see ``_answers_document``).
        self.answers: QTextDocument | None = None
        #: Steps whose text was cut at the smallest size (reported in the summary).
        self.cut_texts = 0
        self._stages: dict[int, VectorStage] = {}
        self._plan()

    # -- planning -------------------------------------------------------------------------
    def _plan(self) -> None:
        source = self.source
        if source.is_deck:
            self.pages.append(_Page("title"))
        for index, chapter in enumerate(source.chapters):
            cells = [self._cell(chapter, step) for step in chapter.steps()]
            self.first_page[index] = len(self.pages)
            parts = source.is_deck and any(c.part for c in source.chapters)
            if parts and chapter.part:
                self.outline.append((0, chapter.part, len(self.pages)))
            if source.is_deck:
                self.outline.append((1 if parts else 0, chapter.title, len(self.pages)))
            level = (2 if parts else 1) if source.is_deck else 0
            for start in range(0, len(cells), self.per_page):
                page = _Page("steps", chapter, cells[start : start + self.per_page])
                for cell in page.cells:
                    if cell.question is not None:
                        cell.question.page = len(self.pages)
                    label = cell.caption if cell.step else "Before anything moves"
                    self.outline.append((level, _shorten(f"{cell.step}. {label}", 80), len(self.pages)))
                self.pages.append(page)
        if self.questions:
            self.answers = answers = self._answers_document()
            self.outline.append((0, "Answers to the questions", len(self.pages)))
            for part in range((answers.pageCount() + 1) // 2):
                self.pages.append(_Page("answers", part=part))

    def _cell(self, chapter: Chapter, step: int) -> _Cell:
        scene = chapter.scene
        spec = scene.steps[step - 1] if step >= 1 else None
        question = None
        # A quiz is asked before its step plays: at the pause point before it, if that is in the handout.
        if step + 1 <= chapter.last_step and scene.steps[step].quiz is not None:
            quiz = scene.steps[step].quiz
            assert quiz is not None
            question = _Question(len(self.questions) + 1, chapter.title, step + 1, quiz)
            self.questions.append(question)
        return _Cell(
            chapter,
            step,
            explain=(spec.explain or "").strip() if spec else "",
            notes=(spec.notes or "").strip() if spec and self.options.notes else "",
            question=question,
            caption=spec.caption if spec else scene.summary or scene.title,
        )

    def stage(self, chapter: Chapter) -> VectorStage:
        from animator.export.vector import VectorStage

        key = id(chapter.timeline)
        if key not in self._stages:
            self._stages.clear()  # one chapter at a time: a deck's layouts need not all stay in memory
            o = self.options
            self._stages[key] = VectorStage(chapter.timeline, STAGE_SIZES[self.per_page], o.theme, o.palette, o.scale)
        return self._stages[key]

    # -- text -----------------------------------------------------------------------------
    def _document(self, markdown: str, size_pt: float, width_pt: float, spaced: tuple[str, ...] = ()) -> QTextDocument:
        """``markdown`` (explanations and notes are written in it) as a text document in the
        handout's font, laid out for the PDF's resolution, ``width_pt`` wide; paragraphs starting
        with one of ``spaced`` get room above them (they start a new item)."""
        from PySide6.QtGui import QBrush, QColor, QFont, QTextCharFormat, QTextCursor, QTextDocument, QTextFrameFormat, QTextTable

        from animator.export.vector import without_ligatures

        doc = QTextDocument()
        doc.documentLayout().setPaintDevice(self.writer)
        font = QFont("DejaVu Sans")
        font.setPointSizeF(size_pt)
        font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        doc.setDefaultFont(without_ligatures(font))
        doc.setDocumentMargin(0)
        # Lengths in a text document are 96 dpi pixels, which Qt scales to the PDF's resolution.
        px = 96 / 72
        doc.setIndentWidth(size_pt * 1.5 * px)  # a list's indent (Qt's 40 px is for a screen)
        doc.setMarkdown(markdown)
        mono = QTextCharFormat()
        mono.setFontFamilies(["DejaVu Sans Mono"])
        mono.setFontPointSize(size_pt * 0.92)
        ink, muted = QColor(INK), QColor(MUTED)
        block = doc.begin()
        while block.isValid():
            cursor = QTextCursor(block)
            spacing = block.blockFormat()
            spacing.setTopMargin(size_pt * px if block.text().startswith(spaced) and block != doc.begin() else 0)
            spacing.setBottomMargin(size_pt * (0.2 if block.textList() else 0.45) * px)
            cursor.setBlockFormat(spacing)
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                char = fragment.charFormat()
                recolour = QTextCharFormat()
                recolour.setForeground(muted if block.text() in MUTED_LINES else ink)
                if char.fontFixedPitch() or "monospace" in (char.fontFamilies() or []):
                    # Code, in the bundled mono face at the text's size (Qt's fixed font has a size of its own).
                    recolour.merge(mono)
                code = QTextCursor(doc)
                code.setPosition(fragment.position())
                code.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
                code.mergeCharFormat(recolour)
                it += 1
            block = block.next()
        for frame in doc.rootFrame().childFrames():
            if isinstance(frame, QTextTable):
                fmt = frame.format()
                fmt.setBorder(1)
                fmt.setBorderBrush(QBrush(QColor(RULE)))
                fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
                fmt.setBorderCollapse(True)
                fmt.setCellPadding(3)
                frame.setFormat(fmt)
        doc.setTextWidth(width_pt * self.u)
        return doc

    def cell_text(self, cell: _Cell, size_pt: float, width_pt: float, full_caption: bool) -> list[tuple[float, QTextDocument]]:
        """The text beneath (or beside) a stage, as columns ``(x offset, document)``: the
        explanation on the left, the question and speaker notes on the right; one column when
        only one of them is there or the room is narrow. Empty when the step has no text."""
        left: list[str] = []
        right: list[str] = []
        if full_caption:
            # The caption on the stage had to be cut short: the whole of it, once, here.
            left.append(f"**{_escape(cell.caption)}**")
        if cell.explain:
            left.append(cell.explain)
        if cell.question is not None:
            right.append(_question_markdown(cell.question))
        if cell.notes:
            right.append(f"**{NOTES_HEADING}**\n\n{cell.notes}")
        if not (left or right):
            return []
        spaced = ("Question ", NOTES_HEADING)  # a little room above each part of the text
        if not (left and right and width_pt >= 560):
            return [(0.0, self._document("\n\n".join(left + right), size_pt, width_pt, spaced))]
        column_w = (width_pt - 2 * GAP) / 2
        return [
            (0.0, self._document("\n\n".join(left), size_pt, column_w, spaced)),
            (column_w + 2 * GAP, self._document("\n\n".join(right), size_pt, column_w, spaced)),
        ]

    def _answers_document(self) -> QTextDocument:
        """Every question with its answer and explanation, in two columns a page (a line across
        the whole page would be too long to read): each of the document's pages is one column."""
        from PySide6.QtCore import QSizeF

        w, h = self.content_rect()[2:]
        column_w = (w - 2 * GAP) / 2
        parts = ["## Answers"]
        for q in self.questions:
            correct = q.quiz.correct_index()
            answer = f"{_letter(correct)}. {q.quiz.choices[correct]}" if correct is not None else q.quiz.answer
            where = f"{q.chapter_title}, step {q.step}" if self.source.is_deck else f"step {q.step}"
            parts.append(
                f"**Question {q.number}** *({_escape(where)}, asked on page {q.page + 1})*\\\n"
                f"{_escape(q.quiz.question)}\\\nAnswer: **{_escape(answer)}**"
            )
            if q.quiz.explain and q.quiz.explain.strip():
                parts.append(q.quiz.explain.strip())
        doc = self._document("\n\n".join(parts), TEXT_PT[1], column_w, spaced=("Question ",))
        doc.setPageSize(QSizeF(column_w * self.u, h * self.u))
        return doc

    # -- geometry ---------------------------------------------------------------------------
    @staticmethod
    def content_rect() -> tuple[float, float, float, float]:
        top = MARGIN + HEADER
        return MARGIN, top, PAGE_W - 2 * MARGIN, PAGE_H - MARGIN - top

    def cell_rects(self) -> list[tuple[float, float, float, float]]:
        x, y, w, h = self.content_rect()
        if self.per_page == 1:
            return [(x, y, w, h)]
        if self.per_page == 2:
            half = (h - 2 * GAP) / 2
            return [(x, y, w, half), (x, y + half + 2 * GAP, w, half)]
        cw, ch = (w - 2 * GAP) / 2, (h - 2 * GAP) / 2
        return [(x + c * (cw + 2 * GAP), y + r * (ch + 2 * GAP), cw, ch) for r in (0, 1) for c in (0, 1)]

    # -- painting -------------------------------------------------------------------------------
    def paint(self, painter: QPainter, index: int) -> None:
        """Page ``index``: the painter draws in points (its transform is set up by the caller)."""
        page = self.pages[index]
        if page.kind == "title":
            self._paint_title(painter)
        elif page.kind == "steps":
            self._paint_steps(painter, page)
        else:
            self._paint_answers(painter, page)
        self._paint_header(painter, index, page)

    def _paint_header(self, painter: QPainter, index: int, page: _Page) -> None:
        from PySide6.QtCore import QLineF, QRectF, Qt
        from PySide6.QtGui import QColor, QPen

        from animator.render.theme import font

        if page.kind == "title":
            return
        left = self.source.title
        if self.source.is_deck and page.chapter is not None:
            left += "  ·  " + page.chapter.title
        elif page.kind == "answers":
            left += "  ·  Answers"
        painter.setFont(font(8))
        painter.setPen(QColor(MUTED))
        band = QRectF(MARGIN, MARGIN - 4, PAGE_W - 2 * MARGIN, 12)
        number = f"{index + 1} / {len(self.pages)}"
        room = band.width() - painter.fontMetrics().horizontalAdvance(number) - 24
        left = painter.fontMetrics().elidedText(left, Qt.TextElideMode.ElideRight, int(room))
        painter.drawText(band, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), left)
        painter.drawText(band, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), number)
        painter.setPen(QPen(QColor(RULE), 0.6))
        painter.drawLine(QLineF(MARGIN, MARGIN + 11, PAGE_W - MARGIN, MARGIN + 11))

    def _paint_steps(self, painter: QPainter, page: _Page) -> None:
        """The page's stages and their texts. All stages of a page have one size: as large as the
        cell allows, less (down to ``MIN_STAGE_SHARE``) when a step's text needs the room."""
        from PySide6.QtCore import QLineF, QRectF
        from PySide6.QtGui import QColor, QPen

        assert page.chapter is not None
        stage = self.stage(page.chapter)
        rects = self.cell_rects()
        _, _, w, h = rects[0]
        side = w / h > 2.2  # a wide, low cell: the text goes beside the stage
        base = TEXT_PT[self.per_page]
        cuts = [self._caption_cut(stage, cell.step) for cell in page.cells]
        if side:
            for share in SIDE_STAGE_SHARES:
                stage_h = min(h, w * share * 9 / 16)
                text_w, room = w - stage_h * 16 / 9 - GAP, h
                texts = [self.cell_text(cell, MIN_TEXT_PT, text_w, cut) for cell, cut in zip(page.cells, cuts, strict=True)]
                if all(self._height(columns) <= room for columns in texts):
                    break
        else:
            full_h = min(h, w * 9 / 16)
            need = max((self._height(self.cell_text(cell, base, w, cut)) for cell, cut in zip(page.cells, cuts, strict=True)))
            stage_h = full_h if need == 0 else max(MIN_STAGE_SHARE * full_h, min(full_h, h - need - GAP))
            text_w, room = w, h - stage_h - GAP
        stage_w = stage_h * 16 / 9
        for (cx, cy, cw, _), cell, cut in zip(rects, page.cells, cuts, strict=False):
            # Beside its text the stage keeps to the left; above it, it is centred in the cell.
            left = cx if side else cx + (cw - stage_w) / 2
            target = QRectF(left, cy, stage_w, stage_h)
            stage.paint(painter, stage.timeline.boundary(cell.step), target)
            painter.setPen(QPen(QColor(RULE), 0.5))
            painter.setBrush(QColor(0, 0, 0, 0))
            painter.drawRect(target)
            columns = self._fit(cell, base, text_w, room, cut)
            tx, ty = (cx + stage_w + GAP, cy) if side else (cx, cy + stage_h + GAP)
            for offset, doc in columns:
                self._draw_document(painter, doc, tx + offset, ty, room)
        if self.per_page > 1:
            # Thin rules between the steps, so a reader sees which text belongs to which stage.
            painter.setPen(QPen(QColor(RULE), 0.6))
            x0, y0 = rects[0][:2]
            for cx, cy, cw, ch in rects[1:]:
                if cy > y0:
                    painter.drawLine(QLineF(cx, cy - GAP, cx + cw, cy - GAP))
                if cx > x0:
                    painter.drawLine(QLineF(cx - GAP, cy, cx - GAP, cy + ch))

    def _height(self, columns: list[tuple[float, QTextDocument]]) -> float:
        return max((doc.size().height() / self.u for _, doc in columns), default=0.0)

    def _caption_cut(self, stage: VectorStage, step: int) -> bool:
        """Whether the stage's caption band had to cut this step's caption short."""
        boxes = stage.layout.caption_boxes(stage.frame(step))
        return any(b.ref != "counter" and b.full and " ".join(b.full.split()) != " ".join(b.text.split()) for b in boxes)

    def _fit(self, cell: _Cell, base: float, width: float, room: float, full_caption: bool) -> list[tuple[float, QTextDocument]]:
        """The cell's text at the largest size (``base`` down to ``MIN_TEXT_PT``) that fits ``room``;
        at the smallest it is drawn cut at a whole line if it still does not fit."""
        size = base
        while True:
            columns = self.cell_text(cell, size, width, full_caption)
            if self._height(columns) <= room + 0.01:
                return columns
            if size <= MIN_TEXT_PT:
                self.cut_texts += 1
                return columns
            size = max(MIN_TEXT_PT, size - 0.5)

    def _draw_document(self, painter: QPainter, doc: QTextDocument, x: float, y: float, room: float) -> None:
        """Draw ``doc`` at (x, y), only the lines that fit in ``room`` points (whole lines, never
        half of one), with a line saying so when some did not fit."""
        from PySide6.QtCore import QRectF, QSizeF
        from PySide6.QtGui import QColor

        from animator.render.theme import font

        cut = doc.size().height() / self.u > room + 0.01
        if cut:
            # Paginated, the document's first page ends at a whole line; 10 pt are kept for the notice.
            doc.setPageSize(QSizeF(doc.textWidth(), (room - 10) * self.u))
            room = self._first_page_bottom(doc) / self.u
        painter.save()
        painter.translate(x, y)
        painter.scale(1 / self.u, 1 / self.u)
        doc.drawContents(painter, QRectF(0, 0, doc.textWidth(), room * self.u))
        painter.restore()
        if cut:
            painter.setPen(QColor(MUTED))
            painter.setFont(font(7))
            painter.drawText(QRectF(x, y + room, doc.textWidth() / self.u, 10), 0, "… (more: export with fewer steps a page)")

    @staticmethod
    def _first_page_bottom(doc: QTextDocument) -> float:
        """Where the last line that fits on the document's first page ends."""
        page_h = doc.pageSize().height()
        layout = doc.documentLayout()
        bottom = 0.0
        block = doc.begin()
        while block.isValid():
            rect = layout.blockBoundingRect(block)
            lines = block.layout()
            for i in range(lines.lineCount()):
                line = lines.lineAt(i)
                end = rect.top() + line.y() + line.height()
                if end <= page_h:
                    bottom = max(bottom, end)
            block = block.next()
        return bottom - 0.1

    def _paint_title(self, painter: QPainter) -> None:
        from PySide6.QtCore import QLineF, QRectF, Qt
        from PySide6.QtGui import QColor, QPen

        from animator.render.theme import font

        source = self.source
        x, y, w = MARGIN + 20, MARGIN + 40, PAGE_W - 2 * MARGIN - 40
        painter.setPen(QColor(INK))
        painter.setFont(font(26, bold=True))
        title = QRectF(x, y, w, 80)
        bound = painter.boundingRect(title, int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap), source.title)
        painter.drawText(title, int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap), source.title)
        y = bound.bottom() + 10
        if source.summary:
            doc = self._document(_escape(source.summary), 12, w * 0.8)
            self._draw_document(painter, doc, x, y, doc.size().height() / self.u + 1)
            y += doc.size().height() / self.u + 4
        steps = sum(c.last_step - max(c.first_step, 1) + 1 for c in source.chapters)
        painter.setPen(QColor(MUTED))
        painter.setFont(font(10))
        line = f"{len(source.chapters)} scenes · {steps} steps · {len(self.questions)} questions (answers at the end)"
        painter.drawText(QRectF(x, y, w, 16), int(Qt.AlignmentFlag.AlignLeft), line)
        y += 30
        painter.setPen(QPen(QColor(RULE), 0.6))
        painter.drawLine(QLineF(x, y - 8, x + w, y - 8))
        painter.setPen(QColor(INK))
        painter.setFont(font(12, bold=True))
        painter.drawText(QRectF(x, y, w, 18), int(Qt.AlignmentFlag.AlignLeft), "Contents")
        y += 24
        # (text, page, is a part's heading): a deck's parts head their scenes, as in the app's contents.
        entries: list[tuple[str, int, bool]] = []
        for i, c in enumerate(source.chapters):
            if c.part:
                entries.append((c.part, self.first_page[i] + 1, True))
            entries.append((c.title, self.first_page[i] + 1, False))
        if self.questions:
            entries.append(("Answers to the questions", self.first_page_of("answers") + 1, False))
        line_h = 15.0
        rows = max(1, int((PAGE_H - MARGIN - y) // line_h))
        columns = max(1, -(-len(entries) // rows))
        col_w = (w - (columns - 1) * 30) / columns
        for i, (name, number, heading) in enumerate(entries):
            painter.setFont(font(10, bold=heading))
            col, row = divmod(i, rows)
            r = QRectF(x + col * (col_w + 30), y + row * line_h, col_w, line_h)
            painter.setPen(QColor(INK))
            shown = painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, int(col_w - 40))
            painter.drawText(r, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)
            painter.setPen(QColor(MUTED))
            painter.drawText(r, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), str(number))

    def first_page_of(self, kind: str) -> int:
        return next(i for i, p in enumerate(self.pages) if p.kind == kind)

    def _paint_answers(self, painter: QPainter, page: _Page) -> None:
        from PySide6.QtCore import QLineF, QRectF
        from PySide6.QtGui import QColor, QPen

        x, y, _, h = self.content_rect()
        doc = self.answers
        assert doc is not None
        column_w = doc.pageSize().width() / self.u
        page_h = doc.pageSize().height()
        for column in (0, 1):
            part = 2 * page.part + column
            if part >= doc.pageCount():
                break
            painter.save()
            painter.translate(x + column * (column_w + 2 * GAP), y)
            painter.scale(1 / self.u, 1 / self.u)
            painter.translate(0, -part * page_h)
            doc.drawContents(painter, QRectF(0, part * page_h, doc.textWidth(), page_h))
            painter.restore()
        if 2 * page.part + 1 < doc.pageCount():  # a rule between two columns of answers
            painter.setPen(QPen(QColor(RULE), 0.6))
            painter.drawLine(QLineF(x + column_w + GAP, y, x + column_w + GAP, y + h))


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    from animator.export.png import ensure_gui_app
    from animator.files import atomic_path

    ensure_gui_app()
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter

    from animator.export.vector import TextPainter

    with atomic_path(out) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setPageLayout(
            QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape, QMarginsF(0, 0, 0, 0))
        )
        writer.setTitle(source.title)
        writer.setCreator("PacketStage")
        handout = _Handout(source, options, writer)
        total = len(handout.pages)
        painter = TextPainter(writer)
        try:
            for index in range(total):
                progress(index, total, f"page {index + 1} of {total}")
                if index:
                    writer.newPage()
                painter.resetTransform()
                painter.scale(handout.u, handout.u)  # draw in points
                handout.paint(painter, index)
        finally:
            painter.end()
        _add_outline(tmp, handout.outline)
    progress(total, total, "done")
    steps = source.step_total()
    extra = f", {len(handout.questions)} question(s) answered on the last page" if handout.questions else ""
    cut = f"; {handout.cut_texts} step text(s) cut to fit, fewer steps a page shows them whole" if handout.cut_texts else ""
    return f"wrote {total} page(s) to {out}: {steps} step(s){extra}{cut}"


# -- the outline (bookmarks), appended as an incremental update -------------------------------------
def _pdf_string(text: str) -> bytes:
    """A PDF text string in UTF-16BE with its byte-order mark, hex-encoded (any character, no escaping)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _add_outline(path: Path, entries: list[tuple[int, str, int]]) -> None:
    """Append an outline of ``(level, title, page index)`` entries (levels 0, 1, 2…) to the PDF at ``path``.

    Reads what Qt wrote (a classic cross-reference table and trailer, one /Pages node whose /Kids
    lists the pages in order), then appends the outline's objects, a catalogue that points at
    it, a cross-reference section for them and a trailer with /Prev: readers apply the update,
    and the original bytes stay untouched.
    """
    if not entries:
        return
    data = path.read_bytes()
    startxref = re.findall(rb"startxref\s+(\d+)", data)
    trailer = data[data.rfind(b"trailer") :]
    size = re.search(rb"/Size\s+(\d+)", trailer)
    root = re.search(rb"/Root\s+(\d+)\s+0\s+R", trailer)
    info = re.search(rb"/Info\s+(\d+)\s+0\s+R", trailer)
    if not (startxref and size and root):
        return  # not the layout Qt writes: leave the handout without bookmarks rather than break it
    root_num = int(root.group(1))
    catalog = re.search(rb"\n%d 0 obj\s*<<(.*?)>>\s*endobj" % root_num, data, re.S)
    pages_ref = re.search(rb"/Pages\s+(\d+)\s+0\s+R", catalog.group(1)) if catalog else None
    kids = re.search(rb"\n%d 0 obj\s*<<.*?/Kids\s*\[([^\]]*)\]" % int(pages_ref.group(1)), data, re.S) if pages_ref else None
    if catalog is None or kids is None:
        return
    page_objects = [int(n) for n in re.findall(rb"(\d+)\s+0\s+R", kids.group(1))]
    next_num = int(size.group(1))
    outline_num = next_num
    numbers = list(range(next_num + 1, next_num + 1 + len(entries)))
    # Parent of each entry: the outline root for level 0, else the last entry one level up.
    parents: list[int] = []
    last_at: dict[int, int] = {}
    for (level, _, _), num in zip(entries, numbers, strict=True):
        parents.append(last_at.get(level - 1, outline_num) if level > 0 else outline_num)
        last_at = {k: v for k, v in last_at.items() if k < level}
        last_at[level] = num
    children: dict[int, list[int]] = {}
    for parent, num in zip(parents, numbers, strict=True):
        children.setdefault(parent, []).append(num)
    objects: dict[int, bytes] = {}
    top = children.get(outline_num, [])
    objects[outline_num] = b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (top[0], top[-1], len(top))
    for (_, title, page), num, parent in zip(entries, numbers, parents, strict=True):
        siblings = children[parent]
        at = siblings.index(num)
        parts = [b"<< /Title " + _pdf_string(title), b"/Parent %d 0 R" % parent]
        if at > 0:
            parts.append(b"/Prev %d 0 R" % siblings[at - 1])
        if at + 1 < len(siblings):
            parts.append(b"/Next %d 0 R" % siblings[at + 1])
        kids_of = children.get(num)
        if kids_of:
            # Negative count: the chapter's steps start folded, so a deck's outline reads as its contents.
            parts.append(b"/First %d 0 R /Last %d 0 R /Count -%d" % (kids_of[0], kids_of[-1], len(kids_of)))
        target = page_objects[min(page, len(page_objects) - 1)]
        parts.append(b"/Dest [%d 0 R /Fit] >>" % target)
        objects[num] = b" ".join(parts)
    body = catalog.group(1).rstrip()
    body = re.sub(rb"/(Outlines|PageMode)\s+\S+(\s+0\s+R)?", b"", body)
    objects[root_num] = b"<<" + body + b"\n/Outlines %d 0 R\n/PageMode /UseOutlines\n>>" % outline_num
    out = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n"
    run: list[int] = []
    for num in sorted(offsets):
        if run and num != run[-1] + 1:
            out += _xref_run(run, offsets)
            run = []
        run.append(num)
    out += _xref_run(run, offsets)
    new_size = max(next_num + len(entries) + 1, int(size.group(1)))
    info_ref = b" /Info %s 0 R" % info.group(1) if info else b""
    file_id = re.search(rb"/ID\s*\[[^\]]*\]", trailer)  # an update keeps the file's identifier
    id_ref = b" " + file_id.group(0) if file_id else b""
    out += b"trailer\n<< /Size %d /Root %d 0 R%s%s /Prev %s >>\n" % (new_size, root_num, info_ref, id_ref, startxref[-1])
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    path.write_bytes(bytes(out))


def _xref_run(run: list[int], offsets: dict[int, int]) -> bytes:
    lines = [b"%d %d\n" % (run[0], len(run))] + [b"%010d 00000 n \n" % offsets[num] for num in run]
    return b"".join(lines)


EXPORTER = Exporter(
    key="pdf",
    label="PDF handout…",
    help="a vector handout: one page per step with the caption, the explanation and the quizzes",
    suffixes=(".pdf",),
    export=_export,
    options=(
        "theme",
        "palette",
        "scale",
        "per_page",
        "notes",
    ),
)
