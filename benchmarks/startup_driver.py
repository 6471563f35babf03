"""Benchmark-only launcher: start PacketStage as ``main.py`` does, exit once the first frame is painted.

Used by ``bench_startup.py``; not part of the app. Before handing over to ``animator.cli.main``
(no arguments: the default scene), it creates the QApplication that ``animator.ui.app.run``
then reuses, and installs an application-wide event filter. On the top-level window's first
expose event the filter lets Qt handle it right away (that paints every widget of the window
into its backing store and flushes it), checks that the stage's viewport was painted in that
pass, prints ``FIRST_PAINT <time.perf_counter()>`` and leaves at once with ``os._exit`` (no
teardown is measured). ``time.perf_counter`` is CLOCK_MONOTONIC on Linux, so the parent can
subtract its own spawn timestamp. ``PHASE name <time>`` lines before it mark when each phase
of the start ended (the wrappers that take them are a few Python calls).

``--baseline`` does the same for a bare QMainWindow holding a QLabel (same size as
PacketStage's window), the floor any Qt app pays.

With ``PACKETSTAGE_BENCH_PROFILE=FILE`` in the environment the run is profiled with cProfile
(from just after PySide6's import to the first paint) and the stats are written to FILE.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # the interpreter and site are up; nothing of Qt imported yet

import cProfile  # noqa: E402 - after the timestamp on purpose
import os  # noqa: E402
import sys  # noqa: E402

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtGui import QWindow  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

PHASES: list[tuple[str, float]] = [("interpreter up", STARTED), ("PySide6 imported", time.perf_counter())]
PROFILE = os.environ.get("PACKETSTAGE_BENCH_PROFILE")
_profiler = cProfile.Profile() if PROFILE else None


def phase(name: str) -> None:
    PHASES.append((name, time.perf_counter()))


def first_paint_done() -> None:
    stamp = time.perf_counter()
    if _profiler is not None and PROFILE:
        _profiler.disable()
        _profiler.dump_stats(PROFILE)
    print("".join(f"PHASE {name}\t{t:.9f}\n" for name, t in PHASES), end="")
    print(f"FIRST_PAINT {stamp:.9f}", flush=True)
    os._exit(0)


class FirstFrame(QObject):
    """Exits the process once a top-level window's first expose has been painted."""

    def __init__(self, painted_check: str) -> None:
        super().__init__()
        self.painted_check = painted_check  # "stage" or "label": which widget must have painted
        self.painted: set[str] = set()
        self.late = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.Paint and isinstance(obj, QWidget):
            parent = obj.parent()
            if obj.objectName() == "bench-label":
                self.painted.add("label")
            elif parent is not None and type(parent).__name__ == "StageView":
                self.painted.add("stage")
            if self.late and self.painted_check in self.painted:
                # Fallback when the first expose did not paint the widget: report right after
                # this paint pass (a zero timer runs once the current events are handled).
                QTimer.singleShot(0, first_paint_done)
        elif kind == QEvent.Type.Expose and isinstance(obj, QWindow) and obj.isExposed() and not self.late:
            phase("event loop running, first expose")
            obj.event(event)  # paint the whole window now, synchronously
            if self.painted_check in self.painted:
                first_paint_done()
            self.late = True
            return True
        return False


def run_baseline(app: QApplication) -> int:
    from PySide6.QtWidgets import QLabel, QMainWindow

    window = QMainWindow()
    label = QLabel("Hello from a bare Qt window", window)
    label.setObjectName("bench-label")
    window.setCentralWidget(label)
    window.resize(1280, 800)
    window.show()
    phase("window built and shown")
    return app.exec()


def run_packetstage() -> int:
    # This checkout's animator, whatever the working directory.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import animator.ui.app as app_module
    from animator.cli import main as packetstage_main

    phase("animator.ui.app and animator.cli imported")
    load_fonts, window_class = app_module.load_fonts, app_module.MainWindow
    open_scene = window_class.open_scene

    def timed_load_fonts() -> None:
        load_fonts()
        phase("fonts registered")

    def timed_window() -> object:
        window = window_class()
        phase("MainWindow built")
        return window

    def timed_open_scene(self: object, *args: object, **kwargs: object) -> bool:
        ok = open_scene(self, *args, **kwargs)
        phase("default scene loaded, scheduled, set on the stage")
        return ok

    app_module.load_fonts = timed_load_fonts
    app_module.MainWindow = timed_window
    window_class.open_scene = timed_open_scene
    return packetstage_main([])


def main() -> int:
    baseline = "--baseline" in sys.argv
    if _profiler is not None:
        _profiler.enable()
    app = QApplication(sys.argv[:1])
    phase("QApplication created")
    watcher = FirstFrame("label" if baseline else "stage")
    app.installEventFilter(watcher)
    return run_baseline(app) if baseline else run_packetstage()


if __name__ == "__main__":
    sys.exit(main())
