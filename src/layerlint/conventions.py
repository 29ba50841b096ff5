"""Where each rule's convention is published, as users can look it up.

Rules keep a ``seed`` note for maintainers; what users read (``explain``, docs/rules.md,
SARIF help) names the public source instead: a framework's documentation page, a
migration guide, a PEP or a security guideline.
"""

from __future__ import annotations

_LAYERS = (
    "Layered architecture (routes -> services -> repositories -> models):"
    " the service-layer and repository patterns"
)
_SA_MIGRATION = "SQLAlchemy 2.0 migration guide"
_SA_ASYNC = "SQLAlchemy documentation: Asynchronous I/O (asyncio) extension"
_PYDANTIC_MIGRATION = "Pydantic v2 migration guide"
_EXTRA_MODELS = "FastAPI documentation: Extra Models (separate input, output and database models)"
_SECURITY = "FastAPI documentation: Security (dependencies such as get_current_user)"

CONVENTIONS: dict[str, str] = {
    "LL000": "layerlint itself",
    "LL001": "layerlint itself",
    "LL002": "layerlint itself (as ruff's unused-noqa)",
    "LL101": _LAYERS,
    "LL102": _LAYERS,
    "LL103": _LAYERS,
    "LL104": _LAYERS + "; FastAPI documentation: Handling Errors",
    "LL105": _LAYERS + "; FastAPI documentation: Handling Errors",
    "LL106": _LAYERS,
    "LL107": _LAYERS,
    "LL108": _LAYERS + "; import-linter layer contracts",
    "LL109": "FastAPI documentation: Dependencies with yield (commit or roll back in one place)",
    "LL201": "FastAPI documentation: Response Status Code (fastapi.status constants)",
    "LL202": "FastAPI documentation: Response Model",
    "LL203": "FastAPI documentation: SQL (Relational) Databases (one session per request)",
    "LL204": "FastAPI documentation: Background Tasks; SQLAlchemy documentation: Session basics",
    "LL205": "FastAPI documentation: Concurrency and async / await",
    "LL206": "FastAPI documentation: Handling Errors (FastAPI's HTTPException vs Starlette's)",
    "LL207": _EXTRA_MODELS,
    "LL208": _EXTRA_MODELS,
    "LL209": _SECURITY,
    "LL210": "OWASP API Security Top 10: Unrestricted Resource Consumption",
    "LL211": _SECURITY,
    "LL212": "SQLModel documentation: multiple models (table models are not API schemas)",
    "LL213": "Response envelope convention (every response wrapped in a generic ApiResponse[T])",
    "LL301": _SA_MIGRATION,
    "LL302": _SA_MIGRATION,
    "LL303": _SA_MIGRATION,
    "LL304": _SA_MIGRATION,
    "LL305": _SA_ASYNC + " (preventing implicit IO)",
    "LL306": _SA_ASYNC + " (expire_on_commit=False)",
    "LL307": "SQLAlchemy documentation: Session basics (flush and refresh)",
    "LL308": "SQLAlchemy documentation: Column INSERT/UPDATE defaults (server_default)",
    "LL309": "Auditable models convention (created_at / updated_at on every table)",
    "LL310": "OWASP SQL Injection Prevention Cheat Sheet (parameterised queries)",
    "LL311": "SQLAlchemy documentation: ORM bulk INSERT statements",
    "LL312": _SA_ASYNC,
    "LL313": "Alembic documentation: The Importance of Naming Constraints",
    "LL401": _PYDANTIC_MIGRATION,
    "LL402": _PYDANTIC_MIGRATION,
    "LL403": _PYDANTIC_MIGRATION,
    "LL404": _PYDANTIC_MIGRATION,
    "LL405": _PYDANTIC_MIGRATION,
    "LL406": _PYDANTIC_MIGRATION + " (BaseSettings moved to pydantic-settings)",
    "LL407": _PYDANTIC_MIGRATION,
    "LL408": _PYDANTIC_MIGRATION,
    "LL409": "FastAPI documentation: Body - Updates (partial updates with exclude_unset)",
    "LL410": "Pydantic documentation: Models, arbitrary class instances (from_attributes)",
    "LL411": "PEP 604 (X | None union syntax)",
    "LL501": "PEP 8: Programming Recommendations (catch specific exceptions)",
    "LL502": _LAYERS + " (services raise domain exceptions)",
    "LL503": "Consistency: one service style per project",
    "LL504": "FastAPI documentation: Handling Errors (custom exception handlers)",
    "LL601": "Alembic documentation: Tutorial (every revision has a working downgrade)",
    "LL602": (
        "Alembic documentation: Auto Generating Migrations (revisions describe their own tables)"
    ),
    "LL701": "OWASP Secrets Management Cheat Sheet; The Twelve-Factor App: Config",
    "LL702": "Pydantic documentation: Settings Management; The Twelve-Factor App: Config",
    "LL703": "FastAPI documentation: CORS (Cross-Origin Resource Sharing)",
    "LL704": "The Twelve-Factor App: Config (debug flags come from settings)",
    "LL705": "PyJWT documentation: signature verification",
}


def convention(code: str) -> str:
    """The published convention behind a rule, for user-facing text."""
    return CONVENTIONS.get(code, "layerlint")
