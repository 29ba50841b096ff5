"""File names as each output format can carry them.

On Linux a file name is bytes. Python shows the bytes that are not UTF-8 as lone
surrogates (U+DC80-U+DCFF), which no strict UTF-8 writer, XML document or URI accepts;
and a name such as ``::error file=x::boom.py`` at the start of a log line is a GitHub
Actions workflow command. Reporters pass names through here instead of printing them.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_SURROGATE = re.compile("[\ud800-\udfff]")
_OTHER_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")
# Line prefixes the GitHub Actions runner reads as commands (``::cmd::`` and the legacy
# ``##[cmd]``), also after leading blanks.
_COMMAND_PREFIXES = ("::", "##[")


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"


def escaped(text: str) -> str:
    """Undecodable bytes as ``\\xNN`` (as Python's repr shows them): valid text everywhere."""
    return _SURROGATE.sub(_escape_one, text) if _SURROGATE.search(text) else text


def has_undecodable(text: str) -> bool:
    """True when ``text`` holds lone surrogates (bytes of a name that is not UTF-8)."""
    return _SURROGATE.search(text) is not None


def writable(text: str) -> str:
    """``text`` that ``surrogateescape`` can encode: other lone surrogates become U+FFFD."""
    return _OTHER_SURROGATE.sub("\ufffd", text) if has_undecodable(text) else text


def raw_bytes(text: str) -> bytes:
    """The bytes the name stands for on disk."""
    return writable(text).encode("utf-8", "surrogateescape")


def uri_path(path: str) -> str:
    """A relative URI reference for ``path``: every byte outside the safe set percent-encoded."""
    return quote(raw_bytes(path))


def line_start_safe(path: str) -> str:
    """``path`` as the first thing on a log line: never readable as a workflow command."""
    return "./" + path if path.lstrip().startswith(_COMMAND_PREFIXES) else path
