"""A small lesson for the handout exporters' tests: every kind of text a step can carry.

Three steps on the smallest network: step 1 has an explanation and speaker notes, step 2 a quiz
(asked at pause point 1, before it plays) and notes, step 3 only a caption.
"""

from __future__ import annotations

from pathlib import Path

LESSON = """\
format: 1
title: Switch lesson
summary: Two hosts and a switch that learns where they are.
nodes:
  - {id: a, kind: host, ipv4: 10.0.0.1/24, mac: "02:00:00:00:00:0a"}
  - {id: sw, kind: switch}
  - {id: b, kind: server, ipv4: 10.0.0.2/24}
links:
  - {between: [a, sw]}
  - {between: [sw, b]}
steps:
  - caption: a says hello to b across the switch
    explain: |
      The switch **learns** which port a is on from the frame's source address.
    notes: |
      - Point at the switch: it floods this first frame out of every port.
    actions:
      - send: {from: a, to: b, label: hello, protocol: tcp}
  - caption: b answers, and the switch already knows the way back
    notes: Ask the class which port the switch now uses for a.
    quiz:
      question: Out of which port does the switch send b's answer?
      choices: ["Every port", "Only the port to a"]
      answer: "Only the port to a"
      explain: It learned a's port from the first frame.
    actions:
      - send: {from: b, to: a, label: hi, protocol: tcp}
  - caption: a closes the conversation
    actions:
      - send: {from: a, to: b, label: bye, protocol: tcp}
"""

#: What each pause point's caption is (step 0 shows the summary).
CAPTIONS = [
    "Two hosts and a switch that learns where they are.",
    "a says hello to b across the switch",
    "b answers, and the switch already knows the way back",
    "a closes the conversation",
]
NOTES = "it floods this first frame out of every port"
EXPLANATION = "which port a is on from the frame's source address"
QUESTION = "Out of which port does the switch send b's answer?"


def write_lesson(folder: Path, name: str = "lesson.yaml", title: str = "Switch lesson") -> Path:
    path = folder / name
    path.write_text(LESSON.replace("title: Switch lesson", f"title: {title}"), encoding="utf-8")
    return path


def write_deck(folder: Path, parts: bool = False) -> Path:
    """A deck of two copies of the lesson, titled as chapters (with ``parts``, each starts a part)."""
    write_lesson(folder, "one.yaml", "First lesson")
    write_lesson(folder, "two.yaml", "Second lesson")
    deck = folder / "course.deck.yaml"
    first, second = (", part: Beginnings", ", part: Endings") if parts else ("", "")
    deck.write_text(
        "format: 1\ntitle: Tiny course\nsummary: Two lessons.\nscenes:\n"
        f"  - {{file: one.yaml, title: Part one{first}}}\n  - {{file: two.yaml, title: Part two{second}}}\n",
        encoding="utf-8",
    )
    return deck


def flat(text: str) -> str:
    """Whitespace collapsed: text that a PDF or SVG breaks into lines, compared as one string."""
    return " ".join(text.split())
