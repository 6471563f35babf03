"""Open the wire a packet is on in Wireshark: where a student goes after reading its bytes here.

The capture holds that one link, what tcpdump on that wire would see (``export --pcap --link``):
a file of every link would hold each packet once per wire it crosses, and Wireshark's TCP
analysis reads those copies as retransmissions and duplicate ACKs — loss that is not there.

The file goes to the user's cache folder, named after the scene and the link, written to a
temporary name and renamed into place, then opened with Wireshark if it is on the PATH, or else
with whatever the desktop opens ``.pcapng`` files with. Nothing is sent anywhere.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QProcess, QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices

from animator.engine.timeline import Timeline

#: Starts ``program`` with ``arguments`` detached from PacketStage; True if it started.
Launcher = Callable[[str, list[str]], bool]


def _start_detached(program: str, arguments: list[str]) -> bool:
    started = QProcess.startDetached(program, arguments)
    return bool(started[0] if isinstance(started, tuple) else started)


def _open_with_desktop(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def capture_folder() -> Path:
    """Where captures opened in Wireshark are kept (the platform's cache folder for PacketStage)."""
    cache = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(cache or Path.home() / ".cache" / "PacketStage") / "captures"


def capture_name(scene_path: Path | None, link_id: str) -> str:
    """``home-nat-uplink.pcapng``: the scene and the wire, so Wireshark's title bar says both."""
    stem = scene_path.name.split(".")[0] if scene_path is not None else "scene"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{stem}-{link_id}") + ".pcapng"


def write_link_capture(timeline: Timeline, link_id: str, folder: Path, scene_path: Path | None) -> tuple[Path, int]:
    """Write the frames that cross ``link_id`` to ``folder``; the file and its packet count."""
    from animator.export.pcap import export_pcap

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / capture_name(scene_path, link_id)
    return path, export_pcap(timeline, path, link=link_id)


def open_link_capture(
    timeline: Timeline,
    link_id: str,
    scene_path: Path | None = None,
    folder: Path | None = None,
    launch: Launcher = _start_detached,
    open_file: Callable[[Path], bool] = _open_with_desktop,
) -> str:
    """Write the capture of ``link_id`` and open it; what happened, in one line for the status bar.

    Raises ``OSError`` when the file cannot be written and the export's errors when the link
    carries no real packets; the caller shows those as they are.
    """
    path, count = write_link_capture(timeline, link_id, folder or capture_folder(), scene_path)
    packets = f"{count} packet{'s' if count != 1 else ''}"
    wireshark = shutil.which("wireshark")
    if wireshark is not None and launch(wireshark, [str(path)]):
        return f"Opened link {link_id} in Wireshark ({packets}): {path}"
    if open_file(path):
        return f"Opened link {link_id} ({packets}) with the desktop's program for captures: {path}"
    return f"Wireshark is not installed; the capture of link {link_id} ({packets}) is saved at {path}"
