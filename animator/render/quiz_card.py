"""The quiz card on the stage: a question shown large, laid out and painted without widgets.

The rules of asking and revealing live in ``animator.engine.quiz``; this module only shows a
``QuizView`` (plain data). The card is laid out by one pure function, ``quiz_card_geometry``,
that both the painter and the stage's click test (``quiz_choice_at``) read: what is drawn where
is exactly what a click there chooses. The card must fit the network area it is given (the
caption band below stays readable), so its fonts shrink down to a floor before any text is cut,
and only then is the explanation (then the question, then the choices) elided with an ellipsis.
The sidebar's own question (buttons, in ``animator.ui.lecture.quiz``) reads the same view.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPen,
    QTextDocument,
    QTextLayout,
    QTextOption,
)

from animator.render.quiz_view import QuizView, choice_key, choice_key_label, keys_range, letter
from animator.render.theme import Theme, chip_text_color, font

__all__ = ["QuizView", "choice_key", "choice_key_label", "keys_range", "letter"]  # re-exported: the card's vocabulary

CORRECT = "#15803d"
WRONG = "#b91c1c"
#: Text on a CORRECT or WRONG fill (WCAG contrast 5.0 and 6.5).
ON_VERDICT = "#ffffff"

#: Card font sizes in stage units (pixels at overlay scale k = 1): the design size, the size a
#: font may shrink to while the text still reads from the back of a hall, and the floor no
#: text ever goes below (only then is text elided).
QUESTION_PX = 30.0
CHOICE_PX = 26.0
QUESTION_TARGET_PX = 20.0
CHOICE_TARGET_PX = 18.0
FLOOR_PX = 14.0
#: A card wider than this (stage units) makes lines too long to read at a glance.
MAX_CARD_WIDTH = 1400.0
#: Each shrink step multiplies the font sizes by this (fine enough to use the room there is).
_SHRINK = 0.95


# -- the stage card ---------------------------------------------------------------------------


def wrap_lines(text: str, f: QFont, width: float) -> tuple[str, ...]:
    """``text`` broken into lines no wider than ``width`` at font ``f``: at spaces, and inside a
    word only when the word alone is wider than the line. Newlines start a new line."""
    lines: list[str] = []
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            continue
        layout = QTextLayout(paragraph, f)
        layout.setTextOption(option)
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(max(1.0, width))
            lines.append(paragraph[line.textStart() : line.textStart() + line.textLength()].strip())
        layout.endLayout()
    return tuple(line for line in lines if line)


def _elide(lines: tuple[str, ...], keep: int, f: QFont, width: float) -> tuple[str, ...]:
    """The first ``keep`` lines, the last of them ending in '…' when anything was left out."""
    if keep >= len(lines):
        return lines
    if keep <= 0:
        return ()
    last = QFontMetricsF(f).elidedText(" ".join(lines[keep - 1 :]) + " …", Qt.TextElideMode.ElideRight, width)
    return (*lines[: keep - 1], last)


def plain_text(markdown: str) -> str:
    """An explanation's Markdown as the plain text the card draws (the sidebar renders it)."""
    if not markdown.strip():
        return ""
    document = QTextDocument()
    document.setMarkdown(markdown)
    return document.toPlainText().strip()


def _px(size: float, k: float) -> int:
    """A font size in whole pixels, never below ``size * k`` (floors stay floors after rounding)."""
    return max(1, math.ceil(size * k - 1e-6))


@dataclass(frozen=True, slots=True)
class QuizCardGeometry:
    """Where everything on the stage's quiz card is, in viewport pixels, and how big its text is.

    Both ``paint_quiz_overlay`` and ``quiz_choice_at`` read this, so a click lands on exactly
    the choice drawn there.
    """

    card: QRectF
    question: QRectF
    question_lines: tuple[str, ...]
    #: One rect per choice, the whole button (letter, text and key label).
    choices: tuple[QRectF, ...]
    choice_lines: tuple[tuple[str, ...], ...]
    #: The verdict chip and the explanation under it: None until the answer is revealed
    #: (the explanation also when there is none, or there was no room for one line).
    verdict: QRectF | None
    explanation: QRectF | None
    explanation_lines: tuple[str, ...]
    #: How to answer and what the next click does, while asking.
    hint: QRectF | None
    hint_lines: tuple[str, ...]
    question_px: int
    choice_px: int
    explain_px: int
    key_px: int
    hint_px: int
    #: The room kept free around the card, the padding inside a choice, the letter disc's
    #: diameter, the key label's width, and how many choices sit side by side.
    margin: float
    choice_pad: float
    disc: float
    key_width: float
    columns: int
    #: Whether any text had to be elided (the card was too small even at the floor sizes).
    elided: bool
    #: Whether the choices take clicks (only while the question is asked).
    clickable: bool


def quiz_card_geometry(area: QRectF, view: QuizView, k: float) -> QuizCardGeometry:
    """Lay the card out inside ``area`` (the stage's network area, in viewport pixels).

    Fonts start at their design size and shrink in small steps down to the target sizes
    (question 20k, choices 18k); below those, spacing tightens and the choices may sit in two
    columns while the fonts go on shrinking to the floor (14k). Only when the card does not fit
    even then is text elided: the explanation (or the hint) first, then the verdict chip, the
    question, and last the choices. The card never leaves ``area``.

    Laid out once per (area, view, k) and cached: the stage paints it and hit-tests it often.
    The rects returned are copies, so a caller may move them without touching the cache.
    """
    g = _geometry(area.x(), area.y(), area.width(), area.height(), view, k)
    return _moved(g, QRectF(g.card), elided=g.elided)


@functools.lru_cache(maxsize=16)
def _geometry(x: float, y: float, width: float, height: float, view: QuizView, k: float) -> QuizCardGeometry:
    area = QRectF(x, y, width, height)
    explain = plain_text(view.explain) if view.revealed else ""

    def fits(g: QuizCardGeometry) -> bool:
        return g.card.height() <= area.height() - 2 * g.margin + 0.01

    last: QuizCardGeometry | None = None
    for question_size, choice_size in _font_steps(QUESTION_PX, CHOICE_PX, QUESTION_TARGET_PX, CHOICE_TARGET_PX):
        last = _layout(area, view, k, explain, _Style(question_size, choice_size))
        if fits(last):
            return last
    # Below the target sizes, big text matters more than roomy spacing: tighten it, and try
    # the choices side by side (two short columns beat one column in a smaller font).
    tight: list[QuizCardGeometry] = []
    for question_size, choice_size in _font_steps(QUESTION_TARGET_PX, CHOICE_TARGET_PX, FLOOR_PX, FLOOR_PX):
        tight = [_layout(area, view, k, explain, _Style(question_size, choice_size, compact=True, columns=n)) for n in (1, 2)]
        for candidate in tight:
            if fits(candidate):
                return candidate
    best = min(tight, key=lambda g: g.card.height())
    # Still too tall: cut the explanation (or the hint), the verdict, the question, the choices.
    for limits in _elision_steps(best):
        last = _layout(area, view, k, explain, _Style(FLOOR_PX, FLOOR_PX, compact=True, columns=best.columns, limits=limits))
        if fits(last):
            return last
    # Nothing fits (a tiny window): the card takes the whole area and is drawn clipped to it.
    assert last is not None
    card = QRectF(last.card.left(), area.top() + last.margin, last.card.width(), max(0.0, area.height() - 2 * last.margin))
    return _moved(last, card)


@dataclass(frozen=True, slots=True)
class _Style:
    """How one attempt lays the card out: font sizes (stage units), spacing, choice columns,
    and, when even that does not fit, how many lines of each text to keep."""

    question: float
    choice: float
    compact: bool = False
    columns: int = 1
    limits: _Limits | None = None


@dataclass(frozen=True, slots=True)
class _Limits:
    """Lines kept of each text (the rest elided with '…'); the verdict chip shown or not."""

    explanation: int = 99
    question: int = 99
    choice: int = 99
    verdict: bool = True


#: Spacing as fractions of the choice font size: roomy, and tight for a small network area.
_ROOMY = {"margin": 0.6, "pad": 0.85, "after_question": 0.7, "choice_pad": 0.4, "row_gap": 0.35, "disc": 1.25, "block_gap": 0.4}
_TIGHT = {"margin": 0.4, "pad": 0.5, "after_question": 0.4, "choice_pad": 0.22, "row_gap": 0.22, "disc": 1.0, "block_gap": 0.2}


def _font_steps(question: float, choice: float, question_least: float, choice_least: float) -> list[tuple[float, float]]:
    """(question, choice) sizes from the first pair down to the least, in small steps; each
    size stops at its least while the other goes on shrinking."""
    steps: list[tuple[float, float]] = []
    s = 1.0
    while True:
        q, c = max(question_least, question * s), max(choice_least, choice * s)
        steps.append((q, c))
        if q == question_least and c == choice_least:
            return steps
        s *= _SHRINK


def _elision_steps(full: QuizCardGeometry) -> list[_Limits]:
    """Line limits to try, cutting the least needed first: the explanation (or, while asking,
    the hint), then the verdict chip (the green and red choices still say it), then the
    question, then the choices."""
    below = max(len(full.explanation_lines), len(full.hint_lines))
    steps = [_Limits(explanation=n) for n in range(below - 1, -1, -1)]
    if full.verdict is not None:
        steps.append(_Limits(explanation=0, verdict=False))
    steps += [_Limits(0, n, verdict=False) for n in range(len(full.question_lines) - 1, 0, -1)]
    most = max((len(lines) for lines in full.choice_lines), default=1)
    steps += [_Limits(0, 1, n, verdict=False) for n in range(most - 1, 0, -1)]
    return steps


def _layout(area: QRectF, view: QuizView, k: float, explain: str, style: _Style) -> QuizCardGeometry:
    """The card in one style, centred in ``area`` (its height is what the text needs)."""
    space = _TIGHT if style.compact else _ROOMY
    c = style.choice * k  # spacing unit: the choice font's size in pixels
    limits = style.limits or _Limits()
    q_px, c_px = _px(style.question, k), _px(style.choice, k)
    e_px = _px(max(FLOOR_PX, style.choice * 0.85), k)
    key_px = _px(max(FLOOR_PX, style.choice * 0.7), k)
    hint_px = _px(max(FLOOR_PX, style.choice * 0.62), k)
    margin, pad = space["margin"] * c, space["pad"] * c
    width = max(0.0, min(area.width() - 2 * margin, MAX_CARD_WIDTH * k))
    left = area.left() + (area.width() - width) / 2
    inner_left, inner_width = left + pad, width - 2 * pad

    q_font, c_font, e_font, h_font = font(q_px, bold=True), font(c_px, bold=True), font(e_px), font(hint_px)
    question_lines = _elide(wrap_lines(view.question, q_font, inner_width), limits.question, q_font, inner_width)
    y = pad
    question = QRectF(inner_left, y, inner_width, len(question_lines) * QFontMetricsF(q_font).lineSpacing())
    y = question.bottom() + space["after_question"] * c

    choice_pad, row_gap = space["choice_pad"] * c, space["row_gap"] * c
    c_spacing = QFontMetricsF(c_font).lineSpacing()
    disc = c_spacing * space["disc"]
    key_metrics = QFontMetricsF(font(key_px))
    key_width = max((key_metrics.horizontalAdvance(choice_key_label(i)) for i in range(len(view.choices))), default=0.0)
    columns = max(1, min(style.columns, len(view.choices)))
    column_width = (inner_width - (columns - 1) * row_gap) / columns
    text_width = column_width - 4 * choice_pad - disc - key_width
    # Bold, as the right answer is drawn: the same lines fit whether or not it is revealed.
    choice_lines = [_elide(wrap_lines(text, c_font, text_width), limits.choice, c_font, text_width) for text in view.choices]
    choices: list[QRectF] = []
    for first in range(0, len(view.choices), columns):
        group = choice_lines[first : first + columns]
        row = max(max(disc, len(lines) * c_spacing) for lines in group) + 2 * choice_pad
        for i in range(len(group)):
            choices.append(QRectF(inner_left + i * (column_width + row_gap), y, column_width, row))
        y += row + row_gap
    y -= row_gap

    verdict = explanation = hint = None
    explanation_lines: tuple[str, ...] = ()
    hint_lines: tuple[str, ...] = ()
    gap = space["block_gap"] * c
    if view.revealed:
        if limits.verdict:
            verdict = QRectF(inner_left, y + gap, inner_width, c_spacing + 2 * choice_pad * 0.6)
            y = verdict.bottom()
        explanation_lines = _elide(wrap_lines(explain, e_font, inner_width), limits.explanation, e_font, inner_width)
        if explanation_lines:
            explanation = QRectF(inner_left, y + gap, inner_width, len(explanation_lines) * QFontMetricsF(e_font).lineSpacing())
            y = explanation.bottom()
    else:
        hint_lines = _elide(wrap_lines(view.hint(), h_font, inner_width), limits.explanation, h_font, inner_width)
        if hint_lines:
            hint = QRectF(inner_left, y + gap, inner_width, len(hint_lines) * QFontMetricsF(h_font).lineSpacing())
            y = hint.bottom()
    height = y + pad
    top = area.top() + max(margin, (area.height() - height) / 2)

    def moved(rect: QRectF | None) -> QRectF | None:
        return None if rect is None else rect.translated(0, top)

    return QuizCardGeometry(
        card=QRectF(left, top, width, height),
        question=question.translated(0, top),
        question_lines=question_lines,
        choices=tuple(r.translated(0, top) for r in choices),
        choice_lines=tuple(choice_lines),
        verdict=moved(verdict),
        explanation=moved(explanation),
        explanation_lines=explanation_lines,
        hint=moved(hint),
        hint_lines=hint_lines,
        question_px=q_px,
        choice_px=c_px,
        explain_px=e_px,
        key_px=key_px,
        hint_px=hint_px,
        margin=margin,
        choice_pad=choice_pad,
        disc=disc,
        key_width=key_width,
        columns=columns,
        elided=_was_cut(view, explain, question_lines, choice_lines, explanation_lines, limits),
        clickable=not view.revealed,
    )


def _was_cut(
    view: QuizView,
    explain: str,
    question: tuple[str, ...],
    choices: list[tuple[str, ...]],
    explanation: tuple[str, ...],
    limits: _Limits,
) -> bool:
    def whole(lines: tuple[str, ...], text: str) -> bool:
        return "".join("".join(lines).split()) == "".join(text.split())

    return not (
        whole(question, view.question)
        and all(whole(lines, text) for lines, text in zip(choices, view.choices, strict=True))
        and (not view.revealed or (whole(explanation, explain) and limits.verdict))
    )


def _moved(geometry: QuizCardGeometry, card: QRectF, elided: bool = True) -> QuizCardGeometry:
    """The same layout with fresh rects, moved to ``card``'s top: a copy when ``card`` is the
    card's own rect, or the last resort (a card clipped to the area, so text is cut)."""
    dy = card.top() - geometry.card.top()

    def moved(rect: QRectF | None) -> QRectF | None:
        return None if rect is None else rect.translated(0, dy)

    return replace(
        geometry,
        card=card,
        question=geometry.question.translated(0, dy),
        choices=tuple(r.translated(0, dy) for r in geometry.choices),
        verdict=moved(geometry.verdict),
        explanation=moved(geometry.explanation),
        hint=moved(geometry.hint),
        elided=elided,
    )


def quiz_choice_at(geometry: QuizCardGeometry, point: QPointF) -> int | None:
    """The choice under ``point`` (viewport pixels), or None: off the choices, or already revealed.

    The stage calls this from its mouse handler with the geometry it paints, so the click picks
    exactly the button drawn there; a click elsewhere on the card should still be swallowed by
    the stage (``geometry.card.contains``) so it does not select a device hidden under the card.
    """
    if not geometry.clickable:
        return None
    for index, rect in enumerate(geometry.choices):
        if rect.contains(point) and geometry.card.contains(point):
            return index
    return None


@dataclass(frozen=True, slots=True)
class QuizCardPalette:
    """The card's colours in one theme, each text colour beside the fill it is drawn on."""

    fill: QColor
    border: QColor
    text: QColor
    muted: QColor
    choice_fill: QColor
    disc_fill: QColor
    disc_text: QColor
    verdict_text: QColor


def quiz_card_palette(theme: Theme) -> QuizCardPalette:
    """Colours for the card; the letter disc's text is chosen against the accent for contrast
    (white on the dark theme's lighter blue would be 3.7:1)."""
    accent = theme.color("accent")
    return QuizCardPalette(
        fill=theme.color("panel_fill"),
        border=theme.color("panel_border"),
        text=theme.color("text"),
        muted=theme.color("muted"),
        choice_fill=theme.color("caption_fill"),
        disc_fill=accent,
        disc_text=chip_text_color(accent),
        verdict_text=QColor(ON_VERDICT),
    )


def paint_quiz_overlay(painter: QPainter, area: QRectF, view: QuizView, theme: Theme, k: float) -> None:
    """The question and choices, large enough for the back of a lecture hall, over the stage.

    Drawn in viewport pixels inside ``area`` (the network area, above the caption); ``k`` is the
    stage's overlay scale. Each choice carries its letter and its key (Ctrl+1 …). Once revealed,
    the right choice is green, a wrong choice made is red, and the verdict and the explanation
    follow the choices.
    """
    g = quiz_card_geometry(area, view, k)
    colors = quiz_card_palette(theme)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setClipRect(area, Qt.ClipOperation.IntersectClip)
    painter.setPen(QPen(colors.border, 2 * k))
    painter.setBrush(colors.fill)
    painter.drawRoundedRect(g.card, 16 * k, 16 * k)
    painter.setClipRect(g.card, Qt.ClipOperation.IntersectClip)

    painter.setPen(colors.text)
    _draw_lines(painter, g.question_lines, font(g.question_px, bold=True), g.question.left(), g.question.top())

    c_spacing = QFontMetricsF(font(g.choice_px)).lineSpacing()
    for index, (rect, lines) in enumerate(zip(g.choices, g.choice_lines, strict=True)):
        right = view.revealed and index == view.correct
        wrong = view.revealed and index == view.chosen and not right
        painter.setPen(QPen(colors.border, 1.5 * k))
        painter.setBrush(QColor(CORRECT) if right else QColor(WRONG) if wrong else colors.choice_fill)
        painter.drawRoundedRect(rect, 10 * k, 10 * k)
        disc = QRectF(rect.left() + g.choice_pad, rect.center().y() - g.disc / 2, g.disc, g.disc)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colors.verdict_text if right or wrong else colors.disc_fill)
        painter.drawEllipse(disc)
        painter.setPen(QColor(CORRECT if right else WRONG) if right or wrong else colors.disc_text)
        painter.setFont(font(g.choice_px, bold=True))
        painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, letter(index))
        ink = colors.verdict_text if right or wrong else colors.text
        painter.setPen(ink)
        text_left = disc.right() + g.choice_pad
        text_height = len(lines) * c_spacing
        text_top = rect.top() + max(g.choice_pad, (rect.height() - text_height) / 2)
        _draw_lines(painter, lines, font(g.choice_px, bold=right), text_left, text_top)
        key = choice_key_label(index)
        if key:
            painter.setPen(ink if right or wrong else colors.muted)
            painter.setFont(font(g.key_px))
            key_rect = QRectF(rect.right() - g.choice_pad - g.key_width, rect.top(), g.key_width, rect.height())
            painter.drawText(key_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), key)

    if g.verdict is not None:
        verdict = view.verdict()
        chip_font = font(g.choice_px, bold=True)
        painter.setFont(chip_font)
        metrics = QFontMetricsF(chip_font)
        text = metrics.elidedText(verdict, Qt.TextElideMode.ElideRight, g.verdict.width() - 2 * g.choice_pad)
        chip = QRectF(g.verdict.left(), g.verdict.top(), metrics.horizontalAdvance(text) + 2 * g.choice_pad, g.verdict.height())
        wrong = view.chosen is not None and view.chosen != view.correct
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(WRONG if wrong else CORRECT))
        painter.drawRoundedRect(chip, 8 * k, 8 * k)
        painter.setPen(colors.verdict_text)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
    if g.explanation is not None:
        painter.setPen(colors.text)
        _draw_lines(painter, g.explanation_lines, font(g.explain_px), g.explanation.left(), g.explanation.top())
    if g.hint is not None:
        painter.setPen(colors.muted)
        _draw_lines(painter, g.hint_lines, font(g.hint_px), g.hint.left(), g.hint.top())
    painter.restore()


def _draw_lines(painter: QPainter, lines: tuple[str, ...], f: QFont, left: float, top: float) -> None:
    """Lines laid out by ``wrap_lines``, drawn exactly where the geometry measured them."""
    painter.setFont(f)
    metrics = QFontMetricsF(f)
    y = top + metrics.ascent()
    for line in lines:
        painter.drawText(QPointF(left, y), line)
        y += metrics.lineSpacing()
