"""Read a scene file safely and turn it into a validated ``Scene``.

Scene files come from colleagues, students and the internet, so reading one must never run
code, hang, exhaust memory or print a traceback. The checks here happen in order of cost:
size, binary content and encoding before YAML parsing; the number of YAML values, counted by
libyaml's parser before a node is built, and YAML's own nesting limit (libyaml refuses deeper
than 1000 levels); the counts of devices, links, steps, actions and real packets on the node
tree before decoding (``limits``); then, while decoding, our alias-expansion budget and the
plain-data rules (no custom tags, duplicate keys or giant values: ``decode.check_tree``),
applied to each node before its value is built.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import gc
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import yaml

from animator.files import NotRegularFileError, open_regular_file
from animator.model.decode import INT_TAG, Decoder, TooLargeError, is_tag_problem, mark_of
from animator.model.errors import SceneError, SceneLoadError
from animator.model.limits import (
    MAX_BYTES,
    MAX_YAML_EVENTS,
    check_counts,
    count_yaml_events,
    may_exceed_events,
    too_many_events,
)
from animator.model.schema import FORMAT_VERSION, Scene
from animator.model.topology import Topology
from animator.model.validate import check_scene

#: Errors reported for one file at most.
MAX_ERRORS = 100

T = TypeVar("T")

_BASE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SceneLoader(_BASE_LOADER):  # type: ignore[misc]
    """The safe loader, with the tag of each plain scalar resolved once per distinct text.

    libyaml builds the nodes in C but asks Python for every scalar's tag (``resolve``) and
    around every node for path resolvers, which safe loading never has. A scene repeats the
    same keys and values thousands of times (``from``, ``to``, ``send``, addresses), so a
    memo of (text, implicit) → tag, limited to short texts, takes a fifth off loading a
    10,000-step scene (``benchmarks/bench_load.py``). The tag comes from the same resolver.
    """

    _tags: ClassVar[dict[tuple[str, tuple[bool, bool]], str]] = {}

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode or len(value) > 64:
            resolved: str = super().resolve(kind, value, implicit)
            return resolved
        key = (value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            if len(self._tags) > 50_000:  # many distinct short texts: start again, stay small
                self._tags.clear()
            tag = self._tags[key] = super().resolve(kind, value, implicit)
        return tag

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path resolvers in safe loading: nothing to track per node."""

    def ascend_resolver(self) -> None:
        """See ``descend_resolver``."""


_LOADER = _SceneLoader


def load_scene(path: str | Path) -> Scene:
    """Load and validate a scene file; raise ``SceneLoadError`` listing every problem."""
    return load_scene_bytes(read_file(path, "scene"), str(path))


def read_file(path: str | Path, what: str) -> bytes:
    """The file's bytes, at most ``MAX_BYTES``; a ``SceneLoadError`` at 1:1 when it cannot be read.

    Shared by scenes and decks (``animator.model.deck``): both come from untrusted places.
    """
    name = str(path)
    try:
        # A FIFO or a device would block or never end: refused before a byte is read.
        with open_regular_file(path) as file:
            size = os.fstat(file.fileno()).st_size
            if size > MAX_BYTES:
                raise SceneLoadError(
                    [SceneError(name, 1, 1, f"file is {size / 2**20:.1f} MiB; a {what} may be at most {MAX_BYTES // 2**20} MiB")]
                )
            # At most one byte more than allowed, in case the file grows while it is read.
            data = file.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SceneLoadError([SceneError(name, 1, 1, "no such file")]) from None
    except IsADirectoryError:
        raise SceneLoadError([SceneError(name, 1, 1, f"is a directory, expected a .yaml {what} file")]) from None
    except NotRegularFileError as exc:
        # A device such as /dev/zero reports size 0 but never ends.
        endless = f" (a device, which can be endless: larger than {MAX_BYTES // 2**20} MiB)"
        why = endless if exc.kind == "device" else f" ({exc.kind})"
        raise SceneLoadError([SceneError(name, 1, 1, f"not a regular file{why}")]) from None
    except OSError as exc:
        raise SceneLoadError([SceneError(name, 1, 1, f"cannot read file: {exc.strerror}")]) from None
    if len(data) > MAX_BYTES:
        raise SceneLoadError([SceneError(name, 1, 1, f"file is larger than {MAX_BYTES // 2**20} MiB")])
    return data


def load_scene_bytes(data: bytes, name: str) -> Scene:
    if len(data) > MAX_BYTES:
        raise SceneLoadError([SceneError(name, 1, 1, f"file is larger than {MAX_BYTES // 2**20} MiB")])
    return load_scene_text(decode_text(data, name), name)


def load_scene_text(text: str, name: str = "<scene>") -> Scene:
    if "\x00" in text:
        raise _fail(name, 1, 1, "this is a binary file, not a YAML scene")
    if not text.strip():
        raise _fail(name, 1, 1, "file is empty: expected a scene mapping with 'format', 'title', 'nodes' and 'steps'")
    with collector_paused():
        # The node tree lives only inside _load, so it is freed before the collector resumes.
        return _load(text, name)


def _load(text: str, name: str) -> Scene:
    root = compose_root(text, name)
    check_version(root, name)
    too_large = check_counts(root, name)
    if too_large:
        raise SceneLoadError(too_large)
    scene = decode_root(root, name, Scene)
    # Validation searches every message's route; the topology keeps them for scheduling.
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    scene = dataclasses.replace(scene, source=name, topology=Topology(scene.nodes, scene.links), digest=digest)
    errors = check_scene(scene)
    if errors:
        raise SceneLoadError(capped(errors))
    return scene


def decode_root(root: yaml.Node, name: str, cls: type[T]) -> T:
    """Decode a file's root node into ``cls``, or raise ``SceneLoadError`` with every problem."""
    decoder = Decoder(name)
    value: T | None
    try:
        value = decoder.decode_document(root, cls)
    except TooLargeError:
        value = None
    # Custom tags, duplicate keys and giant scalars (``check_tree``). A file with a tag is refused
    # on that alone, whatever decoding found: the rest of it is not plain data to report on.
    problems = decoder.tree_problems()
    if any(is_tag_problem(p) for p in problems):
        raise SceneLoadError(capped(problems))
    if decoder.too_large:
        raise _fail(name, 1, 1, "file expands to too many values through YAML aliases (an alias bomb?); refusing to load it")
    # Drop repeats but keep file order among errors at one position: a set would make the
    # order depend on Python's hash seed, so two runs would print the same errors differently.
    errors = sorted(dict.fromkeys([*problems, *decoder.errors]), key=lambda e: (e.line, e.col))
    if errors or value is None:
        raise SceneLoadError(capped(errors) or [SceneError(name, 1, 1, f"not a {cls.__name__.lower()}")])
    return value


def _fail(name: str, line: int, col: int, message: str) -> SceneLoadError:
    return SceneLoadError([SceneError(name, line, col, message)])


def compose_root(
    text: str, name: str, expected: str = "a scene mapping with 'format', 'title', 'nodes' and 'steps'"
) -> yaml.Node:
    """The document's node tree, or a ``SceneLoadError`` for broken YAML, an empty document or
    one of more than ``MAX_YAML_EVENTS`` values (counted before a node is built)."""
    try:
        if may_exceed_events(text):
            events = count_yaml_events(text, _LOADER)
            if events > MAX_YAML_EVENTS:
                raise _fail(name, 1, 1, too_many_events(events))
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise _fail(name, line, col, f"YAML syntax error: {problem}{context}") from None
    except yaml.YAMLError as exc:
        raise _fail(name, 1, 1, f"YAML error: {exc}") from None
    except RecursionError:  # only without libyaml: the pure-Python parser recurses per level
        raise _fail(name, 1, 1, "YAML syntax error: lists or mappings are nested too deeply") from None
    if root is None:
        raise _fail(name, 1, 1, f"file has no content: expected {expected}")
    return root


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file's node tree and values are built.

    A 10,000-step lecture allocates millions of objects in one burst, and every few hundred
    allocations the collector would walk the young ones again: about half the load time.
    Hardly any of them form reference cycles, and reference counting frees the rest as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_version(root: yaml.Node, name: str) -> None:
    """A file of another format version gets one clear message, not a pile of unknown keys."""
    if not isinstance(root, yaml.MappingNode):
        return
    for key, value in root.value:
        is_format = isinstance(key, yaml.ScalarNode) and key.value == "format"
        # A short whole number only: anything else is left to the decoder's type message.
        if not (is_format and isinstance(value, yaml.ScalarNode) and value.tag == INT_TAG and len(value.value) <= 9):
            continue
        if value.value.strip() != str(FORMAT_VERSION):
            mark = mark_of(value)
            message = f"unsupported format version {value.value}: this PacketStage reads format {FORMAT_VERSION}"
            raise SceneLoadError([SceneError(name, mark.line, mark.col, message)])


def capped(errors: list[SceneError]) -> list[SceneError]:
    """At most ``MAX_ERRORS`` messages: past that, more lines only bury the first (real) one."""
    if len(errors) <= MAX_ERRORS:
        return errors
    last = errors[MAX_ERRORS - 1]
    more = SceneError(last.file, last.line, last.col, f"... and {len(errors) - MAX_ERRORS + 1} more errors not shown")
    return [*errors[: MAX_ERRORS - 1], more]


def validate_file(path: str | Path) -> list[SceneError]:
    """Every problem in one file, for ``main.py validate``; empty when the scene is good."""
    try:
        load_scene(path)
    except SceneLoadError as exc:
        return exc.errors
    return []


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16, as the YAML spec allows."""
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SceneLoadError([SceneError(name, 1, 1, "this is a binary file, not a YAML scene")])
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        # Count characters, not bytes, as YAML's own marks do; ``exc.object`` is what the codec
        # saw (for utf-8-sig, the bytes after the BOM).
        before = exc.object[: exc.start].decode(encoding, errors="replace")
        line = before.count("\n") + 1
        col = len(before) - (before.rfind("\n") + 1) + 1
        byte = exc.object[exc.start]
        raise SceneLoadError(
            [
                SceneError(
                    name, line, col, f"invalid {encoding.upper().replace('-SIG', '')} byte 0x{byte:02x}: save the scene as UTF-8"
                )
            ]
        ) from None
