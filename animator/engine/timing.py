"""Time arithmetic shared by the simulator, the timeline and the player, defined once.

How long a packet dwells in a device and crosses a link decides both what the simulator records
and how token sends are scheduled; which step a moment belongs to decides what the stage, the
transport and the lecture controls show. Each is one function here, with one tolerance.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence

from animator.model.schema import Scene
from animator.model.topology import Topology

#: Seconds a device holds a packet before it leaves again: reads as "the device handles the packet".
DWELL = 0.15
#: Times closer than this are the same moment: a pause point reached by adding up float steps
#: is at the boundary, not a hair past it in the next step.
EPS = 1e-9


def hop_seconds(scene: Scene, topology: Topology) -> Callable[[str, str], float]:
    """Seconds a packet takes over the link from ``a`` to ``b``: the scene's hop time, longer on slow links."""

    def seconds(a: str, b: str) -> float:
        link = topology.link(a, b)
        latency = link.latency_ms if link is not None else 1.0
        return scene.hop_time * (1.0 + min(latency, 200.0) / 100.0)

    return seconds


def step_at(boundaries: Sequence[float], t: float) -> int:
    """The step shown at ``t``, with ``boundaries`` the pause points (0 first, then each step's end).

    0 at or before the start; k within ``(end_{k-1}, end_k]``: the pause point at the end of a
    step still shows that step, finished. Past the end, the last step.
    """
    last = len(boundaries) - 1
    if t <= EPS or last <= 0:
        return 0
    return min(bisect_left(boundaries, t - EPS), last)


def pause_point_at_or_before(boundaries: Sequence[float], t: float) -> int:
    """The number of the last pause point at or before ``t`` (0 is the start): where "back" returns to."""
    return max(0, bisect_right(boundaries, t + EPS) - 1)
