"""Inputs real repositories hold: each gives LL001 or a clean result, never a crash."""

from __future__ import annotations

import pytest

from layerlint.collect import collect
from layerlint.file_context import FileInput
from layerlint.parsing import MAX_FILE_BYTES

INFO = FileInput("app/services/x.py", "app.services.x", False, "services")


@pytest.mark.parametrize(
    ("source", "codes"),
    [
        (b"\xef\xbb\xbfimport os\n", []),
        (b"import os\r\nx = 1\r\n", []),
        (b"import os\r\nx = 1\ny = 2\r", []),
        (b"def f():\n\tif 1:\n\t\treturn 2\n", []),
        (b"", []),
        (b"x = 1\x00\n", ["LL001"]),
        (b"print 'python 2'\n", ["LL001"]),
        ("s = 'caf\xe9'\n".encode("latin-1"), ["LL001"]),
        ("# -*- coding: latin-1 -*-\ns = 'caf\xe9'\n".encode("latin-1"), []),
        (b"# -*- coding: nonsense -*-\nx = 1\n", ["LL001"]),
        (b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n", ["LL001"]),
        (b"x = " + b"f(" * 300 + b")" * 300 + b"\n", ["LL001"]),
        (b"x = (\n" + b"+\n".join([b"1"] * 10000) + b")\n", ["LL001"]),
        (b"x = " + b"+".join([b"1"] * 10000) + b"\n", ["LL001"]),
        (b"if x: pass\n" + b"elif x: pass\n" * 3000, ["LL001"]),
        (b"x = " + b"[" * 150 + b"]" * 150 + b"\n", []),
        (b"x = 1\n" * (MAX_FILE_BYTES // 6 + 1), ["LL001"]),
    ],
    ids=[
        "bom",
        "crlf",
        "mixed-endings",
        "tabs",
        "empty",
        "nul",
        "python2",
        "latin1-undeclared",
        "latin1-declared",
        "unknown-coding",
        "deep-parens",
        "deep-calls",
        "long-chain-lines",
        "long-chain-one-line",
        "elif-ladder",
        "nested-150",
        "too-large",
    ],
)
def test_hostile_sources(source: bytes, codes: list[str]) -> None:
    facts = collect(INFO, source, [])
    assert [d.code for d in facts.diagnostics] == codes
