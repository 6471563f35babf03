"""The live view's capture child dies with the app, however the app ends.

The child (``live.sniff_main``) holds a raw socket, usually with root's rights. When the app
was killed (``kill -9``, a crash, SIGTERM, which skips Python's clean-up) the child used to be
reparented to PID 1 and go on capturing until traffic arrived and its next write to the
vanished app failed: on a quiet interface, for ever. Two independent lifelines end it:

- ``PR_SET_PDEATHSIG`` (Linux): the kernel sends the child SIGTERM the moment its parent
  dies. Set in the child itself (not in ``preexec_fn``, which is unsafe in a threaded Qt app);
  a parent that died before that call is caught by comparing ``getppid()`` with the parent
  the app named. Linux ties this to the *thread* that started the child, so the app starts
  it from its main thread, which lives as long as the app.
- A pipe, for every platform: the app keeps the write end of the child's stdin open and never
  writes; the operating system closes it when the app ends in any way, and a thread in the
  child that reads stdin sees end-of-file and stops the child.

The app passes its own PID in ``PARENT_ENV``; a child started without it (by hand, in a test)
watches nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from collections.abc import Callable

PARENT_ENV = "PACKETSTAGE_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def parent_env() -> dict[str, str]:
    """What the app adds to the child's environment so that the child watches it."""
    return {PARENT_ENV: str(os.getpid())}


def set_parent_death_signal(signum: int = signal.SIGTERM) -> bool:
    """Ask Linux to send ``signum`` to this process when its parent dies; False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def watch_pipe(fd: int, on_closed: Callable[[], None]) -> threading.Thread:
    """Call ``on_closed`` (on a daemon thread) once the write end of the pipe ``fd`` reads from is closed."""

    def run() -> None:
        try:
            while os.read(fd, 4096):
                pass  # the app never writes; anything read is ignored
        except OSError:
            pass
        on_closed()

    thread = threading.Thread(target=run, name="parent-lifeline", daemon=True)
    thread.start()
    return thread


def _terminate_self() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def die_with_parent(stdin_fd: int = 0) -> bool:
    """In the child: end with the app that started it. False when no parent was named (nothing is watched).

    Ends the child at once (SIGTERM to itself) if the named parent is already gone.
    """
    named = os.environ.get(PARENT_ENV, "")
    if not named.isdigit():
        return False
    set_parent_death_signal(signal.SIGTERM)
    watch_pipe(stdin_fd, _terminate_self)
    if os.getppid() != int(named):  # the app died before the death signal was set
        _terminate_self()
    return True
