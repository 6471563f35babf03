"""``packetstage share SCENE_OR_DECK [--port N] [--bind ADDR] [--max-students N] [--csv FILE]``.

The class server without the app: for a lecturer who drives from a phone (the presenter's remote
page) or shows the app on another machine. It prints the URL, the join code and a QR code for
the projector, and, separately, the remote's link (it holds the presenter token: keep it off the
projector). Ctrl+C ends the session; only the per-question counts are kept, if --csv asks.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from animator.cli import UsageError, _check_output, scene_path


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port: give 1 to 65535 (0: any free port)")
    return int(text)


def _max_students(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 5000:
        raise argparse.ArgumentTypeError(f"'{text}': give 1 to 5000 students")
    return int(text)


def add_share_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from animator.classroom.address import DEFAULT_MAX_STUDENTS, DEFAULT_PORT

    s = sub.add_parser(
        "share",
        help="share a scene or deck with the class: students follow on their phones and answer the quizzes",
        description="Serve the lecture to the students' phones and laptops on this network. Students open the URL "
        "(or scan the QR code) and type the join code; the presenter drives from the remote page.",
    )
    s.add_argument("scene", type=scene_path, metavar="SCENE_OR_DECK")
    s.add_argument("--port", type=_port, default=DEFAULT_PORT, metavar="N", help=f"TCP port (default {DEFAULT_PORT})")
    s.add_argument(
        "--bind",
        metavar="ADDR",
        help="the address to listen on (default: this computer's address on the default route's network)",
    )
    s.add_argument(
        "--max-students",
        type=_max_students,
        default=DEFAULT_MAX_STUDENTS,
        metavar="N",
        help=f"at most N students at once (default {DEFAULT_MAX_STUDENTS})",
    )
    s.add_argument(
        "--csv", type=Path, metavar="FILE.csv", help="keep the per-question answer counts in FILE.csv (nothing else is kept)"
    )
    s.add_argument("--force", action="store_true", help="overwrite FILE.csv if it exists")


def cmd_share(ns: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl+C (or ``stop`` is set: tests)."""
    from animator.classroom.address import choose_binding
    from animator.classroom.codes import qr_terminal, spaced
    from animator.classroom.page import build_pages
    from animator.classroom.server import ClassServer
    from animator.export.registry import load_source
    from animator.model import SceneLoadError

    if ns.csv is not None:
        _check_output(ns.csv, ns.force, (".csv",), "--csv")
    try:
        binding = choose_binding(ns.bind)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        pages = build_pages(load_source(ns.scene))
    except SceneLoadError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 1
    server = ClassServer(pages, binding, ns.port, max_students=ns.max_students, csv_path=ns.csv)
    try:
        server.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(
            f"packetstage: error: cannot listen on {binding.listen}:{ns.port}: {reason} (try --port or --bind)", file=sys.stderr
        )
        return 1
    if binding.note:
        print(f"packetstage: note: {binding.note}", file=sys.stderr)
    out = sys.stdout
    out.write(f"Sharing “{pages.title}” with the class ({server.start_seconds * 1000:.0f} ms to start).\n\n")
    out.write(qr_terminal(server.join_url))
    out.write(f"\n  Students: open {server.base_url}  and type the code  {spaced(server.join_code)}\n")
    out.write(f"  (or scan the QR code: {server.join_url})\n\n")
    out.write(f"  Presenter remote, keep it off the projector:\n  {server.remote_url}\n\n")
    out.write("Ctrl+C ends the session.\n")
    out.flush()
    stop = stop or threading.Event()
    previous = (
        signal.signal(signal.SIGINT, lambda *_: stop.set()) if threading.current_thread() is threading.main_thread() else None
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        server.stop()
    kept = f"; the answer counts are in {ns.csv}" if ns.csv is not None else ""
    print(f"\nThe session has ended{kept}.", file=sys.stderr)
    return 0
