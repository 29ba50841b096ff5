"""LL108 ``layer-import-cycle``: an import cycle between modules of different layers."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.import_graph import import_cycles
from layerlint.project import Project
from layerlint.rules.base import Finding, ProjectRule
from layerlint.rules.layering._support import app


class LayerImportCycle(ProjectRule):
    """An import cycle between modules of different layers.

    **What it does:** finds import cycles that span more than one layer and reports the
    import that closes each one: the import going up, from the lower layer to the
    higher. ``TYPE_CHECKING`` imports and function-local imports (the usual way to break
    a cycle at import time; LL101 still judges their direction) are not part of cycles.

    **Why is this bad?** A cycle across layers means the layers are not layers: neither
    can be changed, tested or imported alone, and import order starts to matter.

    **Example:** ``routes/users.py`` imports ``services/user_service.py``, which imports
    ``routes/users.py`` back for a helper.

    **Use instead:** move the shared code to the lower layer (or to ``core``).
    """

    code = "LL108"
    name = "layer-import-cycle"
    message = "import closes a cycle between layers: {cycle}"
    seed = "ai1-skills (layers), import-linter-style contracts"
    invalid = (
        app(
            app__routes__users="from app.services.user_service import helper\n\ndef page() -> None:\n    pass\n",
            app__services__user_service="from app.routes.users import page  # error: LL101, LL108\n\ndef helper() -> None:\n    pass\n",
        ),
    )
    valid = (
        app(
            app__services__a="from app.services import b\n",
            app__services__b="from app.services import a\n",
        ),
        app(
            app__routes__users="from app.services.user_service import helper\n",
            app__services__user_service=(
                "def helper() -> None:\n"
                "    from app.routes.users import helper as again  # error: LL101\n"
            ),
        ),
        app(
            app__routes__users="from app.services.user_service import helper\n",
            app__services__user_service=(
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from app.routes.users import helper as h\n"
                "def helper() -> None:\n"
                "    pass\n"
            ),
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for cycle_edge in import_cycles(project):
            yield Finding(
                cycle_edge.path, cycle_edge.span, self.message.format(cycle=cycle_edge.description)
            )
