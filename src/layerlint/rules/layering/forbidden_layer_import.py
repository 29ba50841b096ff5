"""LL101 ``forbidden-layer-import``: a module imports from a layer its own layer may not depend on."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import ImportFact
from layerlint.project import Project
from layerlint.rules._common import by_statement, is_migration_module
from layerlint.rules.base import Example, Finding, ProjectRule
from layerlint.rules.layering._support import app


class ForbiddenLayerImport(ProjectRule):
    """A module imports from a layer its own layer may not depend on.

    **What it does:** checks every import against the layer contract (routes → services
    → repositories → models, see ``layerlint graph``), following re-exports through
    package ``__init__`` modules. ``TYPE_CHECKING``-only imports are not checked, and
    neither are Alembic revisions: what they may import is LL602's concern.

    **Why is this bad?** Each layer exists so that its neighbours can change without it.
    A repository that imports a service, or a model that imports a route, ties layers
    together in the wrong direction and ends in import cycles and untestable code.

    **Example:** in ``app/repositories/user_repo.py``: ``from app.services import user_service``

    **Use instead:** move the shared code down to the lower layer (``core``, ``models``),
    or pass the value in as an argument. An accepted exception is listed once in
    ``[tool.layerlint] ignore-imports = ["app.core.db -> app.models.*"]`` instead of a
    ``noqa`` on every line (LL113 reports an entry that no longer matches anything).
    """

    code = "LL101"
    name = "forbidden-layer-import"
    message = "{importer} layer may not import from the {imported} layer"
    seed = "ai1-skills (layers), fastapi-production (layer responsibilities)"
    valid = (
        app(app__services__user_service="from app.repositories.user_repo import UserRepository\n"),
        app(
            app__routes__users="from app.models.user import User\n\ndef show(user: User) -> User:\n    return user\n"
        ),
        app(
            app__repositories__cache=(
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from app.services.user_service import UserService\n"
            ),
            app__services__user_service="X = 1\n",
        ),
        Example(
            {
                **app().files,
                "pyproject.toml": '[tool.layerlint]\nignore-imports = ["app.repositories.* -> app.services.*"]\n',
                "app/services/__init__.py": "",
                "app/services/user_service.py": "X = 1\n",
                "app/repositories/audit.py": "from app.services.user_service import X\n",
            }
        ),
    )
    invalid = (
        app(
            app__services__user_service="X = 1\n",
            app__repositories__audit="from app.services.user_service import X  # error\n",
        ),
        app(
            app__routes__users="from app.repositories.user_repo import UserRepository  # error\n",
        ),
        app(
            app__services__user_service="X = 1\n",
            app__models__mixins="from app.services import user_service  # error\n",
        ),
        app(
            app__services____init__="from app.repositories.user_repo import UserRepository\n",
            app__routes__users="from app.services import UserRepository  # error\n",
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            importer = project.layer_of(facts.module)
            if importer is None or is_migration_module(importer, facts):
                continue
            checked = (imp for imp in facts.imports if not imp.type_only)
            for statement in by_statement(checked):
                finding = self._check_statement(project, facts.module, facts.path, importer, statement)
                if finding is not None:
                    yield finding

    def _check_statement(
        self,
        project: Project,
        module: str,
        path: str,
        importer: str,
        statement: list[ImportFact],
    ) -> Finding | None:
        """One finding per import statement, naming each forbidden import in it."""
        offending: list[tuple[ImportFact, str, str]] = []
        for imp in statement:
            forbidden = self._forbidden(project, module, importer, imp)
            if forbidden is not None:
                offending.append((imp, *forbidden))
        if not offending:
            return None
        layers = list(dict.fromkeys(imported for _, imported, _ in offending))
        imported = " and ".join(layers)
        message = self.message.format(importer=importer, imported=imported)
        if len(layers) > 1:
            message += "s"
        if len(offending) == 1:
            message += f": `{offending[0][0].target}`{offending[0][2]}"
        else:
            message += ": " + ", ".join(f"`{imp.target}`{note}" for imp, _, note in offending)
        return Finding(path, offending[0][0].span, message)

    @staticmethod
    def _forbidden(
        project: Project, module: str, importer: str, imp: ImportFact
    ) -> tuple[str, str] | None:
        """(imported layer, re-export note) when the contract forbids this import."""
        direct = project.split_target(imp.target)
        canonical_module = project.module_of_target(imp.target)
        if canonical_module is None or _known_exception(project, module, direct, canonical_module):
            return None
        imported = project.layer_of(canonical_module)
        if project.contract.permits(importer, imported):
            return None
        note = ""
        if direct is not None and direct[0] != canonical_module:
            note = f" (defined in {canonical_module}, re-exported by {direct[0]})"
        return str(imported), note


def _known_exception(
    project: Project, module: str, direct: tuple[str, str] | None, canonical: str
) -> bool:
    """Whether a top-level ``ignore-imports`` entry allows this import (LL113 finds stale ones)."""
    architecture = project.architecture
    if architecture.layer_exception(module, canonical) is not None:
        return True
    return direct is not None and architecture.layer_exception(module, direct[0]) is not None
