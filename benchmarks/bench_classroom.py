"""The class follows along: 500 students on loopback while the presenter advances every second.

The presenter is the real app, offscreen: a ``MainWindow`` presenting a scene and sharing it
(``ClassroomShare``, the same server *Present → Share with the class* starts), driven frame by
frame at 60 Hz (``clock.advance`` + a synchronous repaint of both stages + the Qt events queued
from the server's thread), with ``lecture.next_step()`` once a second: steps play, questions are
asked and revealed, and at the end it starts the scene again. A child process holds the
students: ``--students`` real WebSocket clients (aiohttp) that join with the code, note when
each live update arrives, and answer every question asked (a random choice, changed once).

Reported: the server's start time; propagation from the app's publish to each student's socket
(p50/p99 over every update and student, target p99 <= 200 ms); lost updates (versions a student
never received after joining: target 0); the presenter's frame time with the class connected
(p99, target 16 ms) against the same loop once sharing has stopped, each split into the frames a
Next click starts (the app's own work for a step, and with the class its broadcast) and the
others, which tells the server's share from the app's and the machine's load; resident memory of the app's
process before the students joined and at the end, and of the students' process.

The issue asks for 2 minutes: ``--duration 120``; the default, 30 s, keeps the benchmark suite's time
budget (as ``bench_live.py`` does).
"""

from __future__ import annotations

import bisect
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import _common  # noqa: F401 - puts the repo root on sys.path
from _common import ROOT, Result, emit, parser, percentile

TARGET_P99_MS = 200.0
TimedServer: type
TARGET_FRAME_MS = 16.0
SCENE = ROOT / "scenes" / "home-nat.yaml"

STUDENTS = r"""
import asyncio, json, random, sys, time
import aiohttp

port, code, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
received = {}   # student -> [(version, monotonic seconds)]
first = {}      # student -> the first version it saw (its join)

async def student(session, i, ready):
    sid = f"bench-student-{i:04d}"
    received[sid] = []
    answered = set()
    url = f"ws://127.0.0.1:{port}/ws"
    async with session.ws_connect(url, params={"c": code, "id": sid}, heartbeat=None) as ws:
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            now = time.monotonic()
            data = json.loads(message.data)
            if data["t"] == "live":
                received[sid].append((data["v"], now))
                first.setdefault(sid, data["v"])
                if len(received[sid]) == 1:
                    ready.append(sid)
                quiz = data["s"]["quiz"]
                if quiz and quiz["phase"] == "asking" and (quiz["c"], quiz["s"]) not in answered:
                    answered.add((quiz["c"], quiz["s"]))
                    n = len(quiz["choices"])
                    await ws.send_json({"t": "answer", "q": [quiz["c"], quiz["s"]], "choice": random.randrange(n)})
                    await ws.send_json({"t": "answer", "q": [quiz["c"], quiz["s"]], "choice": random.randrange(n)})

async def main():
    ready = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = []
        for i in range(count):
            tasks.append(asyncio.create_task(student(session, i, ready)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)  # a lecture hall joins over a few seconds, not in one burst
        while len(ready) < count:
            await asyncio.sleep(0.05)
        print("READY", flush=True)
        await asyncio.gather(*tasks, return_exceptions=True)
    rss = int([l for l in open("/proc/self/status") if l.startswith("VmRSS")][0].split()[1])
    print(json.dumps({"received": received, "rss_kb": rss}), flush=True)

asyncio.run(main())
"""


def timed_server() -> type:
    """The class server, noting when each live update has been written to every socket (the
    server's own share of the propagation, apart from the students' process reading it)."""
    import asyncio
    import contextlib

    from animator.classroom.server import HOLD_SECONDS, SLOW_BYTES, ClassServer

    class Timed(ClassServer):
        written: dict[int, float]

        async def _deliver(self) -> None:
            self.written = {}
            assert self._wake is not None
            while True:
                await self._wake.wait()
                self._wake.clear()
                version = self.state.version
                outgoing = self._outgoing
                held = time.perf_counter()
                while outgoing:
                    client, message = outgoing.popleft()
                    if client.ws.closed or client not in self.clients or client.backlog() > SLOW_BYTES:
                        continue
                    if isinstance(message, bytes):
                        client.transport.write(message)
                    else:
                        with contextlib.suppress(ConnectionError, RuntimeError):
                            await client.ws.send_str(message)
                    if len(outgoing) % 16 == 0 and time.perf_counter() - held > HOLD_SECONDS:
                        time.sleep(0)
                        held = time.perf_counter()
                self.written.setdefault(version, time.monotonic())
                await asyncio.sleep(0)

    return Timed


def thread_cpu(native_id: int) -> float:
    """CPU seconds (user + system) one thread of this process has used."""
    fields = Path(f"/proc/self/task/{native_id}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=500)
    p.add_argument(
        "--duration", type=float, default=30.0, help="seconds with the class connected (default 30; the issue asks 120)"
    )
    p.add_argument("--nice", type=int, default=10, help="niceness of the students' process (default 10; 0: as the app)")
    p.add_argument(
        "--baseline", type=float, default=10.0, help="seconds of the same loop without the class, after it (default 10)"
    )
    args = p.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from animator.classroom.page import build_pages
    from animator.export.registry import load_source
    from animator.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    global TimedServer
    TimedServer = timed_server()
    settings_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-classroom-{os.getpid()}.ini"
    window = MainWindow(QSettings(str(settings_path), QSettings.Format.IniFormat))
    window.resize(1280, 800)
    window.show()
    assert window.open_scene(SCENE)
    window.start_presenting()
    app.processEvents()
    audience = window.audience
    assert audience is not None
    viewports = [window.stage.viewport(), audience.stage.viewport()]
    frame_s = 1 / 60

    #: When each frame of the lecture with the class began and ended (time.monotonic), to tell the
    #: frames a broadcast could have touched from the others.
    frame_spans: list[tuple[float, float]] = []

    def run(seconds: float, frames: list[float], spans: list[tuple[float, float]], clicks: list[float]) -> None:
        """The presenter's loop: 60 frames a second, Next once a second, back to the start at the end."""
        end = time.perf_counter() + seconds
        next_click = time.perf_counter() + 1.0
        while (now := time.perf_counter()) < end:
            began = time.perf_counter()
            began_mono = time.monotonic()
            if now >= next_click:
                next_click += 1.0
                clicks.append(began_mono)
                timeline = window.timeline
                if timeline is not None and window.state.step >= timeline.step_count and not window.state.playing:
                    window.clock.home()
                else:
                    window.lecture.next_step()
            window.clock.advance(frame_s)
            for viewport in viewports:
                viewport.repaint()
            app.processEvents()
            frames.append((time.perf_counter() - began) * 1000)
            spans.append((began_mono, time.monotonic()))
            rest = frame_s - (time.perf_counter() - began)
            if rest > 0:
                time.sleep(rest)

    pages = build_pages(load_source(SCENE))
    import animator.ui.classroom.share as share_module

    share_module.ClassServer = TimedServer  # type: ignore[misc]
    share = window.classroom.share
    began = time.perf_counter()
    assert share.serve(pages, port=0, bind="127.0.0.1")
    start_ms = (time.perf_counter() - began) * 1000
    server = share.server
    assert server is not None
    publish = server.publish

    # Each publish is applied, in order, by the server's thread: the version it makes is mapped to
    # the moment the app published it (a publish made before this wrapping has no time: skipped).
    pending: list[float] = []
    published_at: dict[int, float] = {}
    set_live = server._set_live

    def timed_publish(state: object) -> None:
        pending.append(time.monotonic())
        publish(state)  # type: ignore[arg-type]

    def timed_set_live(state: object) -> None:
        at = pending.pop(0) if pending else None
        set_live(state)  # type: ignore[arg-type]
        if at is not None:
            published_at[server.state.version] = at

    server._set_live = timed_set_live  # type: ignore[method-assign]
    server.publish = timed_publish  # type: ignore[method-assign]

    rss_before = rss_mb()
    # The phones' work is not the lecturer's laptop's: the students' process runs at a lower priority.
    child = subprocess.Popen(
        ["nice", "-n", str(args.nice), sys.executable, "-c", STUDENTS, str(server.port), server.join_code, str(args.students)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    joined = time.perf_counter()
    while True:
        line = child.stdout.readline()
        if not line:
            raise SystemExit("the students' process ended before all joined")
        if line.startswith("READY"):
            break
        app.processEvents()
    join_s = time.perf_counter() - joined
    version_ready = server.state.version
    print(f"{args.students} students joined in {join_s:.1f} s; lecturing for {args.duration:.0f} s", file=sys.stderr)

    assert server._thread is not None
    server_task = server._thread.native_id
    server_cpu0, lecture0 = thread_cpu(server_task), time.perf_counter()
    frames: list[float] = []
    clicks: list[float] = []
    run(args.duration, frames, frame_spans, clicks)
    server_cpu = (thread_cpu(server_task) - server_cpu0) / (time.perf_counter() - lecture0) * 100
    rss_after = rss_mb()
    final_version = server.state.version
    counts = {key: tally.counts() for key, tally in server.state.tallies.items() if tally.by_student}
    share.stop()  # every student's socket is closed; the lecturer goes on presenting
    out, _ = child.communicate(timeout=60)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    students_cpu = (usage.ru_utime + usage.ru_stime) / (time.perf_counter() - joined) * 100
    report = json.loads(out.strip().splitlines()[-1])
    # The same loop without the class, after it (a question is asked once per lecture: measured
    # first, the class gets it), for the frame time to compare with.
    baseline: list[float] = []
    baseline_spans: list[tuple[float, float]] = []
    baseline_clicks: list[float] = []
    run(args.baseline, baseline, baseline_spans, baseline_clicks)
    window.stop_presenting()
    app.processEvents()
    window.close()
    settings_path.unlink(missing_ok=True)

    # Propagation: version v was the (v - version0)-th publish the server applied (each one is).
    latencies: list[float] = []
    lost = 0
    expected = range(version_ready + 1, final_version + 1)
    for samples in report["received"].values():
        seen = {v: t for v, t in samples}
        for v in expected:
            if v not in seen:
                lost += 1
                continue
            if v in published_at:
                latencies.append((seen[v] - published_at[v]) * 1000)
    fanout = [(server.written[v] - published_at[v]) * 1000 for v in expected if v in server.written and v in published_at]  # type: ignore[attr-defined]
    updates = len(expected)
    answers = sum(sum(c) for c in counts.values())

    # The frames a Next click starts (within 150 ms of it: the step's own work in the app, and with
    # the class the broadcast of it) apart from the others, with the class and without it: the
    # server's share of the frame time, apart from the app's work and the machine's load.
    def split(spans: list[tuple[float, float]], ms: list[float], at: list[float]) -> tuple[list[float], list[float]]:
        near, far = [], []
        for (start, end), value in zip(spans, ms, strict=True):
            i = bisect.bisect_left(at, start - 0.15)
            (near if i < len(at) and at[i] <= end else far).append(value)
        return near, far

    near, far = split(frame_spans, frames, clicks)
    near0, far0 = split(baseline_spans, baseline, baseline_clicks)
    print(f"{updates} updates x {args.students} students; answers counted: {counts}", file=sys.stderr)
    results = [
        Result("server start (listening)", server.start_seconds * 1000, "ms", 1000.0),
        Result("share from the app (server + panels)", start_ms, "ms", 1000.0),
        Result("propagation p50", percentile(latencies, 50), "ms"),
        Result("propagation p99", percentile(latencies, 99), "ms", TARGET_P99_MS),
        Result("propagation max", max(latencies), "ms"),
        Result("lost updates", float(lost), "updates", 0.0),
        Result("server fan-out to every socket p50", percentile(fanout, 50), "ms"),
        Result("server fan-out to every socket p99", percentile(fanout, 99), "ms", TARGET_P99_MS),
        Result("presenter frame p99, without the class", percentile(baseline, 99), "ms"),
        Result("presenter frame p99, class connected", percentile(frames, 99), "ms", TARGET_FRAME_MS),
        Result("  frames a Next starts, with the class, p99", percentile(near, 99), "ms"),
        Result("  frames a Next starts, without it, p99", percentile(near0, 99), "ms"),
        Result("  the other frames, with the class, p99", percentile(far, 99), "ms"),
        Result("  the other frames, without it, p99", percentile(far0, 99), "ms"),
        Result("server thread CPU (of one core)", server_cpu, "%"),
        Result("students' process CPU (of one core)", students_cpu, "%"),
        Result("app RSS before the students", rss_before, "MB"),
        Result("app RSS at the end", rss_after, "MB"),
        Result("app RSS growth with the class", rss_after - rss_before, "MB"),
        Result(f"students' process RSS ({args.students} sockets)", report["rss_kb"] / 1024, "MB"),
        Result("updates published", float(updates), "updates"),
        Result("answers counted (one per student per question)", float(answers), "answers"),
    ]
    emit(results, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
