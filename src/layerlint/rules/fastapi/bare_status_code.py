"""LL201 ``bare-status-code``: an integer literal used as an HTTP status code."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import libcst as cst

from layerlint.expressions import (
    dotted_name,
    import_bindings,
    is_type_checking,
    keyword_arg,
    literal_int,
    target_names,
)
from layerlint.file_context import FileContext
from layerlint.project import ROUTE_METHODS
from layerlint.rules.base import Example, FileRule, Fix, Fixability, OptionValue
from layerlint.rules.fastapi._support import SEED_AI1
from layerlint.syntax_tree import children

if TYPE_CHECKING:
    pass


# starlette.status / fastapi.status constant for each HTTP status code, as current Starlette
# names them (RFC 9110 reason phrases). Written out (not imported) because layerlint must
# not depend on the framework it checks; tests compare it with the installed Starlette.
HTTP_STATUS_NAMES: dict[int, str] = {
    100: "HTTP_100_CONTINUE",
    101: "HTTP_101_SWITCHING_PROTOCOLS",
    102: "HTTP_102_PROCESSING",
    103: "HTTP_103_EARLY_HINTS",
    200: "HTTP_200_OK",
    201: "HTTP_201_CREATED",
    202: "HTTP_202_ACCEPTED",
    203: "HTTP_203_NON_AUTHORITATIVE_INFORMATION",
    204: "HTTP_204_NO_CONTENT",
    205: "HTTP_205_RESET_CONTENT",
    206: "HTTP_206_PARTIAL_CONTENT",
    207: "HTTP_207_MULTI_STATUS",
    208: "HTTP_208_ALREADY_REPORTED",
    226: "HTTP_226_IM_USED",
    300: "HTTP_300_MULTIPLE_CHOICES",
    301: "HTTP_301_MOVED_PERMANENTLY",
    302: "HTTP_302_FOUND",
    303: "HTTP_303_SEE_OTHER",
    304: "HTTP_304_NOT_MODIFIED",
    305: "HTTP_305_USE_PROXY",
    307: "HTTP_307_TEMPORARY_REDIRECT",
    308: "HTTP_308_PERMANENT_REDIRECT",
    400: "HTTP_400_BAD_REQUEST",
    401: "HTTP_401_UNAUTHORIZED",
    402: "HTTP_402_PAYMENT_REQUIRED",
    403: "HTTP_403_FORBIDDEN",
    404: "HTTP_404_NOT_FOUND",
    405: "HTTP_405_METHOD_NOT_ALLOWED",
    406: "HTTP_406_NOT_ACCEPTABLE",
    407: "HTTP_407_PROXY_AUTHENTICATION_REQUIRED",
    408: "HTTP_408_REQUEST_TIMEOUT",
    409: "HTTP_409_CONFLICT",
    410: "HTTP_410_GONE",
    411: "HTTP_411_LENGTH_REQUIRED",
    412: "HTTP_412_PRECONDITION_FAILED",
    413: "HTTP_413_CONTENT_TOO_LARGE",
    414: "HTTP_414_URI_TOO_LONG",
    415: "HTTP_415_UNSUPPORTED_MEDIA_TYPE",
    416: "HTTP_416_RANGE_NOT_SATISFIABLE",
    417: "HTTP_417_EXPECTATION_FAILED",
    418: "HTTP_418_IM_A_TEAPOT",
    421: "HTTP_421_MISDIRECTED_REQUEST",
    422: "HTTP_422_UNPROCESSABLE_CONTENT",
    423: "HTTP_423_LOCKED",
    424: "HTTP_424_FAILED_DEPENDENCY",
    425: "HTTP_425_TOO_EARLY",
    426: "HTTP_426_UPGRADE_REQUIRED",
    428: "HTTP_428_PRECONDITION_REQUIRED",
    429: "HTTP_429_TOO_MANY_REQUESTS",
    431: "HTTP_431_REQUEST_HEADER_FIELDS_TOO_LARGE",
    451: "HTTP_451_UNAVAILABLE_FOR_LEGAL_REASONS",
    500: "HTTP_500_INTERNAL_SERVER_ERROR",
    501: "HTTP_501_NOT_IMPLEMENTED",
    502: "HTTP_502_BAD_GATEWAY",
    503: "HTTP_503_SERVICE_UNAVAILABLE",
    504: "HTTP_504_GATEWAY_TIMEOUT",
    505: "HTTP_505_HTTP_VERSION_NOT_SUPPORTED",
    506: "HTTP_506_VARIANT_ALSO_NEGOTIATES",
    507: "HTTP_507_INSUFFICIENT_STORAGE",
    508: "HTTP_508_LOOP_DETECTED",
    510: "HTTP_510_NOT_EXTENDED",
    511: "HTTP_511_NETWORK_AUTHENTICATION_REQUIRED",
}


# RFC 9110 renamed four reason phrases. Current Starlette (0.48 and later) spells these
# codes as above and warns (``DeprecationWarning``) on the old names; older versions know
# only the old names. The fix writes the current name, and is unsafe for these four codes
# because on an older Starlette the new name does not exist yet.
RENAMED_STATUS_NAMES: dict[int, str] = {
    413: "HTTP_413_REQUEST_ENTITY_TOO_LARGE",
    414: "HTTP_414_REQUEST_URI_TOO_LONG",
    416: "HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE",
    422: "HTTP_422_UNPROCESSABLE_ENTITY",
}
"""The deprecated names of the renamed codes (never suggested)."""

# Layers that must not import ``fastapi``/``starlette`` (LL106): no fix adds that import.
_NO_HTTP_IMPORT_LAYERS = frozenset({"services", "repositories", "models"})


Scope = cst.FunctionDef | cst.ClassDef | cst.Lambda


ImportItem = tuple[str, str | None]


# What binds a name in one scope: the dotted target of each import binding it, "" for
# any other binding (assignment, parameter, def, ``global``, a typing-only import...).
Bindings = dict[str, set[str]]


_STAR = "*"


_STATUS_MODULES = frozenset({"fastapi.status", "starlette.status"})


class ModuleScopes:
    """What a name means at a given point of one module, computed on demand.

    Good enough to decide whether ``status`` (or ``fastapi``) may be written at a place:
    it follows Python's rules (a class body is not visible from its methods), and is
    conservative where they are murky (comprehension variables count as bindings of the
    enclosing scope; a star import may bind anything).
    """

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self._cache: dict[int, Bindings] = {}

    def bindings(self, scope: cst.Module | Scope) -> Bindings:
        """Names bound directly in ``scope`` (not in the functions or classes inside it)."""
        found = self._cache.get(id(scope))
        if found is None:
            found = self._cache[id(scope)] = _scope_bindings(scope)
        return found

    def resolve(self, name: str, chain: Sequence[Scope]) -> frozenset[str] | None:
        """The bindings ``name`` finds from the innermost scope of ``chain``; None if unbound."""
        inside_function = False
        for scope in reversed(chain):
            if isinstance(scope, cst.ClassDef) and inside_function:
                continue  # a class body is not an enclosing scope of its methods
            targets = self.bindings(scope).get(name)
            if targets is not None:
                return frozenset(targets)
            inside_function = inside_function or not isinstance(scope, cst.ClassDef)
        module = self.bindings(self._module)
        targets = module.get(name)
        if targets is not None:
            return frozenset(targets)
        return frozenset({""}) if _STAR in module else None

    def module_aliases(self, targets: frozenset[str]) -> list[str]:
        """Module-level names bound only by imports of one of ``targets`` (sorted)."""
        return sorted(
            name
            for name, bound in self.bindings(self._module).items()
            if name != _STAR and bound <= targets
        )


def _scope_bindings(scope: cst.Module | Scope) -> Bindings:
    found: Bindings = {}
    stack: list[tuple[cst.CSTNode, bool]]
    if isinstance(scope, cst.FunctionDef | cst.Lambda):
        for param in _parameters(scope.params):
            found.setdefault(param.name.value, set()).add("")
        stack = [(scope.body, False)]
    elif isinstance(scope, cst.ClassDef):
        stack = [(scope.body, False)]
    else:
        stack = [(scope, False)]
    while stack:
        node, typing_only = stack.pop()
        if isinstance(node, cst.FunctionDef | cst.ClassDef):
            found.setdefault(node.name.value, set()).add("")
            continue  # their bodies are scopes of their own
        if isinstance(node, cst.Lambda):
            continue
        if isinstance(node, cst.Import | cst.ImportFrom):
            for name, imported in _import_bindings(node):
                # A typing-only import binds nothing at run time: never reuse it.
                found.setdefault(name, set()).add("" if typing_only else imported)
            continue
        for target in _binding_targets(node):
            for name in target_names(target):
                found.setdefault(name, set()).add("")
        if isinstance(node, cst.If) and is_type_checking(node.test):
            stack.append((node.body, True))
            if node.orelse is not None:
                stack.append((node.orelse, typing_only))
            continue
        stack.extend((child, typing_only) for child in children(node))
    return found


def _parameters(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    yield from params.kwonly_params
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            yield star


def _import_bindings(node: cst.Import | cst.ImportFrom) -> list[tuple[str, str]]:
    """``(bound name, dotted target)`` per name; the target is "" when it is not absolute."""
    if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
        return [(_STAR, "")]
    return [(bound, target or "") for bound, target in import_bindings(node)]


def _binding_targets(node: cst.CSTNode) -> list[cst.BaseExpression]:
    """The expressions ``node`` assigns to (Python's "store" contexts)."""
    if isinstance(node, cst.Assign):
        return [target.target for target in node.targets]
    if isinstance(node, cst.AnnAssign | cst.AugAssign | cst.For | cst.CompFor | cst.NamedExpr):
        return [node.target]
    if isinstance(node, cst.WithItem):
        return [node.asname.name] if node.asname is not None else []
    if isinstance(node, cst.ExceptHandler | cst.ExceptStarHandler):
        return [node.name.name] if node.name is not None else []
    if isinstance(node, cst.Global | cst.Nonlocal):
        return [item.name for item in node.names]
    if isinstance(node, cst.MatchAs | cst.MatchStar):
        return [node.name] if node.name is not None else []
    if isinstance(node, cst.MatchMapping):
        return [node.rest] if node.rest is not None else []
    if isinstance(node, cst.TypeAlias):
        return [node.name]
    return []


def status_constant_fix(
    integer: cst.Integer,
    constant: str,
    chain: Sequence[Scope],
    scopes: ModuleScopes,
    package: str,
    safe: bool = True,
) -> Fix | None:
    """``404`` -> ``status.HTTP_404_NOT_FOUND``, importing ``status`` only when needed.

    ``chain`` are the scopes around the literal, ``package`` the framework the module
    uses (``fastapi`` unless it imports only Starlette, which may be all it has). The
    literal's parentheses, and so any comment inside them, are kept.
    """
    reference = _status_reference(chain, scopes, package)
    if reference is None:
        return None
    prefix, imports = reference
    replacement = cst.Attribute(
        value=prefix, attr=cst.Name(constant), lpar=integer.lpar, rpar=integer.rpar
    )
    return Fix(((integer, replacement),), add_imports=imports, safe=safe)


def _status_reference(
    chain: Sequence[Scope], scopes: ModuleScopes, package: str
) -> tuple[cst.BaseExpression, tuple[ImportItem, ...]] | None:
    """How to name the status module here, and what to import for that.

    In order: ``status`` already imported; another name the module imports it as;
    ``status`` unbound (import it); ``fastapi.status`` through ``import fastapi`` when
    ``status`` means something else here. None when every spelling is taken.
    """
    status = scopes.resolve("status", chain)
    if status is not None and status <= _STATUS_MODULES:
        return cst.Name("status"), ()
    for alias in scopes.module_aliases(_STATUS_MODULES):
        found = scopes.resolve(alias, chain)
        if found is not None and found <= _STATUS_MODULES:
            return cst.Name(alias), ()
    if status is None:
        return cst.Name("status"), ((package, "status"),)
    if package != "fastapi":
        return None  # ``import starlette`` does not load ``starlette.status``
    packages = frozenset({"fastapi"})
    for alias in ("fastapi", *scopes.module_aliases(packages)):
        found = scopes.resolve(alias, chain)
        if found == packages:
            return cst.Attribute(cst.Name(alias), cst.Name("status")), ()
    if scopes.resolve("fastapi", chain) is None:
        return cst.Attribute(cst.Name("fastapi"), cst.Name("status")), (("fastapi", None),)
    return None


# Layers where an ``HTTPException`` is itself the finding (LL104/LL105): naming its
# status better is beside the point.
_HTTP_EXCEPTION_LAYERS = frozenset({"services", "repositories"})

# Positional index of the status code in each class that takes one.
_STATUS_ARGUMENT = {
    "HTTPException": 0,
    "Response": 1,
    "JSONResponse": 1,
    "HTMLResponse": 1,
    "PlainTextResponse": 1,
    "RedirectResponse": 1,
    "StreamingResponse": 1,
    "FileResponse": 1,
    "ORJSONResponse": 1,
    "UJSONResponse": 1,
}


class BareStatusCode(FileRule):
    """An integer literal used as an HTTP status code.

    **What it does:** flags integer literals passed as the status code of a route
    decorator (``@router.post(..., status_code=201)``), of ``HTTPException(...)`` and of
    FastAPI/Starlette responses (``JSONResponse``, ``Response``, ``RedirectResponse``...),
    positionally or as ``status_code=``. Names are resolved through the imports, so a
    ``Response`` from httpx or your own code is not checked; codes without a
    ``status.HTTP_*`` constant are left alone.

    **Why is this bad?** ``404`` says nothing to a reader who has not memorised the
    table, a typo (``430``) goes unnoticed, and searching for every "conflict" response
    is impossible. The named constants document intent and are checked by the type
    checker.

    **Example:** ``raise HTTPException(status_code=404, detail="User not found")``

    **Use instead:** ``raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, ...)``
    with ``from fastapi import status``.

    **Fix:** writes the constant, reusing the module's ``status`` import (or another name
    it imports ``status`` as) and adding ``from fastapi import status`` otherwise
    (``from starlette import status`` in a module that imports only Starlette). Where
    ``status`` already means something else (a parameter, a local variable, another
    import) it writes ``fastapi.status.HTTP_...`` with ``import fastapi``, and offers no
    fix if ``fastapi`` is taken too. It suggests the current Starlette names
    (``HTTP_422_UNPROCESSABLE_CONTENT``, ``HTTP_413_CONTENT_TOO_LARGE``,
    ``HTTP_414_URI_TOO_LONG``, ``HTTP_416_RANGE_NOT_SATISFIABLE``), never the deprecated
    ones; for these four codes the fix is unsafe, because Starlette before 0.48 does not
    have the new names (upgrade Starlette, then apply it with ``--unsafe-fixes``). In a
    services, repositories or models module the fix never adds a ``fastapi``/``starlette``
    import (that would be LL106): it is offered there only when ``status`` is already
    imported.

    In the services and repositories layers an ``HTTPException`` is itself the finding
    (LL104/LL105), so its status code is not reported again.
    """

    code = "LL201"
    name = "bare-status-code"
    message = "bare status code; use a `status.HTTP_*` constant"
    seed = f"{SEED_AI1}: use status.HTTP_* constants, not bare integers"
    fixable = Fixability.PARTIAL
    unsafe_fixes = True
    example_path = "app/routes/users.py"
    valid = (
        "from fastapi import APIRouter, HTTPException, status\n"
        "router = APIRouter()\n"
        "@router.post('/', status_code=status.HTTP_201_CREATED)\n"
        "async def create() -> dict:\n"
        "    raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail='taken')\n",
        "import httpx\n"
        "from app.http import Response\n"
        "def fake() -> httpx.Response:\n"
        "    Response(None, 200)\n"
        "    return httpx.Response(404)\n"
        "def mocked(m) -> None:\n"
        "    m.post('https://example.com', status_code=201)\n",
        "from fastapi import HTTPException\n"
        "from fastapi.responses import JSONResponse\n"
        "def custom(code: int) -> JSONResponse:\n"
        "    if code == 499:\n"
        "        raise HTTPException(499)\n"
        "    return JSONResponse({}, status_code=code)\n",
    )
    invalid = (
        "from fastapi import APIRouter, HTTPException\n"
        "router = APIRouter()\n"
        "@router.post('/', status_code=201)  # error\n"
        "async def create(user_id: int) -> dict:\n"
        "    if user_id < 0:\n"
        "        raise HTTPException(404, 'missing')  # error\n"
        "    raise HTTPException(\n"
        "        status_code=403,  # error\n"
        "        detail='no',\n"
        "    )\n",
        "from fastapi import Request\n"
        "from fastapi.responses import JSONResponse, RedirectResponse\n"
        "from starlette.responses import Response\n"
        "import fastapi\n"
        "async def handler(request: Request, exc: Exception) -> JSONResponse:\n"
        "    return JSONResponse({'detail': str(exc)}, 409)  # error\n"
        "def moved() -> RedirectResponse:\n"
        "    return RedirectResponse('/new', status_code=302)  # error\n"
        "def empty() -> Response:\n"
        "    return Response(status_code=204)  # error\n"
        "def boom() -> None:\n"
        "    raise fastapi.HTTPException(status_code=500)  # error\n",
        Example(
            {
                "app/routes/users.py": (
                    "from fastapi import APIRouter, HTTPException  # web layer\n"
                    "router = APIRouter()\n"
                    "@router.post('/', status_code=201)  # error\n"
                    "async def create(user_id: int) -> dict:\n"
                    "    raise HTTPException(\n"
                    "        status_code=403,  # error\n"
                    "        detail='no',\n"
                    "    )\n"
                )
            },
            fixed={
                "app/routes/users.py": (
                    "from fastapi import APIRouter, HTTPException, status  # web layer\n"
                    "router = APIRouter()\n"
                    "@router.post('/', status_code=status.HTTP_201_CREATED)  # error\n"
                    "async def create(user_id: int) -> dict:\n"
                    "    raise HTTPException(\n"
                    "        status_code=status.HTTP_403_FORBIDDEN,  # error\n"
                    "        detail='no',\n"
                    "    )\n"
                )
            },
        ),
        Example(
            {
                "app/routes/items.py": (
                    "from fastapi import APIRouter, HTTPException  # web layer\n"
                    "from fastapi.responses import JSONResponse\n"
                    "router = APIRouter()\n"
                    "@router.post(\n"
                    "    '/',\n"
                    "    status_code=201,  # error\n"
                    ")\n"
                    "async def create(item_id: int) -> JSONResponse:\n"
                    "    if item_id < 0:\n"
                    "        raise HTTPException(\n"
                    "            (  # error\n"
                    "                404  # not ours\n"
                    "            ),\n"
                    "            'missing',\n"
                    "        )\n"
                    "    return JSONResponse(\n"
                    "        {'id': item_id},\n"
                    "        status_code=  # a duplicate  # error\n"
                    "        409,\n"
                    "    )\n"
                )
            },
            fixed={
                "app/routes/items.py": (
                    "from fastapi import APIRouter, HTTPException, status  # web layer\n"
                    "from fastapi.responses import JSONResponse\n"
                    "router = APIRouter()\n"
                    "@router.post(\n"
                    "    '/',\n"
                    "    status_code=status.HTTP_201_CREATED,  # error\n"
                    ")\n"
                    "async def create(item_id: int) -> JSONResponse:\n"
                    "    if item_id < 0:\n"
                    "        raise HTTPException(\n"
                    "            (  # error\n"
                    "                status.HTTP_404_NOT_FOUND  # not ours\n"
                    "            ),\n"
                    "            'missing',\n"
                    "        )\n"
                    "    return JSONResponse(\n"
                    "        {'id': item_id},\n"
                    "        status_code=  # a duplicate  # error\n"
                    "        status.HTTP_409_CONFLICT,\n"
                    "    )\n"
                )
            },
        ),
        Example(
            {
                "app/routes/tickets.py": (
                    "from fastapi import HTTPException\n"
                    "def set_status(status: str) -> None:\n"
                    "    if status not in ('open', 'closed'):\n"
                    "        raise HTTPException(400, f'unknown status {status}')  # error\n"
                )
            },
            fixed={
                "app/routes/tickets.py": (
                    "import fastapi\n"
                    "from fastapi import HTTPException\n"
                    "def set_status(status: str) -> None:\n"
                    "    if status not in ('open', 'closed'):\n"
                    "        raise HTTPException(fastapi.status.HTTP_400_BAD_REQUEST, f'unknown status {status}')  # error\n"
                )
            },
        ),
        Example(
            {
                "app/routes/forms.py": (
                    "from fastapi import HTTPException, status\n"
                    "def validate(ok: bool) -> None:\n"
                    "    if not ok:\n"
                    "        raise HTTPException(422)  # error\n"
                )
            },
            fixed={
                "app/routes/forms.py": (
                    "from fastapi import HTTPException, status\n"
                    "def validate(ok: bool) -> None:\n"
                    "    if not ok:\n"
                    "        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT)  # error\n"
                )
            },
            unsafe=True,
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._start()

    def _start(self) -> None:
        # Scopes entered so far (their bodies, or only their headers: see _chain).
        self._scopes: list[Scope] = []
        # Findings wait for the end of the module: whether ``status`` is free to use
        # depends on bindings that may come after them.
        self._pending: list[tuple[cst.Arg, cst.Integer, int, tuple[Scope, ...]]] = []
        self._packages: set[str] = set()

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Per-file state starts empty."""
        self._start()

    def visit_Import(self, node: cst.Import, ctx: FileContext) -> None:
        """Which framework the module uses decides where ``status`` is imported from."""
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted is not None:
                self._packages.add(dotted[0])

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileContext) -> None:
        """Which framework the module uses decides where ``status`` is imported from."""
        if node.module is not None and not node.relative:
            dotted = dotted_name(node.module)
            if dotted is not None:
                self._packages.add(dotted[0])

    def visit_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        """Route decorators: ``@<router>.<verb>(..., status_code=201)``."""
        for decorator in node.decorators:
            call = decorator.decorator
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value in ROUTE_METHODS
            ):
                self._check(keyword_arg(call, "status_code"), ctx)
        self._scopes.append(node)

    def leave_FunctionDef(self, node: cst.FunctionDef, ctx: FileContext) -> None:
        """The function's scope ends."""
        self._scopes.pop()

    def visit_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        """A class body is a scope: ``status = ...`` there hides the module's ``status``."""
        self._scopes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef, ctx: FileContext) -> None:
        """The class's scope ends."""
        self._scopes.pop()

    def visit_Lambda(self, node: cst.Lambda, ctx: FileContext) -> None:
        """``lambda status: ...`` binds ``status`` too."""
        self._scopes.append(node)

    def leave_Lambda(self, node: cst.Lambda, ctx: FileContext) -> None:
        """The lambda's scope ends."""
        self._scopes.pop()

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        """``HTTPException``/responses (resolved to FastAPI or Starlette) and add_api_route."""
        func = node.func
        if isinstance(func, cst.Name):
            name = func.value
        elif isinstance(func, cst.Attribute):
            name = func.attr.value
        else:
            return
        if name == "add_api_route":
            self._check(keyword_arg(node, "status_code"), ctx)
            return
        index = _STATUS_ARGUMENT.get(name)
        if index is None:
            return
        arg = keyword_arg(node, "status_code") or _positional_arg(node, index)
        if arg is None or not isinstance(arg.value, cst.Integer):
            return
        qualified = ctx.qualified_name(func)
        if qualified is None or qualified.split(".", 1)[0] not in ("fastapi", "starlette"):
            return
        if name == "HTTPException" and ctx.layer in _HTTP_EXCEPTION_LAYERS:
            return
        self._check(arg, ctx)

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Report, each finding with the spelling of ``status`` that is right where it is."""
        if not self._pending:
            return
        scopes = ModuleScopes(node)
        package = (
            "starlette"
            if "starlette" in self._packages and "fastapi" not in self._packages
            else "fastapi"
        )
        for arg, integer, value, chain in self._pending:
            constant = HTTP_STATUS_NAMES[value]
            safe = value not in RENAMED_STATUS_NAMES
            fix = status_constant_fix(integer, constant, chain, scopes, package, safe)
            if fix is not None and fix.add_imports and ctx.layer in _NO_HTTP_IMPORT_LAYERS:
                fix = None
            ctx.report(arg, f"bare status code `{value}`; use `status.{constant}`", fix=fix)

    def _check(self, arg: cst.Arg | None, ctx: FileContext) -> None:
        if arg is None or not isinstance(arg.value, cst.Integer):
            return
        value = literal_int(arg.value)
        if value is None or value not in HTTP_STATUS_NAMES:
            return
        self._pending.append((arg, arg.value, value, self._chain(ctx)))

    def _chain(self, ctx: FileContext) -> tuple[Scope, ...]:
        """The scopes whose names are visible here, outermost first.

        The stack also holds the function being decorated (and any whose defaults are
        being read): those are cut off at the innermost scope whose body the walk is in.
        A class above that point is kept: either its body is being walked (classes nested
        in functions are not tracked by the context) or keeping it only costs a fix.
        """
        innermost = ctx.enclosing_class or ctx.enclosing_function
        cut = 0
        if innermost is not None:
            for index in range(len(self._scopes) - 1, -1, -1):
                if self._scopes[index] is innermost:
                    cut = index + 1
                    break
        above = (scope for scope in self._scopes[cut:] if not isinstance(scope, cst.FunctionDef))
        return (*self._scopes[:cut], *above)


def _positional_arg(call: cst.Call, index: int) -> cst.Arg | None:
    for position, arg in enumerate(call.args):
        if arg.keyword is not None or arg.star:
            return None
        if position == index:
            return arg
    return None
