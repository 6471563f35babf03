"""Reading settings that may be damaged: a bad file or a bad value falls back to a default.

QSettings survives a crash (it writes through to disk), but a file cut short by a power
cut, edited by hand or written by a future version can hold garbage. The player must still
start, on defaults, and say so without a dialog: a dialog could land on the projector.
``SettingsCheck`` collects what it had to ignore so the window can show one notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from PySide6.QtCore import QSettings

T = TypeVar("T")


class SettingsCheck:
    """Typed reads of ``settings`` that record each value they had to replace by its default."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings
        self.problems: list[str] = []
        if settings.status() != QSettings.Status.NoError:
            where = settings.fileName()
            self.problems.append(f"the settings file {where} could not be read ({settings.status().name})")
            settings.clear()  # start again from defaults; the next write replaces the damaged file

    def choice(self, key: str, choices: Mapping[str, T], default: T) -> T:
        """The value named by ``key`` among ``choices``; a missing key is the default, silently."""
        raw = self.settings.value(key)
        if raw is None:
            return default
        if isinstance(raw, str) and raw in choices:
            return choices[raw]
        self.problems.append(f"{key} = {raw!r} is not one of {', '.join(choices)}")
        return default

    def number(self, key: str, allowed: tuple[float, ...], default: float) -> float:
        """A number from ``allowed`` (INI files store numbers as text)."""
        raw = self.settings.value(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = float("nan")
        for candidate in allowed:
            if abs(candidate - value) < 1e-6:
                return candidate
        self.problems.append(f"{key} = {raw!r} is not one of {', '.join(f'{a:g}' for a in allowed)}")
        return default

    def notice(self) -> str:
        """One line for the window, or '' when everything was readable."""
        if not self.problems:
            return ""
        return "Some settings could not be read, so defaults are used: " + "; ".join(self.problems) + "."
