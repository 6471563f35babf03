"""The sequence diagram reads on a projector: readable arrow ink in every theme and palette, a time pill over no step label."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from animator.engine.timeline import build_timeline
from animator.model import load_scene
from animator.render.theme import OKABE_ITO, PALETTES, THEMES
from animator.ui.inspect.contrast import contrast_ratio, readable_on
from animator.ui.inspect.ladder import LadderPanel, LadderView
from tests.conftest import REPO


@pytest.fixture
def panel(app: QApplication, qtbot: QtBot) -> LadderPanel:
    widget = LadderPanel()
    qtbot.addWidget(widget)
    widget.resize(520, 640)
    widget.show()
    return widget


def test_readable_on_keeps_the_hue_and_only_moves_as_far_as_needed() -> None:
    white, navy = QColor("#ffffff"), QColor("#222a38")
    yellow = QColor("#f0e442")
    ink = readable_on(yellow, white, 4.5)
    assert contrast_ratio(ink, white) >= 4.5
    assert abs(ink.hslHueF() - yellow.hslHueF()) < 0.02  # still a yellow (an olive), not black
    assert contrast_ratio(readable_on(yellow, white, 4.5), white) < 4.8  # the lightest that reads, not the darkest
    assert readable_on(QColor("#000000"), white, 4.5) == QColor("#000000")  # already fine: unchanged
    assert contrast_ratio(readable_on(QColor("#0072b2"), navy, 4.5), navy) >= 4.5  # lightened on the dark panel


@pytest.mark.parametrize("theme_name", sorted(THEMES))
@pytest.mark.parametrize("palette_name", sorted(PALETTES))
def test_every_protocol_colour_reads_on_the_ladder(panel: LadderPanel, theme_name: str, palette_name: str) -> None:
    """Labels at least 4.5:1 and lines at least 3:1 against the panel (7:1 and 4.5:1 in high contrast), past and future."""
    view = panel.view
    panel.set_theme(THEMES[theme_name])
    panel.set_palette(PALETTES[palette_name])
    background = view.background()
    assert background == THEMES[theme_name].color("panel_fill")
    text_min, line_min = (7.0, 4.5) if theme_name == "high-contrast" else (4.5, 3.0)
    for protocol in PALETTES[palette_name].colors:
        for future in (False, True):
            line, text = view.ink(protocol, future)
            assert contrast_ratio(line, background) >= line_min, (protocol, future, line.name())
            assert contrast_ratio(text, background) >= text_min, (protocol, future, text.name())
        past_line, _ = view.ink(protocol)
        future_line, _ = view.ink(protocol, future=True)
        # The future still looks lighter than what has happened (or, for pale hues, no darker).
        assert contrast_ratio(future_line, background) <= contrast_ratio(past_line, background) + 1e-6


def _darkest(image: QImage, rect: QRectF, background: QColor) -> float:
    """The highest contrast with the background of any pixel in ``rect``: the ink's core, past the anti-aliasing."""
    best = 1.0
    ratio = image.devicePixelRatio()
    for y in range(int(rect.top() * ratio) + 1, int(rect.bottom() * ratio)):
        for x in range(int(rect.left() * ratio) + 1, int(rect.right() * ratio)):
            best = max(best, contrast_ratio(image.pixelColor(x, y), background))
    return best


def test_the_okabe_ito_yellow_dns_arrow_is_drawn_readable(panel: LadderPanel) -> None:
    """As painted: the DNS label's glyphs and its line on white reach 4.5:1 and 3:1 (the raw #f0e442 is 1.3:1)."""
    view = panel.view
    panel.set_palette(OKABE_ITO)
    view.set_timeline(build_timeline(load_scene(REPO / "tests" / "ui" / "reference_scene.yaml")))
    dns = next(a for a in view.arrows if a.protocol == "dns" and a.hop == 0)
    view.set_time(dns.end + 0.01)  # drawn as the past: full ink
    image = view.viewport().grab().toImage()
    background = view.background()
    placed = view.label_rect(dns)
    assert placed is not None and placed[1] == "DNS A?"
    assert _darkest(image, placed[0], background) >= 4.5
    a, b = view.arrow_line(dns)
    quarter = a + (b - a) * 0.25  # away from the label box at the middle
    assert _darkest(image, QRectF(quarter - QPointF(3, 3), quarter + QPointF(3, 3)), background) >= 3.0


def _check_pill(view: LadderView, t: float) -> None:
    view.set_time(t)
    pill = view.time_pill_rect()
    labels = view.step_label_rects()
    assert labels, "a step label should be in view"
    for number, rect in labels:
        assert not pill.intersects(rect), f"the {view._time_text()} pill covers 'Step {number}' at t={t:.2f}"
    y = view.y_of(t)
    assert pill.top() - 1.5 <= y <= pill.bottom() + 1.5  # it still sits on the current-time line


@pytest.mark.parametrize("scene", ["scenes/http-get.yaml", "tests/ui/reference_scene.yaml"])
def test_the_time_pill_never_covers_a_step_label(panel: LadderPanel, scene: str) -> None:
    """Where the player pauses (each step's start and end) and everywhere in between."""
    view = panel.view
    view.set_timeline(build_timeline(load_scene(REPO / scene)))
    timeline = view.timeline
    moments = [k * 0.05 for k in range(int(timeline.duration / 0.05) + 1)]
    for span in timeline.steps:
        moments += [span.start + d for d in (-0.3, -0.1, 0.0, 0.05, 0.1, 0.2, 0.3) if 0 <= span.start + d <= timeline.duration]
    for t in moments:
        _check_pill(view, t)
    # At a pause point the pill stays in the gutter beside the time line, above the step's label.
    last = timeline.steps[-1]
    view.set_time(last.start)
    assert view.time_pill_rect().left() < 10
    assert view.time_pill_rect().bottom() <= dict(view.step_label_rects())[last.number].top()


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_a_selected_arrow_stays_visible_inside_its_halo(panel: LadderPanel, theme_name: str) -> None:
    """Orange HTTP arrows in the amber selection halo melted into one bar: a band of panel colour now parts them."""
    view = panel.view
    panel.set_theme(THEMES[theme_name])
    panel.set_palette(OKABE_ITO)
    view.set_timeline(build_timeline(load_scene(REPO / "scenes" / "http-get.yaml")))
    get = next(a for a in view.arrows if a.label.startswith("GET") and a.hop == 1)
    view.set_time(get.end + 0.1)
    view.set_selected(get.packet_id)
    image = view.viewport().grab().toImage()
    a, b = view.arrow_line(get)
    middle = (a + b) / 2
    direction = b - a
    length = (direction.x() ** 2 + direction.y() ** 2) ** 0.5
    normal = QPointF(-direction.y() / length, direction.x() / length)
    across = [image.pixelColor((middle + normal * (k / 2)).toPoint()) for k in range(0, 13)]  # centre to 6 px out
    background = view.background()
    line, _text = view.ink(get.protocol)
    assert contrast_ratio(across[0], line) < 1.5  # the arrow's own colour at its centre
    assert any(contrast_ratio(c, background) < 1.3 for c in across[3:7])  # then the panel's colour
    halo = QColor(THEMES[theme_name].color("link_highlight"))
    assert any(contrast_ratio(c, halo) < contrast_ratio(background, halo) / 1.5 for c in across[7:10])  # then the halo
