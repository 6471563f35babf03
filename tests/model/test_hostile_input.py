"""Hostile or broken files are refused quickly with a one-line message: no traceback, hang, memory blow-up or code run."""

from __future__ import annotations

import codecs
import os
import signal
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from animator.model import SceneError, SceneLoadError, load_scene, validate_file
from animator.model import loader as loader_module
from tests.model.conftest import SMALL

#: Wall-clock bound for refusing one hostile file. Each takes milliseconds; the bound only
#: catches hangs and exponential work, so it is not flaky.
QUICK_S = 1.5

TABLE_STEP = """\
  - caption: a table
    actions:
      - table:
          node: b
          title: t
          columns: [x]
          rows: ROWS
"""


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """Turn a hang into a failure instead of a stuck test run (Python code only)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("loading took more than 20 s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, 20)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def refused(path: Path, limit_s: float = QUICK_S) -> list[SceneError]:
    """Validate ``path``, asserting it is refused quickly with well-formed one-line errors."""
    start = time.perf_counter()
    errors = validate_file(path)
    elapsed = time.perf_counter() - start
    assert elapsed < limit_s, f"took {elapsed:.2f} s"
    assert errors, "a hostile file was accepted"
    for error in errors:
        text = str(error)
        assert text.startswith(f"{path}:{error.line}:{error.col}: "), text
        assert error.line >= 1 and error.col >= 1
        assert len(text.splitlines()) == 1 and "Traceback" not in text
    return errors


def write_bytes(tmp_path: Path, data: bytes, name: str = "scene.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def write_text(tmp_path: Path, text: str, name: str = "scene.yaml") -> Path:
    return write_bytes(tmp_path, text.encode("utf-8"), name)


def laughs(levels: int = 9, width: int = 9, indent: str = "  ") -> str:
    """The "billion laughs" anchors as mapping lines: ``l9`` expands to width**levels strings."""
    lines = [f"{indent}l1: &l1 [{', '.join(['lol'] * width)}]\n"]
    for level in range(2, levels + 1):
        lines.append(f"{indent}l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]\n")
    return "".join(lines)


# -- alias bombs -------------------------------------------------------------------------
def test_alias_bomb_under_unknown_key_is_reported_as_that_key(tmp_path: Path) -> None:
    errors = refused(write_text(tmp_path, SMALL + "bomb:\n" + laughs() + "boom: *l9\n"))
    assert [(e.line, e.col) for e in errors] == [(12, 1), (22, 1)]
    assert "unknown key 'bomb'" in errors[0].message
    assert "unknown key 'boom'" in errors[1].message


def test_alias_bomb_in_table_rows_is_refused_with_a_few_clear_messages(tmp_path: Path) -> None:
    text = "bomb:\n" + laughs() + SMALL + TABLE_STEP.replace("ROWS", "*l9")
    errors = refused(write_text(tmp_path, text))
    assert "unknown key 'bomb'" in errors[0].message
    rows = errors[1:]
    assert all("expected text, got a list" in e.message for e in rows)
    # one per cell of the first two levels, not one per expanded value, and in file order
    # (the same on every run, whatever Python's hash seed)
    assert [e.message.split(":")[0] for e in rows] == [
        f"steps.2.actions.1.table.rows.{row}.{cell}" for row in range(1, 10) for cell in range(1, 10)
    ]


def test_alias_bomb_defined_inside_rows_is_refused(tmp_path: Path) -> None:
    anchors = laughs(indent="").splitlines()
    rows = "[" + ", ".join(line.split(": ", 1)[1] for line in anchors) + "]"
    errors = refused(write_text(tmp_path, SMALL + TABLE_STEP.replace("ROWS", rows)))
    assert all("table.rows" in e.message for e in errors)
    assert len(errors) <= 81


def schema_bomb(width: int) -> str:
    """Aliases aimed down the schema's deepest path: steps -> actions -> table rows -> cells."""
    cells = ", ".join(["x"] * width)
    rows = ", ".join(["*r"] * width)
    actions = ", ".join(["*t"] * width)
    steps = ", ".join(["*s"] * width)
    return (
        SMALL.split("steps:")[0]
        + "steps: [\n"
        + f"  &s {{caption: c, actions: [&t {{table: {{node: b, title: t, rows: [&r [{cells}], {rows}]}}}}, {actions}]}},\n"
        + f"  {steps}]\n"
    )


def test_alias_bomb_aimed_at_the_schema_is_refused_quickly(tmp_path: Path) -> None:
    (error,) = refused(write_text(tmp_path, schema_bomb(60)))  # 60**4 = 13 million cells
    assert (error.line, error.col) == (1, 1)
    assert "YAML aliases" in error.message


def test_alias_bomb_stays_within_bounded_memory(tmp_path: Path) -> None:
    path = write_text(tmp_path, schema_bomb(60))
    tracemalloc.start()
    try:
        errors = validate_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert errors
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_modest_aliases_still_load(tmp_path: Path) -> None:
    """The alias budget must not refuse real use: a shared row repeated in a few tables."""
    tables = "".join(f"      - table: {{node: b, title: t{i}, columns: [a, b], rows: [*row, *row, *row]}}\n" for i in range(50))
    text = SMALL.replace(
        "label: hello}", "label: hello}\n      - table: {node: a, title: t, columns: [a, b], rows: [&row [1, 2]]}"
    )
    scene = load_scene(write_text(tmp_path, text + tables))
    assert scene.steps[0].actions[-1].rows == (("1", "2"),) * 3


def test_self_referencing_alias_is_refused(tmp_path: Path) -> None:
    errors = refused(write_text(tmp_path, SMALL + TABLE_STEP.replace("ROWS", "&me [*me]")))
    assert any("table.rows" in e.message for e in errors)


# -- nesting, size ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 10_000,
        SMALL.replace("title: Small", "title: " + "[" * 10_000 + "]" * 10_000),
        "".join(" " * depth + f"k{depth}:\n" for depth in range(5_000)),
        SMALL + "".join(" " * depth + f"k{depth}:\n" for depth in range(5_000)),
    ],
    ids=["flow-lists", "flow-lists-in-title", "block-mappings", "block-mappings-after-scene"],
)
def test_absurd_nesting_is_refused(tmp_path: Path, text: str) -> None:
    (error,) = refused(write_text(tmp_path, text))
    assert error.message.startswith("YAML syntax error:") and "nesting" in error.message


def test_absurd_nesting_is_refused_without_libyaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML's pure-Python parser (used where libyaml is missing) recurses once per level."""
    monkeypatch.setattr(loader_module, "_LOADER", yaml.SafeLoader)
    # 1,500 levels is past Python's recursion limit; the pure-Python scanner alone takes ~0.5 s
    # for that many, hence the wider bound.
    (error,) = refused(write_text(tmp_path, "a: " + "[" * 1_500), limit_s=3.0)
    assert error.message.startswith("YAML syntax error:") and "nested too deeply" in error.message


def test_huge_caption_is_refused_at_its_position(tmp_path: Path) -> None:
    text = SMALL.replace("caption: a greets b", "caption: " + "x" * (64 * 1024 + 1))
    (error,) = refused(write_text(tmp_path, text))
    assert (error.line, error.col) == (9, 14)
    assert "65,537 characters long; at most 65,536" in error.message


def test_caption_of_exactly_64_kib_loads(tmp_path: Path) -> None:
    scene = load_scene(write_text(tmp_path, SMALL.replace("caption: a greets b", "caption: " + "x" * 64 * 1024)))
    assert len(scene.steps[0].caption) == 64 * 1024


def test_file_over_16_mib_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("w", encoding="utf-8") as file:
        file.write(SMALL)
        line = "# " + "padding " * 16 + "\n"
        file.write(line * (16 * 2**20 // len(line) + 10))
    assert path.stat().st_size > 16 * 2**20
    (error,) = refused(path)
    assert (error.line, error.col) == (1, 1)
    assert "a scene may be at most 16 MiB" in error.message


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_device_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    link = tmp_path / "scene.yaml"
    link.symlink_to("/dev/zero")
    (error,) = refused(link)
    assert "larger than 16 MiB" in error.message


# -- not text, not YAML, not one mapping ----------------------------------------------------
@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "binary file"),
        (SMALL.encode() + b"\x00\x00", "binary file"),
        (b"", "file is empty"),
        (b"   \n\t\n\n", "file is empty"),
        (b"# only a comment\n   # and another\n\n", "file has no content"),
        (b"- a\n- b\n", "expected a mapping, got a list"),
        (b"just some text\n", "expected a mapping, got text 'just some text'"),
        (SMALL.encode() + b"---\n" + SMALL.encode(), "expected a single document"),
        (b"---\ntitle: one\n---\ntitle: two\n", "expected a single document"),
    ],
    ids=[
        "png",
        "nul-after-text",
        "empty",
        "whitespace",
        "comments",
        "top-level-list",
        "top-level-text",
        "two-scenes",
        "two-docs",
    ],
)
def test_non_scene_content_is_refused(tmp_path: Path, data: bytes, fragment: str) -> None:
    errors = refused(write_bytes(tmp_path, data))
    assert fragment in errors[0].message, errors[0]


@pytest.mark.parametrize(
    ("data", "position", "byte"),
    [
        (b"format: 1\ntitle: Caf\xe9 menu\n", (2, 11), "0xe9"),  # Latin-1 e-acute
        ("format: 1\ntitle: Café ".encode() + b"\xff\n", (2, 13), "0xff"),  # columns count characters, not bytes
        (codecs.BOM_UTF8 + b"title: x\xc3\n", (1, 9), "0xc3"),  # the BOM is not a column
        (b"\r\n\r\n\xc3\x28", (3, 1), "0xc3"),
    ],
    ids=["latin1", "after-multibyte", "after-bom", "crlf-lines"],
)
def test_invalid_utf8_is_refused_at_the_bad_byte(tmp_path: Path, data: bytes, position: tuple[int, int], byte: str) -> None:
    (error,) = refused(write_bytes(tmp_path, data))
    assert (error.line, error.col) == position
    assert f"invalid UTF-8 byte {byte}: save the scene as UTF-8" in error.message


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),
        lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    ],
    ids=["utf8-bom", "utf16-native-bom", "utf16-le-bom", "utf16-be-bom"],
)
def test_bom_marked_files_load_like_plain_utf8(tmp_path: Path, encode: Callable[[str], bytes]) -> None:
    text = SMALL.replace("Small", "Café ☕")
    plain = load_scene(write_bytes(tmp_path, text.encode("utf-8"), "plain.yaml"))
    marked = load_scene(write_bytes(tmp_path, encode(text), "marked.yaml"))
    assert marked == plain
    assert marked.title == "Café ☕"


def test_utf16_file_errors_point_at_the_right_place(tmp_path: Path) -> None:
    text = SMALL.replace("kind: server", "kind: sever")
    (error,) = refused(write_bytes(tmp_path, text.encode("utf-16")))
    assert (error.line, error.col) == (5, text.splitlines()[4].index("sever") + 1)
    assert "unknown value 'sever' (did you mean 'server'?)" in error.message


# -- tags must not run code ----------------------------------------------------------------
def payload(target: Path) -> str:
    return f'!!python/object/apply:os.mkdir ["{target}"]'


def test_python_tag_payload_is_real(tmp_path: Path) -> None:
    """Guards the tests below: the same payload does create the directory when YAML runs it."""
    target = tmp_path / "pwned"
    yaml.unsafe_load(payload(target))
    assert target.is_dir()


@pytest.mark.parametrize(
    ("template", "tag"),
    [
        ("PAYLOAD\n", "!!python/object/apply:os.mkdir"),
        ("format: 1\ntitle: PAYLOAD\n", "!!python/object/apply:os.mkdir"),
        (SMALL + "extra: PAYLOAD\n", "!!python/object/apply:os.mkdir"),
        (SMALL.replace("{id: a, kind: host}", "{id: a, <<: {kind: PAYLOAD}}"), "!!python/object/apply:os.mkdir"),
        (SMALL + "? PAYLOAD\n: 1\n", "!!python/object/apply:os.mkdir"),
        (SMALL.replace("title: Small", "title: !!python/name:os.system x"), "!!python/name:os.system"),
        (SMALL.replace("title: Small", "title: !include /etc/passwd"), "!include"),
        (SMALL.replace("kind: server", "kind: !!binary c2VydmVy"), "!!binary"),
        (SMALL.replace("{id: a, kind: host}", "!custom {id: a, kind: host}"), "!custom"),
    ],
    ids=["top-level", "field", "unknown-key", "merged", "key", "python-name", "include", "binary", "custom-mapping"],
)
def test_tags_are_refused_and_never_run(tmp_path: Path, template: str, tag: str) -> None:
    target = tmp_path / "pwned"
    path = write_text(tmp_path, template.replace("PAYLOAD", payload(target)))
    errors = refused(path)
    assert any(f"tag '{tag}' is not allowed" in e.message for e in errors), errors
    assert not target.exists()
    with pytest.raises(SceneLoadError, match="is not allowed"):
        load_scene(path)
    assert not target.exists()


# -- paths that are not files -------------------------------------------------------------
def test_directory_is_refused(tmp_path: Path) -> None:
    (error,) = refused(tmp_path)
    assert "is a directory" in error.message


def test_missing_file_is_refused(tmp_path: Path) -> None:
    (error,) = refused(tmp_path / "nope.yaml")
    assert "no such file" in error.message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path, SMALL)
    path.chmod(0)
    (error,) = refused(path)
    assert "cannot read file" in error.message


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("{id: b, kind: server}", "{id: b, kind: server, [x, y]: 1}", "[x, y]"),
        ("- send: {from: a, to: b, label: hello}", "- {[send]: {from: a, to: b, label: hello}}", "[send]"),
        ("title: Small", "title: Small\n{nested: key}: 1", "{nested"),
    ],
    ids=["node", "action", "top-level"],
)
def test_list_or_mapping_as_key_is_refused_in_plain_words(tmp_path: Path, old: str, new: str, key: str) -> None:
    text = SMALL.replace(old, new)
    errors = refused(write_text(tmp_path, text))
    index = text.index(key)
    position = (text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index))
    assert [(e.line, e.col, e.message) for e in errors] == [(*position, "keys must be plain text, not lists or mappings")]
