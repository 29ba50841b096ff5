"""LL405 ``pydantic-v1-validator``: ``@validator`` / ``@root_validator`` from Pydantic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider

from layerlint.expressions import bool_literal, dotted_name
from layerlint.facts import Dotted
from layerlint.rules.base import Example, FileRule, Fix, Fixability
from layerlint.rules.pydantic._support import (
    ATTRIBUTE_RENAMES,
    CLASSMETHOD_RENAMES,
    METHOD_RENAMES,
    Qualify,
    drop_item,
    first_string,
    plain_args,
    quoted,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from layerlint.file_context import FileContext


Replacement = tuple[cst.CSTNode, cst.CSTNode]


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


#: Attribute names a validator body may hold that the project rules LL403/LL404 fix.
V1_MODEL_API = frozenset({*CLASSMETHOD_RENAMES, *METHOD_RENAMES, *ATTRIBUTE_RENAMES})


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
    if not plain_args(call.args):
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
        flag = bool_literal(arg.value)
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


_V2_VALIDATORS = frozenset(
    {
        "pydantic.field_validator",
        "pydantic.model_validator",
        "pydantic.functional_validators.field_validator",
        "pydantic.functional_validators.model_validator",
    }
)


_VALIDATORS: Mapping[str, str] = {
    "pydantic.validator": "field_validator",
    "pydantic.root_validator": "model_validator",
    "pydantic.class_validators.validator": "field_validator",
    "pydantic.class_validators.root_validator": "model_validator",
    "pydantic.deprecated.class_validators.validator": "field_validator",
    "pydantic.deprecated.class_validators.root_validator": "model_validator",
}


class PydanticV1Validator(FileRule):
    """``@validator`` / ``@root_validator`` from Pydantic.

    **What it does:** flags decorators that resolve, through the file's imports, to
    Pydantic's v1 ``validator`` or ``root_validator`` (``pydantic.validator``,
    ``pydantic.class_validators.validator``...), and the same used as a call
    (``_lower = validator("email", allow_reuse=True)(lower)``, no fix). A project's own
    ``validator`` helper and ``pydantic.v1`` imports (LL408) are not reported.

    **Why is this bad?** They are deprecated in v2, have different signatures
    (``values`` instead of ``ValidationInfo``, ``pre=`` instead of ``mode=``) and, as
    the Pydantic v2 migration guide warns, may behave differently or raise deprecation
    warnings.

    **Example:** ``@validator("email")`` on a ``UserCreate`` method.

    **Use instead:** ``@field_validator("email")`` / ``@model_validator(mode="before")``,
    stacked on ``@classmethod``.

    **Fix:** ``@field_validator(..., mode="before")`` for ``pre=True`` (``allow_reuse``
    dropped) with ``@classmethod`` added. Unsafe: ``always=True`` (v2 wants
    ``Field(validate_default=True)``), a ``values`` parameter (becomes ``info:
    ValidationInfo`` read as ``info.data``) and ``@root_validator(pre=True)`` (v2 passes
    the raw input, not always a dict). No fix for ``each_item=True``, ``field``/``config``
    parameters, post root validators (v2 gives them ``self``) or an aliased import.
    """

    code = "LL405"
    skips_migrations = True
    name = "pydantic-v1-validator"
    message = "`@{decorator}` is Pydantic v1 API; use `@{replacement}` with `@classmethod`"
    seed = (
        "backend-fastapi-python: model_validator not validator; fastapi-production: field_validator"
    )
    fixable = Fixability.PARTIAL
    unsafe_fixes = True
    example_path = "app/schemas/user.py"
    valid = (
        "from pydantic import BaseModel, field_validator\n\n"
        "class UserCreate(BaseModel):\n"
        "    email: str\n\n"
        "    @field_validator('email')\n"
        "    @classmethod\n"
        "    def lower(cls, value: str) -> str:\n"
        "        return value.lower()\n",
        "from app.validation import validator\n"
        "from pydantic.v1 import root_validator\n\n"
        "@validator('email')\n"
        "def check(value: str) -> str:\n"
        "    return value\n\n"
        "class Legacy:\n"
        "    @root_validator(pre=True)\n"
        "    def fill(cls, values: dict) -> dict:\n"
        "        return values\n",
    )
    invalid = (
        "from pydantic import BaseModel, root_validator, validator\n\n"
        "class UserCreate(BaseModel):\n"
        "    email: str\n\n"
        "    @validator('email')  # error\n"
        "    def lower(cls, value: str) -> str:\n"
        "        return value.lower()\n\n"
        "    @root_validator  # error\n"
        "    def check(cls, values: dict) -> dict:\n"
        "        return values\n",
        "import pydantic\n"
        "from pydantic.class_validators import validator as check\n\n"
        "class Item(pydantic.BaseModel):\n"
        "    name: str\n\n"
        "    @pydantic.validator('name', pre=True)  # error\n"
        "    def strip(cls, value: str) -> str:\n"
        "        return value.strip()\n\n"
        "    @check('name')  # error\n"
        "    def upper(cls, value: str) -> str:\n"
        "        return value\n",
        "from pydantic import BaseModel, root_validator, validator\n\n"
        "def normalize(cls, value: str) -> str:\n"
        "    return value.strip()\n\n"
        "class Address(BaseModel):\n"
        "    city: str\n"
        "    _city = validator('city', allow_reuse=True)(normalize)  # error\n"
        "    _whole = root_validator(pre=True, allow_reuse=True)(lambda cls, v: v)  # error\n",
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, root_validator, validator\n\n\n"
                    "class Signup(BaseModel):\n"
                    "    email: str\n\n"
                    "    @validator(  # error\n"
                    "        'email',\n"
                    "        pre=True,  # strip before the checks\n"
                    "        allow_reuse=True,\n"
                    "    )\n"
                    "    def normalise(cls, value: str) -> str:\n"
                    "        return value.strip().lower()\n\n"
                    "    @root_validator(pre=True)  # error\n"
                    "    @classmethod\n"
                    "    def fill(cls, data: dict) -> dict:\n"
                    "        return data\n\n"
                    "    @root_validator(skip_on_failure=True)  # error\n"
                    "    def check(cls, values: dict) -> dict:\n"
                    "        return values\n"
                )
            },
            fixed={
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, field_validator, root_validator\n"
                    "\n"
                    "\n"
                    "class Signup(BaseModel):\n"
                    "    email: str\n"
                    "\n"
                    "    @field_validator(  # error\n"
                    "        'email',\n"
                    "        mode='before',  # strip before the checks\n"
                    "    )\n"
                    "    @classmethod\n"
                    "    def normalise(cls, value: str) -> str:\n"
                    "        return value.strip().lower()\n"
                    "\n"
                    "    @root_validator(pre=True)  # error\n"
                    "    @classmethod\n"
                    "    def fill(cls, data: dict) -> dict:\n"
                    "        return data\n"
                    "\n"
                    "    @root_validator(skip_on_failure=True)  # error\n"
                    "    def check(cls, values: dict) -> dict:\n"
                    "        return values\n"
                )
            },
        ),
        Example(
            {
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, root_validator, validator\n\n"
                    "class Signup(BaseModel):\n"
                    "    password: str\n"
                    "    confirm: str\n\n"
                    "    @validator('confirm', always=True)  # error\n"
                    "    def matches(cls, value, values):\n"
                    "        if value != values.get('password'):  # typed twice\n"
                    "            raise ValueError('passwords differ')\n"
                    "        return value\n\n"
                    "    @root_validator(pre=True, skip_on_failure=True)  # error\n"
                    "    def fill(cls, data: dict) -> dict:\n"
                    "        return {'confirm': '', **data}\n"
                )
            },
            fixed={
                "app/schemas/user.py": (
                    "from pydantic import BaseModel, ValidationInfo, field_validator, model_validator\n"
                    "\n"
                    "class Signup(BaseModel):\n"
                    "    password: str\n"
                    "    confirm: str\n"
                    "\n"
                    "    @field_validator('confirm')  # error\n"
                    "    @classmethod\n"
                    "    def matches(cls, value, info: ValidationInfo):\n"
                    "        if value != info.data.get('password'):  # typed twice\n"
                    "            raise ValueError('passwords differ')\n"
                    "        return value\n"
                    "\n"
                    "    @model_validator(mode='before')  # error\n"
                    "    @classmethod\n"
                    "    def fill(cls, data: dict) -> dict:\n"
                    "        return {'confirm': '', **data}\n"
                )
            },
            unsafe=True,
        ),
    )

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        found = [(decorator, _decorator_target(decorator, ctx)) for decorator in node.decorators]
        only_validators = all(
            qualified in _VALIDATORS or qualified in _V2_VALIDATORS or qualified == "classmethod"
            for _, (_, qualified) in found
        )
        for decorator, (dotted, qualified) in found:
            if qualified not in _VALIDATORS:
                continue
            context = ValidatorContext(
                node, decorator, qualified, only_validators, ctx.enclosing_class
            )
            message = self.message.format(
                decorator=".".join(dotted), replacement=_VALIDATORS[qualified]
            )
            ctx.report(decorator, message, fix=validator_fix(context, ctx.qualified_name))

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        """The call form ``validator("x")(fn)`` / ``root_validator(pre=True)(fn)``."""
        inner = node.func
        if not isinstance(inner, cst.Call):
            return
        dotted = dotted_name(inner.func)
        qualified = ctx.qualified_name(inner.func) if dotted is not None else None
        if dotted is None or qualified is None or qualified not in _VALIDATORS:
            return
        message = (
            f"`{'.'.join(dotted)}(...)(...)` is Pydantic v1 API;"
            f" use `{_VALIDATORS[qualified]}(...)(...)` on a classmethod"
        )
        ctx.report(node, message)

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        for decorator in node.decorators:
            dotted, qualified = _decorator_target(decorator, ctx)
            if qualified in _VALIDATORS:
                message = self.message.format(
                    decorator=".".join(dotted), replacement=_VALIDATORS[qualified]
                )
                ctx.report(decorator, message)


def _decorator_target(decorator: cst.Decorator, ctx: FileContext) -> tuple[Dotted, str]:
    """The decorator's dotted spelling and what it resolves to (``""`` if unknown)."""
    expression = decorator.decorator
    if isinstance(expression, cst.Call):
        expression = expression.func
    dotted = dotted_name(expression)
    if dotted is None:
        return (), ""
    if dotted == ("classmethod",):
        return dotted, "classmethod"
    return dotted, ctx.qualified_name(expression) or ""
