"""The messages between the class server and the pages, and the schema they must follow.

Everything a socket sends is one small JSON object with a type ``t``. Anything else (text that is
not JSON, a binary frame, an unknown type, an unknown or missing field, a value out of range, a
message over the size limit) is a protocol error: the server closes that socket, and nothing else
happens. A student sends only::

    {"t": "answer", "q": [CHAPTER, STEP], "choice": I}      # changeable until the reveal
    {"t": "ping"}

The presenter (the app, or the remote page holding the token) sends, the token in every message::

    {"t": "state", "token": T, "s": LIVE}                    # what the presenter shows now
    {"t": "cmd", "token": T, "do": "next"|"back"|"blank"|"home"|"end"}   # remote, when the app drives
    {"t": "ping"}

where LIVE is ``{"c": chapter, "step": n, "time": seconds, "playing": bool, "dir": 1|-1,
"speed": x, "until": seconds|null, "blank": bool, "quiz": null|{"c": chapter, "s": step,
"phase": "asking"|"revealed"}}``. The server sends ``hello``, ``live``, ``mine`` (a student's own
answer), ``tally`` and ``room`` (presenters only) and ``bye``; see ``animator.classroom.server``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal

#: Largest message a student may send (an answer is under 60 bytes).
STUDENT_MAX_BYTES = 256
#: Largest message a presenter may send (a live state is under 300 bytes).
PRESENTER_MAX_BYTES = 2048
COMMANDS = ("next", "back", "blank", "home", "end")
PHASES = ("asking", "revealed")


class BadMessage(ValueError):  # noqa: N818 - what the socket sent, not an error of ours
    """A message that breaks the schema: the socket that sent it is closed."""


@dataclass(frozen=True)
class QuizRef:
    chapter: int
    step: int
    phase: Literal["asking", "revealed"]


@dataclass(frozen=True)
class LiveState:
    """What the presenter shows: where in the lecture, whether it plays, the screen and the question."""

    chapter: int = 0
    step: int = 0
    time: float = 0.0
    playing: bool = False
    direction: int = 1
    speed: float = 1.0
    until: float | None = None
    blank: bool = False
    quiz: QuizRef | None = None

    def to_json(self) -> dict[str, Any]:
        quiz = None if self.quiz is None else {"c": self.quiz.chapter, "s": self.quiz.step, "phase": self.quiz.phase}
        return {
            "c": self.chapter,
            "step": self.step,
            "time": round(self.time, 4),
            "playing": self.playing,
            "dir": self.direction,
            "speed": self.speed,
            "until": None if self.until is None else round(self.until, 4),
            "blank": self.blank,
            "quiz": quiz,
        }


@dataclass(frozen=True)
class Answer:
    chapter: int
    step: int
    choice: int


@dataclass(frozen=True)
class Ping:
    pass


@dataclass(frozen=True)
class StateUpdate:
    token: str
    state: LiveState


@dataclass(frozen=True)
class Command:
    token: str
    do: str


def _object(text: str | bytes, limit: int) -> dict[str, Any]:
    if isinstance(text, bytes):
        raise BadMessage("binary message")
    if len(text.encode("utf-8")) > limit:
        raise BadMessage(f"message over {limit} bytes")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise BadMessage("not JSON") from None
    if not isinstance(value, dict) or not isinstance(value.get("t"), str):
        raise BadMessage("not a message object")
    return value


def _keys(message: dict[str, Any], required: set[str], optional: frozenset[str] = frozenset()) -> None:
    keys = set(message)
    if not required <= keys or not keys <= required | optional:
        raise BadMessage(f"{message.get('t')!r}: fields must be {sorted(required | optional)}")


def _int(value: Any, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadMessage(f"{what}: a whole number from {low} to {high}")
    return value


def _number(value: Any, low: float, high: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or not low <= value <= high:
        raise BadMessage(f"{what}: a number from {low} to {high}")
    return float(value)


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise BadMessage(f"{what}: true or false")
    return value


def _token(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise BadMessage("token: a string")
    return value


#: Upper bounds that hold for any lecture (the scene limits are far below): cheap sanity first,
#: the lecture's own ranges are checked by ``animator.classroom.state``.
MAX_INDEX = 10_000
MAX_SECONDS = 1e6


def parse_student(text: str | bytes) -> Answer | Ping:
    message = _object(text, STUDENT_MAX_BYTES)
    kind = message["t"]
    if kind == "ping":
        _keys(message, {"t"})
        return Ping()
    if kind == "answer":
        _keys(message, {"t", "q", "choice"})
        q = message["q"]
        if not isinstance(q, list) or len(q) != 2:
            raise BadMessage("q: [chapter, step]")
        return Answer(
            _int(q[0], 0, MAX_INDEX, "chapter"), _int(q[1], 0, MAX_INDEX, "step"), _int(message["choice"], 0, 25, "choice")
        )
    raise BadMessage(f"unknown message {kind[:20]!r}")


def parse_live(s: Any) -> LiveState:
    if not isinstance(s, dict):
        raise BadMessage("s: an object")
    required = {"c", "step", "time", "playing", "dir", "speed", "until", "blank", "quiz"}
    if set(s) != required:
        raise BadMessage(f"s: fields must be {sorted(required)}")
    quiz = s["quiz"]
    ref = None
    if quiz is not None:
        if not isinstance(quiz, dict) or set(quiz) != {"c", "s", "phase"} or quiz["phase"] not in PHASES:
            raise BadMessage("quiz: null or {c, s, phase: asking|revealed}")
        ref = QuizRef(_int(quiz["c"], 0, MAX_INDEX, "quiz.c"), _int(quiz["s"], 0, MAX_INDEX, "quiz.s"), quiz["phase"])
    direction = _int(s["dir"], -1, 1, "dir")
    if direction == 0:
        raise BadMessage("dir: 1 or -1")
    until = None if s["until"] is None else _number(s["until"], 0, MAX_SECONDS, "until")
    return LiveState(
        chapter=_int(s["c"], 0, MAX_INDEX, "c"),
        step=_int(s["step"], 0, MAX_INDEX, "step"),
        time=_number(s["time"], 0, MAX_SECONDS, "time"),
        playing=_bool(s["playing"], "playing"),
        direction=direction,
        speed=_number(s["speed"], 0.1, 8, "speed"),
        until=until,
        blank=_bool(s["blank"], "blank"),
        quiz=ref,
    )


def parse_presenter(text: str | bytes) -> StateUpdate | Command | Ping:
    message = _object(text, PRESENTER_MAX_BYTES)
    kind = message["t"]
    if kind == "ping":
        _keys(message, {"t"})
        return Ping()
    if kind == "state":
        _keys(message, {"t", "token", "s"})
        return StateUpdate(_token(message["token"]), parse_live(message["s"]))
    if kind == "cmd":
        _keys(message, {"t", "token", "do"})
        if message["do"] not in COMMANDS:
            raise BadMessage(f"do: one of {', '.join(COMMANDS)}")
        return Command(_token(message["token"]), message["do"])
    raise BadMessage(f"unknown message {kind[:20]!r}")


def dumps(message: dict[str, Any]) -> str:
    """Compact JSON, as every outgoing message is sent."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
