"""Every connection in every built-in scene ends in states its two ends can both be in.

A scene may stop anywhere, but not half-way through something the kernels would have finished
by themselves: a client ESTABLISHED while its server is still SYN_RCVD (the final ACK never
sent), a server CLOSED beside a client still ESTABLISHED. The ends of one connection are found by
their sequence numbers, which no NAT or balancer on the way changes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

import pytest

from animator.engine.sim.devices.stack import Stack
from animator.engine.sim.simulation import Simulation
from animator.engine.sim.tcp import Connection
from animator.model import load_scene
from animator.packets import build_layers
from tests.conftest import REPO

SCENES = sorted(p for p in (REPO / "scenes").glob("*.yaml") if not p.name.endswith(".deck.yaml"))

#: States the two ends of one connection can rest in together (nothing in flight).
AT_REST = {
    ("ESTABLISHED", "ESTABLISHED"),
    ("FIN_WAIT_2", "CLOSE_WAIT"),
    ("TIME_WAIT", "CLOSED"),
    ("CLOSED", "CLOSED"),
}
#: One end alone is fine in these: its peer has forgotten the connection, or never heard of it.
ALONE = {"TIME_WAIT", "CLOSED", "SYN_SENT"}


def _spoofed(sim: Simulation, conn: Connection) -> bool:
    """A half-open entry for a SYN whose source no node has (a SYN flood's forged address): no peer end exists."""
    return conn.state == "SYN_RCVD" and sim.net.owner_of(ipaddress.ip_address(conn.remote[0])) is None


def _ends(sim: Simulation) -> Iterator[tuple[str, Connection]]:
    for node, device in sim.devices.items():
        if isinstance(device, Stack):
            for conn in device.conns.values():
                if conn.state not in ("LISTEN",):
                    yield node, conn


@pytest.mark.parametrize("path", SCENES, ids=[p.stem for p in SCENES])
def test_every_connection_ends_in_states_both_ends_can_share(path: object) -> None:
    scene = load_scene(path)  # type: ignore[arg-type]
    sim = Simulation(scene, lambda a, b: 0.01, build_layers)
    sim.run()
    ends = list(_ends(sim))
    problems = []
    for node, conn in ends:
        partners = [
            (other, c)
            for other, c in ends
            if (other, c) != (node, conn) and c.irs == conn.iss and (conn.irs == c.iss or conn.state == "SYN_SENT")
        ]
        down = any(sim.is_down(p) != "no" for p in conn.peers if p in sim.devices)
        if not partners:
            if conn.state not in ALONE and not down and sim.is_down(node) == "no" and not _spoofed(sim, conn):
                problems.append(f"{node} {conn.local}→{conn.remote} {conn.state} with no peer end")
            continue
        if conn.closing and conn.state == "ESTABLISHED":
            problems.append(f"{node} {conn.local}→{conn.remote} still ESTABLISHED after Connection: close")
        other, peer = partners[0]
        pair = (conn.state, peer.state)
        if pair not in AT_REST and pair[::-1] not in AT_REST and sim.is_down(other) == "no" and sim.is_down(node) == "no":
            problems.append(f"{node} {conn.state} but {other} {peer.state} ({conn.local}→{conn.remote})")
    assert not problems, problems


def test_a_stopped_program_closes_its_port_but_the_machine_is_not_shown_down() -> None:
    from tests.scenekit import timeline

    bad = timeline("bad-gateway")
    crash = next(i for i, step in enumerate(bad.scene.steps, start=1) if step.id == "crash")
    dead = next(i for i, step in enumerate(bad.scene.steps, start=1) if step.id == "dead")
    assert bad.state_at(bad.boundary(crash)).badges.get("app") == "port 8080 closed"
    assert bad.state_at(bad.boundary(dead)).badges.get("app") == "DOWN"


TCP_STATES = ("SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT")


@pytest.mark.parametrize("path", SCENES, ids=[p.stem for p in SCENES])
def test_no_bubble_names_a_tcp_state_its_nodes_badge_has_left(path: object) -> None:
    """tcp-handshake once ended on a "TIME_WAIT: wait 2×MSL" bubble beside a CLOSED badge."""
    from animator.engine import build_timeline

    timeline = build_timeline(load_scene(path))  # type: ignore[arg-type]
    wrong = []
    for step in range(1, len(timeline.scene.steps) + 1):
        frame = timeline.state_at(timeline.boundary(step))
        for bubble in frame.bubbles:
            named = next((s for s in TCP_STATES if bubble.text.startswith(s)), None)
            if named is not None and frame.badges.get(bubble.node) not in (named, None):
                wrong.append(f"step {step}: {bubble.node} says {bubble.text!r} beside {frame.badges.get(bubble.node)}")
    assert not wrong, wrong
