"""LL701 ``hardcoded-secret``: a secret written into the code."""

from __future__ import annotations

import re
from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import keyword_arg, string_value
from layerlint.file_context import FileContext
from layerlint.rules._common import is_secret_name, is_test_path, normalize_name
from layerlint.rules.base import Example, FileRule, OptionValue
from layerlint.rules.security._support import ENV_READS

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


_SECRET_WRAPPERS = frozenset({"Field", "SecretStr", "SecretBytes"})


def _target_name(target: cst.BaseExpression) -> str | None:
    """``X``, ``self.x``, ``config["X"]`` -> the name a value is stored under."""
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    if isinstance(target, cst.Subscript) and len(target.slice) == 1:
        index = target.slice[0].slice
        if isinstance(index, cst.Index):
            return string_value(index.value)
    return None


def _wrapped_default(value: cst.BaseExpression) -> cst.BaseExpression | None:
    """The literal inside ``Field("...")``/``Field(default="...")``/``SecretStr("...")``."""
    if not isinstance(value, cst.Call):
        return value
    func = value.func
    last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    if last not in _SECRET_WRAPPERS:
        return None
    default = keyword_arg(value, "default")
    if default is not None:
        return default.value
    for arg in value.args:
        if arg.keyword is None and not arg.star:
            return arg.value
    return None


_ENUM_BASES = frozenset({"Enum", "StrEnum", "IntEnum", "Flag", "IntFlag", "ReprEnum"})
_SETTINGS_MESSAGE = (
    "default secret in settings field `{name}`; do not commit a default secret, "
    "require it from the environment"
)


def _class_kind(ctx: FileContext, settings_classes: frozenset[str]) -> str | None:
    """``"enum"`` or ``"settings"`` for an attribute directly in such a class body."""
    owner = ctx.enclosing_class
    if owner is None or ctx.enclosing_function is not None:
        return None
    if owner.name.value in settings_classes:
        return "settings"
    for base in owner.bases:
        qualified = ctx.qualified_name(base.value) or ""
        last = qualified.rsplit(".", 1)[-1] or _last_name(base.value)
        if last in _ENUM_BASES or qualified.startswith("enum."):
            return "enum"
        if last.endswith("Settings"):
            return "settings"
    return None


def _settings_classes(module: cst.Module) -> frozenset[str]:
    """Classes of the module derived (through classes of the module) from a ``*Settings``
    base: ``class BaseConfig(BaseSettings)`` then ``class Config(BaseConfig)``."""
    bases = {
        statement.name.value: [_last_name(base.value) for base in statement.bases]
        for statement in module.body
        if isinstance(statement, cst.ClassDef)
    }
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, names in bases.items():
            if name not in found and any(b.endswith("Settings") or b in found for b in names):
                found.add(name)
                changed = True
    return frozenset(found)


def _last_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


class HardcodedSecret(FileRule):
    """A secret written into the code.

    **What it does:** flags a string literal assigned to a secret-like name
    (``SECRET_KEY``, ``*_PASSWORD``, ``*_TOKEN``, ``API_KEY``, ``*_SECRET``...), given as a
    settings field's default (``secret_key: str = "..."``, ``Field("...")``), or passed as
    a secret-like keyword argument; and a connection string with a password
    (``postgresql://user:pass@host/db``) anywhere it is assigned or passed.

    Not flagged: placeholders (strings shorter than 8 characters, ``changeme``,
    ``your-secret-key``, ``<...>``, ``${...}``, ``xxx``...), values that are key names
    rather than keys (``ACCESS_TOKEN = "access_token"``, ``"X-API-Key"``), env var names,
    paths and URLs, texts with spaces, well-known local defaults in DSNs
    (``postgres:postgres@``, ``user:password@``), values read from the environment,
    and test modules. Names that describe a secret rather than hold it
    (``TOKEN_URL``, ``PASSWORD_MIN_LENGTH``, ``API_KEY_HEADER``) are not secret-like.

    Members of an ``Enum``/``StrEnum`` are labels, not secrets (``class TokenType(StrEnum):
    access_token = "app_access_token"``). Inside a settings class (a ``BaseSettings``
    subclass) the finding is the field's default: the environment should be the only
    source of the value.

    **Why is this bad?** A secret in the source ends up in git history, in every
    clone and image, and is the same in every environment; rotating it means a release.

    **Example:** ``SECRET_KEY = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7"``

    **Use instead:** a pydantic-settings field without a default
    (``secret_key: SecretStr``) filled from the environment or a secrets manager.
    """

    code = "LL701"
    name = "hardcoded-secret"
    message = "hardcoded secret in `{name}`; read it from the environment through settings"
    seed = "python-backend-patterns: DON'T store secrets in code; SECRET_KEY from env"
    example_path = "app/core/config.py"
    valid = (
        "import os\n"
        "from pydantic import Field, SecretStr\n"
        "from pydantic_settings import BaseSettings\n"
        "class Settings(BaseSettings):\n"
        "    secret_key: SecretStr\n"
        "    api_key: str = ''\n"
        "    db_password: str = 'changeme'\n"
        "    jwt_secret: str = Field(default='your-secret-key')\n"
        "    smtp_password: str = '${SMTP_PASSWORD}'\n"
        "    token_url: str = '/auth/token'\n"
        "    password_min_length: int = 8\n"
        "    database_url: str = 'postgresql://postgres:postgres@localhost/app'\n"
        "SECRET_KEY = os.getenv('SECRET_KEY', 'dev')\n"
        "ACCESS_TOKEN = 'access_token'\n"
        "API_KEY = 'X-API-Key'\n"
        "ADMIN_PASSWORD = 'ADMIN_PASSWORD'\n"
        "RESET_TOKEN = 'Reset your password with the link below'\n"
        "from enum import StrEnum\n"
        "class TokenType(StrEnum):\n"
        "    access_token = 'app_access_token'\n"
        "    client_secret = 'app_client_secret'\n",
        Example(
            {
                "tests/test_auth.py": (
                    "SECRET_KEY = '09d25e094faa6ca2556c818166b7a9563b93f709'\n"
                    "DATABASE_URL = 'postgresql://app:s3cr3t-pw@db/app'\n"
                )
            }
        ),
    )
    invalid = (
        "from pydantic import Field\n"
        "from pydantic_settings import BaseSettings\n"
        "SECRET_KEY = '09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7'  # error\n"
        "class Settings(BaseSettings):\n"
        "    stripe_api_key: str = 'sk_live_51HxYzAbCdEf'  # error\n"
        "    jwtSecret: str = Field('kq8Xv2mN0pL4rT7w')  # error\n"
        "    database_url: str = 'postgresql://app:Pr0d-pa55w0rd@db.internal:5432/app'  # error\n",
        "from sqlalchemy import create_engine\n"
        "import smtplib\n"
        "engine = create_engine('mysql+pymysql://svc:9f8e7d6c5b@10.0.0.5/shop')  # error\n"
        "def connect(settings):\n"
        "    settings.mail_password = 'hunter2hunter2'  # error\n"
        "    return smtplib.SMTP_SSL(host='smtp', password='zx81-spectrum-128')  # error\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._skip = False
        self._seen: set[int] = set()
        self._settings: frozenset[str] = frozenset()

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._skip = is_test_path(ctx.path)
        self._seen = set()
        self._settings = _settings_classes(node)

    def visit_Assign(self, node: cst.Assign, ctx: FileContext) -> None:
        if self._skip:
            return
        value = _wrapped_default(node.value)
        if value is None:
            return
        for target in node.targets:
            self._check(_target_name(target.target), value, ctx)

    def visit_AnnAssign(self, node: cst.AnnAssign, ctx: FileContext) -> None:
        if self._skip or node.value is None:
            return
        value = _wrapped_default(node.value)
        if value is not None:
            self._check(_target_name(node.target), value, ctx)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if self._skip or not node.args:
            return
        if not any(
            isinstance(arg.value, cst.SimpleString | cst.ConcatenatedString) for arg in node.args
        ):
            return
        if ctx.qualified_name(node.func) in ENV_READS:
            return  # ``os.getenv("DATABASE_URL", "...")``: read from the environment
        for arg in node.args:
            name = arg.keyword.value if arg.keyword is not None else None
            self._check(name, arg.value, ctx)

    def _check(self, name: str | None, value: cst.BaseExpression, ctx: FileContext) -> None:
        text = string_value(value)
        if text is None or id(value) in self._seen:
            return
        self._seen.add(id(value))
        if name is not None and is_secret_name(name) and looks_like_secret_value(name, text):
            kind = _class_kind(ctx, self._settings)
            if kind == "enum":
                return  # ``access_token = "app_access_token"``: a label, not a secret
            message = _SETTINGS_MESSAGE if kind == "settings" else self.message
            ctx.report(value, message.format(name=name))
        elif dsn_password(text) is not None:
            ctx.report(
                value,
                "connection string with a hardcoded password; read it from the environment "
                "through settings",
            )
