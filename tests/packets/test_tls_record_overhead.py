"""Records shown in the clear are as long as on the wire, and the inspector says what the extra bytes are.

AES-GCM adds 17 bytes to a TLS 1.3 record (inner content type + 16-byte tag, RFC 8446 §5.2) and 24 to
a TLS 1.2 one (8-byte explicit nonce + tag, RFC 5288 §3). A lesson that showed the plaintext's length
had every later TCP sequence number off by that much from a real capture.
"""

from __future__ import annotations

import pytest

from animator.packets.builders_tls import open_in_clear, seal_in_clear
from animator.packets.dissect import FieldNode, dissect
from animator.packets.stack import build_layers, finalize
from tests.packets.conftest import layer

REQUEST = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"


def find(nodes: tuple[FieldNode, ...], key: str) -> FieldNode:
    for node in nodes:
        if node.key == key:
            return node
        try:
            return find(node.children, key)
        except LookupError:
            continue
    raise LookupError(key)


@pytest.mark.parametrize(("protocol", "overhead"), [("tls1.3", 17), ("tls1.2", 24)])
def test_record_length_is_plaintext_plus_aead_overhead_and_the_inspector_says_so(protocol: str, overhead: int) -> None:
    tls = layer("tls", msg="application_data", protocol=protocol)
    frame = finalize(
        build_layers([layer("ether"), layer("ip"), layer("tcp"), tls, layer("http", path="/", headers={"Host": "example.com"})])
    )
    nodes = dissect(frame)
    record = find(nodes, "TLS")
    length = find(record.children, "len")
    assert int(length.value) == len(REQUEST) + overhead
    assert f"{len(REQUEST)} bytes of content + {overhead} of AES-GCM overhead" in length.meaning
    content = find(record.children, "plaintext")
    assert frame[content.start : content.end] == REQUEST
    tag = find(record.children, "tag")
    assert tag.end - tag.start == 16 and tag.end == record.end
    if protocol == "tls1.2":
        nonce = find(record.children, "explicit_nonce")
        assert (nonce.start, nonce.end) == (content.start - 8, content.start)
    else:
        assert find(record.children, "inner_type").value == "23"


def test_a_proxy_ending_tls_reads_the_plaintext_back() -> None:
    for tls12 in (False, True):
        assert open_in_clear(seal_in_clear(REQUEST, tls12=tls12)) == REQUEST
    opaque = bytes(range(40))  # an opaque stand-in record is left as it is
    assert open_in_clear(opaque) == opaque
