"""The lecture as the class server serves it: the HTML player's page, live, in two versions.

Students get the exported player (``animator.export.html``) with the speaker notes and the
quizzes' answers taken out of the film: a student who opens the page source learns nothing the
projector has not shown yet. Questions reach them over the socket when the presenter asks them,
and answers only at the reveal. The presenter's remote page keeps the whole film (notes included).

Both pages run under a strict Content-Security-Policy, sent as a header and kept in the page:
only the player's own script runs (allowed by its SHA-256 hash, not 'unsafe-inline'), the socket
back to this server is the one connection allowed, and nothing may frame the page.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
import re
from dataclasses import dataclass
from typing import Any

from animator.classroom.state import ChapterSpan, Quiz
from animator.export.base import ExportOptions, ExportSource, Progress, no_progress

_META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">')
_FILM_TAG = '<script type="application/json" id="film">'


@dataclass(frozen=True)
class LecturePages:
    """What the server serves for one scene or deck, built once before it starts."""

    title: str
    student_html: str
    presenter_html: str
    csp: str
    chapters: list[ChapterSpan]
    quizzes: list[Quiz]
    #: A stable id of the lecture (its title and scenes): a student's score is kept under it.
    deck_id: str
    #: Per step (chapter, step) the caption: the remote shows what the next click plays.
    captions: dict[tuple[int, int], str]


def student_film(film: dict[str, Any]) -> dict[str, Any]:
    """The film without speaker notes and without the quizzes (questions come over the socket)."""
    out = copy.deepcopy(film)
    for chapter in out["chapters"]:
        for info in [chapter["start"], *chapter["steps"]]:
            info.pop("notes", None)
            info.pop("quiz", None)
    return out


def quizzes_of(film: dict[str, Any]) -> list[Quiz]:
    found = []
    for c, chapter in enumerate(film["chapters"]):
        for i, info in enumerate(chapter["steps"]):
            quiz = info.get("quiz")
            if quiz:
                step = chapter["first"] + 1 + i  # asked before this step plays (as the player's QuizRun)
                found.append(Quiz(c, step, chapter["scene"], quiz["q"], tuple(quiz["choices"]), quiz["answer"], quiz["explain"]))
    return found


def spans_of(film: dict[str, Any]) -> list[ChapterSpan]:
    return [
        ChapterSpan(c["first"], len(c["bounds"]) - 1, c["bounds"][0], c["bounds"][-1], tuple(c["bounds"]))
        for c in film["chapters"]
    ]


def _script_hash(page: str) -> str:
    """The CSP source of the player's script: the first plain ``<script>`` after the film."""
    film_at = page.index(_FILM_TAG)
    start = page.index("<script>", page.index("</script>", film_at)) + len("<script>")
    end = page.index("</script>", start)
    return _hash(page[start:end])


def live_csp(script_hash: str) -> str:
    """The policy of both live pages: the player's script and live.js run (by hash), nothing else."""
    return (
        "default-src 'none'; "
        f"script-src {script_hash} {_hash(_live_assets()[0])}; "
        # The player sets style attributes on SVG it draws: inline styles are needed, scripts are not.
        "style-src 'unsafe-inline'; "
        "font-src data:; img-src data:; "
        "connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _live_assets() -> tuple[str, str]:
    """live.js and live.css, from the player's folder (``</`` made harmless inside their elements)."""
    from animator.export.html_assets import player_file

    return player_file("live.js").replace("</script", "<\\/script"), player_file("live.css").replace("</style", "<\\/style")


def live_page(page: str, config: dict[str, Any], csp: str) -> str:
    """The exported ``page`` turned live: its CSP replaced, the live settings before the film, and
    live.css and live.js after the player's own style and script."""
    # The same policy in the page, but frame-ancestors only works as a header (a meta one is ignored, with a warning).
    meta = csp.replace("; frame-ancestors 'none'", "")
    page, found = _META_CSP.subn(f'<meta http-equiv="Content-Security-Policy" content="{html.escape(meta)}">', page, count=1)
    if not found:
        raise ValueError("the player page has no Content-Security-Policy to replace")
    js, css = _live_assets()
    settings = json.dumps(config, separators=(",", ":")).replace("</", "<\\/")
    page = page.replace("</head>", f"<style>{css}</style>\n</head>", 1)
    page = page.replace(_FILM_TAG, f'<script type="application/json" id="live">{settings}</script>\n{_FILM_TAG}', 1)
    end = page.rindex("</body>")
    return f"{page[:end]}<script>{js}</script>\n{page[end:]}"


def build_pages(source: ExportSource, options: ExportOptions | None = None, progress: Progress = no_progress) -> LecturePages:
    """Both pages of ``source`` (a few seconds for a long deck: done before the server starts)."""
    from animator.export.html import build_page, render_page

    options = options or ExportOptions()
    presenter_page, film = build_page(source, options, progress)
    student_page = render_page(student_film(film), source.title)
    script = _script_hash(student_page)
    if script != _script_hash(presenter_page):
        raise ValueError("the student and presenter pages run different scripts")
    csp = live_csp(script)
    identity = json.dumps([source.title, [c["scene"] for c in film["chapters"]]], ensure_ascii=False)
    deck_id = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]
    captions = {}
    for c, chapter in enumerate(film["chapters"]):
        for i, info in enumerate(chapter["steps"]):
            captions[(c, chapter["first"] + 1 + i)] = info["caption"]
    return LecturePages(
        title=source.title,
        student_html=live_page(student_page, {"role": "student", "deck": deck_id}, csp),
        presenter_html=live_page(presenter_page, {"role": "presenter", "deck": deck_id}, csp),
        csp=csp,
        chapters=spans_of(film),
        quizzes=quizzes_of(film),
        deck_id=deck_id,
        captions=captions,
    )


def join_form(title: str, wrong: bool) -> str:
    """The page at the short URL: one box for the join code (no script at all)."""
    from animator.export.html_assets import player_file

    problem = '<p class="bad">That is not this lecture\'s code: check the screen.</p>' if wrong else ""
    parts = {"title": html.escape(title), "problem": problem}
    return re.sub(r"<!--@(\w+)-->", lambda m: parts[m.group(1)], player_file("join.html"))
