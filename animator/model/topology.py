"""The graph of nodes and links, and the path a message takes when the author names no path."""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from itertools import pairwise

from animator.model.schema import Link, Node


class Topology:
    """Adjacency built once per scene; paths are shortest by total latency, then by hop count.

    Ties are broken by the order nodes appear in the file, so the same scene always animates
    the same way whatever Python's hash seed is.
    """

    def __init__(self, nodes: Sequence[Node], links: Sequence[Link]) -> None:
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

    def link(self, a: str, b: str) -> Link | None:
        return self.link_between.get(frozenset((a, b)))

    def shortest_path(self, src: str, dst: str) -> list[str] | None:
        if src == dst:
            return [src]
        best: dict[str, tuple[float, int]] = {src: (0.0, 0)}
        previous: dict[str, str] = {}
        queue: list[tuple[float, int, int, str]] = [(0.0, 0, self.order[src], src)]
        while queue:
            cost, hops, _, here = heapq.heappop(queue)
            if here == dst:
                break
            if (cost, hops) > best[here]:
                continue
            for there, link in self.neighbours[here]:
                candidate = (cost + link.latency_ms, hops + 1)
                if there not in best or candidate < best[there]:
                    best[there] = candidate
                    previous[there] = here
                    heapq.heappush(queue, (*candidate, self.order[there], there))
        if dst not in previous:
            return None
        path = [dst]
        while path[-1] != src:
            path.append(previous[path[-1]])
        return path[::-1]

    def route(self, src: str, dst: str, via: Sequence[str] = ()) -> list[str] | None:
        """Shortest path from ``src`` to ``dst`` through each of ``via`` in order."""
        stops = [src, *via, dst]
        path = [src]
        for a, b in pairwise(stops):
            leg = self.shortest_path(a, b)
            if leg is None:
                return None
            path.extend(leg[1:])
        return path
