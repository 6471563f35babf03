"""``export --html OUT.html``: one self-contained page that plays a scene or a deck in any browser.

The page is the film of ``html_film`` (every box the stage draws, sampled in time), the packet
data of ``html_packets``, and the player of ``html_player/`` (hand-written JS and CSS, no
library), with the fonts, icons and colours of ``html_assets`` inlined. It fetches nothing:
a Content-Security-Policy in the page itself forbids every request (``default-src 'none'``,
fonts from ``data:`` only), so it behaves the same from ``file://``, a USB stick, a web server
or an LMS iframe, and a scene's text cannot make it load anything.

Qt-free: the layout measures text from the font files, so this runs on a server with no display.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from animator.export.base import Chapter, Exporter, ExportOptions, ExportSource, Progress
from animator.files import write_atomic


def _strings(value: Any) -> Iterator[str]:
    """Every string in the film (what the fonts must be able to draw)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "b":  # a frame's base64 bytes are never drawn
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def film_json(film: dict[str, Any]) -> str:
    """The film as JSON that is safe inside ``<script type="application/json">``: a ``</script>``
    or ``<!--`` in a caption cannot end the element or change how it is parsed."""
    text = json.dumps(film, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


def render_page(film: dict[str, Any], title: str) -> str:
    """The whole page: template, styles, fonts, icons, film and player, in one string."""
    from animator.export.html_assets import colour_css, font_css, font_license, icon_symbols, player_file

    template, css, js = player_file("page.html"), player_file("player.css"), player_file("player.js")
    characters = set("".join(_strings(film))) | set(template) | set(js)
    icons = {node["icon"] for chapter in film["chapters"] for node in chapter["nodes"]}
    parts = {
        "title": html.escape(title, quote=False),
        "license": font_license(),
        "fonts": font_css(characters),
        "colours": colour_css(),
        "css": css,
        "icons": icon_symbols(icons),
        "film": film_json(film),
        "js": js.replace("</script", "<\\/script"),
        "theme": html.escape(film["looks"]["theme"]),
        "palette": html.escape(film["looks"]["palette"]),
    }
    # One pass, so a marker that happens to appear in a caption is never substituted.
    return re.sub(r"<!--@(\w+)-->", lambda m: parts[m.group(1)], template)


def build_page(source: ExportSource, options: ExportOptions, progress: Progress) -> tuple[str, dict[str, Any]]:
    """The page for ``source`` and the film in it (tests read the film)."""
    from animator.export.html_assets import looks_menu
    from animator.export.html_film import build_film
    from animator.export.html_packets import FrameTable, packet_data

    # Each pause point twice (the wide and the compact view), and a last unit for the packets, fonts and page.
    total = 2 * source.step_total() + 1
    done = 0

    def step_done(chapter: Chapter, step: int) -> None:
        nonlocal done
        progress(done, total, f"{chapter.title}: step {step}")
        done += 1

    film, shown = build_film(source, options.size, options.scale, step_done)
    progress(done, total, "packets, fonts and page")
    frames = FrameTable()
    for chapter_film, (chapter, packet_ids) in zip(film["chapters"], shown, strict=True):
        chapter_film["packets"] = packet_data(chapter.timeline, packet_ids, frames)
    film["frames"] = frames.frames
    film["strings"] = frames.strings
    film["nodes"] = frames.nodes
    film["looks"] = {"theme": options.theme, "palette": options.palette, **looks_menu()}
    return render_page(film, source.title), film


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    page, film = build_page(source, options, progress)
    data = page.encode("utf-8")
    write_atomic(out, data)
    total = 2 * source.step_total() + 1
    progress(total, total, "done")
    steps = sum(len(c["steps"]) for c in film["chapters"])
    played = f"{steps} step{'s' if steps != 1 else ''}" if steps else "one pause point"
    scenes = f" in {len(film['chapters'])} scenes" if source.is_deck else ""
    return f"wrote {out} ({len(data) / 1e6:.2f} MB): {played}{scenes}, plays offline in any browser"


EXPORTER = Exporter(
    key="html",
    label="Web page (plays anywhere)…",
    help="one self-contained HTML file that plays the scene in any browser, offline",
    suffixes=(".html",),
    export=_export,
    options=("size", "theme", "palette", "scale"),
)
