"""Where bundled files live, in a source checkout and in a frozen (PyInstaller) build."""

from __future__ import annotations

import sys
from pathlib import Path


def root() -> Path:
    """The folder holding ``assets/`` and ``scenes/``."""
    frozen = getattr(sys, "_MEIPASS", None)
    return Path(frozen) if frozen else Path(__file__).resolve().parent.parent


def assets_dir() -> Path:
    return root() / "assets"


def scenes_dir() -> Path:
    return root() / "scenes"


DEFAULT_SCENE = "http-get.yaml"


def default_scene() -> Path:
    """The scene the app opens with no argument: the one that shows the most of a request."""
    return scenes_dir() / DEFAULT_SCENE


def builtin_scenes() -> list[Path]:
    return sorted(p for p in scenes_dir().glob("*.yaml") if not p.name.endswith(".deck.yaml"))
