"""``export --html`` without a browser: the size budget, nothing fetched, safe text, the film's pause frames."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from animator.export.base import ExportCancelled, ExportOptions, no_progress
from animator.export.html import EXPORTER, build_page, film_json
from animator.export.html_assets import player_file
from animator.export.html_film import Packets, ViewFilm
from animator.export.html_markdown import markdown_html
from animator.export.registry import load_source
from tests.conftest import REPO

SCENE = REPO / "scenes" / "http-get.yaml"
#: The issue's budget for a 30-step scene.
BUDGET = 2_000_000


def thirty_steps(folder: Path) -> Path:
    """http-get.yaml's ten steps three times over: 30 steps of real packets, quizzes and chapters."""
    data = yaml.safe_load(SCENE.read_text(encoding="utf-8"))
    steps = []
    for round_ in range(3):
        for step in data["steps"]:
            step = copy.deepcopy(step)
            if round_:
                step.pop("id", None)
                step.pop("chapter", None)
            steps.append(step)
    data["steps"] = steps
    path = folder / "thirty.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_a_30_step_scene_fits_the_budget_and_reports_progress(tmp_path: Path) -> None:
    source = load_source(thirty_steps(tmp_path))
    assert source.chapters[0].timeline.step_count == 30
    calls: list[tuple[int, int, str]] = []
    out = tmp_path / "thirty.html"
    summary = EXPORTER.export(source, out, ExportOptions(), lambda d, t, w: calls.append((d, t, w)))
    size = out.stat().st_size
    assert size <= BUDGET, f"{size:,} bytes"
    assert "\n" not in summary and str(out) in summary and "30 steps" in summary
    total = calls[0][1]
    assert total == 2 * 31 + 1  # each pause point in both views, then the page
    assert [d for d, _, _ in calls] == sorted(d for d, _, _ in calls)
    assert calls[-1][:2] == (total, total)


def test_a_cancelled_export_writes_nothing(tmp_path: Path) -> None:
    def cancel(done: int, total: int, what: str) -> None:
        if done == 3:
            raise ExportCancelled

    out = tmp_path / "page.html"
    with pytest.raises(ExportCancelled):
        EXPORTER.export(load_source(SCENE), out, ExportOptions(), cancel)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def page() -> str:
    return build_page(load_source(SCENE), ExportOptions(), no_progress)[0]


def test_nothing_is_fetched(page: str) -> None:
    """No address to fetch anywhere, and a policy in the page that refuses every request anyway."""
    assert "default-src 'none'" in page and "font-src data:" in page
    assert not re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(https?:)?//""", page, re.I)
    assert "@import" not in page
    for name in ("page.html", "player.css", "player.js"):
        assert "http:" not in player_file(name) and "https:" not in player_file(name), name
    js = player_file("player.js")
    for api in ("fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "sendBeacon", "import(", "eval(", "new Function"):
        assert api not in js, api


def test_fonts_are_embedded_subsets(page: str) -> None:
    fonts = re.findall(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page)
    assert len(fonts) == 4
    assert all(f.startswith("d09GRg") for f in fonts)  # "wOFF"
    assert sum(len(f) for f in fonts) < 200_000


def test_the_film_cannot_end_its_script_element() -> None:
    film = {"caption": "</script><script>alert(1)</script><!-- x -->"}
    text = film_json(film)
    assert "</script" not in text.lower() and "<!--" not in text
    assert json.loads(text) == film


def test_markdown_is_escaped_and_only_web_links_are_kept() -> None:
    assert markdown_html("<b>hi</b> & **bold** *it* `a<b`") == (
        "<p>&lt;b&gt;hi&lt;/b&gt; &amp; <strong>bold</strong> <em>it</em> <code>a&lt;b</code></p>"
    )
    assert markdown_html("[x](javascript:alert(1))") == "<p>x</p>"
    link = markdown_html("[RFC 793](https://www.rfc-editor.org/rfc/rfc793)")
    assert 'href="https://www.rfc-editor.org/rfc/rfc793"' in link and 'rel="noopener noreferrer"' in link
    table = markdown_html("| a | b |\n|---|---|\n| 1 | **2** |")
    head, body = "<thead><tr><th>a</th><th>b</th></tr></thead>", "<tbody><tr><td>1</td><td><strong>2</strong></td></tr></tbody>"
    assert table == f"<table>{head}{body}</table>"
    assert markdown_html("- one\n- two\n  more\n\n1. first") == "<ul><li>one</li><li>two more</li></ul><ol><li>first</li></ol>"
    assert markdown_html("## Title") == "<h4>Title</h4>"
    assert markdown_html("") == ""


def test_each_step_ends_on_the_stage_pause_layout() -> None:
    """The last sample of a step is the pause point's layout exactly: chips moved clear, where
    ``StageLayout.boxes`` puts them at the boundary."""
    chapter = load_source(SCENE).chapters[0]
    view = ViewFilm(chapter, (1920, 1080), 1.0, Packets())
    built = view.build(lambda c, s: None)
    timeline = chapter.timeline
    for step in (3, 5, 9):
        frame = timeline.state_at(timeline.boundary(step))
        expected = sorted((b.ref, round(b.rect.cx), round(b.rect.cy)) for b in view.layout.boxes(frame) if b.kind == "chip")
        chips = built["samples"][step - 1][-1][1]
        ids = view.packets.ids
        got = sorted((ids[chips[i + 1]], chips[i + 2], chips[i + 3]) for i in range(0, len(chips), 5))
        assert got == expected
        caption = [built["boxes"][i] for i in built["states"][built["samples"][step - 1][-1][0]][0]]
        assert any(b["k"] == "caption" and b.get("f", b.get("t")) == frame.caption for b in caption)
