"""On-disk cache of per-file results, keyed by content hash; one file, one read.

The whole cache is a single pickle (header + entries) so a warm run costs one read and
one hash per file. The cache folder sits in the untrusted project, so every file starts
with a MAC made with the user's private key (``cache_key``) and is unpickled only when
that MAC verifies: a pickle committed to the repository is never loaded. Writes go to a
temporary file in the same folder and are renamed into place, so a crash or a
concurrent run never leaves a half-written cache. A cache that cannot be read is ignored
(and rebuilt); one that cannot be written costs one warning line.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from layerlint import __version__
from layerlint.cache_key import MAC_SIZE, sign, verify
from layerlint.facts import ModuleFacts
from layerlint.notices import warn_once
from layerlint.safe_paths import is_within, symlink_between

CACHE_FORMAT = 6
CACHE_FILE = "facts.pickle"
RESULTS_FILE = "results.pickle"
MAGIC = b"LLCACHE\x06"


@functools.cache
def code_fingerprint() -> str:
    """Identity of the installed layerlint code, so an edited checkout never reuses
    results computed by older rules under the same version number."""
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}:{stat.st_mtime_ns}:{stat.st_size};".encode())
    return digest.hexdigest()


def content_hash(data: bytes) -> str:
    """A short, fast digest of a file's bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class FactsCache:
    """Entries by relative path: (content hash, pickled facts).

    Each file's facts stay pickled bytes until asked for, so saving after a one-file
    change re-pickles one entry, not the whole project.
    """

    directory: Path | None
    key: str
    secret: bytes = b""
    entries: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def load(cls, directory: Path | None, analysis_hash: str, secret: bytes) -> FactsCache:
        """Read the cache if it matches this version and configuration, else start empty."""
        version = f"{CACHE_FORMAT}:{__version__}:{code_fingerprint()}:{sys.version_info[:2]}"
        key = f"{version}:{analysis_hash}"
        cache = cls(directory, key, secret)
        if directory is None:
            return cache
        loaded = read_pickle(directory / CACHE_FILE, secret)
        if isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == key:
            entries = loaded[1]
            cache.entries = entries if isinstance(entries, dict) else {}
        return cache

    def get(self, relative: str, digest: str) -> ModuleFacts | None:
        """Cached facts for this path if the content is unchanged (None if unusable)."""
        entry = self.entries.get(relative)
        if entry is None or entry[0] != digest:
            return None
        return unpickle_facts(entry[1])

    def put(
        self, relative: str, digest: str, facts: ModuleFacts, pickled: bytes | None = None
    ) -> None:
        """Remember facts (``pickled``: the same facts already pickled by a worker)."""
        if pickled is None:
            pickled = pickle.dumps(facts, protocol=pickle.HIGHEST_PROTOCOL)
        self.entries[relative] = (digest, pickled)
        self.dirty = True

    def prune(self, keep: set[str]) -> None:
        """Forget files that no longer exist."""
        stale = [path for path in self.entries if path not in keep]
        for path in stale:
            del self.entries[path]
        if stale:
            self.dirty = True

    def save(self) -> None:
        """Write atomically; warn and carry on if the folder is not writable."""
        if self.directory is None or not self.dirty:
            return
        write_pickle(self.directory, CACHE_FILE, (self.key, self.entries), self.secret)
        self.dirty = False


def unpickle_facts(data: bytes) -> ModuleFacts | None:
    """Facts from their pickled bytes; None when the bytes are not usable facts."""
    facts = _unpickle(data)
    return facts if isinstance(facts, ModuleFacts) else None


def _unpickle(data: bytes) -> object:
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    except Exception:  # a corrupt entry is re-parsed, never fatal
        return None
    finally:
        if enabled:
            gc.enable()


def read_pickle(path: Path, secret: bytes) -> object:
    """Unpickle a cache file whose MAC verifies; None otherwise (it will be rebuilt).

    Nothing is unpickled before the MAC over the whole payload has been checked, so a
    file that layerlint did not write itself is never loaded. The garbage collector is
    paused while hundreds of thousands of small, acyclic fact objects are created: it
    would otherwise scan them repeatedly for nothing.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    header = len(MAGIC) + MAC_SIZE
    if len(data) <= header or not data.startswith(MAGIC):
        return None
    payload = memoryview(data)[header:]
    if not verify(secret, path.name.encode(), data[len(MAGIC) : header], payload):
        return None
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(payload)
    except Exception:  # an authentic but unloadable cache (older Python) is rebuilt
        return None
    finally:
        if enabled:
            gc.enable()


def write_pickle(directory: Path, name: str, payload: object, secret: bytes) -> bool:
    """Atomically replace ``directory/name`` with a signed pickle; False if impossible."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _mark_ignored(directory)
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(MAGIC)
                handle.write(sign(secret, name.encode(), data))
                handle.write(data)
            os.replace(tmp, directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as error:
        warn_once(f"cache not written ({directory}: {error.strerror or error})")
        return False
    return True


def _mark_ignored(directory: Path) -> None:
    """Create the folder's ``.gitignore`` without following a link planted in its place."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(directory / ".gitignore", flags, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# created by layerlint\n*\n")


def run_key(*parts: object) -> str:
    """Digest of everything a whole-run result depends on."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(
        f"{CACHE_FORMAT}:{__version__}:{code_fingerprint()}:{sys.version_info[:2]}".encode()
    )
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def cache_folder(root: Path, cache_dir: str) -> Path | None:
    """The project's cache folder, or None when a symlink would carry it elsewhere.

    ``cache-dir`` is validated to be a relative folder inside the project; a committed
    symlink at it (or at a folder on the way) could still point anywhere, so such a
    cache is neither read nor written.
    """
    folder = root / cache_dir
    link = symlink_between(folder, root)
    if link is not None or not is_within(folder.resolve(), root.resolve()):
        shown = (link or folder).relative_to(root).as_posix()
        warn_once(f"cache not used: {shown} is a symlink (the cache stays inside the project)")
        return None
    return folder
