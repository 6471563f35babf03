"""VRRP as keepalived runs it: which node of a virtual router holds the virtual IP, the MAC it
answers with, and the advertisements it multicasts.

The node with the highest priority starts as MASTER (an equal priority goes to the higher
address, RFC 5798 §6.4.3); a node that sends an advertisement becomes MASTER, one that sends
priority 0 (keepalived stopping) resigns. Only the master holds the VIP: a backup neither
answers ARP for it nor takes frames for it.

Two modes, both checked against keepalived 2.2.7 in network namespaces (docs/scenes/checks.md):

- keepalived's default: the master answers ARP for the VIP with its *own* MAC, so a takeover's
  gratuitous ARP changes the VIP's entry in every host's cache;
- ``use_vmac`` (standard VRRP, RFC 5798 §7.3): the virtual MAC 00:00:5e:00:01:{vrid} is the ARP
  answer and the source of advertisements and gratuitous ARPs; hosts' caches never change, and the
  gratuitous ARP only moves that MAC to the new master's port in the switches' tables.

Advertisements go to 224.0.0.18 (01:00:5e:00:00:12), IP protocol 112, TTL 255, DSCP CS6, no DF,
with the sender's own address as source; a host that has not joined the group filters them out.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival
from animator.engine.sim.journey import Outcome
from animator.engine.sim.scapy_layers import layers
from animator.model.schema import Vrrp

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack

#: The VRRP multicast group (RFC 5798 §5.1.1.2) and its Ethernet address.
GROUP = "224.0.0.18"
#: Class Selector 6, as keepalived marks its advertisements.
TOS_CS6 = 0xC0


def multicast_mac(address: str) -> str:
    """The Ethernet address of an IPv4 multicast group: 01:00:5e and the low 23 bits (RFC 1112 §6.4)."""
    low = int(ipaddress.IPv4Address(address)) & 0x7FFFFF
    return "01:00:5e:" + ":".join(f"{b:02x}" for b in low.to_bytes(3, "big"))


class VrrpInstance:
    """One node's side of a virtual router: its state and what it answers with."""

    def __init__(self, device: Stack, config: Vrrp) -> None:
        self.device = device
        self.config = config
        self.vips = frozenset(a.split("/")[0] for a in config.vip)
        self.virtual_mac = f"00:00:5e:00:01:{config.vrid:02x}"
        self.master = self._starts_as_master()

    def _starts_as_master(self) -> bool:
        me = self.device.node
        rank = (self.config.priority, self._address(me.ipv4))
        for node in self.device.sim.scene.nodes:
            other = node.vrrp
            if node.id == me.id or other is None or other.vrid != self.config.vrid:
                continue
            if (other.priority, self._address(node.ipv4)) > rank:
                return False
        return True

    @staticmethod
    def _address(ipv4: tuple[str, ...]) -> int:
        return max((int(ipaddress.IPv4Interface(a).ip) for a in ipv4), default=0)

    @property
    def state(self) -> str:
        return "MASTER" if self.master else "BACKUP"

    # -- what the stack asks -----------------------------------------------------------------------
    def holds(self, address: str) -> bool:
        """Whether ``address`` is ours right now: a VIP only while we are master."""
        return address not in self.vips or self.master

    def takes(self, mac: str) -> bool:
        """Frames to the virtual MAC are the master's (use_vmac only)."""
        return self.config.use_vmac and self.master and mac == self.virtual_mac

    def mac_for(self, address: str) -> str | None:
        """The MAC the master announces for a VIP: the virtual one with use_vmac, else its own (None)."""
        return self.virtual_mac if self.config.use_vmac and address in self.vips else None

    # -- advertisements ----------------------------------------------------------------------------
    def fill(self, stack: Any, given: dict[str, dict[str, Any]]) -> Any:
        """Complete an advertisement the author wrote as ``layers: [vrrp]``: our vrid, priority and
        VIPs unless given, under the IP header keepalived writes."""
        from scapy.layers.vrrp import VRRP, VRRPv3

        sc = layers()
        mine = given.get("vrrp", {})
        advert = stack.getlayer(VRRP) if VRRP in stack else stack.getlayer(VRRPv3)
        if self.config.version == 3 and "version" not in mine and not isinstance(advert, VRRPv3):
            # the node runs vrrp_version 3: an advertisement the author left plain is a version 3 one
            replacement = VRRPv3()
            under = advert.underlayer
            if under is None:
                stack = replacement
            else:
                under.remove_payload()
                under.add_payload(replacement)
            advert = replacement
        advert.vrid = mine.get("vrid", self.config.vrid)
        advert.priority = mine.get("priority", self.config.priority)
        if "addrlist" not in mine:
            advert.addrlist = sorted(self.vips)
            advert.ipcount = len(self.vips)
        if "adv" not in mine:
            advert.adv = self.config.advert_int * (100 if isinstance(advert, VRRPv3) else 1)
        del advert.chksum
        if sc.IP not in stack:
            stack = sc.IP() / stack
        ip = stack.getlayer(sc.IP)
        ip_given = given.get("ip", {})
        own = [a.split("/")[0] for a in self.device.node.ipv4 if a.split("/")[0] not in self.vips]
        ip.src = ip_given.get("src", own[0] if own else self.device.node.ipv4[0].split("/")[0])
        ip.dst = ip_given.get("dst", GROUP)
        ip.ttl = ip_given.get("ttl", 255)  # RFC 5798 §5.1.1.3: a receiver drops any other TTL
        ip.tos = ip_given.get("tos", TOS_CS6)
        ip.flags = ip_given.get("flags", 0)
        ip.id = ip_given.get("id", self.device.ip_id())
        ip.proto = 112
        return stack

    def advertised(self, time: float, priority: int) -> None:
        """We sent an advertisement: with priority 0 we resign, else we are (or stay) master."""
        master = priority > 0
        if master != self.master:
            self.master = master
            self.device.badge(time, self.state)
            held = "holds" if master else "gives up"
            self.device.remark(time, f"VRRP {self.config.vrid}: {self.state}, {held} {', '.join(sorted(self.vips))}")

    def source_mac(self) -> str:
        """keepalived with use_vmac sends advertisements from the virtual MAC; without, from its own."""
        return self.virtual_mac if self.config.use_vmac else self.device.mac

    def heard(self, arrival: Arrival, ip: Any) -> None:
        """Another router's advertisement: a higher priority (or a resignation) changes our state."""
        from scapy.layers.vrrp import VRRP, VRRPv3

        advert = ip.getlayer(VRRP) if VRRP in ip else ip.getlayer(VRRPv3) if VRRPv3 in ip else None
        sim = self.device.sim
        if advert is None or advert.vrid != self.config.vrid or ip.ttl != 255:
            sim.end_leg(arrival.leg, Outcome.DISCARDED, "VRRP advertisement for another virtual router: ignored")
            return
        sim.end_leg(arrival.leg, Outcome.DELIVERED, f"VRRP: master alive, priority {advert.priority}")
        if self.master and 0 < self.config.priority < advert.priority:
            self.master = False
            self.device.badge(arrival.time, self.state)
