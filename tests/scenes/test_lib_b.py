"""What a lecturer would notice in the NAT, failover, session and proxy scenes of the library.

Each test checks the packets that make one scene's point: the rewritten address on each side of a
NAT, the frame that dies with the failed server, the RST the standby sends, the 502 that comes at
once and the 504 that waits, the request line before and after a proxy, the cache hit that never
reaches the origin, the sticky backend, and the TLS bytes that cross two proxies unchanged.
"""

from __future__ import annotations

from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import ARP, Ether

from animator.engine.timeline import MessageTrack
from tests.scenekit import frame_on, timeline, tracks


def payload(frame: Ether) -> bytes:
    return bytes(frame[TCP].payload)


def ends(track: MessageTrack) -> tuple[str, int, str, int]:
    packet = Ether(track.frames[-1])
    return packet[IP].src, packet[TCP].sport, packet[IP].dst, packet[TCP].dport


def no_resets(name: str) -> bool:
    return not [m for m in timeline(name).messages if TCP in Ether(m.frames[0]) and Ether(m.frames[0])[TCP].flags.R]


# -- nat-dnat ---------------------------------------------------------------------------------------
def test_port_forward_rewrites_the_destination_in_and_the_source_out() -> None:
    (syn,) = tracks("nat-dnat", 2)
    outside, inside = frame_on(syn, "internet", "natB"), frame_on(syn, "natB", "serverB")
    assert (outside[IP].dst, outside[TCP].dport) == ("203.0.113.7", 8080)
    assert (inside[IP].src, inside[TCP].sport, inside[IP].dst, inside[TCP].dport) == ("198.51.100.23", 50200, "10.0.0.10", 80)
    assert (outside[IP].ttl, inside[IP].ttl) == (63, 62)
    (synack,) = tracks("nat-dnat", 3)
    assert ends(synack) == ("203.0.113.7", 8080, "198.51.100.23", 50200)


def test_overlapping_sites_meet_only_at_translated_addresses() -> None:
    (syn,) = tracks("nat-dnat", 7)
    lan_a, wire, lan_b = frame_on(syn, "laptopA", "natA"), frame_on(syn, "internet", "natB"), frame_on(syn, "natB", "serverB")
    assert (lan_a[IP].src, lan_a[IP].dst) == ("10.0.0.23", "203.0.113.7")
    assert (wire[IP].src, wire[TCP].sport) == ("192.0.2.1", 50200)
    assert (lan_b[IP].src, lan_b[IP].dst, lan_b[TCP].dport, lan_b[IP].ttl) == ("192.0.2.1", "10.0.0.10", 80, 61)
    synack = next(m for m in tracks("nat-dnat", 8) if m.parent is None)  # then laptop A's kernel ACKs it
    assert synack.path[-1] == "laptopA" and ends(synack) == ("203.0.113.7", 8080, "10.0.0.23", 50200)
    assert no_resets("nat-dnat")
    end = timeline("nat-dnat").state_at(timeline("nat-dnat").duration)
    assert end.badges["laptopA"] == "ESTABLISHED"


# -- vip-failover -----------------------------------------------------------------------------------
def test_the_gratuitous_arp_moves_the_vip_and_the_orphaned_segment_is_reset() -> None:
    (lost,) = [m for m in tracks("vip-failover", 5)]
    assert lost.dropped and lost.path == ("client", "sw", "web1")
    garp = next(Ether(m.frames[0]) for m in tracks("vip-failover", 6) if ARP in Ether(m.frames[0]))  # after web2's advert
    assert garp.dst == "ff:ff:ff:ff:ff:ff" and garp[ARP].psrc == garp[ARP].pdst == "10.0.0.100"
    tl = timeline("vip-failover")
    cache = next(t for t in tl.state_at(tl.boundary(6)).device_tables["client"] if t.title == "ARP cache")
    assert cache.rows == (("10.0.0.100", "02:00:5e:00:00:0c"),)
    retransmission, rst = tracks("vip-failover", 7)
    before, again = Ether(lost.frames[0]), Ether(retransmission.frames[0])
    assert (again[TCP].seq, again[TCP].sport) == (before[TCP].seq, before[TCP].sport) == (1080, 40100)
    assert before.dst == "02:00:5e:00:00:0b" and again.dst == "02:00:5e:00:00:0c" and retransmission.path[-1] == "web2"
    reset = Ether(rst.frames[0])[TCP]
    assert (str(reset.flags), reset.seq, rst.path[-1]) == ("R", 5105, "client")
    assert all(m.path[-1] in ("web2", "client") and not m.dropped for m in tracks("vip-failover", 9))


# -- bad-gateway ------------------------------------------------------------------------------------
def test_refused_upstream_gives_502_at_once_and_silent_upstream_504_after_the_timeout() -> None:
    step4 = tracks("bad-gateway", 4)  # app's kernel first closes the pooled connection (FIN)
    syn = next(m for m in step4 if m.path == ("rp", "app") and m.label.startswith("SYN"))
    rst = next(m for m in step4 if m.path == ("app", "rp") and m.label == "RST")
    assert str(Ether(syn.frames[0])[TCP].flags) == "S" and str(Ether(rst.frames[0])[TCP].flags) == "RA"
    bad = next(m for m in step4 if m.path[-1] == "alice" and m.protocol == "http")
    assert payload(Ether(bad.frames[-1])).startswith(b"HTTP/1.1 502 Bad Gateway\r\n")
    step6 = tracks("bad-gateway", 6)
    silent = next(m for m in step6 if m.path == ("rp", "app"))
    assert silent.dropped
    late = next(m for m in step6 if m.path[-1] == "bob" and m.protocol == "http")
    assert payload(Ether(late.frames[-1])).startswith(b"HTTP/1.1 504 Gateway Timeout\r\n")
    assert late.start - silent.end > 1.0 and bad.start - rst.end < 0.5  # 504 waits, 502 does not


# -- forward-vs-reverse-proxy -----------------------------------------------------------------------
def test_absolute_form_to_the_forward_proxy_origin_form_with_via_beyond_it() -> None:
    to_proxy, to_origin = tracks("forward-vs-reverse-proxy", 3)
    assert payload(Ether(to_proxy.frames[0])).startswith(b"GET http://www.example.com/ HTTP/1.1\r\n")
    at_origin = Ether(to_origin.frames[-1])
    assert payload(at_origin).startswith(b"GET / HTTP/1.1\r\n") and b"\r\nVia: 1.1 office-proxy\r\n" in payload(at_origin)
    assert b"Proxy-Connection" not in payload(at_origin) and at_origin[IP].src == "203.0.113.3"
    to_rproxy, to_app = tracks("forward-vs-reverse-proxy", 6)
    assert Ether(to_rproxy.frames[-1])[IP].dst == "192.0.2.20"
    at_app = Ether(to_app.frames[-1])
    assert at_app[IP].src == "10.0.2.1" and b"\r\nX-Forwarded-For: 198.51.100.23\r\n" in payload(at_app)


# -- cdn-and-proxies --------------------------------------------------------------------------------
def test_the_first_get_misses_to_the_origin_and_the_second_is_a_hit_at_the_edge() -> None:
    assert any(m.path[-1] == "origin" for m in tracks("cdn-and-proxies", 3))
    relayed = next(m for m in tracks("cdn-and-proxies", 4) if m.path[-1] == "alice")
    assert b"\r\nX-Cache: MISS\r\n" in payload(Ether(relayed.frames[-1]))
    step6 = tracks("cdn-and-proxies", 6)
    assert not any("origin" in m.path for m in step6)
    hit = payload(Ether(next(m for m in step6 if m.path[-1] == "bob").frames[-1]))
    assert b"\r\nX-Cache: HIT\r\n" in hit and b"Cache-Control: public, max-age=86400" in hit
    age = int(hit.split(b"\r\nAge: ")[1].split(b"\r\n")[0])
    assert 5 <= age <= 15  # seconds since step 4 stored it, not 1


# -- stateless-vs-stateful --------------------------------------------------------------------------
def _backend(step: int) -> str:
    syn = next(m for m in tracks("stateless-vs-stateful", step) if m.label.startswith("SYN") and m.fate == "delivered")
    return syn.path[-1]


def test_sticky_until_the_backend_dies_then_any_backend_reads_the_shared_store() -> None:
    assert (_backend(2), _backend(4), _backend(5), _backend(9)) == ("app1", "app1", "app2", "app1")
    redirect = next(m for m in tracks("stateless-vs-stateful", 5) if m.path[-1] == "alice" and m.label.startswith("302"))
    assert payload(Ether(redirect.frames[-1])).startswith(b"HTTP/1.1 302 Found\r\nLocation: /login\r\n")
    lookup = next(m for m in tracks("stateless-vs-stateful", 9) if m.path[-1] == "store")
    assert payload(Ether(lookup.frames[-1])) == b"*2\r\n$3\r\nGET\r\n$12\r\nsession:9c1e\r\n"
    assert no_resets("stateless-vs-stateful")


# -- connect-chained --------------------------------------------------------------------------------
def test_the_branch_proxy_passes_connect_to_its_parent_and_tls_crosses_both_unchanged() -> None:
    step3 = tracks("connect-chained", 3)
    passed = next(m for m in step3 if m.path == ("branch-proxy", "hq-proxy") and payload(Ether(m.frames[0])))
    request = payload(Ether(passed.frames[0]))
    assert request.startswith(b"CONNECT www.example.com:443 HTTP/1.1\r\n") and b"Via: 1.1 branch-proxy" in request
    assert Ether(passed.frames[0])[TCP].dport == 8080 and b"Proxy-Connection" not in request
    opened = next(m for m in step3 if m.path[-1] == "server" and str(Ether(m.frames[0])[TCP].flags) == "S")
    assert Ether(opened.frames[-1])[IP].src == "203.0.113.5"
    assert [payload(Ether(m.frames[-1])) for m in step3 if m.path[-1] == "laptop"] == [
        b"HTTP/1.1 200 Connection established\r\n\r\n"
    ]
    hello = tracks("connect-chained", 4)
    assert [m.path[-1] for m in hello] == ["branch-proxy", "hq-proxy", "server"]
    assert len({payload(Ether(m.frames[-1])) for m in hello}) == 1
