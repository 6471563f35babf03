"""One version everywhere: installers, --version and the About dialog must agree."""

from __future__ import annotations

import tomllib

from animator import __version__
from tests.conftest import REPO


def test_package_version_matches_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert __version__ == project["version"], "bump animator/__init__.py and pyproject.toml together"
