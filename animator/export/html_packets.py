"""What the exported player's packet inspector shows, dissected once in Python.

The app's inspector asks the timeline for a packet at a moment (``Timeline.packet_detail``):
which hop it is on, the frame as it reached the device and as it leaves, what the device
changed, how its run ended. The page answers the same question from each packet's hop times
and hop frames, so only those go into the file, for the packets whose chips appear in it.
Each distinct frame is stored once: its bytes (base64) and its field tree from
``animator.packets.dissect`` (label, value, meaning, byte range, key, children), the tree the
app's inspector shows, with shared nodes stored once (``FrameTable``); the page lights up a
field's bytes in the hex view from the ranges.
"""

from __future__ import annotations

import base64
import contextlib
import io
from collections.abc import Sequence
from typing import Any

from animator.engine.timeline import MessageTrack, Timeline


class FrameTable:
    """Distinct frames across a whole export, and their field trees with nothing stored twice.

    A packet's hops differ in a few fields (MACs, TTL, a NAT's address) and its TCP and HTTP
    layers are the same bytes at the same offsets at every hop; field names and meanings repeat
    in every frame. So each distinct node (label, value, meaning, byte range, key, children) is
    stored once in ``nodes``, its label, meaning and key as numbers into ``strings``, and a
    frame's tree is a list of node numbers: a deck's trees take a fifth of the room.
    """

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self.strings: list[str] = []
        self.nodes: list[list[Any]] = []
        self._index: dict[bytes, int] = {}
        self._strings: dict[str, int] = {}
        self._nodes: dict[tuple[Any, ...], int] = {}

    def _string(self, text: str) -> int:
        number = self._strings.get(text)
        if number is None:
            number = self._strings[text] = len(self.strings)
            self.strings.append(text)
        return number

    def _node(self, node: Any) -> int:
        """[label, value, meaning, start, end, key, [children]], interned."""
        s = self._string
        key = (
            s(node.label),
            node.value,
            s(node.meaning),
            node.start,
            node.end,
            s(node.key),
            tuple(map(self._node, node.children)),
        )
        number = self._nodes.get(key)
        if number is None:
            number = self._nodes[key] = len(self.nodes)
            self.nodes.append([*key[:6], list(key[6])])
        return number

    def add(self, frame: bytes | None) -> int | None:
        if frame is None:
            return None
        index = self._index.get(frame)
        if index is None:
            from animator.packets.dissect import dissect  # imports scapy's layers: only when there are frames

            index = self._index[frame] = len(self.frames)
            # scapy's HPACK decoder prints (to stdout) every header it cannot resolve without the
            # connection's dynamic table; dissect shows those as bytes, and the CLI's output stays clean.
            with contextlib.redirect_stdout(io.StringIO()):
                tree = dissect(frame)
            self.frames.append({"b": base64.b64encode(frame).decode("ascii"), "tree": [self._node(n) for n in tree]})
        return index


def packet_data(timeline: Timeline, packet_ids: Sequence[str], frames: FrameTable) -> list[dict[str, Any]]:
    """Per packet (in the film's order): its route, hop times, hop frames, changes and fate."""
    by_id: dict[str, MessageTrack] = {track.id: track for track in timeline.messages}
    node_of = {n.id: i for i, n in enumerate(timeline.scene.nodes)}
    link_of = {link.link_id: i for i, link in enumerate(timeline.scene.links)}
    out = []
    for packet_id in packet_ids:
        track = by_id.get(packet_id)
        if track is None:  # cannot happen for a chip of this timeline; keep the indices aligned anyway
            out.append({"id": packet_id, "label": packet_id, "path": [], "links": [], "hs": [], "he": [], "fr": []})
            continue
        hops = len(track.links)
        hop_frames = track.frames or (None,) * hops
        entry: dict[str, Any] = {
            "id": track.id,
            "label": track.label,
            "path": [node_of.get(n, -1) for n in track.path],
            "links": [link_of.get(link, -1) for link in track.links],
            "hs": [round(t, 4) for t in track.hop_starts],
            "he": [round(t, 4) for t in track.hop_ends],
            "fr": [frames.add(f) for f in hop_frames],
        }
        if any(track.changes):
            entry["ch"] = [list(c) for c in track.changes]
        if track.fate:
            entry["fate"] = track.fate
        if track.dropped:
            entry["dropped"] = 1
        out.append(entry)
    return out
