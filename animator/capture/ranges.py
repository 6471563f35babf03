"""Packet ranges as people type them ("A-B", "A-", "-B", "N"), shared by ``import --range`` and the import dialog."""

from __future__ import annotations

import re


def packet_range(text: str) -> tuple[int, int | None]:
    """``text`` → (first, last or None for "to the end"); packets count from 1, as Wireshark numbers them.

    Raises ``ValueError`` with the one-line message to show (argparse shows a ValueError's message
    only for its own types, so the CLI wraps it in ``ArgumentTypeError``).
    """
    match = re.fullmatch(r"\s*(\d*)\s*(-?)\s*(\d*)\s*", text)
    if not match or not (match.group(1) or match.group(3)) or (match.group(3) and not match.group(2)):
        raise ValueError(f"'{text}' is not a packet range: expected A-B, A- or -B (packets count from 1)")
    first = int(match.group(1) or 1)
    last = int(match.group(3)) if match.group(3) else (None if match.group(2) else first)
    if first < 1 or (last is not None and last < first):
        raise ValueError(f"'{text}' is not a packet range: packets count from 1 and A must not exceed B")
    return first, last
