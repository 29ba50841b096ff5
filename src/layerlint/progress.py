"""A progress bar on stderr for long runs on a terminal (never in machine output)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Shown only after a short delay, so fast (cached) runs print nothing."""

    def __init__(self, delay: float = 0.5) -> None:
        self._start = time.monotonic()
        self._delay = delay
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self._start < self._delay and not self._shown:
            return
        self._shown = True
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(
            f"\rlayerlint: parsing [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        )
        if done >= total:
            sys.stderr.write("\r" + " " * (width + 40) + "\r")
        sys.stderr.flush()
