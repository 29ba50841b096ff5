"""One-line notices on stderr (``layerlint: warning: ...``), each said once per process.

Python's ``warnings`` module prints the source line of the caller and a category name,
which reads like a crash to a user; these notices are plain sentences.
"""

from __future__ import annotations

import sys

_SAID: set[str] = set()
verbose = False


def warn_once(message: str) -> None:
    """Print ``layerlint: warning: message`` to stderr unless already printed."""
    if message in _SAID:
        return
    _SAID.add(message)
    print(f"layerlint: warning: {message}", file=sys.stderr)


def detail(message: str) -> None:
    """A line for ``--verbose`` only."""
    if verbose:
        print(f"layerlint: {message}", file=sys.stderr)


def detail_once(message: str) -> None:
    """A ``--verbose`` line said once per process (runs repeat when fixing)."""
    if message in _SAID:
        return
    _SAID.add(message)
    detail(message)
