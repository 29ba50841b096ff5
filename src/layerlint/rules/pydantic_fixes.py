"""Autofixes for the Pydantic v1 -> v2 rules (LL401-LL407): the libCST rewrites.

Every builder returns a ``Fix`` or ``None``. ``None`` means the v2 spelling would not
do the same thing (a config key or argument with no v2 equivalent, a validator whose
signature changed), so the diagnostic stays for a human. The fixes assume the code
then runs on Pydantic v2: a rewrite is "safe" when the v2 spelling does what v2's own
deprecated v1 method does (the migration guide's one-to-one renames), and "unsafe"
when it may behave differently for some inputs.

Replacements are kept as small as possible (a ``Name``, an ``Arg``, a ``Decorator``):
the fixer swaps nodes by identity and an outer replacement hides every inner one, so a
small node lets the fixes of other rules in the same round still apply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider

from layerlint.expressions import dotted_name
from layerlint.rules.base import Fix
from layerlint.rules.pydantic_support import CONFIG_DICTS

Qualify = Callable[[cst.BaseExpression], str | None]
Replacement = tuple[cst.CSTNode, cst.CSTNode]

# -- separators and comments ------------------------------------------------------------------

Whitespace = cst.BaseParenthesizableWhitespace


def _comment_lines(ws: Whitespace, indent: cst.SimpleWhitespace) -> list[cst.EmptyLine]:
    """The lines a separator holds, its end-of-line comment moved onto a line of its own."""
    if not isinstance(ws, cst.ParenthesizedWhitespace):
        return []
    lines: list[cst.EmptyLine] = []
    if ws.first_line.comment is not None:
        lines.append(cst.EmptyLine(whitespace=indent, comment=ws.first_line.comment))
    lines.extend(ws.empty_lines)
    return lines


def _has_comment(ws: Whitespace) -> bool:
    if not isinstance(ws, cst.ParenthesizedWhitespace):
        return False
    return ws.first_line.comment is not None or any(line.comment for line in ws.empty_lines)


def _join(first: Whitespace, second: Whitespace) -> Whitespace:
    """One separator standing for two when the item between them is dropped.

    ``first``'s own line stays; the dropped item's comments follow on lines of their
    own (a ``# noqa`` must not end up on another line's end); then ``second``'s
    indentation, since what follows is what used to follow ``second``.
    """
    if isinstance(first, cst.ParenthesizedWhitespace):
        if isinstance(second, cst.ParenthesizedWhitespace):
            return second.with_changes(
                first_line=first.first_line,
                empty_lines=(*first.empty_lines, *_comment_lines(second, first.last_line)),
            )
        if _has_comment(first):
            return first.with_changes(indent=True, last_line=cst.SimpleWhitespace(""))
    return second


_Item = TypeVar("_Item", cst.Arg, cst.ImportAlias)


def _trailing(item: cst.Arg | cst.ImportAlias) -> Whitespace:
    """The separator after an item: its comma's, or (an Arg without comma) before ``)``."""
    if isinstance(item.comma, cst.Comma):
        return item.comma.whitespace_after
    if isinstance(item, cst.Arg):
        return item.whitespace_after_arg
    return cst.SimpleWhitespace("")


def _with_trailing(item: _Item, ws: Whitespace) -> _Item | None:
    """``item`` followed by ``ws``; None when ``ws`` has comments and nowhere to go."""
    if isinstance(item.comma, cst.Comma):
        return item.with_changes(comma=item.comma.with_changes(whitespace_after=ws))
    if isinstance(item, cst.Arg):
        return item.with_changes(whitespace_after_arg=ws)
    return None if _has_comment(ws) else item


def drop_item(
    items: Sequence[_Item], index: int, opening: Whitespace
) -> tuple[list[_Item], Whitespace] | None:
    """``items`` without ``items[index]``, commas and comments kept in place.

    ``opening`` is the whitespace after the opening bracket; the (possibly updated)
    opening is returned too. None when a comment would be lost.
    """
    kept = list(items)
    dropped = kept.pop(index)
    dropped_ws = _trailing(dropped)
    if not kept:
        if _has_comment(opening) or _has_comment(dropped_ws):
            return None
        return kept, cst.SimpleWhitespace("")
    if index == 0:
        return kept, _join(opening, dropped_ws)
    before = kept[index - 1]
    joined = _join(_trailing(before), dropped_ws)
    if index == len(kept):  # the last item: the one before takes over its comma
        before = before.with_changes(comma=dropped.comma)
        if isinstance(dropped, cst.Arg) and isinstance(before, cst.Arg):
            before = before.with_changes(whitespace_after_arg=dropped.whitespace_after_arg)
    updated = _with_trailing(before, joined)
    if updated is None:
        return None
    kept[index - 1] = updated
    return kept, opening


def drop_args(call: cst.Call, indices: Sequence[int]) -> cst.Call | None:
    """``call`` without the arguments at ``indices``."""
    args: list[cst.Arg] = list(call.args)
    opening = call.whitespace_before_args
    for index in sorted(indices, reverse=True):
        result = drop_item(args, index, opening)
        if result is None:
            return None
        args, opening = result
    return call.with_changes(args=args, whitespace_before_args=opening)


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


def _bool_literal(node: cst.BaseExpression) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def _keywords(args: Sequence[cst.Arg]) -> set[str]:
    return {arg.keyword.value for arg in args if arg.keyword is not None}


def _plain_args(args: Sequence[cst.Arg]) -> bool:
    """No ``*args``/``**kwargs``: every argument the call receives is visible."""
    return all(not arg.star for arg in args)


def rename(node: cst.Name, value: str) -> Fix:
    """Rename one identifier (a keyword, an attribute, an assignment target)."""
    return Fix(((node, node.with_changes(value=value)),))


# -- LL401: class Config -> model_config --------------------------------------------------------

#: v1 config keys with a new v2 name (the migration guide's table; ``populate_by_name``
#: rather than 2.11's ``validate_by_name`` so the result works on every v2 release).
CONFIG_RENAMES: Mapping[str, str] = {
    "orm_mode": "from_attributes",
    "allow_population_by_field_name": "populate_by_name",
    "anystr_strip_whitespace": "str_strip_whitespace",
    "anystr_lower": "str_to_lower",
    "anystr_upper": "str_to_upper",
    "min_anystr_length": "str_min_length",
    "max_anystr_length": "str_max_length",
    "validate_all": "validate_default",
    "schema_extra": "json_schema_extra",
    "keep_untouched": "ignored_types",
}
#: Keys v2 reads with the v1 meaning (v1 names kept as-is, and v2's own names).
_CONFIG_KEYS = frozenset(
    {
        "title",
        "extra",
        "frozen",
        "validate_assignment",
        "arbitrary_types_allowed",
        "use_enum_values",
        "json_encoders",
        "alias_generator",
        "allow_inf_nan",
        "from_attributes",
        "populate_by_name",
        "str_strip_whitespace",
        "str_to_lower",
        "str_to_upper",
        "str_min_length",
        "str_max_length",
        "validate_default",
        "json_schema_extra",
        "ignored_types",
        "strict",
        "revalidate_instances",
        "ser_json_timedelta",
        "ser_json_bytes",
        "validate_return",
        "protected_namespaces",
        "hide_input_in_errors",
        "defer_build",
        "loc_by_alias",
        "coerce_numbers_to_str",
        "regex_engine",
        "use_attribute_docstrings",
        "validation_error_cause",
        "json_schema_mode_override",
    }
)
#: pydantic-settings keys (same names and meaning in v1's BaseSettings.Config).
SETTINGS_KEYS = frozenset(
    {
        "env_prefix",
        "env_file",
        "env_file_encoding",
        "env_nested_delimiter",
        "secrets_dir",
        "case_sensitive",
        "env_ignore_empty",
        "env_parse_none_str",
    }
)
#: Removed keys whose v2 behaviour equals the v1 one only for this value.
_DROPPABLE = {"smart_union": True, "underscore_attrs_are_private": True}
_EXTRA = frozenset({"pydantic.Extra", "pydantic.config.Extra"})
_EXTRA_VALUES = frozenset({"allow", "ignore", "forbid"})


@dataclass(frozen=True)
class _ConfigItem:
    """One ``key = value`` of a ``class Config`` with the comments around it."""

    key: str
    value: cst.BaseExpression
    leading: Sequence[cst.EmptyLine]
    comment: cst.TrailingWhitespace | None


class _Shift(cst.CSTTransformer):
    """Indent the continuation lines of an expression by ``extra`` more."""

    def __init__(self, extra: str) -> None:
        super().__init__()
        self.extra = extra

    def leave_ParenthesizedWhitespace(
        self, original_node: cst.ParenthesizedWhitespace, updated_node: cst.ParenthesizedWhitespace
    ) -> cst.ParenthesizedWhitespace:
        if not updated_node.indent:
            return updated_node
        return updated_node.with_changes(
            last_line=cst.SimpleWhitespace(self.extra + updated_node.last_line.value)
        )

    def leave_EmptyLine(
        self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine
    ) -> cst.EmptyLine:
        if not updated_node.indent or updated_node.comment is None:
            return updated_node
        return updated_node.with_changes(
            whitespace=cst.SimpleWhitespace(self.extra + updated_node.whitespace.value)
        )


def _shift_lines(lines: Sequence[cst.EmptyLine], extra: str) -> list[cst.EmptyLine]:
    shifted = []
    for line in lines:
        if line.comment is None:
            shifted.append(cst.EmptyLine(indent=False))
        elif line.indent:
            shifted.append(
                line.with_changes(whitespace=cst.SimpleWhitespace(extra + line.whitespace.value))
            )
        else:
            shifted.append(line)
    return shifted


def _config_statements(
    config: cst.ClassDef,
) -> (
    list[tuple[cst.BaseSmallStatement, Sequence[cst.EmptyLine], cst.TrailingWhitespace | None]]
    | None
):
    """(statement, comment lines above, trailing comment) for each statement of the body."""
    body = config.body
    if isinstance(body, cst.SimpleStatementSuite):
        return [(stmt, (), None) for stmt in body.body[:-1]] + [
            (body.body[-1], (), body.trailing_whitespace)
        ]
    found: list[
        tuple[cst.BaseSmallStatement, Sequence[cst.EmptyLine], cst.TrailingWhitespace | None]
    ] = []
    for line in body.body:
        if not isinstance(line, cst.SimpleStatementLine):
            return None  # a method, a nested class, an ``if``: not a plain key
        for position, stmt in enumerate(line.body):
            leading = line.leading_lines if position == 0 else ()
            last = position == len(line.body) - 1
            found.append((stmt, leading, line.trailing_whitespace if last else None))
    return found


def _config_value(
    key: str, value: cst.BaseExpression, qualify: Qualify, like: cst.SimpleString | None
) -> tuple[str, cst.BaseExpression | None, tuple[str, str] | None] | None:
    """The v2 (key, value, import no longer needed) of one v1 item; value None: drop it.

    None when the key has no exact v2 equivalent.
    """
    if key in _DROPPABLE:
        return (key, None, None) if _bool_literal(value) is _DROPPABLE[key] else None
    if key == "allow_mutation":
        allowed = _bool_literal(value)
        if allowed is None:
            return None
        return "frozen", cst.Name("False" if allowed else "True"), None
    if key == "extra" and isinstance(value, cst.Attribute):
        owner = qualify(value.value)
        if owner is None or owner not in _EXTRA or value.attr.value not in _EXTRA_VALUES:
            return None
        unused = None
        if isinstance(value.value, cst.Name) and value.value.value == "Extra":
            unused = (owner.rsplit(".", 1)[0], "Extra")
        return "extra", quoted(value.attr.value, like), unused
    new = CONFIG_RENAMES.get(key, key)
    if new in _CONFIG_KEYS or new in SETTINGS_KEYS:
        return new, value, None
    return None


def _config_bases_ok(model: cst.ClassDef, config: cst.ClassDef) -> bool:
    """``class Config(Base.Config)`` of a base of the model: v2 merges it by itself."""
    if config.decorators or config.keywords:
        return False
    model_bases = {dotted_name(arg.value) for arg in model.bases if arg.keyword is None}
    for arg in config.bases:
        dotted = dotted_name(arg.value)
        if arg.keyword is not None or dotted is None:
            return False
        if dotted == ("object",):
            continue
        if dotted[-1] != "Config" or dotted[:-1] not in model_bases:
            return False
    return True


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=()).code_for_node(node)


def config_class_fix(
    model: cst.ClassDef,
    config: cst.ClassDef,
    qualify: Qualify,
    settings: bool,
    default_indent: str,
) -> Fix | None:
    """``class Config:`` -> ``model_config = ConfigDict(...)`` with v2 key names.

    Keys, values and every comment keep their place; a key without an exact v2
    equivalent (``fields``, ``getter_dict``, ``json_loads``...) or a method means no fix.
    """
    if not _config_bases_ok(model, config):
        return None
    model_body = model.body
    if not isinstance(model_body, cst.IndentedBlock):
        return None
    for line in model_body.body:
        if isinstance(line, cst.SimpleStatementLine):
            for stmt in line.body:
                targets = (
                    [t.target for t in stmt.targets]
                    if isinstance(stmt, cst.Assign)
                    else [stmt.target]
                    if isinstance(stmt, cst.AnnAssign)
                    else []
                )
                if any(isinstance(t, cst.Name) and t.value == "model_config" for t in targets):
                    return None  # v2 rejects both; merging them is a human's call
    statements = _config_statements(config)
    if statements is None:
        return None
    like = first_string(config, model)
    items: list[_ConfigItem] = []
    unused: set[tuple[str, str]] = set()
    pending: list[cst.EmptyLine] = []
    for stmt, leading, comment in statements:
        pending.extend(leading)
        if isinstance(stmt, cst.Pass):
            if comment is not None and comment.comment is not None:
                pending.append(cst.EmptyLine(comment=comment.comment))
            continue
        if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1:
            target: cst.BaseExpression = stmt.targets[0].target
            value: cst.BaseExpression | None = stmt.value
        elif isinstance(stmt, cst.AnnAssign):
            target, value = stmt.target, stmt.value
        else:
            return None
        if not isinstance(target, cst.Name) or value is None:
            return None
        converted = _config_value(target.value, value, qualify, like)
        if converted is None:
            return None
        key, new_value, gone = converted
        if gone is not None:
            unused.add(gone)
        if new_value is None:
            pending.extend(_comment_only(comment))
            continue
        items.append(_ConfigItem(key, new_value, tuple(pending), comment))
        pending = []
    keys = [item.key for item in items]
    if len(set(keys)) != len(keys):
        return None
    settings = settings or any(key in SETTINGS_KEYS for key in keys)
    factory = "SettingsConfigDict" if settings else "ConfigDict"
    known = qualify(cst.Name(factory))
    if known is not None and known not in CONFIG_DICTS:
        return None  # the file binds the name to something else
    footer = list(pending)
    if isinstance(config.body, cst.IndentedBlock):
        footer.extend(config.body.footer)
    inner = config.body.indent if isinstance(config.body, cst.IndentedBlock) else None
    indent = inner if inner is not None else default_indent
    outer = model_body.indent if model_body.indent is not None else default_indent
    header = config.body.header if isinstance(config.body, cst.IndentedBlock) else None
    call = _one_line_call(factory, items, header, footer, len(outer))
    if call is None:
        call = _multi_line_call(factory, items, header, footer, indent)
    statement = cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(cst.Name("model_config"))], value=call)],
        leading_lines=config.leading_lines,
    )
    module = "pydantic_settings" if settings else "pydantic"
    return Fix(
        ((config, statement),),
        add_imports=((module, factory),),
        remove_imports=tuple(sorted(unused)),
    )


def _comment_only(comment: cst.TrailingWhitespace | None) -> list[cst.EmptyLine]:
    if comment is None or comment.comment is None:
        return []
    return [cst.EmptyLine(comment=comment.comment)]


def _keyword_arg(key: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name(key),
        value=value,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def _one_line_call(
    factory: str,
    items: Sequence[_ConfigItem],
    header: cst.TrailingWhitespace | None,
    footer: Sequence[cst.EmptyLine],
    indent_width: int,
) -> cst.Call | None:
    """``ConfigDict(a=1, b=2)`` when nothing needs a line of its own and it fits."""
    if header is not None and header.comment is not None:
        return None
    if footer or any(item.leading or _comment_only(item.comment) for item in items):
        return None
    args = [
        _keyword_arg(item.key, item.value).with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            if index < len(items) - 1
            else cst.MaybeSentinel.DEFAULT
        )
        for index, item in enumerate(items)
    ]
    call = cst.Call(func=cst.Name(factory), args=args)
    text = _code(call)
    if "\n" in text or indent_width + len("model_config = ") + len(text) > 88:
        return None
    return call


def _multi_line_call(
    factory: str,
    items: Sequence[_ConfigItem],
    header: cst.TrailingWhitespace | None,
    footer: Sequence[cst.EmptyLine],
    indent: str,
) -> cst.Call:
    """One key per line at the column the keys had, comments where they were."""
    shift = _Shift(indent)

    def separator(
        comment: cst.TrailingWhitespace | None, lines: Sequence[cst.EmptyLine], last_line: str
    ) -> cst.ParenthesizedWhitespace:
        first = (
            cst.TrailingWhitespace(whitespace=comment.whitespace, comment=comment.comment)
            if comment is not None and comment.comment is not None
            else cst.TrailingWhitespace()
        )
        return cst.ParenthesizedWhitespace(
            first_line=first,
            empty_lines=_shift_lines(lines, indent),
            indent=True,
            last_line=cst.SimpleWhitespace(last_line),
        )

    if not items:
        return cst.Call(
            func=cst.Name(factory),
            whitespace_before_args=separator(header, footer, "")
            if footer or (header is not None and header.comment is not None)
            else cst.SimpleWhitespace(""),
        )
    args = []
    for index, item in enumerate(items):
        last = index == len(items) - 1
        after = footer if last else items[index + 1].leading
        value = item.value.visit(shift)
        assert isinstance(value, cst.BaseExpression)
        args.append(
            _keyword_arg(item.key, value).with_changes(
                comma=cst.Comma(
                    whitespace_after=separator(item.comment, after, "" if last else indent)
                )
            )
        )
    return cst.Call(
        func=cst.Name(factory),
        args=args,
        whitespace_before_args=separator(header, items[0].leading, indent),
    )


# -- LL402: orm_mode -> from_attributes ----------------------------------------------------------


def orm_mode_keyword_fix(arg: cst.Arg, siblings: Sequence[cst.Arg]) -> Fix | None:
    """``ConfigDict(orm_mode=True)`` / ``class M(BaseModel, orm_mode=True)``: rename."""
    if arg.keyword is None or "from_attributes" in _keywords(siblings):
        return None
    return rename(arg.keyword, "from_attributes")


def orm_mode_key_fix(
    element: cst.DictElement, siblings: Sequence[cst.BaseDictElement]
) -> Fix | None:
    """``{"orm_mode": True}`` -> ``{"from_attributes": True}`` in the same quotes."""
    key = element.key
    if not isinstance(key, cst.SimpleString):
        return None
    for other in siblings:
        if (
            isinstance(other, cst.DictElement)
            and isinstance(other.key, cst.SimpleString)
            and other.key.evaluated_value == "from_attributes"
        ):
            return None
    new = f"{key.prefix}{key.quote}from_attributes{key.quote}"
    return Fix(((key, key.with_changes(value=new)),))


def orm_mode_target_fix(target: cst.Name, config: cst.ClassDef) -> Fix | None:
    """``orm_mode = True`` in a ``class Config`` -> ``from_attributes = True``."""
    for stmt in _small_statements(config):
        if isinstance(stmt, cst.Assign | cst.AnnAssign):
            names = (
                [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
            )
            if any(isinstance(n, cst.Name) and n.value == "from_attributes" for n in names):
                return None
    return rename(target, "from_attributes")


def _small_statements(node: cst.ClassDef) -> list[cst.BaseSmallStatement]:
    body = node.body
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    return [
        stmt
        for line in body.body
        if isinstance(line, cst.SimpleStatementLine)
        for stmt in line.body
    ]


# -- LL403 / LL404: v1 model methods -------------------------------------------------------------

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
_DUMP_KEYWORDS = frozenset(
    {"include", "exclude", "by_alias", "exclude_unset", "exclude_defaults", "exclude_none"}
)
#: v1 instance method -> (v2 name, keywords with the same meaning, keywords that make it unsafe).
METHOD_RENAMES: Mapping[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "dict": ("model_dump", _DUMP_KEYWORDS, frozenset()),
    # v1 handed ``indent`` to json.dumps; v2's own ``indent`` spaces the output alike.
    "json": ("model_dump_json", _DUMP_KEYWORDS, frozenset({"indent"})),
    "copy": ("model_copy", frozenset({"update", "deep"}), frozenset()),
}
ATTRIBUTE_RENAMES: Mapping[str, str] = {
    "__fields__": "model_fields",
    "__fields_set__": "model_fields_set",
}
#: Attribute names a validator body may hold that the project rules LL403/LL404 fix.
V1_MODEL_API = frozenset({*CLASSMETHOD_RENAMES, *METHOD_RENAMES, *ATTRIBUTE_RENAMES})


def classmethod_applies(method: str, positional: int, keywords: set[str]) -> bool:
    """Whether a v1 classmethod call with these arguments has an exact v2 spelling."""
    plan = CLASSMETHOD_RENAMES.get(method)
    if plan is None:
        return False
    _, most, allowed = plan
    if most >= 0 and positional > most:
        return False
    if method in ("from_orm", "parse_obj", "validate", "parse_raw") and positional != 1:
        return False
    return method == "construct" or keywords <= allowed


def classmethod_fix(method: str, from_attributes: bool) -> Callable[[cst.CSTNode], Fix | None]:
    """The rewrite of ``Model.<method>(...)`` found at the call.

    ``from_orm`` reads attributes: without ``from_attributes`` in the model's config the
    v2 call needs ``from_attributes=True`` and the fix is unsafe (it may now succeed
    where v2's ``from_orm`` raised).
    """

    def make(node: cst.CSTNode) -> Fix | None:
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            return None
        if node.func.attr.value != method or not _plain_args(node.args):
            return None
        positional = sum(1 for arg in node.args if arg.keyword is None)
        if not classmethod_applies(method, positional, _keywords(node.args)):
            return None
        new = CLASSMETHOD_RENAMES[method][0]
        if method == "from_orm" and not from_attributes:
            func = node.func.with_changes(attr=node.func.attr.with_changes(value=new))
            call = append_keyword(node.with_changes(func=func), "from_attributes", cst.Name("True"))
            return Fix(((node, call),), safe=False)
        return rename(node.func.attr, new)

    return make


def append_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``name=value`` added last, in the layout the arguments already have."""
    new = _keyword_arg(name, value)
    if not call.args:
        return call.with_changes(args=[new])
    *rest, last = call.args
    if isinstance(last.comma, cst.Comma):  # trailing comma: one argument per line
        opening = call.whitespace_before_args
        indent = opening.last_line.value if isinstance(opening, cst.ParenthesizedWhitespace) else ""
        between = (
            cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace(indent))
            if isinstance(last.comma.whitespace_after, cst.ParenthesizedWhitespace)
            else cst.SimpleWhitespace(" ")
        )
        moved = last.with_changes(comma=cst.Comma(whitespace_after=between))
        return call.with_changes(args=[*rest, moved, new.with_changes(comma=last.comma)])
    moved = last.with_changes(
        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
        whitespace_after_arg=cst.SimpleWhitespace(""),
    )
    return call.with_changes(
        args=[*rest, moved, new.with_changes(whitespace_after_arg=last.whitespace_after_arg)]
    )


def method_fix_applies(method: str, positional: int, keywords: set[str]) -> bool | None:
    """True: a safe fix; False: an unsafe one; None: no v2 spelling for these arguments."""
    plan = METHOD_RENAMES.get(method)
    if plan is None or positional:
        return None
    _, same, unsafe = plan
    if not keywords <= same | unsafe:
        return None
    return not keywords & unsafe


def method_fix(method: str) -> Callable[[cst.CSTNode], Fix | None]:
    """The rewrite of ``value.<method>(...)`` (``dict``/``json``/``copy``) at the call."""

    def make(node: cst.CSTNode) -> Fix | None:
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            return None
        if node.func.attr.value != method or not _plain_args(node.args):
            return None
        positional = sum(1 for arg in node.args if arg.keyword is None)
        safe = method_fix_applies(method, positional, _keywords(node.args))
        if safe is None:
            return None
        fix = rename(node.func.attr, METHOD_RENAMES[method][0])
        return fix if safe else Fix(fix.replacements, safe=False)

    return make


def _attribute_in(expression: cst.BaseExpression, chain: tuple[str, ...]) -> cst.Attribute | None:
    """The ``a.b.__fields__`` node spelling ``chain`` inside an attribute chain."""
    current = expression
    while isinstance(current, cst.Attribute | cst.Call | cst.Subscript):
        if isinstance(current, cst.Attribute):
            if dotted_name(current) == chain:
                return current
            current = current.value
        else:
            current = current.func if isinstance(current, cst.Call) else current.value
    return None


def attribute_fix(chain: tuple[str, ...]) -> Callable[[cst.CSTNode], Fix | None]:
    """``Model.__fields__`` -> ``Model.model_fields`` where a call or ``return`` reads it.

    v2's deprecated ``__fields__``/``__fields_set__`` return exactly these attributes.
    """

    def make(node: cst.CSTNode) -> Fix | None:
        if isinstance(node, cst.Call):
            places = [node.func, *(arg.value for arg in node.args)]
        elif isinstance(node, cst.Return) and node.value is not None:
            places = [node.value]
        else:
            return None
        for place in places:
            found = _attribute_in(place, chain)
            if found is not None:
                return rename(found.attr, ATTRIBUTE_RENAMES[chain[-1]])
        return None

    return make


# -- LL405: validators -----------------------------------------------------------------------

FIELD_VALIDATOR = "field_validator"
MODEL_VALIDATOR = "model_validator"
_VALIDATOR_OPTIONS = frozenset({"pre", "always", "allow_reuse", "each_item", "check_fields"})


@dataclass(frozen=True)
class ValidatorContext:
    """What the rule resolved about a decorated function for the fix."""

    function: cst.FunctionDef
    decorator: cst.Decorator
    #: ``pydantic.validator`` / ``pydantic.class_validators.root_validator``...
    qualified: str
    #: Every decorator of the function is a validator (v1 or v2) or ``classmethod``.
    only_validators: bool
    #: Where to look for the file's quote style (the enclosing class).
    style: cst.CSTNode | None = None


def _validator_call_parts(
    decorator: cst.Decorator,
) -> tuple[cst.BaseExpression, cst.Call | None]:
    expression = decorator.decorator
    if isinstance(expression, cst.Call):
        return expression.func, expression
    return expression, None


def _new_callee(
    callee: cst.BaseExpression, qualified: str, new: str, qualify: Qualify
) -> (
    tuple[
        cst.BaseExpression, tuple[tuple[str, str | None], ...], tuple[tuple[str, str | None], ...]
    ]
    | None
):
    """The v2 decorator name in the spelling the file uses, and the imports it needs."""
    module, old = qualified.rsplit(".", 1)
    if isinstance(callee, cst.Name):
        if callee.value != old:
            return None  # imported under another name: the alias cannot be pruned
        return callee.with_changes(value=new), (("pydantic", new),), ((module, old),)
    if isinstance(callee, cst.Attribute):
        root: cst.BaseExpression = callee
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(root, cst.Name) and qualify(root) == "pydantic":
            return cst.Attribute(value=root, attr=cst.Name(new)), (), ()
    return None


def _uses_v1_model_api(function: cst.FunctionDef) -> bool:
    """A body that LL403/LL404 may rewrite in the same round (see ``validator_fix``)."""
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            nonlocal found
            if node.attr.value in V1_MODEL_API:
                found = True

    function.body.visit(Finder())
    return found


def _positional_params(function: cst.FunctionDef) -> list[cst.Param] | None:
    """The parameters, when all are plain positional ones without defaults."""
    params = function.params
    if (
        params.star_arg is not cst.MaybeSentinel.DEFAULT
        or params.kwonly_params
        or params.star_kwarg
    ):
        return None
    plain = [*params.posonly_params, *params.params]
    if any(p.default is not None for p in plain):
        return None
    return plain


def _values_to_info(function: cst.FunctionDef, param: cst.Param) -> list[Replacement] | None:
    """``values`` -> ``info: ValidationInfo`` and each read of it -> ``info.data``."""
    module = cst.Module(body=[function])
    scopes = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    scope = scopes.get(param)
    if scope is None:
        return None
    taken = False

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            nonlocal taken
            taken = taken or node.value == "info"

    function.visit(Names())
    assigned = list(scope.assignments["values"])
    if taken or len(assigned) != 1:
        return None
    replacements: list[Replacement] = []
    for access in assigned[0].references:
        if not isinstance(access.node, cst.Name):
            return None  # e.g. a string annotation naming it
        replacements.append(
            (access.node, cst.Attribute(value=cst.Name("info"), attr=cst.Name("data")))
        )
    new_param = param.with_changes(
        name=cst.Name("info"), annotation=cst.Annotation(cst.Name("ValidationInfo"))
    )
    replacements.append((param, new_param))
    return replacements


def _validator_arguments(
    call: cst.Call | None, root: bool, style: cst.CSTNode | None
) -> tuple[cst.Call | None, bool] | None:
    """The v2 arguments: ``pre=True`` -> ``mode="before"``, v1-only options dropped.

    Returns the new call (None for a bare decorator) and whether it is still safe.
    """
    if call is None:
        return (None, True) if not root else None
    if not _plain_args(call.args):
        return None
    like = first_string(call, style)
    safe = True
    drop: list[int] = []
    args = list(call.args)
    before = False
    for index, arg in enumerate(args):
        if arg.keyword is None:
            if root:
                return None
            continue
        name = arg.keyword.value
        flag = _bool_literal(arg.value)
        if root and name == "skip_on_failure":
            drop.append(index)  # only post validators skip; a before validator always runs
            continue
        if name not in _VALIDATOR_OPTIONS or (root and name not in ("pre", "allow_reuse")):
            return None
        if name == "check_fields":
            continue
        if flag is None:
            return None
        if name == "pre" and flag:
            before = True
            args[index] = arg.with_changes(
                keyword=arg.keyword.with_changes(value="mode"), value=quoted("before", like)
            )
            continue
        if name == "each_item" and flag:
            return None  # v2 validates the container; items need an Annotated validator
        if name == "always" and flag:
            safe = False  # v2 has it on the field: ``Field(validate_default=True)``
        drop.append(index)
    if root and not before:
        return None  # a post root_validator takes ``self`` in v2: not a rename
    if root:
        # v1 handed a pre root validator a dict; v2 hands a before model validator the
        # raw input, which may be a model instance or an ORM object (``values.get`` fails).
        safe = False
    rebuilt = drop_args(call.with_changes(args=args), drop)
    if rebuilt is None:
        return None
    return rebuilt, safe


def validator_fix(context: ValidatorContext, qualify: Qualify) -> Fix | None:
    """``@validator``/``@root_validator(pre=True)`` -> ``@field_validator``/``@model_validator``.

    ``@classmethod`` is added below the decorators when missing. Unsafe: ``always=True``
    (v2 spells it ``Field(validate_default=True)``), a ``values`` parameter (it becomes
    ``info: ValidationInfo`` read as ``info.data``: the same dict, but the signature
    changes for any other caller) and ``pre=True`` root validators (v2 passes the raw
    input, not always a dict). ``field``/``config`` parameters, ``each_item=True`` and
    post root validators (which take ``self`` in v2) get no fix.
    """
    function, decorator = context.function, context.decorator
    root = context.qualified.endswith("root_validator")
    new_name = MODEL_VALIDATOR if root else FIELD_VALIDATOR
    if not context.only_validators:
        return None
    callee, call = _validator_call_parts(decorator)
    renamed = _new_callee(callee, context.qualified, new_name, qualify)
    arguments = _validator_arguments(call, root, context.style)
    params = _positional_params(function)
    if renamed is None or arguments is None or params is None:
        return None
    new_callee, adds, removes = renamed
    new_call, safe = arguments
    names = [p.name.value for p in params]
    replacements: list[Replacement] = []
    if len(params) == 3 and not root and names[2] == "values":
        inner = _values_to_info(function, params[2])
        if inner is None:
            return None
        replacements.extend(inner)
        adds = (*adds, ("pydantic", "ValidationInfo"))
        safe = False
    elif len(params) != 2:
        return None  # ``field``/``config``/``**kwargs``: no v2 counterpart
    expression = new_call.with_changes(func=new_callee) if new_call is not None else new_callee
    new_decorator = decorator.with_changes(decorator=expression)
    decorators = list(function.decorators)
    position = next(i for i, other in enumerate(decorators) if other is decorator)
    classmethods = [
        index
        for index, other in enumerate(decorators)
        if isinstance(other.decorator, cst.Name) and other.decorator.value == "classmethod"
    ]
    if any(index < position for index in classmethods):
        return None  # classmethod(field_validator(...)) is not registered as a validator
    add_classmethod = not classmethods
    if add_classmethod and not replacements and names[0] == "cls" and _uses_v1_model_api(function):
        # Replacing the whole function would hide the LL403/LL404 fixes inside it in
        # this round; v2 treats a validator whose first parameter is ``cls`` as a
        # classmethod anyway, so only the decorator changes.
        add_classmethod = False
    if not add_classmethod and not replacements:
        return Fix(((decorator, new_decorator),), adds, removes, safe)
    decorators[position] = new_decorator
    if add_classmethod:
        decorators.append(cst.Decorator(decorator=cst.Name("classmethod")))
    updated = function.with_changes(decorators=decorators)
    if replacements:
        # One replacement for the whole function: renaming ``values`` half-way is wrong.
        swap = {id(old): new for old, new in replacements}
        updated = cst.ensure_type(updated.visit(_Swap(swap)), cst.FunctionDef)
    return Fix(((function, updated),), adds, removes, safe)


class _Swap(cst.CSTTransformer):
    """Replace nodes by identity inside one subtree (the function being rewritten)."""

    def __init__(self, replacements: dict[int, cst.CSTNode]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode:
        return self.replacements.get(id(original_node), updated_node)


# -- LL406: BaseSettings moved to pydantic_settings ----------------------------------------------


def basesettings_import_fix(node: cst.ImportFrom, alias: cst.ImportAlias) -> Fix | None:
    """Point the import at ``pydantic_settings``, splitting it if it imports more names."""
    if isinstance(node.names, cst.ImportStar) or node.module is None:
        return None
    if len(node.names) == 1:
        return Fix(((node.module, cst.Name("pydantic_settings")),))
    if alias.asname is not None:
        return None  # the added import cannot carry an alias
    index = next(i for i, a in enumerate(node.names) if a is alias)
    opening = node.lpar.whitespace_after if node.lpar is not None else node.whitespace_after_import
    result = drop_item(list(node.names), index, opening)
    if result is None:
        return None
    names, opening = result
    if node.lpar is not None:
        updated = node.with_changes(
            names=names, lpar=node.lpar.with_changes(whitespace_after=opening)
        )
    else:
        updated = node.with_changes(names=names, whitespace_after_import=opening)
    return Fix(((node, updated),), add_imports=(("pydantic_settings", "BaseSettings"),))


def basesettings_attribute_fix(node: cst.Attribute) -> Fix | None:
    """``pydantic.BaseSettings`` -> ``pydantic_settings.BaseSettings`` (+ its import)."""
    if not isinstance(node.value, cst.Name) or node.value.value != "pydantic":
        return None
    return Fix(
        ((node.value, cst.Name("pydantic_settings")),),
        add_imports=(("pydantic_settings", None),),
        remove_imports=(("pydantic", None),),
    )


# -- LL407: Field() arguments ------------------------------------------------------------------

FIELD_RENAMES: Mapping[str, str] = {
    "regex": "pattern",
    "min_items": "min_length",
    "max_items": "max_length",
    "allow_mutation": "frozen",
}
# Python-only regex syntax: v2 checks ``pattern`` with the Rust engine, which lacks it.
_PYTHON_ONLY_REGEX = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=")


def field_argument_fix(arg: cst.Arg, siblings: Sequence[cst.Arg]) -> Fix | None:
    """``Field(regex=...)`` -> ``pattern=``, ``min_items`` -> ``min_length``...

    ``const`` and ``unique_items`` have no argument in v2 (they become a ``Literal``
    or ``set`` annotation), so they get no fix.
    """
    if arg.keyword is None:
        return None
    new = FIELD_RENAMES.get(arg.keyword.value)
    if new is None or new in _keywords(siblings):
        return None
    if new == "frozen":
        allowed = _bool_literal(arg.value)
        if allowed is None:
            return None
        flipped = cst.Name("False" if allowed else "True")
        return Fix(((arg.keyword, arg.keyword.with_changes(value=new)), (arg.value, flipped)))
    fix = rename(arg.keyword, new)
    if new == "pattern":
        value = arg.value
        text = value.evaluated_value if isinstance(value, cst.SimpleString) else None
        if not isinstance(text, str) or _PYTHON_ONLY_REGEX.search(text):
            return Fix(fix.replacements, safe=False)
    return fix
