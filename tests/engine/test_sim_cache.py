"""The journey cache: a second opening reads the same journey from disk; edits and damage are noticed."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from animator.engine import build_timeline
from animator.engine.sim import cache
from animator.model import load_scene
from tests.conftest import REPO


@pytest.fixture
def scene_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "router-hop.yaml"
    path.write_bytes((REPO / "scenes" / "router-hop.yaml").read_bytes())
    return path


def test_the_second_opening_reads_the_journey_the_first_simulated(scene_file: Path) -> None:
    first = build_timeline(load_scene(scene_file))
    key = cache.key_for(first.scene)
    assert key is not None and (cache.cache_dir() / f"{key}.json").is_file()
    cached = cache.load(key)
    assert cached is not None
    assert cache._plain(cached) == cache._plain(first.journey)  # byte for byte, every hop and table
    second = build_timeline(load_scene(scene_file))
    assert [m.frames for m in second.messages] == [m.frames for m in first.messages]
    assert second.state_at(second.duration).device_tables == first.state_at(first.duration).device_tables


def test_editing_the_scene_or_changing_it_after_loading_makes_a_new_key(scene_file: Path) -> None:
    scene = load_scene(scene_file)
    key = cache.key_for(scene)
    slower = dataclasses.replace(scene, links=tuple(dataclasses.replace(link, latency="50ms") for link in scene.links))
    assert cache.key_for(slower) != key
    scene_file.write_text(scene_file.read_text(encoding="utf-8") + "\n# an edit\n", encoding="utf-8")
    assert cache.key_for(load_scene(scene_file)) != key


def test_a_damaged_cache_entry_is_simulated_again(scene_file: Path) -> None:
    first = build_timeline(load_scene(scene_file))
    key = cache.key_for(first.scene)
    assert key is not None
    (cache.cache_dir() / f"{key}.json").write_text('{"format": 1, "steps": [{"legs": [[1]]}]', encoding="utf-8")
    assert cache.load(key) is None
    again = build_timeline(load_scene(scene_file))
    assert [m.frames for m in again.messages] == [m.frames for m in first.messages]


def test_the_cache_can_be_turned_off(scene_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.DISABLE, "1")
    assert cache.key_for(load_scene(scene_file)) is None


def test_a_file_changed_after_parsing_does_not_get_the_old_texts_packets(scene_file: Path) -> None:
    """The review's reproducer: the key was the file as it is *now*, so a scene parsed from one text
    and hashed after a save (or ``import --force``) was given the packets of another."""
    parsed = load_scene(scene_file)
    key = cache.key_for(parsed)
    scene_file.write_text(scene_file.read_text(encoding="utf-8") + "\n# saved again after parsing\n", encoding="utf-8")
    assert cache.key_for(parsed) == key  # still the text that was parsed
    assert cache.key_for(load_scene(scene_file)) != key


def test_a_scene_built_in_code_is_not_cached(scene_file: Path) -> None:
    scene = dataclasses.replace(load_scene(scene_file), digest="")
    assert cache.key_for(scene) is None


def test_old_entries_are_pruned(tmp_path: Path) -> None:
    folder = tmp_path / "journeys"
    folder.mkdir()
    for n in range(5):
        entry = folder / f"{n}.json"
        entry.write_text("{}", encoding="utf-8")
        os.utime(entry, (n, n))
    cache.prune(folder, keep=2)
    assert sorted(p.name for p in folder.iterdir()) == ["3.json", "4.json"]
