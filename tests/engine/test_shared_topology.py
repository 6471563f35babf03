"""Validation and scheduling share one topology: scheduled paths are the routes validation checked, and never stale."""

from __future__ import annotations

import dataclasses
import random

from animator.engine import build_timeline
from animator.model import Send, load_scene_text
from animator.model.topology import Topology

RING = """\
format: 1
title: Ring
nodes:
  - {id: a, kind: host}
  - {id: r1, kind: router}
  - {id: r2, kind: router}
  - {id: r3, kind: router}
  - {id: b, kind: server}
links:
  - {between: [a, r1]}
  - {between: [r1, r2], latency: 5ms}
  - {between: [r2, b]}
  - {between: [r1, r3], latency: 2ms}
  - {between: [r3, b], latency: 2ms}
steps:
  - caption: one
    actions:
      - send: {from: a, to: b}
      - send: {from: b, to: a, at: 0.2}
      - send: {from: a, to: b, via: [r2], at: 0.4}
      - send: {from: a, to: b, path: [a, r1, r2, b], at: 0.6}
      - send: {from: a, to: b, drop_at: r1, at: 0.8}
"""


def random_scene(seed: int, nodes: int = 12, sends: int = 300) -> str:
    """A connected mesh with tied latencies and many repeated sends, some through waypoints or dropped."""
    rng = random.Random(seed)
    ids = [f"n{i}" for i in range(nodes)]
    pairs = [(ids[i], ids[i + 1]) for i in range(nodes - 1)]  # a chain keeps it connected
    pairs += [(a, b) for a, b in (rng.sample(ids, 2) for _ in range(nodes * 2))]
    lines = ["format: 1", "title: Mesh", "nodes:"]
    lines += [f"  - {{id: {i}, kind: router}}" for i in ids]
    lines.append("links:")
    seen: set[frozenset[str]] = set()
    for a, b in pairs:
        if frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            lines.append(f"  - {{between: [{a}, {b}], latency: {rng.choice(['1ms', '2ms', '1'])}}}")
    lines += ["steps:", "  - caption: traffic", "    actions:"]
    for k in range(sends):
        src, dst = rng.sample(ids, 2)
        extra = ""
        if k % 7 == 0:
            extra = f", via: [{rng.choice([i for i in ids if i not in (src, dst)])}]"
        lines.append(f"      - send: {{from: {src}, to: {dst}{extra}, at: {k * 0.001:.3f}}}")
    return "\n".join(lines) + "\n"


def test_scheduling_reuses_the_topology_validation_built() -> None:
    scene = load_scene_text(RING, "ring.yaml")
    assert scene.topology is not None
    timeline = build_timeline(scene)
    assert timeline.topology is scene.topology
    assert build_timeline(scene).topology is scene.topology  # and so does every later schedule


def test_scheduled_paths_are_those_a_fresh_search_finds() -> None:
    scene = load_scene_text(RING, "ring.yaml")
    paths = [track.path for track in build_timeline(scene)._messages[0]]
    fresh = Topology(scene.nodes, scene.links)
    assert paths == [
        tuple(fresh.route("a", "b")),  # round the 2 ms side, not through the 5 ms link
        tuple(fresh.route("b", "a")),
        tuple(fresh.route("a", "b", ["r2"])),
        ("a", "r1", "r2", "b"),
        ("a", "r1"),
    ]
    assert paths[0] == ("a", "r1", "r3", "b")


def test_many_sends_get_the_same_paths_as_without_any_memo() -> None:
    for seed in range(3):
        scene = load_scene_text(random_scene(seed), "mesh.yaml")
        sends = [action for action in scene.steps[0].actions if isinstance(action, Send)]
        tracks = sorted(build_timeline(scene)._messages[0], key=lambda track: int(track.id.split(".")[1]))
        for send, track in zip(sends, tracks, strict=True):
            fresh = Topology(scene.nodes, scene.links)
            assert list(track.path) == fresh.route(send.from_, send.to, send.via), (seed, track.id)


def test_a_scene_with_other_links_gets_its_own_topology() -> None:
    scene = load_scene_text(RING, "ring.yaml")
    cheaper = tuple(dataclasses.replace(link, latency="1") if link.between == ("r1", "r2") else link for link in scene.links)
    changed = dataclasses.replace(scene, links=cheaper)  # copies the old topology along
    assert changed.topology is scene.topology
    timeline = build_timeline(changed)
    assert timeline.topology is not scene.topology
    assert timeline._messages[0][0].path == ("a", "r1", "r2", "b")  # now the cheaper way round
    assert build_timeline(scene)._messages[0][0].path == ("a", "r1", "r3", "b")


def test_a_scene_built_by_hand_is_scheduled_without_a_stored_topology() -> None:
    scene = load_scene_text(RING, "ring.yaml")
    by_hand = dataclasses.replace(scene, topology=None)
    assert [m.path for m in build_timeline(by_hand)._messages[0]] == [m.path for m in build_timeline(scene)._messages[0]]
