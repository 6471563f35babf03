"""scapy's messages go through Python logging, never raw to the terminal.

scapy gives its "scapy" logger a handler of its own that writes to stderr and stops records from
reaching the application's logging (``propagate = False``, in ``scapy/error.py``, when scapy is
first imported). A crafted DNS reply in a capture or a scene's ``frame`` then printed "WARNING: DNS
decompression loop detected" in the middle of ``validate`` or ``import`` output, and in the
terminal the player was started from. ``route_scapy_logging`` takes that handler away and lets
the records propagate, so they land wherever the application's logging sends them (nowhere, by
default; a test's ``caplog``), at their own level and with their own logger names.

Two HPACK paths of ``scapy.contrib.http2`` ``print()`` instead of logging; ``hpack_text`` turns
that output into debug records too.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
from typing import Any

log = logging.getLogger("animator.packets")


@functools.cache
def route_scapy_logging() -> None:
    """Make scapy log like any library: no handler of its own, records propagate. Idempotent.

    It must run after scapy's first import (which installs the handler), so it imports
    ``scapy.error`` itself: that module is small and loads no layers.
    """
    import scapy.error

    scapy_log = logging.getLogger("scapy")
    scapy_log.removeHandler(scapy.error._handler)
    # Without any handler on the way up, logging's last resort would print warnings to stderr
    # itself; a NullHandler says "handled" and leaves the output to the application's handlers.
    if not any(isinstance(h, logging.NullHandler) for h in scapy_log.handlers):
        scapy_log.addHandler(logging.NullHandler())
    scapy_log.propagate = True


def hpack_text(frame: Any) -> str:
    """scapy's text of an HTTP/2 HEADERS frame (``HPackHdrTable().gen_txt_repr``), without its prints.

    A header that refers to the connection's dynamic table cannot be resolved from one frame;
    scapy skips it and ``print()``s the KeyError ("EINVAL: idx: out-of-bound read: 2; maximum
    index: 0"), which reached stdout whenever the inspector or a summary read such a frame. The
    text is captured and logged at debug level. (``redirect_stdout`` is process-wide: a thread
    printing at the same instant would be logged too, not lost.)
    """
    from scapy.contrib.http2 import HPackHdrTable

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        text: str = HPackHdrTable().gen_txt_repr(frame)
    for line in printed.getvalue().splitlines():
        log.debug("HPACK header not in this frame's table: %s", line)
    return text
