"""One forward run through a scene's steps: the clock, the event queue, the legs, and the devices.

Devices never schedule animation: they receive a frame at a time and answer with frames to send
on. ``transmit`` turns each into a hop with a start and end (hop time from the link latency plus a
short dwell in the device), so the whole step's motion falls out of what the devices did.

The run knows no kind of device: it makes one device per node through the registry
(``animator.engine.sim.devices.DEVICES``) and hands each arriving frame to the device it reached.
What belongs to a packet's run rather than to any device stays here: the author's overrides
(a forced path, a drop, a recorded frame), who sent each leg, and the events the views show.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival, SimulationError
from animator.engine.sim.frames import finalize
from animator.engine.sim.journey import Badge, Hop, Journey, Leg, Outcome, Remark, Rows, StepJourney, TableChange
from animator.engine.sim.network import Network
from animator.engine.timing import DWELL
from animator.model.kinds import TableKind
from animator.model.schema import AppRead, DeviceSet, Layer, Scene, Send

if TYPE_CHECKING:
    from scapy.packet import Packet

    from animator.engine.sim.devices.base import Device


class Simulation:
    """Plays every real send of a scene through its devices, step by step, once."""

    def __init__(self, scene: Scene, hop_seconds: Callable[[str, str], float], build: Callable[[Sequence[Layer]], Any]) -> None:
        from animator.engine.sim.devices import DEVICES

        self.scene = scene
        self.build = build
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
        self._published: dict[tuple[str, TableKind], Rows] = {}
        #: Recorded frames (``frame:``, e.g. from a capture): what one interface saw, shown along the
        #: path unchanged; devices do not process them again.
        self.recorded: set[str] = set()
        #: Legs that must follow the author's path (``path:``/``via:``) or be lost at ``drop_at``.
        self.forced: dict[str, list[str]] = {}
        self.drop_at: dict[str, str] = {}
        #: Legs carrying a proxy's SYN for a CONNECT, which the target's kernel answers by itself.
        self.connect_syns: set[str] = set()
        #: Devices the scene has failed or brought back (``device`` actions), by node.
        self.down_now: dict[str, str] = {}
        #: The step number and send put on the wire last: blamed for errors no leg leads back from.
        self._last_send: tuple[int, Send | None] = (0, None)
        #: Every real send of the scene in the order it is put on the wire, and how many have been.
        self._all_sends: list[Send] = []
        self._sends_done = 0
        #: One device per node, made by its kind's class: they hold all per-device state.
        self.devices: dict[str, Device] = {node.id: DEVICES[node.kind].factory(self, node) for node in scene.nodes}

    # -- the run -----------------------------------------------------------------------------------
    def run(self) -> Journey:
        for device in self.devices.values():
            device.publish_configuration()
        self._all_sends = [
            send
            for step in self.scene.steps
            for _, _, send in sorted(
                ((a.at, i, a) for i, a in enumerate(step.actions) if isinstance(a, Send) and a.is_real), key=lambda item: item[:2]
            )
        ]
        self._sends_done = 0
        for number, step in enumerate(self.scene.steps, start=1):
            self.step_number = number
            self.step = StepJourney()
            for action in step.actions:
                if isinstance(action, DeviceSet):
                    self.schedule(action.at, functools.partial(self.set_down, action.node, action.down, action.at))
                elif isinstance(action, AppRead):
                    self.schedule(action.at, functools.partial(self.devices[action.node].app_read, action.bytes, action.at))
            sends = sorted(
                ((a.at, i, a) for i, a in enumerate(step.actions, start=1) if isinstance(a, Send) and a.is_real),
                key=lambda item: (item[0], item[1]),
            )
            for at, index, send in sends:
                self.run_until(at)
                self._last_send = (number, send)
                self._sends_done += 1
                try:
                    self.devices[send.from_].originate(send, f"s{number}.{index}")
                except SimulationError as exc:
                    raise exc.at(number, send.mark) from None
            self.run_until(float("inf"))
            self.journey.steps.append(self.step)
        return self.journey

    def next_tcp_send(
        self, node: str, peers: set[str], version: int = 4, ports: tuple[int, int] | None = None, newest: bool = True
    ) -> Send | None:
        """The scene's next TCP send from ``node`` on a connection to one of ``peers`` (over IP
        ``version``, between ``ports`` where the send names them) not yet put on the wire: a kernel
        leaves to the author what the author is about to send (the handshake's last ACK)."""
        # Sends naming no ports go on the newest connection to the peer (as the stack files them):
        # once the node has (or opens) a newer one, only sends naming this one's ports are its.
        newer = not newest
        for send in self._all_sends[self._sends_done :]:
            if send.from_ != node or send.to not in peers:
                continue
            names = [layer.name for layer in send.layers]
            if "tcp" not in names or (6 if "ipv6" in names else 4) != version:
                continue
            tcp = send.layers[names.index("tcp")].fields
            named = ports is not None and "sport" in tcp and "dport" in tcp
            if ports is not None and (tcp.get("sport", ports[0]) != ports[0] or tcp.get("dport", ports[1]) != ports[1]):
                newer = newer or _opens(tcp.get("flags"))
                continue
            if newer and not named:
                continue
            if _opens(tcp.get("flags")) and not named:
                newer = True  # a SYN naming no ports opens a new connection
                continue
            return send
        return None

    def run_until(self, time: float) -> None:
        while self._queue and self._queue[0][0] <= time:
            _, _, event = heapq.heappop(self._queue)
            try:
                if isinstance(event, Arrival):
                    self.handle(event)
                else:
                    event()
            except SimulationError as exc:
                # A device met something the scene cannot do (a backend it cannot reach): blame the
                # send whose packet it was handling, so the author gets FILE:LINE:COL, not a traceback.
                number, send = self._send_of(event.leg.id if isinstance(event, Arrival) else None)
                raise exc.at(number, send.mark if send is not None else self.scene.mark) from None

    def _send_of(self, leg_id: str | None) -> tuple[int, Send | None]:
        """The step number and authored send a leg descends from (leg ids start ``s<step>.<action>``)."""
        match = re.match(r"s(\d+)\.(\d+)", leg_id or "")
        if match:
            number, index = int(match.group(1)), int(match.group(2))
            if 0 < number <= len(self.scene.steps) and 0 < index <= len(self.scene.steps[number - 1].actions):
                action = self.scene.steps[number - 1].actions[index - 1]
                if isinstance(action, Send):
                    return number, action
        return self._last_send

    def handle(self, arrival: Arrival) -> None:
        """A frame reached a node: the author's overrides first, then the device itself."""
        node = arrival.b
        if self.drop_at.get(arrival.leg.id) == node:
            self.end_leg(arrival.leg, Outcome.DROPPED, "lost here (the scene drops it)")
            return
        if arrival.leg.id in self.recorded:
            ahead = self.next_neighbour(arrival.leg, node, None)
            if ahead is None:
                self.end_leg(arrival.leg, Outcome.DELIVERED, "delivered (recorded frame)")
            else:
                self.transmit(arrival.leg, node, ahead, arrival.frame, arrival.time + DWELL)
            return
        down = self.is_down(node)
        if down == "refused" and self.devices[node].kernel_takes(arrival):
            self.devices[node].receive(arrival)
            return
        if down != "no":
            self.end_leg(arrival.leg, Outcome.DROPPED, f"{self.names.get(node, node)} is down")
            if down == "refused":
                self.devices[node].refuse(arrival)
            return
        self.devices[node].receive(arrival)

    # -- failures ----------------------------------------------------------------------------------
    def set_down(self, node: str, down: str, time: float) -> None:
        """A ``device`` action: the node fails or recovers; balancers see its health change."""
        self.down_now[node] = down
        # ``refused``: the program is gone but the machine is up (its kernel answers RST): its
        # ports are closed, it is not DOWN. ``timeout``: the machine is off or unreachable.
        listen = self.net.hosts[node].node.listen
        closed = f"port {', '.join(map(str, listen))} closed" if listen else "ports closed"
        self.badge(time, node, {"no": "", "refused": closed}.get(down, "DOWN"))
        self.remark(time, node, {"no": "back up", "refused": f"program stopped: {closed}"}.get(down, "fails"))
        if down == "refused":
            self.devices[node].program_stopped(time)
        for device in self.devices.values():
            device.backend_changed(node, time)

    def is_down(self, node: str) -> str:
        return self.down_now.get(node, self.net.hosts[node].node.down)

    # -- legs and hops -----------------------------------------------------------------------------
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
            self.devices[a].leaving(data, depart, leg)
        end = depart + self.hop_seconds(a, b)
        leg.hops.append(Hop(a, b, depart, end, data, changes))
        heapq.heappush(self._queue, (end, next(self._order), Arrival(end, leg, a, b, data)))

    def schedule(self, time: float, callback: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (time, next(self._order), callback))

    def end_leg(self, leg: Leg, outcome: Outcome, fate: str) -> None:
        leg.outcome = outcome
        leg.fate = fate

    def next_neighbour(self, leg: Leg, node: str, target: str | None) -> str | None:
        """Where ``leg`` goes from ``node``: the author's path if it has one, else towards ``target``."""
        forced = self.forced.get(leg.id)
        if forced is not None and node in forced:
            index = forced.index(node)
            return forced[index + 1] if index + 1 < len(forced) else None
        return self.net.towards(node, target) if target is not None else None

    def author_path(self, send: Send) -> list[str]:
        if send.path is not None:
            return list(send.path)
        route = self.net.topology.route(send.from_, send.to, send.via)
        if route is None:
            raise SimulationError(f"no chain of links leads from '{send.from_}' to '{send.to}'")
        return route

    def origins_of(self, leg: Leg) -> set[str]:
        """Every node on whose behalf ``leg`` travels: its sender, and the senders of the legs that caused it."""
        found = set()
        by_id = {candidate.id: candidate for candidate in self.step.legs}
        current: Leg | None = leg
        while current is not None:
            if current.id in self.origin:
                found.add(self.origin[current.id])
            current = by_id.get(current.parent) if current.parent else None
        return found

    def scene_seconds(self, time: float) -> float:
        """``time`` (seconds into the current step) as seconds into the scene's motion: a cached
        copy's Age must count the steps in between, not restart with each step's clock."""
        done = sum(max((leg.hops[-1].end for leg in step.legs if leg.hops), default=0.0) for step in self.journey.steps)
        return done + time

    # -- what the views show -----------------------------------------------------------------------
    def publish(
        self, time: float, node: str, table: TableKind, rows: Sequence[tuple[str, ...]] | None, columns: tuple[str, ...] = ()
    ) -> None:
        """Record a device table's contents at ``time`` if they changed (None hides it)."""
        frozen = None if rows is None else tuple(rows)
        if self._published.get((node, table)) == frozen:
            return
        self._published[node, table] = frozen
        change = TableChange(time, node, table, columns or table.columns, frozen)
        if self.step_number == 0:
            if frozen is not None:
                self.journey.initial_tables.append(change)
        else:
            self.step.tables.append(change)

    def tables_of(self, node: str) -> dict[TableKind, Rows]:
        """The tables ``node`` has published, as they stand now."""
        return {table: rows for (owner, table), rows in self._published.items() if owner == node and rows is not None}

    def badge(self, time: float, node: str, text: str) -> None:
        if self.step_number:
            self.step.badges.append(Badge(time, node, text))

    def remark(self, time: float, node: str, text: str) -> None:
        if self.step_number:
            self.step.remarks.append(Remark(time, node, text))


def _opens(flags: object) -> bool:
    """Whether a send's TCP ``flags`` open a connection (SYN without ACK)."""
    from animator.engine.sim.tcp import ACK, SYN, flag_value

    value = flag_value(flags) if flags is not None else None
    return value is not None and bool(value & SYN) and not value & ACK
