"""The guide's "Real packets" examples build: authors copy them."""

from __future__ import annotations

import re

import pytest

from animator.packets import build_layers, check_layers, finalize
from tests.conftest import REPO
from tests.packets.conftest import layers_from_yaml

GUIDE = (REPO / "docs" / "scene-format.md").read_text(encoding="utf-8")
SECTION = GUIDE[GUIDE.index("## 15. Real packets") :]
BLOCKS = [b for b in re.findall(r"```yaml\n(.*?)```", SECTION, re.S) if b.startswith("layers:")]


def test_the_section_has_examples_of_every_layer() -> None:
    names = {layer.name for block in BLOCKS for layer in layers_from_yaml(block.split("\n", 1)[1])}
    assert names >= {"ether", "arp", "ip", "icmp", "tcp", "udp", "dns", "http", "tls", "http2", "websocket", "quic"}


@pytest.mark.parametrize("block", BLOCKS, ids=[b.splitlines()[1].strip()[:40] for b in BLOCKS])
def test_every_layers_example_checks_and_builds(block: str) -> None:
    layers = layers_from_yaml(block.split("\n", 1)[1])
    assert [str(e) for e in check_layers(layers, "scene-format.md")] == []
    assert finalize(build_layers(layers))


def test_documented_error_messages_are_the_real_ones() -> None:
    shown = re.search(r"### Mistakes in layers\n.*?```\n(.*?)```", SECTION, re.S)
    assert shown is not None
    samples = {
        "- tpc: {}\n": "unknown layer 'tpc' (did you mean 'tcp'?)",
        "- tcp: {dprot: 80}\n": "unknown field 'dprot' in tcp (did you mean 'dport'?)",
        "- tcp: {flags: SX}\n": "tcp.flags: 'SX': unknown flag 'X'; the flags are F S R P A U E C N",
        "- tcp: {dport: 70000}\n": "tcp.dport: 70000 is out of range: expected 0 to 65535",
        "- websocket: {key: 37fa21zz}\n": "websocket.key: '37fa21zz' is not hex (expected pairs of hex digits, e.g. 37fa213d)",
        "- http\n- tcp\n": "'tcp' cannot come after 'http': list layers outermost first, e.g. [ip, tcp, http]",
    }
    for text, message in samples.items():
        (error,) = check_layers(layers_from_yaml(text), "x")
        assert error.message == message
        assert message in shown.group(1)
