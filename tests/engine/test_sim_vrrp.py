"""VRRP as keepalived 2.2.7 ran it in network namespaces (docs/scenes/checks.md): advertisements
to 224.0.0.18 (protocol 112, TTL 255, CS6, no DF), and a takeover that changes the hosts' ARP
caches with keepalived's default but only the switch's MAC table with ``use_vmac``."""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP
from scapy.layers.l2 import ARP, Ether
from scapy.layers.vrrp import VRRP

from animator.engine import build_timeline
from animator.engine.timeline import Timeline
from animator.model import load_scene_text
from animator.model.kinds import TableKind

SCENE = """\
format: 1
title: VRRP
nodes:
  - {id: client, kind: host, mac: "02:00:5e:00:00:17", ipv4: 10.0.0.23/24}
  - {id: sw, kind: switch}
  - id: web1
    kind: server
    mac: "02:00:5e:00:00:0b"
    ipv4: [10.0.0.11/24, 10.0.0.100/24]
    vrrp: {vrid: 51, priority: 150, vip: 10.0.0.100, use_vmac: VMAC}
  - id: web2
    kind: server
    mac: "02:00:5e:00:00:0c"
    ipv4: [10.0.0.12/24, 10.0.0.100/24]
    vrrp: {vrid: 51, priority: 100, vip: 10.0.0.100, use_vmac: VMAC}
links:
  - between: [client, sw]
  - between: [sw, web1]
  - between: [sw, web2]
steps:
  - caption: the master advertises
    actions:
      - send: {from: web1, to: web2, layers: [vrrp]}
  - caption: the client asks for the VIP; only the master answers
    actions:
      - send: {from: client, to: web1, layers: [arp: {op: who-has, pdst: 10.0.0.100}]}
      - send: {from: web1, to: client, at: 1.9, layers: [arp: {op: is-at, psrc: 10.0.0.100, pdst: 10.0.0.23}]}
  - caption: web1 dies; web2 advertises and announces the VIP
    actions:
      - device: {node: web1, down: timeout}
      - send: {from: web2, to: web1, layers: [vrrp]}
      - send:
          from: web2
          to: client
          at: 0.1
          layers: [ether: {dst: "ff:ff:ff:ff:ff:ff"}, arp: {op: who-has, psrc: 10.0.0.100, pdst: 10.0.0.100}]
  - caption: the client's next packet to the VIP
    actions:
      - send: {from: client, to: web2, layers: [ip: {dst: 10.0.0.100}, udp: {dport: 9}, raw: {load: hi}]}
"""


def _timeline(vmac: bool) -> Timeline:
    return build_timeline(load_scene_text(SCENE.replace("VMAC", "true" if vmac else "false")))


def _table(timeline: Timeline, node: str, kind: TableKind) -> list[tuple[str, ...]]:
    frame = timeline.state_at(timeline.boundary(len(timeline.scene.steps)))
    (table,) = [t for t in frame.device_tables[node] if t.title == kind.value]
    return [tuple(r) for r in table.rows]


@pytest.mark.parametrize("vmac", [False, True])
def test_the_advertisement_is_what_keepalived_sends(vmac: bool) -> None:
    (advert, *_) = [m for m in _timeline(vmac).messages if m.step == 1]
    frame = Ether(advert.frames[0])
    assert frame.dst == "01:00:5e:00:00:12" and frame.src == ("00:00:5e:00:01:33" if vmac else "02:00:5e:00:00:0b")
    ip = frame[IP]
    assert (ip.src, ip.dst, ip.proto, ip.ttl, ip.tos, int(ip.flags)) == ("10.0.0.11", "224.0.0.18", 112, 255, 0xC0, 0)
    # byte for byte the advertisement keepalived 2.2.7 sent (IP id 1 there)
    assert bytes(frame[VRRP]).hex() == "2133960100013e660a0000640000000000000000"


def test_the_client_does_not_take_the_advertisement() -> None:
    step1 = [m for m in _timeline(False).messages if m.step == 1]
    assert {m.path[-1] for m in step1} >= {"web2", "client"}


def test_without_use_vmac_the_takeover_changes_the_clients_arp_cache() -> None:
    timeline = _timeline(False)
    (answer,) = [m for m in timeline.messages if m.step == 2 and m.path[0] == "web1"]
    assert Ether(answer.frames[0])[ARP].hwsrc == "02:00:5e:00:00:0b"
    assert ("10.0.0.100", "02:00:5e:00:00:0c") in _table(timeline, "client", TableKind.ARP)
    (last,) = [m for m in timeline.messages if m.step == 4]
    assert last.path[-1] == "web2" and Ether(last.frames[0]).dst == "02:00:5e:00:00:0c"


def test_with_use_vmac_the_cache_stays_and_the_switch_moves_the_virtual_mac() -> None:
    timeline = _timeline(True)
    (answer,) = [m for m in timeline.messages if m.step == 2 and m.path[0] == "web1"]
    assert Ether(answer.frames[0])[ARP].hwsrc == "00:00:5e:00:01:33"
    assert ("10.0.0.100", "00:00:5e:00:01:33") in _table(timeline, "client", TableKind.ARP)
    garp = next(m for m in timeline.messages if m.step == 3 and ARP in Ether(m.frames[0]))
    assert Ether(garp.frames[0]).src == "00:00:5e:00:01:33"
    macs = dict(_table(timeline, "sw", TableKind.MAC))
    assert "web2" in macs["00:00:5e:00:01:33"]  # moved to web2's port by the gratuitous ARP
    assert "02:00:5e:00:00:0c" not in macs  # web2 sent nothing from its own MAC
    (last,) = [m for m in timeline.messages if m.step == 4]
    assert last.path[-1] == "web2" and Ether(last.frames[0]).dst == "00:00:5e:00:01:33"


def test_the_failover_scene_advertises_and_takes_over_as_keepalived_does() -> None:
    from tests.scenekit import tracks

    first = Ether(tracks("vip-failover", 1)[0].frames[0])
    assert first[VRRP].priority == 150 and first[IP].dst == "224.0.0.18" and first[IP].ttl == 255
    advert, garp = (Ether(m.frames[0]) for m in tracks("vip-failover", 6)[:2])
    assert advert[VRRP].priority == 100 and advert[IP].src == "10.0.0.12"
    assert garp[ARP].op == 1 and garp[ARP].psrc == garp[ARP].pdst == "10.0.0.100"  # a request, as keepalived sends


def test_vrrp_version_3_is_sent_as_version_3_and_a_bad_version_is_refused_where_written() -> None:
    from scapy.layers.vrrp import VRRPv3

    from animator.model.errors import SceneLoadError

    text = SCENE.replace("VMAC", "false").replace("use_vmac: false}", "use_vmac: false, version: 3}")
    (advert, *_) = [m for m in build_timeline(load_scene_text(text)).messages if m.step == 1]
    v3 = Ether(advert.frames[0])[VRRPv3]
    assert (v3.version, v3.adv, v3.priority) == (3, 100, 150)  # centiseconds in v3
    with pytest.raises(SceneLoadError, match=r":10:\d+: nodes.3.vrrp.version: VRRP version 4"):
        load_scene_text(text.replace("version: 3", "version: 4"))


def test_a_vip_the_node_does_not_list_is_refused_where_written() -> None:
    from animator.model.errors import SceneLoadError

    text = SCENE.replace("VMAC", "false").replace("ipv4: [10.0.0.11/24, 10.0.0.100/24]", "ipv4: [10.0.0.11/24]")
    with pytest.raises(SceneLoadError, match=r":10:\d+: node 'web1': VRRP address 10.0.0.100 is not among its 'ipv4'"):
        load_scene_text(text)
