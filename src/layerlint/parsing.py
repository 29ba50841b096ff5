"""Parsing one file with libCST, and LL001 for a file that cannot be parsed.

A file too large, nested too deeply for libCST's native parser (which would crash the
process, not raise), undecodable or not valid Python becomes facts that carry only the
LL001 diagnostic, at the place CPython's parser stopped when it agrees.
"""

from __future__ import annotations

import re
import warnings

import libcst as cst

from layerlint.diagnostics import Diagnostic, Span
from layerlint.facts import ModuleFacts
from layerlint.file_context import FileInput
from layerlint.suppression import parse_suppressions

SYNTAX_ERROR_CODE = "LL001"


_BRACKETS_ONLY = bytes.maketrans(b"", b"")


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"()[]{}")


_MATCHED_PAIR = re.compile(rb"\(\)|\[\]|\{\}")


_SAFE_DEPTH = 50


_CHAIN_TOKENS = (
    b"+",
    b"-",
    b"*",
    b"|",
    b"&",
    b" and ",
    b" or ",
    b"elif",
    b'" "',
    b"' '",
    b'"\n',
    b"'\n",
)


def _looks_deep(source: bytes) -> bool:
    """Cheap screen for files that might nest deeper than libCST's parser survives.

    libCST's native parser overflows its stack (a crash, not an exception) on
    expressions nested about a thousand levels deep. Ordinary code is far from that;
    big, long-lined or bracket-heavy files get a careful check with CPython's parser.
    """
    if len(source) > 50_000 or max(map(len, source.split(b"\n"))) > 1000:
        return True
    # Long operator chains (``a + b + ...``, ``elif`` ladders, implicit string
    # concatenation) nest as deeply as brackets do in libCST's tree.
    chains = sum(source.count(token) for token in _CHAIN_TOKENS)
    if chains > 400:
        return True
    brackets = source.translate(_BRACKETS_ONLY, _NOT_BRACKETS)
    for _ in range(_SAFE_DEPTH):
        reduced = _MATCHED_PAIR.sub(b"", brackets)
        if reduced == brackets:
            return False
        brackets = reduced
    return bool(brackets)


def _too_deep_for_libcst(source: bytes) -> tuple[int, int, str] | None:
    """CPython's verdict on a suspicious file: None when it is safe to hand to libCST."""
    import ast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # CPython's SyntaxWarnings are not ours to show
            ast.parse(source)
    except SyntaxError as error:
        return error.lineno or 1, max((error.offset or 1) - 1, 0), error.msg
    except RecursionError:
        return 1, 0, "expressions nested too deeply to analyse"
    except (ValueError, MemoryError) as error:
        return 1, 0, str(error) or type(error).__name__
    return None


# libCST's parse time grows faster than linearly; beyond this a file is generated data.
MAX_FILE_BYTES = 2_000_000


def parse_source(info: FileInput, source: bytes) -> cst.Module | ModuleFacts:
    """The libCST module, or the facts of a file that cannot be parsed (LL001)."""
    if len(source) > MAX_FILE_BYTES:
        size = f"{len(source) / 1_000_000:.1f} MB"
        message = f"file too large to analyse ({size}; the limit is 2 MB): exclude generated files"
        return _syntax_error(info, source, 1, 0, message)
    if _looks_deep(source):
        refusal = _too_deep_for_libcst(source)
        if refusal is not None:
            return _syntax_error(info, source, *refusal)
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        line, column, message = _python_syntax_error(source) or (
            error.raw_line,
            error.raw_column,
            f"syntax libCST does not support (CPython accepts it): {_first_line(str(error))}",
        )
        return _syntax_error(info, source, line, column, message)
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as error:
        return _syntax_error(info, source, 1, 0, f"cannot decode file: {error}")
    except RecursionError:
        return _syntax_error(info, source, 1, 0, "expression nesting too deep to parse")


def _python_syntax_error(source: bytes) -> tuple[int, int, str] | None:
    """CPython's own location and message for a syntax error, when it agrees there is one."""
    import ast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # CPython's SyntaxWarnings are not ours to show
            ast.parse(source)
    except SyntaxError as error:
        return error.lineno or 1, max((error.offset or 1) - 1, 0), error.msg
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "syntax error"


def _syntax_error(
    info: FileInput, source: bytes, line: int, column: int, message: str
) -> ModuleFacts:
    prefix = "" if message.startswith("file too large") else "cannot parse file: "
    diagnostic = Diagnostic(
        code=SYNTAX_ERROR_CODE,
        message=f"{prefix}{message}",
        path=info.path,
        span=Span(max(line, 1), column + 1, max(line, 1), column + 2),
        layer=info.layer,
    )
    text = source.decode("utf-8", errors="replace")
    return ModuleFacts(
        path=info.path,
        module=info.module,
        is_package=info.is_package,
        diagnostics=(diagnostic,),
        parsed=False,
        suppressions=parse_suppressions(text),
    )
