"""A recursive lookup: the resolver asks the root, the TLD and the authoritative server in turn
(RD clear), caches what they say, and answers its client with RA set and AA clear; only the
authoritative server's answer has AA set, and referrals carry NS records and their glue."""

from __future__ import annotations

from scapy.layers.dns import DNS
from scapy.layers.l2 import Ether

from animator.engine import build_timeline
from animator.engine.timeline import Timeline
from animator.model import load_scene_text

SCENE = """\
format: 1
title: Recursion
nodes:
  - {id: laptop, kind: host, ipv4: 203.0.113.7/24}
  - {id: net, kind: internet}
  - {id: resolver, kind: dns, ipv4: 198.51.100.53/24, recursive: true}
  - id: root
    kind: dns
    ipv4: 198.41.0.4/24
    zone:
      - {name: com, ns: a.gtld-servers.net, ttl: 172800}
      - {name: a.gtld-servers.net, a: 192.5.6.30, ttl: 172800}
  - id: tld
    kind: dns
    ipv4: 192.5.6.30/24
    zone:
      - {name: example.com, ns: a.iana-servers.net, ttl: 172800}
      - {name: a.iana-servers.net, a: 199.43.135.53, ttl: 172800}
  - id: auth
    kind: dns
    ipv4: 199.43.135.53/24
    zone:
      - {name: example.com, a: 198.51.100.80, ttl: 3600}
links:
  - between: [laptop, net]
  - between: [net, resolver]
  - between: [net, root]
  - between: [net, tld]
  - between: [net, auth]
steps:
  - caption: the question
    actions:
      - send: {from: laptop, to: resolver, layers: [udp: {sport: 41000}, dns: {id: 0x1c2b, qname: example.com}]}
  - caption: the root refers to com
    actions:
      - send: {from: resolver, to: root, layers: [udp: {sport: 33000}, dns: {id: 0x0101}]}
      - send: {from: root, to: resolver, at: 3.0, layers: [udp: {sport: 53}, dns]}
  - caption: com refers to example.com
    actions:
      - send: {from: resolver, to: tld, layers: [udp: {sport: 33001}, dns: {id: 0x0202}]}
      - send: {from: tld, to: resolver, at: 3.0, layers: [udp: {sport: 53}, dns]}
  - caption: the authoritative answer
    actions:
      - send: {from: resolver, to: auth, layers: [udp: {sport: 33002}, dns: {id: 0x0303}]}
      - send: {from: auth, to: resolver, at: 3.0, layers: [udp: {sport: 53}, dns]}
  - caption: the resolver answers
    actions:
      - send: {from: resolver, to: laptop, layers: [udp: {sport: 53}, dns]}
  - caption: the same question later, from the cache
    actions:
      - send: {from: laptop, to: resolver, at: 60.0, layers: [udp: {sport: 41001}, dns: {id: 0x2c3d, qname: example.com}]}
      - send: {from: resolver, to: laptop, at: 63.0, layers: [udp: {sport: 53}, dns]}
"""


def _dns(timeline: Timeline, step: int) -> list[DNS]:
    return [Ether(m.frames[-1])[DNS] for m in timeline.messages if m.step == step and m.frames[-1] is not None]


def test_the_resolver_iterates_and_only_the_authoritative_answer_has_aa() -> None:
    timeline = build_timeline(load_scene_text(SCENE))
    asked, referral = _dns(timeline, 2)
    assert (asked.qr, asked.rd, asked.qd[0].qname) == (0, 0, b"example.com.")  # an iterative query
    assert (referral.aa, referral.ra, referral.ancount) == (0, 0, 0)
    assert (referral.ns[0].rrname, referral.ns[0].rdata) == (b"com.", b"a.gtld-servers.net.")
    assert referral.ar[0].rdata == "192.5.6.30"  # the glue
    _, second = _dns(timeline, 3)
    assert second.ns[0].rdata == b"a.iana-servers.net." and second.aa == 0
    _, final = _dns(timeline, 4)
    assert (final.aa, final.ra, final.an[0].rdata, final.an[0].ttl) == (1, 0, "198.51.100.80", 3600)
    (answer,) = _dns(timeline, 5)
    assert (answer.id, answer.aa, answer.ra, answer.rd, answer.an[0].rdata) == (0x1C2B, 0, 1, 1, "198.51.100.80")


def test_a_cached_answer_comes_with_its_ttl_counted_down() -> None:
    timeline = build_timeline(load_scene_text(SCENE))
    (first,) = _dns(timeline, 5)
    _, again = _dns(timeline, 6)
    assert again.id == 0x2C3D and again.ra == 1 and again.an[0].rdata == "198.51.100.80"
    assert 3600 - 120 < again.an[0].ttl < first.an[0].ttl <= 3600


def test_curl_https_resolves_recursively() -> None:
    from tests.scenekit import tracks

    step2 = [Ether(m.frames[-1])[DNS] for m in tracks("curl-https", 2)]
    assert [d.qr for d in step2] == [0, 0, 1, 0, 1, 0, 1]
    assert [d.aa for d in step2 if d.qr] == [0, 0, 1]  # two referrals, then the authority
    assert all(d.rd == 0 for d in step2[1:])  # the resolver's own queries are iterative
    (answer,) = [Ether(m.frames[-1])[DNS] for m in tracks("curl-https", 3)]
    assert (answer.qr, answer.aa, answer.ra, answer.an[0].rdata) == (1, 0, 1, "198.51.100.80")


def test_name_servers_send_without_df_and_compress_names_as_unbound_and_bind_do() -> None:
    # unbound 1.17 and BIND 9.18 in network namespaces: every server datagram had DF clear (they set
    # IP_PMTUDISC_OMIT), the stub resolver's query DF set; unbound's answer to the client, byte for byte:
    unbound = "1c2b81800001000100000000076578616d706c6503636f6d0000010001c00c0001000100000e1000040a350050"
    from scapy.layers.inet import IP

    timeline = build_timeline(load_scene_text(SCENE.replace("198.51.100.80", "10.53.0.80")))
    (answer,) = [Ether(m.frames[-1]) for m in timeline.messages if m.step == 5]
    assert int(answer[IP].flags) == 0
    assert bytes(answer[DNS]).hex() == unbound
    (query,) = [Ether(m.frames[0]) for m in timeline.messages if m.step == 1]
    assert query[IP].flags == "DF"
