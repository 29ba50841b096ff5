"""LL113 ``unused-import-exception``: an ``ignore-imports`` entry matches no import."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.contracts.evaluate import evaluate
from layerlint.project import Project
from layerlint.rules.base import Finding, ProjectRule
from layerlint.rules.layering._contract_support import config_finding, project

_CONTRACT = """
[[tool.layerlint.contracts]]
name = "features are independent"
kind = "independence"
modules = ["app.billing", "app.users"]
"""


class UnusedImportException(ProjectRule):
    """An ``ignore-imports`` exception no longer matches any import of the project.

    **What it does:** every ``"importer -> imported"`` entry under a contract's
    ``ignore-imports`` (or the top-level ``ignore-imports`` of the layer contract) must
    match at least one import in the code. One that matches nothing is reported on its
    line of ``pyproject.toml``.

    **Why is this bad?** An exception outlives the import it was written for and then
    silently allows the same import to come back later, unreviewed.

    **Example:** ``ignore-imports = ["app.billing.api -> app.users.models"]`` after the
    import was removed.

    **Use instead:** delete the entry.
    """

    code = "LL113"
    name = "unused-import-exception"
    message = "exception {entry!r} matches no import; remove it"
    seed = "import-linter unmatched ignore-imports, LL002"
    valid = (
        project(
            _CONTRACT + 'ignore-imports = ["app.billing.api -> app.users.*"]\n',
            app__billing__api="from app.users.models import User\n",
            app__users__models="class User:\n    pass\n",
        ),
        project(
            '[tool.layerlint]\nignore-imports = ["app.core.db -> app.models.*"]\n',
            app__core__db="from app.models.user import User\n",
            app__models__user="class User:\n    pass\n",
        ),
    )
    invalid = (
        project(
            _CONTRACT + 'ignore-imports = ["app.billing.api -> app.users.models"]  # error\n',
            app__billing__api="X = 1\n",
            app__users__models="class User:\n    pass\n",
        ),
        project(
            '[tool.layerlint]\nignore-imports = ["app.core.db -> app.models.*"]  # error\n',
            app__core__db="X = 1\n",
            app__models__user="class User:\n    pass\n",
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        used = evaluate(project).used_exceptions
        architecture = project.architecture
        for contract in architecture.contracts:
            for exception in contract.ignore_imports:
                if exception not in used:
                    message = (
                        f"exception {exception.text!r} of contract {contract.name!r} "
                        "matches no import; remove it"
                    )
                    yield config_finding(project, exception.text, message)
        for exception in architecture.layer_exceptions:
            if exception not in used:
                message = f"layer exception {exception.text!r} matches no import; remove it"
                yield config_finding(project, exception.text, message)
