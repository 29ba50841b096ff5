"""What several layering rules share."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.diagnostics import Span
from layerlint.project import Project
from layerlint.rules.base import Example, Finding, ProjectRule

QUERY_METHODS = frozenset(
    {"execute", "scalars", "scalar", "query", "exec", "stream", "stream_scalars", "exec_driver_sql"}
)


SEED_APP = {
    "app/__init__.py": "",
    "app/models/__init__.py": "",
    "app/models/user.py": "class User:\n    pass\n",
    "app/repositories/__init__.py": "",
    "app/repositories/user_repo.py": (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "\n"
        "class UserRepository:\n"
        "    def __init__(self, session: AsyncSession) -> None:\n"
        "        self._session = session\n"
        "\n"
        "    async def get_by_id(self, user_id: int) -> None:\n"
        "        return None\n"
    ),
}


def path(key: str) -> str:
    """``app__routes__users`` -> ``app/routes/users.py`` (``____init__`` -> ``/__init__``)."""
    if key.endswith("____init__"):
        return key[: -len("____init__")].replace("__", "/") + "/__init__.py"
    return key.replace("__", "/") + ".py"


def app(**files: str) -> Example:
    """An example project: the seed app plus ``files`` (keys spelled as for ``path``)."""
    project = dict(SEED_APP)
    project.update({path(key): source for key, source in files.items()})
    return Example(project)


class HttpExceptionInLayer(ProjectRule):
    """Shared logic of LL104/LL105: HTTPException raised or built in a lower layer."""

    layer = ""

    def check(self, project: Project) -> Iterator[Finding]:
        yield from self._module_level(project)
        for ref in project.functions_in_layer(self.layer):
            if project.is_exempt_http_function(ref):
                continue
            raise_spans = []
            for raised in ref.function.raises:
                if raised.exception is None:
                    continue
                resolved = project.resolve_local_or_global(ref, raised.exception)
                if project.is_http_exception(resolved):
                    raise_spans.append(raised.span)
                    yield Finding(ref.module.path, raised.span, self.message)
            for call in ref.function.calls:
                resolved = project.resolve_local_or_global(ref, call.callee)
                if not project.is_http_exception(resolved):
                    continue
                if any(contains(span, call.span) for span in raise_spans):
                    continue
                yield Finding(ref.module.path, call.span, self.message)

    def _module_level(self, project: Project) -> Iterator[Finding]:
        """``InvalidCredentials = HTTPException(401)`` at module level, raised later by name."""
        for facts in project.modules.values():
            if project.layer_of(facts.module) != self.layer:
                continue
            for call in facts.calls:
                if call.callee[0] == "?":
                    continue
                resolved = project.resolve_canonical(facts.module, call.callee)
                if project.is_http_exception(resolved):
                    yield Finding(facts.path, call.span, self.message)


def contains(outer: Span, inner: Span) -> bool:
    """Whether ``inner`` lies within ``outer``."""
    return (outer.line, outer.column) <= (inner.line, inner.column) and (
        outer.end_line,
        outer.end_column,
    ) >= (inner.end_line, inner.end_column)
