"""Scene → Timeline → Frame. Pure Python, no Qt: every frame is a function of time alone."""

from animator.engine.frame import Bubble, Frame, PacketView, TableView
from animator.engine.layout import layout_nodes
from animator.engine.playback import SPEEDS, Playback
from animator.engine.timeline import Timeline, build_timeline

__all__ = [
    "SPEEDS",
    "Bubble",
    "Frame",
    "PacketView",
    "Playback",
    "TableView",
    "Timeline",
    "build_timeline",
    "layout_nodes",
]
