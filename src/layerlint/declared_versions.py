"""Which major version of Pydantic / SQLAlchemy the project itself declares.

Migration advice ("use ``model_validate``", "use ``mapped_column``") is wrong for a
project that pins the old major version: the new API does not exist there, and a fix
that writes it breaks the code. The declared requirement is read from what the project
ships (lock files first, since they say what is installed; then ``pyproject.toml``,
``setup.cfg``, ``requirements*.txt``); nothing is imported or executed.
"""

from __future__ import annotations

import configparser
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

# Files larger than this are not requirement files worth reading.
_MAX_BYTES = 4_000_000
_LOCK_FILES = ("poetry.lock", "uv.lock", "pdm.lock")
_REQUIREMENT_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
_VERSION = re.compile(r"\d+(?:\.\d+)*")
# Operators that keep the major version of the number they name (``^1.10``, ``~=1.8``,
# ``==1.10.*``, Poetry's bare ``1.10.2``).
_SAME_MAJOR = frozenset({"", "==", "===", "^", "~", "~="})


@dataclass(frozen=True)
class Declared:
    """A major version and where it was read (shown to the user)."""

    major: int
    source: str


def declared_major(root: Path, package: str) -> Declared | None:
    """The major version ``package`` is pinned to, or None when unknown or unbounded."""
    for source, specs in _declarations(root, package):
        major = _major_of(specs)
        if major is not None:
            return Declared(major, source)
    return None


def _declarations(root: Path, package: str) -> Iterator[tuple[str, list[str]]]:
    """(file, specifiers) pairs in order of trust: lock files, then declarations."""
    wanted = _canonical(package)
    for name in _LOCK_FILES:
        document = _toml(root / name)
        for entry in _as_list(document.get("package")):
            if isinstance(entry, dict) and _canonical(str(entry.get("name", ""))) == wanted:
                yield name, [f"=={entry.get('version', '')}"]
    pyproject = _toml(root / "pyproject.toml")
    for specs in _pyproject_specs(pyproject, wanted):
        yield "pyproject.toml", specs
    for specs in _setup_cfg_specs(root / "setup.cfg", wanted):
        yield "setup.cfg", specs
    for path in _requirement_files(root):
        for specs in _requirement_specs(_lines(path), wanted):
            yield str(path.relative_to(root)), specs


def _pyproject_specs(document: dict[str, Any], wanted: str) -> Iterator[list[str]]:
    project = document.get("project")
    if isinstance(project, dict):
        yield from _requirement_specs(_strings(project.get("dependencies")), wanted)
        for extra in _dict(project.get("optional-dependencies")).values():
            yield from _requirement_specs(_strings(extra), wanted)
    for group in _dict(document.get("dependency-groups")).values():
        yield from _requirement_specs(_strings(group), wanted)
    tool = _dict(document.get("tool"))
    poetry = _dict(tool.get("poetry"))
    tables = [_dict(poetry.get("dependencies")), _dict(poetry.get("dev-dependencies"))]
    tables += [_dict(_dict(g).get("dependencies")) for g in _dict(poetry.get("group")).values()]
    for table in tables:
        for name, value in table.items():
            if _canonical(name) == wanted:
                yield [_poetry_spec(value)]
    for section in (_dict(tool.get("uv")), _dict(tool.get("pdm"))):
        yield from _requirement_specs(_strings(section.get("dev-dependencies")), wanted)


def _poetry_spec(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("version", "")
    return str(value) if isinstance(value, str) else ""


def _setup_cfg_specs(path: Path, wanted: str) -> Iterator[list[str]]:
    text = _text(path)
    if not text:
        return
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    if parser.has_option("options", "install_requires"):
        requires = parser.get("options", "install_requires").splitlines()
        yield from _requirement_specs(requires, wanted)


def _requirement_files(root: Path) -> list[Path]:
    found = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    return [path for path in found if path.is_file()]


def _requirement_specs(lines: Iterable[str], wanted: str) -> Iterator[list[str]]:
    """PEP 508 lines (``pydantic>=1.8,<2``; markers and comments dropped)."""
    for raw in lines:
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        match = _REQUIREMENT_LINE.match(line)
        if match and _canonical(match.group(1)) == wanted:
            yield [part.strip() for part in match.group(3).strip("() ").split(",")]


def _major_of(specs: list[str]) -> int | None:
    """1 when every allowed version is below 2.0, 2 when none is, else None."""
    parts = [part.replace(" ", "") for spec in specs for part in spec.split(",")]
    if any("|" in part for part in parts):
        return None  # alternatives (``^1.10 || ^2``): either major may be installed
    lowest: tuple[int, ...] = (0,)
    below_two = False
    for part in parts:
        version = _VERSION.search(part)
        if version is None:
            continue
        numbers = tuple(int(n) for n in version.group().split("."))
        operator = part[: version.start()]
        if operator in _SAME_MAJOR:
            lowest = max(lowest, numbers)
            below_two = below_two or numbers[0] < 2
        elif operator in (">=", ">"):
            lowest = max(lowest, numbers)
        elif operator == "<":
            below_two = below_two or (*numbers, 0, 0)[:3] <= (2, 0, 0)
        elif operator == "<=":
            below_two = below_two or numbers[0] < 2
    if below_two:
        return 1
    return 2 if lowest[0] >= 2 else None


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _text(path: Path) -> str:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return ""
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _lines(path: Path) -> list[str]:
    return _text(path).splitlines()


def _toml(path: Path) -> dict[str, Any]:
    text = _text(path)
    if not text:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: object) -> list[str]:
    return [item for item in _as_list(value) if isinstance(item, str)]


# -- which rules an older major version turns off ----------------------------------------


@dataclass(frozen=True)
class VersionGate:
    """Rules whose advice needs ``package`` at major version 2 or later."""

    package: str
    shown: str
    config_key: str
    codes: tuple[str, ...]


GATES = (
    VersionGate(
        "pydantic",
        "Pydantic",
        "pydantic-version",
        ("LL401", "LL402", "LL403", "LL404", "LL405", "LL406", "LL407", "LL410"),
    ),
    VersionGate(
        "sqlalchemy", "SQLAlchemy", "sqlalchemy-version", ("LL301", "LL302", "LL303", "LL304")
    ),
)


@dataclass(frozen=True)
class GatedCodes:
    """Codes off for this project and one sentence per gate saying why."""

    codes: frozenset[str]
    notes: tuple[str, ...]


def gated_codes(root: Path, configured: dict[str, int | None]) -> GatedCodes:
    """Rules off because the project uses major version 1 of their framework.

    ``configured`` maps a gate's config key to the version set in ``[tool.layerlint]``
    (None: read the project's requirements).
    """
    codes: set[str] = set()
    notes: list[str] = []
    for gate in GATES:
        explicit = configured.get(gate.config_key)
        if explicit is not None:
            major, source = explicit, f"{gate.config_key} = {explicit} in [tool.layerlint]"
        else:
            declared = declared_major(root, gate.package)
            if declared is None:
                continue
            major, source = declared.major, f"declared in {declared.source}"
        if major >= 2:
            continue
        codes.update(gate.codes)
        notes.append(
            f"{gate.shown} 1 ({source}): {', '.join(gate.codes)} are off, their advice needs "
            f"{gate.shown} 2; set {gate.config_key} = 2 in [tool.layerlint] to check them"
        )
    return GatedCodes(frozenset(codes), tuple(notes))
