"""The scene's traffic as a capture file: what tcpdump on one wire, or on one machine, would see.

A packet that crosses three links is three frames on three wires. Written all into one file they
look, to Wireshark's TCP and DNS analysis (which follows a conversation by its addresses and ports,
not by interface), like one frame sent three times: retransmissions and duplicate ACKs that never
happened. So a capture is taken where a real one would be: on one link (``link``: tcpdump on that
wire, each frame once) or on one node (``node``: ``tcpdump -i any`` there, one interface per link
the node is on). The whole scene, one interface per link, is still there for those who want every
wire at once, with that warning.

Qt-free: it reads only the timeline's wire records, so it runs on a machine without a display.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from animator.export.base import Exporter, ExportError, ExportOptions, ExportSource, Progress


class WireRecordLike(Protocol):
    link_id: str
    time: float
    frame: bytes


class NoPacketsError(ExportError, ValueError):
    """The scene's sends carry no real packets (no ``layers``/``frame``), so there is nothing to capture."""


class CaptureScopeError(ExportError, ValueError):
    """``link`` or ``node`` names nothing in the scene, or both were given."""


@dataclass(frozen=True)
class CapturePoint:
    """Where the capture is taken: the links whose frames it holds, as Wireshark's interfaces."""

    links: tuple[Any, ...]
    #: What the summary line calls it: "link lan", "node router", "every link".
    name: str


def capture_point(scene: Any, link: str | None = None, node: str | None = None) -> CapturePoint:
    """The links a capture on ``link`` (one wire) or at ``node`` (every wire it is on) sees; every link if neither."""
    links = tuple(scene.links)
    if link is not None and node is not None:
        raise CaptureScopeError("give either a link or a node to capture on, not both")
    if link is not None:
        chosen = tuple(lk for lk in links if lk.link_id == link)
        if not chosen:
            raise CaptureScopeError(f"the scene has no link '{link}'; its links: {', '.join(lk.link_id for lk in links)}")
        return CapturePoint(chosen, f"link {link}")
    if node is not None:
        if node not in {n.id for n in scene.nodes}:
            raise CaptureScopeError(f"the scene has no node '{node}'; its nodes: {', '.join(n.id for n in scene.nodes)}")
        chosen = tuple(lk for lk in links if node in lk.between)
        if not chosen:
            raise CaptureScopeError(f"node '{node}' is on no link: a capture there would be empty")
        return CapturePoint(chosen, f"node {node}")
    return CapturePoint(links, "every link")


def export_pcap(timeline: Any, path: str | os.PathLike[str], link: str | None = None, node: str | None = None) -> int:
    """Write ``timeline.wire_records()`` seen on ``link`` or at ``node`` (every link if neither) to
    ``path`` (.pcapng, or classic .pcap); return the packet count.

    Interfaces are the captured links in file order, each named by its id and described by its
    label and ends, so Wireshark's interface column says which wire a packet was on.
    """
    point = capture_point(timeline.scene, link, node)
    return write_capture(timeline, point, path)


def write_capture(timeline: Any, point: CapturePoint, path: str | os.PathLike[str]) -> int:
    from animator.packets.pcapng import write_pcap, write_pcapng

    links: Sequence[Any] = point.links
    index = {lk.link_id: i for i, lk in enumerate(links)}
    every = {lk.link_id for lk in timeline.scene.links}
    records: list[WireRecordLike] = list(timeline.wire_records())
    if not records:
        raise NoPacketsError(
            "the scene has no real packets to export: give its sends layers (see 'Real packets' in docs/scene-format.md)"
        )
    for record in records:
        if record.link_id not in every:
            raise ValueError(f"a packet crossed link '{record.link_id}', which the scene does not have")
    seen = [r for r in records if r.link_id in index]
    if not seen:
        raise NoPacketsError(f"no packet crosses {point.name}: a capture there would be empty")

    def rows() -> Iterable[tuple[int, float, bytes]]:
        for record in seen:
            yield index[record.link_id], record.time, record.frame

    if Path(path).suffix.lower() == ".pcap":
        return write_pcap(path, rows())
    descriptions = [_describe(lk) for lk in links]
    return write_pcapng(path, [lk.link_id for lk in links], rows(), descriptions)


def _describe(link: Any) -> str:
    a, b = link.between
    return f"{link.label} ({a} - {b})" if link.label else f"{a} - {b}"


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    chapter = source.chapters[0]
    if (chapter.first_step, chapter.last_step) != (0, chapter.timeline.step_count):
        raise ExportError("--steps does not go with --pcap: a capture holds the whole scene's traffic")
    link, node = options.extra.get("link"), options.extra.get("at")
    point = capture_point(chapter.scene, None if link is None else str(link), None if node is None else str(node))
    count = write_capture(chapter.timeline, point, out)
    links = len(point.links)
    if link is not None:
        return f"wrote {count} packet(s) seen on link {link} to {out}"
    note = " (.pcap keeps no link names; use .pcapng for them)" if out.suffix.lower() == ".pcap" and links > 1 else ""
    if node is not None:
        return f"wrote {count} packet(s) seen at node {node}, on {links} link(s), to {out}{note}"
    if links > 1:
        note += (
            "; each packet is there once per link it crossed, which Wireshark reads as retransmissions:"
            " --link LINK_ID captures one wire"
        )
    return f"wrote {count} packet(s) on {links} link(s) to {out}{note}"


EXPORTER = Exporter(
    key="pcap",
    label="Packets (pcapng, for Wireshark)…",
    help="the scene's packets as a capture: on one wire with --link LINK_ID, at one machine with --at NODE,"
    " else every link (one interface each; .pcap loses the link names)",
    suffixes=(".pcapng", ".pcap"),
    export=_export,
    decks=False,
)
