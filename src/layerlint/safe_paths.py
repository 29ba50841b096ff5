"""Where layerlint may read and write, given that the checked tree is untrusted.

A repository can commit symlinks: to ``/proc/self/environ``, to a folder outside the
checkout, or in place of a report or cache path. Everything layerlint reads from the
project goes through ``readable_source``, and everything it writes inside the project
through ``writable_target``, so no link can make it read or write outside the root.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from layerlint.errors import UserError


def is_within(path: Path, directory: Path) -> bool:
    """True when ``path`` is ``directory`` or lies below it (no resolving done here)."""
    try:
        path.relative_to(directory)
    except ValueError:
        return False
    return True


def outside_reason(path: Path, root: Path) -> str | None:
    """Why the file at ``path`` must not be read as part of the project (None: it may).

    ``root`` must already be resolved. A link is followed; its final target has to be a
    regular file inside the root. Devices, FIFOs and ``/proc`` files are never read.
    """
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling link, loop, permission
        return "cannot be resolved"
    if not is_within(resolved, root):
        return f"links outside the project (to {resolved})"
    try:
        mode = os.stat(resolved).st_mode
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


def read_project_file(path: Path, root: Path, limit: int | None = None) -> bytes:
    """Bytes of a regular file inside ``root``; OSError (with a reason) otherwise.

    The check and the read use the same open file descriptor, so a link swapped in
    between cannot redirect the read. ``limit`` caps how much is read.
    """
    reason = outside_reason(path, root)
    if reason is not None:
        raise OSError(reason)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path.resolve(), flags | getattr(os, "O_NOFOLLOW", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read() if limit is None else handle.read(limit)
    finally:
        os.close(fd)


def read_regular_file(path: Path) -> bytes:
    """Bytes of ``path`` if it is a regular file (never blocks on a FIFO or a device).

    For files discovery already placed inside the project: links among them were
    resolved and checked there, so this costs one open and one fstat.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def symlink_between(path: Path, root: Path) -> Path | None:
    """The first symlink on the way from ``root`` down to ``path`` (``path`` included)."""
    if not is_within(path, root):
        return None
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def writable_target(path: Path, root: Path, what: str) -> Path:
    """Check that writing ``path`` (absolute, unresolved) stays where the user meant.

    Inside the project no folder on the way may be a symlink (a committed link would
    carry the write elsewhere); a symlink at the file itself is replaced, never
    followed, by the atomic rename that writes it. Paths outside the project are the
    user's own choice and are written as given.
    """
    if not is_within(path, root):
        return path
    link = symlink_between(path.parent, root)
    if link is not None:
        shown = link.relative_to(root).as_posix()
        raise UserError(f"{path}: refusing to write the {what} through the symlink {shown}")
    return path


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and one rename.

    The rename replaces a symlink at ``path`` instead of writing where it points, and a
    reader never sees a half-written file.
    """
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
