"""Nothing PacketStage does with a scene touches the network.

A fuzzed scene once made ``validate`` send a real DNS query (scapy was handed the address
"None" and took it for a host name). These tests block every way out (connect, name lookups)
and load and schedule the built-in scenes, and that reproducer, with the simulator's cache off
so every packet is really built.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from animator.engine import build_timeline
from animator.engine.sim import cache
from animator.model import SceneLoadError, load_scene
from animator.resources import builtin_scenes
from tests.scenekit import NAMELESS_DNS


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Make every connection and name lookup fail, and list each attempt.

    The list matters as much as the failure: code that catches the exception (a layer check
    reporting "cannot build") would otherwise hide that it tried.
    """
    attempts: list[str] = []

    def refuse(what: str) -> Callable[..., Any]:
        def blocked(*args: object, **kwargs: object) -> Any:
            attempts.append(f"{what}{args!r}")
            raise OSError(f"network access blocked by the test: {what}")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", refuse("sendto"))
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "create_connection"):
        monkeypatch.setattr(socket, name, refuse(name))
    monkeypatch.setenv(cache.DISABLE, "1")  # a cached journey would skip building the packets
    yield attempts


@pytest.mark.parametrize("path", builtin_scenes(), ids=lambda p: p.name)
def test_built_in_scenes_load_and_play_offline(no_network: list[str], path: Path) -> None:
    timeline = build_timeline(load_scene(path))
    assert timeline.step_count > 0
    assert no_network == []


def test_a_sender_without_address_is_refused_without_a_dns_query(no_network: list[str], write_scene: Callable[..., Path]) -> None:
    path = write_scene(NAMELESS_DNS)
    with pytest.raises(SceneLoadError) as caught:
        build_timeline(load_scene(path))
    assert [str(e) for e in caught.value.errors] == [
        f"{path}:11:15: step 1: 'i' has no IPv4 address to send from: give it 'ipv4:'"
    ]
    assert no_network == []


def test_scapy_refuses_a_host_name_instead_of_looking_it_up(no_network: list[str]) -> None:
    from animator.engine.sim.scapy_layers import layers

    sc = layers()
    with pytest.raises(ValueError, match="never looks host names up"):
        bytes(sc.IP(src="10.0.0.1", dst="www.example.com"))
    assert bytes(sc.IP(src="10.0.0.1", dst="10.0.0.2"))[16:20] == bytes([10, 0, 0, 2])
    assert no_network == []
