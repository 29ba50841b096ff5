"""The per-file pass: positions, imports, facts; and the project graph's look-ups."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from layerlint.collect import collect
from layerlint.file_context import FileInput
from layerlint.positions import node_spans
from layerlint.project import SESSION, FunctionRef
from layerlint.suppression import parse_suppressions
from layerlint.syntax_tree import iter_nodes
from layerlint.testing import project_from

SAMPLES = [
    "x = f(a, b=[1, 2], *c, **d)\n",
    "class A(B, metaclass=M):\n    @dec(1)\n    def m(self, x: int = g()) -> 'A':\n        return h(x)[0].y(z)\n",
    "async def f():\n    async with a() as b, c():\n        await b.d(lambda q: q.r())\n",
    "s = (f'{a!r:>{w}}' 'x' \"y\")\nt = {k: v() for k, v in items() if k}\n",
    "if TYPE_CHECKING:\n    from . import a as b\nelse:\n    import c.d\n",
    "try:\n    pass\nexcept (A, B) as e:\n    raise C() from e\nfinally:\n    z()\n",
    "x = [\n    call(\n        1,\n    )\n    for i in range(3)\n]\r\ny = 1\r\n",
    "def f(a, /, b, *, c=1, **k):\n\tif a:\n\t\treturn b\n",
    "match x:\n    case {'k': [1, *rest]}:\n        pass\n    case Point(x=0) | None:\n        g()\n",
    "café = ñ('é')  # unicode\n",
]


@pytest.mark.parametrize("source", SAMPLES)
def test_targeted_positions_match_libcst(source: str) -> None:
    module = cst.parse_module(source)
    wanted = (cst.Call, cst.Name, cst.Attribute, cst.ImportAlias, cst.Raise, cst.Arg, cst.Return)
    nodes = list(iter_nodes(module, wanted))
    reference = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    spans = node_spans(module, nodes)
    for node in nodes:
        if node not in reference:
            continue
        expected = reference[node]
        got = spans[id(node)]
        assert (got.line, got.column - 1, got.end_line, got.end_column - 1) == (
            expected.start.line,
            expected.start.column,
            expected.end.line,
            expected.end.column,
        ), type(node).__name__


def _facts(source: str, module: str = "app.services.x", is_package: bool = False):  # type: ignore[no-untyped-def]
    info = FileInput(module.replace(".", "/") + ".py", module, is_package, "services")
    return collect(info, source.encode(), [])


def test_imports_relative_aliased_type_only_and_local() -> None:
    facts = _facts(
        "from ..repositories import user_repo as repo\n"
        "import sqlalchemy.orm\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from app.models.user import User\n"
        "def f():\n"
        "    from . import helpers\n"
    )
    summary = [(i.module, i.name, i.alias, i.type_only, i.local) for i in facts.imports]
    assert summary == [
        ("app.repositories", "user_repo", "repo", False, False),
        ("sqlalchemy.orm", None, "sqlalchemy", False, False),
        ("typing", "TYPE_CHECKING", "TYPE_CHECKING", False, False),
        ("app.models.user", "User", "User", True, False),
        ("app.services", "helpers", "helpers", False, True),
    ]


def test_relative_import_from_package_init() -> None:
    facts = _facts(
        "from .user_service import UserService\n", module="app.services", is_package=True
    )
    assert facts.imports[0].target == "app.services.user_service.UserService"


def test_params_with_depends_and_annotated() -> None:
    facts = _facts(
        "from typing import Annotated\n"
        "def route(db: Annotated[AsyncSession, Depends(get_db)], svc: Svc = Depends(), "
        "user: 'User | None' = Security(current_user)) -> None: ...\n"
    )
    params = {p.name: (p.annotation, p.depends) for p in facts.functions[0].params}
    assert params == {
        "db": (("AsyncSession",), ("get_db",)),
        "svc": (("Svc",), ("Svc",)),
        "user": (("User",), ("current_user",)),
    }


def test_generator_return_annotation_unwraps() -> None:
    facts = _facts("async def get_db() -> AsyncGenerator[AsyncSession, None]:\n    yield 1\n")
    assert facts.functions[0].returns == ("AsyncSession",)


def test_suppression_comments() -> None:
    text = "a  # noqa\nb  # noqa: LL104,LL105\nc  # NOQA:LL2\nd  # layerlint: ignore[LL301]\ne  # noqa:E501 LL1\n"
    assert parse_suppressions(text) == (
        (1, None),
        (2, ("LL104", "LL105")),
        (3, ("LL2",)),
        (4, ("LL301",)),
        (5, ("E501", "LL1")),
    )


def test_syntax_error_reports_cpython_location() -> None:
    facts = _facts("x = 1\ndef broken(:\n    pass\n")
    assert [(d.code, d.span.line) for d in facts.diagnostics] == [("LL001", 2)]
    assert not facts.parsed


def test_non_utf8_without_declaration_is_ll001() -> None:
    info = FileInput("app/x.py", "app.x", False, None)
    facts = collect(info, "s = 'caf\xe9'\n".encode("latin-1"), [])
    assert [d.code for d in facts.diagnostics] == ["LL001"]


def test_coding_declaration_is_honoured() -> None:
    info = FileInput("app/x.py", "app.x", False, None)
    source = "# -*- coding: latin-1 -*-\ns = 'caf\xe9'\nimport os\n".encode("latin-1")
    facts = collect(info, source, [])
    assert facts.diagnostics == ()
    assert facts.imports[0].span.line == 3


SESSION_PROJECT = {
    "app/core/database.py": (
        "from collections.abc import AsyncGenerator\n"
        "from typing import Annotated\n"
        "from fastapi import Depends\n"
        "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
        "factory = async_sessionmaker()\n"
        "async def get_db() -> AsyncGenerator[AsyncSession, None]:\n"
        "    async with factory() as session:\n"
        "        yield session\n"
        "SessionDep = Annotated[AsyncSession, Depends(get_db)]\n"
    ),
    "app/repositories/user_repo.py": "class UserRepository:\n    def __init__(self, session) -> None:\n        self.session = session\n",
    "app/services/user_service.py": (
        "from app.core.database import SessionDep, factory\n"
        "from app.repositories.user_repo import UserRepository\n"
        "class UserService:\n"
        "    repo: UserRepository\n"
        "    def __init__(self, session) -> None:\n"
        "        self.other = UserRepository(session)\n"
        "    def run(self, db: SessionDep, raw=None) -> None:\n"
        "        with factory() as s:\n"
        "            pass\n"
        "user_service = UserService(None)\n"
        "def use(x: 'UserService') -> None:\n"
        "    local = user_service\n"
    ),
}


def test_type_inference_sources() -> None:
    project = project_from(SESSION_PROJECT)
    facts = project.modules["app.services.user_service"]
    run = FunctionRef(facts, facts.function("UserService.run"))  # type: ignore[arg-type]
    use = FunctionRef(facts, facts.function("use"))  # type: ignore[arg-type]
    repo = "app.repositories.user_repo.UserRepository"
    assert project.type_of(run, ("db",)) == SESSION
    assert project.type_of(run, ("s",)) == SESSION
    assert project.type_of(run, ("self", "repo")) == repo
    assert project.type_of(run, ("self", "other")) == repo
    assert project.type_of(run, ("raw",)) is None
    assert project.type_of(use, ("x", "other")) == repo
    assert project.type_of(use, ("local", "repo")) == repo


def test_exception_handlers_from_decorator_call_and_constructor() -> None:
    project = project_from(
        {
            "app/exceptions.py": "class NotFound(Exception):\n    pass\nclass Gone(Exception):\n    pass\nclass Busy(Exception):\n    pass\n",
            "app/main.py": (
                "from fastapi import FastAPI\n"
                "from app.exceptions import Busy, Gone, NotFound\n"
                "async def not_found(request, exc): ...\n"
                "async def gone(request, exc): ...\n"
                "app = FastAPI(exception_handlers={NotFound: not_found})\n"
                "app.add_exception_handler(Gone, gone)\n"
                "@app.exception_handler(Busy)\n"
                "async def busy(request, exc): ...\n"
            ),
        }
    )
    assert project.exception_handlers == {
        "app.main.not_found": ["app.exceptions.NotFound"],
        "app.main.gone": ["app.exceptions.Gone"],
        "app.main.busy": ["app.exceptions.Busy"],
    }


def test_scoped_session_is_a_session() -> None:
    project = project_from(
        {
            "app/db.py": "from sqlalchemy.orm import scoped_session, sessionmaker\ndb_session = scoped_session(sessionmaker())\n",
            "app/repositories/user_repo.py": "from app.db import db_session\ndef save() -> None:\n    db_session.commit()\n",
        }
    )
    facts = project.modules["app.repositories.user_repo"]
    save = FunctionRef(facts, facts.function("save"))  # type: ignore[arg-type]
    assert project.type_of(save, ("db_session",)) == SESSION
