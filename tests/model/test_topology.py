"""Messages without an explicit path take the lowest-latency route, through `via` in order, the same way every run."""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from animator.model import Link, Node
from animator.model.topology import Topology

REPO = Path(__file__).resolve().parents[2]


def topology(node_ids: Sequence[str], links: Sequence[tuple[str, str, str]]) -> Topology:
    """Nodes in the given (file) order; links as ``(a, b, latency)``."""
    return Topology(
        [Node(id=n, kind="router") for n in node_ids],
        [Link(between=(a, b), latency=latency) for a, b, latency in links],
    )


def test_lowest_total_latency_beats_fewest_hops() -> None:
    topo = topology("abcd", [("a", "d", "50ms"), ("a", "b", "1ms"), ("b", "c", "1ms"), ("c", "d", "1ms")])
    assert topo.shortest_path("a", "d") == ["a", "b", "c", "d"]


def test_units_are_compared_in_milliseconds() -> None:
    # 0.2 s (200 ms) direct versus 40 ms + 500 us around
    topo = topology("abc", [("a", "c", "0.2s"), ("a", "b", "40ms"), ("b", "c", "500us")])
    assert topo.shortest_path("a", "c") == ["a", "b", "c"]
    topo = topology("abc", [("a", "c", "0.2s"), ("a", "b", "199ms"), ("b", "c", "2")])
    assert topo.shortest_path("a", "c") == ["a", "c"]


def test_equal_latency_prefers_fewer_hops() -> None:
    links = [("a", "y", "1ms"), ("y", "z", "2ms"), ("z", "d", "1ms"), ("a", "x", "2ms"), ("x", "d", "2ms")]
    assert topology(["a", "y", "z", "x", "d"], links).shortest_path("a", "d") == ["a", "x", "d"]


@pytest.mark.parametrize(
    ("order", "expected"),
    [(["a", "x", "y", "b"], ["a", "x", "b"]), (["a", "y", "x", "b"], ["a", "y", "b"]), (["b", "y", "x", "a"], ["a", "y", "b"])],
)
def test_equal_routes_are_chosen_by_the_order_nodes_are_declared(order: list[str], expected: list[str]) -> None:
    links = [("a", "x", "5ms"), ("x", "b", "5ms"), ("a", "y", "5ms"), ("y", "b", "5ms")]
    assert topology(order, links).shortest_path("a", "b") == expected
    assert topology(order, list(reversed(links))).shortest_path("a", "b") == expected


def test_tie_breaking_does_not_depend_on_the_hash_seed() -> None:
    """A 5x5 grid of equal links has 70 shortest corner-to-corner routes; every run must pick the same one."""
    script = """
import json
from animator.model import Link, Node
from animator.model.topology import Topology
ids = [f"n{r}-{c}" for r in range(5) for c in range(5)]
links = [Link(between=(f"n{r}-{c}", f"n{r}-{c + 1}")) for r in range(5) for c in range(4)]
links += [Link(between=(f"n{r}-{c}", f"n{r + 1}-{c}")) for r in range(4) for c in range(5)]
topo = Topology([Node(id=i, kind="switch") for i in ids], links)
print(json.dumps([topo.shortest_path("n0-0", "n4-4"), topo.route("n4-0", "n0-4", ["n2-2"])]))
"""
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=True
        )
        outputs.add(run.stdout)
    assert len(outputs) == 1
    shortest, via = json.loads(outputs.pop())
    assert len(shortest) == 9 and shortest[0] == "n0-0" and shortest[-1] == "n4-4"
    assert "n2-2" in via and len(via) == 9


def test_via_waypoints_are_visited_in_the_given_order() -> None:
    # a ring a-b-c-d-a with the short way round through b
    topo = topology("abcd", [("a", "b", "1ms"), ("b", "c", "1ms"), ("c", "d", "10ms"), ("d", "a", "10ms")])
    assert topo.route("a", "c") == ["a", "b", "c"]
    assert topo.route("a", "c", ["d"]) == ["a", "d", "c"]
    assert topo.route("a", "a", ["c"]) == ["a", "b", "c", "b", "a"]
    assert topo.route("b", "d", ["c", "a"]) == ["b", "c", "b", "a", "d"]
    assert topo.route("b", "d", ["a", "c"]) == ["b", "a", "b", "c", "d"]


def test_unreachable_destination_gives_none() -> None:
    topo = topology(["a", "b", "c", "island"], [("a", "b", "1"), ("b", "c", "1")])
    assert topo.shortest_path("a", "island") is None
    assert topo.shortest_path("island", "a") is None
    assert topo.route("a", "c", ["island"]) is None
    assert topo.route("a", "island") is None


def test_path_to_itself_is_the_node_alone() -> None:
    assert topology("ab", [("a", "b", "1")]).shortest_path("a", "a") == ["a"]


def test_link_lookup_works_both_ways() -> None:
    topo = topology("abc", [("a", "b", "7ms")])
    assert topo.link("a", "b") is topo.link("b", "a")
    assert topo.link("a", "b").latency_ms == 7.0
    assert topo.link("a", "c") is None


def _cost(topo: Topology, path: Sequence[str]) -> tuple[float, int]:
    return sum(topo.link(a, b).latency_ms for a, b in itertools.pairwise(path)), len(path) - 1


def _best_by_brute_force(topo: Topology, nodes: Sequence[str], src: str, dst: str) -> tuple[float, int] | None:
    best: tuple[float, int] | None = None
    others = [n for n in nodes if n not in (src, dst)]
    for size in range(len(others) + 1):
        for middle in itertools.permutations(others, size):
            path = [src, *middle, dst]
            if all(topo.link(a, b) for a, b in itertools.pairwise(path)):
                cost = _cost(topo, path)
                best = cost if best is None or cost < best else best
    return best


@pytest.mark.parametrize("seed", range(30))
def test_shortest_path_matches_brute_force_on_random_graphs(seed: int) -> None:
    rng = random.Random(seed)
    nodes = [f"n{i}" for i in range(7)]
    pairs = [p for p in itertools.combinations(nodes, 2) if rng.random() < 0.4]
    topo = topology(nodes, [(a, b, f"{rng.choice([1, 2, 3, 5, 8])}ms") for a, b in pairs])
    for src, dst in itertools.permutations(nodes, 2):
        path = topo.shortest_path(src, dst)
        best = _best_by_brute_force(topo, nodes, src, dst)
        if best is None:
            assert path is None, (src, dst)
            continue
        assert path is not None and path[0] == src and path[-1] == dst
        assert all(topo.link(a, b) for a, b in itertools.pairwise(path)), path
        assert _cost(topo, path) == best, (src, dst, path)
