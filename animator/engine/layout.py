"""Automatic node placement: left to right in the direction traffic first flows.

Lecture diagrams read like a sentence: the client on the left, the server on the right, the
devices in between in path order. So columns are hop distances from the scene's clients
(hosts that speak first), and rows within a column follow the average row of the
neighbours already placed, which keeps links from crossing in the common tree-like
topologies (LANs behind a router, pools behind a balancer).
"""

from __future__ import annotations

from collections import deque

from animator.model.schema import Scene, Send
from animator.model.topology import Topology


def _roots(scene: Scene) -> list[str]:
    """Nodes to put in the first column: hosts that send before they receive anything."""
    first_seen: dict[str, str] = {}
    for step in scene.steps:
        for action in sorted((a for a in step.actions if isinstance(a, Send)), key=lambda a: a.at):
            first_seen.setdefault(action.from_, "sent")
            first_seen.setdefault(action.to, "received")
    kinds = {node.id: node.kind for node in scene.nodes}
    senders = [n for n, how in first_seen.items() if how == "sent"]
    roots = [n for n in senders if kinds[n] == "host"]
    if roots:
        return roots
    if senders:
        return senders[:1]
    return [scene.nodes[0].id] if scene.nodes else []


def layout_nodes(scene: Scene, topology: Topology | None = None) -> dict[str, tuple[float, float]]:
    """Grid positions ``(column, row)`` for every node; an author's ``pos`` always wins."""
    topology = topology or Topology(scene.nodes, scene.links)
    column: dict[str, int] = {}
    band_of: dict[str, int] = {}
    band = 0
    roots = _roots(scene)
    for seed in roots + [n.id for n in scene.nodes]:
        if seed in column:
            continue
        # The first band holds every root; later bands (parts not linked to the roots)
        # start from their first node in file order.
        seeds = [r for r in roots if r not in column] if band == 0 else [seed]
        queue = deque(seeds)
        for s in seeds:
            column[s] = 0
            band_of[s] = band
        while queue:
            here = queue.popleft()
            for there, _ in topology.neighbours[here]:
                if there not in column:
                    column[there] = column[here] + 1
                    band_of[there] = band
                    queue.append(there)
        band += 1
    # A client that never speaks (a second laptop on the LAN) belongs beside the first,
    # left of its switch, not one column further right where plain BFS would put it.
    for node in scene.nodes:
        neighbours = topology.neighbours[node.id]
        if node.kind == "host" and node.id not in roots and len(neighbours) == 1:
            column[node.id] = max(0, column[neighbours[0][0]] - 1)

    positions: dict[str, tuple[float, float]] = {}
    band_top = 0.0
    for b in range(band):
        members = [n.id for n in scene.nodes if band_of[n.id] == b]
        width = max(column[m] for m in members) + 1
        rows: dict[str, float] = {}
        tallest = 1
        for col in range(width):
            here = [m for m in members if column[m] == col]

            def barycentre(node: str, placed: dict[str, float] = rows) -> float:
                ys = [placed[n] for n, _ in topology.neighbours[node] if n in placed]
                return sum(ys) / len(ys) if ys else 0.0

            here.sort(key=lambda n: (barycentre(n), topology.order[n]))
            tallest = max(tallest, len(here))
            for i, node in enumerate(here):
                rows[node] = i - (len(here) - 1) / 2
        middle = band_top + (tallest - 1) / 2
        for node, row in rows.items():
            positions[node] = (float(column[node]), middle + row)
        band_top += tallest + 0.5
    for node in scene.nodes:
        if node.pos is not None:
            positions[node.id] = node.pos
    return positions
