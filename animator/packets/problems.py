"""The one exception the packet builders raise: a problem an author can fix, tied to a field."""

from __future__ import annotations

import hashlib


class FieldError(ValueError):
    """A value (or combination of values) that cannot become a packet.

    ``field`` names the offending key so the scene error points at it; None means the layer
    as a whole.
    """

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def seeded_bytes(seed: object, purpose: str, n: int) -> bytes:
    """Deterministic "random" bytes (keys, nonces, opaque payloads): the same scene gives the same bytes.

    Real stacks draw these at random; a lesson replayed twice, or exported to pcap, must not.
    """
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}\x00{purpose}\x00{counter}".encode()).digest()
        counter += 1
    return out[:n]


def seeded_int(seed: object, purpose: str, lo: int, hi: int) -> int:
    """A deterministic integer in [lo, hi] (ephemeral ports, DNS ids)."""
    return lo + int.from_bytes(seeded_bytes(seed, purpose, 8), "big") % (hi - lo + 1)
