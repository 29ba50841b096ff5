"""Rules of the user's own: installed plugins (entry points) and project-local modules.

Installed plugins are packages the user chose to install; their rules load like the
built-in ones, from the entry-point group ``layerlint.rules`` (a module, a rule class or
a list of rule classes). Project-local plugins (``plugins = ["tools.lint_rules"]`` in the
checked project's own configuration) are code from the checkout, which CI runs on
untrusted pull requests: they load only when the user allows it on the command line
(``--allow-plugins``) or in their environment (``LAYERLINT_ALLOW_PLUGINS=1``); otherwise
a configuration that names them is a configuration error saying how to allow them.

Plugin codes carry their own prefix (``ACME101``); ``LL`` belongs to layerlint.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from layerlint.errors import ConfigError

if TYPE_CHECKING:
    from layerlint.rules.base import Rule

ENTRY_POINT_GROUP = "layerlint.rules"
ALLOW_VARIABLE = "LAYERLINT_ALLOW_PLUGINS"
_CODE = re.compile(r"[A-Z]{2,}[0-9]+")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass
class _Registry:
    """The plugin rules of this process: installed ones, the current project's, tests'."""

    installed: dict[str, type[Rule]] | None = None
    local: dict[str, type[Rule]] = field(default_factory=dict)
    local_key: tuple[Path, tuple[str, ...]] | None = None
    testing: dict[str, type[Rule]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # code -> identity and source digest


_registry = _Registry()


def plugins_allowed() -> bool:
    """Whether the user allowed project-local plugins (``LAYERLINT_ALLOW_PLUGINS``)."""
    return os.environ.get(ALLOW_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def plugin_rules() -> dict[str, type[Rule]]:
    """Every plugin rule currently in force, by code."""
    return {**installed_rules(), **_registry.local, **_registry.testing}


def installed_rules() -> Mapping[str, type[Rule]]:
    """Rules of the installed plugins (loaded once per process)."""
    if _registry.installed is None:
        found: dict[str, type[Rule]] = {}
        _registry.installed = found  # a plugin importing layerlint.rules must not recurse
        try:
            _load_entry_points(found)
        except ConfigError:
            _registry.installed = None
            raise
    return _registry.installed


def _load_entry_points(found: dict[str, type[Rule]]) -> None:
    from importlib.metadata import entry_points

    for entry in entry_points(group=ENTRY_POINT_GROUP):
        where = f"plugin {entry.name!r} ({entry.value}, entry point group {ENTRY_POINT_GROUP})"
        try:
            loaded = entry.load()
        except Exception as error:
            raise ConfigError("", "", f"{where}: cannot be imported: {_detail(error)}") from None
        for rule in _rules_in(loaded, where):
            _register(found, rule, where)


def activate_plugins(names: Sequence[str], root: Path, shown: str) -> None:
    """Make the project-local plugin modules ``names`` of the project at ``root`` current.

    Loads the installed plugins as well, so that a broken one stops the run here, as a
    configuration error, before any file is checked.
    """
    installed_rules()
    key = (root, tuple(names))
    if _registry.local_key == key:
        return
    _registry.local, _registry.local_key = {}, None
    if names and not plugins_allowed():
        raise ConfigError(
            shown,
            "plugins",
            f"{', '.join(names)} would run code from the checked project; to allow it, "
            f"pass --allow-plugins or set {ALLOW_VARIABLE}=1",
        )
    found: dict[str, type[Rule]] = {}
    for name in names:
        where = f"plugin module {name!r}"
        module = _load_local(name, root, shown)
        for rule in _rules_in(module, where, own_module=module.__name__):
            _register(found, rule, where, shown)
    _registry.local, _registry.local_key = found, key


def _load_local(name: str, root: Path, shown: str) -> ModuleType:
    """Import ``name`` from its file below ``root`` under a name private to that root."""
    if not _MODULE.fullmatch(name):
        raise ConfigError(shown, "plugins", f"{name!r} is not a dotted module name")
    base = root.joinpath(*name.split("."))
    candidates = [base.with_suffix(".py"), base / "__init__.py"]
    path = next((c for c in candidates if c.is_file()), None)
    if path is None:
        raise ConfigError(
            shown, "plugins", f"{name!r}: no {name.replace('.', '/')}.py below {root}"
        )
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise ConfigError(shown, "plugins", f"{name!r} lies outside the project")
    digest = hashlib.blake2b(str(root.resolve()).encode(), digest_size=6).hexdigest()
    private = f"_layerlint_plugin_{digest}_{name.replace('.', '__')}"
    module = sys.modules.get(private)
    source = resolved.read_bytes()
    if module is not None and getattr(module, "__layerlint_source__", None) == source:
        return module
    spec = importlib.util.spec_from_file_location(private, resolved)
    if spec is None or spec.loader is None:
        raise ConfigError(shown, "plugins", f"{name!r} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[private] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[private]
        raise ConfigError(
            shown, "plugins", f"{name!r} cannot be imported: {_detail(error)}"
        ) from None
    module.__layerlint_source__ = source  # type: ignore[attr-defined]
    return module


def _detail(error: BaseException) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())


def _rules_in(loaded: object, where: str, own_module: str | None = None) -> Iterator[type[Rule]]:
    """The rule classes an entry point or module provides."""
    from layerlint.rules.base import Rule

    if isinstance(loaded, ModuleType):
        module = own_module or loaded.__name__
        for value in vars(loaded).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value.__module__ == module
                and getattr(value, "code", None)
            ):
                yield value
        return
    items: Iterable[object] = loaded if isinstance(loaded, list | tuple) else (loaded,)
    for item in items:
        if not (isinstance(item, type) and issubclass(item, Rule)):
            raise ConfigError("", "", f"{where}: {item!r} is not a layerlint rule class")
        yield item


def _register(found: dict[str, type[Rule]], rule: type[Rule], where: str, shown: str = "") -> None:
    """Validate a plugin rule and add it; a bad or duplicate code is a configuration error."""
    from layerlint.rules import builtin_rules
    from layerlint.rules.base import FileRule, ProjectRule

    key = "plugins" if shown else ""
    code = getattr(rule, "code", "")
    label = f"{where}: rule {rule.__qualname__}"
    if not issubclass(rule, FileRule | ProjectRule):
        raise ConfigError(shown, key, f"{label}: subclass FileRule or ProjectRule")
    if not isinstance(code, str) or not _CODE.fullmatch(code) or code.startswith("LL"):
        raise ConfigError(
            shown,
            key,
            f"{label}: code {code!r} needs a prefix of its own and a number (ACME101)",
        )
    for attribute in ("name", "message"):
        if not isinstance(getattr(rule, attribute, None), str):
            raise ConfigError(shown, key, f"{label}: set the class attribute {attribute!r}")
    taken = {**builtin_rules(), **(_registry.installed or {}), **found}
    if code in taken and taken[code] is not rule:
        other = taken[code]
        raise ConfigError(
            shown,
            key,
            f"{label}: duplicate rule code {code} (also {other.__module__}.{other.__qualname__})",
        )
    found[code] = rule
    _registry.sources[code] = _identity(rule)


def _identity(rule: type[Rule]) -> str:
    """Module, class and a digest of the source file: what the cache key must cover."""
    try:
        source = Path(inspect.getsourcefile(rule) or "").read_bytes()
    except (OSError, TypeError):
        source = b""
    module = sys.modules.get(rule.__module__)
    local = getattr(module, "__layerlint_source__", None)
    if isinstance(local, bytes):
        source = local
    digest = hashlib.blake2b(source, digest_size=12).hexdigest()
    return f"{rule.__module__}.{rule.__qualname__}:{digest}"


def plugin_fingerprint() -> str:
    """Identity and source of every plugin rule in force (part of every cache key)."""
    codes = sorted(plugin_rules())
    return ";".join(f"{code}={_registry.sources.get(code, '?')}" for code in codes)


@contextmanager
def registered(rules: Iterable[type[Rule]]) -> Iterator[None]:
    """Rules registered for the duration of a block (``layerlint.testing`` uses this)."""
    saved = dict(_registry.testing)
    try:
        for rule in rules:
            if rule.code not in plugin_rules() or plugin_rules()[rule.code] is not rule:
                _register(_registry.testing, rule, "test rule")
        yield
    finally:
        _registry.testing = saved


def reset_plugins() -> None:
    """Forget every loaded plugin (tests that install or remove plugins)."""
    global _registry
    _registry = _Registry()
