"""The simulator's clock, event queue and bookkeeping, shared by every kind of device.

Devices never schedule animation: they receive a frame at a time and answer with frames to send
on. ``transmit`` turns each into a hop with a start and end (hop time from the link latency plus a
short dwell in the device), so the whole step's motion falls out of what the devices did.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from animator.engine.sim.journey import Hop, Journey, Leg, StepJourney
from animator.engine.sim.network import Network
from animator.model.schema import Scene

if TYPE_CHECKING:
    from scapy.packet import Packet

#: Seconds a device holds a packet before it leaves again (matches the timeline's dwell).
DWELL = 0.15


@dataclass(slots=True)
class Arrival:
    time: float
    leg: Leg
    a: str
    b: str
    frame: bytes


class SimulationError(Exception):
    """A send the devices cannot carry (no address, no route at the source): reported at the send."""


class Core:
    """State of every device during one forward run through the scene's steps."""

    def __init__(self, scene: Scene, hop_seconds: Callable[[str, str], float]) -> None:
        self.scene = scene
        #: Display names: what a device says about another ("web1 is down") reaches the inspector.
        self.names = {node.id: node.display_label for node in scene.nodes}
        self.net = Network(scene)
        self.hop_seconds = hop_seconds
        self.journey = Journey()
        self.step = StepJourney()
        self.step_number = 0
        #: Frames in flight and device timers (a proxy giving up on its upstream), by time.
        self._queue: list[tuple[float, int, Arrival | Callable[[], None]]] = []
        self._order = itertools.count()
        self._leg_numbers: dict[str, itertools.count[int]] = {}
        #: The node that first sent each leg's packet, and on whose behalf relays happen.
        self.origin: dict[str, str] = {}
        #: Each table's rows as last published, so unchanged tables are not re-recorded.
        self._published: dict[tuple[str, str], tuple[tuple[str, ...], ...] | None] = {}

    # -- legs and hops ---------------------------------------------------------------------
    def new_leg(self, base: str, label: str, protocol: str, parent: Leg | None, origin: str) -> Leg:
        counter = self._leg_numbers.setdefault(base, itertools.count(1))
        n = next(counter)
        leg = Leg(id=base if n == 1 else f"{base}.{n}", label=label, protocol=protocol, parent=parent.id if parent else None)
        self.step.legs.append(leg)
        self.origin[leg.id] = origin
        return leg

    def transmit(self, leg: Leg, a: str, b: str, frame: Packet | bytes, depart: float, changes: tuple[str, ...] = ()) -> None:
        """Put ``frame`` on the link from ``a`` to ``b`` at ``depart``; it arrives one hop time later."""
        data = frame if isinstance(frame, bytes) else finalize(frame)
        if not leg.hops and self.origin.get(leg.id) == a:
            self.leaving(a, data, depart)
        end = depart + self.hop_seconds(a, b)
        leg.hops.append(Hop(a, b, depart, end, data, changes))
        heapq.heappush(self._queue, (end, next(self._order), Arrival(end, leg, a, b, data)))

    def leaving(self, node: str, frame: bytes, time: float) -> None:
        """A packet a node made itself goes on the wire: hosts account for it here (TCP state)."""

    def schedule(self, time: float, callback: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (time, next(self._order), callback))

    def end_leg(self, leg: Leg, fate: str, dropped: bool = False) -> None:
        leg.fate = fate
        leg.dropped = dropped

    # -- what the views show -----------------------------------------------------------------
    def publish(self, time: float, node: str, title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]] | None) -> None:
        """Record a device table's contents at ``time`` if they changed (None hides it)."""
        frozen = None if rows is None else tuple(rows)
        if self._published.get((node, title)) == frozen:
            return
        self._published[node, title] = frozen
        if self.step_number == 0:
            if frozen is not None:
                self.journey.initial_tables.append((node, title, columns, frozen))
        else:
            self.step.tables.append((time, node, title, columns, frozen))

    def badge(self, time: float, node: str, text: str) -> None:
        if self.step_number:
            self.step.badges.append((time, node, text))

    def remark(self, time: float, node: str, text: str) -> None:
        if self.step_number:
            self.step.remarks.append((time, node, text))


#: Computed fields a device's edits make stale, by layer: scapy recomputes a field left unset.
_COMPUTED = {"IP": ("chksum", "len"), "TCP": ("chksum",), "UDP": ("chksum", "len"), "ICMP": ("chksum",), "IPv6": ("plen",)}


def finalize(frame: Any) -> bytes:
    """The wire bytes with every length and checksum computed for the frame's current contents.

    Devices edit parsed packets (TTL, addresses, ports); deleting the computed fields before
    building makes scapy compute them again, exactly as the device's stack would. Quoted headers
    inside ICMP errors are other classes (IPerror) and keep their original values, as they must.
    """
    _keep_application_bytes(frame)
    layer = frame
    while layer is not None and layer.__class__.__name__ != "NoPayload":
        for name in _COMPUTED.get(layer.__class__.__name__, ()):
            layer.fields.pop(name, None)
        layer = layer.payload
    return bytes(frame)


def _keep_application_bytes(frame: Any) -> None:
    """Carry what a transport segment holds as the bytes that arrived, whatever scapy made of them.

    A dissector that stops at its own length field (an HTTP/2 frame, say) leaves the rest of the
    segment (the next frames) as ``Padding``, which scapy does not count in the IP length: a router
    that only lowered the TTL would shorten the segment. Only the IP length says where the
    datagram really ends (anything after it is Ethernet padding), so the payload is cut there.
    """
    from scapy.packet import NoPayload, Padding, Raw

    ip = transport = None
    layer = frame
    while not isinstance(layer, NoPayload):
        name = layer.__class__.__name__
        if name in ("IP", "IPv6") and ip is None:
            ip = layer
        elif name in ("TCP", "UDP") and ip is not None:
            transport = layer
            break
        layer = layer.payload
    if ip is None or transport is None or isinstance(transport.payload, NoPayload):
        return
    application = transport.payload
    if application.getlayer(Padding) is None:
        return
    data = bytes(application)
    total = ip.fields.get("len" if ip.__class__.__name__ == "IP" else "plen")
    if total is not None:
        ip_header = ip.ihl * 4 if ip.__class__.__name__ == "IP" else 0
        transport_header = transport.dataofs * 4 if transport.__class__.__name__ == "TCP" else 8
        data = data[: max(0, total - ip_header - transport_header)]
    transport.remove_payload()
    transport.add_payload(Raw(data))
