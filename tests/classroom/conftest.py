"""Class server fixtures: one lecture's pages per session, and servers on 127.0.0.1 (a free port each)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from animator.classroom.address import Binding
from animator.classroom.page import LecturePages, build_pages
from animator.classroom.server import ClassServer
from animator.export.registry import load_source
from tests.conftest import REPO

#: A scene with a question (step 6: "Which port does it appear from on the outside?", answer C).
SCENE = REPO / "scenes" / "home-nat.yaml"
LOOPBACK = Binding("127.0.0.1", "127.0.0.1")


@pytest.fixture(scope="session")
def pages() -> LecturePages:
    return build_pages(load_source(SCENE))


@pytest.fixture
def serve(pages: LecturePages) -> Iterator[Callable[..., ClassServer]]:
    """Start a server (keyword arguments as ClassServer's); every one is stopped after the test."""
    started: list[ClassServer] = []

    def start(**options: Any) -> ClassServer:
        server = ClassServer(pages, LOOPBACK, 0, **options)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        assert not server.running
