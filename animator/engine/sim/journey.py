"""What simulating a scene produces: every version of every packet on every hop, and every table change.

Plain data, no scapy objects: frames are the bytes on the wire, so the timeline, the inspector and
the pcap exporter all read the same thing, and a Journey can be compared in tests byte for byte.
Times are seconds from the start of the step, before any step-length scaling.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Hop:
    """One frame crossing one link."""

    a: str
    b: str
    start: float
    end: float
    frame: bytes | None
    #: What the device at ``a`` did to the packet before sending it on this hop, in its own words.
    changes: tuple[str, ...] = ()


@dataclass(slots=True)
class Leg:
    """One chip's run: the same packet carried hop by hop until it is delivered, dropped or consumed.

    A switch's flood copies, a router's ICMP error, and a proxy's new upstream request start
    legs of their own whose ``parent`` is the leg that caused them.
    """

    id: str
    label: str
    protocol: str
    hops: list[Hop] = field(default_factory=list)
    parent: str | None = None
    dropped: bool = False
    #: How the run ended, said the way a device would: "delivered", "DROP by rule 2", "not for me".
    fate: str = ""


@dataclass(slots=True)
class StepJourney:
    legs: list[Leg] = field(default_factory=list)
    #: (time, node, title, columns, rows): a device table's new contents (rows None: hidden).
    tables: list[tuple[float, str, str, tuple[str, ...], tuple[tuple[str, ...], ...] | None]] = field(default_factory=list)
    #: (time, node, text): a node's state badge (TCP state), "" to clear it.
    badges: list[tuple[float, str, str]] = field(default_factory=list)
    #: (time, node, text): a device explaining a decision ("rule 3 matched: DROP"), shown as a bubble.
    remarks: list[tuple[float, str, str]] = field(default_factory=list)


@dataclass(slots=True)
class Journey:
    """A scene's steps as the simulator played them, in step order (index 0 is step 1)."""

    steps: list[StepJourney] = field(default_factory=list)
    #: Device tables as they stand before step 1 (routing tables, configured rules, pools).
    initial_tables: list[tuple[str, str, tuple[str, ...], tuple[tuple[str, ...], ...]]] = field(default_factory=list)
