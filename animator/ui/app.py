"""Start the player: one QApplication, the bundled fonts, the main window."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from animator.render.theme import load_fonts
from animator.resources import assets_dir
from animator.ui.main_window import MainWindow


def run(
    scene: Path | None,
    step: int | None,
    exit_after_ms: int | None = None,
    screenshot: Path | None = None,
    present: bool = False,
    screen: int | None = None,
) -> int:
    """Open the window on ``scene`` (at pause point ``step``) and run the event loop."""
    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv[:1]))
    app.setApplicationName("PacketStage")
    app.setOrganizationName("PacketStage")
    app.setWindowIcon(QIcon(str(assets_dir() / "icons" / "app.svg")))
    load_fonts()
    window = MainWindow()
    if scene is not None and not window.open_scene(scene, step):
        # Still open the window: the banner shows the errors and the file is watched, so
        # fixing it in an editor brings the scene up without restarting.
        print(window.banner.text(), file=sys.stderr)
    window.show()
    if present:
        count = len(app.screens())
        if screen is not None and screen >= count:
            print(
                f"packetstage: there {'is' if count == 1 else 'are'} {count} screen(s); presenting on screen {count - 1}",
                file=sys.stderr,
            )
        window.start_presenting(screen)
    if exit_after_ms is not None:
        QTimer.singleShot(exit_after_ms, window.close)
    if screenshot is not None:

        def shoot() -> None:
            window.grab().save(str(screenshot), "PNG")
            window.close()

        QTimer.singleShot(400, shoot)  # after the window has been laid out and painted
    return app.exec()
