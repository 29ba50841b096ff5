"""A hostile-input run: every way of invoking layerlint against trees an attacker wrote.

Not a test (the test suite covers each case once); this multiplies them: each hostile
tree is checked with every entry point (check, --jobs 1, --fix, --diff, graph, SARIF
output, flake8, flake8 on stdin) and the run counts, for all of them together:

- crashes: a Python traceback, or an exit code outside 0-3;
- hangs: no answer within the time limit;
- code run: the marker file a planted pickle would create;
- escapes: any change to the files outside the project root, or a secret printed;
- data loss: a file under the root changed by a command that must not write (check,
  --diff, graph, flake8), or by --fix outside its fixes.

Usage: ``python bench/hostile.py [--timeout 60]``; prints one line per (tree, command)
that failed and a summary table for docs/reliability.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SERVICE = "from fastapi import HTTPException\n\ndef f():\n    raise HTTPException(404)\n"
ROUTE = (
    "from fastapi import APIRouter\nrouter = APIRouter()\n"
    "@router.get('/x', status_code=200)\ndef x() -> dict[str, str]:\n    return {}\n"
)
SECRET = "HOSTILE_RUN_SECRET_5f1e"


class _Payload:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


def _base(root: Path) -> None:
    for path, text in {
        "pyproject.toml": "[project]\nname = 'victim'\n",
        "app/__init__.py": "",
        "app/services/__init__.py": "",
        "app/services/user_service.py": SERVICE,
        "app/routes/__init__.py": "",
        "app/routes/items.py": ROUTE,
    }.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def _pickles(root: Path, marker: Path, folder: str = ".layerlint_cache") -> None:
    cache = root / folder
    cache.mkdir(parents=True, exist_ok=True)
    evil = pickle.dumps(_Payload(f"touch {marker}"))
    for name in ("facts.pickle", "results.pickle"):
        (cache / name).write_bytes(evil)


def _nested(depth: int, opener: str, closer: str, atom: str = "1") -> str:
    return opener * depth + atom + closer * depth


TREES: dict[str, Callable[[Path, Path, Path], None]] = {}


Builder = Callable[[Path, Path, Path], None]


def tree(name: str) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        TREES[name] = build
        return build

    return register


@tree("pickle-in-cache")
def _(root: Path, outside: Path, marker: Path) -> None:
    _pickles(root, marker)


@tree("pickle-in-configured-cache-dir")
def _(root: Path, outside: Path, marker: Path) -> None:
    (root / "pyproject.toml").write_text("[tool.layerlint]\ncache-dir = 'var/c'\n")
    _pickles(root, marker, "var/c")


@tree("cache-dir-symlink-out")
def _(root: Path, outside: Path, marker: Path) -> None:
    os.symlink(outside, root / ".layerlint_cache")


@tree("gitignore-symlink-in-cache")
def _(root: Path, outside: Path, marker: Path) -> None:
    (root / ".layerlint_cache").mkdir()
    os.symlink(outside / "planted", root / ".layerlint_cache" / ".gitignore")


@tree("proc-environ-link")
def _(root: Path, outside: Path, marker: Path) -> None:
    os.symlink("/proc/self/environ", root / "app" / "env.py")


@tree("folder-link-out")
def _(root: Path, outside: Path, marker: Path) -> None:
    (outside / "victim.py").write_text(SERVICE + "x = 1\n")
    os.symlink(outside, root / "app" / "linked")


@tree("file-link-out")
def _(root: Path, outside: Path, marker: Path) -> None:
    (outside / "routes_outside.py").write_text(ROUTE)
    os.symlink(outside / "routes_outside.py", root / "app" / "routes" / "linked.py")


@tree("fifo-and-devices")
def _(root: Path, outside: Path, marker: Path) -> None:
    os.mkfifo(root / "app" / "pipe.py")
    os.symlink("/dev/zero", root / "app" / "zero.py")
    os.symlink("/dev/urandom", root / "app" / "random.py")


@tree("report-and-baseline-links")
def _(root: Path, outside: Path, marker: Path) -> None:
    (outside / "precious.txt").write_text("precious\n")
    os.symlink(outside / "precious.txt", root / "report.sarif")
    os.symlink(outside, root / "reports")


@tree("baseline-dev-zero")
def _(root: Path, outside: Path, marker: Path) -> None:
    (root / "pyproject.toml").write_text("[tool.layerlint]\nbaseline = 'b.json'\n")
    os.symlink("/dev/zero", root / "b.json")


@tree("deep-string-annotation")
def _(root: Path, outside: Path, marker: Path) -> None:
    (root / "app" / "deep.py").write_text(f"x: {_nested(1500, '(', ')')!r}\n")


@tree("deep-nesting-many-files")
def _(root: Path, outside: Path, marker: Path) -> None:
    for n in range(30):
        (root / "app" / f"deep_{n}.py").write_text(f"x = {_nested(1200, '[', ']')}\n")


@tree("nested-lambdas")
def _(root: Path, outside: Path, marker: Path) -> None:
    (root / "app" / "lam.py").write_text("f = " + "lambda: " * 4000 + "1\n")


@tree("long-chains")
def _(root: Path, outside: Path, marker: Path) -> None:
    (root / "app" / "chain.py").write_text("x = a" + ".b()" * 5000 + "\n")
    (root / "app" / "subs.py").write_text("x = a" + "[0]" * 5000 + "\n")
    (root / "app" / "plus.py").write_text("x = " + " + ".join(["1"] * 1000) + "\n")
    (root / "app" / "where.py").write_text("q = select(User)" + ".where(User.id == 1)" * 500 + "\n")
    (root / "app" / "calls.py").write_text("x = f" + "()" * 500 + "\n")


@tree("huge-one-line")
def _(root: Path, outside: Path, marker: Path) -> None:
    (root / "app" / "huge.py").write_text("x = '" + "a" * 20_000_000 + "'\n")


@tree("new-syntax-large")
def _(root: Path, outside: Path, marker: Path) -> None:
    body = "type X = int\nclass C[T]:\n    pass\n" + "y = 1\n" * 12_000
    (root / "app" / "modern.py").write_text(body)


@tree("hostile-names")
def _(root: Path, outside: Path, marker: Path) -> None:
    (root / "app" / "services" / "::error file=x::boom.py").write_text(SERVICE)
    os.makedirs(root / b"app/caf\xe9".decode("utf-8", "surrogateescape"), exist_ok=True)
    bad = os.fsencode(str(root / "app")) + b"/caf\xe9/bad_\xff_service.py"
    with open(bad, "wb") as handle:
        handle.write(SERVICE.encode())
    (root / "app" / "--output=setup.py").write_text("x = 1\n")


@tree("bad-config")
def _(root: Path, outside: Path, marker: Path) -> None:
    nested = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    (root / "pyproject.toml").write_text("[tool.layerlint]\nsrc = ['a\\u0000b']\n" + nested)


@tree("env-named-folders")
def _(root: Path, outside: Path, marker: Path) -> None:
    for folder in ("env", "build", "dist"):
        (root / "app" / folder).mkdir()
        (root / "app" / folder / "__init__.py").write_text("")
        (root / "app" / folder / "svc_service.py").write_text(SERVICE)


COMMANDS: dict[str, list[str]] = {
    "check": ["-m", "layerlint", "check"],
    "check-jobs1": ["-m", "layerlint", "check", "--jobs", "1"],
    "check-sarif": ["-m", "layerlint", "check", "--format", "sarif", "-o", "report.sarif"],
    "check-junit": ["-m", "layerlint", "check", "--format", "junit"],
    "check-github": ["-m", "layerlint", "check", "--format", "github"],
    "diff": ["-m", "layerlint", "check", "--diff"],
    "graph": ["-m", "layerlint", "graph", "."],
    "baseline": ["-m", "layerlint", "check", "--write-baseline", "reports/b.json"],
    "flake8": ["-m", "flake8", "--select", "LL", "."],
    "fix": ["-m", "layerlint", "check", "--fix"],
}
WRITERS = {"fix", "check-sarif", "baseline"}


@dataclass
class Tally:
    runs: int = 0
    crashes: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    code_run: list[str] = field(default_factory=list)
    escapes: list[str] = field(default_factory=list)
    data_loss: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _snapshot(folder: Path) -> dict[str, str]:
    state: dict[str, str] = {}
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = Path(dirpath) / name
            cache_file = name in ("facts.pickle", "results.pickle") or (
                name == ".gitignore" and (Path(dirpath) / "results.pickle").exists()
            )
            if path.is_symlink() or cache_file or ".layerlint_cache" in path.parts:
                continue
            try:
                if path.is_file():
                    state[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                continue
    return state


def _one(name: str, command: str, timeout: float, tally: Tally) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        root, outside, marker = base / "project", base / "outside", base / "pwned"
        root.mkdir()
        outside.mkdir()
        _base(root)
        TREES[name](root, outside, marker)
        outside_before = _snapshot(outside)
        root_before = _snapshot(root)
        env = {**os.environ, "CI_TOKEN": SECRET}
        started = time.monotonic()
        label = f"{name} / {command}"
        tally.runs += 1
        try:
            done = subprocess.run(
                [sys.executable, *COMMANDS[command]],
                cwd=root,
                capture_output=True,
                timeout=timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            tally.hangs.append(label)
            return
        finally:
            tally.seconds += time.monotonic() - started
        output = done.stdout + done.stderr
        if b"Traceback" in output or done.returncode not in (0, 1, 2, 3):
            tally.crashes.append(f"{label}: exit {done.returncode}")
        if marker.exists():
            tally.code_run.append(label)
        if SECRET.encode() in output or _snapshot(outside) != outside_before:
            tally.escapes.append(label)
        if command not in WRITERS and _snapshot(root) != root_before:
            tally.data_loss.append(label)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--only", help="run only trees whose name contains this")
    args = parser.parse_args()
    tally = Tally()
    for name in TREES:
        if args.only and args.only not in name:
            continue
        for command in COMMANDS:
            _one(name, command, args.timeout, tally)
    for kind in ("crashes", "hangs", "code_run", "escapes", "data_loss"):
        for entry in getattr(tally, kind):
            print(f"{kind}: {entry}")
    print()
    columns = "trees | commands | runs | crashes | hangs | code run | escapes | data loss | time"
    print(f"| {columns} |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(TREES) if not args.only else '-'} | {len(COMMANDS)} | {tally.runs} "
        f"| {len(tally.crashes)} | {len(tally.hangs)} | {len(tally.code_run)} "
        f"| {len(tally.escapes)} | {len(tally.data_loss)} | {tally.seconds:.0f} s |"
    )


if __name__ == "__main__":
    main()
