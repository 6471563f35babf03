"""The class server's rules without a network: the message schema, the tallies, codes and addresses."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from animator.classroom.address import choose_binding
from animator.classroom.codes import ALPHABET, new_join_code, normalise_code, qr_terminal, same_secret, spaced
from animator.classroom.messages import (
    STUDENT_MAX_BYTES,
    Answer,
    BadMessage,
    LiveState,
    QuizRef,
    parse_presenter,
    parse_student,
)
from animator.classroom.state import ChapterSpan, ClassState, Quiz
from tests.classroom.client import state


def lecture() -> ClassState:
    quiz = Quiz(0, 3, "Scene", "Which port?", ("80", "443", "8080"), 1)
    return ClassState([ChapterSpan(0, 5, 0.0, 10.0)], [quiz])


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        '{"t": 1}',
        '{"t": "answer", "q": [0], "choice": 1}',
        '{"t": "answer", "q": [0, 3], "choice": true}',
        '{"t": "answer", "q": [0, 3], "choice": -1}',
        '{"t": "answer", "q": [0, 3]}',
        '{"t": "ping", "x": 1}',
        '{"t": "state", "token": "x", "s": {}}',
        "[" * 100 + "]" * 100,
        json.dumps({"t": "answer", "q": [0, 3], "choice": 1, "pad": "x" * STUDENT_MAX_BYTES}),
    ],
)
def test_students_may_send_only_answers_and_pings(text: str) -> None:
    with pytest.raises(BadMessage):
        parse_student(text)


def test_a_presenters_state_is_checked_field_by_field() -> None:
    good = {"t": "state", "token": "tok", "s": state(2, 1.5)}
    assert parse_presenter(json.dumps(good)).state == LiveState(step=2, time=1.5)  # type: ignore[union-attr]
    for field, value in [("time", float("nan")), ("time", "1"), ("dir", 0), ("speed", 100), ("blank", 1), ("quiz", {"c": 0})]:
        bad = {"t": "state", "token": "tok", "s": {**good["s"], field: value}}  # type: ignore[dict-item]
        with pytest.raises(BadMessage):
            parse_presenter(json.dumps(bad))
    with pytest.raises(BadMessage):
        parse_presenter(json.dumps({"t": "cmd", "token": "tok", "do": "rm -rf"}))


def test_one_answer_per_student_changeable_until_the_reveal() -> None:
    room = lecture()
    assert not room.answer("s1", Answer(0, 3, 1)), "no question is open yet"
    room.set_live(room.check(LiveState(step=2, time=4.0, quiz=QuizRef(0, 3, "asking"))))
    assert room.answer("s1", Answer(0, 3, 0)) and room.answer("s2", Answer(0, 3, 1)) and room.answer("s1", Answer(0, 3, 1))
    assert not room.answer("s3", Answer(0, 3, 7)), "a choice the question does not have"
    assert not room.answer("s3", Answer(0, 4, 0)), "a question not on screen"
    assert room.tallies[(0, 3)].counts() == [0, 2, 0]
    student_view = room.live_message(presenter=False)["s"]["quiz"]
    assert "answer" not in student_view and "counts" not in student_view
    assert room.live_message(presenter=True)["s"]["quiz"]["counts"] == [0, 2, 0]
    revealed = room.set_live(room.check(LiveState(step=2, time=4.0, quiz=QuizRef(0, 3, "revealed"))))
    assert revealed == QuizRef(0, 3, "revealed")
    assert not room.answer("s1", Answer(0, 3, 2))
    quiz = room.live_message(presenter=False)["s"]["quiz"]
    assert (quiz["answer"], quiz["counts"], quiz["total"]) == (1, [0, 2, 0], 2)
    assert room.mine("s1") == {"t": "mine", "q": [0, 3], "choice": 1}
    assert "Which port?,B,443,yes,2,yes" in room.counts_csv()


def test_states_outside_the_lecture_are_refused() -> None:
    room = lecture()
    for bad in (LiveState(chapter=1), LiveState(step=6), LiveState(time=11.0), LiveState(quiz=QuizRef(0, 2, "asking"))):
        with pytest.raises(BadMessage):
            room.check(bad)


def test_codes_read_well_and_compare_in_constant_time() -> None:
    code = new_join_code()
    assert len(code) == 6 and set(code) <= set(ALPHABET) and not set("01OIL") & set(code)
    assert normalise_code(" k7q-m3p ") == "K7QM3P" and spaced("K7QM3P") == "K7Q M3P"
    assert same_secret("abc", "abc") and not same_secret("abd", "abc") and not same_secret(None, "abc")
    assert "█" in qr_terminal("http://192.0.2.2:8765/?c=K7QM3P")


def test_binding_is_never_every_interface_unless_asked() -> None:
    default = choose_binding(None)
    assert default.listen not in ("0.0.0.0", "::")
    assert choose_binding("127.0.0.1").listen == "127.0.0.1"
    everywhere = choose_binding("0.0.0.0")
    assert everywhere.listen == "0.0.0.0" and "every interface" in everywhere.note
    with pytest.raises(ValueError, match="not an IP address"):
        choose_binding("lecture-hall")


def test_share_prints_the_url_code_and_qr(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from animator.cli import _parser_commands
    from animator.cli_share import cmd_share
    from tests.classroom.conftest import SCENE

    ns = _parser_commands().parse_args(
        ["share", str(SCENE), "--bind", "127.0.0.1", "--port", "0", "--csv", str(tmp_path / "c.csv")]
    )
    stop = threading.Event()
    stop.set()  # serve, print, and end at once
    assert cmd_share(ns, stop) == 0
    out = capsys.readouterr()
    assert "http://127.0.0.1:" in out.out and "type the code" in out.out and "█" in out.out
    assert "remote?t=" in out.out and "keep it off the projector" in out.out
    assert (tmp_path / "c.csv").read_text().startswith("scene,step,question")


def test_share_refuses_a_bad_bind_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from animator.cli import main
    from tests.classroom.conftest import SCENE

    assert main(["share", str(SCENE), "--bind", "lecture-hall"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "packetstage: error: --bind lecture-hall: not an IP address (give this computer's address on the lecture's network)"
    ]


def test_a_broadcast_frame_is_a_websocket_text_frame() -> None:
    from animator.classroom.server import text_frame

    assert text_frame("hi") == b"\x81\x02hi"
    assert text_frame("é" * 100)[:4] == b"\x81\x7e\x00\xc8"  # 200 bytes of UTF-8: a 16-bit length
    assert text_frame("x" * 70000)[:10] == b"\x81\x7f" + (70000).to_bytes(8, "big")
