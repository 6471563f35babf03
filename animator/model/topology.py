"""The graph of nodes and links, and the path a message takes when the author names no path."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # schema imports this module for ``Scene.topology``
    from animator.model.schema import Link, Node, Scene


class Topology:
    """Adjacency built once per scene; paths are shortest by total latency, then by hop count.

    Ties are broken by the order nodes appear in the file, so the same scene always animates
    the same way whatever Python's hash seed is.

    A long lecture sends thousands of messages between a few dozen nodes, so routes are
    memoised: one shortest-path tree per source node, one route per (source, destination, via).
    Both are pure functions of the graph, which never changes after construction.
    """

    def __init__(self, nodes: Sequence[Node], links: Sequence[Link]) -> None:
        #: What the graph was built from, so ``topology_of`` can tell whether it still fits a scene.
        self.nodes = nodes
        self.links = links
        self.order = {node.id: i for i, node in enumerate(nodes)}
        self.neighbours: dict[str, list[tuple[str, Link]]] = {node.id: [] for node in nodes}
        self.link_between: dict[frozenset[str], Link] = {}
        for link in links:
            a, b = link.between
            if a in self.neighbours and b in self.neighbours:
                self.neighbours[a].append((b, link))
                self.neighbours[b].append((a, link))
                self.link_between[frozenset((a, b))] = link
        for adjacent in self.neighbours.values():
            adjacent.sort(key=lambda item: self.order[item[0]])
        # Latencies parsed once: the path search relaxes every edge many times.
        self._edges: dict[str, list[tuple[str, float]]] = {
            here: [(there, link.latency_ms) for there, link in adjacent] for here, adjacent in self.neighbours.items()
        }
        self._trees: dict[str, dict[str, str]] = {}
        self._routes: dict[tuple[str, str, tuple[str, ...]], tuple[str, ...] | None] = {}

    def link(self, a: str, b: str) -> Link | None:
        return self.link_between.get(frozenset((a, b)))

    def describes(self, nodes: Sequence[Node], links: Sequence[Link]) -> bool:
        """True when this graph was built from exactly these (immutable) node and link tuples."""
        return self.nodes is nodes and self.links is links

    def shortest_path(self, src: str, dst: str) -> list[str] | None:
        if src == dst:
            return [src]
        previous = self._tree(src)
        if dst not in previous:
            return None
        path = [dst]
        while path[-1] != src:
            path.append(previous[path[-1]])
        return path[::-1]

    def route(self, src: str, dst: str, via: Sequence[str] = ()) -> list[str] | None:
        """Shortest path from ``src`` to ``dst`` through each of ``via`` in order (a new list each call)."""
        key = (src, dst, tuple(via))
        if key not in self._routes:
            self._routes[key] = self._route(src, dst, via)
        route = self._routes[key]
        return None if route is None else list(route)

    def _route(self, src: str, dst: str, via: Sequence[str]) -> tuple[str, ...] | None:
        stops = [src, *via, dst]
        path = [src]
        for a, b in pairwise(stops):
            leg = self.shortest_path(a, b)
            if leg is None:
                return None
            path.extend(leg[1:])
        return tuple(path)

    def _tree(self, src: str) -> dict[str, str]:
        """Each reachable node's predecessor on its shortest path from ``src`` (Dijkstra, memoised).

        Searching the whole graph once per source gives the same paths as stopping at each
        destination: costs (latency, hops) grow strictly along every edge, so once a node is
        expanded, its predecessor and those of every node on its path never change again.
        """
        if src in self._trees:
            return self._trees[src]
        best: dict[str, tuple[float, int]] = {src: (0.0, 0)}
        previous: dict[str, str] = {}
        queue: list[tuple[float, int, int, str]] = [(0.0, 0, self.order[src], src)]
        while queue:
            cost, hops, _, here = heapq.heappop(queue)
            if (cost, hops) > best[here]:
                continue
            for there, latency in self._edges[here]:
                candidate = (cost + latency, hops + 1)
                if there not in best or candidate < best[there]:
                    best[there] = candidate
                    previous[there] = here
                    heapq.heappush(queue, (*candidate, self.order[there], there))
        self._trees[src] = previous
        return previous


def topology_of(scene: Scene) -> Topology:
    """The topology the loader attached to ``scene``, or a new one if there is none or it is stale.

    Validation and scheduling then share one graph and its memoised routes. The identity check
    guards against ``dataclasses.replace(scene, links=...)``, which copies the field along.
    """
    topology = scene.topology
    if topology is not None and topology.describes(scene.nodes, scene.links):
        return topology
    return Topology(scene.nodes, scene.links)
