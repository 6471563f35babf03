"""Colours of the stage as plain data: the themes and the protocol palettes, with no Qt.

The layout stage reports the colours each piece of text is drawn in (so a test can check
contrast without drawing anything), and exporters that never load Qt need them too; the Qt
views wrap these values in ``animator.render.theme``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    "pgsql": "#2f5f8a",
    "ssh": "#2f4858",
    "data": "#475569",
}

#: Okabe & Ito (2008), "Color Universal Design". Eight colours for seventeen protocols: the ones
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
    "pgsql": "#0072b2",
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
    "pgsql": "PostgreSQL",
    "ssh": "SSH",
    "data": "Data",
}


@dataclass(frozen=True)
class Palette:
    """Chip colours per protocol; a palette is chosen independently of the theme."""

    name: str
    label: str
    colors: dict[str, str]

    def hex(self, protocol: str) -> str:
        return self.colors.get(protocol, self.colors["data"])


STANDARD = Palette("standard", "Standard", dict(PROTOCOL_COLORS))
OKABE_ITO = Palette("okabe-ito", "Okabe–Ito (colour-blind safe)", OKABE_ITO_COLORS)
PALETTES: dict[str, Palette] = {p.name: p for p in (STANDARD, OKABE_ITO)}

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

    def hex(self, name: str) -> str:
        return str(getattr(self, name))


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
    # White step counters need 4.5:1 on the accent: #3b82f6 gave 3.7.
    accent="#2563eb",
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


def luminance(hex_color: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    value = hex_color.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two ``#rrggbb`` colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def chip_text_hex(fill: str) -> str:
    """White on dark chips, near-black on light ones: whichever has the higher WCAG contrast."""
    return "#ffffff" if contrast("#ffffff", fill) >= contrast("#111111", fill) else "#111111"


@dataclass(frozen=True)
class GraphColors:
    """The TCP graph's colours, one per line, as ``#rrggbb`` (the app's panel, the exports and the
    HTML player all draw with these)."""

    segments: str
    retransmissions: str
    ack: str
    window: str
    cwnd: str
    ssthresh: str
    rwnd: str
    text: str
    grid: str
    background: str
    cursor: str


def graph_colors(theme: Theme) -> GraphColors:
    """Okabe–Ito colours that read on ``theme``'s background."""
    dark = luminance(theme.background) < 0.2
    blue = "#56b4e9" if dark else "#0072b2"
    red = "#e69f00" if dark else "#d55e00"
    green = "#009e73"
    purple = "#cc79a7" if dark else "#b8689a"  # Okabe-Ito's reddish purple, darkened to 3.6:1 on white
    return GraphColors(
        segments=blue,
        retransmissions=red,
        ack=green,
        window=purple,
        cwnd=blue,
        ssthresh=red,
        rwnd=green,
        text=theme.text,
        grid=theme.panel_border,
        background=theme.background,
        cursor=theme.text,
    )
