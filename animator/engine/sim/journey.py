"""What simulating a scene produces: every version of every packet on every hop, and every event.

Plain data, no scapy objects: frames are the bytes on the wire, so the timeline, the inspector and
the pcap exporter all read the same thing, and a Journey can be compared in tests byte for byte.
Times are seconds from the start of the step, before any step-length scaling.

Devices' words ("TTL 1 would reach 0", "rule 3 matched: DROP") are for people; what code decides
on is typed: a leg's ``Outcome``, a table's ``TableKind``, and events (``Remark``, ``Badge``,
``TableChange``) that say which device did what, never authored scene objects made up for it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple

from animator.model.kinds import TableKind

#: A table's rows (None: the device hides the table, e.g. a host with no open sockets).
Rows = tuple[tuple[str, ...], ...] | None


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


class Outcome(enum.Enum):
    """How a leg's run ended, as the animation and the inspector need to know it."""

    #: Taken in by the device it was addressed to.
    DELIVERED = "delivered"
    #: Refused by its addressee, which answered it (a closed port's RST).
    ANSWERED = "answered"
    #: Taken in by a device it was not addressed to, which acted on it (a gratuitous ARP updating a cache).
    ABSORBED = "absorbed"
    #: Went no further and was not lost (a switch with no other port to flood to).
    STOPPED = "stopped"
    #: Ignored by a device it was not for (a flood copy at the wrong host): it fades out quietly.
    DISCARDED = "discarded"
    #: Lost: a rule, a device that is down, no route, the TTL, or the scene's ``drop_at``.
    DROPPED = "dropped"


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
    #: How the run ended (None: it had not ended when the step did, e.g. still waiting for ARP).
    outcome: Outcome | None = None
    #: The same, said the way a device would: "delivered", "DROP by rule 2", "not for me". Shown, never parsed.
    fate: str = ""

    @property
    def dropped(self) -> bool:
        return self.outcome is Outcome.DROPPED


class TableChange(NamedTuple):
    """A device table's new contents at ``time`` (rows None: hidden)."""

    time: float
    node: str
    table: TableKind
    columns: tuple[str, ...]
    rows: Rows


class Badge(NamedTuple):
    """A node's state badge (a TCP state, DOWN) from ``time``; "" clears it."""

    time: float
    node: str
    text: str


class Remark(NamedTuple):
    """A device explaining a decision ("rule 3 matched: DROP"), shown as a bubble beside it."""

    time: float
    node: str
    text: str


class Sample(NamedTuple):
    """A number a device keeps and the wire does not carry, at ``time`` (a TCP sender's cwnd).

    ``series`` names what is measured ("cwnd", "ssthresh", "rwnd"), ``conn`` the connection it
    belongs to as ``"address:port>address:port"`` seen from ``node``; the unit is bytes. The
    TCP graph plots these beside what it reads off the wire (sequence numbers, ACKs, windows).
    """

    time: float
    node: str
    conn: str
    series: str
    value: float


@dataclass(slots=True)
class StepJourney:
    legs: list[Leg] = field(default_factory=list)
    tables: list[TableChange] = field(default_factory=list)
    badges: list[Badge] = field(default_factory=list)
    remarks: list[Remark] = field(default_factory=list)
    #: Device-internal numbers over time (a TCP sender's congestion window), for the TCP graph.
    samples: list[Sample] = field(default_factory=list)


@dataclass(slots=True)
class Journey:
    """A scene's steps as the simulator played them, in step order (index 0 is step 1)."""

    steps: list[StepJourney] = field(default_factory=list)
    #: Device tables as they stand before step 1 (routing tables, configured rules, pools), at time 0.
    initial_tables: list[TableChange] = field(default_factory=list)
