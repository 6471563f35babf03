"""Real WebSocket clients for the class server's tests and benchmark (aiohttp's client)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from animator.classroom.server import ClassServer

#: Long enough for a loaded 2-core machine; a message that does not come fails the test.
WAIT = 8.0


def ws_url(server: ClassServer) -> str:
    return f"ws://127.0.0.1:{server.port}/ws"


async def student(
    session: aiohttp.ClientSession, server: ClassServer, sid: str, code: str | None = None, **kw: Any
) -> aiohttp.ClientWebSocketResponse:
    params = {"c": server.join_code if code is None else code, "id": sid}
    return await session.ws_connect(ws_url(server), params=params, **kw)


async def presenter(
    session: aiohttp.ClientSession, server: ClassServer, token: str | None = None, **kw: Any
) -> aiohttp.ClientWebSocketResponse:
    return await session.ws_connect(ws_url(server), params={"t": server.token if token is None else token}, **kw)


async def next_message(ws: aiohttp.ClientWebSocketResponse, kind: str, where: Any = None) -> dict[str, Any]:
    """The next message of type ``kind`` (for which ``where(message)`` holds, if given)."""

    async def wait() -> dict[str, Any]:
        while True:
            message = await ws.receive()
            if message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"socket ended ({message.type.name}, {ws.close_code}) while waiting for {kind!r}")
            data: dict[str, Any] = json.loads(message.data)
            if data["t"] == kind and (where is None or where(data)):
                return data

    return await asyncio.wait_for(wait(), WAIT)


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    """Read until the server closes the socket; its close code."""

    async def wait() -> None:
        while True:
            message = await ws.receive()
            if message.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.ERROR,
            ):
                return

    await asyncio.wait_for(wait(), WAIT)
    return ws.close_code


def state(step: int, time: float, quiz: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A presenter's live state at a pause point of chapter 0."""
    s = {
        "c": 0,
        "step": step,
        "time": time,
        "playing": False,
        "dir": 1,
        "speed": 1.0,
        "until": None,
        "blank": False,
        "quiz": quiz,
    }
    s.update(extra)
    return s
