"""Memoised routes are the routes a fresh search finds: same path, same tie-breaks, and never shared mutable state."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Sequence

import pytest

from animator.model import Link, Node
from animator.model.topology import Topology


def reference_shortest_path(topo: Topology, src: str, dst: str) -> list[str] | None:
    """The search as it was before memoising: one Dijkstra per pair, stopped at ``dst``."""
    if src == dst:
        return [src]
    best: dict[str, tuple[float, int]] = {src: (0.0, 0)}
    previous: dict[str, str] = {}
    queue: list[tuple[float, int, int, str]] = [(0.0, 0, topo.order[src], src)]
    while queue:
        cost, hops, _, here = heapq.heappop(queue)
        if here == dst:
            break
        if (cost, hops) > best[here]:
            continue
        for there, link in topo.neighbours[here]:
            candidate = (cost + link.latency_ms, hops + 1)
            if there not in best or candidate < best[there]:
                best[there] = candidate
                previous[there] = here
                heapq.heappush(queue, (*candidate, topo.order[there], there))
    if dst not in previous:
        return None
    path = [dst]
    while path[-1] != src:
        path.append(previous[path[-1]])
    return path[::-1]


def random_topology(seed: int, size: int = 9) -> tuple[Topology, list[str]]:
    """A random graph with few distinct latencies (including 0), so equal-cost routes abound."""
    rng = random.Random(seed)
    ids = [f"n{i}" for i in range(size)]
    rng.shuffle(ids)  # file order differs from name order
    links = [
        Link(between=(a, b), latency=rng.choice(["0", "1", "1", "2", "1ms", "1000us"]))
        for a, b in itertools.combinations(ids, 2)
        if rng.random() < 0.35
    ]
    rng.shuffle(links)
    return Topology([Node(id=i, kind="router") for i in ids], links), ids


@pytest.mark.parametrize("seed", range(40))
def test_memoised_paths_match_the_search_stopped_at_each_destination(seed: int) -> None:
    topo, ids = random_topology(seed)
    pairs = list(itertools.permutations(ids, 2))
    random.Random(seed).shuffle(pairs)  # fill the per-source trees in a random order
    for src, dst in pairs:
        assert topo.shortest_path(src, dst) == reference_shortest_path(topo, src, dst), (src, dst)


@pytest.mark.parametrize("seed", range(10))
def test_routes_with_via_are_the_same_from_a_warm_and_a_fresh_topology(seed: int) -> None:
    warm, ids = random_topology(seed)
    rng = random.Random(seed)
    queries = [(rng.choice(ids), rng.choice(ids), tuple(rng.sample(ids, rng.randint(0, 2)))) for _ in range(60)]
    for src, dst, via in queries * 2:  # the second round is answered from the memo
        fresh, _ = random_topology(seed)
        assert warm.route(src, dst, via) == fresh.route(src, dst, via), (src, dst, via)


def test_a_returned_route_is_the_callers_own_list() -> None:
    topo = Topology(
        [Node(id=n, kind="router") for n in "abc"],
        [Link(between=("a", "b")), Link(between=("b", "c"))],
    )
    first = topo.route("a", "c")
    assert first == ["a", "b", "c"]
    first.append("mutated")
    assert topo.route("a", "c") == ["a", "b", "c"]
    via = ["b"]
    assert topo.route("a", "c", via) == ["a", "b", "c"]
    via.append("a")  # a list of waypoints changed after the call must not alias the memo key
    assert topo.route("a", "c", via) == ["a", "b", "a", "b", "c"]


def test_unreachable_routes_are_memoised_as_unreachable() -> None:
    topo = Topology([Node(id=n, kind="host") for n in "abz"], [Link(between=("a", "b"))])
    for _ in range(2):
        assert topo.route("a", "z") is None
        assert topo.route("a", "b", ["z"]) is None
        assert topo.route("a", "b") == ["a", "b"]


def test_describes_only_the_very_tuples_it_was_built_from() -> None:
    nodes: Sequence[Node] = (Node(id="a", kind="host"), Node(id="b", kind="host"))
    links: Sequence[Link] = (Link(between=("a", "b")),)
    topo = Topology(nodes, links)
    assert topo.describes(nodes, links)
    assert not topo.describes(nodes, tuple(list(links)))  # equal, but another object: the scene was rebuilt
    assert not topo.describes(tuple(list(nodes)), links)
