"""A small observer: an ``Event`` holds callbacks and calls them, in order, each time it is emitted.

The player's state (``animator.player.state``) emits one ``Event`` per kind of change, and the
windows and panels connect to the ones they show (napari's evented models, without Qt):
``state.events.frame.connect(stage.show_frame)``. Nothing here imports Qt, so the state and its
rules are tested without a display.

A bound method is held weakly (``weakref.WeakMethod``): a panel that is gone stops being called
without having to disconnect. A plain function or a lambda is held strongly, as Qt's signals hold
them; disconnect it when its owner goes.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Strong:
    """A reference that always answers its callback (for functions and lambdas)."""

    __slots__ = ("callback",)

    def __init__(self, callback: Callable[[Any], object]) -> None:
        self.callback = callback

    def __call__(self) -> Callable[[Any], object]:
        return self.callback


class Event(Generic[T]):
    """One kind of change. ``connect`` a callback taking the new value; ``emit`` calls them all."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._refs: list[Callable[[], Callable[[T], object] | None]] = []

    def __repr__(self) -> str:
        return f"<Event {self.name}: {len(self)} callback(s)>"

    def __len__(self) -> int:
        return sum(1 for ref in self._refs if ref() is not None)

    def connect(self, callback: Callable[[T], object]) -> Callable[[T], object]:
        """Call ``callback(value)`` on every ``emit``; returns it (so this works as a decorator)."""
        if hasattr(callback, "__self__") and hasattr(callback, "__func__"):
            self._refs.append(weakref.WeakMethod(callback))
        else:
            self._refs.append(_Strong(callback))
        return callback

    def disconnect(self, callback: Callable[[T], object]) -> None:
        """Stop calling ``callback`` (every connection of it); unknown callbacks are ignored."""
        self._refs = [ref for ref in self._refs if ref() not in (None, callback)]

    def emit(self, value: T) -> None:
        """Call every connected callback with ``value``, in the order they were connected. A
        callback connected or disconnected meanwhile takes effect from the next ``emit``."""
        dead = False
        for ref in list(self._refs):
            callback = ref()
            if callback is None:
                dead = True
                continue
            callback(value)
        if dead:
            self._refs = [ref for ref in self._refs if ref() is not None]
