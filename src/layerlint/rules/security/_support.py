"""What several security rules share."""

from __future__ import annotations

import libcst as cst

TEST_FOLDERS = frozenset({"tests", "test", "testing"})


def is_test_path(path: str) -> bool:
    """Test modules may hold fake secrets, debug engines and unverified decodes."""
    parts = path.replace("\\", "/").split("/")
    stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    return (
        any(part in TEST_FOLDERS for part in parts[:-1])
        or stem.startswith("test_")
        or stem.endswith("_test")
        or stem == "conftest"
    )


def string_value(node: cst.BaseExpression) -> str | None:
    """The text of a plain (non-f) string literal, None for anything else."""
    if not isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        return None
    try:
        value = node.evaluated_value
    except Exception:
        return None
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


ENV_READS = frozenset({"os.getenv", "os.environ.get"})


def is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None
