"""A wheel installed the way a user installs it works outside the checkout.

The suite otherwise runs against the editable checkout, where ``scenes/`` and ``assets/`` sit
next to the package; a wheel that forgot them (or a loader that guessed the wrong folder) would
pass every other test and still answer "no such file" to ``packetstage home-nat`` on a student's
machine. So: build the wheel, install it (no editable finder, no checkout on the path) into a
fresh venv, and from an empty folder run what the README promises — ``list``, ``render`` of a
listed name, and the player itself, offscreen.

The fresh venv borrows the dev venv's third-party packages through a ``.pth`` line rather than
downloading PySide6 again; directories named in a ``.pth`` file do not have their own ``.pth``
files run, so the checkout's editable install cannot leak in (asserted below).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO


def _run(argv: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding PacketStage installed from its wheel; returns the venv's bin folder."""
    work = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools reuses a source tree's build/ folder, where files of deleted
    # modules would linger and hide a packaging mistake.
    source = work / "source"
    skip = shutil.ignore_patterns(".*", "build", "dist", "*.egg-info", "__pycache__", "tests", "benchmarks")
    shutil.copytree(REPO, source, ignore=skip)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(source)], cwd=work)
    assert built.returncode == 0, built.stderr[-2000:]
    wheels = list((work / "dist").glob("packetstage-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=work).stdout.strip())
    (site / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # pip runs from the new venv (borrowed through the .pth), so scripts get its interpreter.
    install = _run([str(python), "-m", "pip", "install", "--no-deps", "--quiet", "--no-compile", str(wheels[0])], cwd=work)
    assert install.returncode == 0, install.stderr[-2000:]
    return env_dir / "bin"


def test_the_package_comes_from_the_wheel_not_the_checkout(installed: Path, tmp_path: Path) -> None:
    where = _run([str(installed / "python"), "-c", "import animator; print(animator.__file__)"], cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert str(installed.parent) in where.stdout and str(REPO) not in where.stdout


def test_listed_names_open_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    listed = _run([str(installed / "packetstage"), "list"], cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "home-nat" in listed.stdout and "backend-fundamentals" in listed.stdout
    out = tmp_path / "nat.png"
    argv = [str(installed / "packetstage"), "render", "home-nat", "--step", "2", "--out", str(out), "--size", "640x360"]
    render = _run(argv, cwd=tmp_path)
    assert render.returncode == 0, render.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_player_opens_a_built_in_scene_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    shot = tmp_path / "player.png"
    run = _run([str(installed / "packetstage"), "home-nat", "--step", "3", "--screenshot", str(shot)], cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.stat().st_size > 10_000, "the window drew (icons and fonts came from the wheel)"
