"""The one small interface every exporter implements, and what it is handed.

An exporter is a module that defines ``EXPORTER = Exporter(...)``: the file suffixes it writes
(or that it writes a folder), the shared options it reads, and ``export(source, out, options,
progress)``. ``animator.export.registry`` lists the modules; the CLI's ``export`` command and the
app's Export menu are both built from that list, so a new format is one module plus one line.

Qt-free, and cheap to import: an exporter module keeps its heavy imports (Qt, PyAV, python-pptx)
inside ``export`` so listing the formats for ``--help`` or a menu costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from animator.engine.timeline import Timeline
    from animator.model.schema import Scene


class ExportCancelled(Exception):  # noqa: N818 - a request, not an error
    """Raised by a progress callback when the user cancels; the exporter lets it pass, and the
    temporary file is removed (``animator.files.atomic_path``) so nothing half-written is left."""


class ExportError(Exception):
    """A problem with what was asked (no packets to capture, a step range past the end): one line for the user."""


class Progress(Protocol):
    """Called as work proceeds: ``done`` of ``total`` units (frames, pages, steps), and what is being done.

    It may raise ``ExportCancelled`` to stop the export (the app's progress dialog does).
    """

    def __call__(self, done: int, total: int, what: str) -> None: ...


def no_progress(done: int, total: int, what: str) -> None:
    """The progress callback for callers that do not show any (tests, scripts)."""


@dataclass(frozen=True)
class Chapter:
    """One scene of what is exported: a scene alone is one chapter, a deck has one per scene."""

    title: str
    timeline: Timeline
    #: The pause points to export, ``first``..``last`` inclusive (0 is before anything moves).
    first_step: int
    last_step: int
    #: The part of the course this scene starts (a deck entry's ``part``), for contents and bookmarks.
    part: str | None = None

    @property
    def scene(self) -> Scene:
        return self.timeline.scene

    def steps(self) -> range:
        return range(self.first_step, self.last_step + 1)

    @property
    def start_time(self) -> float:
        return self.timeline.boundary(self.first_step)

    @property
    def end_time(self) -> float:
        return self.timeline.boundary(self.last_step)


@dataclass(frozen=True)
class ExportSource:
    """What to export: one scene (one chapter) or a deck's scenes in lecture order."""

    title: str
    chapters: tuple[Chapter, ...]
    #: The scene or deck file it came from (for messages and for the HTML table of contents).
    path: Path
    is_deck: bool = False
    summary: str = ""

    def step_total(self) -> int:
        """Pause points over all chapters: the unit most exporters count progress in."""
        return sum(len(chapter.steps()) for chapter in self.chapters)


#: Text sizes the app offers (the player's 100/125/150/200 %).
TEXT_SCALES = (1.0, 1.25, 1.5, 2.0)


@dataclass(frozen=True)
class ExportOptions:
    """The options the CLI and the Export dialog share; each exporter says which it reads."""

    size: tuple[int, int] = (1920, 1080)
    theme: str = "light"
    palette: str = "standard"
    scale: float = 1.0
    #: Seconds to hold each pause point in a video or GIF.
    pause: float = 2.0
    #: Steps per PDF page: 1, 2 or 4.
    per_page: int = 1
    #: Add the lecturer's speaker notes (PDF).
    notes: bool = False
    #: Frames per second of a video or GIF.
    fps: int = 30
    extra: dict[str, object] = field(default_factory=dict)


#: Which ``ExportOptions`` fields a format may read; the CLI refuses an option a format ignores.
OPTION_NAMES = ("size", "theme", "palette", "scale", "pause", "per_page", "notes", "fps")
#: What every picture of the stage reads: how big, and how it looks.
LOOK_OPTIONS = ("size", "theme", "palette", "scale")
#: What a moving picture reads on top: the hold at each pause point and the frame rate.
MOTION_OPTIONS = (*LOOK_OPTIONS, "pause", "fps")


ExportFunction = Callable[[ExportSource, Path, ExportOptions, Progress], str]


@dataclass(frozen=True)
class Exporter:
    """One export format. ``export`` writes ``out`` and returns a one-line summary for the user
    ("wrote 31 pages to handout.pdf"); it raises ``ExportError`` for a problem the user can fix,
    ``ExportCancelled`` when progress says so, and ``OSError`` (``WriteError``) when writing fails.
    Every file goes through ``animator.files.atomic_path``/``write_atomic``, so a failure or a
    cancel never leaves a half-written file and never replaces a good one.
    """

    #: The CLI option (``--video``) and the registry key.
    key: str
    #: The Export menu's entry ("Video (MP4, WebM)…").
    label: str
    #: One line for ``--help``.
    help: str
    #: Suffixes ``out`` may end in (lower case), first is the default; empty when ``folder``.
    suffixes: tuple[str, ...]
    export: ExportFunction
    #: The output is a folder of files (one per pause point) rather than one file.
    folder: bool = False
    #: The ``ExportOptions`` fields this format reads (beyond steps and force, which every format has).
    options: tuple[str, ...] = ()
    #: Whether a deck (several chapters) can be exported in one go.
    decks: bool = True
    #: The image size when none is asked for (a GIF for chat is smaller than a video for a projector).
    default_size: tuple[int, int] = (1920, 1080)

    def __post_init__(self) -> None:
        unknown = set(self.options) - set(OPTION_NAMES)
        if unknown:
            raise ValueError(f"exporter {self.key}: unknown options {sorted(unknown)}")
        if self.folder == bool(self.suffixes):
            raise ValueError(f"exporter {self.key}: either a folder or file suffixes")


def step_file_name(source: ExportSource, chapter_number: int, step: int, suffix: str) -> str:
    """The name of one pause point's image in a folder export, as ``render --step all`` names them
    (``step-03.png``); a deck's scenes get their number in front (``01-step-03.png``), so the files
    sort in lecture order."""
    digits = max(2, len(str(source.chapters[chapter_number - 1].timeline.step_count)))
    prefix = f"{chapter_number:02d}-" if source.is_deck else ""
    return f"{prefix}step-{step:0{digits}d}{suffix}"


def pause_points(source: ExportSource) -> Iterator[tuple[Chapter, int]]:
    """Every (chapter, step) to show, in order: what per-step exporters (PDF, PPTX, SVG) walk."""
    for chapter in source.chapters:
        for step in chapter.steps():
            yield chapter, step
