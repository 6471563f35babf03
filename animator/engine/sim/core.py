"""The vocabulary every part of the simulator shares: a frame arriving, and a send it cannot carry."""

from __future__ import annotations

from dataclasses import dataclass

from animator.engine.sim.journey import Leg
from animator.model.errors import Mark


@dataclass(slots=True)
class Arrival:
    """``frame`` reaching ``b`` over the link from ``a`` at ``time``, as part of ``leg``."""

    time: float
    leg: Leg
    a: str
    b: str
    frame: bytes


class SimulationError(Exception):
    """A send the devices cannot carry (no address, no route at the source).

    Devices raise it with the reason alone; the run loop adds the step and the authored send it
    happened in, so the check stage can report it at the send's ``FILE:LINE:COL``.
    """

    def __init__(self, reason: str, step: int = 0, mark: Mark | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.step = step
        self.mark = mark

    def at(self, step: int, mark: Mark) -> SimulationError:
        """The same error, placed at the send it happened in."""
        return SimulationError(self.reason, step, mark)

    def __str__(self) -> str:
        return f"step {self.step}: {self.reason}" if self.mark is not None else self.reason
