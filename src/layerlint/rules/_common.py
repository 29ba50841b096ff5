"""Predicates several rule families share, kept once so that every rule gives one answer.

Test paths, migration paths, secret names, session classes and factories, and "is this a
Pydantic class": each used to be written two or three times, and the copies disagreed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import libcst as cst

from layerlint.diagnostics import UNKNOWN_SPAN, Span
from layerlint.expressions import assigned_names, small_statements
from layerlint.facts import Dotted, FunctionFact, ImportFact, ModuleFacts
from layerlint.file_context import FileContext
from layerlint.project import PYDANTIC_BASES, SESSION, FunctionRef, Project

# -- paths ----------------------------------------------------------------------------

TEST_FOLDERS = frozenset({"tests", "test", "testing"})
MIGRATION_FOLDERS = frozenset({"alembic", "migrations", "_migrations"})


def is_test_path(path: str) -> bool:
    """Test modules may hold fake secrets, their own sessions, debug engines, blocking calls."""
    parts = path.replace("\\", "/").split("/")
    stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    return (
        any(part in TEST_FOLDERS for part in parts[:-1])
        or stem.startswith("test_")
        or stem.endswith("_test")
        or stem == "conftest"
    )


def is_migration_tooling_path(path: str) -> bool:
    """Alembic's ``env.py`` and everything under an ``alembic``/``migrations`` folder."""
    parts = path.replace("\\", "/").split("/")
    return any(part in MIGRATION_FOLDERS for part in parts[:-1])


# -- migrations -----------------------------------------------------------------------


def assigns_revision(facts: ModuleFacts) -> bool:
    """A module that assigns both ``revision`` and ``down_revision`` is an Alembic revision."""
    names = {name for name, _ in facts.assignments}
    return "revision" in names and "down_revision" in names


def is_migration_module(layer: str | None, facts: ModuleFacts) -> bool:
    """A revision file, found by its folder or by what it assigns."""
    return layer == "migrations" or assigns_revision(facts)


def module_assigns_revision(module: cst.Module) -> bool:
    """The file-rule twin of :func:`assigns_revision` (top-level statements only)."""
    names = {target.value for target, _ in assigned_names(small_statements(module.body))}
    return "revision" in names and "down_revision" in names


def is_migration_file(layer: str | None, module: cst.Module) -> bool:
    """The file-rule twin of :func:`is_migration_module`."""
    return layer == "migrations" or module_assigns_revision(module)


def is_migration_code(ctx: FileContext, module: cst.Module) -> bool:
    """A revision (by its layer or what it assigns) or Alembic's own tooling (``env.py``)."""
    return (
        ctx.layer == "migrations"
        or is_migration_tooling_path(ctx.path)
        or module_assigns_revision(module)
    )


# -- secret names ---------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SECRET_EXACT = frozenset(
    {"SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET_KEY", "API_KEY", "APIKEY"}
)
_SECRET_SUFFIXES = (
    "_SECRET",
    "SECRET_KEY",
    "_PASSWORD",
    "_PASSWD",
    "_PASSPHRASE",
    "_PASS",
    "_PWD",
    "_TOKEN",
    "API_KEY",
    "_APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "SIGNING_KEY",
    "ENCRYPTION_KEY",
    "AUTH_KEY",
    "MASTER_KEY",
)
# A word like these anywhere in the name means the value describes a secret (its header,
# its env var, its lifetime...) rather than being one.
_NOT_SECRET_WORDS = frozenset(
    {
        "URL",
        "URI",
        "ENDPOINT",
        "HEADER",
        "NAME",
        "FIELD",
        "PARAM",
        "TYPE",
        "PREFIX",
        "EXPIRE",
        "EXPIRES",
        "EXPIRY",
        "EXPIRATION",
        "TTL",
        "LIFETIME",
        "LENGTH",
        "LEN",
        "FILE",
        "PATH",
        "ENV",
        "VAR",
        "ALGORITHM",
        "ALGORITHMS",
        "AUDIENCE",
        "PATTERN",
        "REGEX",
        "HASH",
        "HASHED",
        "MIN",
        "MAX",
        "LABEL",
        "MSG",
        "MESSAGE",
        "ERROR",
        "HINT",
        "DESCRIPTION",
        "TITLE",
        "FORMAT",
        "SCOPE",
        "SCOPES",
        "COLUMN",
        "KIND",
        "MODE",
        "POLICY",
        "LOCATION",
        "ID",
    }
)
_HASH_WORDS = frozenset({"HASH", "HASHED"})
# A name that starts like these is a flag about a secret (``has_password``), not one.
_FLAG_PREFIXES = frozenset(
    {"HAS", "IS", "CAN", "SHOULD", "NEEDS", "REQUIRE", "REQUIRES", "ALLOW", "ALLOWS", "USE"}
)


def normalize_name(name: str) -> str:
    """``apiKey``/``api-key``/``_api_key`` -> ``API_KEY``."""
    return _CAMEL.sub("_", name).replace("-", "_").strip("_").upper()


def is_secret_name(name: str, *, hashes_count: bool = False) -> bool:
    """``SECRET_KEY``, ``*_PASSWORD``, ``*_TOKEN``, ``API_KEY``, ``*_SECRET``...

    ``hashes_count``: a ``hashed_password`` is no usable credential written in code, but
    sent to a client it leaks as much as the password it protects.
    """
    upper = normalize_name(name)
    if not (upper in _SECRET_EXACT or upper.endswith(_SECRET_SUFFIXES)):
        return False
    parts = upper.split("_")
    if parts[0] in _FLAG_PREFIXES:
        return False
    words = set(parts)
    if hashes_count:
        words -= _HASH_WORDS
    return not (words & _NOT_SECRET_WORDS)


# -- sessions -------------------------------------------------------------------------

SYNC_SESSIONS = frozenset(
    {
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlmodel.Session",
        "sqlmodel.orm.session.Session",
    }
)
ASYNC_SESSIONS = frozenset(
    {
        "sqlalchemy.ext.asyncio.AsyncSession",
        "sqlalchemy.ext.asyncio.session.AsyncSession",
        "sqlmodel.ext.asyncio.session.AsyncSession",
    }
)
SYNC_SESSION_MAKERS = frozenset(
    {
        "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker",
        "sqlmodel.orm.session.sessionmaker",
    }
)
ASYNC_SESSION_MAKERS = frozenset(
    {
        "sqlalchemy.ext.asyncio.async_sessionmaker",
        "sqlalchemy.ext.asyncio.session.async_sessionmaker",
    }
)
SESSION_MAKERS = SYNC_SESSION_MAKERS | ASYNC_SESSION_MAKERS


def is_session(project: Project, ref: FunctionRef, receiver: Dotted) -> bool:
    """The receiver's inferred type in ``ref`` is a SQLAlchemy/SQLModel session (or connection)."""
    if not receiver or receiver[0] == "?":
        return False
    return project.type_of(ref, receiver) == SESSION


# -- models ---------------------------------------------------------------------------


def is_pydantic_class(project: Project, qualified: str | None) -> bool:
    """A class with Pydantic's API: models, settings, and SQLModel tables too.

    ``Project.is_pydantic_model`` is the narrower question "a schema, not an ORM table";
    the v1-to-v2 rules ask this one, since a table model has the same methods.
    """
    if qualified is None or qualified == SESSION:
        return False
    return bool(project.ancestry(qualified) & PYDANTIC_BASES)


# -- module-level code ------------------------------------------------------------------


def module_ref(facts: ModuleFacts) -> FunctionRef:
    """A pseudo-function for module-level code, so type inference sees module globals."""
    return FunctionRef(
        facts,
        FunctionFact(
            name="<module>",
            qualname="<module>",
            class_name=None,
            span=UNKNOWN_SPAN,
            decorators=(),
            params=(),
            returns=None,
            calls=facts.calls,
            raises=(),
        ),
    )


def code_units(project: Project) -> Iterator[FunctionRef]:
    """Every function of the project plus one pseudo-function per module's top level."""
    for facts in project.modules.values():
        yield module_ref(facts)
        for fn in facts.functions:
            yield FunctionRef(facts, fn)


# -- imports ---------------------------------------------------------------------------


def by_statement(imports: Iterable[ImportFact]) -> list[list[ImportFact]]:
    """Imports grouped per ``import`` statement, in source order.

    Rules about imports report a statement once, naming every offending name in it,
    rather than once per imported name.
    """
    groups: dict[Span | tuple[int, int], list[ImportFact]] = {}
    for imp in imports:
        key = imp.statement or (imp.span.line, imp.span.column)
        groups.setdefault(key, []).append(imp)
    return list(groups.values())


def names_list(imports: Iterable[ImportFact]) -> str:
    """```a`, `b``` for a message."""
    return ", ".join(f"`{imp.target}`" for imp in imports)
