"""What one instant of a scene looks like, as plain data the renderers project.

A Frame knows nothing of Qt or pixels: positions are in layout grid units (one column, one
row), so the stage, a PNG exporter and a test can all read the same Frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class PacketView(NamedTuple):
    """A message chip at one instant.

    A NamedTuple rather than a frozen dataclass: a busy frame builds a thousand of these,
    and tuple construction is about three times cheaper (measured in bench_stage).
    """

    id: str
    label: str
    protocol: str
    x: float
    y: float
    #: The link being crossed, or None while the packet sits at a node.
    link_id: str | None
    #: The node the packet is at or heading to.
    node: str
    #: The node it reached ``node`` from (for renderers that dock arrived packets beside
    #: the icon, on the side they came from, rather than over it).
    came_from: str
    opacity: float
    dropped: bool
    #: True once the packet has finished its journey (delivered, or lost at ``node``).
    arrived: bool
    #: Seconds since it arrived (0 while it moves): renderers glide it from the device into its
    #: docking spot instead of jumping there.
    age: float = 0.0
    #: The traffic classes it belongs to (``animator.engine.traffic``), so a filter reads them
    #: instead of working them out every frame.
    classes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Bubble:
    node: str
    text: str
    opacity: float


@dataclass(frozen=True, slots=True)
class TableView:
    node: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Frame:
    time: float
    #: 0 before anything moves, else the 1-based step playing (or just finished) at ``time``.
    step: int
    step_count: int
    caption: str
    notes: str
    chapter: str | None
    packets: tuple[PacketView, ...]
    bubbles: tuple[Bubble, ...]
    #: Only nodes and links that differ from their resting look appear in these mappings.
    node_highlight: Mapping[str, float]
    link_highlight: Mapping[str, float]
    badges: Mapping[str, str]
    #: Tables drawn on the stage: the author's, and device tables a node lists in ``show_tables``.
    tables: Mapping[str, tuple[TableView, ...]]
    #: Every device table the simulator keeps (MAC, ARP, NAT, routes, firewall...), for the tables view.
    device_tables: Mapping[str, tuple[TableView, ...]] = field(default_factory=dict)
    #: Where everything is drawn, for one output size and text size: the ``animator.layout.Box``es
    #: that ``StageLayout.lay_out`` puts here (empty until a layout has been applied). Exporters
    #: draw these; the engine never looks at them.
    boxes: tuple[Any, ...] = ()
