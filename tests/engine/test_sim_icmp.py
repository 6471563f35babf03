"""ICMP errors as Linux sends them: port unreachable from a closed UDP port, the source address
of the interface the error leaves by, and ICMP errors an author writes from a router."""

from __future__ import annotations

from pathlib import Path

from scapy.layers.inet import ICMP, IP, UDP, IPerror, UDPerror
from scapy.layers.inet6 import ICMPv6DestUnreach, ICMPv6TimeExceeded, IPv6
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.engine.check import check_file
from animator.engine.timeline import Timeline
from animator.model import load_scene_text
from tests.scenekit import frame_on

#: pc → r1 → r2 → target. r2 lists its far side first, so "the last address" (the old rule) and
#: "the address facing the sender" differ: only the second is what Linux puts in the error.
TRACE = """\
format: 1
title: traceroute
nodes:
  - {id: pc, kind: host, ipv4: 192.168.1.23/24}
  - {id: r1, kind: router, ipv4: [192.168.1.1/24, 10.0.12.1/30], routes: [{to: 203.0.113.0/24, via: 10.0.12.2}]}
  - {id: r2, kind: router, ipv4: [203.0.113.1/24, 10.0.12.2/30], routes: [{to: 192.168.1.0/24, via: 10.0.12.1}]}
  - {id: target, kind: host, ipv4: 203.0.113.9/24, listen: 22}
links:
  - between: [pc, r1]
  - between: [r1, r2]
  - between: [r2, target]
steps:
  - caption: TTL 1
    actions:
      - send: {from: pc, to: target, layers: [{ip: {ttl: 1}}, {udp: {sport: 33000, dport: 33434}}, {raw: {hex: "%s"}}]}
  - caption: TTL 2
    actions:
      - send: {from: pc, to: target, layers: [{ip: {ttl: 2}}, {udp: {sport: 33001, dport: 33435}}, {raw: {hex: "%s"}}]}
  - caption: TTL 3
    actions:
      - send: {from: pc, to: target, layers: [{ip: {ttl: 3}}, {udp: {sport: 33002, dport: 33436}}, {raw: {hex: "%s"}}]}
""" % (("40" * 32,) * 3)


def _errors(timeline: Timeline) -> list[tuple[str, Ether]]:
    """Each ICMP error as it reached the probe's sender, with the track it answered."""
    found = []
    for message in timeline.messages:
        if message.id.endswith(".icmp"):
            found.append((message.parent or "", frame_on(message, message.path[-2], "pc")))
    return found


def test_a_traceroute_lists_each_routers_near_side_then_the_target_says_port_unreachable() -> None:
    errors = _errors(build_timeline(load_scene_text(TRACE, "t.yaml")))
    assert [(e[IP].src, e[ICMP].type, e[ICMP].code) for _, e in errors] == [
        ("192.168.1.1", 11, 0),
        ("10.0.12.2", 11, 0),  # r2's side facing pc, not its first or last address
        ("203.0.113.9", 3, 3),  # the closed port's own host, from the address the probe was sent to
    ]


def test_an_icmp_error_quotes_the_whole_small_datagram_with_tos_internetwork_control() -> None:
    timeline = build_timeline(load_scene_text(TRACE, "t.yaml"))
    probe = next(m for m in timeline.messages if m.id == "s3.1")
    arrived = frame_on(probe, "r2", "target")[IP]
    _, error = _errors(timeline)[2]
    assert bytes(error[ICMP].payload) == bytes(arrived)  # 60 bytes < 548: all of it, as Linux quotes
    assert error[IP].tos == 0xC0 and not error[IP].flags.DF and error[IP].ttl == 62  # 64, less two routers
    assert error[IPerror].ttl == 1 and error[UDPerror].dport == 33436
    probe_track = next(m for m in timeline.messages if m.id == "s3.1")
    assert "closed" in probe_track.fate


def test_udp_to_a_port_in_listen_or_to_a_flow_the_node_opened_gets_no_error() -> None:
    scene = TRACE.replace("listen: 22", "listen: [22, 33436]")
    timeline = build_timeline(load_scene_text(scene, "t.yaml"))
    assert [e[IP].src for _, e in _errors(timeline)] == ["192.168.1.1", "10.0.12.2"]


ROUTER_WRITES_IT = """\
format: 1
title: an authored ICMP error
nodes:
  - {id: pc, kind: host, ipv4: 192.168.1.23/24}
  - {id: r1, kind: router, ipv4: [192.168.1.1/24, 10.0.12.1/30], routes: [{to: default, via: 10.0.12.2}]}
  - {id: r2, kind: router, ipv4: [10.0.12.2/30, 203.0.113.1/24]}
links:
  - between: [pc, r1]
  - between: [r1, r2]
steps:
  - caption: the docs' own example, sent from a router
    actions:
      - send:
          from: r1
          to: pc
          layers:
            - icmp: {type: %s, code: 0}
            - ip: {src: 192.168.1.23, dst: 203.0.113.9, ttl: 1}
            - udp: {sport: 33000, dport: 33434}
"""


def test_the_scene_format_example_from_a_router_is_an_ipv4_icmp_frame_to_the_sender() -> None:
    timeline = build_timeline(load_scene_text(ROUTER_WRITES_IT % "time-exceeded", "t.yaml"))
    error = timeline.messages[0]
    assert error.path == ("r1", "pc")
    frame = frame_on(error, "r1", "pc")
    assert frame.type == 0x0800
    assert (frame[IP].src, frame[IP].dst, frame[IP].tos) == ("192.168.1.1", "192.168.1.23", 0xC0)
    assert (frame[ICMP].type, frame[IPerror].dst, frame[UDPerror].dport) == (11, "203.0.113.9", 33434)
    assert UDP not in frame  # the quoted header is not a datagram of its own


def test_validate_refuses_a_quoted_datagram_under_an_icmp_message_that_is_no_error(tmp_path: Path) -> None:
    path = tmp_path / "echo.yaml"
    path.write_text(ROUTER_WRITES_IT % "echo-request")
    errors = check_file(path)
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"{path}:18:") and "only an ICMP error" in str(errors[0])


def test_ipv6_gets_icmpv6_errors_from_the_near_side_quoting_the_packet() -> None:
    timeline = build_timeline(load_scene_text(V6_TRACE, "t.yaml"))
    errors = [m for m in timeline.messages if m.id.endswith(".icmp")]
    exceeded, unreachable = (frame_on(m, m.path[-2], "pc") for m in errors)
    assert (exceeded[IPv6].src, exceeded[ICMPv6TimeExceeded].code) == ("2001:db8:1::1", 0)
    assert (unreachable[IPv6].src, unreachable[ICMPv6DestUnreach].code) == ("2001:db8:2::9", 4)  # port unreachable
    probe = frame_on(next(m for m in timeline.messages if m.id == "s2.1"), "r1", "t")
    assert bytes(unreachable[ICMPv6DestUnreach].payload) == bytes(probe[IPv6])  # all of it: under 1232 bytes
    assert unreachable[IPv6].hlim == 63


V6_TRACE = """\
format: 1
title: IPv6 errors
nodes:
  - {id: pc, kind: host, ipv6: "2001:db8:1::23/64"}
  - {id: r1, kind: router, ipv6: ["2001:db8:1::1/64", "2001:db8:2::1/64"]}
  - {id: t, kind: host, ipv6: "2001:db8:2::9/64", gateway: "2001:db8:2::1", listen: 22}
links:
  - between: [pc, r1]
  - between: [r1, t]
steps:
  - caption: hop limit 1
    actions:
      - send: {from: pc, to: t, layers: [{ipv6: {hlim: 1}}, {udp: {dport: 33434}}]}
  - caption: closed port
    actions:
      - send: {from: pc, to: t, layers: [ipv6, {udp: {dport: 33435}}]}
"""
