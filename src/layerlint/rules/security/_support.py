"""What several security rules share."""

from __future__ import annotations

import libcst as cst

ENV_READS = frozenset({"os.getenv", "os.environ.get"})


def is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"
