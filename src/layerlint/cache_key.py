"""The private key that authenticates cache files before anything is unpickled.

The cache lives in the project (``.layerlint_cache``), which is untrusted: a repository
can commit a pickle whose loading runs code. Every cache file therefore carries a keyed
BLAKE2b MAC; the key is 32 random bytes in the user's own cache directory (never in a
checkout), readable only by its owner. A file whose MAC does not verify is never
unpickled: it is ignored and rebuilt. Without a usable key, a random per-process key
is used, so the cache still works within a run and is simply not reused.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import stat
import sys
from pathlib import Path

from layerlint.safe_paths import is_within

KEY_SIZE = 32
MAC_SIZE = 32
KEY_FILE = "cache.key"
KEY_DIR_VARIABLE = "LAYERLINT_KEY_DIR"


def user_key_dir() -> Path:
    """The per-user folder for the key (``LAYERLINT_KEY_DIR`` overrides it)."""
    configured = os.environ.get(KEY_DIR_VARIABLE)
    if configured:
        return Path(configured)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "layerlint"


@functools.cache
def _ephemeral_key() -> bytes:
    return os.urandom(KEY_SIZE)


def _read_key(path: Path) -> bytes | None:
    """The key file's bytes if it is ours: a regular file, our own, private, 32 bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size != KEY_SIZE:
            return None
        if hasattr(os, "getuid") and (
            info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        ):
            return None
        data = os.read(fd, KEY_SIZE + 1)
    finally:
        os.close(fd)
    return data if len(data) == KEY_SIZE else None


def _create_key(path: Path) -> bytes | None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return _read_key(path)  # another run created it first
    except OSError:
        return None
    key = os.urandom(KEY_SIZE)
    try:
        os.write(fd, key)
    finally:
        os.close(fd)
    return key


@functools.cache
def _user_key(key_dir: Path) -> bytes | None:
    path = key_dir / KEY_FILE
    return _read_key(path) or _create_key(path)


def cache_key(project_root: Path) -> bytes:
    """The key for this project's cache files.

    A key folder inside the checked project could be committed by its author, so then
    (and when no key can be read or created) the run uses a throw-away key.
    """
    key_dir = user_key_dir()
    try:
        resolved = key_dir.resolve()
    except (OSError, RuntimeError):
        return _ephemeral_key()
    if is_within(resolved, project_root.resolve()):
        return _ephemeral_key()
    return _user_key(resolved) or _ephemeral_key()


def sign(key: bytes, purpose: bytes, payload: bytes) -> bytes:
    """The MAC of ``payload`` for one kind of cache file (so files cannot be swapped)."""
    return hashlib.blake2b(payload, key=key, person=purpose[:16], digest_size=MAC_SIZE).digest()


def verify(key: bytes, purpose: bytes, mac: bytes, payload: bytes | memoryview) -> bool:
    """True only when ``mac`` was made with this key for this purpose and payload."""
    expected = hashlib.blake2b(payload, key=key, person=purpose[:16], digest_size=MAC_SIZE)
    return hmac.compare_digest(expected.digest(), mac)
