"""LL112 ``public-interface-contract``: a package is imported around its interface."""

from __future__ import annotations

from layerlint.contracts.model import INTERFACE
from layerlint.rules.layering._contract_support import ContractRule, project

_BILLING = """
[[tool.layerlint.contracts]]
name = "billing has a public interface"
kind = "interface"
modules = ["app.billing"]
"""

_BILLING_INIT = """from app.billing.service import create_invoice

__all__ = ["create_invoice"]
"""


class PublicInterfaceContract(ContractRule):
    """Code outside a package imports its internals instead of its interface.

    **What it does:** checks every ``kind = "interface"`` contract: code outside a listed
    package may import only the package itself (the names its ``__init__`` exports:
    ``__all__`` when defined, else its public names) and the modules listed under
    ``expose`` (their exported names). Importing an inner module or a name the interface
    does not export is flagged. Code inside the package imports freely.

    **Why is this bad?** A package's interface is what its owners promise to keep; every
    import around it is a dependency on internals that can change without notice.

    **Example:** ``app/orders/service.py``: ``from app.billing.service import create_invoice``

    **Use instead:** ``from app.billing import create_invoice``, or export the name from
    the interface first.
    """

    code = "LL112"
    name = "public-interface-contract"
    message = "contract {name!r}: {module} is internal to {package}: {chain}"
    seed = "tach interfaces, package-by-feature layouts"
    contract_kind = INTERFACE
    valid = (
        project(
            _BILLING,
            app__billing____init__=_BILLING_INIT,
            app__billing__service="def create_invoice() -> None:\n    return None\n",
            app__orders__service="from app.billing import create_invoice\n",
        ),
        project(
            _BILLING + 'expose = ["app.billing.events"]\n',
            app__billing__events="class InvoicePaid:\n    pass\n",
            app__orders__service="from app.billing.events import InvoicePaid\n",
        ),
    )
    invalid = (
        project(
            _BILLING,
            app__billing____init__=_BILLING_INIT,
            app__billing__service="def create_invoice() -> None:\n    return None\n",
            app__orders__service="from app.billing.service import create_invoice  # error\n",
        ),
        project(
            _BILLING,
            app__billing____init__=_BILLING_INIT + "_RATE = 3\n",
            app__billing__service="def create_invoice() -> None:\n    return None\n",
            app__orders__service="from app.billing import _RATE  # error\n",
        ),
    )
