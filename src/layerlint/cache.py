"""On-disk cache of per-file results, keyed by content hash; one file, one read.

The whole cache is a single pickle (header + entries) so a warm run costs one read and
one hash per file. Writes go to a temporary file in the same folder and are renamed into
place, so a crash or a concurrent run never leaves a half-written cache. A cache that
cannot be read is ignored (and rebuilt); one that cannot be written costs a warning.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from layerlint import __version__
from layerlint.facts import ModuleFacts

CACHE_FORMAT = 5
CACHE_FILE = "facts.pickle"
RESULTS_FILE = "results.pickle"


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
    entries: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def load(cls, directory: Path | None, analysis_hash: str) -> FactsCache:
        """Read the cache if it matches this version and configuration, else start empty."""
        version = f"{CACHE_FORMAT}:{__version__}:{code_fingerprint()}:{sys.version_info[:2]}"
        key = f"{version}:{analysis_hash}"
        cache = cls(directory, key)
        if directory is None:
            return cache
        loaded = read_pickle(directory / CACHE_FILE)
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
        write_pickle(self.directory, CACHE_FILE, (self.key, self.entries))
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


def read_pickle(path: Path) -> object:
    """Unpickle a cache file; None when missing or unreadable (it will be rebuilt).

    The garbage collector is paused while hundreds of thousands of small, acyclic
    fact objects are created: it would otherwise scan them repeatedly for nothing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except Exception:  # a missing or corrupt cache is rebuilt, never fatal
        return None
    finally:
        if enabled:
            gc.enable()


def write_pickle(directory: Path, name: str, payload: object) -> bool:
    """Atomically replace ``directory/name``; warn and return False if impossible."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        gitignore = directory / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("# created by layerlint\n*\n")
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as error:
        warnings.warn(
            f"layerlint: cache not written ({directory}: {error.strerror or error})",
            stacklevel=3,
        )
        return False
    return True


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
