"""The student page and the presenter's remote in a real browser (Debian's chromium, driven by
Playwright) on a phone-sized screen, against a real class server on 127.0.0.1.

Any console message or page error fails a test: a Content-Security-Policy violation (a script
not allowed by hash, a connection it forbids) shows up there. Screenshots go to
``$PACKETSTAGE_SHOTS`` when set, else to the test's temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from animator.classroom.messages import LiveState, QuizRef
from animator.classroom.server import ClassServer
from tests.conftest import CHROMIUM

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
#: Playwright waits (for a message to arrive and be drawn) at most this long, in milliseconds.
WAIT_MS = 8000


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[[str], Any]]:
    problems: list[str] = []
    contexts: list[Any] = []

    def open_(url: str) -> Any:
        context = browser.new_context(**PHONE)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.goto(url)
        until(page, "!!(window.packetstageLive && window.packetstageLive.connected)")
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems, problems


def until(page: Any, expression: str) -> None:
    """Wait for ``expression`` to hold in the page. Playwright's wait_for_function polls with eval(),
    which the page's strict CSP forbids (and must): poll from here, each check a CDP evaluate."""
    import time

    deadline = time.monotonic() + WAIT_MS / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {expression}")
        page.wait_for_timeout(20)


def drop_students(server: ClassServer) -> None:
    """Close every student's socket from the server's side, as a dropped Wi-Fi would end it."""
    import asyncio

    assert server._loop is not None
    for client in list(server.clients):
        if client.role == "student":
            asyncio.run_coroutine_threadsafe(client.ws.close(code=1012, message=b"test: connection lost"), server._loop).result(5)


def shot(page: Any, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PACKETSTAGE_SHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path))
    return path


def step_shown(page: Any, step: int) -> None:
    until(page, f"window.packetstage.state().step === {step} && !window.packetstage.state().playing")


def test_a_phone_follows_steps_away_and_comes_back_to_live(
    serve: Callable[..., ClassServer], open_page: Callable[[str], Any]
) -> None:
    server = serve()
    start = server.state.chapters[0].start
    phone = open_page(server.join_url)
    assert phone.inner_text(".live-status") == "Live"
    server.publish(LiveState(step=0, time=start, playing=True, until=start + 0.6))  # the presenter plays step 1
    step_shown(phone, 1)
    caption = phone.inner_text("#caption")
    assert caption, "the step's caption is shown"
    server.publish(LiveState(step=1, time=start + 0.6, blank=True))
    phone.wait_for_selector(".live-blank:not([hidden])", timeout=WAIT_MS)
    assert "paused the screen" in phone.inner_text(".live-blank")
    server.publish(LiveState(step=1, time=start + 0.6))
    phone.wait_for_selector(".live-blank", state="hidden", timeout=WAIT_MS)
    # The student steps back on their own: live continues without them until "Back to live".
    phone.click("#b-home")
    assert phone.inner_text(".live-status") == "On your own"
    assert phone.is_visible(".live-back")
    server.publish(LiveState(step=1, time=start + 0.6, blank=False, speed=2.0))
    until(phone, "window.packetstageLive.latest.speed === 2")
    assert phone.evaluate("window.packetstage.state().step") == 0, "a student on their own is not pulled along"
    phone.click(".live-back")
    step_shown(phone, 1)
    assert phone.inner_text(".live-status") == "Live" and not phone.is_visible(".live-back")


def test_a_phone_answers_a_quiz_and_sees_the_reveal(
    serve: Callable[..., ClassServer], open_page: Callable[[str], Any], tmp_path: Path
) -> None:
    server = serve()
    phone = open_page(server.join_url)
    at5 = server.state.chapters[0].bounds[5]  # the pause point before step 6, where its question is asked
    server.publish(LiveState(step=5, time=at5, quiz=QuizRef(0, 6, "asking")))
    phone.wait_for_selector(".live-quiz:not([hidden])", timeout=WAIT_MS)
    assert "Which port does it appear from on the outside?" in phone.inner_text(".lq-q")
    assert phone.locator(".lq-choice").count() == 4 and phone.locator(".lq-n").count() == 0, "no counts before the reveal"
    # The question is on screen without scrolling, above the picture.
    box = phone.locator(".live-quiz").bounding_box()
    assert box["y"] + box["height"] <= 844, box
    phone.click(".lq-choice >> nth=0")
    phone.click(".lq-choice >> nth=2")  # changed their mind
    until(phone, "document.querySelector('.lq-hint').textContent.startsWith('Your answer: C')")
    shot(phone, "phone-quiz.png", tmp_path)
    until(phone, "true")  # (one round trip more)
    for _ in range(WAIT_MS // 20):
        if server.state.tallies[(0, 6)].counts() == [0, 0, 1, 0]:
            break
        phone.wait_for_timeout(20)
    assert server.state.tallies[(0, 6)].counts() == [0, 0, 1, 0], "one student, one answer: the last one"
    # The Wi-Fi drops (the server loses the socket): the page reconnects by itself, without a word
    # to the student, and its answer is still the one counted (once).
    drop_students(server)
    until(phone, "!window.packetstageLive.connected")
    until(phone, "window.packetstageLive.connected")
    assert phone.inner_text(".live-status") == "Live"
    phone.click(".lq-choice >> nth=1")
    phone.click(".lq-choice >> nth=2")
    until(phone, "document.querySelector('.lq-hint').textContent.startsWith('Your answer: C')")
    server.publish(LiveState(step=5, time=at5, quiz=QuizRef(0, 6, "revealed")))
    phone.wait_for_selector(".lq-verdict", timeout=WAIT_MS)
    assert phone.inner_text(".lq-verdict").startswith("✔ Right")
    assert phone.inner_text(".lq-choice.right .lq-n") == "1 · 100%"
    assert "1 of 1" in phone.inner_text(".lq-score")
    shot(phone, "phone-reveal.png", tmp_path)
    scores = phone.evaluate("Object.entries(localStorage).filter(([k]) => k.startsWith('packetstage-score:'))")
    assert scores == [[f"packetstage-score:{server.pages.deck_id}", '{"0:6":1}']], "the score stays on the phone"


def test_the_remote_drives_the_phones(serve: Callable[..., ClassServer], open_page: Callable[[str], Any], tmp_path: Path) -> None:
    server = serve()
    start = server.state.chapters[0].start
    remote = open_page(server.remote_url)
    phone = open_page(server.join_url)
    assert "Presenter" in remote.inner_text(".live-status")
    assert remote.locator(".rm-notes").count() == 1
    remote.click(".rm-next")
    step_shown(remote, 1)
    step_shown(phone, 1)
    remote.click(".rm-blank")
    phone.wait_for_selector(".live-blank:not([hidden])", timeout=WAIT_MS)
    remote.click(".rm-blank")
    phone.wait_for_selector(".live-blank", state="hidden", timeout=WAIT_MS)
    # Dragging the scrubber: 200 seeks at once reach the phones as a few updates, the last one
    # exact, and the remote's socket stays under the server's rate limit.
    end = server.state.chapters[0].bounds[2]
    remote.evaluate(f"for (let i = 1; i <= 200; i++) window.packetstage.seek({start} + i * ({end} - {start}) / 200)")
    until(phone, f"Math.abs(window.packetstage.state().time - {end}) < 1e-3")
    assert remote.evaluate("window.packetstageLive.connected")
    remote.evaluate("window.packetstage.goTo(5)")
    remote.click(".rm-next")  # asks the question
    phone.wait_for_selector(".live-quiz:not([hidden])", timeout=WAIT_MS)
    phone.click(".lq-choice >> nth=1")
    until(remote, "document.querySelector('.lq-count').textContent.startsWith('1 answer')")
    assert remote.inner_text(".rm-next") == "Reveal ▶"
    shot(remote, "remote-quiz.png", tmp_path)
    remote.click(".rm-next")  # reveals
    phone.wait_for_selector(".lq-verdict", timeout=WAIT_MS)
    assert phone.inner_text(".lq-verdict").startswith("✘ Not this time: the answer is C")
