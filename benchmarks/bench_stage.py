"""Stage frame time at 1920x1080 (offscreen) with 200 nodes and ~1000 packets in flight.

One frame is what the player does on every tick of its clock, made synchronous:

    frame = timeline.state_at(t)      # engine: the scene at time t
    view.show_frame(frame)            # stage: make the items match the frame
    view.viewport().repaint()         # Qt: paint the viewport now, into its backing store

Why ``viewport().repaint()`` on a shown widget (``WA_DontShowOnScreen``) rather than
``view.render()`` into a QImage: repaint goes through the same path as the user's screen
(QWidget paint event -> QGraphicsView::paintEvent -> the scene's item drawing with the
viewport's device-coordinate item caches, painting into the window's backing store), which
is the cost the player pays per tick. ``render()`` takes a different route (painter
redirection into a fresh image, its own exposed-rect handling) and can differ noticeably, so
it is measured too, for comparison only (``--no-render`` skips it). A paint-event counter
on the viewport checks that every repaint really painted.

t sweeps evenly over the interval where every send of the stress step is in flight (see
``stress.in_flight_window``); the number of packets actually in flight (started, not yet
arrived) is counted from each frame and printed.

Then the same sweep again with "follow the packet" on (Shift+F: zoom 2x, the picture glides
after the packet that started last), as a lecturer zoomed in on one packet sees it: every
frame moves the view, so it measures what a pan costs, not only what the packets cost
(``--no-follow`` skips it).
"""

from __future__ import annotations

import gc
import statistics
import sys
import time

import _common
from _common import Result, emit, parser, summary
from stress import in_flight_window, stress_scene_yaml

from animator.engine import build_timeline
from animator.export.png import ensure_gui_app
from animator.model import load_scene_text

TARGET_MEDIAN_MS = 4.0
#: Frames that redraw the backdrop (fades, a new step) must still keep up with 60 Hz.
TARGET_P99_MS = 16.0
#: Following a packet moves the picture every frame: still a 4 ms budget.
TARGET_FOLLOW_MS = 4.0


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--nodes", type=int, default=200)
    p.add_argument("--packets", type=int, default=1000)
    p.add_argument("--frames", type=int, default=300, help="measured frames (default 300)")
    p.add_argument("--warmup", type=int, default=40, help="frames drawn before measuring (default 40)")
    p.add_argument("--no-render", action="store_true", help="skip the view.render() comparison")
    p.add_argument("--no-follow", action="store_true", help="skip the follow-the-packet sweep")
    p.add_argument("--follow-only", action="store_true", help="measure (or profile) only the follow-the-packet sweep")
    args = p.parse_args(argv)

    ensure_gui_app()
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from animator.ui.stage.view import StageView

    timeline = build_timeline(load_scene_text(stress_scene_yaml(args.nodes, args.packets), "<stress>"))
    view = StageView()
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    view.resize(1920, 1080)
    view.show()
    view.set_timeline(timeline)
    QApplication.processEvents()
    viewport = view.viewport()

    class PaintCounter(QObject):
        count = 0

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint:
                self.count += 1
            return False

    counter = PaintCounter()
    viewport.installEventFilter(counter)

    start, end = in_flight_window(timeline.steps[1].start)
    times = [start + (end - start) * i / max(1, args.frames - 1) for i in range(args.frames)]
    links = len(timeline.scene.links)
    print(f"scene: {len(timeline.scene.nodes)} nodes, {links} links, stress step {timeline.steps[1].number}")
    zoom = view.transform().m11()
    print(f"viewport: {viewport.width()}x{viewport.height()} px, zoom {zoom:.3f}, platform {QApplication.platformName()}")
    print(f"sweep: t = {start:.3f} .. {end:.3f} s over {args.frames} frames (+{args.warmup} warm-up frames)")

    for t in times[: args.warmup]:
        view.show_frame(timeline.state_at(t))
        viewport.repaint()

    def one_frame(t: float) -> tuple[float, float, float, int]:
        t0 = time.perf_counter()
        frame = timeline.state_at(t)
        t1 = time.perf_counter()
        view.show_frame(frame)
        t2 = time.perf_counter()
        viewport.repaint()
        t3 = time.perf_counter()
        return t1 - t0, t2 - t1, t3 - t2, sum(1 for packet in frame.packets if not packet.arrived)

    def follow_sweep() -> list[float]:
        """The sweep with follow on, from a fresh start (the view snaps to the packet, then glides)."""
        view.zoom_state.set_follow(True)
        view.show_frame(timeline.state_at(start))
        viewport.repaint()
        for t in times[: args.warmup]:
            view.show_frame(timeline.state_at(t))
            viewport.repaint()
        gc.collect()
        counter.count = 0
        samples = [sum(one_frame(t)[:3]) * 1e3 for t in times]
        view.zoom_state.set_follow(False)
        view.zoom_state.reset()
        return samples

    if args.profile:
        _common.profile(follow_sweep if args.follow_only else lambda: [one_frame(t) for t in times])
        return 0
    if args.follow_only:
        f = summary(follow_sweep())
        print(f"follow the packet (zoom 2x): median {f['median']:.2f} ms, p99 {f['p99']:.2f} ms, max {f['max']:.2f} ms")
        view.close()
        emit([Result("follow-the-packet frame median (zoom 2x)", f["median"], "ms", TARGET_FOLLOW_MS)], args.json)
        return 0

    gc.collect()
    counter.count = 0
    rows = [one_frame(t) for t in times]
    painted = counter.count
    total = [(a + b + c) * 1e3 for a, b, c, _ in rows]
    state_ms = [r[0] * 1e3 for r in rows]
    show_ms = [r[1] * 1e3 for r in rows]
    paint_ms = [r[2] * 1e3 for r in rows]
    in_flight = [r[3] for r in rows]
    s = summary(total)
    print(f"packets in flight per frame: min {min(in_flight)}, median {statistics.median(in_flight):g}, max {max(in_flight)}")
    print(f"paint events on the viewport: {painted} for {len(rows)} repaints")
    if painted < len(rows):
        print("WARNING: some repaints did not paint; the figures below undercount", file=sys.stderr)
    print(
        f"frame (state_at + show_frame + repaint): median {s['median']:.2f} ms, p99 {s['p99']:.2f} ms, "
        f"min {s['min']:.2f} ms, max {s['max']:.2f} ms"
    )
    print(
        f"  of which (medians): state_at {statistics.median(state_ms):.2f} ms, show_frame {statistics.median(show_ms):.2f} ms, "
        f"repaint {statistics.median(paint_ms):.2f} ms"
    )
    results = [
        Result("stage frame median (1920x1080, 1000 in flight)", s["median"], "ms", TARGET_MEDIAN_MS),
        Result("stage frame p99", s["p99"], "ms", TARGET_P99_MS),
        Result("  state_at median", statistics.median(state_ms), "ms"),
        Result("  show_frame median", statistics.median(show_ms), "ms"),
        Result("  repaint median", statistics.median(paint_ms), "ms"),
    ]

    if not args.no_follow:
        follow = follow_sweep()
        painted_follow = counter.count
        f = summary(follow)
        print(
            f"follow the packet (zoom 2x, the view moves every frame): median {f['median']:.2f} ms, p99 {f['p99']:.2f} ms, "
            f"max {f['max']:.2f} ms ({painted_follow} paint events for {len(follow)} repaints)"
        )
        results.append(Result("follow-the-packet frame median (zoom 2x)", f["median"], "ms", TARGET_FOLLOW_MS))
        results.append(Result("follow-the-packet frame p99", f["p99"], "ms", TARGET_P99_MS))

    if not args.no_render:
        image = QImage(viewport.width(), viewport.height(), QImage.Format.Format_ARGB32_Premultiplied)
        rendered = []
        for t in times:
            t0 = time.perf_counter()
            view.show_frame(timeline.state_at(t))
            painter = QPainter(image)
            view.render(painter)
            painter.end()
            rendered.append((time.perf_counter() - t0) * 1e3)
        r = summary(rendered)
        print(
            f"comparison, state_at + show_frame + view.render() into a QImage: median {r['median']:.2f} ms, p99 {r['p99']:.2f} ms"
        )
        results.append(Result("stage frame via render() median (comparison)", r["median"], "ms"))

    view.close()
    emit(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
