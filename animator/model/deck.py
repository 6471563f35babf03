"""Deck files: a lecture as an ordered list of scene files, loaded with the scene loader's care.

A deck is named ``*.deck.yaml`` so that the app, ``validate`` and a file manager can tell it
from a scene without reading it::

    format: 1
    title: Networking 101, lecture 3
    summary: From a cable to a web page.
    scenes:
      - file: tcp-handshake.yaml
      - file: http-get.yaml
        title: A whole web request
        part: The web          # this scene starts a part of the course (shown in the contents)

Scene paths are relative to the deck's folder, so a deck and its scenes can be copied or
zipped together. A deck comes from the same untrusted places as a scene, so it goes through
the same reader (size cap, encoding, no tags, no alias bombs, duplicate keys refused), and a
missing scene file is reported at the line of its entry, not as a crash when it is reached
in the middle of a talk.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from animator.model.errors import Mark, SceneError, SceneLoadError, did_you_mean
from animator.model.loader import (
    capped,
    check_version,
    collector_paused,
    compose_root,
    decode_root,
    decode_text,
    load_scene,
    read_file,
)
from animator.model.schema import FORMAT_VERSION, MARK, MARKS, Scene

DECK_SUFFIXES = (".deck.yaml", ".deck.yml")
#: More scenes than any course has lectures; a longer list is generated junk.
MAX_SCENES = 500


def is_deck_path(path: str | Path) -> bool:
    """Whether ``path`` names a deck (``*.deck.yaml``) rather than a scene."""
    return str(path).lower().endswith(DECK_SUFFIXES)


@dataclass(frozen=True)
class DeckEntry:
    """One scene of the lecture: its file (relative to the deck) and an optional title override.

    ``part`` starts a part of the course at this scene ("Part 5: Proxies in depth"): the
    contents group the scenes under it, so a course of 45 lessons reads as six parts.
    """

    file: str
    title: str | None = None
    part: str | None = None
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()


@dataclass(frozen=True)
class Deck:
    format: int
    title: str
    scenes: tuple[DeckEntry, ...]
    summary: str | None = None
    mark: Mark = MARK
    marks: Mapping[str, Mark] = MARKS()
    #: The deck file, for messages and for resolving scene paths; not part of the YAML.
    source: str = field(default="<deck>", compare=False, metadata={"internal": True})

    @property
    def folder(self) -> Path:
        return Path(self.source).parent

    def parts(self) -> list[tuple[str, int]]:
        """The course's parts as (title, index of its first scene), in order."""
        return [(entry.part, index) for index, entry in enumerate(self.scenes) if entry.part]

    def scene_path(self, index: int) -> Path:
        """Where scene ``index`` lives: relative paths are read from the deck's folder.

        ``load_deck`` has refused entries outside that folder; readers of a ``Deck`` built in
        code call ``entry_problem`` first (``load_deck_scenes`` does).
        """
        return (self.folder / self.scenes[index].file).resolve()

    def entry_problem(self, index: int) -> SceneLoadError | None:
        """Why scene ``index`` may not be read (it lies outside the deck's folder), or None."""
        entry = self.scenes[index]
        problem = _confinement_problem(self.folder, entry.file)
        if problem is None:
            return None
        mark = entry.marks.get("file", entry.mark)
        return SceneLoadError([SceneError(self.source, mark.line, mark.col, f"scenes.{index + 1}.file: {problem}")])


def load_deck(path: str | Path) -> Deck:
    """Load a deck and check that every scene file it lists exists (scenes are not loaded)."""
    name = str(path)
    text = decode_text(read_file(path, "deck"), name)
    return load_deck_text(text, name)


def load_deck_text(text: str, name: str = "<deck>") -> Deck:
    if "\x00" in text:
        raise SceneLoadError([SceneError(name, 1, 1, "this is a binary file, not a YAML deck")])
    expected = "a deck mapping with 'format', 'title' and 'scenes'"
    if not text.strip():
        raise SceneLoadError([SceneError(name, 1, 1, f"file is empty: expected {expected}")])
    with collector_paused():
        root = compose_root(text, name, expected)
        check_version(root, name)
        deck = decode_root(root, name, Deck)
    deck = dataclasses.replace(deck, source=name)
    errors = check_deck(deck)
    if errors:
        raise SceneLoadError(capped(errors))
    return deck


def check_deck(deck: Deck) -> list[SceneError]:
    """What the decoder cannot see: the version, the number of scenes, files that are not there."""
    errors: list[SceneError] = []

    def error(mark: Mark, message: str) -> None:
        errors.append(SceneError(deck.source, mark.line, mark.col, message))

    if deck.format != FORMAT_VERSION:
        error(deck.marks.get("format", deck.mark), f"unsupported format version {deck.format}: this PacketStage reads format 1")
    if not deck.scenes:
        error(deck.marks.get("scenes", deck.mark), "a deck needs at least one scene")
    if len(deck.scenes) > MAX_SCENES:
        error(
            deck.marks.get("scenes", deck.mark), f"a deck may list at most {MAX_SCENES} scenes, this one lists {len(deck.scenes)}"
        )
        return errors
    for number, entry in enumerate(deck.scenes, start=1):
        mark = entry.marks.get("file", entry.mark)
        where = f"scenes.{number}.file"
        if is_deck_path(entry.file):
            error(mark, f"{where}: '{entry.file}' is a deck; a deck lists scene files, not other decks")
            continue
        problem = _confinement_problem(deck.folder, entry.file)
        if problem:
            error(mark, f"{where}: {problem}")
            continue
        target = deck.folder / entry.file
        if not target.exists():
            error(mark, f"{where}: no scene file '{entry.file}' next to the deck{_nearby(deck.folder, entry.file)}")
        elif not target.is_file():
            error(mark, f"{where}: '{entry.file}' is not a file")
    return sorted(errors, key=lambda e: (e.line, e.col))


def _confinement_problem(folder: Path, file: str) -> str | None:
    """Why a deck may not list ``file``, or None: a deck lists scene files of its own folder only.

    A deck comes from the same untrusted places as a scene. If its entries could point
    anywhere, ``validate`` would read any file the user can (``/etc/shadow``, a key file) and
    quote its lines back in "unknown key" errors. So: no absolute paths, nothing outside the
    folder (by ``..`` or by a symlink, checked on the resolved path), and only ``.yaml`` files,
    whose content may be quoted. Nothing of a refused file is read.
    """
    relative = Path(file)
    if relative.is_absolute() or relative.drive or file.startswith(("/", "\\")):
        return f"'{file}' is an absolute path; a deck lists scene files relative to its own folder"
    if not file.lower().endswith((".yaml", ".yml")):
        return f"'{file}' is not a scene file: scene files end in .yaml or .yml"
    try:
        home = folder.resolve()
        target = (folder / relative).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return f"'{file}' cannot be resolved (a symlink loop?)"
    if not target.is_relative_to(home):
        return f"'{file}' is outside the deck's folder; a deck lists scene files of its own folder (and below)"
    return None


def _nearby(folder: Path, wanted: str) -> str:
    """`` (did you mean 'x'?)`` among the scene files in the folder the author meant."""
    prefix = Path(wanted).parent
    try:
        names = [p.name for p in (folder / prefix).iterdir() if p.suffix in (".yaml", ".yml") and not is_deck_path(p)]
    except OSError:
        return ""
    return did_you_mean(wanted, [n if str(prefix) == "." else f"{prefix.as_posix()}/{n}" for n in names[:1000]])


def validate_deck_file(path: str | Path, check_scene: Callable[[Scene], list[SceneError]] | None = None) -> list[SceneError]:
    """Every problem in a deck and in each scene it lists. ``check_scene`` goes further than loading
    each scene (the engine's ``check_file`` passes its full check: layers and a dry simulation)."""
    try:
        deck = load_deck(path)
    except SceneLoadError as exc:
        return exc.errors
    errors: list[SceneError] = []
    for index in range(len(deck.scenes)):
        try:
            refused = deck.entry_problem(index)
            if refused:
                raise refused
            scene = load_scene(deck.scene_path(index))
            if check_scene is not None:
                errors.extend(check_scene(scene))
        except SceneLoadError as exc:
            errors.extend(exc.errors)
    return errors


def load_deck_scenes(deck: Deck) -> list[Scene | SceneLoadError]:
    """Each scene of the deck, or why it could not be loaded: one broken scene must not stop a lecture."""
    loaded: list[Scene | SceneLoadError] = []
    for index in range(len(deck.scenes)):
        refused = deck.entry_problem(index)
        if refused:
            loaded.append(refused)
            continue
        try:
            loaded.append(load_scene(deck.scene_path(index)))
        except SceneLoadError as exc:
            loaded.append(exc)
    return loaded
