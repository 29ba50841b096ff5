"""LL211 ``inline-role-check``: a route handler checks the caller's role or superuser status itself."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import dotted_name
from layerlint.file_context import FileContext
from layerlint.rules.base import OptionValue
from layerlint.rules.fastapi._support import (
    SEED_AI1,
    SEED_BACKEND,
    FastApiModuleRule,
    is_route_decorator,
)

_ROLE_FLAGS = frozenset({"is_superuser", "is_admin", "is_staff", "is_super_admin", "is_owner"})


_ROLE_ATTRIBUTES = frozenset({"role", "roles", "user_role", "user_roles"})


_ROLE_METHODS = frozenset({"has_role", "has_roles", "has_any_role"})


_INJECTORS = frozenset({"Depends", "Security"})


class InlineRoleCheck(FastApiModuleRule):
    """A route handler checks the caller's role or superuser status itself.

    **What it does:** flags, directly inside route handlers (functions decorated with
    ``@<router>.get/post/...("/path")`` in a module that imports FastAPI), an ``if``
    that raises when a role test on the *caller* fails: ``if user.role != "admin":
    raise``, ``if not current_user.is_superuser: raise``, ``if "admin" not in
    user.roles``, ``if not user.has_role("editor")``. The caller is a parameter injected
    with ``Depends``/``Security`` (or an ``Annotated`` ``CurrentUser``-style alias).
    Left alone: business rules about the caller's own role, which raise *because* the
    caller holds it (``if current_user.is_superuser: raise HTTPException(403,
    "superusers cannot delete themselves")``); tests mixing a role with anything else
    (``item.owner_id != user.id``) and checks nested in another condition or loop, which
    are resource-level rules, as is a check after an ``if`` that already returned for some
    callers (``if user == current_user: return user`` then ``if not
    current_user.is_superuser: raise``: self or admin);
    role checks on other objects (the user being deleted, a database replica); and
    dependency functions such as ``require_admin``, which is where such checks belong.

    **Why is this bad?** Authorisation copied into every handler is forgotten in one of
    them; a dependency is written, reviewed and tested once, and shows in the route's
    signature (and in OpenAPI).

    **Example:** ``if not current_user.is_superuser: raise HTTPException(403)`` at the
    start of a route.

    **Use instead:** ``current_user: User = Depends(require_admin)`` (or
    ``dependencies=[Depends(require_admin)]``).
    """

    code = "LL211"
    name = "inline-role-check"
    message = "route checks the caller's role itself; use a `require_admin`-style dependency"
    seed = f"{SEED_BACKEND}: get_current_user -> require_auth -> require_admin; {SEED_AI1} (require_admin)"
    example_path = "app/routes/users.py"
    valid = (
        "from fastapi import APIRouter, Depends, HTTPException\n"
        "from app.dependencies.auth import get_current_user\n"
        "router = APIRouter()\n"
        "async def require_admin(user=Depends(get_current_user)):\n"
        "    if user.role != 'admin':\n"
        "        raise HTTPException(status_code=403, detail='Admin required')\n"
        "    return user\n"
        "@router.delete('/{item_id}')\n"
        "async def delete(item_id: int, item, current_user=Depends(get_current_user)) -> None:\n"
        "    if not current_user.is_superuser and item.owner_id != current_user.id:\n"
        "        raise HTTPException(status_code=403)\n"
        "    if current_user.role == 'admin':\n"
        "        item = None\n"
        "    if item is None:\n"
        "        if current_user.role != 'admin':\n"
        "            raise HTTPException(status_code=403)\n"
        "    def check() -> None:\n"
        "        if not current_user.is_superuser:\n"
        "            raise HTTPException(status_code=403)\n",
        "from fastapi import APIRouter, Depends, HTTPException\n"
        "from app.services import users\n"
        "router = APIRouter()\n"
        "@router.delete('/users/{user_id}')\n"
        "async def delete_user(user_id: str, replica=Depends(users.primary)) -> None:\n"
        "    user = await users.get(user_id)\n"
        "    if user.role == 'admin':\n"
        "        raise HTTPException(403, 'cannot delete an admin')\n"
        "    if replica.role != 'primary':\n"
        "        raise HTTPException(409)\n"
        "def helper(user=Depends(users.current)) -> None:\n"
        "    if not user.is_superuser:\n"
        "        raise HTTPException(403)\n",
        "from fastapi import APIRouter, Depends, HTTPException\n"
        "from app.dependencies.auth import get_current_user\n"
        "router = APIRouter()\n"
        "@router.delete('/users/me')\n"
        "def delete_me(current_user=Depends(get_current_user)) -> None:\n"
        "    if current_user.is_superuser:\n"
        "        raise HTTPException(403, 'superusers cannot delete themselves')\n"
        "    if current_user.role == 'owner' or 'billing' in current_user.roles:\n"
        "        raise HTTPException(409, 'hand the organisation over first')\n",
    )
    invalid = (
        "from fastapi import APIRouter, Depends, HTTPException, status\n"
        "from app.dependencies.auth import get_current_user\n"
        "router = APIRouter()\n"
        "@router.get('/admin/stats')\n"
        "async def stats(user=Depends(get_current_user)) -> dict:\n"
        "    if user.role != 'admin':  # error\n"
        "        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN)\n"
        "    return {}\n"
        "@router.post('/users')\n"
        "async def create(current_user=Depends(get_current_user)) -> None:\n"
        "    try:\n"
        "        if not current_user.is_superuser:  # error\n"
        "            raise HTTPException(status_code=403, detail='Not enough privileges')\n"
        "    finally:\n"
        "        pass\n",
        "from typing import Annotated\n"
        "from fastapi import Depends, HTTPException\n"
        "from app.dependencies.auth import CurrentUser, get_me\n"
        "from app.routes import router\n"
        "@router.put('/settings')\n"
        "def update(me: Annotated[object, Depends(get_me)], current_user: CurrentUser) -> None:\n"
        "    if me is None:\n"
        "        raise HTTPException(401)\n"
        "    elif 'admin' not in me.user.roles or not me.has_role('owner'):  # error\n"
        "        raise HTTPException(403)\n"
        "    if current_user.role.value not in ('admin', 'owner'):  # error\n"
        "        raise HTTPException(403)\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._start()

    def _start(self) -> None:
        self._routes: dict[int, tuple[frozenset[str], int]] = {}
        self._conditional: set[int] = set()
        self._depth = 0
        self._elif_guarded: dict[int, bool] = {}
        self._found: list[cst.If] = []
        self._fastapi = False
        self._after_early_exit: set[int] = set()

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Per-file state starts empty."""
        self._start()

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        """Remember route handlers (``@<name>.<verb>("/path")``) and their injected params."""
        if node.decorators and any(is_route_decorator(d.decorator) for d in node.decorators):
            self._routes[id(node)] = (_injected_params(node.params), self._depth)
            self._after_early_exit.update(_ifs_after_an_early_return(node.body))

    # Bodies of compound statements make what they contain conditional.
    def visit_For(self, node: cst.For, ctx: FileContext) -> None:
        """Loop bodies are conditional."""
        self._conditional.add(id(node.body))

    def visit_While(self, node: cst.While, ctx: FileContext) -> None:
        """Loop bodies are conditional."""
        self._conditional.add(id(node.body))

    def visit_Else(self, node: cst.Else, ctx: FileContext) -> None:
        """``else:`` bodies are conditional."""
        self._conditional.add(id(node.body))

    def visit_ExceptHandler(self, node: cst.ExceptHandler, ctx: FileContext) -> None:
        """``except`` bodies are conditional."""
        self._conditional.add(id(node.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock, ctx: FileContext) -> None:
        """Entering a conditional body."""
        if id(node) in self._conditional:
            self._depth += 1

    def leave_IndentedBlock(self, node: cst.IndentedBlock, ctx: FileContext) -> None:
        """Leaving a conditional body."""
        if id(node) in self._conditional:
            self._depth -= 1

    def visit_If(self, node: cst.If, ctx: FileContext) -> None:
        """A guard (body raises) whose test is only about the caller's role, in a route."""
        self._conditional.add(id(node.body))
        if isinstance(node.orelse, cst.If):
            self._elif_guarded[id(node.orelse)] = _exits(node.body)
        if not self._routes:
            return
        fn: cst.FunctionDef | None = getattr(ctx, "enclosing_function", None)
        route = self._routes.get(id(fn)) if fn is not None else None
        if route is None:
            return
        injected, base_depth = route
        if self._depth > base_depth or not self._elif_guarded.get(id(node), True):
            return
        if id(node) in self._after_early_exit:
            return  # ``if user == current_user: return user`` first: self-or-admin, a resource rule
        if (
            injected
            and _raises(node.body)
            and _is_role_test(node.test, injected)
            and _true_without_role(node.test)
        ):
            self._found.append(node)

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Report when the module turned out to be FastAPI code."""
        if self._fastapi:
            for found in self._found:
                ctx.report(found.test)


def _ifs_after_an_early_return(body: cst.BaseSuite) -> set[int]:
    """Top-level ``if`` statements that follow an ``if`` returning early: the check
    after it applies only to callers the earlier branch did not serve."""
    found: set[int] = set()
    returned = False
    statements = body.body if isinstance(body, cst.IndentedBlock) else ()
    for statement in statements:
        if isinstance(statement, cst.If):
            if returned:
                found.add(id(statement))
            elif any(isinstance(stmt, cst.Return) for stmt in _statements(statement.body)):
                returned = True
    return found


def _injected_params(params: cst.Parameters) -> frozenset[str]:
    """Parameters FastAPI fills from a dependency: the request's caller lives there."""
    names: set[str] = set()
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        default = param.default
        if isinstance(default, cst.Call) and _callee_name(default) in _INJECTORS:
            names.add(param.name.value)
            continue
        annotation = param.annotation.annotation if param.annotation is not None else None
        if isinstance(annotation, cst.Subscript):
            base = dotted_name(annotation.value)
            if (
                base
                and base[-1] == "Annotated"
                and any(
                    isinstance(el.slice, cst.Index)
                    and isinstance(el.slice.value, cst.Call)
                    and _callee_name(el.slice.value) in _INJECTORS
                    for el in annotation.slice[1:]
                )
            ):
                names.add(param.name.value)
        elif annotation is not None and default is None:
            dotted = dotted_name(annotation)
            if dotted and any(word in dotted[-1] for word in ("Current", "Auth", "Admin")):
                names.add(param.name.value)  # ``current_user: CurrentUser`` aliases
    return frozenset(names)


def _callee_name(call: cst.Call) -> str | None:
    dotted = dotted_name(call.func)
    return dotted[-1] if dotted else None


def _statements(body: cst.BaseSuite) -> list[cst.BaseSmallStatement]:
    statements: list[cst.BaseSmallStatement] = []
    if isinstance(body, cst.IndentedBlock):
        for stmt in body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                statements.extend(stmt.body)
    elif isinstance(body, cst.SimpleStatementSuite):
        statements.extend(body.body)
    return statements


def _raises(body: cst.BaseSuite) -> bool:
    return any(isinstance(stmt, cst.Raise) for stmt in _statements(body))


def _exits(body: cst.BaseSuite) -> bool:
    return any(isinstance(stmt, cst.Raise | cst.Return) for stmt in _statements(body))


def _is_role_test(test: cst.BaseExpression, caller: frozenset[str]) -> bool:
    """Every operand of the test is a role/superuser predicate on the caller."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _is_role_test(test.expression, caller)
    if isinstance(test, cst.BooleanOperation):
        return _is_role_test(test.left, caller) and _is_role_test(test.right, caller)
    if isinstance(test, cst.Attribute):
        return _role_attribute(test, caller)
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute):
        method = test.func.attr.value
        receiver = dotted_name(test.func.value)
        return (
            (method in _ROLE_METHODS or method in _ROLE_FLAGS)
            and receiver is not None
            and receiver[0] in caller
            and _user_like_name(receiver[-1])
        )
    if isinstance(test, cst.Comparison):
        operands = [test.left, *(target.comparator for target in test.comparisons)]
        return any(_role_attribute(operand, caller) for operand in operands) and all(
            _role_attribute(operand, caller) or _role_constant(operand) for operand in operands
        )
    return False


# Comparisons that hold when the caller does NOT have the role (``role != "admin"``,
# ``"admin" not in roles``); ``==``/``in``/``is`` hold when the caller has it.
_LACKING = (cst.NotEqual, cst.NotIn, cst.IsNot)
_HOLDING = (cst.Equal, cst.In, cst.Is)


def _true_without_role(test: cst.BaseExpression) -> bool:
    """The test (already a role test) is true for callers lacking the role: a gate.

    ``if not user.is_superuser: raise`` keeps others out; ``if user.is_superuser:
    raise HTTPException(403, "superusers cannot delete themselves")`` is a business
    rule about the caller's own role, which no ``require_admin`` dependency replaces.
    Comparisons other than (in)equality and membership are read as gates.
    """
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _true_with_role(test.expression)
    if isinstance(test, cst.BooleanOperation):
        return _true_without_role(test.left) and _true_without_role(test.right)
    if isinstance(test, cst.Comparison):
        operators = [target.operator for target in test.comparisons]
        return not any(isinstance(op, _HOLDING) for op in operators)
    return False  # a bare flag or ``has_role()`` call is true *with* the role


def _true_with_role(test: cst.BaseExpression) -> bool:
    """The mirror of :func:`_true_without_role`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _true_without_role(test.expression)
    if isinstance(test, cst.BooleanOperation):
        return _true_with_role(test.left) and _true_with_role(test.right)
    if isinstance(test, cst.Comparison):
        operators = [target.operator for target in test.comparisons]
        return all(isinstance(op, _HOLDING) for op in operators)
    return True


def _role_attribute(node: cst.BaseExpression, caller: frozenset[str]) -> bool:
    """``user.role``, ``user.role.value``, ``current_user.roles``, ``user.is_superuser``."""
    dotted = dotted_name(node)
    if dotted is None or len(dotted) < 2 or dotted[0] not in caller:
        return False
    if dotted[-1] in _ROLE_FLAGS:
        return True
    if dotted[-1] in ("value", "name") and len(dotted) >= 3:
        dotted = dotted[:-1]
    return dotted[-1] in _ROLE_ATTRIBUTES and _user_like_name(dotted[-2])


def _role_constant(node: cst.BaseExpression) -> bool:
    """A role value: a string, an enum member (``Role.ADMIN``), a collection of those, a bool."""
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None") or node.value.isupper()
    if isinstance(node, cst.Attribute):
        return dotted_name(node) is not None
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        return all(isinstance(el, cst.Element) and _role_constant(el.value) for el in node.elements)
    return False


def _user_like_name(name: str) -> bool:
    lowered = name.lower()
    return any(
        word in lowered
        for word in ("user", "account", "member", "principal", "actor", "identity", "caller")
    ) or lowered in ("me", "current", "requester", "auth")
