"""The plain-data rules (tags, duplicate keys, giant values) hold while decoding, and cost no second walk of a clean file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from animator.model import SceneError, SceneLoadError, load_scene, load_scene_text
from animator.model import decode as decode_module
from tests.model.conftest import SMALL

ErrorsOf = Callable[[str], list[SceneError]]


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the whole-tree walks of ``check_tree``."""
    calls: list[int] = []
    real = decode_module.check_tree

    def counted(*args: object) -> list[SceneError]:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(decode_module, "check_tree", counted)
    return calls


def test_tag_in_a_merged_default_that_is_overridden_is_still_refused(tmp_path: Path) -> None:
    """Merging drops the overridden ``kind`` from the tree, so the check must see the tree as written."""
    target = tmp_path / "pwned"
    text = SMALL.replace(
        "{id: a, kind: host}", f'{{<<: {{kind: !!python/object/apply:os.mkdir ["{target}"]}}, id: a, kind: host}}'
    )
    with pytest.raises(SceneLoadError) as caught:
        load_scene_text(text, "s.yaml")
    assert [str(e) for e in caught.value.errors] == [
        "s.yaml:4:17: tag '!!python/object/apply:os.mkdir' is not allowed: scene files hold plain data only"
    ]
    assert not target.exists()


def test_duplicate_key_in_a_merge_source_is_reported_where_written(errors_of: ErrorsOf) -> None:
    text = SMALL.replace("{id: a, kind: host}", "&d {id: a, kind: host, kind: router}").replace(
        "{id: b, kind: server}", "{<<: *d, id: b}"
    )
    assert [(e.line, e.col, e.message) for e in errors_of(text)] == [(4, 28, "duplicate key 'kind' (first given at line 4)")]


def test_keys_supplied_by_a_merge_and_given_again_are_no_duplicates(walks: list[int]) -> None:
    text = SMALL.replace("{id: b, kind: server}", "{<<: {kind: router, label: B}, id: b, kind: server}")
    assert load_scene_text(text).nodes[1].kind == "server"
    assert len(walks) == 1  # once, before merging rewrote the tree


def test_value_tag_on_a_decoded_value_refuses_the_file_alone(errors_of: ErrorsOf) -> None:
    """A tag anywhere outweighs the other problems: only tags are reported."""
    text = SMALL.replace("label: hello}", "label: hello, label: !!binary aGk=}").replace("kind: server", "kind: sever")
    assert [(e.line, e.col, e.message) for e in errors_of(text)] == [  # not the misspelt 'sever'
        (11, 46, "duplicate key 'label' (first given at line 11)"),
        (11, 53, "tag '!!binary' is not allowed: scene files hold plain data only"),
    ]


def test_clean_file_is_checked_in_the_same_walk_that_decodes_it(walks: list[int], tmp_path: Path) -> None:
    path = tmp_path / "scene.yaml"
    path.write_text(SMALL, encoding="utf-8")
    load_scene(path)
    assert walks == []


def test_file_with_a_decoding_error_is_checked_whole(walks: list[int], errors_of: ErrorsOf) -> None:
    """A value that fails to decode is not read further, so its subtree is checked by the full walk."""
    text = SMALL.replace("title: Small", "title: [Small, !custom x]")
    assert [e.message for e in errors_of(text)] == ["tag '!custom' is not allowed: scene files hold plain data only"]
    assert len(walks) == 1
