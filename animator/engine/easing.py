"""Rate functions mapping linear progress 0..1 to eased progress, clamped like manim's.

Clamping matters: time can be any float (scrubbing, reverse play), and a rate function fed
1.0000001 must not fling a packet past its destination.
"""

from __future__ import annotations


def clamp01(x: float) -> float:
    return 0.0 if x <= 0.0 else 1.0 if x >= 1.0 else x


def smooth(x: float) -> float:
    """Ease in and out (smoothstep): packets leave and arrive gently, readable at a glance."""
    x = clamp01(x)
    return x * x * (3.0 - 2.0 * x)


def ease_out(x: float) -> float:
    """Fast start, soft landing: used for fades so things appear promptly."""
    x = clamp01(x)
    return 1.0 - (1.0 - x) * (1.0 - x)
