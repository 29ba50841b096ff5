"""Deeply nested code, planted as an attacker would: each file is LL001 or analysed.

Before the nesting screen these crashed libCST's parser (SIGSEGV, BrokenProcessPool with
many files, a hang under parallel flake8), ran for minutes, or ended in LL000. Every run
here is a subprocess with a timeout and an address-space cap, so a regression fails the
test instead of hanging or swapping the machine.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from layerlint.collect import FileInput, collect
from layerlint.nesting import MAX_DEPTH, TOO_DEEP, measure
from layerlint.testing import write_project

MEMORY_CAP = 1_500_000_000  # bytes of address space per process (workers included)
SERVICE = "from fastapi import HTTPException\n\ndef get(x):\n    raise HTTPException(404)\n"

HOSTILE = {
    # 3 KB string annotation nested 1,500 deep: crashed libCST's parser.
    "string_annotation": 'x: "' + "(" * 1500 + "int" + ")" * 1500 + '"\n',
    "string_in_cast": "from typing import cast\n\ny = cast('"
    + "List[" * 800
    + "int"
    + "]" * 800
    + "', 1)\n",
    # 40 KB of nested lambdas: 4.7 GB, then SIGSEGV.
    "lambdas": "x = " + "lambda: " * 5000 + "1\n",
    # 25 KB method chains, on one line and one link a line: minutes, then SIGSEGV.
    "method_chain": "x = a" + ".b()" * 6250 + "\n",
    "method_chain_lines": "x = (\n    a\n" + "    .b()\n" * 2500 + ")\n",
    # 20 KB subscript chain: over two minutes.
    "subscript_chain": "x = a" + "[0]" * 6700 + "\n",
    # 1,000-term + chains, 500 chained .where() calls, f()() 500 times: LL000, exit 3.
    "plus_chain": "x = " + " + ".join(["a"] * 1000) + "\n",
    "plus_chain_lines": "x = (\n" + " +\n".join(["    a"] * 1000) + "\n)\n",
    "where_chain": (
        "from sqlalchemy import select\n\n\ndef q(s, U):\n    return s.execute(\n"
        "        select(U)\n" + "        .where(U.a == 1)\n" * 500 + "    )\n"
    ),
    "call_chain": "x = f" + "()" * 500 + "\n",
    "nested_fstrings": "x = " + 'f"{' * 300 + "1" + '}"' * 300 + "\n",
    "nested_dicts": "x = " + "{1: " * 400 + "1" + "}" * 400 + "\n",
    # Many moderately deep expressions: each passes, together minutes of parsing.
    "many_nests": ("x = " + "f(" * 60 + "1" + ")" * 60 + "\n") * 200,
}


def cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def layerlint(root: Path, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layerlint.cli", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap_memory,
        check=False,
    )


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, object]]]:
    """One parallel run over every hostile file plus an ordinary one; findings by file."""
    root = tmp_path_factory.mktemp("nesting")
    files = {f"app/services/{name}.py": source for name, source in HOSTILE.items()}
    write_project(root, {**files, "app/services/ok.py": SERVICE})
    started = time.monotonic()
    result = layerlint(root, "check", "--no-cache", "--format", "json")
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert elapsed < 60
    found: dict[str, list[dict[str, object]]] = {}
    for diagnostic in json.loads(result.stdout)["diagnostics"]:
        found.setdefault(str(diagnostic["path"]), []).append(diagnostic)
    return found


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_one_clean_ll001(
    hostile_run: dict[str, list[dict[str, object]]], name: str
) -> None:
    (diagnostic,) = hostile_run[f"app/services/{name}.py"]
    assert diagnostic["code"] == "LL001"
    assert str(diagnostic["message"]).startswith(TOO_DEEP)


def test_the_rest_of_the_run_completes(hostile_run: dict[str, list[dict[str, object]]]) -> None:
    codes = {d["code"] for d in hostile_run["app/services/ok.py"]}
    assert "LL104" in codes
    assert not [d for ds in hostile_run.values() for d in ds if d["code"] == "LL000"]


def test_many_crashing_files_in_parallel(tmp_path: Path) -> None:
    """More files than one worker chunk: once a BrokenProcessPool traceback."""
    files = {f"app/services/m{i}.py": HOSTILE["string_annotation"] for i in range(30)}
    write_project(tmp_path, {**files, "app/services/ok.py": SERVICE})
    result = layerlint(tmp_path, "check", "--no-cache", "--format", "json")
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert sorted(d["path"] for d in diagnostics if d["code"] == "LL001") == sorted(files)
    assert not [d for d in diagnostics if d["code"] == "LL000"]


def test_parallel_flake8_does_not_hang(tmp_path: Path) -> None:
    files = {f"app/services/m{i}.py": HOSTILE["string_annotation"] for i in range(30)}
    write_project(tmp_path, {**files, "app/services/ok.py": SERVICE})
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--jobs", "2", "--select", "LL", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=cap_memory,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    ll001 = [line for line in result.stdout.splitlines() if " LL001 " in line]
    assert len(ll001) == 30 and all(TOO_DEEP in line for line in ll001)


def test_twenty_megabyte_line_gives_a_small_report(tmp_path: Path) -> None:
    write_project(tmp_path, {"app/services/ok.py": SERVICE})
    (tmp_path / "app/services/blob.py").write_bytes(b"x = '" + b"a" * 20_000_000 + b"'\n")
    result = layerlint(tmp_path, "check", "--no-cache")
    assert result.returncode == 1, result.stderr
    assert "app/services/blob.py:1:1: LL001 file too large to analyse" in result.stdout
    assert len(result.stdout) < 5_000


def test_fix_skips_a_file_too_deep_for_libcst_transformers(tmp_path: Path) -> None:
    """Deep enough to analyse, too deep for libCST's recursive visitors: a note, no trace."""
    deep = "x = " + " + ".join(["a"] * 390) + "\n\n"
    # In a routes module the bare 404 is a fixable LL201 (in a service LL104 reports it).
    write_project(tmp_path, {"app/routes/deep.py": deep + SERVICE})
    assert measure(deep.encode()) is None
    result = layerlint(tmp_path, "check", "--no-cache", "--fix")
    assert "Traceback" not in result.stderr
    assert "layerlint: app/routes/deep.py: too deeply nested to fix safely" in result.stderr
    assert result.returncode == 1


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("zero", None, "larger than 20 MB"),
        ("huge.json", b"[" + b"0," * 11_000_000 + b"0]", "larger than 20 MB"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
    ],
)
def test_hostile_baseline_is_one_line(
    tmp_path: Path, name: str, content: bytes | None, problem: str
) -> None:
    write_project(tmp_path, {"app/services/ok.py": SERVICE})
    target = "/dev/zero" if content is None else name
    if content is not None:
        (tmp_path / name).write_bytes(content)
    result = layerlint(tmp_path, "check", "--no-cache", "--baseline", target, timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"layerlint: error: {target}: not a layerlint baseline ({problem})"
    ]


# --- item 6: the running interpreter's syntax errors are not LL001 ---------------------

INFO = FileInput("app/services/x.py", "app.services.x", False, "services")
# Syntax newer than Python 3.11, which libCST parses: PEP 695, PEP 758, PEP 701.
NEWER_SYNTAX = {
    "type_alias": "type UserId = int\n",
    "generic_class": "class Box[T]:\n    item: T\n",
    "generic_function": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "except_without_parens": "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",
    "pep701_fstrings": 'x = f"{d["key"]}" + f"{f"{f"{1}"}"}" + f"{y!r:>{width}}"\n',
}
FILLER = "".join(f"def helper_{i}(a, b):\n    return a + b\n\n\n" for i in range(1300))


@pytest.mark.parametrize("name", sorted(NEWER_SYNTAX))
def test_big_file_with_newer_syntax_is_analysed(name: str) -> None:
    source = (NEWER_SYNTAX[name] + FILLER + SERVICE).encode()
    assert len(source) > 50_000
    facts = collect(INFO, source, [])
    assert facts.parsed
    assert not [d for d in facts.diagnostics if d.code == "LL001"]


def test_newer_syntax_end_to_end(tmp_path: Path) -> None:
    source = "".join(NEWER_SYNTAX.values()) + FILLER + SERVICE
    write_project(tmp_path, {"app/services/newer.py": source})
    result = layerlint(tmp_path, "check", "--no-cache", "--format", "json")
    assert result.returncode == 1, result.stderr
    codes = {d["code"] for d in json.loads(result.stdout)["diagnostics"]}
    assert "LL104" in codes and not codes & {"LL000", "LL001"}


# --- the screen itself ----------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "x = '" + "(" * 3000 + "'\n",  # brackets in a string
        "# " + "(" * 3000 + "\n",  # and in a comment
        '"""' + "a. b - c + d " * 2000 + '"""\n',  # prose in a docstring
        "x = [\n" + "    (1, 2) + (3,),\n" * 3000 + "]\n",  # a long but flat literal
        "x = " + "[" * 150 + "]" * 150 + "\n",  # as deep as real code gets, and more
        'x = f"{d["a"]}"  # PEP 701 quotes\n' + "y = (1 + 2)\n" * 100,
        "if a:\n    pass\n" + "elif b:\n    pass\n" * 100,
    ],
    ids=["string", "comment", "docstring", "flat-literal", "nested-150", "pep701", "elif-100"],
)
def test_screen_lets_ordinary_code_through(source: str) -> None:
    assert measure(source.encode()) is None


def test_screen_reports_the_line_where_nesting_went_too_deep() -> None:
    source = "x = 1\n\ny = (\n" + "    a +\n" * (MAX_DEPTH + 10) + "    a\n)\n"
    refusal = measure(source.encode())
    assert refusal is not None and refusal.message == TOO_DEEP
    assert 3 < refusal.line <= MAX_DEPTH + 10
