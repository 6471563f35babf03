"""Colours and type for the stage, in one place so themes (light, dark, high contrast) can swap.

The standard protocol palette is dark enough to carry white text on every chip, since a
projector washes out pale colours. The Okabe–Ito palette is the colour-blind-safe choice:
its eight colours stay distinct under the common colour-vision deficiencies, and a lecture
hall always has someone who cannot tell red from green. Several of them are light, so chip
text is black or white, whichever reads better (``chip_text_color``).

Every view that colours protocols (stage chips, legend, and later the ladder and inspector)
asks a ``Palette`` through ``protocol_color``, so a palette choice reaches all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QColor, QFont, QFontDatabase

from animator.resources import assets_dir

#: Chip fill per protocol (white text on all of them, contrast ≥ 4.5:1).
PROTOCOL_COLORS: dict[str, str] = {
    "ethernet": "#5f6b7a",
    "arp": "#8a5a00",
    "ip": "#3f4f8f",
    "ipv6": "#3f4f8f",
    "icmp": "#a3476e",
    "tcp": "#0061a8",
    "udp": "#00785a",
    "dns": "#b45309",
    "dhcp": "#6b5b00",
    "http": "#9b3f00",
    "http2": "#b0361d",
    "tls": "#7a3d9a",
    "quic": "#8e2a6a",
    "websocket": "#006f7a",
    "ssh": "#2f4858",
    "data": "#475569",
}

#: Okabe & Ito (2008), "Color Universal Design". Eight colours for sixteen protocols: the ones
#: that appear together in a scene (ARP, ICMP, TCP, UDP, DNS, HTTP, TLS) get distinct colours.
OKABE_ITO_COLORS: dict[str, str] = {
    "ethernet": "#000000",
    "arp": "#e69f00",
    "ip": "#000000",
    "ipv6": "#000000",
    "icmp": "#56b4e9",
    "tcp": "#0072b2",
    "udp": "#009e73",
    "dns": "#f0e442",
    "dhcp": "#e69f00",
    "http": "#d55e00",
    "http2": "#d55e00",
    "tls": "#cc79a7",
    "quic": "#cc79a7",
    "websocket": "#009e73",
    "ssh": "#0072b2",
    "data": "#999999",
}

PROTOCOL_NAMES: dict[str, str] = {
    "ethernet": "Ethernet",
    "arp": "ARP",
    "ip": "IPv4",
    "ipv6": "IPv6",
    "icmp": "ICMP",
    "tcp": "TCP",
    "udp": "UDP",
    "dns": "DNS",
    "dhcp": "DHCP",
    "http": "HTTP",
    "http2": "HTTP/2",
    "tls": "TLS",
    "quic": "QUIC",
    "websocket": "WebSocket",
    "ssh": "SSH",
    "data": "Data",
}


@dataclass(frozen=True)
class Palette:
    """Chip colours per protocol; a palette is chosen independently of the theme."""

    name: str
    label: str
    colors: dict[str, str]

    def color(self, protocol: str) -> QColor:
        return QColor(self.colors.get(protocol, self.colors["data"]))


STANDARD = Palette("standard", "Standard", dict(PROTOCOL_COLORS))
OKABE_ITO = Palette("okabe-ito", "Okabe–Ito (colour-blind safe)", OKABE_ITO_COLORS)
PALETTES: dict[str, Palette] = {p.name: p for p in (STANDARD, OKABE_ITO)}


def protocol_color(protocol: str, palette: Palette = STANDARD) -> QColor:
    """The one place a protocol gets its colour."""
    return palette.color(protocol)


def chip_text_color(fill: QColor) -> QColor:
    """White on dark chips, near-black on light ones: whichever has the higher WCAG contrast."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * channel(fill.redF()) + 0.7152 * channel(fill.greenF()) + 0.0722 * channel(fill.blueF())
    on_white = 1.05 / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return QColor("white") if on_white >= on_black else QColor("#111111")


#: Text scale presets for projectors (View → Text size); 1.0 is the design size.
TEXT_SCALES: tuple[float, ...] = (1.0, 1.25, 1.5, 2.0)


@dataclass(frozen=True)
class Theme:
    name: str = "light"
    background: str = "#f6f8fb"
    text: str = "#0f172a"
    muted: str = "#526071"
    link: str = "#9aa8ba"
    link_highlight: str = "#f59e0b"
    node_halo: str = "#fbbf24"
    badge_fill: str = "#1e293b"
    badge_text: str = "#ffffff"
    panel_fill: str = "#ffffff"
    panel_border: str = "#cbd5e1"
    bubble_fill: str = "#fff7d6"
    bubble_border: str = "#d99a06"
    caption_fill: str = "#ffffff"
    accent: str = "#2563eb"
    drop: str = "#dc2626"
    protocols: dict[str, str] = field(default_factory=lambda: dict(PROTOCOL_COLORS))

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))

    def protocol_color(self, protocol: str) -> QColor:
        return QColor(self.protocols.get(protocol, PROTOCOL_COLORS["data"]))


LIGHT = Theme()

#: For dark rooms and OLED laptops; chip colours stay the same so a legend learnt in one
#: theme reads the same in the other.
DARK = Theme(
    name="dark",
    background="#161b26",
    text="#e8edf5",
    muted="#9aa7b8",
    link="#55627a",
    link_highlight="#fbbf24",
    node_halo="#b7791f",
    badge_fill="#e8edf5",
    badge_text="#111827",
    panel_fill="#222a38",
    panel_border="#3d4a60",
    bubble_fill="#3b3217",
    bubble_border="#d9a521",
    caption_fill="#1f2735",
    accent="#3b82f6",
    drop="#f87171",
)

#: For washed-out projectors and low vision: pure black on white, heavier borders.
HIGH_CONTRAST = Theme(
    name="high-contrast",
    background="#ffffff",
    text="#000000",
    muted="#1a1a1a",
    link="#000000",
    link_highlight="#d55e00",
    node_halo="#f0e442",
    badge_fill="#000000",
    badge_text="#ffffff",
    panel_fill="#ffffff",
    panel_border="#000000",
    bubble_fill="#ffffff",
    bubble_border="#000000",
    caption_fill="#ffffff",
    accent="#0049a3",
    drop="#c00000",
)

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
    return f
