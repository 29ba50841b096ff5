"""Regression tests for LL701-LL705 and their helpers, beyond the rules' own examples."""

from __future__ import annotations

import pytest

from layerlint.rules._common import is_secret_name, is_test_path
from layerlint.rules.security.hardcoded_secret import (
    dsn_password,
    is_placeholder,
    looks_like_secret_value,
)
from layerlint.testing import found

# -- helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SECRET_KEY", True),
        ("secret_key", True),
        ("jwtSecret", True),
        ("DB_PASSWORD", True),
        ("GITHUB_TOKEN", True),
        ("api_key", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("TOKEN_URL", False),
        ("PASSWORD_MIN_LENGTH", False),
        ("API_KEY_HEADER", False),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", False),
        ("HASHED_PASSWORD", False),
        ("SECRET_KEY_ENV_VAR", False),
        ("token", False),
        ("AWS_ACCESS_KEY_ID", False),
        ("has_password", False),
        ("IS_API_KEY_SET", False),
        ("apiKey", True),
    ],
)
def test_ll701_secret_names(name: str, expected: bool) -> None:
    assert is_secret_name(name) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("hashed_password", True), ("password_hash", False), ("new_password", True)],
)
def test_ll208_password_hashes_count_as_secrets_in_responses(name: str, expected: bool) -> None:
    assert is_secret_name(name, hashes_count=True) is expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "secret",
        "changeme",
        "change-me-in-production",
        "your-secret-key",
        "<token>",
        "${X}",
        "xxxxxxxx",
    ],
)
def test_ll701_placeholders(value: str) -> None:
    assert is_placeholder(value)


def test_ll701_values_that_name_a_key_are_not_secrets() -> None:
    assert not looks_like_secret_value("ACCESS_TOKEN", "access_token")
    assert not looks_like_secret_value("API_KEY", "X-API-Key")
    # Reproduction of a corpus FP: a permission resource called "Passwords".
    assert not looks_like_secret_value("RESOURCE_PASSWORD", "Passwords")
    assert not looks_like_secret_value("DB_PASSWORD", "DB_PASSWORD")
    assert not looks_like_secret_value("RESET_TOKEN", "Use the link to reset it")
    assert looks_like_secret_value("API_KEY", "c97dd2acbf306ab7bf54aca0aeb7ffa1")
    assert looks_like_secret_value("SECRET_KEY", "my-super-secret-key")


def test_ll701_dsn_passwords() -> None:
    assert dsn_password("postgresql://app:Pr0d-pw@db/app") == "Pr0d-pw"
    assert dsn_password("postgresql+asyncpg://postgres:postgres@localhost/app") is None
    assert dsn_password("postgresql://user:password@localhost/app") is None
    assert dsn_password("mysql://root:${MYSQL_PASSWORD}@db/app") is None
    assert dsn_password("redis://:****@cache:6379/0") is None
    assert dsn_password("postgresql://app@db/app") is None
    assert dsn_password("sqlite:///./app.db") is None


def test_ll701_test_paths() -> None:
    assert is_test_path("tests/unit/test_auth.py")
    assert is_test_path("app/conftest.py")
    assert is_test_path("app/auth_test.py")
    assert not is_test_path("app/core/testing_config.py")
    assert not is_test_path("app/latest/config.py")


# -- LL701 hardcoded-secret -------------------------------------------------------------------


def test_ll701_resource_names_and_generated_keys() -> None:
    source = (
        "RESOURCE_PASSWORD = 'Passwords'\n"
        "RESOURCE_VARIABLE = 'Variables'\n"
        "AMPLITUDE_API_KEY = 'c97dd2acbf306ab7bf54aca0aeb7ffa1'\n"
    )
    assert found({"app/core/permissions.py": source}, "LL701") == [("app/core/permissions.py", 3)]


def test_ll701_settings_fields_env_reads_and_keywords() -> None:
    source = (
        "import os\n"
        "from pydantic import Field, SecretStr\n"
        "from pydantic_settings import BaseSettings\n"
        "class Settings(BaseSettings):\n"
        "    secret_key: SecretStr = SecretStr('n0t-guessable-9f8e')\n"
        "    webhook_secret: str = Field(default_factory=lambda: os.environ['WEBHOOK_SECRET'])\n"
        "    db_url: str = os.getenv('DB_URL', 'postgresql://svc:Xk29-live@db/app')\n"
        "    token_header: str = 'Authorization'\n"
        "client = make_client(api_key='sk_live_51HxYzAbCdEf', timeout=5)\n"
        "other = make_client(api_key=os.environ['API_KEY'])\n"
        "config = {}\n"
        "config['SMTP_PASSWORD'] = 'p4ss-w0rd-2024'\n"
    )
    assert found({"app/core/config.py": source}, "LL701") == [
        ("app/core/config.py", 5),
        ("app/core/config.py", 9),
        ("app/core/config.py", 12),
    ]


def test_ll701_fstrings_and_bytes() -> None:
    source = (
        "PREFIX = 'abc'\n"
        "SECRET_KEY = f'{PREFIX}-0123456789'\n"
        "SIGNING_KEY = b'\\x01\\x02very-real-key-bytes'\n"
    )
    assert found({"app/core/security.py": source}, "LL701") == [("app/core/security.py", 3)]


def test_ll701_reported_once_for_a_dsn_in_a_field_default() -> None:
    source = (
        "from pydantic import Field\n"
        "from pydantic_settings import BaseSettings\n"
        "class Settings(BaseSettings):\n"
        "    database_url: str = Field(default='postgresql://app:Zq81-prod@db/app')\n"
    )
    assert found({"app/core/config.py": source}, "LL701") == [("app/core/config.py", 4)]


# -- LL702 environ-outside-settings ---------------------------------------------------------


def test_ll702_settings_modules_by_name_package_and_base_class() -> None:
    read = "import os\nX = os.getenv('X')\n"
    files = {
        "app/core/settings.py": read,
        "app/config/database.py": read,
        "app/core/mail_settings.py": read,
        "app/core/base.py": (
            "import os\n"
            "from app.core.settings_base import AppSettings\n"
            "class MailSettings(AppSettings):\n"
            "    host: str = os.environ.get('SMTP_HOST', '')\n"
        ),
        "alembic/versions/0001_init.py": read,
        "app/services/user_service.py": read,
    }
    assert found(files, "LL702") == [("app/services/user_service.py", 2)]


def test_ll702_imported_settings_class_name_is_not_resolved_by_path() -> None:
    source = (
        "import os\n"
        "from pydantic_settings import BaseSettings as Base\n"
        "class Settings(Base):\n"
        "    pass\n"
        "DEBUG = os.environ['DEBUG']\n"
    )
    assert found({"app/core/app_setup.py": source}, "LL702") == []


def test_ll702_writes_deletes_and_user_objects_named_environ() -> None:
    source = (
        "import os\n"
        "from app.core import environ\n"
        "os.environ['TZ'] = 'UTC'\n"
        "os.environ['PATH'] += ':/opt/bin'\n"
        "del os.environ['DEBUG']\n"
        "value = environ['X']\n"
        "other = environ.get('Y')\n"
        "copy = os.environ.copy()\n"
    )
    assert found({"app/routes/admin.py": source}, "LL702") == []


# -- LL703 cors-wildcard-with-credentials ---------------------------------------------------


def test_ll703_variants() -> None:
    source = (
        "from fastapi import FastAPI\n"
        "from starlette.middleware.cors import CORSMiddleware\n"
        "app = FastAPI()\n"
        "ORIGINS = ['*']\n"
        "ORIGINS = ['https://a.example']\n"
        "app.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True)\n"
        "app.add_middleware(CORSMiddleware, allow_origins='*', allow_credentials=True)\n"
        "app.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=False)\n"
        "wrapped = CORSMiddleware(app, allow_origins=['*'], allow_credentials=True)\n"
    )
    assert found({"app/main.py": source}, "LL703") == [("app/main.py", 7), ("app/main.py", 9)]


def test_ll703_other_middleware_with_the_same_keywords() -> None:
    source = (
        "from fastapi import FastAPI\n"
        "from app.middleware import SessionMiddleware\n"
        "app = FastAPI()\n"
        "app.add_middleware(SessionMiddleware, allow_origins=['*'], allow_credentials=True)\n"
    )
    assert found({"app/main.py": source}, "LL703") == []


# -- LL704 hardcoded-debug -----------------------------------------------------------------


def test_ll704_variants() -> None:
    source = (
        "from starlette.applications import Starlette\n"
        "from sqlmodel import create_engine\n"
        "import sqlalchemy as sa\n"
        "app = Starlette(debug=True)\n"
        "engine = create_engine('sqlite://', echo=True)\n"
        "noisy = sa.create_engine('sqlite://', echo='debug')\n"
        "pool = sa.create_engine('sqlite://', echo_pool=True)\n"
        "quiet = sa.create_engine('sqlite://', echo=False)\n"
    )
    assert found({"app/main.py": source}, "LL704") == [("app/main.py", 4), ("app/main.py", 5)]


# -- LL705 jwt-without-verification -------------------------------------------------------


def test_ll705_peek_then_verify_same_token() -> None:
    # Reproduction of a corpus case: read ``iss`` unverified, then verify with its keys.
    source = (
        "import jwt\n"
        "def logout(token: str, keys: dict) -> dict:\n"
        "    issuer = jwt.decode(token, options={'verify_signature': False})['iss']\n"
        "    return jwt.decode(token, keys[issuer], algorithms=['RS256'])\n"
        "def peek_other(token: str, other: str, key: str) -> dict:\n"
        "    claims = jwt.decode(token, options={'verify_signature': False})\n"
        "    jwt.decode(other, key, algorithms=['HS256'])\n"
        "    return claims\n"
    )
    assert found({"app/core/security.py": source}, "LL705") == [("app/core/security.py", 6)]


def test_ll705_option_spellings() -> None:
    source = (
        "import jwt as pyjwt\n"
        "def a(t: str, k: str) -> dict:\n"
        "    return pyjwt.decode(t, k, algorithms=['RS1'], options=dict(verify_signature=False))\n"
        "def b(t: str, k: str) -> dict:\n"
        "    return pyjwt.decode(t, k, algorithms=['HS256'], options={'verify_exp': False})\n"
        "def c(t: str, k: str, algs: list) -> dict:\n"
        "    return pyjwt.decode(t, k, algorithms=algs)\n"
        "def d(t: str, k: str, opts: dict) -> dict:\n"
        "    return pyjwt.decode(t, k, options=opts)\n"
        "def e(t: str, k: str) -> dict:\n"
        "    opts = {'verify_signature': False}\n"
        "    return pyjwt.decode(t, k, algorithms=['HS256'], options=opts)\n"
    )
    assert found({"app/core/security.py": source}, "LL705") == [
        ("app/core/security.py", 3),
        ("app/core/security.py", 9),
    ]


def test_ll705_other_decoders_are_not_jwt() -> None:
    source = (
        "import base64\n"
        "from authlib.jose import jwt\n"
        "def a(raw: bytes) -> bytes:\n"
        "    return base64.b64decode(raw)\n"
        "def b(token: str, key: str) -> dict:\n"
        "    return jwt.decode(token, key)\n"
    )
    assert found({"app/core/security.py": source}, "LL705") == []
