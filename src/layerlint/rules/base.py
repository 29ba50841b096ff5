"""The rule contract: metadata, options, examples, and the two kinds of check.

A rule is one small class. Its docstring is its documentation (what it does / why it
is bad / example / use instead); its ``valid`` and ``invalid`` examples are run by one
parametrised test and printed by ``layerlint explain``, so docs and tests cannot drift.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst

from layerlint.diagnostics import Span
from layerlint.rule_metadata import RuleMetadata

if TYPE_CHECKING:
    from layerlint.project import Project

OptionValue = str | bool | int | tuple[str, ...]


class Default(str, Enum):
    """Whether a rule runs without being selected."""

    ON = "on"
    OPT_IN = "opt-in"


class Fixability(str, Enum):
    """What ``--fix`` can do for a rule."""

    NONE = "no"
    SAFE = "fix"
    PARTIAL = "fix where certain"


@dataclass(frozen=True)
class RuleOption:
    """One setting under ``[tool.layerlint.rules.LLxxx]``; validated by config.py."""

    name: str
    default: OptionValue
    description: str
    choices: tuple[str, ...] = ()

    def validate(self, value: object) -> OptionValue:
        """Return the value in canonical form or raise ValueError saying what is allowed."""
        if isinstance(self.default, bool):
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            return value
        if isinstance(self.default, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("expected an integer")
            return value
        if isinstance(self.default, tuple):
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise ValueError("expected a list of strings")
            return tuple(value)
        if not isinstance(value, str):
            raise ValueError("expected a string")
        if self.choices and value not in self.choices:
            raise ValueError("expected one of " + ", ".join(repr(c) for c in self.choices))
        return value


@dataclass(frozen=True)
class Example:
    """A small project (path -> source); lines ending in ``# error`` must be reported."""

    files: Mapping[str, str]
    options: Mapping[str, OptionValue] = field(default_factory=dict)
    config: str = ""
    # For fixable rules: the expected source of files after ``--fix`` (path -> source).
    fixed: Mapping[str, str] = field(default_factory=dict)
    unsafe: bool = False

    def expected_lines(self, code: str) -> dict[str, list[int]]:
        """Lines where ``code`` must be reported, per file path.

        ``# error`` marks a line for the rule the example belongs to; ``# error: LL101,
        LL108`` names the codes explicitly (used when one line breaks several rules).
        """
        marked: dict[str, list[int]] = {}
        for path, source in self.files.items():
            lines = [
                i
                for i, text in enumerate(source.splitlines(), 1)
                if code in _marked_codes(text, code)
            ]
            if lines:
                marked[path] = lines
        return marked


def _marked_codes(line: str, own_code: str) -> tuple[str, ...]:
    marker = line.rfind("# error")
    if marker < 0:
        return ()
    rest = line[marker + len("# error") :].strip()
    if not rest:
        return (own_code,)
    if rest.startswith(":"):
        return tuple(code.strip() for code in rest[1:].split(",") if code.strip())
    return ()


class Rule:
    """Metadata shared by every rule; subclasses add the check itself."""

    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]
    seed: ClassVar[str] = ""
    default: ClassVar[Default] = Default.ON
    fixable: ClassVar[Fixability] = Fixability.NONE
    # Modernisation advice (SQLAlchemy 2.0 style, Pydantic 2 APIs...): a migration is a
    # frozen snapshot of the schema as it was, so such rules never report (or fix) there.
    skips_migrations: ClassVar[bool] = False
    # Some of the rule's fixes may change behaviour (applied only with --unsafe-fixes).
    unsafe_fixes: ClassVar[bool] = False
    options_spec: ClassVar[tuple[RuleOption, ...]] = ()
    example_path: ClassVar[str] = "app/module.py"
    # A file rule's project-graph half: same code and switch, run with the project rules.
    project_half: ClassVar[type[ProjectRule] | None] = None
    valid: ClassVar[tuple[str | Example, ...]] = ()
    invalid: ClassVar[tuple[str | Example, ...]] = ()

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        values = {opt.name: opt.default for opt in self.options_spec}
        values.update(options or {})
        self.options: Mapping[str, OptionValue] = values

    @classmethod
    def documentation(cls) -> str:
        """The rule's docstring, dedented."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """First line of the documentation."""
        doc = cls.documentation()
        return doc.splitlines()[0] if doc else cls.message

    @classmethod
    def metadata(cls) -> RuleMetadata:
        """The rule as reporters see it (they never import rule classes)."""
        return RuleMetadata(
            code=cls.code,
            name=cls.name,
            message=cls.message,
            summary=cls.summary(),
            documentation=cls.documentation(),
        )

    @classmethod
    def examples(cls, kind: str) -> tuple[Example, ...]:
        """``valid`` or ``invalid`` examples as projects."""
        raw = cls.valid if kind == "valid" else cls.invalid
        return tuple(
            ex if isinstance(ex, Example) else Example({cls.example_path: ex}) for ex in raw
        )


@dataclass(frozen=True)
class Fix:
    """A rewrite: node replacements (matched by identity) and the imports they need.

    ``add_imports`` are ``(module, name)`` pairs (``name`` None for ``import module``);
    ``remove_imports`` are removed only if nothing uses them after the rewrite. An unsafe
    fix may change behaviour and is applied only with ``--unsafe-fixes``.
    """

    replacements: tuple[tuple[cst.CSTNode, cst.CSTNode | cst.RemovalSentinel], ...]
    add_imports: tuple[tuple[str, str | None], ...] = ()
    remove_imports: tuple[tuple[str, str | None], ...] = ()
    safe: bool = True


class FileRule(Rule):
    """A rule that sees one module's CST; subclasses define ``visit_<Node>`` methods.

    Each method receives the node and the file context; all file rules are driven by
    the one walk of the per-file pass (collect.py), so a rule pays only for the node types
    it names. Each callback receives the node and the ``FileContext``.
    """

    kind: ClassVar[str] = "file"


@dataclass(frozen=True, slots=True)
class Finding:
    """A project rule's result before it becomes a Diagnostic."""

    path: str
    span: Span
    message: str
    # Only used by ``--fix``: rewrites the node of type ``fix_target`` found at ``span``.
    fix: Callable[[cst.CSTNode], Fix | None] | None = None
    fix_target: type[cst.CSTNode] | None = None


class ProjectRule(Rule):
    """A rule that sees the whole Project: layers, import graph, call graph, symbols."""

    kind: ClassVar[str] = "project"

    def check(self, project: Project) -> Iterator[Finding]:
        """Yield findings; the engine turns them into diagnostics."""
        raise NotImplementedError


class BuiltinRule(Rule):
    """A rule the engine itself reports (syntax errors, unused suppressions)."""

    kind: ClassVar[str] = "builtin"


def rule_options_for(rule: type[Rule], configured: Mapping[str, Any]) -> dict[str, OptionValue]:
    """Defaults of ``rule`` overlaid with the configured values (already validated)."""
    values: dict[str, OptionValue] = {opt.name: opt.default for opt in rule.options_spec}
    values.update(configured)
    return values
