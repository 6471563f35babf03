"""The sequence (ladder) diagram as plain data: lifelines in stage order, one arrow per message.

A ladder diagram is how RFCs and textbooks draw a conversation: time runs down, each node is a
vertical line, each message a slanted arrow. It is the same timeline the stage animates, seen
all at once, so the arrows come straight from the message tracks with their real start and
arrival times; a view only has to scale them.

Two granularities, because students need both: *per hop* shows what each device did (the
switch in the middle receives and forwards), *end to end* shows the conversation between the
endpoints (client ↔ server), following ``parent`` links so a message forwarded or proxied in
several tracks reads as one arrow from where it started to where it ended up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from animator.engine.timeline import MessageTrack


@dataclass(frozen=True, slots=True)
class Arrow:
    """One arrow of the ladder: ``source`` at ``start`` to ``target`` at ``end``."""

    packet_id: str
    step: int
    label: str
    protocol: str
    source: str
    target: str
    start: float
    end: float
    #: The message is lost where this arrow ends (the view draws a cross there).
    dropped: bool
    #: Which hop of the track this arrow is (per-hop mode), or None for an end-to-end arrow.
    hop: int | None = None


def message_tracks(timeline: Any) -> tuple[MessageTrack, ...]:
    """Every message track in time order (``Timeline.messages`` already is)."""
    return tuple(timeline.messages)


def lifeline_order(timeline: Any) -> tuple[str, ...]:
    """Nodes left to right as the stage lays them out (top to bottom within a column)."""
    positions = timeline.positions
    nodes = [node.id for node in timeline.scene.nodes]
    return tuple(sorted(nodes, key=lambda n: (round(positions[n][0], 3), positions[n][1], nodes.index(n))))


def ladder_arrows(timeline: Any, end_to_end: bool = False) -> tuple[Arrow, ...]:
    """The diagram's arrows, sorted by start time (per hop, or per end-to-end message)."""
    tracks = message_tracks(timeline)
    arrows = _end_to_end(tracks) if end_to_end else _per_hop(tracks)
    return tuple(sorted(arrows, key=lambda a: (a.start, a.end, a.packet_id)))


def _per_hop(tracks: Iterable[MessageTrack]) -> list[Arrow]:
    arrows = []
    for track in tracks:
        hops = len(track.hop_starts)
        for hop in range(hops):
            arrows.append(
                Arrow(
                    packet_id=track.id,
                    step=track.step,
                    label=track.label,
                    protocol=track.protocol,
                    source=track.path[hop],
                    target=track.path[hop + 1],
                    start=track.hop_starts[hop],
                    end=track.hop_ends[hop],
                    dropped=track.dropped and hop == hops - 1,
                    hop=hop,
                )
            )
    return arrows


def _end_to_end(tracks: Sequence[MessageTrack]) -> list[Arrow]:
    """One arrow per leaf of each chain of tracks: from the chain's first node to the leaf's last."""
    by_id = {track.id: track for track in tracks}
    has_children = {track.parent for track in tracks}
    arrows = []
    for track in tracks:
        if track.id in has_children or not track.hop_starts:
            continue  # continued by another track: its leaf draws the whole journey
        root = track
        seen = {root.id}
        while (parent := by_id.get(root.parent or "")) is not None and parent.id not in seen:
            seen.add(parent.id)
            root = parent
        arrows.append(
            Arrow(
                packet_id=track.id,
                step=root.step,
                label=root.label,
                protocol=root.protocol,
                source=root.path[0],
                target=track.path[-1],
                start=root.hop_starts[0],
                end=track.hop_ends[-1],
                dropped=track.dropped,
            )
        )
    return arrows
