"""Each device rule, checked on the bytes it puts on the wire.

Scenes here are small on purpose: one rule per scene, so a failure names the rule that broke.
Frames are parsed back with scapy and checksums recomputed independently of the simulator.
"""

from __future__ import annotations

import textwrap

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether

from animator.engine import build_timeline
from animator.engine.sim.network import auto_mac
from animator.engine.timeline import MessageTrack, Timeline
from animator.model import SceneLoadError, load_scene_text
from tests.scenekit import frame_on


def simulate(text: str) -> Timeline:
    return build_timeline(load_scene_text(textwrap.dedent(text), "scene.yaml"))


def track(timeline: Timeline, track_id: str) -> MessageTrack:
    return next(m for m in timeline.messages if m.id == track_id)


def checksums_ok(frame: Ether) -> bool:
    """Recompute IP and TCP/UDP checksums from scratch and compare with what is on the wire."""
    ip = frame[IP]
    fresh = Ether(bytes(frame))
    rebuilt = fresh.copy()
    del rebuilt[IP].chksum
    ok = Ether(bytes(rebuilt))[IP].chksum == ip.chksum
    for layer in (TCP, UDP):
        if layer in fresh:
            rebuilt = fresh.copy()
            del rebuilt[layer].chksum
            ok &= Ether(bytes(rebuilt))[layer].chksum == fresh[layer].chksum
    return bool(ok)


ROUTED = """\
format: 1
title: routed
nodes:
  - {id: a, kind: host, ipv4: 10.0.1.10/24, mac: "02:00:00:00:01:0a"}
  - {id: r, kind: router, ipv4: [10.0.1.1/24, 10.0.2.1/24], mac: "02:00:00:00:00:01"}
  - {id: b, kind: server, ipv4: 10.0.2.20/24, mac: "02:00:00:00:02:14"}
links:
  - {between: [a, r]}
  - {between: [r, b]}
steps:
  - caption: SYN
    actions:
      - send: {from: a, to: b, layers: [{tcp: {dport: 80, flags: S, sport: 40000, seq: 1000}}]}
  - caption: SYN-ACK
    actions:
      - send: {from: b, to: a, layers: [{tcp: {flags: SA, seq: 5000}}]}
  - caption: ACK
    actions:
      - send: {from: a, to: b, layers: [tcp]}
  - caption: low TTL
    actions:
      - send: {from: a, to: b, layers: [{ip: {ttl: 1}}, {udp: {dport: 33434}}]}
"""


def test_router_decrements_ttl_rewrites_macs_and_recomputes_the_checksum() -> None:
    tl = simulate(ROUTED)
    syn = track(tl, "s1.1")
    before, after = frame_on(syn, "a", "r"), frame_on(syn, "r", "b")
    assert (before[IP].ttl, after[IP].ttl) == (64, 63)
    assert (before.src, before.dst) == ("02:00:00:00:01:0a", "02:00:00:00:00:01")
    assert (after.src, after.dst) == ("02:00:00:00:00:01", "02:00:00:00:02:14")
    assert before[IP].chksum != after[IP].chksum
    assert checksums_ok(before) and checksums_ok(after)
    # Everything but TTL, checksum and the MAC header is untouched by routing.
    assert bytes(before[TCP]) == bytes(after[TCP])
    assert (after[IP].src, after[IP].dst) == ("10.0.1.10", "10.0.2.20")
    assert any("TTL 64 → 63" in c for c in syn.changes[1])


def test_tcp_numbers_follow_the_handshake() -> None:
    tl = simulate(ROUTED)
    syn = frame_on(track(tl, "s1.1"), "a", "r")[TCP]
    synack = frame_on(track(tl, "s2.1"), "b", "r")[TCP]
    ack = frame_on(track(tl, "s3.1"), "a", "r")[TCP]
    assert (syn.flags, syn.seq, syn.ack) == ("S", 1000, 0)
    assert (synack.flags, synack.seq, synack.ack, synack.sport, synack.dport) == ("SA", 5000, 1001, 80, 40000)
    assert (ack.flags, ack.seq, ack.ack) == ("A", 1001, 5001)
    assert dict(syn.options)["MSS"] == 1460
    assert tl.state_at(tl.boundary(1)).badges == {"a": "SYN_SENT", "b": "SYN_RCVD"}
    assert tl.state_at(tl.boundary(3)).badges == {"a": "ESTABLISHED", "b": "ESTABLISHED"}


def test_ttl_reaching_zero_is_dropped_with_icmp_time_exceeded_quoting_the_packet() -> None:
    tl = simulate(ROUTED)
    probe = track(tl, "s4.1")
    assert probe.dropped and probe.path == ("a", "r")
    error = next(m for m in tl.messages if m.parent == "s4.1")
    icmp = frame_on(error, "r", "a")
    assert (icmp[ICMP].type, icmp[ICMP].code) == (11, 0)
    assert icmp[IP].src == "10.0.1.1" and icmp[IP].dst == "10.0.1.10"
    quoted = bytes(icmp[ICMP].payload)
    assert quoted == bytes(frame_on(probe, "a", "r")[IP])[:28]  # IP header + first 8 bytes, RFC 792
    assert checksums_ok(icmp)


NAT = """\
format: 1
title: nat
nodes:
  - {id: l1, kind: host, ipv4: 192.168.1.10/24}
  - {id: l2, kind: host, ipv4: 192.168.1.11/24}
  - {id: sw, kind: switch}
  - {id: gw, kind: nat, ipv4: [192.168.1.1/24, 203.0.113.7/24], show_tables: NAT table}
  - {id: net, kind: internet}
  - {id: srv, kind: server, ipv4: 198.51.100.80/24}
links:
  - {between: [l1, sw]}
  - {between: [l2, sw]}
  - {between: [sw, gw]}
  - {between: [gw, net]}
  - {between: [net, srv]}
steps:
  - caption: l1 connects
    actions:
      - send: {from: l1, to: srv, layers: [{tcp: {sport: 51000, dport: 443, flags: S}}]}
  - caption: l2 connects from the same port
    actions:
      - send: {from: l2, to: srv, layers: [{tcp: {sport: 51000, dport: 443, flags: S}}]}
  - caption: the server answers l2
    actions:
      - send: {from: srv, to: l2, layers: [{tcp: {flags: SA}}]}
  - caption: unsolicited
    actions:
      - send: {from: srv, to: gw, layers: [{tcp: {sport: 443, dport: 40999, flags: S}}]}
"""


def test_nat_masquerades_keeps_a_free_port_and_picks_another_when_taken() -> None:
    tl = simulate(NAT)
    first = frame_on(track(tl, "s1.1"), "gw", "net")
    second = frame_on(track(tl, "s2.1"), "gw", "net")
    assert (first[IP].src, first[TCP].sport) == ("203.0.113.7", 51000)
    assert (second[IP].src, second[TCP].sport) == ("203.0.113.7", 51001)
    assert checksums_ok(first) and checksums_ok(second)
    table = tl.state_at(tl.boundary(2)).tables["gw"]
    assert table[0].title == "NAT table"
    assert table[0].rows == (
        ("tcp", "192.168.1.10:51000", "203.0.113.7:51000"),
        ("tcp", "192.168.1.11:51000", "203.0.113.7:51001"),
    )
    # Step back: the second mapping is not there yet.
    assert tl.state_at(tl.boundary(1)).tables["gw"][0].rows == (("tcp", "192.168.1.10:51000", "203.0.113.7:51000"),)


def test_nat_translates_the_reply_back_to_the_right_inside_host() -> None:
    tl = simulate(NAT)
    reply = track(tl, "s3.1")
    outside, inside = frame_on(reply, "net", "gw"), frame_on(reply, "gw", "sw")
    assert (outside[IP].dst, outside[TCP].dport) == ("203.0.113.7", 51001)
    assert (inside[IP].dst, inside[TCP].dport) == ("192.168.1.11", 51000)
    assert reply.path[-1] == "l2" and not reply.dropped
    assert checksums_ok(inside)


def test_nat_drops_an_unsolicited_packet() -> None:
    tl = simulate(NAT)
    probe = track(tl, "s4.1")
    assert probe.dropped and probe.path[-1] == "gw"
    assert "no NAT mapping" in probe.fate


SWITCHED = """\
format: 1
title: switch
nodes:
  - {id: a, kind: host, ipv4: 10.0.0.1/24, mac: "02:00:00:00:00:0a"}
  - {id: b, kind: host, ipv4: 10.0.0.2/24, mac: "02:00:00:00:00:0b"}
  - {id: c, kind: host, ipv4: 10.0.0.3/24, mac: "02:00:00:00:00:0c"}
  - {id: sw, kind: switch}
links:
  - {between: [a, sw]}
  - {between: [b, sw]}
  - {between: [c, sw]}
steps:
  - caption: a to b, b unknown
    actions:
      - send: {from: a, to: b, layers: [{udp: {dport: 9}}]}
  - caption: b to a, a known
    actions:
      - send: {from: b, to: a, layers: [{udp: {dport: 9}}]}
"""


def test_switch_floods_an_unknown_destination_then_forwards_once_learned() -> None:
    tl = simulate(SWITCHED)
    step1 = [m for m in tl.messages if m.step == 1]
    assert sorted(m.path[-1] for m in step1) == ["b", "c"]  # flooded to both other ports
    to_c = next(m for m in step1 if m.path[-1] == "c")
    assert to_c.vanishes and "not for me" in to_c.fate
    step2 = [m for m in tl.messages if m.step == 2]
    assert [m.path for m in step2] == [("b", "sw", "a")]  # a was learned: no flood
    rows = tl.state_at(tl.boundary(2)).device_tables["sw"][0].rows
    assert rows == (("02:00:00:00:00:0a", "a"), ("02:00:00:00:00:0b", "b"))
    assert tl.state_at(tl.boundary(1)).device_tables["sw"][0].rows == (("02:00:00:00:00:0a", "a"),)
    assert tl.state_at(0.0).device_tables.get("sw") is None


def test_arp_auto_resolves_before_the_first_packet() -> None:
    tl = simulate(SWITCHED.replace("title: switch", "title: switch\narp: auto"))
    step1 = sorted((m for m in tl.messages if m.step == 1), key=lambda m: m.start)
    request = Ether(step1[0].frames[0])
    assert ARP in request and request.dst == "ff:ff:ff:ff:ff:ff" and request[ARP].pdst == "10.0.0.2"
    reply = next(m for m in step1 if m.label.startswith("ARP reply"))
    data = next(m for m in step1 if UDP in Ether(m.frames[0]))
    assert data.start > reply.end  # the datagram waits for the answer
    assert Ether(data.frames[0]).dst == "02:00:00:00:00:0b"
    assert tl.state_at(tl.boundary(1)).device_tables["a"][0].rows == (("10.0.0.2", "02:00:00:00:00:0b"),)


FIREWALL = """\
format: 1
title: firewall
nodes:
  - {id: c, kind: host, ipv4: 10.0.1.10/24}
  - id: fw
    kind: firewall
    ipv4: [10.0.1.1/24, 10.0.2.1/24]
    firewall:
      forward_policy: DROP
      rules:
        - {chain: FORWARD, state: [ESTABLISHED, RELATED], action: ACCEPT}
        - {chain: FORWARD, proto: tcp, dport: 80, action: ACCEPT}
        - {chain: FORWARD, proto: tcp, dport: 22, action: DROP}
        - {chain: FORWARD, proto: tcp, dport: 23, action: REJECT, reject_with: tcp-reset}
  - {id: s, kind: server, ipv4: 10.0.2.20/24}
links:
  - {between: [c, fw]}
  - {between: [fw, s]}
steps:
  - caption: web
    actions:
      - send: {from: c, to: s, layers: [{tcp: {dport: 80, flags: S}}]}
  - caption: reply
    actions:
      - send: {from: s, to: c, layers: [{tcp: {flags: SA}}]}
  - caption: ssh
    actions:
      - send: {from: c, to: s, layers: [{tcp: {dport: 22, flags: S}}]}
  - caption: telnet
    actions:
      - send: {from: c, to: s, layers: [{tcp: {dport: 23, flags: S, sport: 45000, seq: 7}}]}
"""


def test_firewall_accepts_drops_silently_and_rejects_with_rst() -> None:
    tl = simulate(FIREWALL)
    assert track(tl, "s1.1").path == ("c", "fw", "s") and not track(tl, "s1.1").dropped
    assert track(tl, "s2.1").path == ("s", "fw", "c")  # the reply is ESTABLISHED
    ssh = track(tl, "s3.1")
    assert ssh.dropped and ssh.path == ("c", "fw") and "rule 3" in ssh.fate
    assert not [m for m in tl.messages if m.parent == "s3.1"]  # DROP: silence
    telnet = track(tl, "s4.1")
    rst = next(m for m in tl.messages if m.parent == "s4.1")
    answer = frame_on(rst, "fw", "c")[TCP]
    assert (answer.flags, answer.sport, answer.dport, answer.ack) == ("RA", 23, 45000, 8)
    assert telnet.dropped
    rows = tl.state_at(tl.boundary(4)).device_tables["fw"]
    firewall = next(t for t in rows if t.title == "Firewall")
    # iptables -L -v: the policy line, then each rule's packets and bytes (a SYN with its 12 bytes of options: 52 bytes)
    # ESTABLISHED also passed the client's own ACK of the SYN-ACK (40 bytes), which its kernel sent
    assert [r[1:3] for r in firewall.rows] == [("0", "0"), ("2", "92")] + [("1", "52")] * 3
    assert firewall.rows[0][3] == "policy DROP"
    assert firewall.rows[4][0].startswith("▶")  # the rule that matched last is marked


BALANCED = """\
format: 1
title: lb
nodes:
  - {id: c, kind: host, ipv4: 10.0.0.10/24}
  - id: lb
    kind: load-balancer
    ipv4: [10.0.0.100/24, 10.0.1.1/24]
    balancer: {backends: [w1, w2], port: 80, backend_port: 8080}
  - {id: w1, kind: server, ipv4: 10.0.1.11/24, gateway: 10.0.1.1}
  - {id: w2, kind: server, ipv4: 10.0.1.12/24, gateway: 10.0.1.1}
  - {id: sw, kind: switch}
links:
  - {between: [c, lb]}
  - {between: [lb, sw]}
  - {between: [sw, w1]}
  - {between: [sw, w2]}
steps:
  - caption: first connection
    actions:
      - send: {from: c, to: lb, layers: [{tcp: {dport: 80, flags: S, sport: 40001}}]}
  - caption: reply
    actions:
      - send: {from: w1, to: c, layers: [{tcp: {flags: SA}}]}
  - caption: second connection
    actions:
      - send: {from: c, to: lb, layers: [{tcp: {dport: 80, flags: S, sport: 40002}}]}
"""


def test_l4_balancer_rewrites_the_vip_round_robin_and_the_reply_back() -> None:
    tl = simulate(BALANCED)
    first = track(tl, "s1.1")
    assert first.path[-1] == "w1"
    inside = frame_on(first, "lb", "sw")
    assert (inside[IP].dst, inside[TCP].dport, inside[IP].src) == ("10.0.1.11", 8080, "10.0.0.10")
    assert checksums_ok(inside)
    reply = frame_on(track(tl, "s2.1"), "lb", "c")
    assert (reply[IP].src, reply[TCP].sport) == ("10.0.0.100", 80)
    assert track(tl, "s3.1").path[-1] == "w2"
    pool = next(t for t in tl.state_at(tl.boundary(3)).device_tables["lb"] if t.title == "Pool")
    assert pool.rows == (("w1", "up", "1"), ("w2", "up", "1"))


PROXIED = """\
format: 1
title: l7
nodes:
  - {id: c, kind: host, ipv4: 10.0.0.10/24}
  - id: rp
    kind: reverse-proxy
    ipv4: [10.0.0.100/24, 10.0.1.1/24]
    balancer:
      port: 80
      pools:
        - {path: /api, backends: api}
        - {path: /, backends: [web, dead]}
  - {id: api, kind: server, ipv4: 10.0.1.11/24}
  - {id: web, kind: server, ipv4: 10.0.1.12/24}
  - {id: dead, kind: server, ipv4: 10.0.1.13/24, down: DOWN}
  - {id: sw, kind: switch}
links:
  - {between: [c, rp]}
  - {between: [rp, sw]}
  - {between: [sw, api]}
  - {between: [sw, web]}
  - {between: [sw, dead]}
steps:
  - caption: handshake
    actions:
      - send: {from: c, to: rp, layers: [{tcp: {flags: S, dport: 80}}]}
  - caption: syn-ack
    actions:
      - send: {from: rp, to: c, layers: [{tcp: {flags: SA}}]}
  - caption: ack
    actions:
      - send: {from: c, to: rp, layers: [tcp]}
  - caption: GET /api/users
    actions:
      - send: {from: c, to: rp, layers: [tcp, {http: {method: GET, path: /api/users, headers: {Host: shop.example}}}]}
  - caption: response
    actions:
      - send: {from: api, to: c, layers: [tcp, {http: {status: 200, reason: OK, body: "[]"}}]}
"""


def test_l7_proxy_terminates_tcp_routes_by_path_and_adds_x_forwarded_for() -> None:
    tl = simulate(PROXIED.replace("down: DOWN", "down: no"))
    request = track(tl, "s4.1")
    assert request.path[-1] == "rp"  # the client's connection ends at the proxy
    upstream = next(m for m in tl.messages if m.parent == "s4.1")
    assert upstream.path[-1] == "api"
    frame = frame_on(upstream, "rp", "sw")
    payload = bytes(frame[TCP].payload)
    assert payload.startswith(b"GET /api/users HTTP/1.1\r\n")
    assert b"X-Forwarded-For: 10.0.0.10\r\n" in payload
    assert frame[IP].src == "10.0.1.1"  # the backend sees the proxy, not the client
    client_seq = frame_on(request, "c", "rp")[TCP].seq
    assert frame[TCP].seq != client_seq  # two connections, two sequence spaces
    response = track(tl, "s5.1")
    assert response.path == ("api", "sw", "rp")
    relayed = next(m for m in tl.messages if m.parent == "s5.1")
    back = frame_on(relayed, "rp", "c")
    assert bytes(back[TCP].payload).startswith(b"HTTP/1.1 200 OK\r\n")
    assert back[TCP].ack == frame_on(request, "c", "rp")[TCP].seq + len(frame_on(request, "c", "rp")[TCP].payload)


@pytest.mark.parametrize(("down", "status"), [("refused", b"502 Bad Gateway"), ("timeout", b"504 Gateway Timeout")])
def test_l7_proxy_maps_a_dead_upstream_to_502_or_504(down: str, status: bytes) -> None:
    text = PROXIED.replace("down: DOWN", f"down: {down}").replace("backends: [web, dead]", "backends: [dead]")
    text = text.replace("path: /api/users", "path: /").split("  - caption: response")[0]
    tl = simulate(text)
    answers = [m for m in tl.messages if m.step == 4 and m.path[-1] == "c" and m.protocol == "http"]
    assert len(answers) == 1
    assert status in bytes(frame_on(answers[0], "rp", "c")[TCP].payload)


FORWARD_PROXY = """\
format: 1
title: connect
nodes:
  - {id: c, kind: host, ipv4: 10.0.0.10/24}
  - {id: px, kind: proxy, ipv4: [10.0.0.3/24, 10.0.1.3/24]}
  - {id: origin, kind: server, label: example.com, ipv4: 10.0.1.50/24}
links:
  - {between: [c, px]}
  - {between: [px, origin]}
steps:
  - caption: SYN
    actions:
      - send: {from: c, to: px, layers: [{tcp: {flags: S, dport: 3128}}]}
  - caption: SYN-ACK
    actions:
      - send: {from: px, to: c, layers: [{tcp: {flags: SA}}]}
  - caption: ACK
    actions:
      - send: {from: c, to: px, layers: [tcp]}
  - caption: CONNECT
    actions:
      - send:
          from: c
          to: px
          layers: [tcp, {raw: {load: "CONNECT example.com:443 HTTP/1.1\\r\\nHost: example.com:443\\r\\n\\r\\n"}}]
  - caption: ClientHello through the tunnel
    actions:
      - send: {from: c, to: px, layers: [tcp, {raw: {load: "\\x16\\x03\\x01\\x00\\x05hello"}}]}
"""


def test_forward_proxy_answers_connect_then_relays_bytes_untouched() -> None:
    tl = simulate(FORWARD_PROXY)
    # The proxy first connects to the origin (SYN, SYN-ACK, ACK), then answers 200.
    upstream = [m for m in tl.messages if m.step == 4 and "origin" in m.path]
    assert [str(frame_on(m, *m.path[:2])[TCP].flags) for m in upstream] == ["S", "SA", "A"]
    established = next(m for m in tl.messages if m.step == 4 and m.label.startswith("200"))
    assert established.path == ("px", "c")
    assert bytes(frame_on(established, "px", "c")[TCP].payload) == b"HTTP/1.1 200 Connection established\r\n\r\n"
    relayed = next(m for m in tl.messages if m.parent == "s5.1")
    assert relayed.path == ("px", "origin")
    # Raw frame tails: dissecting port-443 bytes as TLS (once scapy's TLS layer is loaded) would rebuild them.
    assert track(tl, "s5.1").frames[0].endswith(b"\x16\x03\x01\x00\x05hello")
    assert relayed.frames[0].endswith(b"\x16\x03\x01\x00\x05hello")


def test_stepping_back_shows_exactly_the_state_of_that_step() -> None:
    """Rollback: the frame at step k is the same after visiting later steps and coming back."""
    for text in (NAT, FIREWALL, SWITCHED):
        tl = simulate(text)
        first = [tl.state_at(tl.boundary(k)) for k in range(tl.step_count + 1)]
        for k in reversed(range(tl.step_count + 1)):
            again = tl.state_at(tl.boundary(k))
            assert (again.badges, again.tables, again.device_tables, again.packets) == (
                first[k].badges,
                first[k].tables,
                first[k].device_tables,
                first[k].packets,
            )


def test_packet_detail_shows_a_device_in_and_out() -> None:
    tl = simulate(ROUTED)
    syn = track(tl, "s1.1")
    at_router = (syn.hop_ends[0] + syn.hop_starts[1]) / 2  # dwelling inside the router
    detail = tl.packet_detail("s1.1", at_router)
    assert detail is not None and detail.node == "r"
    assert Ether(detail.frame_in)[IP].ttl == 64 and Ether(detail.frame_out)[IP].ttl == 63
    assert any("TTL" in c for c in detail.changes)
    assert tl.packet_detail("s1.1", syn.start - 0.01) is None
    assert tl.packet_detail("nope", 1.0) is None


def test_a_send_the_network_cannot_carry_is_a_scene_error_at_the_send() -> None:
    text = ROUTED.replace("ipv4: 10.0.2.20/24, mac", "ipv6: 2001:db8::20/64, mac")
    with pytest.raises(SceneLoadError) as info:
        simulate(text)
    assert str(info.value.errors[0]) == "scene.yaml:13:15: step 1: 'b' has no IPv4 address to send to"


def test_auto_macs_are_stable_and_locally_administered() -> None:
    assert auto_mac("router") == auto_mac("router") != auto_mac("router2")
    assert int(auto_mac("x")[:2], 16) & 0b10  # the locally administered bit


DNS_SCENE = """\
format: 1
title: dns
nodes:
  - {id: c, kind: host, ipv4: 10.0.0.10/24}
  - id: ns
    kind: dns
    ipv4: 10.0.0.53/24
    zone: [{name: www.example.com, a: 93.184.216.34, ttl: 600}]
links:
  - {between: [c, ns]}
steps:
  - caption: query
    actions:
      - send: {from: c, to: ns, layers: [{dns: {qname: www.example.com}}]}
  - caption: answer
    actions:
      - send: {from: ns, to: c, layers: [dns]}
  - caption: query for a name the zone lacks
    actions:
      - send: {from: c, to: ns, layers: [{dns: {qname: nope.example.com}}]}
  - caption: answer
    actions:
      - send: {from: ns, to: c, layers: [dns]}
"""


def test_a_name_server_answers_from_its_zone_with_the_query_id() -> None:
    from scapy.layers.dns import DNS

    tl = simulate(DNS_SCENE)
    query = frame_on(track(tl, "s1.1"), "c", "ns")
    answer = frame_on(track(tl, "s2.1"), "ns", "c")
    assert (query[UDP].dport, answer[UDP].sport, answer[UDP].dport) == (53, 53, query[UDP].sport)
    assert answer[DNS].id == query[DNS].id and answer[DNS].qr == 1 and answer[DNS].aa == 1
    assert (answer[DNS].an[0].rdata, answer[DNS].an[0].ttl) == ("93.184.216.34", 600)
    missing = frame_on(track(tl, "s4.1"), "ns", "c")
    assert missing[DNS].rcode == 3 and not missing[DNS].an  # NXDOMAIN
    assert track(tl, "s2.1").label == "A 93.184.216.34"


def test_l7_proxy_ends_tls_and_sends_the_reply_back_inside_a_tls_record() -> None:
    text = PROXIED.replace("down: DOWN", "down: no").replace("flags: S, dport: 80", "flags: S, dport: 443")
    text = text.replace(
        "layers: [tcp, {http: {method: GET, path: /api/users, headers: {Host: shop.example}}}]",
        "layers: [tcp, {tls: {msg: application_data}}, {http: {method: GET, path: /api/users, headers: {Host: shop.example}}}]",
    )
    tl = simulate(text)
    upstream = next(m for m in tl.messages if m.parent == "s4.1")
    payload = bytes(frame_on(upstream, "rp", "sw")[TCP].payload)
    assert payload.startswith(b"GET /api/users HTTP/1.1\r\n")  # plain HTTP to the backend
    assert b"X-Forwarded-Proto: https\r\n" in payload
    relayed = next(m for m in tl.messages if m.parent == "s5.1")
    back = bytes(frame_on(relayed, "rp", "c")[TCP].payload)
    assert back[:3] == b"\x17\x03\x03" and int.from_bytes(back[3:5], "big") == len(back) - 5
    assert back[5:].startswith(b"HTTP/1.1 200 OK\r\n")
    assert relayed.protocol == "tls"


FAILOVER = """\
format: 1
title: vip
nodes:
  - {id: c, kind: host, ipv4: 10.0.0.10/24, mac: "02:00:00:00:00:0c"}
  - {id: sw, kind: switch}
  - {id: a, kind: server, ipv4: [10.0.0.21/24, 10.0.0.100/24], mac: "02:00:00:00:00:0a"}
  - {id: b, kind: server, ipv4: [10.0.0.22/24, 10.0.0.100/24], mac: "02:00:00:00:00:0b"}
links:
  - {between: [c, sw]}
  - {between: [sw, a]}
  - {between: [sw, b]}
steps:
  - caption: to the VIP, served by a
    actions:
      - send: {from: c, to: a, layers: [{ip: {dst: 10.0.0.100}}, {udp: {dport: 53}}]}
  - caption: a fails, b announces the VIP
    actions:
      - device: {node: a, down: timeout}
      - send:
          from: b
          to: c
          at: 0.2
          layers: [{arp: {op: is-at, psrc: 10.0.0.100, pdst: 10.0.0.100, hwdst: "ff:ff:ff:ff:ff:ff"}}]
  - caption: to the VIP again, now served by b
    actions:
      - send: {from: c, to: a, layers: [{ip: {dst: 10.0.0.100}}, {udp: {dport: 53}}]}
"""


def test_a_virtual_ip_moves_with_a_gratuitous_arp_and_a_failed_device_drops_frames() -> None:
    tl = simulate(FAILOVER)
    assert track(tl, "s1.1").path[-1] == "a"
    assert tl.state_at(tl.boundary(2)).badges.get("a") == "DOWN"
    assert tl.state_at(tl.boundary(2)).device_tables["c"][0].rows == (("10.0.0.100", "02:00:00:00:00:0b"),)
    after = track(tl, "s3.1")
    assert after.path == ("c", "sw", "b") and not after.dropped
    assert frame_on(after, "c", "sw").dst == "02:00:00:00:00:0b"
    assert tl.state_at(tl.boundary(1)).badges.get("a") is None  # stepping back: a is up again


def test_a_caching_proxy_answers_a_repeated_get_itself_with_its_age() -> None:
    text = (
        PROXIED.replace("down: DOWN", "down: no")
        .replace("    balancer:\n      port: 80\n", "    balancer:\n      port: 80\n      cache: true\n")
        .replace('reason: OK, body: "[]"}', 'reason: OK, headers: {Cache-Control: "max-age=60"}, body: "[]"}')
    )
    text += """\
  - caption: the same GET again
    actions:
      - send: {from: c, to: rp, layers: [tcp, {http: {method: GET, path: /api/users, headers: {Host: shop.example}}}]}
"""
    tl = simulate(text)
    first = bytes(frame_on(next(m for m in tl.messages if m.parent == "s5.1"), "rp", "c")[TCP].payload)
    assert b"X-Cache: MISS\r\n" in first
    answer = [m for m in tl.messages if m.parent == "s6.1"]
    assert [m.path for m in answer] == [("rp", "c")]  # no request to any backend
    cached = bytes(frame_on(answer[0], "rp", "c")[TCP].payload)
    assert cached.startswith(b"HTTP/1.1 200 OK\r\n") and b"X-Cache: HIT\r\n" in cached and b"\r\nAge: " in cached
    assert cached.endswith(b"\r\n\r\n[]")
    cache = next(t for t in tl.state_at(tl.boundary(6)).device_tables["rp"] if t.title == "Cache")
    ((path, variant, _, age, left, etag),) = cache.rows
    assert (path, variant, etag) == ("/api/users", "—", "—") and int(age) + int(left) == 60


def test_a_recorded_frame_travels_its_path_unchanged() -> None:
    """Frames from a capture are what one interface saw: no device rewrites or drops them again."""
    frame = bytes(Ether(src="02:00:00:00:00:0b", dst="02:00:00:00:00:0a") / IP(src="10.0.2.20", dst="10.0.1.10", ttl=50) / TCP())
    text = (
        ROUTED.split("steps:")[0]
        + f"""steps:
  - caption: a recorded reply
    actions:
      - send: {{from: b, to: a, frame: "{frame.hex()}"}}
"""
    )
    tl = simulate(text)
    recorded = track(tl, "s1.1")
    assert recorded.path == ("b", "r", "a") and recorded.frames == (frame, frame)
    assert tl.state_at(tl.boundary(1)).badges == {}
