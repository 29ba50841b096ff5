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


class QuietNotice:
    """When stderr is not a terminal: one line before a long run, so it does not look hung.

    A long run is one with at least ``threshold`` files to parse (a warm cache parses few).
    """

    def __init__(self, threshold: int = 200) -> None:
        self._threshold = threshold
        self._said = False

    def __call__(self, done: int, total: int) -> None:
        if self._said or total < self._threshold:
            return
        self._said = True
        sys.stderr.write(f"layerlint: analysing {total} files...\n")
        sys.stderr.flush()
