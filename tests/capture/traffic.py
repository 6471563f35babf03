"""Captures for the tests, built with scapy: a short web visit a lecturer would recognise.

A laptop (192.168.1.23) asks the home router (192.168.1.1, also its DNS resolver) for
www.example.org, opens a TCP connection to it, GETs /a.txt, receives a bulk response, closes;
then a TLS ClientHello to another server, an ARP exchange and a ping. Timestamps are fixed so
captions, notes and timing are reproducible.
"""

from __future__ import annotations

from pathlib import Path

LAPTOP, ROUTER, WEB, TLS_SERVER = "192.168.1.23", "192.168.1.1", "93.184.216.34", "151.101.1.69"
LAPTOP_MAC, ROUTER_MAC = "02:00:5e:00:01:23", "02:00:5e:00:00:01"


def client_hello(server_name: str) -> bytes:
    """A minimal TLS 1.2 ClientHello record with an SNI extension, assembled by hand (no TLS layer needed)."""
    name = server_name.encode()
    sni = len(name).to_bytes(2, "big")
    sni = b"\x00" + sni + name
    sni_ext = b"\x00\x00" + (len(sni) + 2).to_bytes(2, "big") + len(sni).to_bytes(2, "big") + sni
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" + len(sni_ext).to_bytes(2, "big") + sni_ext
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + len(handshake).to_bytes(2, "big") + handshake


def web_visit() -> list:
    from scapy.layers.dns import DNS, DNSQR, DNSRR
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.l2 import ARP, Ether
    from scapy.packet import Raw

    up = Ether(src=LAPTOP_MAC, dst=ROUTER_MAC)
    down = Ether(src=ROUTER_MAC, dst=LAPTOP_MAC)
    out = []

    def add(pkt, t: float) -> None:
        pkt.time = 1_700_000_000 + t
        out.append(pkt)

    add(up / IP(src=LAPTOP, dst=ROUTER) / UDP(sport=40000, dport=53) / DNS(rd=1, qd=DNSQR(qname="www.example.org")), 0.000)
    add(
        down
        / IP(src=ROUTER, dst=LAPTOP)
        / UDP(sport=53, dport=40000)
        / DNS(qr=1, qd=DNSQR(qname="www.example.org"), an=DNSRR(rrname="www.example.org", rdata=WEB)),
        0.012,
    )
    c, s = 1000, 5000
    add(up / IP(src=LAPTOP, dst=WEB) / TCP(sport=50123, dport=80, flags="S", seq=c), 0.020)
    add(down / IP(src=WEB, dst=LAPTOP) / TCP(sport=80, dport=50123, flags="SA", seq=s, ack=c + 1), 0.045)
    add(up / IP(src=LAPTOP, dst=WEB) / TCP(sport=50123, dport=80, flags="A", seq=c + 1, ack=s + 1), 0.046)
    request = b"GET /a.txt HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"
    add(up / IP(src=LAPTOP, dst=WEB) / TCP(sport=50123, dport=80, flags="PA", seq=c + 1, ack=s + 1) / Raw(request), 0.047)
    response = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6000\r\n\r\n"
    seq = s + 1
    add(
        down
        / IP(src=WEB, dst=LAPTOP)
        / TCP(sport=80, dport=50123, flags="PA", seq=seq, ack=c + 1 + len(request))
        / Raw(response),
        0.072,
    )
    seq += len(response)
    for i in range(6):  # the body: bulk data with ACKs
        add(
            down
            / IP(src=WEB, dst=LAPTOP)
            / TCP(sport=80, dport=50123, flags="A", seq=seq, ack=c + 1 + len(request))
            / Raw(b"x" * 1000),
            0.073 + 0.001 * i,
        )
        seq += 1000
        if i % 2:
            add(
                up / IP(src=LAPTOP, dst=WEB) / TCP(sport=50123, dport=80, flags="A", seq=c + 1 + len(request), ack=seq),
                0.0735 + 0.001 * i,
            )
    add(up / IP(src=LAPTOP, dst=WEB) / TCP(sport=50123, dport=80, flags="FA", seq=c + 1 + len(request), ack=seq), 5.2)  # idle gap
    add(down / IP(src=WEB, dst=LAPTOP) / TCP(sport=80, dport=50123, flags="FA", seq=seq, ack=c + 2 + len(request)), 5.225)
    add(
        up
        / IP(src=LAPTOP, dst=TLS_SERVER)
        / TCP(sport=50124, dport=443, flags="PA", seq=1, ack=1)
        / Raw(client_hello("www.python.org")),
        5.3,
    )
    add(Ether(src=LAPTOP_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, psrc=LAPTOP, pdst=ROUTER, hwsrc=LAPTOP_MAC), 5.4)
    add(down / ARP(op=2, psrc=ROUTER, pdst=LAPTOP, hwsrc=ROUTER_MAC, hwdst=LAPTOP_MAC), 5.401)
    add(up / IP(src=LAPTOP, dst=ROUTER) / ICMP(type=8, id=1, seq=1), 5.5)
    add(down / IP(src=ROUTER, dst=LAPTOP) / ICMP(type=0, id=1, seq=1), 5.501)
    return out


def write_web_visit(path: Path, fmt: str = "pcap") -> Path:
    """The web visit as pcap (``wrpcap``) or pcapng (``PcapNgWriter``); returns ``path``."""
    from scapy.utils import PcapNgWriter, wrpcap

    packets = web_visit()
    if fmt == "pcapng":
        writer = PcapNgWriter(str(path))
        for pkt in packets:
            writer.write(pkt)
        writer.close()
    else:
        wrpcap(str(path), packets)
    return path
