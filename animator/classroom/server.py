"""The class server: aiohttp on an asyncio loop of its own, in a thread beside whatever drives it.

aiohttp because one well-kept package gives both the HTTP server and WebSockets, with message
size limits and heartbeats built in, and no ASGI server to bundle beside it (Starlette would
need uvicorn as well). The loop runs in a daemon thread, so the Qt event loop (or the terminal
of ``packetstage share``) never waits on a student's phone; ``start`` returns once the socket
listens (well under a second) and ``stop`` closes every socket and joins the thread.

Routes: ``/`` the join form, or the student page with ``?c=CODE``; ``/remote?t=TOKEN`` the
presenter's remote; ``/ws`` one WebSocket per page. A socket needs the join code (students) or
the presenter token (the remote; and every control message carries it again), a same-origin
``Origin`` when a browser sends one, and a free seat (``max_students``). Each socket has a rate
limit: a message that breaks the schema, a flood, or a client too slow to keep up closes that
socket and nothing else.

Sending to 500 sockets is one task working through one queue, each write completing at once
(a socket's buffer is checked first, so no write ever waits): no task per student, no task
switch per message, and a live update is framed once and the same bytes written to every
socket (the sockets are uncompressed, so a frame is the same for all). That keeps the server's
share of the GIL small beside the Qt thread.

Messages the server sends:: {"t": "hello", "role", "deck", "driver"} on connecting (driver "app":
the remote's clicks go to the app; "remote": the remote plays the lecture and sends its state); {"t": "live", "v", "s"}
at every change of the presenter's state (``ClassState.live_message``); {"t": "mine", "q",
"choice"} a student's own answer; to presenters {"t": "tally", "q", "counts", "total"} and
{"t": "room", "students"}.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gzip
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from animator.classroom.address import DEFAULT_MAX_STUDENTS, DEFAULT_PORT, Binding, url_host
from animator.classroom.codes import new_join_code, new_token, normalise_code, same_secret
from animator.classroom.messages import (
    PRESENTER_MAX_BYTES,
    STUDENT_MAX_BYTES,
    Answer,
    BadMessage,
    Command,
    LiveState,
    Ping,
    StateUpdate,
    dumps,
    parse_presenter,
    parse_student,
)
from animator.classroom.page import LecturePages, join_form
from animator.classroom.state import ClassState

log = logging.getLogger(__name__)

#: Messages a second a student may send, and the burst allowed (tapping through answers).
STUDENT_RATE = (4.0, 12)
#: A presenter's remote sends a state at every step, seek and play: more, but still bounded.
PRESENTER_RATE = (30.0, 90)
#: Bytes still unsent to one client past which it is too slow to keep up (a phone asleep on bad
#: Wi-Fi): its socket is closed, and the page reconnects and catches up with the current state.
SLOW_BYTES = 64 * 1024
#: Seconds the delivery loop runs before it offers the GIL to other threads (``_deliver``).
HOLD_SECONDS = 0.001
#: Wrong codes or tokens one address may give within GUESS_WINDOW seconds before it is refused.
GUESS_LIMIT = 20
GUESS_WINDOW = 300.0
#: Tallies and head counts reach presenters at most this often (seconds).
TALLY_EVERY = 0.1
_STUDENT_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")
#: Close codes the pages know: 4001 bad code or token, 1008 broken schema or flood, 1009 too big.
POLICY = WSCloseCode.POLICY_VIOLATION


def text_frame(text: str) -> bytes:
    """``text`` as one unmasked, uncompressed WebSocket text frame (RFC 6455 section 5.2), as a
    server sends it: built once for a broadcast instead of once per socket."""
    payload = text.encode("utf-8")
    n = len(payload)
    if n < 126:
        header = bytes((0x81, n))
    elif n < 1 << 16:
        header = bytes((0x81, 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + n.to_bytes(8, "big")
    return header + payload


@dataclass
class RateLimit:
    """A token bucket: ``rate`` messages a second on average, ``burst`` at once."""

    rate: float
    burst: int
    tokens: float = 0.0
    at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(float(self.burst), self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Client:
    """One open socket and its role; what it is sent goes through the server's one delivery task."""

    def __init__(self, ws: web.WebSocketResponse, role: str, student: str, limit: RateLimit, transport: Any) -> None:
        self.ws, self.role, self.student, self.limit = ws, role, student, limit
        #: The TCP transport: how much is still unsent to this client (``get_write_buffer_size``).
        self.transport = transport

    def backlog(self) -> int:
        transport = self.transport
        return 0 if transport is None or transport.is_closing() else int(transport.get_write_buffer_size())


class ClassServer:
    """Serve ``pages`` to the class. ``on_command`` (the app) receives the remote's clicks, from
    the server's thread; ``on_tally`` and ``on_room`` report answers and head counts likewise."""

    def __init__(
        self,
        pages: LecturePages,
        binding: Binding,
        port: int = DEFAULT_PORT,
        *,
        max_students: int = DEFAULT_MAX_STUDENTS,
        csv_path: Path | None = None,
        on_command: Callable[[str], None] | None = None,
        on_tally: Callable[[dict[str, Any]], None] | None = None,
        on_room: Callable[[int], None] | None = None,
        join_code: str | None = None,
        token: str | None = None,
    ) -> None:
        self.pages = pages
        self.binding = binding
        self.port = port
        self.max_students = max_students
        self.csv_path = csv_path
        self.on_command, self.on_tally, self.on_room = on_command, on_tally, on_room
        self.join_code = join_code or new_join_code()
        self.token = token or new_token()
        self.state = ClassState(pages.chapters, pages.quizzes)
        self.clients: set[Client] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._flush_pending: asyncio.TimerHandle | None = None
        self._dirty_tallies: set[tuple[int, int]] = set()
        self._room_dirty = False
        self._csv_lock = threading.Lock()
        self._gzipped: dict[str, bytes] = {}
        #: Per address, when it gave a wrong code or token (``_guessing``).
        self._wrong: dict[str, list[float]] = {}
        self._outgoing: collections.deque[tuple[Client, str | bytes]] = collections.deque()
        self._wake: asyncio.Event | None = None
        self._deliverer: asyncio.Task[None] | None = None
        #: Seconds ``start`` took, from the call to a listening socket (the benchmark reports it).
        self.start_seconds = 0.0

    # -- URLs -------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        port = "" if self.port == 80 else f":{self.port}"
        return f"http://{url_host(self.binding.host)}{port}/"

    @property
    def join_url(self) -> str:
        """What the QR code holds: the page, code included (scanning joins at once)."""
        return f"{self.base_url}?c={self.join_code}"

    @property
    def remote_url(self) -> str:
        """The presenter's remote (never on the projector: it holds the token)."""
        return f"{self.base_url}remote?t={self.token}"

    # -- life -------------------------------------------------------------------------------
    def start(self, timeout: float = 5.0) -> None:
        """Listen, in a thread of its own; returns once the socket listens. OSError (the port is
        taken, the address is not this computer's) comes out here, not in the thread."""
        began = time.perf_counter()
        sock = self._listen()
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(sock, ready, failure), name="classroom-server", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise OSError("the class server did not start")
        if failure:
            raise failure[0]
        self.start_seconds = time.perf_counter() - began

    def _listen(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.binding.listen else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.binding.listen, self.port))
            sock.listen(512)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        return sock

    def _run(self, sock: socket.socket, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(sock))
        except BaseException as exc:  # reported by start(), in the caller's thread
            failure.append(exc)
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())  # a CSV being written is finished
            loop.close()

    async def _serve(self, sock: socket.socket) -> None:
        app = web.Application(middlewares=[self._headers], client_max_size=4096)
        app.router.add_get("/", self._index)
        app.router.add_get("/remote", self._remote)
        app.router.add_get("/ws", self._socket)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        self._wake = asyncio.Event()
        self._deliverer = asyncio.get_running_loop().create_task(self._deliver())
        await web.SockSite(self._runner, sock, backlog=512).start()

    def stop(self, timeout: float = 5.0) -> None:
        """Close every socket ('the lecture has ended'), stop listening, and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        with contextlib.suppress(Exception):
            future.result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = None
        self._write_csv()

    async def _shutdown(self) -> None:
        if self._deliverer is not None:
            self._deliverer.cancel()
        for client in list(self.clients):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.ws.close(code=WSCloseCode.GOING_AWAY, message=b"the lecture has ended"), 0.5)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the presenter, in-process (the app) ---------------------------------------------------
    def publish(self, state: LiveState) -> None:
        """Make ``state`` live (from any thread): the app calls this at every change it shows."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._set_live, state)

    def _set_live(self, state: LiveState) -> None:
        try:
            checked = self.state.check(state)
        except BadMessage as exc:
            log.warning("live state refused: %s", exc)
            return
        revealed = self.state.set_live(checked)
        # Framed once, written to every socket as it is (RFC 6455 frames need no per-client work).
        student, presenter = text_frame(dumps(self.state.live_message(False))), text_frame(dumps(self.state.live_message(True)))
        for client in list(self.clients):
            self._send(client, presenter if client.role == "presenter" else student)
        if revealed is not None:
            self._tally_changed((revealed.chapter, revealed.step))
            if self.csv_path is not None and self._loop is not None:
                # Made here (the tallies belong to this thread), written on a worker (it syncs to disk).
                self._loop.run_in_executor(None, self._write_csv, self.state.counts_csv())

    def _write_csv(self, text: str | None = None) -> None:
        """The counts, written whole (temporary file renamed into place), one writer at a time."""
        if self.csv_path is None:
            return
        from animator.files import WriteError, write_atomic

        try:
            with self._csv_lock:
                write_atomic(self.csv_path, self.state.counts_csv() if text is None else text)
        except (OSError, WriteError) as exc:
            log.warning("could not write %s: %s", self.csv_path, exc)

    # -- HTTP ---------------------------------------------------------------------------------
    @web.middleware
    async def _headers(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        response: web.StreamResponse = await handler(request)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", self.pages.csp)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cache-Control"] = "no-store"
        headers["X-Frame-Options"] = "DENY"
        return response

    def _guessing(self, request: web.Request) -> bool:
        """Whether this address has given too many wrong codes or tokens lately (then it is refused
        for a while, right code or not: 31^6 codes are many, but not for a script with a lecture's time)."""
        now = time.monotonic()
        times = [t for t in self._wrong.get(request.remote or "", []) if now - t < GUESS_WINDOW]
        self._wrong[request.remote or ""] = times
        return len(times) >= GUESS_LIMIT

    def _wrong_guess(self, request: web.Request) -> None:
        self._wrong.setdefault(request.remote or "", []).append(time.monotonic())

    async def _index(self, request: web.Request) -> web.Response:
        given = request.query.get("c")
        if given is not None and self._guessing(request):
            return web.Response(status=429, text="Too many wrong codes from this device: wait a few minutes, then try again.")
        if given is not None and not same_secret(normalise_code(given), self.join_code):
            self._wrong_guess(request)
        elif given is not None:
            return self._page(request, "student", self.pages.student_html)
        form = join_form(self.pages.title, wrong=given is not None)
        csp = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        return web.Response(text=form, content_type="text/html", headers={"Content-Security-Policy": csp})

    async def _remote(self, request: web.Request) -> web.Response:
        if self._guessing(request):
            return web.Response(status=429, text="Too many wrong links from this device: wait a few minutes.")
        if not same_secret(request.query.get("t"), self.token):
            self._wrong_guess(request)
            return web.Response(status=403, text="This page needs the presenter's link (shown on the presenter's screen only).")
        return self._page(request, "presenter", self.pages.presenter_html)

    def _page(self, request: web.Request, name: str, text: str) -> web.Response:
        """A player page, gzipped once and kept (a class joining at once would otherwise pull
        500 x 0.3 MB over the hall's Wi-Fi, or compress the same page 500 times)."""
        headers = {"Vary": "Accept-Encoding"}
        if "gzip" not in request.headers.get("Accept-Encoding", ""):
            return web.Response(text=text, content_type="text/html", headers=headers)
        packed = self._gzipped.get(name)
        if packed is None:
            packed = self._gzipped[name] = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
        headers["Content-Encoding"] = "gzip"
        return web.Response(body=packed, content_type="text/html", charset="utf-8", headers=headers)

    def _same_origin(self, request: web.Request) -> bool:
        """A browser always sends Origin on a WebSocket: it must be this server's own page. Tools
        without one (tests, the benchmark) still need the code or token."""
        origin = request.headers.get("Origin")
        return origin is None or origin == f"http://{request.host}"

    # -- WebSockets -----------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.StreamResponse:
        if not self._same_origin(request):
            return web.Response(status=403, text="wrong origin")
        query = request.query
        if self._guessing(request):
            return web.Response(status=429, text="too many wrong codes from this address")
        if "t" in query:
            if not same_secret(query.get("t"), self.token):
                self._wrong_guess(request)
                return web.Response(status=403, text="wrong presenter token")
            role, student, limit, size = "presenter", "", RateLimit(*PRESENTER_RATE), PRESENTER_MAX_BYTES
        else:
            if not same_secret(normalise_code(query.get("c", "")), self.join_code):
                self._wrong_guess(request)
                return web.Response(status=403, text="wrong join code")
            student = query.get("id", "")
            if not _STUDENT_ID.fullmatch(student):
                return web.Response(status=400, text="bad student id")
            if sum(1 for c in self.clients if c.role == "student") >= self.max_students:
                return web.Response(status=503, text="the lecture is full")
            role, limit, size = "student", RateLimit(*STUDENT_RATE), STUDENT_MAX_BYTES
        ws = web.WebSocketResponse(max_msg_size=size, heartbeat=20.0, compress=False, autoping=True)
        await ws.prepare(request)
        client = Client(ws, role, student, limit, request.transport)
        self.clients.add(client)
        self._room_changed()
        try:
            driver = "app" if self.on_command is not None else "remote"
            self._send(client, dumps({"t": "hello", "role": role, "deck": self.pages.deck_id, "driver": driver}))
            self._send(client, dumps(self.state.live_message(role == "presenter")))
            if role == "student":
                mine = self.state.mine(student)
                if mine is not None:
                    self._send(client, dumps(mine))
            else:
                for key in self.state.tallies:
                    if self.state.tallies[key].by_student:
                        self._send(client, dumps(self.state.tally_message(key)))
            await self._read(client)
        finally:
            self.clients.discard(client)
            self._room_changed()
        return ws

    async def _read(self, client: Client) -> None:
        ws = client.ws
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                # A binary frame is not in the schema; an oversized one arrives here as an error
                # (aiohttp has already closed it with 1009, MESSAGE_TOO_BIG).
                if message.type == WSMsgType.BINARY:
                    await ws.close(code=WSCloseCode.UNSUPPORTED_DATA, message=b"text messages only")
                break
            if not client.limit.allow():
                await ws.close(code=POLICY, message=b"too many messages")
                break
            try:
                self._handle(client, message.data)
            except BadMessage as exc:
                await ws.close(code=POLICY, message=str(exc)[:100].encode("utf-8"))
                break

    def _handle(self, client: Client, text: str) -> None:
        if client.role == "student":
            answer = parse_student(text)
            if isinstance(answer, Answer) and self.state.answer(client.student, answer):
                self._send(client, dumps({"t": "mine", "q": [answer.chapter, answer.step], "choice": answer.choice}))
                # The same student may have the page open twice: both show the answer.
                for other in self.clients:
                    if other is not client and other.student == client.student:
                        self._send(other, dumps({"t": "mine", "q": [answer.chapter, answer.step], "choice": answer.choice}))
                self._tally_changed((answer.chapter, answer.step))
            return
        message = parse_presenter(text)
        if isinstance(message, Ping):
            return
        if not same_secret(message.token, self.token):
            raise BadMessage("wrong presenter token")
        if isinstance(message, StateUpdate):
            self._set_live(self.state.check(message.state))
        elif isinstance(message, Command) and self.on_command is not None:
            self.on_command(message.do)

    def _send(self, client: Client, message: str | bytes) -> None:
        """Queue ``message`` (text, or a frame from ``text_frame``) for ``client``; the delivery
        task sends it, in order, soon after."""
        self._outgoing.append((client, message))
        if self._wake is not None:
            self._wake.set()

    async def _deliver(self) -> None:
        """The one task that writes to every socket, in the order messages were queued."""
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            outgoing = self._outgoing
            sent = 0
            held = time.perf_counter()
            while outgoing:
                sent += 1
                if sent % 16 == 0 and time.perf_counter() - held > HOLD_SECONDS:
                    # Hand the GIL over if another thread waits for it (the app's Qt thread drawing a
                    # frame): it then waits for this loop a millisecond at most, not the 5 ms Python
                    # lets a thread run; and only once a millisecond, since each hand-over may cost
                    # this loop as long in return.
                    time.sleep(0)
                    held = time.perf_counter()
                client, message = outgoing.popleft()
                if client.ws.closed or client not in self.clients or client.transport is None or client.transport.is_closing():
                    continue
                if client.backlog() > SLOW_BYTES:
                    # Too slow to keep up: it reconnects and gets the state then.
                    asyncio.get_running_loop().create_task(client.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow"))
                    continue
                if isinstance(message, bytes):
                    client.transport.write(message)  # a whole frame: it cannot interleave with another
                else:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await client.ws.send_str(message)

    # -- presenters' counts ------------------------------------------------------------------------
    def _tally_changed(self, key: tuple[int, int]) -> None:
        self._dirty_tallies.add(key)
        self._schedule_flush()

    def _room_changed(self) -> None:
        self._room_dirty = True
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_pending is None and self._loop is not None:
            self._flush_pending = self._loop.call_later(TALLY_EVERY, self._flush)

    def students(self) -> int:
        """Students connected now (one per page id: two tabs of one phone count once)."""
        return len({c.student for c in self.clients if c.role == "student"})

    def _flush(self) -> None:
        self._flush_pending = None
        presenters = [c for c in self.clients if c.role == "presenter"]
        for key in sorted(self._dirty_tallies):
            message = self.state.tally_message(key)
            text = dumps(message)
            for client in presenters:
                self._send(client, text)
            if self.on_tally is not None:
                self.on_tally(message)
        self._dirty_tallies.clear()
        if self._room_dirty:
            self._room_dirty = False
            count = self.students()
            text = dumps({"t": "room", "students": count})
            for client in presenters:
                self._send(client, text)
            if self.on_room is not None:
                self.on_room(count)
