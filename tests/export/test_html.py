"""``export --html``: the exported page played in a real browser (Debian's chromium, driven by Playwright).

One browser for the whole module; each test opens the page in a fresh context that records every
request (anything but ``file:`` or ``data:`` fails the test, and is aborted) and every console
message or page error (any fails the test). Screenshots go to ``$PACKETSTAGE_SHOTS`` when set (to
look at them), else to the test's temporary folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from animator.export.base import ExportOptions, no_progress
from animator.export.html import build_page
from animator.export.registry import load_source
from animator.files import write_atomic
from animator.layout import text as tx
from tests.conftest import CHROMIUM, REPO

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")

SCENE = REPO / "scenes" / "http-get.yaml"
DECK = REPO / "scenes" / "intro.deck.yaml"


@dataclass
class Export:
    path: Path
    film: dict[str, Any]


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Export]:
    out = tmp_path_factory.mktemp("html")
    made = {}
    # The intro deck again, with its scenes in two parts of a course.
    parted = out / "parts"
    parted.mkdir()
    for scene in ("tcp-handshake.yaml", "http-get.yaml", "home-nat.yaml"):
        (parted / scene).write_bytes((REPO / "scenes" / scene).read_bytes())
    text = DECK.read_text(encoding="utf-8")
    text = text.replace("file: tcp-handshake.yaml", "file: tcp-handshake.yaml\n    part: Transport")
    text = text.replace("file: http-get.yaml", "file: http-get.yaml\n    part: The web")
    (parted / "course.deck.yaml").write_text(text, encoding="utf-8")
    for name, source in (("scene", SCENE), ("deck", DECK), ("parts", parted / "course.deck.yaml")):
        page, film = build_page(load_source(source), ExportOptions(), no_progress)
        path = out / f"{name}.html"
        write_atomic(path, page)
        made[name] = Export(path, film)
    return made


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = os.environ.get("PACKETSTAGE_SHOTS")
    path = Path(folder) if folder else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Visit:
    """A page open in its own browser context, with what it asked for and what it complained about."""

    page: Any
    context: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def state(self) -> dict[str, Any]:
        return dict(self.page.evaluate("packetstage.state()"))

    def press(self, key: str) -> dict[str, Any]:
        self.page.keyboard.press(key)
        return self.state()

    def settle(self, wait_ms: int = 0) -> dict[str, Any]:
        """Finish a step that is playing (→ while playing finishes it, as the app's clicker)."""
        if wait_ms:
            self.page.wait_for_timeout(wait_ms)
        state = self.state()
        if state["playing"]:
            state = self.press("ArrowRight")
        assert not state["playing"]
        return state


@pytest.fixture
def visit(browser: Any, exports: dict[str, Export]) -> Iterator[Callable[..., Visit]]:
    opened: list[Visit] = []

    def open_page(name: str = "scene", width: int = 1920, height: int = 1080, touch: bool = False) -> Visit:
        context = browser.new_context(viewport={"width": width, "height": height}, has_touch=touch)
        page = context.new_page()
        visit = Visit(page, context)

        def route(r: Any) -> None:
            url = r.request.url
            if url.startswith(("file:", "data:")):
                r.continue_()
            else:
                visit.requests.append(url)
                r.abort()

        context.route("**/*", route)
        page.on("request", lambda req: None if req.url.startswith(("file:", "data:")) else visit.requests.append(req.url))
        page.on("console", lambda m: visit.errors.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: visit.errors.append(f"page error: {e}"))
        page.goto(exports[name].path.as_uri())
        page.wait_for_selector("#stage .fixed use")
        opened.append(visit)
        return visit

    yield open_page
    for v in opened:
        v.context.close()
    for v in opened:
        assert not v.requests, f"the page asked the network for {v.requests}"
        assert not v.errors, f"console errors: {v.errors}"


def _caption(film: dict[str, Any], chapter: int, step: int) -> str:
    ch = film["chapters"][chapter]
    return str(ch["steps"][step - ch["first"] - 1]["caption"] if step > ch["first"] else ch["start"]["caption"])


def _quiz_steps(film: dict[str, Any]) -> list[int]:
    ch = film["chapters"][0]
    return [ch["first"] + 1 + i for i, s in enumerate(ch["steps"]) if "quiz" in s]


# -- playing ----------------------------------------------------------------------------------
def test_right_arrow_walks_every_step_showing_its_caption(visit: Callable[..., Visit], exports: dict[str, Export]) -> None:
    """→ until the end: every pause point shows its caption (live region and counter); a question
    is asked before its step, → reveals it, → plays the step."""
    v = visit()
    film = exports["scene"].film
    count = film["chapters"][0]["count"]
    seen, asked = [], []
    state = v.state()
    for _ in range(4 * count + 10):
        if state["quiz"]["phase"] == "asking":
            asked.append(state["quiz"]["step"])
            assert v.page.locator("#quiz .question").is_visible()
            state = v.press("ArrowRight")
            assert state["quiz"]["phase"] == "revealed"
            state = v.press("ArrowRight")
            continue
        if state["playing"]:
            state = v.settle(wait_ms=120)  # a little of the animation, then finish the step
            continue
        step = state["step"]
        assert v.page.inner_text("#caption") == _caption(film, 0, step)
        assert v.page.inner_text("#counter") == f"{step} / {count}"
        assert v.page.locator("#stage .over text").filter(has_text=f"{step} / {count}").count() == 1
        seen.append(step)
        if step == count:
            break
        state = v.press("ArrowRight")
    assert seen == list(range(count + 1))
    assert asked == _quiz_steps(film)


def test_the_app_keys(visit: Callable[..., Visit], exports: dict[str, Export]) -> None:
    """End, Home, ←, V (this step backwards), R (replay it), a number + Enter (play that step)."""
    v = visit()
    count = exports["scene"].film["chapters"][0]["count"]
    assert v.press("End")["step"] == count
    assert v.press("ArrowLeft")["step"] == count - 1
    assert v.press("Home")["step"] == 0
    bounds = exports["scene"].film["chapters"][0]["bounds"]
    v.page.evaluate("packetstage.goTo(6)")
    state = v.press("v")
    assert state["playing"] and state["direction"] == -1
    v.page.wait_for_timeout(150)
    assert bounds[5] < v.state()["time"] < bounds[6]  # running backwards through step 6
    state = v.press("ArrowRight")  # finishes the reverse at once: the pause point before step 6
    assert (state["step"], state["playing"]) == (5, False)
    state = v.press("r")  # replay step 5, from the pause point before it
    assert state["playing"] and state["direction"] == 1 and state["step"] in (4, 5)
    assert v.settle(wait_ms=100)["step"] == 5
    quizzes = set(_quiz_steps(exports["scene"].film))
    target = next(n for n in range(2, count) if n not in quizzes)
    for digit in str(target):
        v.page.keyboard.press(digit)
    assert v.page.inner_text("#prompt") == f"Step {target} (Enter)"
    state = v.press("Enter")  # from the pause point before it
    assert state["playing"] and state["step"] in (target - 1, target)
    assert v.settle(wait_ms=100)["step"] == target
    assert v.page.is_hidden("#prompt")


def test_a_quiz_is_answered_and_scored(visit: Callable[..., Visit], exports: dict[str, Export]) -> None:
    film = exports["scene"].film
    step = _quiz_steps(film)[0]
    quiz = film["chapters"][0]["steps"][step - 1]["quiz"]
    v = visit()
    for digit in str(step):
        v.page.keyboard.press(digit)
    state = v.press("Enter")  # "play step N": its question comes first
    assert state["quiz"]["phase"] == "asking" and state["quiz"]["step"] == step
    assert v.page.inner_text("#quiz .question") == "Question: " + quiz["q"]
    assert v.page.is_visible("#prompt")
    total = len(_quiz_steps(film))
    assert v.page.inner_text("#score") == f"Quiz score: 0 / {total} correct"
    v.page.locator("#quiz .choices button").nth(quiz["answer"]).click()
    assert v.state()["quiz"]["phase"] == "revealed"
    assert v.page.inner_text("#score") == f"Quiz score: 1 / {total} correct"
    assert "Correct" in v.page.inner_text("#quiz .verdict")
    assert v.page.locator("#quiz .choices button.right").count() == 1
    state = v.press("ArrowRight")  # the answer seen: → plays the step
    assert state["playing"] and state["quiz"]["phase"] == "idle"
    assert v.settle()["step"] == step
    assert v.page.inner_text("#caption") == _caption(film, 0, step)


def test_clicking_a_chip_shows_its_layers_and_bytes(visit: Callable[..., Visit], exports: dict[str, Export]) -> None:
    v = visit()
    v.page.evaluate("packetstage.goTo(5)")  # the SYN-ACK has reached the laptop
    chip = v.page.locator("#stage .chips .chip").first
    label = chip.locator("title").text_content()
    chip.click()
    state = v.state()
    assert state["selected"] is not None
    assert v.page.locator("#stage .sel rect").count() == 1  # outlined on the stage
    inspector = v.page.locator("#inspect")
    assert inspector.locator("h3").inner_text() == label
    layers = inspector.locator(".tree > details > summary").all_inner_texts()
    assert [layer.split(":")[0] for layer in layers] == [
        "Ethernet II",
        "Internet Protocol version 4",
        "Transmission Control Protocol",
    ]
    assert "arrived" in inspector.inner_text() or "At " in inspector.inner_text()
    field = inspector.locator(".tree details[open] > button.field").first  # the top layer is open
    field.click()
    assert inspector.locator(".hex .sel").count() > 0  # the field's bytes light up
    hex_text = inspector.locator(".hex").inner_text()
    assert re.match(r"0000  ([0-9a-f]{2} ){8}", hex_text)
    # The list of chips on the stage (for keyboards and screen readers) selects too.
    buttons = v.page.locator("#packets button")
    assert buttons.count() >= 1
    assert buttons.first.get_attribute("aria-pressed") in ("true", "false")


def test_theme_and_palette_switch(visit: Callable[..., Visit]) -> None:
    v = visit()
    v.page.evaluate("packetstage.goTo(5)")
    v.page.select_option("#theme", "dark")
    assert v.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(22, 27, 38)"  # looks.DARK.background
    caption_band = "getComputedStyle(document.querySelector('#stage .over rect[rx=\"10\"]')).fill"
    assert v.page.evaluate(caption_band) == "rgb(31, 39, 53)"  # DARK.caption_fill
    v.page.select_option("#theme", "high-contrast")
    assert v.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    chip_fill = "getComputedStyle(document.querySelector('#stage .chips .chip rect')).fill"
    assert v.page.evaluate(chip_fill) == "rgb(0, 97, 168)"  # the SYN-ACK is TCP: #0061a8
    v.page.select_option("#palette", "okabe-ito")
    assert v.page.evaluate(chip_fill) == "rgb(0, 114, 178)"  # Okabe–Ito blue, #0072b2


def test_text_is_measured_as_the_layout_measures_it(visit: Callable[..., Visit]) -> None:
    """The embedded DejaVu subsets give the browser the advances the layout used, so text fills
    its boxes as on the stage (a system font would overrun names and table cells)."""
    v = visit()
    samples = ["Home router (NAT)", "192.168.1.23/24", "SYN-ACK seq=0 ack=1", "www.example.com"]
    for text in samples:
        for face, bold, mono in (("PSSans", False, False), ("PSSans", True, False), ("PSMono", False, True)):
            measured = v.page.evaluate(
                """([text, face, weight]) => {
                    const svg = document.getElementById('stage');
                    const t = document.createElementNS(svg.namespaceURI, 'text');
                    t.setAttribute('font-size', '100');
                    t.setAttribute('style', `font-family:${face};font-weight:${weight};font-kerning:none`);
                    t.textContent = text;
                    svg.appendChild(t);
                    const w = t.getComputedTextLength();
                    t.remove();
                    return w;
                }""",
                [text, face, 700 if bold else 400],
            )
            assert measured == pytest.approx(tx.width(text, 100, bold=bold, mono=mono), rel=0.005), (text, face, bold)


# -- phones, screen readers, screenshots --------------------------------------------------------
def _no_overlap(page: Any, selector: str) -> None:
    boxes = [page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a["x"] + a["width"] <= b["x"] + 0.5 or b["x"] + b["width"] <= a["x"] + 0.5
            apart = apart or a["y"] + a["height"] <= b["y"] + 0.5 or b["y"] + b["height"] <= a["y"] + 0.5
            assert apart, f"{selector}: {a} overlaps {b}"


def test_on_a_phone(visit: Callable[..., Visit], shots: Path) -> None:
    """390x844: one column, the compact view cropped to the network, the caption as text, big
    buttons, nothing wider than the screen; a swipe steps."""
    v = visit(width=390, height=844, touch=True)
    page = v.page
    page.evaluate("packetstage.goTo(5)")
    page.locator("#stage .chips .chip").first.click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    view_box = page.get_attribute("#stage", "viewBox")
    assert view_box is not None and view_box.split()[2] == "960"  # the compact view, cropped
    assert page.is_visible("#caption")
    assert float(page.evaluate("parseFloat(getComputedStyle(document.getElementById('caption')).fontSize)")) >= 16
    for i in range(5):
        box = page.locator(".buttons button").nth(i).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    _no_overlap(page, ".buttons button, .scrub, #counter")
    _no_overlap(page, "#stage-wrap, #caption, .transport, #lesson, #inspector, #contents")
    page.screenshot(path=str(shots / "phone-390x844.png"))
    page.screenshot(path=str(shots / "phone-390x844-full.png"), full_page=True)
    # A swipe to the left on the stage is "next".
    before = v.state()["step"]
    page.evaluate(
        """() => {
            const wrap = document.getElementById('stage-wrap');
            const at = (x) => [new Touch({identifier: 1, target: wrap, clientX: x, clientY: 100})];
            wrap.dispatchEvent(new TouchEvent('touchstart', {touches: at(300), changedTouches: at(300), bubbles: true}));
            wrap.dispatchEvent(new TouchEvent('touchend', {touches: [], changedTouches: at(120), bubbles: true}));
        }"""
    )
    state = v.settle()
    assert state["step"] == before + 1


def test_on_a_wide_screen(visit: Callable[..., Visit], shots: Path) -> None:
    v = visit()
    page = v.page
    page.evaluate("packetstage.goTo(5)")
    page.locator("#stage .chips .chip").first.click()
    assert page.get_attribute("#stage", "viewBox") == "0 0 1920 1080"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    _no_overlap(page, "#stage-wrap, .panel")
    _no_overlap(page, ".buttons button, .scrub, #counter, .speed")
    stage = page.locator("#stage").bounding_box()
    assert stage["width"] >= 1200 and stage["y"] + stage["height"] <= 1080
    page.screenshot(path=str(shots / "wide-1920x1080.png"))
    page.select_option("#theme", "dark")
    page.screenshot(path=str(shots / "wide-1920x1080-dark.png"))


def test_controls_are_labelled_and_captions_are_live(visit: Callable[..., Visit]) -> None:
    v = visit()
    unnamed = v.page.evaluate(
        """() => [...document.querySelectorAll('button, select, input')].filter((e) => {
            const labelled = e.labels && e.labels.length && e.labels[0].textContent.trim();
            const label = e.getAttribute('aria-label') || labelled || e.textContent.trim();
            return !label;
        }).map((e) => e.outerHTML.slice(0, 80))"""
    )
    assert unnamed == []
    assert v.page.get_attribute("#caption", "aria-live") == "polite"
    assert v.page.get_attribute("#stage", "role") == "img"
    assert v.page.get_by_role("button", name="Next step (Right arrow)").count() == 1
    v.page.get_by_role("button", name="Next step (Right arrow)").click()
    v.settle()
    assert v.page.inner_text("#caption") == v.page.evaluate("packetstage.chapter.steps[0].caption")
    assert "step 1 of" in (v.page.get_attribute("#scrubber", "aria-valuetext") or "").lower()


def test_inside_a_sandboxed_iframe(browser: Any, exports: dict[str, Export]) -> None:
    """As an LMS embeds it: scripts allowed, nothing else (no storage, no fullscreen, no top navigation)."""
    host = exports["scene"].path.with_name("lms.html")
    iframe = f'<iframe src="{exports["scene"].path.name}" width="1000" height="700" sandbox="allow-scripts"></iframe>'
    host.write_text(f"<!DOCTYPE html><title>LMS</title>{iframe}", encoding="utf-8")
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(host.as_uri())
        frame = page.frame_locator("iframe")
        frame.locator("#stage .fixed use").first.wait_for()
        frame.locator("#b-next").click()
        frame.locator("body").press("f")  # fullscreen is not allowed here: nothing happens, nothing is logged
        frame.locator("body").press("End")
        player = page.frames[1]
        assert player.evaluate("packetstage.state().step") == exports["scene"].film["chapters"][0]["count"]
    finally:
        context.close()
    assert errors == []


# -- a deck ------------------------------------------------------------------------------------
def test_a_deck_has_its_table_of_contents_and_walks_on_into_the_next_scene(
    visit: Callable[..., Visit], exports: dict[str, Export]
) -> None:
    film = exports["deck"].film
    v = visit("deck")
    toc = v.page.locator("#toc > ol > li > button")
    assert toc.all_inner_texts() == [c["title"] for c in film["chapters"]]
    assert "Scene 1 of 3" in v.page.inner_text("#position")
    assert film["title"] in v.page.inner_text("#explain")  # the course's start: what the deck is about
    v.press("End")
    state = v.press("ArrowRight")  # the end of scene 1: the next scene's start
    assert (state["chapter"], state["step"]) == (1, 0)
    assert v.page.inner_text("#caption") == _caption(film, 1, 0)
    toc.nth(2).click()
    state = v.state()
    assert (state["chapter"], state["step"]) == (2, 0)
    assert "Scene 3 of 3" in v.page.inner_text("#position")
    state = v.press("ArrowLeft")  # back at a scene's start: the previous scene's end
    assert (state["chapter"], state["step"]) == (1, film["chapters"][1]["count"])
    sections = v.page.locator("#toc ul button")
    assert sections.count() == sum(len(c["sections"]) for c in film["chapters"])
    assert v.page.locator("#toc li.part").count() == 0, "a deck without parts lists its scenes alone"
    sections.first.click()
    state = v.state()
    first = film["chapters"][0]["sections"][0]
    assert (state["chapter"], state["step"]) == (0, first[0])


def test_a_decks_parts_head_their_scenes_in_the_table_of_contents(
    visit: Callable[..., Visit], exports: dict[str, Export]
) -> None:
    v = visit("parts")
    items = v.page.locator("#toc > ol > li")
    assert [items.nth(i).get_attribute("class") or "" for i in range(items.count())] == ["part", "", "part", "", ""]
    assert v.page.locator("#toc li.part").all_inner_texts() == ["Transport", "The web"]
    # The scenes keep their numbers 1, 2, 3: a part's heading is not counted as a scene.
    assert [int(items.nth(i).get_attribute("value") or 0) for i in (1, 3, 4)] == [1, 2, 3]
    v.page.locator("#toc > ol > li > button").nth(1).click()
    assert v.state()["chapter"] == 1
    assert v.errors == []
