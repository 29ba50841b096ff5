"""Validation of ``[[tool.layerlint.contracts]]``, ``ignore-imports`` and the layer table.

Every problem is one ConfigError naming the entry: a contract is written by hand and
checked by CI, so a typo must stop the run instead of silently checking nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerlint.contracts.model import (
    CONTRACT_KINDS,
    FORBIDDEN,
    INDEPENDENCE,
    INTERFACE,
    Architecture,
    ContractSpec,
    ImportException,
    is_module_pattern,
)
from layerlint.errors import ConfigError

if TYPE_CHECKING:
    from layerlint.config import Config

_COMMON_KEYS = ("name", "kind", "ignore-imports")
_KIND_KEYS: Mapping[str, tuple[str, ...]] = {
    INDEPENDENCE: ("modules", "indirect"),
    FORBIDDEN: ("source-modules", "forbidden-modules", "allow-indirect-imports"),
    INTERFACE: ("modules", "expose"),
}
_REQUIRED: Mapping[str, tuple[str, ...]] = {
    INDEPENDENCE: ("modules",),
    FORBIDDEN: ("source-modules", "forbidden-modules"),
    INTERFACE: ("modules",),
}
_LAYER_GLOB_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.*?[]!-"
)


def parse_contracts(value: object, shown: str) -> tuple[ContractSpec, ...]:
    """The ``contracts`` array of tables, validated."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(
            shown, "contracts", "expected an array of tables ([[tool.layerlint.contracts]])"
        )
    contracts: list[ContractSpec] = []
    names: set[str] = set()
    for index, table in enumerate(value):
        contract = _contract(table, f"contracts[{index}]", shown)
        if contract.name in names:
            raise ConfigError(
                shown, f"contracts[{index}].name", f"duplicate contract name {contract.name!r}"
            )
        names.add(contract.name)
        contracts.append(contract)
    return tuple(contracts)


def _contract(table: Mapping[str, Any], key: str, shown: str) -> ContractSpec:
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(shown, f"{key}.name", "expected the contract's name (a non-empty string)")
    key = f"contracts.{name!r}"
    kind = table.get("kind")
    if kind not in CONTRACT_KINDS:
        raise ConfigError(
            shown, f"{key}.kind", "expected one of " + ", ".join(map(repr, CONTRACT_KINDS))
        )
    allowed = (*_COMMON_KEYS, *_KIND_KEYS[kind])
    for option in table:
        if option not in allowed:
            raise ConfigError(
                shown,
                f"{key}.{option}",
                f"unknown key for a {kind} contract (allowed: {', '.join(allowed)})",
            )
    for option in _REQUIRED[kind]:
        if option not in table:
            raise ConfigError(shown, f"{key}.{option}", f"required for a {kind} contract")
    exceptions = parse_import_exceptions(
        table.get("ignore-imports", []), f"{key}.ignore-imports", shown
    )
    if kind == INDEPENDENCE:
        modules = _patterns(table, "modules", key, shown)
        if len(modules) < 2:
            raise ConfigError(
                shown, f"{key}.modules", "name at least two modules that must stay apart"
            )
        return ContractSpec(
            name,
            kind,
            modules,
            indirect=_flag(table, "indirect", True, key, shown),
            ignore_imports=exceptions,
        )
    if kind == FORBIDDEN:
        return ContractSpec(
            name,
            kind,
            _patterns(table, "source-modules", key, shown),
            forbidden=_patterns(table, "forbidden-modules", key, shown),
            indirect=not _flag(table, "allow-indirect-imports", False, key, shown),
            ignore_imports=exceptions,
        )
    modules = _patterns(table, "modules", key, shown)
    expose = _patterns(table, "expose", key, shown) if "expose" in table else ()
    for exposed in expose:
        if not any(exposed.startswith(m + ".") for m in modules):
            raise ConfigError(
                shown, f"{key}.expose", f"{exposed!r} is not inside any of the contract's modules"
            )
    return ContractSpec(name, kind, modules, expose=expose, ignore_imports=exceptions)


def _patterns(table: Mapping[str, Any], option: str, key: str, shown: str) -> tuple[str, ...]:
    value = table[option]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(shown, f"{key}.{option}", "expected a non-empty list of module names")
    for pattern in value:
        if not is_module_pattern(pattern):
            raise ConfigError(
                shown,
                f"{key}.{option}",
                f"bad module pattern {pattern!r} (dotted names; * and ** as segments)",
            )
    return tuple(value)


def _flag(table: Mapping[str, Any], option: str, default: bool, key: str, shown: str) -> bool:
    value = table.get(option, default)
    if not isinstance(value, bool):
        raise ConfigError(shown, f"{key}.{option}", "expected true or false")
    return value


def parse_import_exceptions(value: object, key: str, shown: str) -> tuple[ImportException, ...]:
    """``["app.core.db -> app.models.*", ...]``: importer and imported module patterns."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(shown, key, 'expected a list of "importer -> imported" strings')
    exceptions: list[ImportException] = []
    for text in value:
        importer, arrow, imported = text.partition("->")
        importer, imported = importer.strip(), imported.strip()
        if not arrow or not is_module_pattern(importer) or not is_module_pattern(imported):
            raise ConfigError(
                shown, key, f'bad entry {text!r} (expected "importer -> imported" module names)'
            )
        exceptions.append(ImportException(text, importer, imported))
    return tuple(exceptions)


def check_layer_table(
    layers: Sequence[tuple[str, tuple[str, ...]]], builtin: Sequence[str], shown: str
) -> None:
    """A bad glob, or a new layer whose name is one edit away from a built-in one."""
    for layer, patterns in layers:
        near = [known for known in builtin if layer != known and _one_edit(layer, known)]
        if layer not in builtin and near:
            raise ConfigError(
                shown,
                f"layers.{layer}",
                f"new layer {layer!r} is one letter away from the built-in {near[0]!r}; "
                f"name the built-in layer or pick a clearly different name",
            )
        for pattern in patterns:
            if not _good_layer_glob(pattern):
                raise ConfigError(shown, f"layers.{layer}", f"bad module pattern {pattern!r}")


def _good_layer_glob(pattern: str) -> bool:
    if (
        not pattern
        or set(pattern) - _LAYER_GLOB_CHARS
        or pattern.startswith(".")
        or pattern.endswith(".")
    ):
        return False
    depth = 0
    for ch in pattern:
        depth += 1 if ch == "[" else -1 if ch == "]" else 0
        if depth not in (0, 1):
            return False
    return depth == 0 and ".." not in pattern


def _one_edit(a: str, b: str) -> bool:
    """Levenshtein distance 1 (one insertion, deletion or substitution) or one swap."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] + a[diff[1]] == b[diff[1]] + b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def architecture_of(config: Config) -> Architecture:
    """The Architecture record of a configuration, with the line of each entry."""
    entries = [e.text for c in config.contracts for e in c.ignore_imports]
    entries += [e.text for e in config.ignore_imports]
    entries += [p for _, patterns in config.layers for p in patterns]
    entries += list(config.src)
    entries += [p for c in config.contracts for p in (*c.modules, *c.expose)]
    config_path, lines = _entry_lines(config.config_file, config.root, entries)
    return Architecture(
        contracts=config.contracts,
        layer_exceptions=config.ignore_imports,
        layer_patterns=config.layers,
        src=config.src,
        config_path=config_path,
        config_lines=lines,
    )


def _entry_lines(
    path: Path | None, root: Path, entries: Sequence[str]
) -> tuple[str | None, tuple[tuple[str, int], ...]]:
    """The configuration file relative to ``root`` and the first line quoting each entry."""
    if path is None:
        return None, ()
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
        text = path.read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError):
        return None, ()
    lines = text.splitlines()
    found: list[tuple[str, int]] = []
    for entry in dict.fromkeys(entries):
        quoted = (f'"{entry}"', f"'{entry}'")
        for number, line in enumerate(lines, 1):
            if any(q in line for q in quoted):
                found.append((entry, number))
                break
    return relative, tuple(found)


def architecture_key(config: Config) -> str:
    """What the contract results depend on beyond the files (part of the run's cache key)."""
    return repr(architecture_of(config))
