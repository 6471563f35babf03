"""What every device is to the simulation: something that receives frames, originates sends and
keeps tables. One class per kind implements it (``animator.engine.sim.devices.DEVICES``)."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from animator.engine.sim.core import Arrival
from animator.engine.sim.journey import Leg, Rows
from animator.model.kinds import TableKind
from animator.model.schema import Node, Send

if TYPE_CHECKING:
    from animator.engine.sim.network import Network
    from animator.engine.sim.simulation import Simulation


class Device(abc.ABC):
    """One node of the scene during one simulation run; it owns every piece of state the node has.

    Every kind receives frames and originates sends; the other hooks do nothing unless a kind needs them.
    """

    #: The ``kind:`` values this class simulates (the registry checks each kind has exactly one).
    kinds: ClassVar[tuple[str, ...]] = ()

    def __init__(self, sim: Simulation, node: Node) -> None:
        self.sim = sim
        self.node = node
        self.id = node.id

    @property
    def net(self) -> Network:
        return self.sim.net

    @property
    def label(self) -> str:
        return self.node.display_label

    # -- the interface the simulation calls --------------------------------------------------------
    @abc.abstractmethod
    def receive(self, arrival: Arrival) -> None:
        """A frame reached this device (which is up) over the link from ``arrival.a``."""

    @abc.abstractmethod
    def originate(self, send: Send, leg_id: str) -> None:
        """Put one authored send from this device on the wire at ``send.at``, as leg ``leg_id``."""

    def publish_configuration(self) -> None:  # noqa: B027 - an optional hook: most kinds need not act
        """Publish the tables the device starts with (routes, rules, pools), before step 1."""

    def leaving(self, frame: bytes, time: float, leg: Leg) -> None:  # noqa: B027 - an optional hook: most kinds need not act
        """A frame this device made itself goes on the wire (hosts account for TCP state here)."""

    def refuse(self, arrival: Arrival) -> None:  # noqa: B027 - an optional hook: most kinds need not act
        """A frame reached this device while it is ``down: refused`` (the simulation already lost it)."""

    def program_stopped(self, time: float) -> None:  # noqa: B027 - an optional hook: most kinds need not act
        """``down: refused`` began: the program is gone, the machine is up (its kernel closes the sockets)."""

    def app_read(self, nbytes: int | None, time: float) -> None:  # noqa: B027 - an optional hook: most kinds need not act
        """A ``read`` action: the application takes ``nbytes`` (None: all) of what its socket holds."""

    def kernel_takes(self, arrival: Arrival) -> bool:
        """While ``down: refused``: whether the kernel still handles this frame (a segment of a
        connection it is closing for the program that died)."""
        return False

    def backend_changed(self, node: str, time: float) -> None:  # noqa: B027 - an optional hook: most kinds need not act
        """``node`` failed or came back: a balancer that uses it shows its new health."""

    def tables(self) -> dict[TableKind, Rows]:
        """The tables this device has published, as they stand now."""
        return self.sim.tables_of(self.id)

    # -- helpers for subclasses --------------------------------------------------------------------
    def publish(
        self, time: float, table: TableKind, rows: Sequence[tuple[str, ...]] | None, columns: tuple[str, ...] = ()
    ) -> None:
        self.sim.publish(time, self.id, table, rows, columns)

    def remark(self, time: float, text: str) -> None:
        self.sim.remark(time, self.id, text)

    def badge(self, time: float, text: str) -> None:
        self.sim.badge(time, self.id, text)

    def label_of(self, node: str) -> str:
        return self.net.hosts[node].node.display_label
