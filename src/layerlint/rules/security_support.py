"""Helpers of the LL7xx rules: test paths, secret-like names, placeholders, DSNs.

Kept apart from the rule classes so that the judgement calls (what counts as a
placeholder, which names hold secrets) are in one place, documented and unit-tested.
"""

from __future__ import annotations

import re

import libcst as cst

_TEST_FOLDERS = frozenset({"tests", "test", "testing"})


def is_test_path(path: str) -> bool:
    """Test modules may hold fake secrets, debug engines and unverified decodes."""
    parts = path.replace("\\", "/").split("/")
    stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    return (
        any(part in _TEST_FOLDERS for part in parts[:-1])
        or stem.startswith("test_")
        or stem.endswith("_test")
        or stem == "conftest"
    )


# -- names -----------------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

_SECRET_EXACT = frozenset(
    {"SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET_KEY", "API_KEY", "APIKEY"}
)
_SECRET_SUFFIXES = (
    "_SECRET",
    "SECRET_KEY",
    "_PASSWORD",
    "_PASSWD",
    "_PASSPHRASE",
    "_PASS",
    "_PWD",
    "_TOKEN",
    "API_KEY",
    "_APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "SIGNING_KEY",
    "ENCRYPTION_KEY",
    "AUTH_KEY",
    "MASTER_KEY",
)
# A word like these anywhere in the name means the value describes a secret (its header,
# its env var, its lifetime...) rather than being one.
_NOT_SECRET_WORDS = frozenset(
    {
        "URL",
        "URI",
        "ENDPOINT",
        "HEADER",
        "NAME",
        "FIELD",
        "PARAM",
        "TYPE",
        "PREFIX",
        "EXPIRE",
        "EXPIRES",
        "EXPIRY",
        "EXPIRATION",
        "TTL",
        "LIFETIME",
        "LENGTH",
        "LEN",
        "FILE",
        "PATH",
        "ENV",
        "VAR",
        "ALGORITHM",
        "ALGORITHMS",
        "AUDIENCE",
        "PATTERN",
        "REGEX",
        "HASH",
        "HASHED",
        "MIN",
        "MAX",
        "LABEL",
        "MSG",
        "MESSAGE",
        "ERROR",
        "HINT",
        "DESCRIPTION",
        "TITLE",
        "FORMAT",
        "SCOPE",
        "SCOPES",
        "COLUMN",
        "KIND",
        "MODE",
        "POLICY",
        "LOCATION",
        "ID",
    }
)


def normalize_name(name: str) -> str:
    """``apiKey``/``api-key``/``_api_key`` -> ``API_KEY``."""
    return _CAMEL.sub("_", name).replace("-", "_").strip("_").upper()


def is_secret_name(name: str) -> bool:
    """``SECRET_KEY``, ``*_PASSWORD``, ``*_TOKEN``, ``API_KEY``, ``*_SECRET``..."""
    upper = normalize_name(name)
    if not (upper in _SECRET_EXACT or upper.endswith(_SECRET_SUFFIXES)):
        return False
    return not (set(upper.split("_")) & _NOT_SECRET_WORDS)


# -- values ----------------------------------------------------------------------------------

MIN_SECRET_LENGTH = 8
_PLACEHOLDER_MARKERS = (
    "change",
    "your",
    "replace",
    "example",
    "placeholder",
    "dummy",
    "fake",
    "sample",
    "todo",
    "fixme",
    "xxx",
    "***",
    "...",
    "<",
    ">",
    "${",
    "{",
    "%(",
    "redacted",
    "not-set",
    "notset",
    "not_set",
    "undefined",
)
# Words a key *name* is made of: ``"x-api-key"``, ``"access_token"``, ``"Authorization"``.
_NAME_VOCABULARY = frozenset(
    {
        "X",
        "HEADER",
        "COOKIE",
        "AUTH",
        "AUTHORIZATION",
        "BEARER",
        "ACCESS",
        "REFRESH",
        "API",
        "APIKEY",
        "KEY",
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "ID",
        "CSRF",
        "XSRF",
        "SESSION",
        "CLIENT",
        "USER",
    }
)
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.:][A-Za-z0-9]+)*")
_ENV_VAR_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


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


def is_placeholder(value: str) -> bool:
    """Empty, short, ``changeme``-style, templated or masked values are not secrets."""
    if len(value) < MIN_SECRET_LENGTH:
        return True
    lowered = value.lower()
    return any(marker in lowered for marker in _PLACEHOLDER_MARKERS)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("S") else word


def looks_like_secret_value(name: str, value: str) -> bool:
    """A value that could be a real secret (not a placeholder, key name, path or text)."""
    if is_placeholder(value) or any(ch.isspace() for ch in value):
        return False
    if value.startswith(("/", "http://", "https://", "./")) or "://" in value:
        return False
    if _ENV_VAR_NAME.fullmatch(value):
        return False  # ``DB_PASSWORD = "DB_PASSWORD"``: the name of an env var
    if _IDENTIFIER.fullmatch(value):
        words = {_singular(w) for w in normalize_name(re.sub(r"[-.:]", "_", value)).split("_")}
        known = {_singular(w) for w in normalize_name(name).split("_")} | _NAME_VOCABULARY
        if words <= known:
            return False  # ``ACCESS_TOKEN = "access_token"``, ``"Passwords"``: a key name
    return True


# -- DSNs --------------------------------------------------------------------------------------

_DSN = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<user>[^:/@\s]*):(?P<password>[^@/\s]+)@[^\s/]+"
)
_DEFAULT_PASSWORDS = frozenset(
    {
        "password",
        "pass",
        "passwd",
        "pwd",
        "postgres",
        "postgresql",
        "mysql",
        "root",
        "admin",
        "secret",
        "test",
        "testing",
        "user",
        "guest",
        "redis",
        "default",
        "dev",
        "development",
        "local",
        "example",
        "changeme",
        "sa",
    }
)


def dsn_password(value: str) -> str | None:
    """The real-looking password of a ``scheme://user:password@host`` string, if any."""
    if "://" not in value or "@" not in value:
        return None
    match = _DSN.match(value.strip())
    if match is None:
        return None
    password = match.group("password")
    lowered = password.lower()
    if lowered in _DEFAULT_PASSWORDS or password == match.group("user"):
        return None
    if any(marker in lowered for marker in ("*", "$", "<", "{", "xxx")) or any(
        marker in lowered for marker in _PLACEHOLDER_MARKERS
    ):
        return None
    return password
