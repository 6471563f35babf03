"""Decks may only list scene files of their own folder, so ``validate`` never reads (and quotes) other files.

The finding: ``file: /etc/shadow`` or ``file: ../../secret`` made ``validate`` read the file as a
scene and print its lines back in "unknown key" errors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from animator.model.deck import load_deck, validate_deck_file
from tests.model.conftest import SMALL

SECRET = "admin:$6$sekrit-salt$sekrit-hash:19000:0:99999:7:::\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A deck folder beside a secret file, the way a home folder holds both."""
    (tmp_path / "secret").write_text(SECRET, encoding="utf-8")
    (tmp_path / "secret.yaml").write_text(SECRET, encoding="utf-8")
    talk = tmp_path / "talk"
    talk.mkdir()
    (talk / "one.yaml").write_text(SMALL, encoding="utf-8")
    (talk / "sub").mkdir()
    return talk


def errors_for(folder: Path, entry: str) -> list[str]:
    path = folder / "talk.deck.yaml"
    path.write_text(f"format: 1\ntitle: Talk\nscenes:\n  - file: one.yaml\n  - file: {entry}\n", encoding="utf-8")
    return [str(e) for e in validate_deck_file(path)]


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ("../secret.yaml", "is outside the deck's folder"),
        ("sub/../../secret.yaml", "is outside the deck's folder"),
        ("{abs}", "is an absolute path"),
        ("/etc/shadow", "is an absolute path"),
        ("../secret", "is not a scene file: scene files end in .yaml or .yml"),
    ],
)
def test_entries_outside_the_folder_are_refused_at_their_line_without_reading_them(folder: Path, entry: str, why: str) -> None:
    entry = entry.replace("{abs}", str(folder.parent / "secret.yaml"))
    (error,) = errors_for(folder, entry)
    assert error.startswith(f"{folder / 'talk.deck.yaml'}:5:11: scenes.2.file: '{entry}' {why}")
    assert "sekrit" not in error


def test_a_symlink_pointing_out_of_the_folder_is_refused(folder: Path) -> None:
    (folder / "innocent.yaml").symlink_to(folder.parent / "secret.yaml")
    (error,) = errors_for(folder, "innocent.yaml")
    assert "'innocent.yaml' is outside the deck's folder" in error and "sekrit" not in error


def test_a_file_that_is_not_yaml_inside_the_folder_is_not_quoted(folder: Path) -> None:
    (folder / "notes.txt").write_text(SECRET, encoding="utf-8")
    (error,) = errors_for(folder, "notes.txt")
    assert "is not a scene file" in error and "sekrit" not in error


def test_paths_that_stay_inside_the_folder_still_work(folder: Path) -> None:
    assert errors_for(folder, "sub/../one.yaml") == []
    path = folder / "talk.deck.yaml"
    assert len(load_deck(path).scenes) == 2
