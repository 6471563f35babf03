"""The gRPC scene (issue 16, item 8): Wireshark, told that port 50051 is HTTP/2, must read the calls
the captions describe — three streams on one connection, length-prefixed protobuf messages of the
sizes the notes give, and the status in trailers (grpc-status 0, 0, then 5 with its message)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from animator.export.pcap import export_pcap
from animator.model.deck import load_deck
from tests.conftest import REPO
from tests.scenekit import timeline

TSHARK = shutil.which("tshark")


def fields(tmp_path: Path, *names: str) -> list[list[str]]:
    """One row per packet carrying any of ``names``, as tshark reads the scene's capture as HTTP/2."""
    assert TSHARK is not None, "CI must have tshark (scripts/system-deps.sh installs it)"
    out = tmp_path / "grpc.pcapng"
    export_pcap(timeline("grpc"), out)
    columns = [arg for name in names for arg in ("-e", name)]
    options = ["-d", "tcp.port==50051,http2", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    text = subprocess.run(
        [TSHARK, "-n", "-r", str(out), *options, *columns],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.split("\t") for line in text.splitlines() if line.strip("\t")]


def test_every_call_is_a_post_to_a_service_method_with_grpc_headers(tmp_path: Path) -> None:
    rows = fields(tmp_path, "http2.headers.path", "http2.streamid")
    paths = [row[0] for row in rows if row[0]]
    assert paths == ["/shop.Inventory/GetItem", "/shop.Inventory/ListItems", "/shop.Inventory/GetItem"]
    names = [name for row in fields(tmp_path, "http2.header.name") for name in row[0].split("|")]
    assert names.count("te") == 3  # every request says it takes trailers
    assert names.count("content-type") == 6  # application/grpc: three requests, three responses


def test_messages_carry_the_five_byte_prefix_with_the_protobuf_lengths_the_notes_give(tmp_path: Path) -> None:
    lengths = [n for row in fields(tmp_path, "grpc.message_length") for n in row[0].split("|")]
    assert lengths == ["2", "10", "9", "10", "10", "7", "2"]


def test_the_status_travels_in_trailers_and_the_failure_is_not_found_under_a_200(tmp_path: Path) -> None:
    statuses = []
    for counts, names, values in fields(tmp_path, "http2.header.count", "http2.header.name", "http2.header.value"):
        pairs = list(zip(names.split("|"), values.split("|"), strict=True))
        for count in map(int, counts.split("|")):  # one header block per HEADERS frame
            block, pairs = dict(pairs[:count]), pairs[count:]
            if "grpc-status" in block:
                statuses.append((block.get(":status"), block["grpc-status"], block.get("grpc-message", "")))
    assert statuses == [(None, "0", ""), (None, "0", ""), ("200", "5", "item 42 not found")]


def test_nothing_is_malformed_when_read_as_grpc(tmp_path: Path) -> None:
    assert fields(tmp_path, "_ws.malformed", "grpc.body_malformed") == []


def test_the_course_shows_http2_before_grpc() -> None:
    files = [entry.file for entry in load_deck(REPO / "scenes" / "backend-fundamentals.deck.yaml").scenes]
    assert files.index("http-2.yaml") < files.index("grpc.yaml")
