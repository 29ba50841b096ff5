"""LL403 ``pydantic-v1-classmethod``: a Pydantic v1 classmethod called on a model class."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import libcst as cst

from layerlint.project import Project
from layerlint.rules.base import Example, Finding, Fix, Fixability, ProjectRule
from layerlint.rules.pydantic._support import (
    CLASSMETHOD_RENAMES,
    SEED_V2,
    code_units,
    defines_member,
    from_attributes,
    keywords,
    model_class_named,
    new_keyword_arg,
    plain_args,
    rename,
    v2_receivers,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


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
        if node.func.attr.value != method or not plain_args(node.args):
            return None
        positional = sum(1 for arg in node.args if arg.keyword is None)
        if not classmethod_applies(method, positional, keywords(node.args)):
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
    new = new_keyword_arg(name, value)
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


_V1_CLASSMETHODS: Mapping[str, str] = {
    "from_orm": "model_validate",
    "parse_obj": "model_validate",
    "parse_raw": "model_validate_json",
    "parse_file": "model_validate_json(path.read_text())",
    "construct": "model_construct",
    "schema": "model_json_schema",
    "schema_json": "json.dumps(Model.model_json_schema())",
    "update_forward_refs": "model_rebuild",
    "validate": "model_validate",
}


class PydanticV1Classmethod(ProjectRule):
    """A Pydantic v1 classmethod called on a model class.

    **What it does:** flags ``Model.from_orm()``, ``parse_obj()``, ``parse_raw()``,
    ``parse_file()``, ``construct()``, ``schema()``, ``schema_json()``,
    ``update_forward_refs()`` and ``validate()`` where ``Model`` resolves (through
    imports and inheritance, across files) to a Pydantic model, including ``cls.x()``
    inside a model's classmethod. A class that defines the method itself is not
    reported.

    **Why is this bad?** These are deprecated v1 names: they warn on every call and
    disappear in the next major version; some (``from_orm``) also need v1 config.

    **Example:** ``UserResponse.from_orm(user)``.

    **Use instead:** ``UserResponse.model_validate(user)`` (``model_validate_json``,
    ``model_construct``, ``model_json_schema``, ``model_rebuild``).

    **Fix:** renames the call when its arguments mean the same in v2. ``from_orm`` on a
    model whose config lacks ``from_attributes`` becomes ``model_validate(obj,
    from_attributes=True)``, an unsafe fix (v2's ``from_orm`` raised there).
    ``parse_file``, ``schema_json`` and v1-only arguments (``parse_raw(...,
    content_type=)``) are left to you.
    """

    code = "LL403"
    skips_migrations = True
    name = "pydantic-v1-classmethod"
    message = "`{model}.{method}()` is Pydantic v1 API; use `{model}.{replacement}()`"
    seed = SEED_V2 + " (model_validate() instead of from_orm())"
    fixable = Fixability.PARTIAL
    unsafe_fixes = True
    valid = (
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel\nclass UserResponse(BaseModel):\n    id: int\n"
                ),
                "app/routes/users.py": (
                    "from app.schemas.user import UserResponse\n"
                    "def show(user: object) -> UserResponse:\n"
                    "    return UserResponse.model_validate(user)\n"
                ),
            }
        ),
        "from marshmallow import Schema\n\n"
        "class UserSchema(Schema):\n"
        "    pass\n\n"
        "def load(data: dict) -> object:\n"
        "    return UserSchema.validate(data)\n",
        "from pydantic import BaseModel\n\n"
        "class Token(BaseModel):\n"
        "    value: str\n\n"
        "    @classmethod\n"
        "    def parse_obj(cls, raw: object) -> 'Token':\n"
        "        return cls(value=str(raw))\n\n"
        "def load(raw: object) -> Token:\n"
        "    return Token.parse_obj(raw)\n",
    )
    invalid = (
        Example(
            {
                "app/schemas/base.py": (
                    "from pydantic import BaseModel\nclass Schema(BaseModel):\n    pass\n"
                ),
                "app/schemas/user.py": (
                    "from app.schemas.base import Schema\n"
                    "class UserResponse(Schema):\n"
                    "    id: int\n"
                ),
                "app/routes/users.py": (
                    "from app.schemas import user as schemas\n"
                    "def show(user: object) -> object:\n"
                    "    return schemas.UserResponse.from_orm(user)  # error\n"
                ),
            }
        ),
        "from pydantic import BaseModel\n\n"
        "class Node(BaseModel):\n"
        "    children: list['Node'] = []\n\n"
        "    @classmethod\n"
        "    def load(cls, raw: str) -> 'Node':\n"
        "        return cls.parse_raw(raw)  # error\n\n"
        "Node.update_forward_refs()  # error\n",
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ConfigDict\n\n"
                    "class User(BaseModel):\n"
                    "    model_config = ConfigDict(from_attributes=True)\n"
                    "    id: int\n\n"
                    "def load(raw: str, row: object, data: dict) -> list:\n"
                    "    return [\n"
                    "        User.parse_raw(  # error\n"
                    "            raw,  # the request body\n"
                    "        ),\n"
                    "        User.from_orm(row),  # error\n"
                    "        User . parse_obj(data),  # error\n"
                    "        User.parse_file('user.json'),  # error\n"
                    "        User.schema(by_alias = False),  # error\n"
                    "    ]\n"
                )
            },
            fixed={
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ConfigDict\n\n"
                    "class User(BaseModel):\n"
                    "    model_config = ConfigDict(from_attributes=True)\n"
                    "    id: int\n\n"
                    "def load(raw: str, row: object, data: dict) -> list:\n"
                    "    return [\n"
                    "        User.model_validate_json(  # error\n"
                    "            raw,  # the request body\n"
                    "        ),\n"
                    "        User.model_validate(row),  # error\n"
                    "        User . model_validate(data),  # error\n"
                    "        User.parse_file('user.json'),  # error\n"
                    "        User.model_json_schema(by_alias = False),  # error\n"
                    "    ]\n"
                )
            },
        ),
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel\n\n"
                    "class User(BaseModel):\n"
                    "    id: int\n\n"
                    "def load(row: object) -> User:\n"
                    "    return User.from_orm(  # error\n"
                    "        row,\n"
                    "    )\n"
                )
            },
            fixed={
                "app/schemas/user.py": (
                    "from pydantic import BaseModel\n\n"
                    "class User(BaseModel):\n"
                    "    id: int\n\n"
                    "def load(row: object) -> User:\n"
                    "    return User.model_validate(  # error\n"
                    "        row,\n"
                    "        from_attributes=True,\n"
                    "    )\n"
                )
            },
            unsafe=True,
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for ref in code_units(project):
            compat = v2_receivers(ref)
            for call in ref.function.calls:
                callee = call.callee
                if len(callee) < 2 or callee[-1] not in _V1_CLASSMETHODS or callee[0] == "?":
                    continue
                if callee[:-1] in compat:
                    continue
                model = model_class_named(project, ref, callee[:-1])
                if model is None or defines_member(project, model, callee[-1]):
                    continue
                message = self.message.format(
                    model=".".join(callee[:-1]),
                    method=callee[-1],
                    replacement=_V1_CLASSMETHODS[callee[-1]],
                )
                method = callee[-1]
                keywords = {name for name, _ in call.keywords}
                if not classmethod_applies(method, len(call.args), keywords):
                    yield Finding(ref.module.path, call.span, message)
                    continue
                orm = method == "from_orm" and from_attributes(project, model) is True
                fix = classmethod_fix(method, from_attributes=orm)
                yield Finding(ref.module.path, call.span, message, fix, cst.Call)
