"""A duplicate ACK from a Linux receiver carries SACK blocks (RFC 2018) naming what it holds beyond the hole."""

from __future__ import annotations

import pytest

from animator.packets import build_layers, finalize
from animator.packets.problems import FieldError
from tests.packets.conftest import layer


def test_a_sack_block_is_laid_out_as_linux_sends_it_nop_nop_kind_5() -> None:
    options = ["NOP", "NOP", ["SAck", [1201, 1301]]]
    frame = finalize(build_layers([layer("ip", src="192.0.2.1", dst="192.0.2.2"), layer("tcp", flags="A", options=options)]))
    tcp = frame[20:]
    assert tcp[12] >> 4 == 8  # 20 bytes + 12 of options
    assert tcp[20:32].hex() == "0101050a000004b100000515"  # NOP NOP, kind 5 len 10, 1201, 1301


def test_a_sack_without_blocks_is_a_clear_error() -> None:
    with pytest.raises(FieldError, match="1 to 4 blocks"):
        build_layers([layer("tcp", flags="A", options={"SAck": [1201]})])
