"""The one list of export formats: the CLI's ``export`` options and the app's Export menu come from here.

Adding a format: write ``animator/export/NAME.py`` with ``EXPORTER = Exporter(...)`` and add the
module to ``exporters`` below; ``tests/export/test_registry.py`` checks that listing the formats
imports no Qt and that the CLI offers every one, ``tests/ui/test_export_menu.py`` that the menu does.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from animator.export.base import Chapter, Exporter, ExportError, ExportSource


@cache
def exporters() -> tuple[Exporter, ...]:
    """Every export format, in the order menus and ``--help`` list them.

    Imported by name, not through ``importlib``: PyInstaller follows these imports into the bundle,
    and each module keeps its heavy imports (Qt, PyAV, python-pptx) inside ``export``.
    """
    from animator.export import gif, html, pcap, pdf, png, pptx, svg, video

    return tuple(module.EXPORTER for module in (video, gif, html, pdf, pptx, png, svg, pcap))


def exporter(key: str) -> Exporter:
    for candidate in exporters():
        if candidate.key == key:
            return candidate
    raise KeyError(key)


def for_path(path: Path) -> Exporter | None:
    """The format a file name asks for (``talk.mp4`` → video), for the app's save dialog; None if unknown."""
    name = path.name.lower()
    for candidate in exporters():
        if any(name.endswith(suffix) for suffix in candidate.suffixes):
            return candidate
    return None


def parse_steps(text: str) -> tuple[int, int | None]:
    """``--steps A-B``, ``A-``, ``-B`` or ``N`` → (first, last or None for the end). Steps count from 0."""
    import re

    match = re.fullmatch(r"\s*(\d*)\s*(-?)\s*(\d*)\s*", text)
    if not match or not (match.group(1) or match.group(3)) or (match.group(3) and not match.group(2) and match.group(1)):
        raise ValueError(f"'{text}' is not a step range: expected A-B, A-, -B or N (step 0 is before anything moves)")
    if not match.group(2):
        first = last = int(match.group(1) or match.group(3))
        return first, last
    first = int(match.group(1) or 0)
    end = int(match.group(3)) if match.group(3) else None
    if end is not None and end < first:
        raise ValueError(f"'{text}' is not a step range: A must not exceed B")
    return first, end


def scene_source(timeline: object, path: Path, steps: tuple[int, int | None] | None = None) -> ExportSource:
    """One scene as an export source; ``steps`` (from ``parse_steps``) narrows the pause points."""
    from animator.engine.timeline import Timeline

    assert isinstance(timeline, Timeline)
    count = timeline.step_count
    first, last = (0, count) if steps is None else (steps[0], count if steps[1] is None else steps[1])
    if first > count or last > count:
        raise ExportError(f"--steps: this scene has {count} steps, so steps run from 0 to {count}")
    scene = timeline.scene
    chapter = Chapter(scene.title, timeline, first, last)
    return ExportSource(scene.title, (chapter,), path, is_deck=False, summary=scene.summary or "")


def load_source(path: Path, steps: tuple[int, int | None] | None = None) -> ExportSource:
    """Load a scene or a deck (all its scenes, in order) for export.

    Raises ``SceneLoadError`` (FILE:LINE:COL lines) when a scene does not load: an export of a
    deck with a broken scene would silently leave a lecture out, so the whole export is refused.
    """
    from animator.engine import build_timeline
    from animator.model import SceneLoadError, load_scene
    from animator.model.deck import is_deck_path, load_deck, load_deck_scenes

    if not is_deck_path(path):
        return scene_source(build_timeline(load_scene(path)), path, steps)
    if steps is not None:
        raise ExportError("--steps goes with a scene, not a deck: a deck is exported whole")
    deck = load_deck(path)
    chapters = []
    errors = []
    for index, loaded in enumerate(load_deck_scenes(deck)):
        if isinstance(loaded, SceneLoadError):
            errors.extend(loaded.errors)
            continue
        timeline = build_timeline(loaded)
        title = deck.scenes[index].title or loaded.title
        chapters.append(Chapter(title, timeline, 0, timeline.step_count, part=deck.scenes[index].part))
    if errors:
        raise SceneLoadError(errors)
    return ExportSource(deck.title, tuple(chapters), path, is_deck=True, summary=deck.summary or "")
