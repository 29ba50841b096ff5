"""``[tool.layerlint]`` in pyproject.toml -> a frozen, validated Config.

All validation lives here, and every message names the file, the key and what is
allowed, so a typo never turns into a traceback or a silently ignored setting.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerlint.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

LIST_KEYS = (
    "src",
    "select",
    "extend-select",
    "ignore",
    "extend-ignore",
    "exclude",
    "extend-exclude",
)
TABLE_KEYS = ("per-file-ignores", "layers", "contract", "rules")
STRING_KEYS = ("baseline", "cache-dir", "extend")
# The major version of a framework the project uses, when detection from its
# requirements is wrong or impossible (see declared_versions.py).
VERSION_KEYS = ("pydantic-version", "sqlalchemy-version")
KNOWN_KEYS = (*LIST_KEYS, *TABLE_KEYS, *STRING_KEYS, *VERSION_KEYS)


@dataclass(frozen=True)
class Config:
    """The resolved configuration of one run."""

    root: Path
    config_file: Path | None = None
    src: tuple[str, ...] = ()
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    baseline: str | None = None
    cache_dir: str = ".layerlint_cache"
    layers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    contract: tuple[tuple[str, tuple[str, ...]], ...] = ()
    rule_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = field(default=())
    pydantic_version: int | None = None
    sqlalchemy_version: int | None = None

    def options_for(self, code: str) -> dict[str, Any]:
        """Configured options of one rule (validated; defaults not included)."""
        for rule_code, options in self.rule_options:
            if rule_code == code:
                return dict(options)
        return {}

    def analysis_hash(self) -> str:
        """Hash of every setting that changes the per-file pass (the cache key part)."""
        payload = json.dumps(
            {"src": self.src, "layers": self.layers, "rules": self.rule_options},
            sort_keys=True,
            default=str,
        )
        return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


# Looked for in this order in each folder, as ruff looks for .ruff.toml, ruff.toml,
# pyproject.toml. The first two hold the settings at top level.
CONFIG_NAMES = (".layerlint.toml", "layerlint.toml", "pyproject.toml")
# Keys whose values add up along an ``extend`` chain instead of replacing each other.
_ADDITIVE_KEYS = ("extend-select", "extend-ignore", "extend-exclude")
_MERGED_TABLES = ("per-file-ignores", "layers", "rules")


def find_config_file(start: Path) -> Path | None:
    """The nearest .layerlint.toml, layerlint.toml or pyproject.toml at or above ``start``."""
    current = start if start.is_dir() else start.parent
    for directory in (current, *current.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def load_config(start: Path, explicit: Path | None = None, root: Path | None = None) -> Config:
    """Find and validate the configuration for a run starting at ``start``.

    The project root is the configuration file's folder unless ``root`` says otherwise
    (``--config`` chooses settings, while the checked paths choose the project).
    """
    path = explicit if explicit is not None else find_config_file(start)
    if path is None:
        return Config(root=root or (start if start.is_dir() else start.parent).resolve())
    table = _read_table(path, required=explicit is not None and path.name != "pyproject.toml")
    table = _with_extended(table, path, (path.resolve(),))
    return parse_config(table, root or path.parent.resolve(), path)


def _with_extended(
    table: Mapping[str, Any], path: Path, seen: tuple[Path, ...]
) -> Mapping[str, Any]:
    """``extend = "../shared.toml"``: the shared settings, overridden by this file's.

    As ruff's ``extend``: the path is relative to the file naming it; chains are followed;
    ``extend-*`` lists add up and rule/layer tables merge key by key.
    """
    target = table.get("extend")
    if target is None:
        return table
    shown = str(path)
    if not isinstance(target, str) or not target.strip():
        raise ConfigError(shown, "extend", "expected the path of a configuration file")
    base_path = (path.parent / target).resolve()
    if base_path in seen:
        raise ConfigError(shown, "extend", f"{target!r} extends itself (a cycle)")
    if not base_path.is_file():
        raise ConfigError(shown, "extend", f"{target!r}: no such file")
    base = _with_extended(_read_table(base_path, required=True), base_path, (*seen, base_path))
    merged = {key: value for key, value in base.items() if key != "extend"}
    for key, value in table.items():
        if key == "extend":
            continue
        if key in _ADDITIVE_KEYS and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        elif (
            key in _MERGED_TABLES and isinstance(value, dict) and isinstance(merged.get(key), dict)
        ):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _read_table(path: Path, required: bool) -> Mapping[str, Any]:
    shown = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(shown, "", f"cannot read file: {error.strerror or error}") from None
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(shown, "", "not valid UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(shown, "", f"invalid TOML: {error}") from None
    if path.name == "pyproject.toml":
        tool = document.get("tool", {})
        table = tool.get("layerlint", {}) if isinstance(tool, dict) else {}
    else:
        table = document.get("tool", {}).get("layerlint", document)
    if not isinstance(table, dict):
        raise ConfigError(shown, "", "[tool.layerlint] must be a table")
    return table


def parse_config(table: Mapping[str, Any], root: Path, path: Path | None = None) -> Config:
    """Validate a ``[tool.layerlint]`` table; raise ConfigError naming the bad key."""
    from layerlint.layers import DEFAULT_CONTRACT
    from layerlint.rules import all_rules
    from layerlint.selection import validate_codes

    shown = str(path) if path else "<config>"
    for key in table:
        if key not in KNOWN_KEYS:
            raise ConfigError(shown, key, "unknown key (allowed: " + ", ".join(KNOWN_KEYS) + ")")
    lists = {key: _string_list(table, key, shown) for key in LIST_KEYS if key in table}
    for key in ("select", "extend-select", "ignore", "extend-ignore"):
        if key in lists:
            validate_codes(lists[key], _config_error(shown, key))
    for key in ("exclude", "extend-exclude"):
        for pattern in lists.get(key, ()):
            _check_glob(pattern, key, shown)
    for key in STRING_KEYS:
        if key in table and not isinstance(table[key], str):
            raise ConfigError(shown, key, "expected a string")
    if "cache-dir" in table:
        _check_cache_dir(table["cache-dir"], root, shown)
    for key in VERSION_KEYS:
        if key in table and (isinstance(table[key], bool) or table[key] not in (1, 2)):
            raise ConfigError(shown, key, "expected 1 or 2 (the major version the project uses)")

    per_file = _per_file_ignores(table.get("per-file-ignores", {}), shown)
    layers = _layer_table(table.get("layers", {}), "layers", shown)
    known_layers = set(DEFAULT_CONTRACT) | {name for name, _ in layers}
    contract = _layer_table(table.get("contract", {}), "contract", shown)
    for layer, allowed in contract:
        for name in (layer, *allowed):
            if name not in known_layers:
                raise ConfigError(
                    shown,
                    f"contract.{layer}",
                    f"unknown layer {name!r} (known: {', '.join(sorted(known_layers))})",
                )
    rule_options = _rule_options(table.get("rules", {}), shown, all_rules())
    return Config(
        root=root,
        config_file=path,
        src=lists.get("src", ()),
        select=lists.get("select"),
        extend_select=lists.get("extend-select", ()),
        ignore=lists.get("ignore", ()) + lists.get("extend-ignore", ()),
        exclude=lists.get("exclude", ()) + lists.get("extend-exclude", ()),
        per_file_ignores=per_file,
        baseline=table.get("baseline"),
        cache_dir=table.get("cache-dir", ".layerlint_cache"),
        layers=layers,
        contract=contract,
        rule_options=rule_options,
        pydantic_version=table.get("pydantic-version"),
        sqlalchemy_version=table.get("sqlalchemy-version"),
    )


def _check_cache_dir(value: str, root: Path, shown: str) -> None:
    """The cache is written, so it must be a folder strictly inside the project."""
    if not value.strip() or "\x00" in value:
        raise ConfigError(shown, "cache-dir", "expected a folder path inside the project")
    target = Path(value)
    if target.is_absolute() or ".." in target.parts:
        raise ConfigError(
            shown, "cache-dir", f"{value!r} is outside the project; use a relative folder"
        )
    if (root / target).resolve() == root:
        raise ConfigError(shown, "cache-dir", "must be a folder below the project root")


def _config_error(shown: str, key: str) -> Callable[[str], Exception]:
    def make(problem: str) -> Exception:
        return ConfigError(shown, key, problem)

    return make


def _string_list(table: Mapping[str, Any], key: str, shown: str) -> tuple[str, ...]:
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(shown, key, "expected a list of strings")
    return tuple(value)


def _check_glob(pattern: str, key: str, shown: str) -> None:
    if not pattern or pattern.count("[") != pattern.count("]") or "\x00" in pattern:
        raise ConfigError(shown, key, f"bad glob pattern {pattern!r}")


def _per_file_ignores(value: object, shown: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    from layerlint.selection import validate_codes

    if not isinstance(value, dict):
        raise ConfigError(shown, "per-file-ignores", "expected a table of glob = [codes]")
    result: list[tuple[str, tuple[str, ...]]] = []
    for pattern, codes in value.items():
        key = f"per-file-ignores.{pattern!r}"
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(shown, key, "expected a list of rule codes")
        _check_glob(pattern, key, shown)
        validate_codes(codes, _config_error(shown, key))
        result.append((pattern, tuple(codes)))
    return tuple(result)


def _layer_table(value: object, key: str, shown: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(shown, key, "expected a table of layer = [names]")
    result: list[tuple[str, tuple[str, ...]]] = []
    for layer, names in value.items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(shown, f"{key}.{layer}", "expected a list of strings")
        result.append((layer, tuple(names)))
    return tuple(result)


def _rule_options(
    value: object, shown: str, rules: Mapping[str, Any]
) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(shown, "rules", "expected a table of rule code = {options}")
    result: list[tuple[str, tuple[tuple[str, Any], ...]]] = []
    for code, options in value.items():
        key = f"rules.{code}"
        rule = rules.get(code)
        if rule is None:
            raise ConfigError(shown, key, "unknown rule code")
        if not isinstance(options, dict):
            raise ConfigError(shown, key, "expected a table of options")
        specs = {opt.name: opt for opt in rule.options_spec}
        validated: list[tuple[str, Any]] = []
        for name, raw in options.items():
            spec = specs.get(name)
            if spec is None:
                allowed = ", ".join(specs) or "none"
                raise ConfigError(shown, f"{key}.{name}", f"unknown option (allowed: {allowed})")
            try:
                validated.append((name, spec.validate(raw)))
            except ValueError as error:
                raise ConfigError(shown, f"{key}.{name}", str(error)) from None
        result.append((code, tuple(sorted(validated))))
    return tuple(result)
