"""What the exported page embeds so it needs nothing else: fonts, icons, colours, its own code.

- **Fonts**: the bundled DejaVu faces, cut with fontTools to the characters the page uses and
  embedded as base64 WOFF. The layout measured every text with these very faces' advance
  widths (``animator.layout.text``), so the browser's text fills the boxes exactly as Qt's
  does; a system font would overrun them. Hinting and OpenType layout tables go (Qt draws
  unhinted, without kerning), which also keeps the four faces near 100 KB.
- **Icons**: ``assets/icons/*.svg`` as ``<symbol>``s, drawn with ``<use>``.
- **Colours**: the themes and palettes of ``animator.looks`` as CSS variables, one rule per
  theme and palette, so the page switches them by changing one attribute.
- **The player**: ``html_player/`` (page template, CSS, JS), read as package data.
"""

from __future__ import annotations

import base64
import colorsys
import io
import re
from collections.abc import Iterable
from importlib import resources

from animator import looks
from animator.resources import assets_dir

#: CSS family and weight of each bundled face.
FACES = (
    ("DejaVuSans.ttf", "PSSans", 400),
    ("DejaVuSans-Bold.ttf", "PSSans", 700),
    ("DejaVuSansMono.ttf", "PSMono", 400),
    ("DejaVuSansMono-Bold.ttf", "PSMono", 700),
)
#: Theme fields that are colours (``looks.Theme`` also has a name and the protocol colours).
THEME_ROLES = tuple(
    name for name in looks.Theme.__dataclass_fields__ if name not in ("name", "protocols") and not name.startswith("_")
)
PLAYER_PACKAGE = "animator.export.html_player"


def player_file(name: str) -> str:
    """A file of the player (``page.html``, ``player.css``, ``player.js``), from the installed package."""
    return resources.files(PLAYER_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def font_license() -> str:
    """The Bitstream Vera licence the fonts are distributed under (it asks to travel with them)."""
    text = (assets_dir() / "fonts" / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    start = text.find("Copyright:")
    end = text.find("Files: debian/*")
    body = text[start : end if end > start else None].strip()
    return body.replace("--", "- -")  # never close the HTML comment it sits in


def font_css(characters: Iterable[str]) -> str:
    """``@font-face`` rules with the four faces cut to ``characters`` (plus printable ASCII)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    unicodes = sorted({ord(c) for c in characters if c.isprintable()} | set(range(0x20, 0x7F)) | {0x2026, 0xA0})
    rules = []
    for file, family, weight in FACES:
        options = subset.Options()
        options.hinting = False
        options.layout_features = []
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "DSIG", "FFTM"]
        options.name_IDs = [0, 1, 2, 7]
        options.flavor = "woff"
        font = TTFont(str(assets_dir() / "fonts" / file))
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.flavor = "woff"
        font.save(buffer)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        rules.append(
            f"@font-face{{font-family:{family};font-weight:{weight};font-style:normal;font-display:block;"
            f'src:url(data:font/woff;base64,{data}) format("woff")}}'
        )
    return "\n".join(rules)


def icon_symbols(kinds: Iterable[str]) -> str:
    """The icons the scenes use as ``<symbol id="icon-KIND">``, each file's drawing unchanged."""
    symbols = []
    for kind in sorted(set(kinds)):
        path = assets_dir() / "icons" / f"{kind}.svg"
        if not path.is_file():
            continue
        svg = path.read_text(encoding="utf-8")
        svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
        svg = re.sub(r"<title>.*?</title>", "", svg, flags=re.S)
        svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
        root = re.search(r"<svg\b[^>]*>", svg)
        if root is None:
            continue
        view_box = re.search(r'viewBox="([^"]+)"', root.group(0))
        inner = svg[root.end() : svg.rfind("</svg>")]
        inner = re.sub(r">\s+<", "><", inner.strip())
        box = view_box.group(1) if view_box else "0 0 64 64"
        symbols.append(f'<symbol id="icon-{kind}" viewBox="{box}">{inner}</symbol>')
    return "".join(symbols)


def darker(hex_color: str, factor: float = 1.35) -> str:
    """Qt's ``QColor.darker(135)``: the value (HSV) divided by the factor; a chip's outline."""
    value = hex_color.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    r, g, b = colorsys.hsv_to_rgb(h, s, v / factor)
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))


#: The TCP graph's lines, each a colour variable per theme (``looks.graph_colors``), as the app draws them.
GRAPH_LINES = ("segments", "retransmissions", "ack", "window", "cwnd", "ssthresh", "rwnd")


def colour_css() -> str:
    """One rule per theme and per palette, setting the variables the page's colours read."""
    rules = []
    for theme in looks.THEMES.values():
        graph = looks.graph_colors(theme)
        lines = [f"--graph-{line}:{getattr(graph, line)}" for line in GRAPH_LINES]
        body = ";".join([*(f"--{role}:{theme.hex(role)}" for role in THEME_ROLES), "--white:#ffffff", *lines])
        selector = f'html[data-theme="{theme.name}"]'
        rules.append(f"{selector}{{{body}}}")
    for palette in looks.PALETTES.values():
        parts = []
        for protocol in looks.PROTOCOL_COLORS:
            fill = palette.hex(protocol)
            parts += [
                f"--protocol-{protocol}:{fill}",
                f"--chip-text-{protocol}:{looks.chip_text_hex(fill)}",
                f"--chip-border-{protocol}:{darker(fill)}",
            ]
        rules.append(f'html[data-palette="{palette.name}"]{{{";".join(parts)}}}')
    return "\n".join(rules)


def looks_menu() -> dict[str, list[list[str]]]:
    """The theme and palette choices the page offers, with their names as the app shows them."""
    themes = [["light", "Light"], ["dark", "Dark"], ["high-contrast", "High contrast"]]
    themes = [t for t in themes if t[0] in looks.THEMES]
    palettes = [[p.name, p.label] for p in looks.PALETTES.values()]
    return {"themes": themes, "palettes": palettes}
