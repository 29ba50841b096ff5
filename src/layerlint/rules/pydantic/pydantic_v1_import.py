"""LL408 ``pydantic-v1-import``: an import of the ``pydantic.v1`` compatibility namespace."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from layerlint.expressions import dotted_name
from layerlint.rules.base import FileRule
from layerlint.rules.pydantic._support import SEED_V2

if TYPE_CHECKING:
    from layerlint.file_context import FileContext


class PydanticV1Import(FileRule):
    """An import of the ``pydantic.v1`` compatibility namespace.

    **What it does:** flags ``import pydantic.v1``, ``from pydantic.v1 import ...``
    (and its submodules) and ``from pydantic import v1`` at module level. Imports
    inside a function are interoperability code (detecting or handling v1 objects that
    callers pass in) and are not reported.

    **Why is this bad?** ``pydantic.v1`` is the whole v1 library bundled for migration:
    models built on it do not mix with v2 models (FastAPI rejects them) and it is not
    supported on Python 3.14+.

    **Example:** ``from pydantic.v1 import BaseModel, validator``.

    **Use instead:** migrate the model to the v2 API (``from pydantic import BaseModel,
    field_validator``).
    """

    code = "LL408"
    skips_migrations = True
    name = "pydantic-v1-import"
    message = "`pydantic.v1` is the v1 compatibility layer; migrate to the Pydantic v2 API"
    seed = SEED_V2
    example_path = "app/schemas/user.py"
    valid = (
        "from pydantic import BaseModel, v2\nimport pydantic\nfrom app import v1\n",
        "import warnings\n\n"
        "def is_v1_model(value: object) -> bool:\n"
        "    from pydantic.v1 import BaseModel as V1BaseModel\n\n"
        "    return isinstance(value, V1BaseModel)\n",
    )
    invalid = (
        "from pydantic.v1 import BaseModel, validator  # error\n"
        "from pydantic.v1.fields import ModelField  # error\n"
        "import pydantic.v1 as pydantic_v1  # error\n",
        "try:\n"
        "    from pydantic import v1 as pydantic  # error\n"
        "except ImportError:\n"
        "    import pydantic\n",
    )

    def visit_Import(self, node: cst.Import, ctx: FileContext) -> None:
        if ctx.enclosing_function is not None:
            return
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted is not None and dotted[:2] == ("pydantic", "v1"):
                ctx.report(alias)

    def visit_ImportFrom(self, node: cst.ImportFrom, ctx: FileContext) -> None:
        if node.relative or node.module is None or ctx.enclosing_function is not None:
            return
        dotted = dotted_name(node.module)
        if dotted is None or dotted[0] != "pydantic":
            return
        if dotted[:2] == ("pydantic", "v1"):
            ctx.report(node.module)
        elif dotted == ("pydantic",) and not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                if isinstance(alias.name, cst.Name) and alias.name.value == "v1":
                    ctx.report(alias)
