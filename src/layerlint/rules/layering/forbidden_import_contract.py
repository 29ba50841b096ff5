"""LL111 ``forbidden-import-contract``: a module imports what a contract forbids it."""

from __future__ import annotations

from layerlint.contracts.model import FORBIDDEN
from layerlint.rules.layering._contract_support import ContractRule, project

_DOMAIN = """
[[tool.layerlint.contracts]]
name = "the domain is framework-free"
kind = "forbidden"
source-modules = ["app.domain"]
forbidden-modules = ["fastapi", "sqlalchemy"]
"""


class ForbiddenImportContract(ContractRule):
    """A module imports a module (a third-party package too) that a contract forbids it.

    **What it does:** checks every ``kind = "forbidden"`` contract: no module under
    ``source-modules`` may import a module under ``forbidden-modules`` — project modules
    or installed packages such as ``requests``, ``fastapi`` or ``sqlalchemy``. Chains
    through other project modules count too unless ``allow-indirect-imports = true``;
    the finding names the chain with the line of each import.

    **Why is this bad?** A layer that must stay free of a framework (a domain model, a
    models package that must not call out over HTTP) loses that property with one
    import, and nothing else would notice.

    **Example:** ``app/domain/order.py``: ``from sqlalchemy.orm import Mapped``

    **Use instead:** keep the framework at the edge (an adapter in the infrastructure or
    repository layer) and depend on your own abstractions in the protected modules.
    """

    code = "LL111"
    name = "forbidden-import-contract"
    message = "contract {name!r}: {source} must not import {forbidden}: {chain}"
    seed = "import-linter forbidden contracts (allow_indirect_imports)"
    contract_kind = FORBIDDEN
    valid = (
        project(
            _DOMAIN,
            app__domain__order="from dataclasses import dataclass\n",
            app__repositories__orders="from sqlalchemy.orm import Session\n",
        ),
        project(
            _DOMAIN + "allow-indirect-imports = true\n",
            app__domain__order="from app.core.ids import new_id\n",
            app__core__ids="import sqlalchemy\n",
        ),
    )
    invalid = (
        project(
            _DOMAIN,
            app__domain__order="from sqlalchemy.orm import Mapped  # error\n",
        ),
        project(
            _DOMAIN,
            app__domain__order="from app.core.ids import new_id  # error\n",
            app__core__ids="import sqlalchemy\n\ndef new_id() -> int:\n    return 1\n",
        ),
    )
