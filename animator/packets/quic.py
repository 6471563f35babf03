"""A QUIC short-header (1-RTT) packet that carries its Destination Connection ID.

scapy's ``QUIC_1RTT`` leaves the DCID out (its length is not on the wire: only the endpoints
know it), so a short-header packet built with it would be missing bytes every real one has.
Dissecting assumes an 8-byte DCID, the length most implementations choose.
"""

from __future__ import annotations

from scapy.fields import StrLenField
from scapy.layers.quic import QUIC_1RTT
from scapy.packet import Packet

DISSECT_DCID_LEN = 8


class QUICShortHeader(Packet):
    """RFC 9000 §17.3.1: flags byte, DCID, packet number (1-4 bytes), protected payload."""

    name = "QUIC - 1-RTT (short header)"
    fields_desc = [  # noqa: RUF012 - scapy's declarative layout
        *QUIC_1RTT.fields_desc[:6],
        StrLenField("DstConnID", b"", length_from=lambda pkt: DISSECT_DCID_LEN),
        QUIC_1RTT.fields_desc[6],
    ]

    def mysummary(self) -> str:
        return f"Protected Payload (KP{self.KeyPhase}), DCID={bytes(self.DstConnID).hex()}"
