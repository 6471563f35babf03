"""Reading the shipped scenes' packets in tests: one cached timeline per scene for the whole run.

Every scene test file asks the same questions (this step's tracks, the frame on this link), and
building a scene's timeline costs tens of milliseconds: one shared cache builds each scene once.
"""

from __future__ import annotations

import functools

from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.engine.timeline import MessageTrack, Timeline
from animator.model import load_scene
from tests.conftest import REPO


@functools.cache
def timeline(name: str) -> Timeline:
    return build_timeline(load_scene(REPO / "scenes" / f"{name}.yaml"))


def tracks(name: str, step: int) -> list[MessageTrack]:
    return [m for m in timeline(name).messages if m.step == step]


def frame_on(track: MessageTrack, a: str, b: str) -> Ether:
    """The frame as it crossed the link from ``a`` to ``b``."""
    hop = next((i for i in range(len(track.path) - 1) if track.path[i : i + 2] == (a, b)), None)
    assert hop is not None, f"{track.id} never crosses {a} → {b}: {track.path}"
    frame = track.frames[hop]
    assert frame is not None
    return Ether(frame)


#: An ``internet`` node without an address asking a DNS server: it once reached scapy as the host
#: name "None" (a real DNS query during validate). Shared by the fuzz findings and the no-network test.
NAMELESS_DNS = """\
format: 1
title: t
nodes:
  - {id: i, kind: internet}
  - {id: d, kind: dns, ipv4: 10.0.0.53/24}
links:
  - {between: [i, d]}
steps:
  - caption: c
    actions:
      - send: {from: i, to: d, layers: [dns: {}]}
"""
