"""Decks: a lecture's list of scenes, with errors that point at the line to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from animator.cli import main
from animator.model import SceneLoadError
from animator.model.deck import is_deck_path, load_deck, validate_deck_file
from tests.conftest import REPO
from tests.model.conftest import SMALL


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "one.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "two.yaml").write_text(SMALL.replace("title: Small", "title: Second"), encoding="utf-8")
    return tmp_path


def deck(folder: Path, text: str) -> Path:
    path = folder / "talk.deck.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def errors(path: Path) -> list[str]:
    return [str(e) for e in validate_deck_file(path)]


def test_bundled_intro_deck_orders_the_three_scenes() -> None:
    intro = load_deck(REPO / "scenes" / "intro.deck.yaml")
    assert [Path(e.file).stem for e in intro.scenes] == ["tcp-handshake", "http-get", "home-nat"]
    assert validate_deck_file(REPO / "scenes" / "intro.deck.yaml") == []


def test_paths_are_relative_to_the_deck_and_titles_optional(folder: Path) -> None:
    path = deck(folder, "format: 1\ntitle: Talk\nscenes:\n  - file: one.yaml\n  - {file: two.yaml, title: Again}\n")
    loaded = load_deck(path)
    assert loaded.scene_path(1) == (folder / "two.yaml").resolve()
    assert [e.title for e in loaded.scenes] == [None, "Again"]
    assert is_deck_path(path) and not is_deck_path(folder / "one.yaml")


def test_parts_head_the_scenes_they_start(folder: Path) -> None:
    entries = "  - {file: one.yaml, part: Basics}\n  - file: two.yaml\n  - {file: one.yaml, part: More}\n"
    path = deck(folder, "format: 1\ntitle: Talk\nscenes:\n" + entries)
    assert load_deck(path).parts() == [("Basics", 0), ("More", 2)]


def test_the_course_deck_has_six_parts_among_them_proxies_in_depth_and_databases_on_the_wire() -> None:
    course = load_deck(REPO / "scenes" / "backend-fundamentals.deck.yaml")
    titles = [title for title, _ in course.parts()]
    assert len(titles) == 6 and course.parts()[0][1] == 0, "the course starts with its first part"
    assert titles[4:] == ["Proxies in depth", "Databases on the wire"]


def test_missing_scene_file_is_reported_at_its_entry_with_a_suggestion(folder: Path) -> None:
    path = deck(folder, "format: 1\ntitle: Talk\nscenes:\n  - file: one.yaml\n  - file: tow.yaml\n")
    assert errors(path) == [f"{path}:5:11: scenes.2.file: no scene file 'tow.yaml' next to the deck (did you mean 'two.yaml'?)"]


def test_unknown_key_in_an_entry_gets_did_you_mean(folder: Path) -> None:
    path = deck(folder, "format: 1\ntitle: Talk\nscenes:\n  - fille: one.yaml\n")
    assert f"{path}:4:5: scenes.1: unknown key 'fille' (did you mean 'file'?); expected one of: file, title, part" in errors(path)


def test_a_broken_scene_in_the_deck_fails_validation_with_its_own_location(folder: Path) -> None:
    (folder / "two.yaml").write_text(SMALL.replace("to: b", "to: c"), encoding="utf-8")
    path = deck(folder, "format: 1\ntitle: Talk\nscenes:\n  - file: one.yaml\n  - file: two.yaml\n")
    found = errors(path)
    assert len(found) == 1 and found[0].startswith(f"{folder / 'two.yaml'}:11:") and "unknown node 'c'" in found[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "1:1: file is empty: expected a deck mapping with 'format', 'title' and 'scenes'"),
        ("format: 1\ntitle: T\nscenes: []\n", "3:9: a deck needs at least one scene"),
        ("format: 2\ntitle: T\nscenes: []\n", "1:9: unsupported format version 2"),
        ("format: 1\ntitle: T\nscenes:\n  - file: talk.deck.yaml\n", "4:11: scenes.1.file: 'talk.deck.yaml' is a deck"),
        ("format: 1\ntitle: T\ntitle: U\nscenes: [{file: one.yaml}]\n", "3:1: duplicate key 'title'"),
        ("format: 1\ntitle: !!python/object:os.system T\nscenes: [{file: one.yaml}]\n", "2:8: tag '!!python/object:os.system'"),
        ("format: 1\ntitle: [T\n", "YAML syntax error"),
    ],
)
def test_deck_errors_name_line_and_column(folder: Path, text: str, expected: str) -> None:
    path = deck(folder, text)
    with pytest.raises(SceneLoadError) as caught:
        load_deck(path)
    assert any(expected in str(e) for e in caught.value.errors), caught.value.errors


def test_alias_bomb_deck_is_refused_quickly(folder: Path) -> None:
    lines = ["format: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    lines += ["title: T", "scenes: [{file: one.yaml, title: *a11}]"]
    path = deck(folder, "\n".join(lines) + "\n")
    with pytest.raises(SceneLoadError) as caught:
        load_deck(path)
    assert caught.value.errors


def test_cli_validate_checks_a_deck_and_its_scenes(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = deck(folder, "format: 1\ntitle: Talk\nscenes:\n  - file: one.yaml\n")
    assert main(["validate", str(good)]) == 0
    bad = folder / "bad.deck.yaml"
    bad.write_text("format: 1\ntitle: Talk\nscenes:\n  - file: nope.yaml\n", encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    assert f"{bad}:4:11: scenes.1.file: no scene file 'nope.yaml'" in capsys.readouterr().out


def test_render_refuses_a_deck_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["render", str(REPO / "scenes" / "intro.deck.yaml"), "--step", "1", "--out", str(tmp_path / "x.png")]) == 2
    assert capsys.readouterr().err.strip().endswith("intro.deck.yaml is a deck; render one of the scenes it lists")
