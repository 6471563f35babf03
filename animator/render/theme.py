"""Colours and type for everything Qt draws, in one place so themes (light, dark, high contrast) can swap.

The standard protocol palette is dark enough to carry white text on every chip, since a
projector washes out pale colours. The Okabe–Ito palette is the colour-blind-safe choice:
its eight colours stay distinct under the common colour-vision deficiencies, and a lecture
hall always has someone who cannot tell red from green. Several of them are light, so chip
text is black or white, whichever reads better (``chip_text_color``).

Every view that colours protocols (stage chips, legend, the ladder, the exporters) asks a
``Palette`` through ``protocol_color``, so a palette choice reaches all of them. The values
themselves are Qt-free (``animator.looks``); this module only wraps them in QColors and QFonts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtGui import QColor, QFont, QFontDatabase

from animator import looks
from animator.looks import OKABE_ITO_COLORS, PROTOCOL_COLORS, PROTOCOL_NAMES, TEXT_SCALES
from animator.resources import assets_dir

__all__ = ["OKABE_ITO_COLORS", "PROTOCOL_COLORS", "PROTOCOL_NAMES", "TEXT_SCALES"]


@dataclass(frozen=True)
class Palette(looks.Palette):
    """A protocol palette (``animator.looks``) that hands out QColors."""

    def color(self, protocol: str) -> QColor:
        return QColor(self.hex(protocol))


STANDARD = Palette(**vars(looks.STANDARD))
OKABE_ITO = Palette(**vars(looks.OKABE_ITO))
PALETTES: dict[str, Palette] = {p.name: p for p in (STANDARD, OKABE_ITO)}


def protocol_color(protocol: str, palette: Palette = STANDARD) -> QColor:
    """The one place a protocol gets its colour."""
    return palette.color(protocol)


def chip_text_color(fill: QColor) -> QColor:
    """White on dark chips, near-black on light ones: whichever has the higher WCAG contrast."""
    return QColor(looks.chip_text_hex(fill.name()))


@dataclass(frozen=True)
class Theme(looks.Theme):
    """A stage theme (``animator.looks``) that hands out QColors."""

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))

    def protocol_color(self, protocol: str) -> QColor:
        return QColor(self.protocols.get(protocol, PROTOCOL_COLORS["data"]))


def _qt_theme(theme: looks.Theme) -> Theme:
    return Theme(**{f.name: getattr(theme, f.name) for f in fields(theme)})


LIGHT = _qt_theme(looks.LIGHT)
DARK = _qt_theme(looks.DARK)
HIGH_CONTRAST = _qt_theme(looks.HIGH_CONTRAST)
THEMES: dict[str, Theme] = {theme.name: theme for theme in (LIGHT, DARK, HIGH_CONTRAST)}

#: The family every view uses. Shipped with the app (DejaVu, a free licence) so a frame renders
#: the same on a lecturer's Mac, a student's Windows laptop and the CI machine.
FONT_FAMILY = "DejaVu Sans"
MONO_FAMILY = "DejaVu Sans Mono"
_fonts_loaded = False


def load_fonts() -> None:
    """Register the bundled fonts once per process (needs a Q(Gui)Application)."""
    global _fonts_loaded
    if _fonts_loaded:
        return
    for path in sorted((assets_dir() / "fonts").glob("*.ttf")):
        QFontDatabase.addApplicationFont(str(path))
    _fonts_loaded = True


def font(pixel_size: float, bold: bool = False, mono: bool = False) -> QFont:
    f = QFont(MONO_FAMILY if mono else FONT_FAMILY)
    f.setPixelSize(max(1, round(pixel_size)))
    f.setBold(bold)
    f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    # Plain advances, no kerning: the Qt-free layout (animator.layout.text) measures text from
    # the same fonts' advance widths, so what it lays out is exactly what Qt draws.
    f.setKerning(False)
    return f
