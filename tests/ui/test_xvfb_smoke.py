"""One start of the real app in a real (virtual) X window: the platform plugin users get."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run not installed (make test installs it when run as root)")
def test_app_opens_default_scene_under_xvfb(tmp_path: Path) -> None:
    # Its own settings folder: the app remembers recent files and window geometry.
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "QT_DEBUG_PLUGINS": "0", "XDG_CONFIG_HOME": str(tmp_path)}
    done = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, str(REPO / "main.py"), "--exit-after", "1500"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "could not load the Qt platform plugin" not in done.stderr
    assert "Traceback" not in done.stderr
