"""Ladder arrows come straight from the message tracks: per hop, or one per end-to-end message."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from animator.engine.sequence import ladder_arrows, lifeline_order, message_tracks
from animator.engine.timeline import build_timeline
from animator.model import load_scene
from tests.conftest import REPO


def handshake():  # type: ignore[no-untyped-def]
    return build_timeline(load_scene(REPO / "scenes" / "tcp-handshake.yaml"))


def test_lifelines_follow_the_stage_left_to_right() -> None:
    assert lifeline_order(handshake()) == ("client", "sw1", "server")


def test_per_hop_has_one_arrow_per_hop_end_to_end_one_per_message() -> None:
    timeline = handshake()
    tracks = message_tracks(timeline)
    assert len(tracks) == 9  # SYN, SYN-ACK, ACK, data, ACK, FIN, ACK, FIN, ACK
    per_hop = ladder_arrows(timeline)
    end_to_end = ladder_arrows(timeline, end_to_end=True)
    assert len(per_hop) == 18 and len(end_to_end) == 9
    syn = end_to_end[0]
    assert (syn.source, syn.target, syn.label) == ("client", "server", "SYN seq=1000")
    assert [(a.source, a.target) for a in per_hop[:2]] == [("client", "sw1"), ("sw1", "server")]
    assert per_hop[0].end <= per_hop[1].start  # the switch holds the frame a moment before forwarding
    assert syn.start == per_hop[0].start and syn.end == per_hop[1].end


def test_a_dropped_message_ends_in_a_drop_only_on_its_last_hop() -> None:
    timeline = build_timeline(load_scene(REPO / "scenes" / "home-nat.yaml"))
    dropped = [a for a in ladder_arrows(timeline) if a.dropped]
    assert dropped, "home-nat drops the scanner's probe"
    for arrow in dropped:
        hops = [a for a in ladder_arrows(timeline) if a.packet_id == arrow.packet_id]
        assert arrow is hops[-1] or arrow == hops[-1]
        assert not any(a.dropped for a in hops[:-1])


@dataclass(frozen=True)
class FakeTrack:
    id: str
    step: int
    label: str
    protocol: str
    path: tuple[str, ...]
    links: tuple[str, ...]
    hop_starts: tuple[float, ...]
    hop_ends: tuple[float, ...]
    dropped: bool
    parent: str | None = None


def test_end_to_end_follows_parent_chains_to_each_leaf() -> None:
    # A frame from a to the switch, flooded as two copies to b and c.
    first = FakeTrack("m1", 1, "ARP who-has", "arp", ("a", "sw"), ("l1",), (0.0,), (1.0,), False)
    to_b = FakeTrack("m2", 1, "ARP who-has", "arp", ("sw", "b"), ("l2",), (1.2,), (2.0,), False, parent="m1")
    to_c = FakeTrack("m3", 1, "ARP who-has", "arp", ("sw", "c"), ("l3",), (1.2,), (2.5,), True, parent="m1")
    timeline = SimpleNamespace(messages=(first, to_b, to_c))
    arrows = ladder_arrows(timeline, end_to_end=True)
    assert [(a.packet_id, a.source, a.target, a.start, a.end, a.dropped) for a in arrows] == [
        ("m2", "a", "b", 0.0, 2.0, False),
        ("m3", "a", "c", 0.0, 2.5, True),
    ]
    assert len(ladder_arrows(timeline)) == 3
