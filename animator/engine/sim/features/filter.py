"""A packet filter on a device's INPUT and FORWARD chains, with connection tracking.

Any node with ``firewall:`` has one (a ``firewall`` device is a router that usually does); the
rules are matched by ``animator.engine.sim.rules``, iptables-like: the first matching rule decides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival
from animator.engine.sim.journey import Outcome
from animator.engine.sim.rules import Flow, describe, first_match
from animator.engine.sim.scapy_layers import layers, reply_ip
from animator.engine.sim.tcp import ACK, SYN
from animator.model.kinds import TableKind
from animator.model.schema import Firewall

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack

FlowKey = tuple[int, str, str, int | None, int | None]


class Filter:
    """The device's rules, how often each matched, and the flows it has accepted."""

    def __init__(self, device: Stack, firewall: Firewall) -> None:
        self.device = device
        self.firewall = firewall
        self.hits = [0] * len(firewall.rules)
        self.conntrack: dict[FlowKey, str] = {}

    def publish_configuration(self) -> None:
        self.publish_rules(0.0, None)

    def allows(self, arrival: Arrival, chain: str, ip: Any, flow: Flow) -> bool:
        """Walk ``chain``; True if the packet may go on. Conntrack makes replies ESTABLISHED."""
        sc = layers()
        device, sim = self.device, self.device.sim
        firewall = self.firewall
        t = arrival.time
        track = self.conntrack
        key = (flow.proto, flow.src, flow.dst, flow.sport, flow.dport)
        reverse = (flow.proto, flow.dst, flow.src, flow.dport, flow.sport)
        state = "ESTABLISHED" if key in track or reverse in track else "NEW"
        found = first_match(firewall, chain, flow, state)
        verdict: str
        if found is None:
            policy = firewall.input_policy if chain == "INPUT" else firewall.forward_policy if chain == "FORWARD" else "ACCEPT"
            verdict, text = policy, f"{chain} policy {policy}"
        else:
            number, rule = found
            verdict = rule.action if rule.action in ("ACCEPT", "DROP", "REJECT") else "ACCEPT"
            text = f"{chain} rule {number} ({describe(rule)}): {rule.action}"
            index = [i for i, r in enumerate(firewall.rules) if r.chain == chain][number - 1]
            self.hits[index] += 1
            self.publish_rules(t, index)
        if verdict == "ACCEPT":
            if key not in track and reverse not in track:
                track[key] = "NEW"
                # Every earlier flow is shown established once a new one joins (what a lecture needs).
                rows = [(_flow_text(k), "ESTABLISHED" if i < len(track) - 1 else "NEW") for i, k in enumerate(track)]
                device.publish(t, TableKind.CONNTRACK, rows)
            elif reverse in track and track[reverse] == "NEW":
                track[reverse] = "ESTABLISHED"
                device.publish(t, TableKind.CONNTRACK, [(_flow_text(k), v) for k, v in track.items()])
            if found is not None:
                device.remark(t, text)
            return True
        device.remark(t, text)
        if verdict == "DROP":
            sim.end_leg(arrival.leg, Outcome.DROPPED, f"{text}: silently discarded")
            return False
        sim.end_leg(arrival.leg, Outcome.DROPPED, f"{text}: discarded and refused")
        tcp = ip.getlayer(sc.TCP) if sc.TCP in ip else None
        if tcp is not None:
            # RFC 9293 reset generation, as iptables' tcp-reset builds it: window 0; a segment that
            # carries an ACK is answered with RST seq=its ack, anything else with RST/ACK seq 0.
            acked = bool(int(tcp.flags) & ACK)
            rst = reply_ip(ip, 64) / sc.TCP(
                sport=tcp.dport,
                dport=tcp.sport,
                flags="R" if acked else "RA",
                seq=tcp.ack if acked else 0,
                ack=0 if acked else (tcp.seq + len(tcp.payload) + bool(int(tcp.flags) & SYN)) & 0xFFFFFFFF,
                window=0,
            )
            leg = sim.new_leg(f"{arrival.leg.id}.rst", "RST (rejected)", "tcp", arrival.leg, device.id)
            device.send_reply(leg, rst, t)
        else:
            device.icmp_error(arrival, ip, icmp_type=3, code=3 if sc.UDP in ip else 13, label="ICMP port unreachable")
        return False

    def publish_rules(self, time: float, matched: int | None) -> None:
        rows = []
        numbers: dict[str, int] = {}
        for i, rule in enumerate(self.firewall.rules):
            numbers[rule.chain] = numbers.get(rule.chain, 0) + 1
            marker = "▶ " if i == matched else ""
            target = f" to {rule.to}" if rule.to else ""
            rows.append((f"{marker}{rule.chain} {numbers[rule.chain]}", describe(rule), rule.action + target, str(self.hits[i])))
        self.device.publish(time, TableKind.FIREWALL, rows)


def _flow_text(key: FlowKey) -> str:
    return Flow(*key).text()
