"""The network simulator: expands a scene's authored sends into every hop of every packet.

Only scenes whose sends carry real packets (``layers:`` or ``frame:``) are simulated; labelled
tokens keep travelling the topology's shortest path as before. scapy is imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from animator.engine.sim.core import SimulationError
from animator.engine.sim.journey import Badge, Hop, Journey, Leg, Outcome, Remark, StepJourney, TableChange
from animator.model.schema import Layer, Scene, Send

__all__ = [
    "Badge",
    "Hop",
    "Journey",
    "Leg",
    "Outcome",
    "Remark",
    "SimulationError",
    "StepJourney",
    "TableChange",
    "has_real_packets",
    "simulate",
]


def has_real_packets(scene: Scene) -> bool:
    return any(isinstance(a, Send) and a.is_real for step in scene.steps for a in step.actions)


def simulate(
    scene: Scene, hop_seconds: Callable[[str, str], float], build: Callable[[Sequence[Layer]], Any] | None = None
) -> Journey:
    """Play the scene's real sends through its devices once; raises SimulationError for an impossible send."""
    from animator.engine.sim.simulation import Simulation

    if build is None:
        from animator.packets import build_layers

        build = build_layers
    return Simulation(scene, hop_seconds, build).run()
