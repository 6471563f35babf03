"""A name server's answers: authoritative from its ``zone:``, or recursive from its cache.

An **authoritative** server (a ``dns`` node with ``zone:``) answers what its zone holds with the
AA flag and RA clear (it offers no recursion, as BIND with ``recursion no``): the address for a
name it has, a **referral** for a name under a delegation it holds (``{name: com, ns:
a.gtld-servers.net}``: no answer, the NS records in the authority section and their addresses,
the glue, in the additional one, AA clear), or NXDOMAIN.

A **recursive resolver** (``recursive: true``) answers its clients from its cache with RA set and
AA clear, TTLs counted down by the scene's clock, and asks the name servers itself: a query it
sends with an empty ``dns`` layer repeats its client's question with RD clear (an iterative
query). What the servers answer (referrals and the final answer) goes into its **DNS cache**
table, so a second client's question is answered without asking anyone.

The author writes each message as a send (client → resolver, resolver → root, root → resolver,
…) so the lecture can stop at each; this module fills in what real servers would put in them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from animator.model.kinds import TableKind
from animator.model.schema import Record

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack

#: DNS record types by number, for the ones a zone holds.
A, NS, AAAA = 1, 2, 28
_TYPE_NAMES = {A: "A", NS: "NS", AAAA: "AAAA"}


def _name(value: Any) -> str:
    """A domain name as text, lower case, without the root's dot."""
    text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return text.rstrip(".").lower()


def _under(name: str, zone: str) -> bool:
    return name == zone or name.endswith("." + zone) or zone == ""


class NameService:
    """One node's DNS state: the questions clients asked it, and (a resolver's) cache."""

    def __init__(self, device: Stack) -> None:
        self.device = device
        self.recursive = device.node.recursive
        #: The last query each client (by node) asked this server: the DNS layer.
        self.queries: dict[str, Any] = {}
        #: A resolver's question being resolved for its clients (the newest), asked onwards as is.
        self.question: Any = None
        #: A resolver's cache: (name, type) -> [(value, ttl, scene second stored)].
        self.cache: dict[tuple[str, int], list[tuple[str, int, float]]] = {}

    # -- configuration -----------------------------------------------------------------------------
    def publish_configuration(self) -> None:
        zone = self.device.node.zone
        if zone:
            rows = [(r.name, *_record_text(r)) for r in zone]
            self.device.publish(0.0, TableKind.ZONE, rows)

    # -- receiving ---------------------------------------------------------------------------------
    def received(self, time: float, origins: set[str] | list[str], dns: Any) -> None:
        """A DNS message arrived: a query is remembered per client, an answer (a resolver's) cached."""
        if not dns.qr:
            for origin in origins:
                self.queries[origin] = dns.copy()
            if self.recursive and dns.qd:
                self.question = dns.qd[0] if isinstance(dns.qd, list) else dns.qd
            return
        if self.recursive:
            self.store(time, dns)

    def store(self, time: float, dns: Any) -> None:
        """Cache every record of an answer or a referral, with its TTL and when it came."""
        now = self.device.sim.scene_seconds(time)
        for section in ("an", "ns", "ar"):
            for rr in _records(getattr(dns, section, None)):
                if rr.type not in _TYPE_NAMES:
                    continue
                value = _name(rr.rdata) if rr.type == NS else str(rr.rdata)
                entries = self.cache.setdefault((_name(rr.rrname), rr.type), [])
                entries[:] = [e for e in entries if e[0] != value] + [(value, int(rr.ttl), now)]
        self.publish(time)

    def publish(self, time: float) -> None:
        now = self.device.sim.scene_seconds(time)
        rows = [
            (name, _TYPE_NAMES[rtype], value, str(max(0, ttl - int(now - stored))))
            for (name, rtype), entries in self.cache.items()
            for value, ttl, stored in entries
        ]
        self.device.publish(time, TableKind.DNS_CACHE, rows or None)

    # -- filling in what the author left out -----------------------------------------------------------
    def fill(self, to: str, stack: Any, given: dict[str, Any], time: float) -> Any:
        """The DNS message in ``stack`` as this server would send it to ``to``."""
        from scapy.layers.dns import DNS, dns_compress

        if DNS not in stack or "answers" in given or "rcode" in given:
            return stack
        query = self.queries.get(to)
        if query is not None and query.qd:
            message = self.answer_from_cache(query, time) if self.recursive else self.answer_from_zone(query)
        elif self.recursive and self.question is not None:
            message = self.iterative_query(stack.getlayer(DNS), given)
        else:
            return stack
        if message is None:
            return stack
        message = dns_compress(message)  # names as pointers, as every server writes them (RFC 1035 §4.1.4)
        dns = stack.getlayer(DNS)
        underlayer = dns.underlayer
        if underlayer is None:
            return message
        underlayer.remove_payload()
        underlayer.add_payload(message)
        return stack

    def iterative_query(self, dns: Any, given: dict[str, Any]) -> Any:
        """The resolver asks a name server its client's question, without asking for recursion."""
        from scapy.layers.dns import DNS

        return DNS(id=dns.id, qr=0, rd=int(given.get("rd", False)), qd=self.question)

    def answer_from_zone(self, query: Any) -> Any:
        """An authoritative answer, a referral to a delegated zone, or NXDOMAIN."""
        from scapy.layers.dns import DNS, DNSRR

        question = query.qd[0] if isinstance(query.qd, list) else query.qd
        name = _name(question.qname)
        qtype = question.qtype
        zone = self.device.node.zone
        answers = [
            DNSRR(rrname=question.qname, type=qtype, ttl=r.ttl, rdata=value.split("/")[0])
            for r in zone
            if _name(r.name) == name
            for value in (r.a if qtype == A else r.aaaa if qtype == AAAA else ())
        ]
        flags = {"id": query.id, "qr": 1, "rd": query.rd, "ra": 0, "qd": question}
        if answers:
            return DNS(aa=1, rcode=0, an=answers, **flags)
        delegation = max(
            (r for r in zone if r.ns and _under(name, _name(r.name))), key=lambda r: len(_name(r.name)), default=None
        )
        if delegation is None:
            return DNS(aa=1, rcode=3, **flags)
        authority = [DNSRR(rrname=_fqdn(delegation.name), type="NS", ttl=delegation.ttl, rdata=_fqdn(ns)) for ns in delegation.ns]
        glue = [
            DNSRR(rrname=_fqdn(r.name), type="A", ttl=r.ttl, rdata=value.split("/")[0])
            for ns in delegation.ns
            for r in zone
            if _name(r.name) == _name(ns)
            for value in r.a
        ]
        return DNS(aa=0, rcode=0, ns=authority, ar=glue, **flags)

    def answer_from_cache(self, query: Any, time: float) -> Any:
        """A resolver's answer: from its cache (or its own zone), RA set, AA clear, TTLs counted down."""
        from scapy.layers.dns import DNS, DNSRR

        question = query.qd[0] if isinstance(query.qd, list) else query.qd
        name = _name(question.qname)
        now = self.device.sim.scene_seconds(time)
        answers = [
            DNSRR(rrname=question.qname, type=question.qtype, ttl=max(0, ttl - int(now - stored)), rdata=value)
            for value, ttl, stored in self.cache.get((name, question.qtype), [])
        ]
        if not answers and self.device.node.zone:
            local = self.answer_from_zone(query)
            answers = list(_records(local.an))
        rcode = 0 if answers else 2  # SERVFAIL: nothing learned to answer with
        return DNS(id=query.id, qr=1, aa=0, rd=query.rd, ra=1, rcode=rcode, qd=question, an=answers)


def _fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


def _records(section: Any) -> list[Any]:
    """A DNS section as a list of records (scapy gives a list, one record, or None)."""
    if section is None:
        return []
    return list(section) if isinstance(section, list) else [section]


def _record_text(record: Record) -> tuple[str, str]:
    if record.ns:
        return "NS", ", ".join(record.ns)
    return ("A", ", ".join(record.a)) if record.a else ("AAAA", ", ".join(record.aaaa))
