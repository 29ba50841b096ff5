"""LL110 ``independence-contract``: modules that must stay apart import each other."""

from __future__ import annotations

from layerlint.contracts.model import INDEPENDENCE
from layerlint.rules.layering._contract_support import ContractRule, project

_FEATURES = """
[[tool.layerlint.contracts]]
name = "features are independent"
kind = "independence"
modules = ["app.billing", "app.users"]
"""


class IndependenceContract(ContractRule):
    """Modules of an independence contract import each other, directly or through others.

    **What it does:** checks every ``kind = "independence"`` contract of
    ``[[tool.layerlint.contracts]]``: no listed module (with its submodules) may import
    another listed one, directly or (unless ``indirect = false``) through a chain of other
    modules. The finding sits on the import that starts the chain and names the whole
    chain with the line of each import (``app.billing.api:3 -> app.shared.util:1 ->
    app.users.models``). Membership in a contract does not change a module's layer: a
    ``router.py`` inside ``app/billing/`` is still checked as a route.

    **Why is this bad?** Features of a package-by-feature layout are meant to change,
    ship and be deleted on their own. One import between them and they no longer can.

    **Example:** ``app/billing/api.py``: ``from app.users.models import User``

    **Use instead:** move what both need into a shared module neither owns, or pass it in;
    list a known, accepted import under the contract's ``ignore-imports``.
    """

    code = "LL110"
    name = "independence-contract"
    message = "contract {name!r}: {a} must not depend on {b}: {chain}"
    seed = "import-linter independence contracts, package-by-feature layouts"
    contract_kind = INDEPENDENCE
    valid = (
        project(
            _FEATURES,
            app__billing__api="from app.shared.money import Money\n",
            app__users__models="from app.shared.money import Money\n",
            app__shared__money="class Money:\n    pass\n",
        ),
        project(
            _FEATURES + 'ignore-imports = ["app.billing.api -> app.users.models"]\n',
            app__billing__api="from app.users.models import User\n",
            app__users__models="class User:\n    pass\n",
        ),
    )
    invalid = (
        project(
            _FEATURES,
            app__billing__api="from app.users.models import User  # error\n",
            app__users__models="class User:\n    pass\n",
        ),
        project(
            _FEATURES,
            app__billing__router="from app.shared.helpers import current_user  # error\n",
            app__shared__helpers="from app.users.service import current_user\n",
            app__users__service="def current_user() -> None:\n    return None\n",
        ),
    )
