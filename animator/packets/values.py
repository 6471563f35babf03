"""Checks for the values authors write in a layer: each rule returns a problem or None.

Rules run before scapy sees a value, so a typo becomes a one-line scene error naming the
field ("port 70000 is out of range") instead of a ``struct.error`` traceback at build time.
"""

from __future__ import annotations

import ipaddress
import re
import struct
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from animator.model.errors import did_you_mean

Rule = Callable[[object], str | None]

_MAC = re.compile(r"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$")
_HEX_JUNK = re.compile(r"[\s:]")


def show(value: object) -> str:
    """A value as the author wrote it, short enough for a one-line message."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integer(lo: int, hi: int) -> Rule:
    def rule(value: object) -> str | None:
        if not is_int(value):
            return f"{show(value)} is not a whole number (expected {lo} to {hi})"
        if not lo <= value <= hi:  # type: ignore[operator]
            return f"{value} is out of range: expected {lo} to {hi}"
        return None

    return rule


def choice(names: Iterable[str], numbers: tuple[int, int] | None = None) -> Rule:
    """One of ``names`` (or, when ``numbers`` is given, a whole number in that range)."""
    names = tuple(names)

    def rule(value: object) -> str | None:
        if numbers is not None and not isinstance(value, str):
            return integer(*numbers)(value)
        if isinstance(value, str) and value in names:
            return None
        hint = did_you_mean(str(value), names) if isinstance(value, str) else ""
        if len(names) <= 20:
            expected = f"expected one of: {', '.join(names)}" + (f", or {numbers[0]} to {numbers[1]}" if numbers else "")
        else:  # e.g. every service name scapy knows for a port
            expected = f"expected a number from {numbers[0]} to {numbers[1]} or a known name" if numbers else "see the docs"
        return f"unknown value {show(value)}{hint}; {expected}"

    return rule


def text(value: object) -> str | None:
    return None if isinstance(value, str) else f"{show(value)} is not text (quote it)"


def boolean(value: object) -> str | None:
    return None if isinstance(value, bool) else f"{show(value)} is not true or false"


def text_or_number(value: object) -> str | None:
    return None if isinstance(value, str | int | float) and not isinstance(value, bool) else f"{show(value)} is not text"


def hex_bytes(value: object, size: int | None = None) -> str | None:
    """Hex digits, whitespace and colons allowed (``37 fa 21 3d``, ``37:fa:21:3d``)."""
    if is_int(value) and size is None:
        value = str(value)  # YAML reads 1234 as a number; it is still hex digits
    if not isinstance(value, str):
        return f"{show(value)} is not hex (expected pairs of hex digits, e.g. 37fa213d)"
    digits = _HEX_JUNK.sub("", value)
    if not re.fullmatch(r"(?:[0-9A-Fa-f]{2})*", digits):
        return f"{show(value)} is not hex (expected pairs of hex digits, e.g. 37fa213d)"
    if size is not None and len(digits) != 2 * size:
        return f"{show(value)} is {len(digits) // 2} bytes: expected exactly {size} bytes of hex"
    return None


def hex_of(size: int | None = None) -> Rule:
    return lambda value: hex_bytes(value, size)


def unhex(value: object) -> bytes:
    return bytes.fromhex(_HEX_JUNK.sub("", str(value)))


def ipv4(value: object) -> str | None:
    try:
        ipaddress.IPv4Address(value)
    except (ValueError, TypeError):
        return f"{show(value)} is not an IPv4 address (e.g. 192.0.2.10)"
    return None


def ipv6(value: object) -> str | None:
    try:
        ipaddress.IPv6Address(value)
    except (ValueError, TypeError):
        return f"{show(value)} is not an IPv6 address (e.g. 2001:db8::10)"
    return None


def mac(value: object) -> str | None:
    if isinstance(value, str) and _MAC.match(value):
        return None
    return f"{show(value)} is not a MAC address (e.g. 02:00:5e:00:00:01)"


def text_map(value: object) -> str | None:
    if not isinstance(value, Mapping):
        return f"{show(value)} is not a mapping (write {{Name: value, ...}})"
    for key, item in value.items():
        if not isinstance(key, str) or isinstance(item, list | dict) or item is None:
            return f"entry {show(key)}: expected 'Name: value' with a plain value"
    return None


def text_list(value: object) -> str | None:
    if isinstance(value, str):
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f"{show(value)} is not a list of text (write [a, b])"
    return None


# -- scapy's own fields --------------------------------------------------------------------
def scapy_field_rule(field: Any) -> Rule | None:
    """A rule for one scapy field object from its type, or None when only a trial build can tell."""
    from scapy import fields as f

    inner = getattr(field, "fld", None) or getattr(field, "dflt", None) or field  # Conditional/MultipleType
    if isinstance(inner, f.FlagsField):
        return _flags_rule(inner)
    if isinstance(inner, f.MACField):
        return mac
    if isinstance(inner, f.IPField):
        return ipv4
    if isinstance(inner, f.IP6Field):
        return ipv6
    lo_hi = _int_range(inner)
    if lo_hi is None:
        return None
    names = _enum_names(inner)
    return choice(names, lo_hi) if names else integer(*lo_hi)


def _int_range(field: Any) -> tuple[int, int] | None:
    from scapy import fields as f

    if isinstance(field, f.BitField):
        return 0, (1 << field.size) - 1
    if isinstance(field, f.StrField | f.PacketField | f.PacketListField | f.FieldListField):
        return None
    fmt = getattr(field, "fmt", "")
    if not fmt or fmt[-1] not in "bBhHiIlLqQ":
        return None
    size = struct.calcsize(fmt)
    if isinstance(field, f.ThreeBytesField):
        size = 3
    if fmt[-1].islower():
        return -(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1
    return 0, (1 << (8 * size)) - 1


def _enum_names(field: Any) -> tuple[str, ...]:
    s2i = getattr(field, "s2i", None)
    if isinstance(s2i, dict) and s2i:
        return tuple(str(k) for k in s2i)
    return ()


def _flags_rule(field: Any) -> Rule:
    names = [n for n in field.names if n]
    letters = all(len(n) == 1 for n in names)
    hi = (1 << field.size) - 1

    def rule(value: object) -> str | None:
        if is_int(value):
            return integer(0, hi)(value)
        if isinstance(value, str) and letters:
            bad = [c for c in value if c not in names]
            if bad:
                return f"{show(value)}: unknown flag '{bad[0]}'; the flags are {' '.join(names)}"
            return None
        parts = value.replace("|", "+").split("+") if isinstance(value, str) else value
        if isinstance(parts, list) and all(isinstance(p, str) for p in parts):
            for part in parts:
                if part and part not in names:
                    return f"unknown flag {show(part)}{did_you_mean(part, names)}; the flags are {', '.join(names)}"
            return None
        return f"{show(value)} is not a set of flags; the flags are {' '.join(names)}"

    return rule
