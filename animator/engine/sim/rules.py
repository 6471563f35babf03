"""iptables-like rule matching: the first rule of a chain that matches a packet decides its fate."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from animator.model.schema import Firewall, Rule

PROTO_NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1}


@dataclass(frozen=True, slots=True)
class Flow:
    """What rules match on, read once from a packet."""

    proto: int
    src: str
    dst: str
    sport: int | None
    dport: int | None

    def text(self) -> str:
        name = {6: "tcp", 17: "udp", 1: "icmp"}.get(self.proto, str(self.proto))
        if self.sport is None:
            return f"{name} {self.src} → {self.dst}"
        return f"{name} {self.src}:{self.sport} → {self.dst}:{self.dport}"


def matches(rule: Rule, flow: Flow, state: str) -> bool:
    if rule.proto != "all" and PROTO_NUMBERS[rule.proto] != flow.proto:
        return False
    if rule.src is not None and not _in(flow.src, rule.src):
        return False
    if rule.dst is not None and not _in(flow.dst, rule.dst):
        return False
    if rule.dport is not None and rule.dport != flow.dport:
        return False
    if rule.sport is not None and rule.sport != flow.sport:
        return False
    return not rule.state or state in rule.state


def table_of(rule: Rule) -> str:
    """The iptables table a rule lives in: the one it names, else ``nat`` for the translating targets."""
    return rule.table or ("nat" if rule.action in ("DNAT", "SNAT", "MASQUERADE") else "filter")


def first_match(firewall: Firewall, table: str, chain: str, flow: Flow, state: str) -> tuple[int, int, Rule] | None:
    """The first rule of ``table``'s ``chain`` that matches: its 1-based number in that chain (as
    ``iptables -L --line-numbers`` counts), its index among all rules, and the rule."""
    number = 0
    for index, rule in enumerate(firewall.rules):
        if rule.chain != chain or table_of(rule) != table:
            continue
        number += 1
        if matches(rule, flow, state):
            return number, index, rule
    return None


def describe(rule: Rule) -> str:
    """The rule as the ``iptables -S`` style words a lecturer reads out."""
    parts = []
    if rule.proto != "all":
        parts.append(f"-p {rule.proto}")
    if rule.src:
        parts.append(f"-s {rule.src}")
    if rule.dst:
        parts.append(f"-d {rule.dst}")
    if rule.sport:
        parts.append(f"--sport {rule.sport}")
    if rule.dport:
        parts.append(f"--dport {rule.dport}")
    if rule.state:
        parts.append(f"--ctstate {','.join(rule.state)}")
    return " ".join(parts) or "any"


def _in(address: str, prefix: str) -> bool:
    if prefix == "default":
        return True
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        return False
