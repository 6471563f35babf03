"""WCAG contrast, and a protocol colour nudged until it reads on a given background.

The protocol palettes are chosen as *fills* (chips carry their own text): on a white panel the
Okabe–Ito yellow (#f0e442), orange and sky blue are nearly invisible as a thin arrow or as
text, and on the dark theme the standard blues sink into the panel. Views that draw a protocol
colour as ink on a background (the ladder's arrows and their labels) ask ``readable_on`` for
the nearest colour of the same hue that reaches the WCAG ratio: 4.5:1 for text, 3:1 for lines
and other non-text marks (WCAG 2.1, 1.4.3 and 1.4.11). A colour that already reads is kept, so
the legend and the chips still match the arrows wherever they can.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtGui import QColor

#: WCAG 2.1 minimums: normal text (1.4.3) and graphical objects such as lines (1.4.11).
TEXT_RATIO = 4.5
LINE_RATIO = 3.0


def relative_luminance(color: QColor) -> float:
    """WCAG relative luminance of an opaque colour (0 black … 1 white)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two opaque colours, 1 (same) … 21 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def over(color: QColor, background: QColor) -> QColor:
    """``color`` with its alpha painted over an opaque ``background``: what the eye gets, for measuring."""
    alpha = color.alphaF()
    return QColor.fromRgbF(
        color.redF() * alpha + background.redF() * (1 - alpha),
        color.greenF() * alpha + background.greenF() * (1 - alpha),
        color.blueF() * alpha + background.blueF() * (1 - alpha),
    )


def toward(color: QColor, background: QColor, amount: float) -> QColor:
    """``color`` moved ``amount`` (0…1) of the way to ``background``: a lighter, "not yet" version of it."""
    faded = QColor(color)
    faded.setAlphaF(1 - amount)
    return over(faded, background)


def readable_on(color: QColor, background: QColor, ratio: float) -> QColor:
    """``color`` with its hue and saturation kept and its lightness moved just far enough to reach ``ratio``.

    Darkened on a light background, lightened on a dark one (whichever end of the lightness
    scale contrasts more with the background; the other end is tried if that one cannot reach
    the ratio). Returns ``color`` itself, made opaque, when it already reads.
    """
    color = over(color, background) if color.alphaF() < 1 else QColor(color)
    if contrast_ratio(color, background) >= ratio:
        return color
    hue, saturation, lightness, _alpha = cast(tuple[float, float, float, float], color.getHslF())
    hue = max(hue, 0.0)  # Qt gives -1 for greys
    black, white = QColor("black"), QColor("white")
    darker_first = contrast_ratio(black, background) >= contrast_ratio(white, background)
    best = color
    for darken in (darker_first, not darker_first):
        # Bisect the lightness between the colour's own (fails) and the extreme (may pass); the
        # luminance is monotonic in lightness at a fixed hue and saturation.
        near, far = lightness, 0.0 if darken else 1.0
        end = QColor.fromHslF(hue, saturation, far)
        if contrast_ratio(end, background) < ratio:
            if contrast_ratio(end, background) > contrast_ratio(best, background):
                best = end
            continue
        for _ in range(24):
            middle = (near + far) / 2
            if contrast_ratio(QColor.fromHslF(hue, saturation, middle), background) >= ratio:
                far = middle
            else:
                near = middle
        return QColor.fromHslF(hue, saturation, far)
    return best
