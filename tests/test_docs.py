"""The scene format guide's examples must stay valid: authors copy them."""

from __future__ import annotations

import re

import pytest

from animator.engine import build_timeline
from animator.model import SceneLoadError, load_scene_text
from tests.conftest import REPO

GUIDES = (REPO / "docs" / "scene-format.md", REPO / "docs" / "devices.md")
BLOCKS = [
    b
    for guide in GUIDES
    for b in re.findall(r"```yaml\n(.*?)```", guide.read_text(encoding="utf-8"), re.S)
    if b.startswith("format: 1")
]


def test_guide_has_complete_examples() -> None:
    assert len(BLOCKS) >= 2  # the first scene and the complete example


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.splitlines()[1][:40])
def test_every_complete_example_in_the_guide_loads(block: str) -> None:
    try:
        scene = load_scene_text(block, "scene-format.md")
    except SceneLoadError as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"example in docs/ does not load:\n{exc}")
    assert build_timeline(scene).step_count == len(scene.steps)
