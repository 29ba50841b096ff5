"""What several pydantic rules share."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

import libcst as cst

from layerlint.expressions import assigned_names, dotted_name
from layerlint.facts import Dotted, Value
from layerlint.project import PYDANTIC_BASES, SESSION, ClassRef, FunctionRef, Project
from layerlint.rules._common import code_units as code_units  # re-exported
from layerlint.rules._common import is_pydantic_class
from layerlint.rules._common import module_ref as module_ref  # re-exported
from layerlint.rules.base import Fix

if TYPE_CHECKING:
    from layerlint.file_context import FileContext


SQLMODEL_BASES = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})


#: Config dictionaries of Pydantic (v2) and its siblings.
CONFIG_DICTS = frozenset(
    {
        "pydantic.ConfigDict",
        "pydantic.config.ConfigDict",
        "pydantic_settings.SettingsConfigDict",
        "pydantic_settings.main.SettingsConfigDict",
    }
)


#: Top-level packages whose classes are certainly not Pydantic models.
NON_MODEL_PACKAGES = frozenset(
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


BUILTIN_BASES = frozenset(
    {"object", "Exception", "ValueError", "str", "int", "float", "dict", "list", "tuple"}
)


class Verdict(Enum):
    """Whether a class is a Pydantic model, as far as one file can tell."""

    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


def base_expression(arg: cst.Arg) -> cst.BaseExpression:
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
            expression = base_expression(arg)
            dotted = dotted_name(expression)
            if dotted is None:
                verdict = Verdict.MAYBE
                continue
            qualified = ctx.qualified_name(expression)
            if qualified is not None:
                if qualified in PYDANTIC_BASES:
                    verdict = Verdict.YES
                    break
                if qualified == "pydantic.v1" or qualified.startswith("pydantic.v1."):
                    verdict = Verdict.NO
                    break
                if qualified.split(".", 1)[0] not in NON_MODEL_PACKAGES:
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
            if len(dotted) == 1 and dotted[0] in BUILTIN_BASES:
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
    return assigned_names(class_body(node))


def short_name(qualified: str) -> str:
    """The last part of a dotted name, as messages show it."""
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


def config_value(value: Value) -> bool | str | None:
    """from_attributes set in a ``model_config`` value: True/False, "unset", or None."""
    if value.kind == "call" and value.dotted[-1:] in (
        ("ConfigDict",),
        ("SettingsConfigDict",),
        ("SQLModelConfig",),
        ("dict",),
    ):
        return flag_in(value.keywords)
    if value.kind == "dict":
        return flag_in(value.keywords)
    return None


def flag_in(pairs: tuple[tuple[str, Value], ...]) -> bool | str | None:
    """``from_attributes``/``orm_mode`` among config ``pairs``: its literal value, None when
    it is not a literal, ``"unset"`` when absent."""
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
    if qualified in PYDANTIC_BASES:
        return False
    ref = project.lookup_class(qualified)
    if ref is None:
        return None
    own = own_from_attributes(ref)
    if own != "unset":
        return own if isinstance(own, bool) else None
    for base in project.base_names(ref):
        if base in ("typing.Generic", "typing_extensions.Generic", "abc.ABC"):
            continue
        inherited = from_attributes(project, base, depth + 1)
        if inherited is None or inherited:
            return inherited
    return False


def own_from_attributes(ref: ClassRef) -> bool | str | None:
    """``from_attributes``/``orm_mode`` as the class itself sets it (class keyword,
    ``model_config`` or ``class Config``), with :func:`flag_in`'s answers."""
    cls = ref.cls
    for key in ("from_attributes", "orm_mode"):
        keyword = cls.keyword(key)
        if keyword is not None:
            return keyword.literal if isinstance(keyword.literal, bool) else None
    configs = [value for name, value in cls.attributes if name == "model_config"]
    configs += [f.value for f in cls.fields if f.name == "model_config" and f.value is not None]
    if configs:
        return config_value(configs[-1])
    if cls.config_class is not None:
        return flag_in(cls.config_class)
    return "unset"


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


Qualify = Callable[[cst.BaseExpression], str | None]


Whitespace = cst.BaseParenthesizableWhitespace


def comment_lines(ws: Whitespace, indent: cst.SimpleWhitespace) -> list[cst.EmptyLine]:
    """The lines a separator holds, its end-of-line comment moved onto a line of its own."""
    if not isinstance(ws, cst.ParenthesizedWhitespace):
        return []
    lines: list[cst.EmptyLine] = []
    if ws.first_line.comment is not None:
        lines.append(cst.EmptyLine(whitespace=indent, comment=ws.first_line.comment))
    lines.extend(ws.empty_lines)
    return lines


def has_comment(ws: Whitespace) -> bool:
    """Whitespace that carries a comment, which a rewrite must keep."""
    if not isinstance(ws, cst.ParenthesizedWhitespace):
        return False
    return ws.first_line.comment is not None or any(line.comment for line in ws.empty_lines)


def join(first: Whitespace, second: Whitespace) -> Whitespace:
    """One separator standing for two when the item between them is dropped.

    ``first``'s own line stays; the dropped item's comments follow on lines of their
    own (a ``# noqa`` must not end up on another line's end); then ``second``'s
    indentation, since what follows is what used to follow ``second``.
    """
    if isinstance(first, cst.ParenthesizedWhitespace):
        if isinstance(second, cst.ParenthesizedWhitespace):
            return second.with_changes(
                first_line=first.first_line,
                empty_lines=(*first.empty_lines, *comment_lines(second, first.last_line)),
            )
        if has_comment(first):
            return first.with_changes(indent=True, last_line=cst.SimpleWhitespace(""))
    return second


Item = TypeVar("Item", cst.Arg, cst.ImportAlias)


def trailing(item: cst.Arg | cst.ImportAlias) -> Whitespace:
    """The separator after an item: its comma's, or (an Arg without comma) before ``)``."""
    if isinstance(item.comma, cst.Comma):
        return item.comma.whitespace_after
    if isinstance(item, cst.Arg):
        return item.whitespace_after_arg
    return cst.SimpleWhitespace("")


def with_trailing(item: Item, ws: Whitespace) -> Item | None:
    """``item`` followed by ``ws``; None when ``ws`` has comments and nowhere to go."""
    if isinstance(item.comma, cst.Comma):
        return item.with_changes(comma=item.comma.with_changes(whitespace_after=ws))
    if isinstance(item, cst.Arg):
        return item.with_changes(whitespace_after_arg=ws)
    return None if has_comment(ws) else item


def drop_item(
    items: Sequence[Item], index: int, opening: Whitespace
) -> tuple[list[Item], Whitespace] | None:
    """``items`` without ``items[index]``, commas and comments kept in place.

    ``opening`` is the whitespace after the opening bracket; the (possibly updated)
    opening is returned too. None when a comment would be lost.
    """
    kept = list(items)
    dropped = kept.pop(index)
    dropped_ws = trailing(dropped)
    if not kept:
        if has_comment(opening) or has_comment(dropped_ws):
            return None
        return kept, cst.SimpleWhitespace("")
    if index == 0:
        return kept, join(opening, dropped_ws)
    before = kept[index - 1]
    joined = join(trailing(before), dropped_ws)
    if index == len(kept):  # the last item: the one before takes over its comma
        before = before.with_changes(comma=dropped.comma)
        if isinstance(dropped, cst.Arg) and isinstance(before, cst.Arg):
            before = before.with_changes(whitespace_after_arg=dropped.whitespace_after_arg)
    updated = with_trailing(before, joined)
    if updated is None:
        return None
    kept[index - 1] = updated
    return kept, opening


def quoted(text: str, like: cst.BaseExpression | None = None) -> cst.SimpleString:
    """A string literal in the quote style of ``like`` (double quotes by default)."""
    quote = '"'
    if isinstance(like, cst.SimpleString) and like.quote.startswith("'"):
        quote = "'"
    return cst.SimpleString(f"{quote}{text}{quote}")


def first_string(*nodes: cst.CSTNode | None, budget: int = 2000) -> cst.SimpleString | None:
    """The first one-line string literal in ``nodes``: the quote style of the code around."""
    for node in nodes:
        stack = [node] if node is not None else []
        while stack and budget > 0:
            budget -= 1
            current = stack.pop()
            if isinstance(current, cst.SimpleString) and len(current.quote) == 1:
                return current
            stack.extend(reversed(current.children))
    return None


def keywords(args: Sequence[cst.Arg]) -> set[str]:
    """The keyword names passed among ``args``."""
    return {arg.keyword.value for arg in args if arg.keyword is not None}


def plain_args(args: Sequence[cst.Arg]) -> bool:
    """No ``*args``/``**kwargs``: every argument the call receives is visible."""
    return all(not arg.star for arg in args)


def rename(node: cst.Name, value: str) -> Fix:
    """Rename one identifier (a keyword, an attribute, an assignment target)."""
    return Fix(((node, node.with_changes(value=value)),))


def new_keyword_arg(key: str, value: cst.BaseExpression) -> cst.Arg:
    """A ``key=value`` argument spelled without spaces around ``=``, as PEP 8 writes keywords."""
    return cst.Arg(
        keyword=cst.Name(key),
        value=value,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


#: v1 classmethod -> (v2 name, positional arguments allowed, keywords allowed).
CLASSMETHOD_RENAMES: Mapping[str, tuple[str, int, frozenset[str]]] = {
    "from_orm": ("model_validate", 1, frozenset()),
    "parse_obj": ("model_validate", 1, frozenset()),
    "validate": ("model_validate", 1, frozenset()),
    "parse_raw": ("model_validate_json", 1, frozenset()),
    "construct": ("model_construct", -1, frozenset()),
    "schema": ("model_json_schema", 2, frozenset({"by_alias", "ref_template"})),
    "update_forward_refs": ("model_rebuild", 0, frozenset()),
}


DUMP_KEYWORDS = frozenset(
    {"include", "exclude", "by_alias", "exclude_unset", "exclude_defaults", "exclude_none"}
)


#: v1 instance method -> (v2 name, keywords with the same meaning, keywords that make it unsafe).
METHOD_RENAMES: Mapping[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "dict": ("model_dump", DUMP_KEYWORDS, frozenset()),
    # v1 handed ``indent`` to json.dumps; v2's own ``indent`` spaces the output alike.
    "json": ("model_dump_json", DUMP_KEYWORDS, frozenset({"indent"})),
    "copy": ("model_copy", frozenset({"update", "deep"}), frozenset()),
}


ATTRIBUTE_RENAMES: Mapping[str, str] = {
    "__fields__": "model_fields",
    "__fields_set__": "model_fields_set",
}


SEED_V2 = "ai1-skills: Key Pydantic v2 patterns"


def model_class_named(project: Project, ref: FunctionRef, receiver: Dotted) -> str | None:
    """The Pydantic model class a receiver names: ``User``, ``schemas.User``, ``cls``."""
    fn = ref.function
    if receiver == ("cls",):
        if fn.class_name is None or not fn.params or fn.params[0].name != "cls":
            return None
        qualified: str | None = f"{ref.module.module}.{fn.class_name}"
    else:
        qualified = project.resolve_local_or_global(ref, receiver)
    if qualified is None or project.lookup_class(qualified) is None:
        return None
    return qualified if is_pydantic_class(project, qualified) else None
