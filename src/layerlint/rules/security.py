"""LL7xx: configuration and security (see RULES.md).

All five are file rules: each looks at one literal, one call or one subscript and
resolves names through the file's imports (``CORSMiddleware`` must be Starlette's,
``jwt`` must be PyJWT or python-jose). Test modules are never checked: fake secrets,
``echo=True`` engines and unverified decodes are what tests are for.
"""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.rules.base import Example, FileContext, FileRule, OptionValue
from layerlint.rules.security_support import (
    dsn_password,
    is_secret_name,
    is_test_path,
    looks_like_secret_value,
    string_value,
)
from layerlint.walker import iter_nodes

_ENV_READS = frozenset({"os.getenv", "os.environ.get"})
_SECRET_WRAPPERS = frozenset({"Field", "SecretStr", "SecretBytes"})


def _is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _is_false(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "False"


def _keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


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
    default = _keyword(value, "default")
    if default is not None:
        return default.value
    for arg in value.args:
        if arg.keyword is None and not arg.star:
            return arg.value
    return None


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
        "RESET_TOKEN = 'Reset your password with the link below'\n",
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

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._skip = is_test_path(ctx.path)
        self._seen = set()

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
        if ctx.qualified_name(node.func) in _ENV_READS:
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
            ctx.report(value, self.message.format(name=name))
        elif dsn_password(text) is not None:
            ctx.report(
                value,
                "connection string with a hardcoded password; read it from the environment "
                "through settings",
            )


class EnvironOutsideSettings(FileRule):
    """``os.environ``/``os.getenv()`` read outside the settings module.

    **What it does:** flags ``os.environ[...]`` reads, ``os.environ.get(...)`` and
    ``os.getenv(...)`` in modules that belong to a layer, except the settings module:
    a module named ``config``/``settings`` (or ``*_config``/``*_settings``, or inside a
    ``config``/``settings`` package) and any module that defines a ``BaseSettings``
    subclass. Writes (``os.environ["TZ"] = "UTC"``) are not reads. Files outside the
    layers (scripts, ``alembic/env.py``, tests) and migrations are not checked.

    **Why is this bad?** Configuration read ad hoc is untyped, unvalidated, has its
    defaults scattered over the code base and cannot be overridden in tests through
    one object.

    **Example:** ``DATABASE_URL = os.getenv("DATABASE_URL")`` in ``app/core/database.py``.

    **Use instead:** declare the value on the pydantic-settings class and use
    ``settings.database_url``.
    """

    code = "LL702"
    name = "environ-outside-settings"
    message = "`{what}` outside the settings module; declare it on the pydantic-settings class"
    seed = "ai1-skills: core/config.py pydantic-settings configuration; python-backend-patterns"
    example_path = "app/core/database.py"
    valid = (
        Example(
            {
                "app/core/config.py": (
                    "import os\n"
                    "DEBUG = os.getenv('DEBUG') == '1'\n"
                    "SECRET_KEY = os.environ['SECRET_KEY']\n"
                ),
                "app/core/env_settings.py": (
                    "import os\n"
                    "from pydantic_settings import BaseSettings\n"
                    "REGION = os.environ.get('REGION', 'eu')\n"
                    "class Settings(BaseSettings):\n"
                    "    region: str = REGION\n"
                ),
                "scripts/seed.py": "import os\nURL = os.getenv('URL')\n",
                "alembic/env.py": "import os\nURL = os.environ['DATABASE_URL']\n",
                "tests/conftest.py": "import os\nos.environ.get('X')\n",
            }
        ),
        "import os\n"
        "from app.core.config import settings\n"
        "os.environ['TZ'] = 'UTC'\n"
        "def env_for_worker() -> dict:\n"
        "    env = dict(os.environ)\n"
        "    env['PATH'] = '/bin'\n"
        "    return env\n"
        "URL = settings.database_url\n",
    )
    invalid = (
        "import os\n"
        "from os import environ, getenv\n"
        "DATABASE_URL = os.getenv('DATABASE_URL')  # error\n"
        "POOL = int(environ.get('POOL_SIZE', '5'))  # error\n"
        "def echo() -> bool:\n"
        "    if getenv('DEBUG'):  # error\n"
        "        return True\n"
        "    return os.environ['SQL_ECHO'] == '1'  # error\n",
        Example(
            {
                "app/services/mail_service.py": (
                    "import os\nclass Mailer:\n    host = os.environ.get('SMTP_HOST')  # error\n"
                )
            }
        ),
    )

    _SETTINGS_STEMS = frozenset({"config", "settings", "conf", "configuration"})

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._active = False
        self._written: set[int] = set()
        self._pending: list[tuple[cst.CSTNode, str]] = []

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._written = set()
        self._pending = []
        self._active = (
            ctx.layer is not None
            and ctx.layer != "migrations"
            and not is_test_path(ctx.path)
            and not self._is_settings_path(ctx.path)
        )

    def leave_Module(self, node: cst.Module, ctx: FileContext) -> None:
        """Report at the end: only now are all the module's imports (and classes) known."""
        if self._pending and not self._defines_settings(node, ctx):
            for read, message in self._pending:
                ctx.report(read, message)
        self._pending = []

    def _is_settings_path(self, path: str) -> bool:
        parts = path.replace("\\", "/").split("/")
        stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
        if stem in self._SETTINGS_STEMS or stem.endswith(("_config", "_settings")):
            return True
        return any(part in self._SETTINGS_STEMS for part in parts[:-1])

    @staticmethod
    def _defines_settings(module: cst.Module, ctx: FileContext) -> bool:
        """A top-level class deriving from ``BaseSettings`` (or a ``*Settings`` base)."""
        for stmt in module.body:
            if not isinstance(stmt, cst.ClassDef):
                continue
            for base in stmt.bases:
                value = base.value
                last = value.attr.value if isinstance(value, cst.Attribute) else None
                if isinstance(value, cst.Name):
                    last = value.value
                if last is not None and last.endswith("Settings"):
                    return True
                if ctx.qualified_name(value) in (
                    "pydantic_settings.BaseSettings",
                    "pydantic.BaseSettings",
                ):
                    return True
        return False

    def _mark_written(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Subscript):
            self._written.add(id(target))

    def visit_Assign(self, node: cst.Assign, ctx: FileContext) -> None:
        if self._active:
            for target in node.targets:
                self._mark_written(target.target)

    def visit_AugAssign(self, node: cst.AugAssign, ctx: FileContext) -> None:
        if self._active:
            self._mark_written(node.target)

    def visit_Del(self, node: cst.Del, ctx: FileContext) -> None:
        if self._active:
            self._mark_written(node.target)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if not self._active:
            return
        func = node.func
        if isinstance(func, cst.Attribute):
            if func.attr.value not in ("get", "getenv"):
                return
        elif not (isinstance(func, cst.Name) and func.value == "getenv"):
            return
        qualified = ctx.qualified_name(func)
        if qualified in _ENV_READS:
            what = "os.getenv()" if qualified == "os.getenv" else "os.environ.get()"
            self._pending.append((node, self.message.format(what=what)))

    def visit_Subscript(self, node: cst.Subscript, ctx: FileContext) -> None:
        if not self._active or id(node) in self._written:
            return
        value = node.value
        if not (
            (isinstance(value, cst.Attribute) and value.attr.value == "environ")
            or (isinstance(value, cst.Name) and value.value == "environ")
        ):
            return
        if ctx.qualified_name(value) == "os.environ":
            self._pending.append((node, self.message.format(what="os.environ[...]")))


_CORS = frozenset(
    {"starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware"}
)
_MIDDLEWARE = frozenset({"starlette.middleware.Middleware", "fastapi.middleware.Middleware"})


class CorsWildcardWithCredentials(FileRule):
    """``CORSMiddleware`` allowing every origin together with credentials.

    **What it does:** flags ``app.add_middleware(CORSMiddleware, ...)``,
    ``Middleware(CORSMiddleware, ...)`` and ``CORSMiddleware(app, ...)`` (Starlette's or
    FastAPI's class) with ``allow_origins=["*"]`` (a literal, or a name assigned such a
    literal in the same file) and ``allow_credentials=True``. Reported at
    ``allow_origins``.

    **Why is this bad?** With credentials allowed, Starlette answers a wildcard with
    the caller's own origin, so any web site can make authenticated requests with the
    user's cookies and read the responses.

    **Example:** ``app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)``

    **Use instead:** list the front-end origins (``settings.cors_origins``), or keep the
    wildcard and drop ``allow_credentials``.
    """

    code = "LL703"
    name = "cors-wildcard-with-credentials"
    message = "CORS allows every origin with credentials; list the allowed origins explicitly"
    seed = "python-backend-patterns: CORS_ORIGINS - allowed origins from settings"
    example_path = "app/main.py"
    valid = (
        "from fastapi import FastAPI\n"
        "from fastapi.middleware.cors import CORSMiddleware\n"
        "from app.core.config import settings\n"
        "app = FastAPI()\n"
        "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_methods=['*'])\n"
        "app.add_middleware(\n"
        "    CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True\n"
        ")\n"
        "app.add_middleware(\n"
        "    CORSMiddleware, allow_origins=['https://app.example.com'], allow_credentials=True\n"
        ")\n",
        "from app.middleware import CORSMiddleware, add_middleware\n"
        "add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)\n",
    )
    invalid = (
        "from fastapi import FastAPI\n"
        "from fastapi.middleware.cors import CORSMiddleware\n"
        "app = FastAPI()\n"
        "app.add_middleware(\n"
        "    CORSMiddleware,\n"
        "    allow_origins=['*'],  # error\n"
        "    allow_credentials=True,\n"
        ")\n",
        "from starlette.applications import Starlette\n"
        "from starlette.middleware import Middleware\n"
        "from starlette.middleware.cors import CORSMiddleware\n"
        "ORIGINS = ('*',)\n"
        "middleware = [\n"
        "    Middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True),  # error\n"
        "]\n"
        "app = Starlette(middleware=middleware)\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._wildcards: dict[str, bool] = {}

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._wildcards = {}

    def visit_Assign(self, node: cst.Assign, ctx: FileContext) -> None:
        if not isinstance(node.value, cst.List | cst.Tuple | cst.Set | cst.SimpleString):
            return
        wildcard = self._is_wildcard(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                self._wildcards[name] = self._wildcards.get(name, True) and wildcard

    def _is_wildcard(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.SimpleString):
            return string_value(node) == "*"
        if isinstance(node, cst.List | cst.Tuple | cst.Set):
            return any(
                isinstance(el, cst.Element) and string_value(el.value) == "*"
                for el in node.elements
            )
        if isinstance(node, cst.Name):
            return self._wildcards.get(node.value, False)
        return False

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if not node.args:
            return
        func = node.func
        last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if last not in ("add_middleware", "Middleware", "CORSMiddleware"):
            return
        origins = _keyword(node, "allow_origins")
        credentials = _keyword(node, "allow_credentials")
        if origins is None or credentials is None or not _is_true(credentials.value):
            return
        if not self._is_wildcard(origins.value):
            return
        if last == "CORSMiddleware":
            if ctx.qualified_name(func) not in _CORS:
                return
        else:
            first = node.args[0]
            if first.keyword is not None or ctx.qualified_name(first.value) not in _CORS:
                return
            if last == "Middleware" and ctx.qualified_name(func) not in _MIDDLEWARE:
                return
            if last == "add_middleware" and not isinstance(func, cst.Attribute):
                return
        ctx.report(origins)


_APPS = frozenset(
    {"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"}
)
_ENGINES = frozenset(
    {
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine",
        "sqlmodel.create_engine",
    }
)


class HardcodedDebug(FileRule):
    """Debug output switched on by a literal.

    **What it does:** flags ``FastAPI(debug=True)`` (and ``Starlette(debug=True)``) and
    ``create_engine(..., echo=True)`` / ``create_async_engine(..., echo=True)`` where the
    value is the literal ``True``. A value from settings (``echo=settings.debug``) is
    fine, and test modules are not checked. Reported at the keyword argument.

    **Why is this bad?** A literal cannot be turned off in production: ``debug=True``
    returns tracebacks (with local variables and settings) to the client, ``echo=True``
    logs every SQL statement and its parameters, personal data included.

    **Example:** ``engine = create_async_engine(url, echo=True)``

    **Use instead:** ``echo=settings.debug`` / ``FastAPI(debug=settings.debug)``.
    """

    code = "LL704"
    name = "hardcoded-debug"
    message = "`{keyword}=True` hardcoded; take it from settings (`{keyword}=settings.debug`)"
    seed = "ai1-skills: create_async_engine(settings.database_url, echo=settings.debug)"
    example_path = "app/core/database.py"
    valid = (
        "from sqlalchemy.ext.asyncio import create_async_engine\n"
        "from app.core.config import settings\n"
        "engine = create_async_engine(settings.database_url, echo=settings.debug)\n"
        "other = create_async_engine(settings.database_url, echo=False, pool_pre_ping=True)\n",
        Example(
            {
                "tests/conftest.py": (
                    "from sqlalchemy import create_engine\n"
                    "engine = create_engine('sqlite://', echo=True)\n"
                ),
                "app/main.py": (
                    "from app.factory import FastAPI\n"
                    "from app.core import db\n"
                    "app = FastAPI(debug=True)\n"
                    "engine = db.create_engine('sqlite://', echo=True)\n"
                ),
            }
        ),
    )
    invalid = (
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.ext.asyncio import create_async_engine\n"
        "engine = create_engine('sqlite:///app.db', echo=True)  # error\n"
        "async_engine = create_async_engine(\n"
        "    'postgresql+asyncpg:///app',\n"
        "    echo=True,  # error\n"
        ")\n",
        Example(
            {
                "app/main.py": (
                    "import fastapi\napp = fastapi.FastAPI(title='api', debug=True)  # error\n"
                )
            }
        ),
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._skip = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._skip = is_test_path(ctx.path)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if self._skip or not node.args:
            return
        for arg in node.args:
            if arg.keyword is None or not _is_true(arg.value):
                continue
            keyword = arg.keyword.value
            if keyword == "debug":
                expected = _APPS
            elif keyword == "echo":
                expected = _ENGINES
            else:
                continue
            if ctx.qualified_name(node.func) in expected:
                ctx.report(arg, self.message.format(keyword=keyword))


_JWT_DECODE = frozenset({"jwt.decode", "jwt.api_jwt.decode", "jose.jwt.decode"})


class JwtWithoutVerification(FileRule):
    """``jwt.decode`` that does not verify the signature or does not pin the algorithms.

    **What it does:** flags ``decode`` of PyJWT (``jwt.decode``) and python-jose
    (``jose.jwt.decode``) called with ``options={"verify_signature": False}`` or
    ``verify=False`` (reported at that argument), or without ``algorithms=`` (neither as
    a keyword nor as the third positional argument, or ``algorithms=None``; reported at
    the call). An unverified decode followed, in the same function, by a verified
    decode of the same token (peek at ``iss``/``kid``, then verify) is fine. Calls
    with ``*args``/``**kwargs`` are left alone; test modules are not checked.

    **Why is this bad?** An unverified token is just user input: anyone can write
    ``{"sub": "admin"}``. Without a pinned algorithm list the token chooses how it is
    checked (``alg: none``, or an RSA public key used as an HMAC secret).

    **Example:** ``payload = jwt.decode(token, settings.secret_key)``

    **Use instead:** ``jwt.decode(token, settings.secret_key, algorithms=["HS256"])``.
    """

    code = "LL705"
    name = "jwt-without-verification"
    message = "`jwt.decode` without `algorithms=`; pin the accepted algorithms"
    seed = "ai1-skills: core/security.py JWT utilities; fastapi-production: decode_token"
    example_path = "app/core/security.py"
    valid = (
        "import jwt\n"
        "from app.core.config import settings\n"
        "def decode_token(token: str) -> dict:\n"
        "    return jwt.decode(token, settings.secret_key, algorithms=[settings.algorithm])\n"
        "def legacy(token: str) -> dict:\n"
        "    return jwt.decode(token, settings.secret_key, ['HS256'])\n"
        "def header(token: str) -> dict:\n"
        "    return jwt.get_unverified_header(token)\n"
        "def forwarded(token: str, **kwargs: object) -> dict:\n"
        "    return jwt.decode(token, **kwargs)\n"
        "def oidc(token: str, keys: dict) -> dict:\n"
        "    issuer = jwt.decode(token, options={'verify_signature': False})['iss']\n"
        "    return jwt.decode(token, keys[issuer], algorithms=['RS256'])\n",
        Example(
            {
                "app/core/security.py": (
                    "from app.core import jwt\n"
                    "def decode(token: str) -> dict:\n"
                    "    return jwt.decode(token)\n"
                ),
                "tests/test_security.py": (
                    "import jwt\n"
                    "def test_claims(token: str) -> None:\n"
                    "    jwt.decode(token, options={'verify_signature': False})\n"
                ),
            }
        ),
    )
    invalid = (
        "import jwt\n"
        "from app.core.config import settings\n"
        "def decode_token(token: str) -> dict:\n"
        "    return jwt.decode(token, settings.secret_key)  # error\n"
        "def claims(token: str) -> dict:\n"
        "    return jwt.decode(token, options={'verify_signature': False})  # error\n",
        "from jose import jwt\n"
        "from jwt import decode\n"
        "def claims(token: str, key: str) -> dict:\n"
        "    return jwt.decode(token, key, algorithms=None)  # error\n"
        "def old(token: str, key: str) -> dict:\n"
        "    return decode(token, key, verify=False)  # error\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._skip = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._skip = is_test_path(ctx.path)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if self._skip:
            return
        func = node.func
        last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if last != "decode" or ctx.qualified_name(func) not in _JWT_DECODE:
            return
        disabled = self._verification_disabled(node)
        if disabled is not None:
            if not self._verified_later(node, ctx):
                ctx.report(disabled, "`jwt.decode` with signature verification disabled")
            return
        if any(arg.star for arg in node.args):
            return
        algorithms = _keyword(node, "algorithms")
        if algorithms is not None:
            if isinstance(algorithms.value, cst.Name) and algorithms.value.value == "None":
                ctx.report(node)
            return
        positional = [arg for arg in node.args if arg.keyword is None]
        if len(positional) < 3:
            ctx.report(node)

    def _verified_later(self, node: cst.Call, ctx: FileContext) -> bool:
        """Peek-then-verify: the same token is decoded with verification in the function.

        Reading the unverified ``iss``/``kid`` to pick the key is how OIDC clients work.
        """
        function = getattr(ctx, "enclosing_function", None)
        token = next((arg.value for arg in node.args if arg.keyword is None), None)
        if not isinstance(function, cst.FunctionDef) or token is None:
            return False
        for other in iter_nodes(function.body, (cst.Call,)):
            if other is node or not isinstance(other, cst.Call):
                continue
            if ctx.qualified_name(other.func) not in _JWT_DECODE:
                continue
            first = next((arg.value for arg in other.args if arg.keyword is None), None)
            if first is None or not first.deep_equals(token):
                continue
            if self._verification_disabled(other) is None and (
                _keyword(other, "algorithms") is not None
                or len([arg for arg in other.args if arg.keyword is None]) >= 3
            ):
                return True
        return False

    @staticmethod
    def _verification_disabled(node: cst.Call) -> cst.Arg | None:
        verify = _keyword(node, "verify")
        if verify is not None and _is_false(verify.value):
            return verify
        options = _keyword(node, "options")
        if options is None:
            return None
        value = options.value
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if (
                    isinstance(element, cst.DictElement)
                    and string_value(element.key) == "verify_signature"
                    and _is_false(element.value)
                ):
                    return options
        elif isinstance(value, cst.Call) and getattr(value.func, "value", None) == "dict":
            flag = _keyword(value, "verify_signature")
            if flag is not None and _is_false(flag.value):
                return options
        return None


__all__ = [
    "CorsWildcardWithCredentials",
    "EnvironOutsideSettings",
    "HardcodedDebug",
    "HardcodedSecret",
    "JwtWithoutVerification",
]
