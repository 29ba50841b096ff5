"""Helpers shared by the Pydantic rules (LL4xx): what counts as a model, and its config.

File rules only see one module, so ``ModelClassifier`` answers "is this class a Pydantic
model?" from the module's imports and its earlier classes, and says *maybe* when a base
lives elsewhere. Project rules use the project graph instead (``model_kind``,
``from_attributes``, ``field_defaults``) and return ``None`` whenever an ancestor
is outside the project and could change the answer: unknown means silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from typing import TYPE_CHECKING

import libcst as cst

from layerlint.diagnostics import UNKNOWN_SPAN, Span
from layerlint.expressions import dotted_name
from layerlint.facts import CallFact, Dotted, FunctionFact, ModuleFacts, Value
from layerlint.project import PYDANTIC_BASES, SESSION, ClassRef, FunctionRef, Project

if TYPE_CHECKING:
    from layerlint.rules.base import FileContext

#: Classes whose subclasses are Pydantic models (v2 and the v1 names v2 still exports).
MODEL_BASES = frozenset(
    {
        *PYDANTIC_BASES,
        "pydantic.main.BaseModel",
        "pydantic.root_model.RootModel",
        "pydantic.generics.GenericModel",
        "pydantic_settings.main.BaseSettings",
        "pydantic.env_settings.BaseSettings",
        "sqlmodel.main.SQLModel",
    }
)
SQLMODEL_BASES = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
#: ``BaseSettings`` wherever v1 and pydantic-settings put it.
SETTINGS_BASES = frozenset(
    {
        "pydantic.BaseSettings",
        "pydantic.env_settings.BaseSettings",
        "pydantic_settings.BaseSettings",
        "pydantic_settings.main.BaseSettings",
    }
)
#: Config dictionaries of Pydantic (v2) and its siblings.
CONFIG_DICTS = frozenset(
    {
        "pydantic.ConfigDict",
        "pydantic.config.ConfigDict",
        "pydantic_settings.SettingsConfigDict",
        "pydantic_settings.main.SettingsConfigDict",
    }
)
#: Keys that exist only in Pydantic configs: a nested ``class Config`` holding one of
#: them belongs to a Pydantic model even when the model's base is defined elsewhere.
PYDANTIC_ONLY_CONFIG_KEYS = frozenset(
    {
        "orm_mode",
        "from_attributes",
        "allow_population_by_field_name",
        "populate_by_name",
        "anystr_strip_whitespace",
        "anystr_lower",
        "anystr_upper",
        "min_anystr_length",
        "max_anystr_length",
        "str_strip_whitespace",
        "underscore_attrs_are_private",
        "json_encoders",
        "schema_extra",
        "json_schema_extra",
        "arbitrary_types_allowed",
        "validate_assignment",
        "use_enum_values",
        "allow_mutation",
        "smart_union",
        "copy_on_model_validation",
        "validate_all",
        "keep_untouched",
        "env_nested_delimiter",
        "env_file_encoding",
    }
)
#: Top-level packages whose classes are certainly not Pydantic models.
_NON_MODEL_PACKAGES = frozenset(
    {
        "typing",
        "typing_extensions",
        "abc",
        "enum",
        "collections",
        "dataclasses",
        "sqlalchemy",
        "builtins",
    }
)
_BUILTIN_BASES = frozenset(
    {"object", "Exception", "ValueError", "str", "int", "float", "dict", "list", "tuple"}
)
_COMPAT_HANDLERS = frozenset({"ImportError", "ModuleNotFoundError", "Exception"})


class Verdict(Enum):
    """Whether a class is a Pydantic model, as far as one file can tell."""

    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


def _base_expression(arg: cst.Arg) -> cst.BaseExpression:
    """``RootModel[list[int]]`` -> ``RootModel``: generics are models of their origin."""
    value = arg.value
    return value.value if isinstance(value, cst.Subscript) else value


class ModelClassifier:
    """Per-file memory of which classes are Pydantic models (reset on each module)."""

    def __init__(self) -> None:
        self._verdicts: dict[str, Verdict] = {}

    def reset(self) -> None:
        self._verdicts.clear()

    def classify(self, node: cst.ClassDef, ctx: FileContext) -> Verdict:
        """YES when a base resolves to Pydantic here; MAYBE when a base is unknown."""
        verdict = Verdict.NO
        for arg in node.bases:
            if arg.keyword is not None:
                continue
            expression = _base_expression(arg)
            dotted = dotted_name(expression)
            if dotted is None:
                verdict = Verdict.MAYBE
                continue
            qualified = ctx.qualified_name(expression)
            if qualified is not None:
                if qualified in MODEL_BASES:
                    verdict = Verdict.YES
                    break
                if qualified == "pydantic.v1" or qualified.startswith("pydantic.v1."):
                    verdict = Verdict.NO
                    break
                if qualified.split(".", 1)[0] not in _NON_MODEL_PACKAGES:
                    verdict = Verdict.MAYBE
                continue
            if len(dotted) == 1 and dotted[0] in self._verdicts:
                known = self._verdicts[dotted[0]]
                if known is Verdict.YES:
                    verdict = Verdict.YES
                    break
                if known is Verdict.MAYBE:
                    verdict = Verdict.MAYBE
                continue
            if len(dotted) == 1 and dotted[0] in _BUILTIN_BASES:
                continue
            verdict = Verdict.MAYBE
        self._verdicts[node.name.value] = verdict
        return verdict

    def confirm(self, node: cst.ClassDef) -> None:
        """Evidence in the class body proved it a model: its subclasses are models too."""
        self._verdicts[node.name.value] = Verdict.YES


def class_body(node: cst.ClassDef) -> Iterator[cst.BaseStatement | cst.BaseSmallStatement]:
    """The statements directly inside a class (small statements unpacked)."""
    body = node.body
    if isinstance(body, cst.SimpleStatementSuite):
        yield from body.body
        return
    for stmt in body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
        else:
            yield stmt


def nested_config_classes(node: cst.ClassDef) -> Iterator[cst.ClassDef]:
    """``class Config:`` statements directly inside ``node``."""
    for stmt in class_body(node):
        if isinstance(stmt, cst.ClassDef) and stmt.name.value == "Config":
            yield stmt


def assignments(node: cst.ClassDef) -> Iterator[tuple[cst.Name, cst.BaseExpression | None]]:
    """``name = value`` / ``name: T = value`` directly in a class body: (target, value)."""
    for stmt in class_body(node):
        if isinstance(stmt, cst.Assign):
            for target in stmt.targets:
                if isinstance(target.target, cst.Name):
                    yield target.target, stmt.value
        elif isinstance(stmt, cst.AnnAssign) and isinstance(stmt.target, cst.Name):
            yield stmt.target, stmt.value


def has_pydantic_evidence(config: cst.ClassDef) -> bool:
    """True when a nested ``Config`` sets a key (or hook) only Pydantic knows."""
    for target, _ in assignments(config):
        if target.value in PYDANTIC_ONLY_CONFIG_KEYS:
            return True
    for stmt in class_body(config):
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value in PYDANTIC_ONLY_CONFIG_KEYS:
            return True
    return False


def is_model_class(verdict: Verdict, config: cst.ClassDef | None) -> bool:
    """A certain model, or a maybe-model whose ``class Config`` only Pydantic would read."""
    if verdict is Verdict.YES:
        return True
    return verdict is Verdict.MAYBE and config is not None and has_pydantic_evidence(config)


def _handler_names(handler: cst.ExceptHandler) -> list[str]:
    if handler.type is None:
        return ["Exception"]
    values = (
        [el.value for el in handler.type.elements]
        if isinstance(handler.type, cst.Tuple)
        else [handler.type]
    )
    return [d[-1] for v in values if (d := dotted_name(v)) is not None]


class CompatGuard:
    """Tracks version-compatibility blocks: ``try: ... except ImportError:`` and
    ``if PYDANTIC_V2:``-style tests, where an old import is a deliberate fallback."""

    def __init__(self) -> None:
        self.depth = 0
        self._entered: list[bool] = []

    def reset(self) -> None:
        self.depth = 0
        self._entered.clear()

    def enter_try(self, node: cst.Try) -> None:
        guard = any(name in _COMPAT_HANDLERS for h in node.handlers for name in _handler_names(h))
        self._push(guard)

    def enter_if(self, node: cst.If) -> None:
        self._push(_mentions_version(node.test))

    def leave(self) -> None:
        if self._entered and self._entered.pop():
            self.depth -= 1

    def _push(self, guard: bool) -> None:
        self._entered.append(guard)
        if guard:
            self.depth += 1


def _mentions_version(test: cst.BaseExpression, budget: int = 24) -> bool:
    """Whether an ``if`` test names a Pydantic version flag (``PYDANTIC_V2``, ``VERSION``)."""
    stack: list[cst.CSTNode] = [test]
    while stack and budget > 0:
        budget -= 1
        node = stack.pop()
        if isinstance(node, cst.Name):
            lowered = node.value.lower()
            if "pydantic" in lowered or "version" in lowered:
                return True
        elif isinstance(node, cst.Attribute):
            lowered = node.attr.value.lower()
            if "pydantic" in lowered or "version" in lowered:
                return True
            stack.append(node.value)
        elif isinstance(node, cst.UnaryOperation):
            stack.append(node.expression)
        elif isinstance(node, cst.BooleanOperation):
            stack.extend((node.left, node.right))
        elif isinstance(node, cst.Comparison):
            stack.append(node.left)
            stack.extend(t.comparator for t in node.comparisons)
        elif isinstance(node, cst.Call):
            stack.append(node.func)
            stack.extend(a.value for a in node.args)
        elif isinstance(node, cst.Subscript):
            stack.append(node.value)
    return False


# -- project level ---------------------------------------------------------------------------


def is_model(project: Project, qualified: str | None) -> bool:
    """A Pydantic model class (SQLModel tables included: they are Pydantic models too)."""
    if qualified is None or qualified == SESSION:
        return False
    return bool(project.ancestry(qualified) & MODEL_BASES)


def short_name(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1]


def defines_member(project: Project, qualified: str, name: str) -> bool:
    """True when the class or a project ancestor defines ``name`` itself (an override)."""
    for ancestor in project.ancestry(qualified):
        ref = project.lookup_class(ancestor)
        if ref is None:
            continue
        cls = ref.cls
        if name in cls.methods or any(n == name for n, _ in cls.attributes):
            return True
        if any(f.name == name for f in cls.fields):
            return True
    return False


def _config_value(value: Value) -> bool | str | None:
    """from_attributes set in a ``model_config`` value: True/False, "unset", or None."""
    if value.kind == "call" and value.dotted[-1:] in (
        ("ConfigDict",),
        ("SettingsConfigDict",),
        ("SQLModelConfig",),
        ("dict",),
    ):
        return _flag_in(value.keywords)
    if value.kind == "dict":
        return _flag_in(value.keywords)
    return None


def _flag_in(pairs: tuple[tuple[str, Value], ...]) -> bool | str | None:
    for key in ("from_attributes", "orm_mode"):
        for name, value in pairs:
            if name == key:
                return (
                    value.literal
                    if value.kind == "bool" and isinstance(value.literal, bool)
                    else None
                )
    return "unset"


def from_attributes(project: Project, qualified: str, depth: int = 0) -> bool | None:
    """Whether the model's config (own or inherited) sets ``from_attributes=True``.

    The nearest explicit setting wins, as in Pydantic's config inheritance. None when it
    cannot be known: a config built dynamically, or an ancestor outside the project
    other than Pydantic's own bases (a library base may set it).
    """
    if depth > 8:
        return None
    if qualified in SQLMODEL_BASES:
        return True  # SQLModel's base config sets from_attributes=True
    if qualified in MODEL_BASES:
        return False
    ref = project.lookup_class(qualified)
    if ref is None:
        return None
    own = _own_from_attributes(ref)
    if own != "unset":
        return own if isinstance(own, bool) else None
    for base in project.base_names(ref):
        if base in ("typing.Generic", "typing_extensions.Generic", "abc.ABC"):
            continue
        inherited = from_attributes(project, base, depth + 1)
        if inherited is None or inherited:
            return inherited
    return False


def _own_from_attributes(ref: ClassRef) -> bool | str | None:
    cls = ref.cls
    for key in ("from_attributes", "orm_mode"):
        keyword = cls.keyword(key)
        if keyword is not None:
            return keyword.literal if isinstance(keyword.literal, bool) else None
    configs = [value for name, value in cls.attributes if name == "model_config"]
    configs += [f.value for f in cls.fields if f.name == "model_config" and f.value is not None]
    if configs:
        return _config_value(configs[-1])
    if cls.config_class is not None:
        return _flag_in(cls.config_class)
    return "unset"


def field_defaults(project: Project, qualified: str, depth: int = 0) -> list[bool] | None:
    """For each field of the model (inherited ones included): does it have a default?

    None when an ancestor outside the project (other than Pydantic's bases) could add
    fields, so the answer would be incomplete.
    """
    if depth > 8:
        return None
    if qualified in MODEL_BASES:
        return []
    ref = project.lookup_class(qualified)
    if ref is None:
        return None
    found: list[bool] = []
    for base in project.base_names(ref):
        if base in ("typing.Generic", "typing_extensions.Generic", "abc.ABC"):
            continue
        inherited = field_defaults(project, base, depth + 1)
        if inherited is None:
            return None
        found.extend(inherited)
    for field in ref.cls.fields:
        if field.name.startswith("_") or field.name == "model_config":
            continue
        found.append(field.value is not None and _is_default(field.value))
    return found


def is_all_optional(project: Project, qualified: str) -> bool:
    """A partial-update schema in the seeds' sense: every field may be left out."""
    defaults = field_defaults(project, qualified)
    return defaults is not None and bool(defaults) and all(defaults)


def _is_default(value: Value) -> bool:
    """``= None`` / ``= Field(None)`` / ``= Field(default=...)``; ``Field(...)`` is required."""
    if value.kind != "call" or value.dotted[-1:] != ("Field",):
        return True
    default = value.keyword("default")
    if default is not None:
        return default.kind != "other"
    if value.keyword("default_factory") is not None:
        return True
    if value.elements:
        return value.elements[0].kind != "other"  # ``...`` (required) summarises as other
    return False


def module_ref(facts: ModuleFacts) -> FunctionRef:
    """A pseudo-function for module-level code, so type inference sees module globals."""
    return FunctionRef(
        facts,
        FunctionFact(
            name="<module>",
            qualname="<module>",
            class_name=None,
            span=UNKNOWN_SPAN,
            is_async=False,
            decorators=(),
            params=(),
            returns=None,
            calls=facts.calls,
            raises=(),
        ),
    )


def code_units(project: Project) -> Iterator[FunctionRef]:
    """Every function of the project plus one pseudo-function per module's top level."""
    for facts in project.modules.values():
        yield module_ref(facts)
        for fn in facts.functions:
            yield FunctionRef(facts, fn)


def ambiguous_local(ref: FunctionRef, name: str) -> bool:
    """A name bound to different values in one function: its type depends on the path."""
    values = {value for local, value in ref.function.locals if local == name}
    if len(values) > 1:
        return True
    return bool(values) and any(p.name == name for p in ref.function.params)


def receiver_type(project: Project, ref: FunctionRef, receiver: Dotted) -> str | None:
    """The class of a call's receiver, or None when it is unknown or path-dependent."""
    if not receiver or receiver[0] == "?" or ambiguous_local(ref, receiver[0]):
        return None
    found = project.type_of(ref, receiver)
    return None if found == SESSION else found


def value_type(project: Project, ref: FunctionRef, value: Value) -> str | None:
    """The class of an argument expression: a name or a call with a known result.

    Besides annotations and constructors this knows ``session.get(Model, id)``: the
    instance of the ORM class named by its first argument.
    """
    if value.kind == "name":
        if len(value.dotted) == 1 and not ambiguous_local(ref, value.dotted[0]):
            for local, assigned in ref.function.locals:
                if local == value.dotted[0] and assigned.kind == "call":
                    loaded = _session_get(project, ref, assigned)
                    if loaded is not None:
                        return loaded
        return receiver_type(project, ref, value.dotted)
    if value.kind != "call" or not value.dotted or value.dotted[0] == "?":
        return None
    loaded = _session_get(project, ref, value)
    if loaded is not None:
        return loaded
    owner, method = project.callee_type(ref, CallFact(value.dotted, UNKNOWN_SPAN))
    if owner is None or owner == SESSION:
        return None
    if method:
        return _method_return(project, owner, method)
    if project.lookup_class(owner) is not None:
        return owner
    function = project.lookup_function(owner)
    if function is not None and function.function.returns is not None:
        return project.resolve_canonical(function.module.module, function.function.returns)
    return None


def _session_get(project: Project, ref: FunctionRef, call: Value) -> str | None:
    """``session.get(User, user_id)`` -> ``User`` (when ``session`` is a Session)."""
    dotted = call.dotted
    if len(dotted) < 2 or dotted[-1] not in ("get", "get_one") or not call.elements:
        return None
    first = call.elements[0]
    if first.kind != "name" or project.type_of(ref, dotted[:-1]) != SESSION:
        return None
    model = project.resolve_local_or_global(ref, first.dotted)
    return model if project.is_orm_model(model) else None


def _method_return(project: Project, owner: str, method: str) -> str | None:
    for ancestor in project.ancestry(owner):
        ref = project.lookup_class(ancestor)
        if ref is None:
            continue
        fn = ref.module.function(f"{ref.cls.name}.{method}")
        if fn is not None:
            if fn.returns is None:
                return None
            return project.resolve_canonical(ref.module.module, fn.returns)
    return None


_PARTIAL_NAME = re.compile(
    r"(Update|Patch)(Request|In|Input|Schema|Body|Payload|Data|DTO|Dto|Params|Form)?$"
)


def is_partial_update_name(name: str) -> bool:
    """``UserUpdate``, ``ItemPatch``, ``UserUpdateIn``: the seed's PATCH schema naming."""
    return _PARTIAL_NAME.search(name) is not None


def v2_receivers(ref: FunctionRef) -> frozenset[Dotted]:
    """Receivers this function also calls a v2 ``model_*`` method on.

    Code that calls both ``x.json()`` and ``x.model_dump_json()`` dispatches between v1
    and v2 models on purpose (``if is_v2_model(x): ... else: ...``).
    """
    return frozenset(
        call.callee[:-1]
        for call in ref.function.calls
        if len(call.callee) >= 2 and call.callee[-1].startswith("model_")
    )


def contains(outer: Span, inner: Span) -> bool:
    """Whether ``outer`` encloses ``inner`` (and is not the same range)."""
    return (
        (outer.line, outer.column) <= (inner.line, inner.column)
        and (outer.end_line, outer.end_column) >= (inner.end_line, inner.end_column)
        and outer != inner
    )
