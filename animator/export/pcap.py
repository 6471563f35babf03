"""The scene's traffic as a capture file: one interface per link, every packet as it crossed it.

Qt-free: it reads only the timeline's wire records, so it runs on a machine without a display.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from animator.export.base import Exporter, ExportError, ExportOptions, ExportSource, Progress


class WireRecordLike(Protocol):
    link_id: str
    time: float
    frame: bytes


class NoPacketsError(ExportError, ValueError):
    """The scene's sends carry no real packets (no ``layers``/``frame``), so there is nothing to capture."""


def export_pcap(timeline: Any, path: str | os.PathLike[str]) -> int:
    """Write ``timeline.wire_records()`` to ``path`` (.pcapng, or classic .pcap); return the packet count.

    Interfaces are the scene's links in file order, each named by its id and described by its
    label and ends, so Wireshark's interface column says which wire a packet was on.
    """
    from animator.packets.pcapng import write_pcap, write_pcapng

    links = list(timeline.scene.links)
    index = {link.link_id: i for i, link in enumerate(links)}
    records: Iterable[WireRecordLike] = list(timeline.wire_records())
    if not records:
        raise NoPacketsError(
            "the scene has no real packets to export: give its sends layers (see 'Real packets' in docs/scene-format.md)"
        )

    def rows() -> Iterable[tuple[int, float, bytes]]:
        for record in records:
            if record.link_id not in index:
                raise ValueError(f"a packet crossed link '{record.link_id}', which the scene does not have")
            yield index[record.link_id], record.time, record.frame

    if Path(path).suffix.lower() == ".pcap":
        return write_pcap(path, rows())
    descriptions = [_describe(link) for link in links]
    return write_pcapng(path, [link.link_id for link in links], rows(), descriptions)


def _describe(link: Any) -> str:
    a, b = link.between
    return f"{link.label} ({a} - {b})" if link.label else f"{a} - {b}"


def _export(source: ExportSource, out: Path, options: ExportOptions, progress: Progress) -> str:
    chapter = source.chapters[0]
    if (chapter.first_step, chapter.last_step) != (0, chapter.timeline.step_count):
        raise ExportError("--steps does not go with --pcap: a capture holds the whole scene's traffic")
    count = export_pcap(chapter.timeline, out)
    links = len(chapter.scene.links)
    note = " (.pcap keeps no link names; use .pcapng for them)" if out.suffix.lower() == ".pcap" else ""
    return f"wrote {count} packet(s) on {links} link(s) to {out}{note}"


EXPORTER = Exporter(
    key="pcap",
    label="Packets (pcapng, for Wireshark)…",
    help="the scene's packets as a capture, one interface per link (.pcap loses the link names)",
    suffixes=(".pcapng", ".pcap"),
    export=_export,
    decks=False,
)
