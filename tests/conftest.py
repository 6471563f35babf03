"""Shared fixtures. GUI tests run offscreen; nothing here waits on wall-clock time."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_SCALE_FACTOR", "1")
# Simulated journeys are cached per user (animator/engine/sim/cache.py): the suite uses a cache of
# its own, so it never reads or fills the developer's.
os.environ["XDG_CACHE_HOME"] = _CACHE = tempfile.mkdtemp(prefix="packetstage-test-cache-")
# ...and removes it when the run ends (every run used to leave one behind in /tmp).
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

REPO = Path(__file__).resolve().parent.parent
#: Debian's chromium, which Playwright drives for the exported page and the class page.
CHROMIUM = Path("/usr/bin/chromium")

MINIMAL = """\
format: 1
title: Minimal
summary: Two hosts and a switch.
nodes:
  - {id: a, kind: host, ipv4: 10.0.0.1/24, mac: "02:00:00:00:00:0a"}
  - {id: sw, kind: switch}
  - {id: b, kind: server, ipv4: 10.0.0.2/24}
links:
  - {between: [a, sw]}
  - {between: [sw, b], latency: 5ms}
steps:
  - caption: a says hello
    actions:
      - send: {from: a, to: b, label: hello, protocol: tcp}
  - caption: b answers
    actions:
      - send: {from: b, to: a, label: hi, protocol: tcp}
      - state: {node: b, text: ESTABLISHED}
"""


@pytest.fixture
def write_scene(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML text (dedented) to a file and return its path."""

    def write(text: str, name: str = "scene.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (tests that use it skip without ``CHROMIUM``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()
