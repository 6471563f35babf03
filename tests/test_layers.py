"""The Qt-free core stays Qt-free: model and engine must run on a machine without a display stack."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.conftest import REPO

CORE = ["model", "engine", "packets", "capture", "layout", "player"]
FORBIDDEN = ("PySide6", "pyqtgraph", "shiboken6")


@pytest.mark.parametrize("package", CORE)
def test_core_packages_do_not_import_qt(package: str) -> None:
    folder = REPO / "animator" / package
    paths = list(folder.rglob("*.py"))
    assert paths, f"animator/{package} is gone or empty: update CORE (and [tool.importlinter]) rather than pass vacuously"
    if package == "layout":
        paths.append(REPO / "animator" / "looks.py")  # the themes' colours, which layout reports
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.relative_to(REPO)} imports {name}"
                assert name != "scapy.all", f"{path.relative_to(REPO)} imports scapy.all (1.8 s)"


@pytest.mark.parametrize(
    ("scene", "kept_out"),
    [
        # Labelled tokens only: not even scapy is needed to schedule them.
        ("tests/ui/reference_scene.yaml", ("PySide6", "pyqtgraph", "scapy")),
        # Real packets: the simulator loads the scapy layers it uses, and still no GUI.
        ("scenes/http-get.yaml", ("PySide6", "pyqtgraph")),
    ],
)
def test_loading_and_scheduling_a_scene_imports_no_gui_module(scene: str, kept_out: tuple[str, ...]) -> None:
    code = (
        "import sys; from animator.model import load_scene; from animator.engine import build_timeline; "
        f"tl = build_timeline(load_scene({scene!r})); tl.state_at(3.0); "
        f"print([m for m in sys.modules if m.split('.')[0] in {kept_out!r}] + "
        "[m for m in sys.modules if m == 'scapy.all'])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_laying_out_a_scene_imports_no_gui_module() -> None:
    """The layout stage (every box of every pause point) runs where no display stack exists:
    a PDF or HTML exporter, a CI check, a test."""
    code = (
        "import sys; from animator.model import load_scene; from animator.engine import build_timeline; "
        "from animator.layout import StageLayout; tl = build_timeline(load_scene('scenes/home-nat.yaml')); "
        "layout = StageLayout(tl, (1280, 720), 1.5); boxes = layout.boxes(tl.state_at(tl.boundary(3))); "
        "assert any(b.kind == 'table' for b in boxes); "
        "print([m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_render_layer_makes_no_widgets() -> None:
    """Painting for the stage and the exporters (``animator/render``) uses QtGui, never QtWidgets:
    an export must not need a window, and the stage's widget must not be what draws."""
    paths = list((REPO / "animator" / "render").rglob("*.py"))
    assert paths, "animator/render is gone or empty: update this test (and [tool.importlinter])"
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("PySide6.QtWidgets", "pyqtgraph", "animator.ui", "animator.export")), (
                    f"{path.relative_to(REPO)} imports {name}"
                )


def test_core_is_independent_of_ui_and_export() -> None:
    for package in ("model", "engine", "layout"):
        for path in (REPO / "animator" / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "animator.ui" not in text and "animator.export" not in text, path
