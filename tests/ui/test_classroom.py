"""Present → Share with the class: the class server started from the app, beside its event loop.

The students here are real WebSocket clients on 127.0.0.1; the app's side is driven directly
(the clock advanced by hand, no sleeps). What crosses threads (the remote's clicks, the tallies)
arrives as queued Qt signals, so the tests wait for those with ``qtbot.waitUntil``.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pytestqt.qtbot import QtBot

from animator.classroom.page import LecturePages, build_pages
from animator.export.registry import load_source
from animator.ui.main_window import MainWindow
from tests.conftest import REPO

SCENE = REPO / "scenes" / "home-nat.yaml"


@pytest.fixture(scope="module")
def pages() -> LecturePages:
    return build_pages(load_source(SCENE))


@pytest.fixture
def sharing(window: MainWindow, pages: LecturePages) -> Iterator[MainWindow]:
    assert window.open_scene(SCENE)
    window.start_presenting()
    share = window.classroom.share
    assert share.serve(pages, port=0, bind="127.0.0.1")
    yield window
    window.stop_presenting()
    assert share.server is None


def ask(window: MainWindow, message: dict[str, Any], wanted: str) -> dict[str, Any]:
    """Connect a student, send ``message`` (if any), and return the next message of type ``wanted``."""
    server = window.classroom.share.server
    assert server is not None

    async def go() -> dict[str, Any]:
        url = f"ws://127.0.0.1:{server.port}/ws"
        params = {"c": server.join_code, "id": "student-one"}
        async with aiohttp.ClientSession() as session, session.ws_connect(url, params=params) as ws:
            if message:
                await ws.send_json(message)
            while True:
                data: dict[str, Any] = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
                if data["t"] == wanted:
                    return data

    return asyncio.run(go())


def test_sharing_starts_beside_the_app_and_shows_the_join_screen(sharing: MainWindow) -> None:
    share = sharing.classroom.share
    server = share.server
    assert server is not None and server.running and server.start_seconds < 1.0
    assert sharing.classroom.share_action.isChecked()
    join = share.join_screen
    assert join is not None and join.isVisible() and join.parentWidget() is sharing.audience_stage
    assert join.code.replace(" ", "") == server.join_code and server.token not in join.url
    assert share.dock.isVisible() and share.panel.code_label.text().replace(" ", "") == server.join_code
    live = ask(sharing, {}, "live")
    assert live["s"]["step"] == 0


def test_steps_blank_and_quiz_reach_the_class_and_answers_reach_the_chart(sharing: MainWindow, qtbot: QtBot) -> None:
    share = sharing.classroom.share
    server = share.server
    assert server is not None
    sharing.lecture.next_step()
    sharing.clock.advance(5000)
    qtbot.waitUntil(lambda: server.state.live.step == 1 and not server.state.live.playing, timeout=8000)
    assert share.join_screen is None, "the join screen goes when the lecture moves on"
    sharing.toggle_blank()
    qtbot.waitUntil(lambda: server.state.live.blank, timeout=8000)
    sharing.toggle_blank()
    sharing.clock.go_to_step(5)
    sharing.lecture.next_step()  # the question before step 6
    qtbot.waitUntil(lambda: server.state.live.quiz is not None, timeout=8000)
    mine = ask(sharing, {"t": "answer", "q": [0, 6], "choice": 2}, "mine")
    assert mine["choice"] == 2
    qtbot.waitUntil(lambda: share.panel.chart.data is not None and share.panel.chart.data.counts == (0, 0, 1, 0), timeout=8000)
    assert "Which port does it appear from" in share.panel.question_label.text()
    assert share.results_screen is None, "no counts on the projector before the reveal"
    sharing.lecture.next_step()  # reveal: the class's counts and the answer go up on the projector
    qtbot.waitUntil(lambda: share.results_screen is not None, timeout=8000)
    results = share.results_screen
    assert results is not None and results.parentWidget() is sharing.audience_stage and results.isVisible()
    assert results.chart.data is not None and results.chart.data.counts == (0, 0, 1, 0) and results.chart.data.revealed
    sharing.lecture.next_step()  # plays the step: the chart makes way for the stage
    sharing.clock.advance(5000)
    qtbot.waitUntil(lambda: share.results_screen is None, timeout=8000)
    shots = os.environ.get("PACKETSTAGE_SHOTS")
    if shots:
        share.panel.resize(420, 520)
        share.panel.grab().save(str(Path(shots) / "presenter-chart.png"))


def test_the_phone_remote_drives_the_app(sharing: MainWindow, qtbot: QtBot) -> None:
    server = sharing.classroom.share.server
    assert server is not None

    async def click(*commands: str) -> None:
        url = f"ws://127.0.0.1:{server.port}/ws"
        async with aiohttp.ClientSession() as session, session.ws_connect(url, params={"t": server.token}) as ws:
            for do in commands:
                await ws.send_json({"t": "cmd", "token": server.token, "do": do})
            await ws.send_json({"t": "ping"})

    asyncio.run(click("next"))
    qtbot.waitUntil(lambda: sharing.state.playing or sharing.state.step == 1, timeout=8000)
    sharing.clock.advance(5000)
    assert sharing.state.step == 1
    asyncio.run(click("blank"))
    qtbot.waitUntil(lambda: sharing.audience_stage.blanked, timeout=8000)


def test_stopping_presenting_stops_sharing(sharing: MainWindow) -> None:
    share = sharing.classroom.share
    server = share.server
    assert server is not None
    sharing.stop_presenting()
    assert share.server is None and not server.running and not share.dock.isVisible()
    assert not sharing.classroom.share_action.isChecked()


def test_a_deck_is_shared_scene_by_scene(window: MainWindow, qtbot: QtBot) -> None:
    deck = REPO / "scenes" / "intro.deck.yaml"
    assert window.open_scene(deck)
    window.start_presenting()
    share = window.classroom.share
    assert share.serve(build_pages(load_source(deck)), port=0, bind="127.0.0.1")
    server = share.server
    assert server is not None and len(server.state.chapters) == 3
    window.lecture.next_scene()
    qtbot.waitUntil(lambda: server.state.live.chapter == 1, timeout=8000)
    assert server.state.live.step == 0
    window.stop_presenting()
    assert share.server is None
