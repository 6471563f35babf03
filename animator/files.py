"""The two file rules every reader and writer of PacketStage follows, kept in one place.

Reading: only a regular file is opened for reading. A named pipe (FIFO) blocks ``open()`` until
a writer appears, a device such as ``/dev/tty`` blocks ``read()``, and ``/dev/zero`` never ends:
given as a scene, a deck or a capture, any of them would hang ``validate``, ``render``,
``import`` or the player forever. ``open_regular_file`` opens without blocking and checks the
*open* file, so a file swapped for a pipe between a check and the open cannot slip through.

Writing: a file is written to a temporary file in the same folder and renamed into place, so
a full disk, a crash or Ctrl+C leaves the old file byte-identical instead of cut off (a rename
within one folder is atomic). A symbolic link at the output path is replaced, never written
through: a scene or an image must not land wherever a (possibly dangling) link points.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

#: Written in pieces this big, so a full disk is noticed (and the old file kept) mid-file.
_CHUNK = 1 << 20


class NotRegularFileError(OSError):
    """The path exists but is a pipe, socket or device: reading it could block or never end."""

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        super().__init__(errno.EINVAL, "not a regular file", str(path))
        #: "named pipe (FIFO)", "socket", "device" or "special file", for a caller that explains more.
        self.kind = kind

    def __str__(self) -> str:
        return f"{self.filename}: not a regular file"


class WriteError(OSError):
    """Writing an output failed; the message names the output (never its temporary) and the reason."""

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def _check_mode(path: str | os.PathLike[str], mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
    if not stat.S_ISREG(mode):
        raise NotRegularFileError(path, _kind(mode))


def check_regular_file(path: str | os.PathLike[str]) -> None:
    """Raise unless ``path`` is (a link to) a regular file, without opening it.

    ``FileNotFoundError``, ``IsADirectoryError`` or ``NotRegularFileError``; for a cheap check
    before work starts. Readers use ``open_regular_file``, which checks the opened file itself.
    """
    _check_mode(path, os.stat(path).st_mode)


def open_regular_file(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for binary reading, refusing anything but a regular file before reading a byte.

    ``O_NONBLOCK`` makes opening a FIFO return at once instead of waiting for a writer; the
    open file's own ``fstat`` then decides, so there is no window between check and use.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        _check_mode(path, os.fstat(fd).st_mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def output_exists(path: Path) -> bool:
    """Whether writing ``path`` would replace something: a symlink counts, even a dangling one."""
    return os.path.lexists(path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path`` to write; renamed onto ``path`` when the block succeeds.

    The temporary keeps the output's suffix (``.x.pcap.ab12.partial.pcap``) for writers that
    choose a format by name. On any failure it is removed and ``path`` is left as it was; an
    ``OSError`` comes out as ``WriteError`` naming ``path``, not the temporary.
    """
    path = Path(path)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".partial{path.suffix}", dir=path.parent)
    except OSError as exc:
        raise WriteError(exc.errno, exc.strerror or str(exc), str(path)) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, WriteError):
            raise
        raise WriteError(exc.errno, exc.strerror or str(exc), str(path)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary folder beside ``path`` to fill; its files are moved into ``path`` when the block succeeds.

    For exports that write a folder of images: a failure or a cancel leaves ``path`` as it was
    (no half of the new images mixed with the old ones), and each file is renamed into place, so a
    reader never sees a cut-off image. ``path`` itself is created if missing (its parent must exist).
    """
    path = Path(path)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    except OSError as exc:
        raise WriteError(exc.errno, exc.strerror or str(exc), str(path)) from None
    try:
        yield tmp
        path.mkdir(exist_ok=True)
        mode = 0o666 & ~_umask()
        for item in sorted(tmp.iterdir()):
            os.chmod(item, mode)
            os.replace(item, path / item.name)
    except OSError as exc:
        if isinstance(exc, WriteError):
            raise
        raise WriteError(exc.errno, exc.strerror or str(exc), str(path)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_all(file: BinaryIO, data: bytes) -> None:
    """Write ``data`` in pieces (a separate function so tests can make the disk fill up mid-file)."""
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        file.write(view[start : start + _CHUNK])


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> None:
    """Replace ``path`` with ``data`` (str is written as UTF-8), all or nothing; see ``atomic_path``."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp, open(tmp, "wb") as file:
        _write_all(file, payload)
        file.flush()
        os.fsync(file.fileno())
