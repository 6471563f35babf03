"""The first eight scenes against what real Linux sent when each was rebuilt in network namespaces
(docs/scenes/checks.md): the numbers below were read off those captures, so a change to a scene or
to the simulator that makes the scene disagree with real traffic fails here."""

from __future__ import annotations

import pytest
from scapy.layers.inet import ICMP, IP, TCP
from scapy.layers.l2 import Ether

from animator.engine.timeline import MessageTrack
from animator.model import load_scene
from tests.conftest import REPO
from tests.scenekit import timeline

CHECKED = (
    "tcp-handshake",
    "http-get",
    "home-nat",
    "switch-learning",
    "router-hop",
    "iptables",
    "load-balancing-l4-vs-l7",
    "connect-tunnel",
)


def frames(name: str) -> list[Ether]:
    return [Ether(f) for m in timeline(name).messages for f in m.frames if f is not None]


def last(track: MessageTrack) -> Ether:
    frame = [f for f in track.frames if f is not None][-1]
    return Ether(frame)


@pytest.mark.parametrize("name", CHECKED)
def test_the_first_step_tells_the_lecturer_how_the_scene_was_checked(name: str) -> None:
    scene = load_scene(REPO / "scenes" / f"{name}.yaml")
    assert "How this was checked" in (scene.steps[0].notes or "")
    assert "How this was checked" in (REPO / "scenes" / f"{name}.yaml").read_text().split("\nformat: 1")[0]


def test_the_syn_is_the_one_linux_sends_without_timestamps() -> None:
    syn, _synack, ack = (Ether(m.frames[0]) for m in timeline("tcp-handshake").messages[:3])
    # Linux with tcp_timestamps=0 and a 6 MB tcp_rmem max: MSS 1460, NOP, NOP, SACK_PERM, NOP, WS 7.
    assert bytes(syn[TCP])[20:32].hex() == "020405b40101040201030307"
    assert (syn[TCP].window, ack[TCP].window, syn[IP].ttl, str(syn[IP].flags)) == (64240, 502, 64, "DF")


def test_ping_sets_df_on_the_request_and_not_on_the_reply_as_linux_ping_does() -> None:
    echoes = [f for f in frames("switch-learning") + frames("router-hop") if ICMP in f and f[ICMP].type in (0, 8)]
    assert {(f[ICMP].type, str(f[IP].flags)) for f in echoes} == {(8, "DF"), (0, "")}


def test_the_server_behind_nat_and_one_more_router_sees_ttl_62() -> None:
    for name in ("home-nat", "http-get"):
        syn = next(m for m in timeline(name).messages if m.frames and TCP in Ether(m.frames[0]))
        assert last(syn)[IP].ttl == 62, name


def test_the_l7_proxy_adds_57_bytes_of_forwarding_headers_like_the_real_one() -> None:
    requests = [f for f in frames("load-balancing-l4-vs-l7") if TCP in f and bytes(f[TCP].payload).startswith(b"GET /api/")]
    sizes = sorted({len(f[TCP].payload) for f in requests})
    assert sizes == [87, 144]  # X-Forwarded-For: 198.51.100.23 (32) + X-Forwarded-Proto: http (25)
