"""LL401 ``pydantic-config-class``: a nested ``class Config:`` in a Pydantic model."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import libcst as cst

from layerlint.expressions import bool_literal, dotted_name
from layerlint.facts import ClassFact
from layerlint.project import PYDANTIC_BASES, Project
from layerlint.rules._common import is_pydantic_class
from layerlint.rules._rewrites import indented_by
from layerlint.rules.base import (
    Example,
    FileRule,
    Finding,
    Fix,
    Fixability,
    OptionValue,
    ProjectRule,
)
from layerlint.rules.pydantic._support import (
    CONFIG_DICTS,
    SEED_V2,
    ModelClassifier,
    Qualify,
    Verdict,
    assignments,
    base_expression,
    class_body,
    first_string,
    nested_config_classes,
    new_keyword_arg,
    quoted,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from layerlint.file_context import FileContext


#: ``BaseSettings`` wherever v1 and pydantic-settings put it.
SETTINGS_BASES = frozenset(
    {
        "pydantic.BaseSettings",
        "pydantic.env_settings.BaseSettings",
        "pydantic_settings.BaseSettings",
        "pydantic_settings.main.BaseSettings",
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
        return (key, None, None) if bool_literal(value) is _DROPPABLE[key] else None
    if key == "allow_mutation":
        allowed = bool_literal(value)
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
        new_keyword_arg(item.key, item.value).with_changes(
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
    shift = indented_by(indent)

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
            new_keyword_arg(item.key, value).with_changes(
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


class PydanticConfigClass(FileRule, ProjectRule):
    """A nested ``class Config:`` in a Pydantic model.

    **What it does:** flags ``class Config:`` directly inside a class whose base is a
    Pydantic model (``BaseModel``, ``BaseSettings``, ``RootModel``, ``SQLModel``, or a
    model of the project, in this module or another: ``class ProdSettings(AppSettings)``
    with ``AppSettings(BaseSettings)`` elsewhere). A base the project does not define is
    trusted only when the ``Config`` sets a key that only Pydantic reads (``orm_mode``,
    ``json_encoders``, ``arbitrary_types_allowed``...). Classes based on ``pydantic.v1``
    are left to LL408.

    **Why is this bad?** Class-based config is the Pydantic v1 API; v2 only keeps it as a
    deprecated shim, with renamed keys that it silently ignores or rejects.

    **Example:** ``class UserResponse(BaseModel):`` with ``class Config: orm_mode = True``.

    **Use instead:** ``model_config = ConfigDict(from_attributes=True)``.

    **Fix:** rewrites it as ``model_config = ConfigDict(...)`` (``SettingsConfigDict`` in a
    settings class) with the v2 key names (``orm_mode`` -> ``from_attributes``,
    ``allow_population_by_field_name`` -> ``populate_by_name``, ``Extra.forbid`` ->
    ``"forbid"``...), comments kept. A ``Config`` with methods, or with a key v2 has no
    equivalent for (``fields``, ``getter_dict``, ``json_loads``...), is left to you. The
    fix is safe only when the class is known to be a Pydantic model (its base is
    Pydantic's, or a model of this file that is); with a base from elsewhere (another
    package may read ``class Config`` itself) it is unsafe.
    """

    code = "LL401"
    skips_migrations = True
    name = "pydantic-config-class"
    message = "`class Config:` is Pydantic v1 style; use `model_config = ConfigDict(...)`"
    seed = SEED_V2 + " (ConfigDict instead of class Config)"
    fixable = Fixability.PARTIAL
    example_path = "app/schemas/user.py"
    valid = (
        "from pydantic import BaseModel, ConfigDict\n\n"
        "class UserResponse(BaseModel):\n"
        "    model_config = ConfigDict(from_attributes=True)\n"
        "    id: int\n",
        "from app.db import Base\n\n"
        "class Settings:\n"
        "    class Config:\n"
        "        debug = True\n\n"
        "class User(Base):\n"
        "    class Config:\n"
        "        extra = 'forbid'\n",
        "from pydantic.v1 import BaseModel\n\n"
        "class Legacy(BaseModel):\n"
        "    class Config:\n"
        "        orm_mode = True\n",
        "from pydantic import BaseModel\n\nclass Config(BaseModel):\n    sections: list[str]\n",
    )
    invalid = (
        "from pydantic import BaseModel\n\n"
        "class UserResponse(BaseModel):\n"
        "    id: int\n\n"
        "    class Config:  # error\n"
        "        orm_mode = True  # error: LL402\n\n"
        "class AdminResponse(UserResponse):\n"
        "    class Config:  # error\n"
        "        extra = 'forbid'\n",
        "import sqlmodel\n"
        "from app.schemas.base import Schema\n\n"
        "class Hero(sqlmodel.SQLModel, table=True):\n"
        "    id: int\n"
        "    class Config:  # error\n"
        "        arbitrary_types_allowed = True\n\n"
        "class Item(Schema):\n"
        "    class Config:  # error\n"
        "        json_encoders = {}\n",
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, Extra\n\n\n"
                    "class UserResponse(BaseModel):\n"
                    "    id: int\n\n"
                    "    # v1 config, converted by --fix\n"
                    "    class Config:  # error\n"
                    "        orm_mode = True  # error: LL402\n"
                    "        # reject unknown keys\n"
                    "        extra = Extra.forbid\n"
                    "        schema_extra = {\n"
                    "            'example': {'id': 1},  # shown in the docs\n"
                    "        }\n"
                    "        smart_union = True\n\n\n"
                    "class Legacy(BaseModel):\n"
                    "    class Config:  # error\n"
                    "        fields = {'id': 'ID'}\n"
                )
            },
            fixed={
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ConfigDict\n"
                    "\n"
                    "\n"
                    "class UserResponse(BaseModel):\n"
                    "    id: int\n"
                    "\n"
                    "    # v1 config, converted by --fix\n"
                    "    model_config = ConfigDict(  # error\n"
                    "        from_attributes=True,  # error: LL402\n"
                    "        # reject unknown keys\n"
                    "        extra='forbid',\n"
                    "        json_schema_extra={\n"
                    "            'example': {'id': 1},  # shown in the docs\n"
                    "        },\n"
                    "    )\n"
                    "\n"
                    "\n"
                    "class Legacy(BaseModel):\n"
                    "    class Config:  # error\n"
                    "        fields = {'id': 'ID'}\n"
                )
            },
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._models = ModelClassifier()
        self._settings: set[str] = set()
        # Classes taken for models only because of what their Config sets.
        self._presumed: set[str] = set()
        self._indent = "    "

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._models.reset()
        self._settings.clear()
        self._presumed.clear()
        self._indent = node.default_indent

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        verdict = self._models.classify(node, ctx)
        if verdict is Verdict.NO:
            return
        known = verdict is Verdict.YES and not self._has_presumed_base(node)
        if not known:
            self._presumed.add(node.name.value)
        settings = self._is_settings(node, ctx)
        for config in nested_config_classes(node):
            if is_model_class(verdict, config):
                self._models.confirm(node)
                fix = config_class_fix(node, config, ctx.qualified_name, settings, self._indent)
                if fix is not None and not known:
                    fix = replace(fix, safe=False)
                ctx.report(config.name, fix=fix)

    def _has_presumed_base(self, node: cst.ClassDef) -> bool:
        """A base of this file that is a model only by presumption."""
        return any(
            dotted is not None and len(dotted) == 1 and dotted[0] in self._presumed
            for dotted in (dotted_name(base_expression(arg)) for arg in node.bases)
        )

    def check(self, project: Project) -> Iterator[Finding]:
        """The models the file walk cannot see are Pydantic: their base is in another module.

        The walk reports a ``Config`` when the file alone proves the class a model (or
        the ``Config`` holds a Pydantic-only key); the rest is reported here, without a
        fix (rewriting needs the settings/model distinction across files too).
        """
        for facts in project.modules.values():
            for cls in facts.classes:
                if cls.config_class is None or cls.config_span is None:
                    continue
                qualified = f"{facts.module}.{cls.name}"
                if not is_pydantic_class(project, qualified):
                    continue
                if _model_in_file(project, facts.module, cls) or _pydantic_only_keys(cls):
                    continue  # reported by the file walk
                yield Finding(facts.path, cls.config_span, self.message)

    def _is_settings(self, node: cst.ClassDef, ctx: FileContext) -> bool:
        """A BaseSettings subclass (directly or via this file): its config is a
        ``SettingsConfigDict``."""
        for arg in node.bases:
            dotted = dotted_name(arg.value)
            if arg.keyword is not None or dotted is None:
                continue
            if ctx.qualified_name(arg.value) in SETTINGS_BASES or (
                len(dotted) == 1 and dotted[0] in self._settings
            ):
                self._settings.add(node.name.value)
                return True
        return False


def _model_in_file(project: Project, module: str, cls: ClassFact, depth: int = 0) -> bool:
    """What the file walk proves: a base imported from Pydantic, or a model of this file
    (one whose own ``Config`` holds a Pydantic-only key counts)."""
    if depth > 8:
        return False
    for base in cls.bases:
        resolved = project.resolve(module, base)
        if resolved in PYDANTIC_BASES:
            return True
        local = project.modules[module].class_named(base[0]) if len(base) == 1 else None
        if (
            local is not None
            and resolved == f"{module}.{base[0]}"
            and (_model_in_file(project, module, local, depth + 1) or _pydantic_only_keys(local))
        ):
            return True
    return False


def _pydantic_only_keys(cls: ClassFact) -> bool:
    return any(name in PYDANTIC_ONLY_CONFIG_KEYS for name, _ in cls.config_class or ())
