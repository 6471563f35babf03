"""An HTTPS-intercepting forward proxy: Squid's ssl-bump (``proxy: {bump: true}``).

Squid configured with ``ssl_bump peek step1 / ssl_bump stare step2 / ssl_bump bump all`` does,
per CONNECT (checked with Squid 5.7 and curl, docs/scenes/checks.md "TLS interception"):

1. answers ``200 Connection established`` at once, before it connects anywhere;
2. **peek** (step 1): reads the client's ClientHello (name, ALPN, versions), answers nothing yet;
3. **stare** (step 2): opens its own TCP connection to the CONNECT target and sends a ClientHello
   of its own (same name, ALPN ``http/1.1`` only: Squid speaks no HTTP/2, TLS 1.3 only if the
   client offered it), and reads the origin's answer;
4. finishes that handshake (TLS 1.3: its ChangeCipherSpec and Finished; TLS 1.2: its key
   exchange, ChangeCipherSpec and Finished, then the origin's Finished);
5. **bump** (step 3): answers the client's ClientHello itself with a certificate it mints for the
   name, issued by its own CA (``proxy: {ca: ...}``);
6. reads each request in the clear and sends it on in its own session, with its headers added
   (Via, X-Forwarded-For, ``request_headers``), and the responses back the same way.

The other side's packets — the client's handshake and requests, the origin's handshake and
responses — are the scene's sends, as everywhere in the simulator: TLS has no keys here, and an
application-data record carries its plaintext (``builders_tls.seal_in_clear``), which is what the
proxy reads after decrypting. The proxy's own packets are built here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from animator.engine.sim.core import Arrival
from animator.engine.sim.features.relay import _HOP_BY_HOP, HttpRelay, _complete_message, _tls_records
from animator.engine.sim.journey import Leg
from animator.engine.sim.scapy_layers import layers
from animator.engine.sim.tcp import RST, Connection
from animator.model.kinds import TableKind
from animator.packets.builders_tls import build_tls, opened_in_clear, seal_in_clear
from animator.packets.tls_bump import ClientHelloInfo, echo_session_id, mint_certificate, read_client_hello

if TYPE_CHECKING:
    from animator.engine.sim.devices.stack import Stack

ConnKey = tuple[tuple[str, int], tuple[str, int]]

#: Seconds between the ACK that completes the upstream handshake and the ClientHello behind it.
HELLO_GAP = 0.12

#: TLS record content types.
_CCS, _ALERT, _HANDSHAKE, _DATA = 20, 21, 22, 23
#: Handshake message types that tell the origin's flight apart: TLS 1.2's ServerHelloDone.
_SERVER_HELLO_DONE = 14
#: What TLS 1.3 puts in encrypted records around a certificate: the Certificate message's own
#: header (4), context (1), list and entry lengths (3 + 3) and entry extensions (2), then AEAD (17).
_CERT_RECORD_OVERHEAD = 4 + 1 + 3 + 3 + 2 + 17


@dataclass
class Interception:
    """One bumped CONNECT: the client's connection, what Squid learnt, and its own upstream."""

    client: ConnKey
    target: str
    hello: ClientHelloInfo | None = None
    upstream: ConnKey | None = None
    #: "peek" (waiting for the ClientHello), "stare" (origin handshake), "bumped", "refused".
    step: str = "peek"
    #: The upstream runs TLS 1.2 and waits for the origin's Finished before bumping the client.
    awaiting_origin_finished: bool = False
    client_bytes: bytearray = field(default_factory=bytearray)
    origin_bytes: bytearray = field(default_factory=bytearray)


class BumpingRelay(HttpRelay):
    """A forward proxy that intercepts the TLS inside CONNECT tunnels instead of relaying it."""

    def __init__(self, device: Stack) -> None:
        super().__init__(device, forward=True)
        self.by_client: dict[ConnKey, Interception] = {}
        self.by_upstream: dict[ConnKey, Interception] = {}
        #: Squid's ssl_db: a certificate is minted once per name and reused.
        self.minted: dict[str, tuple[bytes, int]] = {}

    # -- hooks into the HTTP relay -----------------------------------------------------------------
    def receive(self, arrival: Arrival, ip: Any) -> None:
        sc = layers()
        tcp = ip.getlayer(sc.TCP) if sc.TCP in ip else None
        key = ((ip.dst, tcp.dport), (ip.src, tcp.sport)) if tcp is not None else None
        if tcp is None or int(tcp.flags) & RST or key in self.tunnels_opening:
            super().receive(arrival, ip)
            return
        job = self.by_client.get(key) or self.by_upstream.get(key)  # type: ignore[arg-type]
        payload = bytes(tcp.payload) if tcp.payload else b""
        if job is None or not payload:
            super().receive(arrival, ip)
            return
        conn = self.device.receive_tcp(arrival, ip, tcp)
        if conn is None:
            return
        if key == job.client:
            self.from_client(arrival, conn, job, payload)
        else:
            self.from_origin(arrival, conn, job, payload)

    def request(self, arrival: Arrival, conn: Connection, message: bytes) -> None:
        if not message.startswith(b"CONNECT "):
            super().request(arrival, conn, message)
            return
        target = message.split(b" ", 2)[1].decode("latin-1")
        key = (conn.local, conn.remote)
        self.by_client[key] = Interception(key, target)
        self.device.remark(arrival.time, f"CONNECT {target}: 200 at once (ssl_bump peek)")
        self.publish(arrival.time)
        self.answer(arrival, conn, 200, "Connection established", "")

    def tunnel_established(self, arrival: Arrival, upstream: Connection) -> None:
        """Connected to the origin for a bumped CONNECT: ACK, then Squid's own ClientHello."""
        key = (upstream.local, upstream.remote)
        job = self.by_upstream.get(key)
        if job is None or job.hello is None:
            super().tunnel_established(arrival, upstream)
            return
        del self.tunnels_opening[key]
        device = self.device
        leg = self.ack_handshake(arrival, upstream)
        upstream.tls = True
        # The origin answers its TLS client, the proxy: its handshake records are sends "to" the proxy.
        origin = device.net.owner_of(ipaddress.ip_address(upstream.remote[0]))
        theirs = device.peer(origin).conns.get((upstream.remote, upstream.local)) if origin else None
        if theirs is not None:
            theirs.peers.add(self.id)
        fields: dict[str, Any] = {"msg": "client_hello", "sni": job.hello.sni, "alpn": ["http/1.1"]}
        if not job.hello.tls13:
            fields["protocol"] = "tls1.2"
        hello = bytes(build_tls(fields, f"{self.id} {upstream.local}"))
        job.step = "stare"
        self.publish(arrival.time)
        # Right behind the ACK (as Squid sent it); drawn a moment later so the chips do not cover each other.
        self.send_on(leg, upstream, hello, arrival.time + HELLO_GAP, f"{self.label}'s ClientHello", "tls")

    # -- the client's side -------------------------------------------------------------------------
    def from_client(self, arrival: Arrival, conn: Connection, job: Interception, payload: bytes) -> None:
        device = self.device
        if job.step == "peek":
            hello = read_client_hello(payload)
            if hello is None:
                return
            job.hello = hello
            name, _, port = job.target.rpartition(":")
            device.remark(arrival.time, f"step 1 peek: SNI {hello.sni}")
            destination = self.node_for_host(name)
            if destination is None:
                self.answer(arrival, conn, *self.failed, f"cannot resolve {name}")
                return
            before = set(self.tunnels_opening)
            self.open_connection(arrival, destination, int(port or 443), conn, job.target)
            opened = next(iter(set(self.tunnels_opening) - before), None)
            if opened is not None:
                job.upstream = opened
                self.by_upstream[opened] = job
            return
        for content_type, body in _tls_records(payload):
            if content_type == _ALERT and len(body) >= 2 and body[0] == 2:
                job.step = "refused"
                device.remark(arrival.time, f"client refused the minted certificate (alert {body[1]})")
                self.publish(arrival.time)
            elif content_type == _DATA and opened_in_clear(body) is not None:
                job.client_bytes += body[slice(*opened_in_clear(body)[1:])]  # type: ignore[index]
        message = _complete_message(bytes(job.client_bytes))
        if message is None or job.upstream is None:
            return
        del job.client_bytes[: len(message)]
        self.forward_request(arrival, conn, job, message)

    def forward_request(self, arrival: Arrival, conn: Connection, job: Interception, message: bytes) -> None:
        """A request read in the clear goes to the origin in the proxy's own session, with its headers."""
        head, _, body = message.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = ([*lines[0].split(" "), "", "", ""])[:3]
        headers = [tuple(line.split(":", 1)) for line in lines[1:] if ":" in line]
        headers = [(k, v) for k, v in headers if k.strip().lower() not in _HOP_BY_HOP]
        headers, xff = self.forwarded_for(headers, conn.remote[0])
        host = next((v.strip() for k, v in headers if k.strip().lower() == "host"), job.target)
        added = [tuple(line.split(":", 1)) for line in self.settings.request_headers]
        text = f"{method} {target} {version}\r\n" + "".join(f"{k}:{v}\r\n" for k, v in headers)
        text += "".join(f"{k}: {v}\r\n" for k, v in [*self.via_header(), *xff])
        text += "".join(f"{k.strip()}: {v.strip()}\r\n" for k, v in added) + "\r\n"
        assert job.upstream is not None
        upstream = self.device.conns[job.upstream]
        self.device.remark(arrival.time, f"decrypted: {method} https://{host}{target}")
        record = _record(_DATA, seal_in_clear(text.encode("latin-1") + body, tls12=not self.tls13(job)))
        self.send_on(arrival.leg, upstream, record, arrival.time, f"{method} {target} (re-encrypted)", "tls")

    # -- the origin's side -------------------------------------------------------------------------
    def from_origin(self, arrival: Arrival, conn: Connection, job: Interception, payload: bytes) -> None:
        records = _tls_records(payload)
        types = [t for t, _ in records]
        if job.step == "stare" and not job.awaiting_origin_finished and _HANDSHAKE in types:
            self.origin_hello(arrival, conn, job, records)
            return
        if job.step == "stare" and job.awaiting_origin_finished and _CCS in types:
            job.awaiting_origin_finished = False
            self.bump_client(arrival.leg, job, arrival.time)
            return
        for content_type, body in records:
            if content_type == _DATA and opened_in_clear(body) is not None:
                job.origin_bytes += body[slice(*opened_in_clear(body)[1:])]  # type: ignore[index]
        message = _complete_message(bytes(job.origin_bytes))
        if message is None:
            return
        del job.origin_bytes[: len(message)]
        client = self.device.conns.get(job.client)
        if client is None:
            return
        message = self.mark_response(message)
        status = message.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 1)[-1]
        record = _record(_DATA, seal_in_clear(message, tls12=not self.tls13(job)))
        self.send_on(arrival.leg, client, record, arrival.time, f"{status} (re-encrypted)", "tls")

    def origin_hello(self, arrival: Arrival, conn: Connection, job: Interception, records: list[tuple[int, bytes]]) -> None:
        """Step 2, stare: the origin's ServerHello (and certificate) arrived. Finish that handshake;
        TLS 1.3 is done once the proxy's Finished is out, TLS 1.2 when the origin's Finished arrives."""
        device = self.device
        seed = f"{self.id} {conn.local}"
        tls12 = any(t == _HANDSHAKE and body[:1] == bytes([_SERVER_HELLO_DONE]) for t, body in records)
        device.remark(arrival.time, "step 2 stare: the origin's certificate")
        flight: list[dict[str, Any]]
        if tls12:
            flight = [{"msg": "client_key_exchange"}, {"msg": "change_cipher_spec"}, {"msg": "encrypted_handshake"}]
            job.awaiting_origin_finished = True
        else:
            flight = [{"msg": "change_cipher_spec"}, {"msg": "application_data", "length": 53}]
        data = b"".join(bytes(build_tls(fields, seed)) for fields in flight)
        label = "ClientKeyExchange, CCS, Finished" if tls12 else "CCS, Finished"
        self.send_on(arrival.leg, conn, data, arrival.time, label, "tls")
        if not tls12:
            self.bump_client(arrival.leg, job, arrival.time)

    def bump_client(self, cause: Leg, job: Interception, time: float) -> None:
        """Step 3, bump: answer the client's ClientHello with a certificate minted for its name."""
        assert job.hello is not None
        device = self.device
        client = device.conns.get(job.client)
        if client is None:
            return
        name = job.hello.sni or job.target.rpartition(":")[0]
        cert, used = self.minted.get(name, (b"", 0))
        if not cert:
            cert = mint_certificate(name, self.settings.ca, f"{self.id} {name}")
            device.remark(time, f"step 3 bump: minted a certificate for {name}")
        else:
            device.remark(time, f"step 3 bump: {name}'s certificate from ssl_db")
        self.minted[name] = (cert, used + 1)
        client.tls = True
        job.step = "bumped"
        if job.hello.tls13:
            # As the origin's flight: ServerHello, CCS, then EncryptedExtensions, Certificate,
            # CertificateVerify and Finished in records of their own (encrypted: lengths only).
            lengths = (32, len(cert) + _CERT_RECORD_OVERHEAD, 89, 53)
            flight: list[dict[str, Any]] = [{"msg": "server_hello"}, {"msg": "change_cipher_spec"}]
            flight += [{"msg": "application_data", "length": n} for n in lengths]
        else:
            flight = [
                {"msg": "server_hello", "protocol": "tls1.2"},
                {"msg": "certificate", "cert": cert.hex()},
                {"msg": "server_key_exchange"},
                {"msg": "server_hello_done"},
            ]
        seed = f"{self.id} {job.client}"
        records = [bytes(build_tls(fields, seed)) for fields in flight]
        records[0] = echo_session_id(records[0], job.hello.session_id) if job.hello.tls13 else records[0]
        data = b"".join(records)
        self.publish(time)
        self.send_on(cause, client, data, time, "ServerHello + minted cert", "tls")

    # -- what the proxy writes ---------------------------------------------------------------------
    def via_header(self) -> list[tuple[str, str]]:
        """Squid's Via names the proxy and, in a comment, its software: ``1.1 squid (squid/5.7)``."""
        return [("Via", self.via_value)] if self.adds_via else []

    @property
    def via_value(self) -> str:
        product = self.settings.product
        return f"1.1 {self.id}" + (f" ({product})" if product else "")

    def mark_response(self, message: bytes) -> bytes:
        if not self.adds_via:
            return message
        head, sep, body = message.partition(b"\r\n\r\n")
        return head + f"\r\nVia: {self.via_value}".encode() + sep + body

    # -- what the proxy shows ----------------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.device.node.display_label.split(" ")[0]

    def tls13(self, job: Interception) -> bool:
        return job.hello is not None and job.hello.tls13

    def publish(self, time: float) -> None:
        steps = {"peek": "1 peek", "stare": "2 stare", "bumped": "3 bump", "refused": "refused (alert)"}
        rows = []
        for job in self.by_client.values():
            client = f"{job.client[1][0]}:{job.client[1][1]}"
            sni = job.hello.sni if job.hello is not None else f"({job.target})"
            upstream = "—"
            if job.upstream is not None:
                upstream = f"{job.upstream[1][0]} {'TLS 1.3' if self.tls13(job) else 'TLS 1.2'}"
            rows.append((client, sni, steps[job.step], upstream))
        self.device.publish(time, TableKind.SSL_BUMP, rows)
        # The issuer by its common name, as browsers show it ("Issued by"): the table stays narrow.
        issuer = self.settings.ca.rpartition("CN=")[2].strip() or self.settings.ca
        minted = [(f"CN={n}", issuer, f"{u}×") for n, (_, u) in self.minted.items()]
        self.device.publish(time, TableKind.MINTED, minted or None)


def _record(content_type: int, body: bytes) -> bytes:
    return bytes([content_type, 3, 3]) + len(body).to_bytes(2, "big") + body
