"""The class server with real WebSocket clients on 127.0.0.1: who may join, what reaches whom,
how answers add up, and that a misbehaving socket is closed alone."""

from __future__ import annotations

import asyncio
import csv
import json
import socket
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from animator.classroom.server import ClassServer
from tests.classroom.client import closed_with, next_message, presenter, state, student

QUIZ = {"c": 0, "s": 6, "phase": "asking"}
REVEALED = {"c": 0, "s": 6, "phase": "revealed"}


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_starts_in_under_a_second_and_stops_cleanly(serve: Callable[..., ClassServer]) -> None:
    began = time.perf_counter()
    server = serve()
    assert time.perf_counter() - began < 1.0
    assert server.running
    port = server.port
    server.stop()
    assert not server.running
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # the port is free again


def test_join_needs_the_code(serve: Callable[..., ClassServer]) -> None:
    server = serve()

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            for code in ("", "WRONG1", server.join_code[:-1]):
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await student(session, server, "student-1", code=code)
                assert refused.value.status == 403
            # The right code, typed in lower case with a space, is the same code.
            ws = await student(session, server, "student-1", code=f"{server.join_code[:3].lower()} {server.join_code[3:]}")
            hello = await next_message(ws, "hello")
            assert hello["role"] == "student"
            await ws.close()

    run(go())


def test_pages_need_the_code_or_token_and_hide_notes_and_answers(serve: Callable[..., ClassServer]) -> None:
    server = serve()
    base = f"http://127.0.0.1:{server.port}"

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(base + "/") as r:
                form = await r.text()
                assert r.status == 200 and 'name="c"' in form and 'id="film"' not in form
            async with session.get(base + "/?c=AAAAAA") as r:
                assert "not this lecture's code" in await r.text()
            async with session.get(base + f"/?c={server.join_code}") as r:
                page = await r.text()
                csp = r.headers["Content-Security-Policy"]
                assert r.headers["Content-Encoding"] == "gzip", "a class joining at once pulls the page compressed"
            assert "script-src 'sha256-" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
            assert "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
            film = json.loads(page.split('<script type="application/json" id="film">')[1].split("</script>")[0])
            steps = film["chapters"][0]["steps"]
            assert not any("notes" in s or "quiz" in s for s in steps), "a student's page must not hold notes or answers"
            async with session.get(base + "/remote?t=wrong") as r:
                assert r.status == 403
            async with session.get(base + f"/remote?t={server.token}") as r:
                remote = await r.text()
            film = json.loads(remote.split('<script type="application/json" id="film">')[1].split("</script>")[0])
            assert any("notes" in s for s in film["chapters"][0]["steps"]), "the presenter's remote shows the notes"

    run(go())


def test_step_changes_reach_every_student_and_late_joiners_get_the_state(serve: Callable[..., ClassServer]) -> None:
    server = serve()
    start = server.state.chapters[0].start

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            students = [await student(session, server, f"student-{i}") for i in range(5)]
            for ws in students:
                await next_message(ws, "live")  # the state at joining
            lecturer = await presenter(session, server)
            await lecturer.send_json({"t": "state", "token": server.token, "s": state(3, start + 1.0)})
            for ws in students:
                live = await next_message(ws, "live")
                assert live["s"]["step"] == 3 and live["s"]["time"] == pytest.approx(start + 1.0)
            await lecturer.send_json({"t": "state", "token": server.token, "s": state(3, start + 1.0, blank=True)})
            assert (await next_message(students[0], "live"))["s"]["blank"] is True
            late = await student(session, server, "late-comer")
            live = await next_message(late, "live")
            assert live["s"]["step"] == 3 and live["s"]["blank"] is True

    run(go())


def test_answers_aggregate_change_survive_reconnects_and_are_final_at_the_reveal(
    serve: Callable[..., ClassServer], tmp_path: Path
) -> None:
    out = tmp_path / "counts.csv"
    server = serve(csv_path=out)
    start = server.state.chapters[0].start

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            lecturer = await presenter(session, server)
            await lecturer.send_json({"t": "state", "token": server.token, "s": state(5, start + 1, quiz=QUIZ)})
            asked = await next_message(lecturer, "live", lambda m: m["s"]["quiz"] is not None)
            assert asked["s"]["quiz"]["q"].startswith("Laptop B also used source port 51000")
            a, b, c = [await student(session, server, f"student-{x}") for x in "abc"]
            question = (await next_message(a, "live"))["s"]["quiz"]
            assert "answer" not in question and "counts" not in question, "students must not see the answer or others' answers"
            for ws, choice in ((a, 0), (b, 1), (c, 2)):
                await ws.send_json({"t": "answer", "q": [0, 6], "choice": choice})
                assert (await next_message(ws, "mine"))["choice"] == choice
            await a.send_json({"t": "answer", "q": [0, 6], "choice": 2})  # a changes their mind
            await next_message(a, "mine", lambda m: m["choice"] == 2)
            # b's Wi-Fi drops; b comes back with the same page id, sees their answer, and changes it.
            await b.close()
            b = await student(session, server, "student-b")
            assert (await next_message(b, "mine"))["choice"] == 1
            await b.send_json({"t": "answer", "q": [0, 6], "choice": 2})
            await next_message(b, "mine", lambda m: m["choice"] == 2)
            tally = await next_message(lecturer, "tally", lambda m: m["counts"] == [0, 0, 3, 0])
            assert tally["total"] == 3
            await lecturer.send_json({"t": "state", "token": server.token, "s": state(5, start + 1, quiz=REVEALED)})
            for ws in (a, b, c):
                revealed = (await next_message(ws, "live", lambda m: m["s"]["quiz"]["phase"] == "revealed"))["s"]["quiz"]
                assert revealed["answer"] == 2 and revealed["counts"] == [0, 0, 3, 0]
            # After the reveal an answer changes nothing.
            await c.send_json({"t": "answer", "q": [0, 6], "choice": 0})
            await c.send_json({"t": "ping"})
            assert server.state.tallies[(0, 6)].counts() == [0, 0, 3, 0]

    run(go())
    server.stop()
    rows = list(csv.DictReader(out.open()))
    assert [(r["choice"], r["count"], r["correct"]) for r in rows] == [
        ("A", "0", ""),
        ("B", "0", ""),
        ("C", "3", "yes"),
        ("D", "0", ""),
    ]
    assert not list(tmp_path.glob(".*partial*")), "written atomically: no temporary left"


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        pytest.param("not json", 1008, id="malformed"),
        pytest.param(json.dumps({"t": "answer", "q": [0, 6], "choice": 1, "extra": "x"}), 1008, id="unknown-field"),
        pytest.param(json.dumps({"t": "shout", "text": "hi"}), 1008, id="unknown-type"),
        pytest.param(json.dumps({"t": "answer", "q": [0, 6], "choice": "x" * 400}), 1009, id="oversized"),
        pytest.param(b"\x00\x01", 1003, id="binary"),
    ],
)
def test_a_bad_message_closes_only_that_socket(serve: Callable[..., ClassServer], bad: str | bytes, code: int) -> None:
    server = serve()
    start = server.state.chapters[0].start

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            rogue, good = await student(session, server, "rogue-student"), await student(session, server, "good-student")
            await next_message(good, "live")
            if isinstance(bad, bytes):
                await rogue.send_bytes(bad)
            else:
                await rogue.send_str(bad)
            assert await closed_with(rogue) == code
            lecturer = await presenter(session, server)
            await lecturer.send_json({"t": "state", "token": server.token, "s": state(2, start)})
            assert (await next_message(good, "live", lambda m: m["s"]["step"] == 2))["s"]["step"] == 2

    run(go())


def test_a_flood_closes_only_that_socket(serve: Callable[..., ClassServer]) -> None:
    server = serve()

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            rogue, good = await student(session, server, "rogue-student"), await student(session, server, "good-student")
            for _ in range(100):
                if rogue.closed:
                    break
                await rogue.send_str('{"t":"ping"}')
            assert await closed_with(rogue) == 1008
            await good.send_json({"t": "ping"})
            lecturer = await presenter(session, server)
            await lecturer.send_json({"t": "state", "token": server.token, "s": state(1, server.state.chapters[0].start)})
            assert (await next_message(good, "live", lambda m: m["s"]["step"] == 1))["s"]["step"] == 1

    run(go())


def test_control_needs_the_token(serve: Callable[..., ClassServer]) -> None:
    server = serve()
    start = server.state.chapters[0].start

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await presenter(session, server, token="guess")
            assert refused.value.status == 403
            # A student cannot send a presenter's message...
            pupil = await student(session, server, "student-1")
            await pupil.send_json({"t": "state", "token": server.token, "s": state(4, start)})
            assert await closed_with(pupil) == 1008
            # ...and a presenter's socket still needs the token in every control message.
            lecturer = await presenter(session, server)
            await lecturer.send_json({"t": "state", "token": "wrong", "s": state(4, start)})
            assert await closed_with(lecturer) == 1008
            assert server.state.live.step == 0
            # A state that does not fit the lecture is refused too.
            lecturer = await presenter(session, server)
            await lecturer.send_json({"t": "state", "token": server.token, "s": state(99, start)})
            assert await closed_with(lecturer) == 1008

    run(go())


def test_origin_and_seats(serve: Callable[..., ClassServer]) -> None:
    server = serve(max_students=2)

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await student(session, server, "student-1", headers={"Origin": "http://evil.example"})
            assert refused.value.status == 403
            own = {"Origin": f"http://127.0.0.1:{server.port}"}
            first, second = await student(session, server, "student-1", headers=own), await student(session, server, "student-2")
            with pytest.raises(aiohttp.WSServerHandshakeError) as full:
                await student(session, server, "student-3")
            assert full.value.status == 503
            await first.close()
            await next_message(second, "live")
            third = await student(session, server, "student-3")  # a seat came free
            assert (await next_message(third, "hello"))["role"] == "student"

    run(go())


def test_the_app_receives_remote_commands(serve: Callable[..., ClassServer]) -> None:
    received: list[str] = []
    server = serve(on_command=received.append)

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            lecturer = await presenter(session, server)
            assert (await next_message(lecturer, "hello"))["driver"] == "app"
            for do in ("next", "blank", "back"):
                await lecturer.send_json({"t": "cmd", "token": server.token, "do": do})
            await lecturer.send_json({"t": "cmd", "token": server.token, "do": "format-disk"})
            assert await closed_with(lecturer) == 1008

    run(go())
    assert received == ["next", "blank", "back"]


def test_guessing_codes_is_refused_for_a_while(serve: Callable[..., ClassServer]) -> None:
    from animator.classroom.server import GUESS_LIMIT

    server = serve()
    base = f"http://127.0.0.1:{server.port}"

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            for i in range(GUESS_LIMIT):
                async with session.get(base + f"/?c=GUESS{i:02d}") as r:
                    assert r.status == 200 and "not this lecture's code" in await r.text()
            async with session.get(base + f"/?c={server.join_code}") as r:
                assert r.status == 429, "after 20 wrong codes even the right one waits"
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await student(session, server, "student-1")
            assert refused.value.status == 429

    run(go())
