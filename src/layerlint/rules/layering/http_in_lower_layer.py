"""LL106 ``http-in-lower-layer``: a service, repository or model module imports HTTP machinery or returns a response."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import ImportFact
from layerlint.project import FunctionRef, Project
from layerlint.rules._common import by_statement, names_list
from layerlint.rules.base import Example, Finding, ProjectRule

_HTTP_MODULE_ALLOWED = frozenset(
    {"fastapi.encoders", "fastapi.concurrency", "starlette.concurrency", "starlette.datastructures"}
)


class HttpInLowerLayer(ProjectRule):
    """A service, repository or model module imports HTTP machinery or returns a response.

    **What it does:** flags imports from ``fastapi``/``starlette`` (``Request``,
    ``Response``, ``JSONResponse``, ``status``, ``Depends``, ``BackgroundTasks``,
    ``HTTPException``...) in the services, repositories and models layers, and
    ``return JSONResponse(...)``-style returns there. ``fastapi.encoders`` and
    ``fastapi.concurrency`` helpers are allowed.

    **Why is this bad?** Lower layers must work without a web request: from a worker, a
    CLI or a test. HTTP types in their signatures tie them to FastAPI.

    **Example:** ``from fastapi import Request`` in ``app/services/user_service.py``.

    **Use instead:** pass plain values in, return domain objects, and build responses
    in the route.
    """

    code = "LL106"
    name = "http-in-lower-layer"
    message = "HTTP machinery in the {layer} layer: {what}"
    seed = "ai1-skills: repositories return model instances or None — never HTTP responses"
    example_path = "app/services/user_service.py"
    valid = (
        "from fastapi.encoders import jsonable_encoder\n\ndef dump(x):\n    return jsonable_encoder(x)\n",
        "from app.models.user import User\n\ndef name(user: User) -> str:\n    return 'x'\n",
    )
    invalid = (
        "from fastapi import Request  # error\n\ndef client_ip(request: Request) -> str:\n    return 'x'\n",
        Example(
            {
                "app/repositories/user_repo.py": (
                    "from starlette.responses import JSONResponse  # error\n"
                    "def get() -> JSONResponse:\n"
                    "    return JSONResponse({})  # error\n"
                )
            }
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            layer = project.layer_of(facts.module)
            if layer not in ("services", "repositories", "models"):
                continue
            http_imports = (imp for imp in facts.imports if _is_http_import(imp))
            for statement in by_statement(http_imports):
                what = names_list(statement)
                yield Finding(
                    facts.path, statement[0].span, self.message.format(layer=layer, what=what)
                )
            for fn in facts.functions:
                ref = FunctionRef(facts, fn)
                if project.is_exempt_http_function(ref):
                    continue
                for returned in fn.returns_values:
                    if returned.value.kind != "call":
                        continue
                    resolved = project.resolve_local_or_global(ref, returned.value.dotted)
                    if (
                        resolved
                        and resolved.split(".")[0] in ("fastapi", "starlette")
                        and resolved.endswith("Response")
                    ):
                        what = f"returns `{resolved.rsplit('.', 1)[-1]}`"
                        yield Finding(
                            facts.path, returned.span, self.message.format(layer=layer, what=what)
                        )


def _is_http_import(imp: ImportFact) -> bool:
    module = imp.module
    if module.split(".")[0] not in ("fastapi", "starlette"):
        return False
    return not any(
        module == allowed or module.startswith(allowed + ".") for allowed in _HTTP_MODULE_ALLOWED
    ) and (imp.target not in _HTTP_MODULE_ALLOWED)
