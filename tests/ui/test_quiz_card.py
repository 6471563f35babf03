"""The stage's quiz card: it fits the network area it is given, says the verdict and explains it
once revealed, takes clicks exactly where its choices are drawn, and reads in every theme."""

from __future__ import annotations

import functools

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication

from animator.engine import build_timeline
from animator.engine.timeline import Timeline
from animator.layout import StageLayout
from animator.model import load_scene
from animator.model.schema import Quiz
from animator.render.quiz_card import (
    CORRECT,
    FLOOR_PX,
    WRONG,
    QuizView,
    paint_quiz_overlay,
    plain_text,
    quiz_card_geometry,
    quiz_card_palette,
    quiz_choice_at,
)
from animator.render.theme import DARK, HIGH_CONTRAST, LIGHT, Theme
from tests.conftest import REPO

#: The brief's example: a 1280x720 stage whose network area lies between the title and caption bands.
AREA = QRectF(0, 60, 1280, 540)


@functools.cache
def shipped_quizzes() -> tuple[tuple[str, int, Quiz], ...]:
    """(scene, step, quiz) for every quiz in scenes/*.yaml."""
    found = []
    for path in sorted((REPO / "scenes").glob("*.yaml")):
        if "quiz" not in path.read_text(encoding="utf-8"):
            continue
        for number, step in enumerate(load_scene(path).steps, start=1):
            if step.quiz is not None:
                found.append((path.stem, number, step.quiz))
    return tuple(found)


def view_of(quiz: Quiz, revealed: bool = False, chosen: int | None = None) -> QuizView:
    correct = quiz.correct_index()
    assert correct is not None
    return QuizView(quiz.question, quiz.choices, correct, revealed, chosen, quiz.explain or "")


def long_quiz() -> Quiz:
    """The shipped quiz with the most text (question, choices and explanation)."""
    return max(
        (q for _, _, q in shipped_quizzes()), key=lambda q: len(q.question) + sum(map(len, q.choices)) + len(q.explain or "")
    )


def render(view: QuizView, theme: Theme = LIGHT, area: QRectF = AREA, k: float = 1.0) -> QImage:
    image = QImage(1280, 720, QImage.Format.Format_ARGB32)
    image.fill(QColor(theme.background))
    painter = QPainter(image)
    paint_quiz_overlay(painter, area, view, theme, k)
    painter.end()
    return image


def ink_pixels(image: QImage, rect: QRectF, fill: QColor) -> int:
    """How many pixels inside ``rect`` differ from the card's fill: text drawn there."""
    r = rect.toAlignedRect()
    return sum(
        1
        for x in range(max(0, r.left()), min(image.width(), r.right()), 2)
        for y in range(max(0, r.top()), min(image.height(), r.bottom()), 2)
        if image.pixelColor(x, y) != fill
    )


def network_areas(scene: str, width: int, height: int, text_scale: float) -> tuple[float, list[QRectF]]:
    """The overlay scale (``StageView.ui_scale``) and two areas a card must fit: the one the stage
    gives this scene (``StageLayout.quiz_area``: between the title band and the caption band), and
    the least any scene leaves, a caption at its largest share of the height (36 %,
    ``animator.layout.stage.CAPTION_SHARE``) under a title band."""
    k = max(0.75, min(3.0, height / 720)) * text_scale
    margin = 16 * k
    area = StageLayout(timeline_of(scene), (width, height), text_scale).quiz_area()
    return k, [
        QRectF(area.x, area.y, area.w, area.h),
        QRectF(margin, 0.14 * height, width - 2 * margin, 0.5 * height),
    ]


@functools.cache
def timeline_of(scene: str) -> Timeline:
    return build_timeline(load_scene(REPO / "scenes" / f"{scene}.yaml"))


def whole(lines: tuple[str, ...], text: str) -> bool:
    return "".join("".join(lines).split()) == "".join(text.split())


def test_after_the_reveal_the_card_shows_the_verdict_and_the_explanation(app: QApplication) -> None:
    quiz = long_quiz()
    asking = quiz_card_geometry(AREA, view_of(quiz), 1.0)
    assert asking.explanation is None and asking.verdict is None  # nothing given away before the reveal
    view = view_of(quiz, revealed=True, chosen=0)
    geometry = quiz_card_geometry(AREA, view, 1.0)
    assert geometry.verdict is not None and geometry.explanation is not None
    assert whole(geometry.explanation_lines, plain_text(quiz.explain or "")) and not geometry.elided
    assert geometry.verdict.bottom() <= geometry.explanation.top() and geometry.explanation.bottom() <= geometry.card.bottom()
    fill = quiz_card_palette(LIGHT).fill
    shown = render(view)
    # Every line of the explanation is drawn in its band of the explanation rect.
    band = geometry.explanation.height() / len(geometry.explanation_lines)
    for n in range(len(geometry.explanation_lines)):
        line = QRectF(geometry.explanation.left(), geometry.explanation.top() + n * band, geometry.explanation.width(), band)
        assert ink_pixels(shown, line, fill) > 100, f"line {n + 1} of the explanation is not drawn"
    # The verdict chip: red, as the choice made was wrong.
    chip = geometry.verdict.toAlignedRect()
    assert shown.pixelColor(chip.left() + 6, chip.center().y()) == QColor(WRONG)
    assert view.verdict() == f"✘ Not quite: the answer is {'ABCDEF'[view.correct]}"


def test_a_click_inside_a_choice_picks_that_choice_and_nowhere_else(app: QApplication) -> None:
    view = view_of(long_quiz())
    geometry = quiz_card_geometry(AREA, view, 1.0)
    for index, rect in enumerate(geometry.choices):
        assert quiz_choice_at(geometry, rect.center()) == index
        assert quiz_choice_at(geometry, rect.topLeft() + QPointF(2, 2)) == index
        assert quiz_choice_at(geometry, rect.bottomRight() - QPointF(2, 2)) == index
    assert quiz_choice_at(geometry, geometry.question.center()) is None
    assert quiz_choice_at(geometry, QPointF(geometry.card.center().x(), geometry.card.top() - 5)) is None
    between = QPointF(geometry.choices[0].center().x(), (geometry.choices[0].bottom() + geometry.choices[1].top()) / 2)
    assert quiz_choice_at(geometry, between) is None
    # Once revealed, a click changes nothing: the answer is on screen.
    revealed = quiz_card_geometry(AREA, view_of(long_quiz(), revealed=True), 1.0)
    assert quiz_choice_at(revealed, revealed.choices[0].center()) is None


def test_each_choice_on_the_card_carries_its_letter_and_key(app: QApplication) -> None:
    view = view_of(long_quiz())
    geometry = quiz_card_geometry(AREA, view, 1.0)
    image = render(view)
    palette = quiz_card_palette(LIGHT)
    for rect in geometry.choices:
        key_area = QRectF(rect.right() - geometry.choice_pad - geometry.key_width, rect.top(), geometry.key_width, rect.height())
        assert ink_pixels(image, key_area, palette.choice_fill) > 20  # "Ctrl+n" is drawn at the right
        disc_edge = QPointF(rect.left() + geometry.choice_pad + 2, rect.center().y())
        assert image.pixelColor(disc_edge.toPoint()) == palette.disc_fill  # the letter's disc
    assert "Ctrl+1–4" in " ".join(geometry.hint_lines)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("text_scale", [1.0, 1.5, 2.0])
def test_every_shipped_quiz_fits_the_network_area(app: QApplication, size: tuple[int, int], text_scale: float) -> None:
    for name, step, quiz in shipped_quizzes():
        k, areas = network_areas(name, *size, text_scale)
        for view in (view_of(quiz), view_of(quiz, revealed=True), view_of(quiz, revealed=True, chosen=0)):
            for n, area in enumerate(areas):
                g = quiz_card_geometry(area, view, k)
                state = "revealed" if view.revealed else "asking"
                where = f"{name} step {step} at {size} ×{text_scale} in area {n} ({area.height():.0f} px tall), {state}"
                assert area.contains(g.card), where  # the caption below stays readable
                assert all(g.card.contains(rect) for rect in g.choices), where  # every choice whole and clickable
                assert min(g.question_px, g.choice_px, g.explain_px, g.key_px, g.hint_px) >= FLOOR_PX * k, where
                # Whatever the room, the choices are never cut.
                assert all(whole(lines, text) for lines, text in zip(g.choice_lines, quiz.choices, strict=True)), where
                if text_scale < 2:  # room enough: nothing cut (at ×2 the explanation may be)
                    assert not g.elided, where
                if text_scale == 1 and n == 0:  # and text no smaller than the target sizes
                    assert g.question_px >= 20 * k and g.choice_px >= 18 * k, where


def test_a_tiny_area_still_keeps_the_card_inside_it(app: QApplication) -> None:
    area = QRectF(0, 100, 800, 120)
    g = quiz_card_geometry(area, view_of(long_quiz(), revealed=True, chosen=1), 1.0)
    assert area.contains(g.card) and g.elided


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", [LIGHT, DARK, HIGH_CONTRAST], ids=lambda t: t.name)
def test_card_text_has_at_least_4_5_to_1_contrast(theme: Theme) -> None:
    p = quiz_card_palette(theme)
    pairs = {
        "question and explanation on the card": (p.text, p.fill),
        "hint on the card": (p.muted, p.fill),
        "choice text": (p.text, p.choice_fill),
        "key label": (p.muted, p.choice_fill),
        "letter on its disc": (p.disc_text, p.disc_fill),
        "text on the right answer and the verdict": (p.verdict_text, QColor(CORRECT)),
        "text on a wrong answer and the verdict": (p.verdict_text, QColor(WRONG)),
        "letter on a right answer's disc": (QColor(CORRECT), p.verdict_text),
        "letter on a wrong answer's disc": (QColor(WRONG), p.verdict_text),
    }
    low = {what: round(contrast(*colors), 2) for what, colors in pairs.items() if contrast(*colors) < 4.5}
    assert not low, f"{theme.name}: {low}"
