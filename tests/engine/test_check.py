"""One check stage, one truth: ``check`` finds what ``build_timeline`` refuses, at the same place,
and ``validate`` (the CLI) reports exactly that; "which step is time t in" has one answer."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from animator.engine import Playback, build_timeline
from animator.engine.check import check, check_file
from animator.engine.timing import EPS, pause_point_at_or_before, step_at
from animator.model import SceneLoadError, load_scene, load_scene_text

GOOD = """\
format: 1
title: t
nodes:
  - {id: a, kind: host, ipv4: 10.0.0.1/24}
  - {id: b, kind: server, ipv4: 10.0.0.2/24}
links:
  - {between: [a, b]}
steps:
  - caption: c
    actions:
      - send: {from: a, to: b, layers: [{tcp: {dport: 80}}]}
  - caption: d
    actions:
      - send: {from: b, to: a, label: token}
"""


def scene_file(tmp_path: Path, text: str, name: str = "scene.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def messages(errors: list) -> list[str]:
    return [str(e) for e in errors]


def test_a_good_scene_has_no_errors_and_builds() -> None:
    scene = load_scene_text(GOOD, "scene.yaml")
    assert check(scene) == []
    assert build_timeline(scene).step_count == 2


def test_a_layer_mistake_is_found_by_check_at_the_field_as_build_timeline_refuses_it() -> None:
    scene = load_scene_text(GOOD.replace("dport: 80", "dprot: 80"), "scene.yaml")  # loads: layers are free-form
    found = messages(check(scene))
    assert found == ["scene.yaml:11:55: unknown field 'dprot' in tcp (did you mean 'dport'?)"]
    with pytest.raises(SceneLoadError) as refused:
        build_timeline(scene)
    assert messages(refused.value.errors) == found


def test_a_send_no_device_can_carry_is_reported_at_the_send() -> None:
    scene = load_scene_text(GOOD.replace("ipv4: 10.0.0.2/24", "ipv6: fd00::2/64"), "scene.yaml")
    found = messages(check(scene))
    assert found == ["scene.yaml:11:15: step 1: 'b' has no IPv4 address to send to"]
    with pytest.raises(SceneLoadError) as refused:
        build_timeline(scene)
    assert messages(refused.value.errors) == found


def test_model_checks_run_first_for_a_scene_made_in_code() -> None:
    scene = load_scene_text(GOOD, "scene.yaml")
    unlinked = dataclasses.replace(scene, links=())
    assert any("no chain of links" in m for m in messages(check(unlinked)))


def test_check_file_reports_what_validate_prints(tmp_path: Path) -> None:
    good = scene_file(tmp_path, GOOD)
    bad = scene_file(tmp_path, GOOD.replace("dport: 80", "dprot: 80"), "bad.yaml")
    assert check_file(good) == []
    assert messages(check_file(bad)) == [f"{bad}:11:55: unknown field 'dprot' in tcp (did you mean 'dport'?)"]
    assert messages(check_file(tmp_path / "missing.yaml")) == [f"{tmp_path / 'missing.yaml'}:1:1: no such file"]


def test_a_deck_is_checked_through_every_stage_of_every_scene(tmp_path: Path) -> None:
    scene_file(tmp_path, GOOD, "one.yaml")
    bad = scene_file(tmp_path, GOOD.replace("ipv4: 10.0.0.2/24", "ipv6: fd00::2/64"), "two.yaml")
    deck = tmp_path / "course.deck.yaml"
    deck.write_text("format: 1\ntitle: Course\nscenes:\n  - file: one.yaml\n  - file: two.yaml\n", encoding="utf-8")
    assert messages(check_file(deck)) == [f"{bad}:11:15: step 1: 'b' has no IPv4 address to send to"]


def test_which_step_time_is_in_has_one_answer_for_the_timeline_and_the_player() -> None:
    timeline = build_timeline(load_scene_text(GOOD, "scene.yaml"))
    playback = Playback(timeline.boundaries)
    b = timeline.boundaries
    probes = [0.0, EPS / 2, b[1] / 2, b[1] - EPS / 2, b[1], b[1] + EPS / 2, b[1] + 0.01, (b[1] + b[2]) / 2, b[2], b[2] + 1]
    for t in probes:
        playback.time = min(t, playback.duration)
        assert timeline.step_at(t) == step_at(b, t) == playback.current_step() or t > playback.duration
    assert [step_at(b, t) for t in (0.0, b[1], b[1] + 0.01, b[2])] == [0, 1, 2, 2]
    assert [pause_point_at_or_before(b, t) for t in (0.0, b[1] - 0.01, b[1] - EPS / 2, b[1] + 0.01, b[2])] == [0, 0, 1, 1, 2]


def test_the_bundled_scenes_pass_every_stage() -> None:
    from tests.conftest import REPO

    for path in sorted((REPO / "scenes").glob("*.yaml")):
        assert check_file(path) == [], path.name
    assert check(load_scene(REPO / "scenes" / "home-nat.yaml")) == []
