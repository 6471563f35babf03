"""Every scene shipped in scenes/ validates cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from animator.model import validate_file

SCENES = sorted(p for p in (Path(__file__).resolve().parents[2] / "scenes").glob("*.yaml") if not p.name.endswith(".deck.yaml"))


def test_scenes_are_shipped() -> None:
    assert len(SCENES) >= 3, SCENES


@pytest.mark.parametrize("path", SCENES, ids=[p.name for p in SCENES])
def test_bundled_scene_is_valid(path: Path) -> None:
    errors = validate_file(path)
    assert errors == [], "\n".join(map(str, errors))
