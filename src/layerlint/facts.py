"""Plain-data records the per-file pass produces and the project graph consumes.

Everything here is frozen, picklable and free of libCST nodes, so it can cross process
boundaries and live in the cache. Expressions are summarised as ``Value`` records: just
enough for the project rules (dotted names, literals, call targets and keywords).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from layerlint.diagnostics import Diagnostic, Span, fast_pickle

Dotted = tuple[str, ...]

#: What a ``Value`` summarises; see ``Value`` for what each kind carries.
ValueKind = Literal[
    "name",
    "call",
    "instance",
    "context",
    "str",
    "fstring",
    "int",
    "bool",
    "none",
    "list",
    "dict",
    "pair",
    "subscript",
    "binop",
    "other",
]


@fast_pickle
@dataclass(frozen=True, slots=True)
class Value:
    """A summary of an expression, by kind:

    - ``name``: a dotted name (``dotted``), ``session`` or ``status.HTTP_200_OK``.
    - ``call``: a call of ``dotted``; positional arguments in ``elements``, keyword
      arguments in ``keywords`` (``dotted`` is empty when the callee is not a name).
    - ``instance``: an object of type ``dotted``, known from an annotation
      (``x: Session = ...``) rather than from the value itself.
    - ``context``: what ``with dotted(...) as x`` binds: the call's ``dotted`` and
      ``keywords``, the object being whatever its ``__enter__`` returns.
    - ``str`` / ``int`` / ``bool``: a literal, in ``literal``.
    - ``fstring``: a formatted (or undecodable) string literal; no value known.
    - ``none``: the literal ``None``.
    - ``list``: a list, tuple or set literal of ``elements``.
    - ``dict``: a dict literal; string keys in ``keywords``, keys that are names as
      ``pair`` elements.
    - ``pair``: one ``{Name: value}`` item: ``dotted`` is the key, ``elements[0]`` the value.
    - ``subscript``: ``dotted[...]`` with the index expressions in ``elements``.
    - ``binop``: a binary operation; ``literal`` names the operator (``"BitOr"``).
    - ``other``: anything else, or something nested too deeply to summarise.
    """

    kind: ValueKind
    dotted: Dotted = ()
    literal: str | int | bool | None = None
    keywords: tuple[tuple[str, Value], ...] = ()
    elements: tuple[Value, ...] = ()

    def keyword(self, name: str) -> Value | None:
        """The value of keyword argument (or dict key) ``name``, if present."""
        for key, value in self.keywords:
            if key == name:
                return value
        return None


OTHER = Value("other")


@fast_pickle
@dataclass(frozen=True, slots=True)
class ImportFact:
    """One imported name. ``import a.b`` binds ``a``; ``from m import n as x`` binds ``x``."""

    module: str
    name: str | None
    alias: str
    span: Span
    type_only: bool = False
    local: bool = False
    # The whole ``import``/``from ... import`` statement: rules report once per statement.
    statement: Span | None = None

    @property
    def target(self) -> str:
        """The dotted name this import refers to (a module, or a name inside one)."""
        return f"{self.module}.{self.name}" if self.name else self.module


@fast_pickle
@dataclass(frozen=True, slots=True)
class ParamFact:
    """A function parameter with what FastAPI would inject into it."""

    name: str
    annotation: Dotted | None
    depends: Dotted | None = None
    span: Span | None = None
    annotation_args: tuple[Dotted, ...] = ()
    # The default value (``= Body(max_length=10)``, ``= Depends(get_db)``), if any.
    default: Value | None = None
    # ``A | B`` (no single primary type): the primary type of each member but ``None``.
    union: tuple[Dotted, ...] = ()
    # The ``Depends(...)``/``Security(...)`` call, from the default or ``Annotated``.
    dependency: Value | None = None


@fast_pickle
@dataclass(frozen=True, slots=True)
class CallFact:
    """A call site. ``callee`` is the dotted callee (``('self', 'repo', 'get')``)."""

    callee: Dotted
    span: Span
    args: tuple[Value, ...] = ()
    keywords: tuple[tuple[str, Value], ...] = ()
    # Exception types caught by the try statements around the call, innermost first.
    handled_by: tuple[Dotted, ...] = ()

    def keyword(self, name: str) -> Value | None:
        """The value passed as keyword ``name``, if any."""
        for key, value in self.keywords:
            if key == name:
                return value
        return None


@fast_pickle
@dataclass(frozen=True, slots=True)
class RaiseFact:
    """A ``raise``: the raised class (if a name) and the handlers around it."""

    exception: Dotted | None
    span: Span
    handled_by: tuple[Dotted, ...] = ()


@fast_pickle
@dataclass(frozen=True, slots=True)
class ReturnFact:
    """A ``return`` of a value."""

    value: Value
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class FunctionFact:
    """A function or method with everything the call graph needs."""

    name: str
    qualname: str
    class_name: str | None
    span: Span
    decorators: tuple[Value, ...]
    params: tuple[ParamFact, ...]
    returns: Dotted | None
    calls: tuple[CallFact, ...]
    raises: tuple[RaiseFact, ...]
    returns_values: tuple[ReturnFact, ...] = ()
    # Local bindings: ``x = Foo()``, ``x: T = ...``, ``with f() as x``.
    locals: tuple[tuple[str, Value], ...] = ()
    # ``self.x = ...`` assignments made in this method.
    self_attributes: tuple[tuple[str, Value], ...] = ()
    # Names of nested functions defined inside this one.
    nested: tuple[str, ...] = ()
    # ``async def``: LL205 follows calls from these into plain functions.
    is_async: bool = False
    # The type arguments of the return annotation: ``X`` of ``-> type[X]``,
    # ``T`` of ``-> Callable[..., T]``.
    return_args: tuple[Dotted, ...] = ()


@fast_pickle
@dataclass(frozen=True, slots=True)
class FieldFact:
    """An annotated class attribute (a Pydantic field, a mapped column...)."""

    name: str
    annotation: Dotted | None
    value: Value | None
    span: Span


@fast_pickle
@dataclass(frozen=True, slots=True)
class ClassFact:
    """A class with its bases, keywords (``table=True``) and attributes."""

    name: str
    span: Span
    bases: tuple[Dotted, ...]
    keywords: tuple[tuple[str, Value], ...]
    decorators: tuple[Value, ...]
    fields: tuple[FieldFact, ...]
    # Plain class-level assignments (``model_config = ConfigDict(...)``).
    attributes: tuple[tuple[str, Value], ...] = ()
    # Assignments inside a nested ``class Config:``.
    config_class: tuple[tuple[str, Value], ...] | None = None
    methods: tuple[str, ...] = ()
    # Where the nested ``class Config:`` is named, when there is one.
    config_span: Span | None = None

    def keyword(self, name: str) -> Value | None:
        """A class keyword such as ``table``."""
        for key, value in self.keywords:
            if key == name:
                return value
        return None


@fast_pickle
@dataclass(frozen=True, slots=True)
class ModuleFacts:
    """Everything the per-file pass learned about one module, plus file-rule findings."""

    path: str
    module: str
    is_package: bool
    imports: tuple[ImportFact, ...] = ()
    classes: tuple[ClassFact, ...] = ()
    functions: tuple[FunctionFact, ...] = ()
    assignments: tuple[tuple[str, Value], ...] = ()
    calls: tuple[CallFact, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    parsed: bool = True
    suppressions: tuple[tuple[int, tuple[str, ...] | None], ...] = field(default=())

    def function(self, qualname: str) -> FunctionFact | None:
        """The function or method with this qualified name, if defined here."""
        for fn in self.functions:
            if fn.qualname == qualname:
                return fn
        return None

    def class_named(self, name: str) -> ClassFact | None:
        """The top-level class ``name``, if defined here."""
        for cls in self.classes:
            if cls.name == name:
                return cls
        return None
