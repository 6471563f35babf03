"""Automatic node placement: left to right in the direction traffic first flows.

Lecture diagrams read like a sentence: the client on the left, the server on the right, the
devices in between in path order. So columns are hop distances from the scene's clients
(hosts that speak first), and rows within a column follow the average row of the
neighbours already placed, which keeps links from crossing in the common tree-like
topologies (LANs behind a router, pools behind a balancer).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from animator.model.kinds import DEVICE_KINDS, Capability, DeviceKind
from animator.model.schema import Scene, Send
from animator.model.topology import Topology


def _roots(scene: Scene, topology: Topology) -> list[str]:
    """Nodes for the first column: the clients.

    A client is a host that speaks before it is spoken to, or one that never takes part (a
    second laptop on the LAN waiting for its turn), on the same side of the internet as the
    first host to speak. A host that first receives is a server in all but name, and one
    beyond the internet (a scanner probing a NAT) belongs on the far side too.
    """
    first_seen: dict[str, str] = {}
    for step in scene.steps:
        for action in sorted((a for a in step.actions if isinstance(a, Send)), key=lambda a: a.at):
            first_seen.setdefault(action.from_, "sent")
            first_seen.setdefault(action.to, "received")
    kinds = {node.id: DEVICE_KINDS[node.kind] for node in scene.nodes}
    senders = [n for n, how in first_seen.items() if how == "sent"]
    clients = [n.id for n in scene.nodes if kinds[n.id].can(Capability.CLIENT) and first_seen.get(n.id, "idle") != "received"]
    first = next((n for n in senders if kinds[n].can(Capability.CLIENT)), None)
    if first is not None:
        return [c for c in clients if not _beyond_internet(topology, c, first, kinds)]
    if clients:
        return clients
    if senders:
        return senders[:1]
    return [scene.nodes[0].id] if scene.nodes else []


def _beyond_internet(topology: Topology, node: str, first: str, kinds: Mapping[str, DeviceKind]) -> bool:
    path = topology.shortest_path(node, first) or []
    return any(kinds[hop].can(Capability.INTERNET) for hop in path[1:-1])


#: A column taller than this wraps into side-by-side sub-columns: fifty hosts on one switch
#: would otherwise make a column so tall that every device shrinks to a dot.
MAX_ROWS = 6
#: Horizontal distance between sub-columns, in columns.
SUB_COLUMN = 0.7


def _place_band(members: list[str], column: dict[str, int], topology: Topology) -> tuple[dict[str, tuple[float, float]], int]:
    """``(x, row)`` for each node of one connected band, rows counted from the band's top.

    Order within columns comes from barycentre sweeps (left to right, back, and again), the
    classic way to untangle layered drawings: each node moves towards the average place of
    its neighbours in the column just ordered.
    """
    columns = [[m for m in members if column[m] == c] for c in range(max(column[m] for m in members) + 1)]
    rank: dict[str, float] = {}

    def set_ranks(nodes: list[str]) -> None:
        for i, node in enumerate(nodes):
            rank[node] = i / max(len(nodes) - 1, 1)

    def reorder(nodes: list[str], reference: list[str]) -> None:
        ref = set(reference)

        def barycentre(node: str) -> float:
            ranks = [rank[n] for n, _ in topology.neighbours[node] if n in ref]
            return sum(ranks) / len(ranks) if ranks else rank.get(node, 0.5)

        nodes.sort(key=lambda n: (barycentre(n), rank.get(n, 0.0), topology.order[n]))
        set_ranks(nodes)

    for nodes in columns:
        nodes.sort(key=lambda n: topology.order[n])
        set_ranks(nodes)
    for sweep in range(3):
        indices = range(1, len(columns)) if sweep % 2 == 0 else range(len(columns) - 2, -1, -1)
        for c in indices:
            reorder(columns[c], columns[c - 1] if sweep % 2 == 0 else columns[c + 1])

    placed: dict[str, tuple[float, float]] = {}
    tallest = min(max(len(nodes) for nodes in columns), MAX_ROWS)
    x = 0.0
    for nodes in columns:
        # Wrap row by row, so neighbours in the order (one switch's hosts) stay side by side.
        sub_columns = -(-len(nodes) // MAX_ROWS)
        height = -(-len(nodes) // sub_columns)
        for i, node in enumerate(nodes):
            row, sub = divmod(i, sub_columns)
            placed[node] = (x + sub * SUB_COLUMN, (tallest - 1) / 2 + row - (height - 1) / 2)
        x += 1.0 + (sub_columns - 1) * SUB_COLUMN
    return placed, tallest


def layout_nodes(scene: Scene, topology: Topology | None = None) -> dict[str, tuple[float, float]]:
    """Grid positions ``(column, row)`` for every node; an author's ``pos`` always wins."""
    topology = topology or Topology(scene.nodes, scene.links)
    column: dict[str, int] = {}
    band_of: dict[str, int] = {}
    band = 0
    roots = _roots(scene, topology)
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

    positions: dict[str, tuple[float, float]] = {}
    band_top = 0.0
    for b in range(band):
        members = [n.id for n in scene.nodes if band_of[n.id] == b]
        placed, tallest = _place_band(members, column, topology)
        for node, (x, row) in placed.items():
            positions[node] = (x, band_top + row)
        band_top += tallest + 0.5
    for fixed in scene.nodes:
        if fixed.pos is not None:
            positions[fixed.id] = fixed.pos
    return positions
