"""Helpers for the packet tests: scene layers with real marks, and tshark (required in CI)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from animator.model.errors import NO_MARK, Mark


@dataclass(frozen=True)
class Layer:
    """Stand-in for animator.model.schema.Layer (the contract's four attributes, nothing more)."""

    name: str
    fields: Mapping[str, object] = field(default_factory=dict)
    mark: Mark = NO_MARK
    marks: Mapping[str, Mark] = field(default_factory=dict)


def layer(name: str, **fields: object) -> Layer:
    return Layer(name, fields)


def layers_from_yaml(text: str) -> list[Layer]:
    """Parse a ``layers:`` list as the loader would: each item's mark and each field value's mark."""
    node = yaml.compose(text)
    values = yaml.safe_load(text)
    out = []
    for item_node, item in zip(node.value, values, strict=True):
        if isinstance(item, str):
            out.append(Layer(item, {}, _mark(item_node)))
            continue
        (key_node, value_node), (name, fields) = item_node.value[0], next(iter(item.items()))
        marks = {k.value: _mark(v) for k, v in value_node.value} if isinstance(value_node, yaml.MappingNode) else {}
        out.append(Layer(name, fields or {}, _mark(key_node), marks))
    return out


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def internet_checksum(data: bytes) -> int:
    """RFC 1071, written independently of scapy so the tests check scapy's arithmetic."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def tshark_path() -> str:
    """tshark's path. Missing tshark skips the calling test, except in CI (CI=true), where it fails."""
    path = shutil.which("tshark")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tshark is not installed, but CI must run the capture checks (scripts/system-deps.sh test installs it)")
        pytest.skip("tshark is not installed (apt-get install tshark); the capture checks need it")
    return path


@pytest.fixture(scope="session")
def tshark() -> Callable[..., str]:
    """Run tshark on a capture (checksum checks on) and return its stdout."""
    path = tshark_path()

    def run(file: Path, *args: str) -> str:
        done = subprocess.run(
            [path, "-r", str(file), "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
             "-o", "udp.check_checksum:TRUE", *args],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run
