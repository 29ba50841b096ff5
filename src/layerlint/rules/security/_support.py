"""What several security rules share."""

from __future__ import annotations

ENV_READS = frozenset({"os.getenv", "os.environ.get"})
