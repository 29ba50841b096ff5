"""On-disk cache of per-file results, keyed by content hash; one file, one read.

The whole cache is a single pickle (header + entries) so a warm run costs one read and
one hash per file. Writes go to a temporary file in the same folder and are renamed into
place, so a crash or a concurrent run never leaves a half-written cache. A cache that
cannot be read is ignored (and rebuilt); one that cannot be written costs a warning.
"""

from __future__ import annotations

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

CACHE_FORMAT = 1
CACHE_FILE = "facts.pickle"


def content_hash(data: bytes) -> str:
    """A short, fast digest of a file's bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class FactsCache:
    """Entries by relative path: (content hash, facts)."""

    directory: Path | None
    key: str
    entries: dict[str, tuple[str, ModuleFacts]] = field(default_factory=dict)
    dirty: bool = False

    @classmethod
    def load(cls, directory: Path | None, analysis_hash: str) -> FactsCache:
        """Read the cache if it matches this version and configuration, else start empty."""
        key = f"{CACHE_FORMAT}:{__version__}:{sys.version_info[:2]}:{analysis_hash}"
        cache = cls(directory, key)
        if directory is None:
            return cache
        try:
            with open(directory / CACHE_FILE, "rb") as handle:
                stored_key, entries = pickle.load(handle)
        except FileNotFoundError:
            return cache
        except Exception:
            return cache
        if stored_key == key and isinstance(entries, dict):
            cache.entries = entries
        return cache

    def get(self, relative: str, digest: str) -> ModuleFacts | None:
        """Cached facts for this path if the content is unchanged."""
        entry = self.entries.get(relative)
        if entry is not None and entry[0] == digest:
            return entry[1]
        return None

    def put(self, relative: str, digest: str, facts: ModuleFacts) -> None:
        self.entries[relative] = (digest, facts)
        self.dirty = True

    def prune(self, keep: set[str]) -> None:
        """Forget files that no longer exist."""
        stale = [path for path in self.entries if path not in keep]
        for path in stale:
            del self.entries[path]
        if stale:
            self.dirty = True

    def save(self) -> None:
        """Write atomically; warn (once) and carry on if the folder is not writable."""
        if self.directory is None or not self.dirty:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            gitignore = self.directory / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# created by layerlint\n*\n")
            fd, tmp = tempfile.mkstemp(prefix=".facts-", dir=self.directory)
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump((self.key, self.entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self.directory / CACHE_FILE)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as error:
            warnings.warn(
                f"layerlint: cache not written ({self.directory}: {error.strerror or error})",
                stacklevel=2,
            )
        self.dirty = False
