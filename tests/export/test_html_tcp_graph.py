"""The exported page of a scene with a TCP graph draws it beside the stage, cut at the player's time,
as the app's panel does: the graph grows as the lesson plays and shrinks when a student steps back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from animator.export.base import ExportOptions, no_progress
from animator.export.html import build_page
from animator.export.registry import load_source
from animator.files import write_atomic
from tests.conftest import CHROMIUM, REPO

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    out = tmp_path_factory.mktemp("graph")
    made = {}
    for name in ("tcp-congestion-control", "http-get"):
        page, film = build_page(load_source(REPO / "scenes" / f"{name}.yaml"), ExportOptions(), no_progress)
        write_atomic(out / f"{name}.html", page)
        made[name] = (out / f"{name}.html", film)
    return made


def open_page(browser: Any, path: Path, errors: list[str], width: int = 1920, height: int = 1080) -> Any:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("#stage .fixed use")
    return page


def data_moves(page: Any) -> int:
    """How many data bars the sequence plot draws now (one ``M`` per bar)."""
    d = page.evaluate("""() => [...document.querySelectorAll('#graph-svg path.line')]
        .filter((p) => p.getAttribute('style').includes('--graph-segments')).map((p) => p.getAttribute('d')).join('')""")
    return int(d.count("M"))


def test_the_graph_grows_with_the_lesson_and_shrinks_back(browser: Any, pages: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    path, film = pages["tcp-congestion-control"]
    graph = film["chapters"][0]["graph"]
    assert graph is not None and graph["mss"] == 1000 and set(graph["samples"]) == {"cwnd", "ssthresh"}
    errors: list[str] = []
    page = open_page(browser, path, errors)
    assert page.is_visible("#graph")
    assert data_moves(page) == 0 and "nothing sent yet" in page.inner_text("#graph-now")
    page.evaluate("packetstage.goTo(3)")
    at_three = data_moves(page)
    page.evaluate("packetstage.goTo(5)")
    at_five = data_moves(page)
    # Round trips of 1, 2 and 4 segments by step 3; 8 more by step 5 (cwnd 8 then 12).
    assert 0 < at_three < at_five
    assert "cwnd 6000 B" in page.inner_text("#graph-now") and "ssthresh 6000 B" in page.inner_text("#graph-now")
    page.evaluate("packetstage.goTo(3)")
    assert data_moves(page) == at_three, "stepping back takes the later bars away"
    # Every line takes its colour from the theme: the dark theme's sky blue for data and cwnd.
    page.select_option("#theme", "dark")
    colour = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--graph-segments').trim()")
    assert colour == "#56b4e9"
    assert errors == []


def test_a_phone_shows_the_graph_under_the_stage_whole(browser: Any, pages: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    errors: list[str] = []
    page = open_page(browser, pages["tcp-congestion-control"][0], errors, 390, 844)
    box = page.locator("#graph-svg").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert errors == []


def test_a_scene_without_a_graph_shows_none(browser: Any, pages: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    path, film = pages["http-get"]
    assert film["chapters"][0]["graph"] is None
    errors: list[str] = []
    page = open_page(browser, path, errors)
    page.evaluate("packetstage.goTo(3)")
    assert page.is_hidden("#graph")
    assert errors == []
