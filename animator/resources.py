"""Where bundled files live, in a source checkout and in a frozen (PyInstaller) build."""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path


def root() -> Path:
    """The folder holding ``assets/`` and ``scenes/``.

    A frozen build unpacks them beside the code; a checkout (or editable install) has them
    next to the ``animator`` package; a wheel ships them inside it (``animator/scenes``, see
    setup.py), found through ``importlib.resources`` wherever pip put the package.
    """
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "assets").is_dir() and (checkout / "scenes").is_dir():
        return checkout
    # A wheel is installed unzipped, so the package's Traversable is a real folder.
    return Path(str(files("animator")))


def assets_dir() -> Path:
    return root() / "assets"


def scenes_dir() -> Path:
    return root() / "scenes"


DEFAULT_SCENE = "http-get.yaml"


def default_scene() -> Path:
    """The scene the app opens with no argument: the one that shows the most of a request."""
    return scenes_dir() / DEFAULT_SCENE


def builtin_decks() -> list[Path]:
    """The lectures shipped with the app (the whole course first)."""
    return sorted(scenes_dir().glob("*.deck.yaml"), key=lambda p: (p.name != "backend-fundamentals.deck.yaml", p.name))


def builtin_scenes() -> list[Path]:
    return sorted(p for p in scenes_dir().glob("*.yaml") if not p.name.endswith(".deck.yaml"))


def find_builtin(name: str | Path) -> Path | None:
    """The built-in scene or deck a bare name means (``home-nat``, ``home-nat.yaml``,
    ``backend-fundamentals``), or None: what ``packetstage list`` prints must open from anywhere,
    not only from inside a checkout."""
    path = Path(name)
    if path.parent != Path(".") or not path.name:
        return None
    folder = scenes_dir()
    for candidate in (path.name, f"{path.name}.yaml", f"{path.name}.deck.yaml"):
        found = folder / candidate
        if found.is_file():
            return found
    return None
