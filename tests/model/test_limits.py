"""Scenes larger than any lesson are refused early, in one line that names the limit and where it was passed.

The inputs are generated here at the smallest size that crosses each limit. Exact boundaries are
checked on the composed node tree (``check_counts``) so no test decodes, validates or simulates
tens of thousands of steps; the end-to-end cases go through ``validate_file`` like the CLI.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from animator.model import SceneError, limits, load_scene, validate_file
from animator.model import loader as loader_module
from animator.model.limits import (
    EVENTS_PER_CHAR,
    MAX_ACTIONS,
    MAX_LINKS,
    MAX_NODES,
    MAX_REAL_SENDS,
    MAX_STEPS,
    MAX_YAML_EVENTS,
    check_counts,
)
from tests.conftest import REPO

HEAD = """\
format: 1
title: Big
nodes:
  - {id: a, kind: host, ipv4: 10.0.0.1/24}
  - {id: b, kind: server, ipv4: 10.0.0.2/24}
links:
  - {between: [a, b]}
steps:
"""
#: Line of the first step in a scene starting with HEAD.
FIRST_STEP_LINE = HEAD.count("\n") + 1

REAL_SEND = "{send: {from: a, to: b, layers: [udp: {dport: 53}]}}"


def refused(path: Path, within_s: float = 5.0) -> SceneError:
    """The one error ``validate`` prints for ``path``, checked to be a well-formed line and quick."""
    start = time.perf_counter()
    errors = validate_file(path)
    elapsed = time.perf_counter() - start
    assert elapsed < within_s, f"took {elapsed:.1f} s"
    assert len(errors) == 1, errors[:3]
    (error,) = errors
    assert str(error).startswith(f"{path}:{error.line}:{error.col}: ")
    return error


def counted(text: str) -> list[SceneError]:
    return check_counts(yaml.compose(text, Loader=yaml.CSafeLoader), "s.yaml")


def steps(n: int) -> str:
    return HEAD + "  - caption: c\n" * n


# -- end to end: what validate prints ---------------------------------------------------------
def test_too_many_steps_are_refused_at_the_first_step_too_many(tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(steps(MAX_STEPS + 5))
    error = refused(path)
    assert (error.line, error.col) == (FIRST_STEP_LINE + MAX_STEPS, 5)
    assert error.message == (
        f"scenes may have at most {MAX_STEPS:,} steps (this one has {MAX_STEPS + 5:,}): split it into a deck of several scenes"
    )


def test_a_million_plain_steps_are_refused_in_a_second_without_building_them(tmp_path: Path) -> None:
    """The issue's 15 MB file took 16.5 s and 2 GB, then blamed an alias bomb (there was none)."""
    path = tmp_path / "huge.yaml"
    path.write_text(HEAD + "- caption: c\n" * 600_000)  # 7.4 MiB, 2.4 million YAML values
    tracemalloc.start()
    try:
        error = refused(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (error.line, error.col) == (1, 1)
    assert f"at most {MAX_YAML_EVENTS:,} YAML values" in error.message and "this file holds 2,400,0" in error.message
    assert "alias" not in error.message
    # the file's bytes and text, and no node tree (which would be about 700 MiB)
    assert peak < 48 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_too_many_real_packets_are_refused_before_any_is_built(tmp_path: Path) -> None:
    """50,000 real sends once took 66 s to validate: building each packet costs milliseconds."""
    path = tmp_path / "packets.yaml"
    path.write_text(HEAD + "  - caption: c\n    actions:\n" + f"      - {REAL_SEND}\n" * (MAX_REAL_SENDS + 1))
    error = refused(path)
    assert (error.line, error.col) == (FIRST_STEP_LINE + 2 + MAX_REAL_SENDS, 9)
    assert error.message.startswith(
        f"scenes may have at most {MAX_REAL_SENDS:,} sends carrying a real packet ('layers' or 'frame'; "
        f"this one has {MAX_REAL_SENDS + 1:,})"
    )


def test_too_many_actions_through_aliases_are_counted_as_played(tmp_path: Path) -> None:
    """An alias repeats an action in the scene as played, so it counts each time."""
    per_step = 1_000
    n_steps = MAX_ACTIONS // per_step + 1
    actions = "[&n {note: {node: a, text: hi}}" + ", *n" * (per_step - 1) + "]"
    text = HEAD + f"  - {{caption: c, actions: &acts {actions}}}\n" + "  - {caption: c, actions: *acts}\n" * (n_steps - 1)
    path = tmp_path / "chatty.yaml"
    path.write_text(text)
    error = refused(path)
    assert (error.line, error.col) == (FIRST_STEP_LINE, 34)  # the first note (&n): every later one is an alias of it
    assert f"at most {MAX_ACTIONS:,} actions (this one has {n_steps * per_step:,})" in error.message


def test_too_many_devices_and_links_are_both_reported(tmp_path: Path) -> None:
    nodes = "".join(f"  - {{id: n{i}, kind: host}}\n" for i in range(MAX_NODES + 1))
    links = "  - {between: [n0, n1]}\n" * (MAX_LINKS + 1)
    path = tmp_path / "wide.yaml"
    path.write_text(f"format: 1\ntitle: Wide\nnodes:\n{nodes}links:\n{links}steps:\n  - caption: c\n")
    errors = validate_file(path)
    assert [(e.line, e.col) for e in errors] == [(4 + MAX_NODES, 5), (5 + MAX_NODES + 1 + MAX_LINKS, 5)]
    assert errors[0].message.startswith(f"scenes may have at most {MAX_NODES:,} nodes (devices) (this one has {MAX_NODES + 1:,})")
    assert errors[1].message.startswith(f"scenes may have at most {MAX_LINKS:,} links (this one has {MAX_LINKS + 1:,})")


# -- exact boundaries, on the node tree ---------------------------------------------------------
def test_every_count_at_its_limit_passes_and_one_more_does_not() -> None:
    assert counted(steps(MAX_STEPS)) == []
    assert len(counted(steps(MAX_STEPS + 1))) == 1
    sends = HEAD + "  - caption: c\n    actions:\n" + f"      - {REAL_SEND}\n" * MAX_REAL_SENDS
    assert counted(sends) == []
    assert len(counted(sends + f"      - {REAL_SEND}\n")) == 1


def test_sends_without_a_packet_are_not_real_packets() -> None:
    """Token sends (a label, no bytes) cost microseconds: only ``layers`` and ``frame`` count."""
    chips = "      - {send: {from: a, to: b, label: hi}}\n" * (MAX_REAL_SENDS + 1)
    empty = "      - {send: {from: a, to: b, layers: [], frame: null}}\n" * (MAX_REAL_SENDS + 1)
    for actions in (chips, empty):
        assert counted(HEAD + "  - caption: c\n    actions:\n" + actions) == []


def test_real_packets_given_through_merge_keys_count_too() -> None:
    text = (
        HEAD.replace("steps:\n", "base: &base {from: a, to: b, frame: '00'}\nsteps:\n")
        + "  - caption: c\n    actions:\n"
        + "      - {send: {<<: *base, label: x}}\n" * (MAX_REAL_SENDS + 1)
    )
    (error,) = counted(text)
    assert "real packet" in error.message


def test_a_loop_of_merge_keys_is_counted_without_hanging() -> None:
    """libyaml cannot write a mapping that merges itself, but an alias chain can come back round:
    the lookup visits each mapping once."""
    root = yaml.compose("title: t\n", Loader=yaml.CSafeLoader)
    root.value.append((yaml.ScalarNode("tag:yaml.org,2002:merge", "<<"), root))
    assert check_counts(root, "s.yaml") == []


def test_limits_sit_well_above_the_largest_shipped_scene() -> None:
    """The largest lesson we ship stays 100 times below every limit."""
    for path in sorted((REPO / "scenes").glob("*.yaml")):
        if path.name.endswith(".deck.yaml"):
            continue
        scene = load_scene(path)
        actions = [a for step in scene.steps for a in step.actions]
        assert len(scene.nodes) * 100 <= MAX_NODES and len(scene.links) * 100 <= MAX_LINKS, path.name
        assert len(scene.steps) * 100 <= MAX_STEPS and len(actions) * 100 <= MAX_ACTIONS, path.name
        assert sum(getattr(a, "is_real", False) for a in actions) * 100 <= MAX_REAL_SENDS, path.name
        assert path.stat().st_size * 100 <= limits.MAX_BYTES, path.name


# -- without libyaml ------------------------------------------------------------------------------
def test_the_value_count_holds_without_libyaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML's pure-Python parser stops counting just past the limit (here lowered to keep it quick)."""
    monkeypatch.setattr(loader_module, "_LOADER", yaml.SafeLoader)
    monkeypatch.setattr(loader_module, "MAX_YAML_EVENTS", 1_000)
    monkeypatch.setattr(limits, "MAX_YAML_EVENTS", 1_000)
    path = tmp_path / "long.yaml"
    path.write_text(steps(2_000))
    error = refused(path)
    assert (error.line, error.col) == (1, 1)
    assert "at most 1,000 YAML values" in error.message and "this file holds more than 1,000" in error.message


def test_the_scene_guide_lists_every_limit_as_enforced() -> None:
    """Authors read the limits in docs/scene-format.md: the table must say what the code does."""
    from animator.model.deck import MAX_SCENES
    from animator.model.decode import MAX_DEPTH, MAX_SCALAR

    guide = (REPO / "docs" / "scene-format.md").read_text(encoding="utf-8")
    table = guide[guide.index("### Limits") : guide.index("## 4. Top level")]
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in table.splitlines() if line.startswith("| ")}
    assert rows["file size (scene or deck)"] == f"{limits.MAX_BYTES // 2**20} MiB"
    assert rows["YAML values (every key, value, list item)"] == f"{MAX_YAML_EVENTS:,}"
    assert rows["nodes (devices)"] == f"{MAX_NODES:,}"
    assert rows["links"] == f"{MAX_LINKS:,}"
    assert rows["steps"] == f"{MAX_STEPS:,}"
    assert rows["actions (all kinds, all steps)"] == f"{MAX_ACTIONS:,}"
    assert rows["sends carrying a real packet (`layers` or `frame`)"] == f"{MAX_REAL_SENDS:,}"
    assert rows["one text value (caption, note, frame…)"] == f"{MAX_SCALAR:,} characters"
    assert rows["nesting of layer field values"] == f"{MAX_DEPTH} lists or mappings"
    assert rows["scenes in a deck"] == f"{MAX_SCENES}"


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet="?-:,[]{}*& \n#ab'\"|>", min_size=1, max_size=60))
def test_no_yaml_text_holds_more_values_than_the_skipped_count_assumes(text: str) -> None:
    """Files too short to hold ``MAX_YAML_EVENTS`` values are not counted first (``may_exceed_events``):
    that relies on no YAML making more than ``EVENTS_PER_CHAR`` parse events a character."""
    try:
        events = yaml._yaml.CParser(text).raw_parse()
    except yaml.YAMLError:
        return  # not YAML: composing it fails at once
    assert events <= EVENTS_PER_CHAR * len(text) + 16
