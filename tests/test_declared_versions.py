"""The project's own Pydantic / SQLAlchemy major version decides which advice applies."""

from __future__ import annotations

from pathlib import Path

import pytest

from layerlint.config import parse_config
from layerlint.declared_versions import declared_major
from layerlint.errors import ConfigError
from layerlint.testing import fix_files, found, lint_files

SCHEMAS = (
    "from pydantic import BaseModel, BaseSettings, validator\n"
    "class UserOut(BaseModel):\n"
    "    email: str\n"
    "    class Config:\n"
    "        orm_mode = True\n"
    "    @validator('email')\n"
    "    def lower(cls, v):\n"
    "        return v.lower()\n"
    "def dump(u: UserOut) -> dict:\n"
    "    return UserOut.parse_obj(u.dict()).dict()\n"
    "class Settings(BaseSettings):\n"
    "    debug: bool = False\n"
)
POETRY_V1 = "[tool.poetry.dependencies]\npython = '^3.8'\npydantic = '^1.10.5'\n"
PYDANTIC_CODES = ("LL401", "LL402", "LL403", "LL404", "LL405", "LL406")


def _pyproject(body: str) -> str:
    return "[project]\nname = 'example'\n" + body


@pytest.mark.parametrize(
    ("files", "major"),
    [
        ({"pyproject.toml": "[tool.poetry.dependencies]\npydantic = '^1.10.5'\n"}, 1),
        ({"pyproject.toml": "[tool.poetry.dependencies]\npydantic = {version = '1.10.2'}\n"}, 1),
        ({"pyproject.toml": "[tool.poetry.dependencies]\npydantic = '>=1.8,<2.0'\n"}, 1),
        ({"pyproject.toml": "[tool.poetry.dependencies]\npydantic = '^2.5'\n"}, 2),
        ({"pyproject.toml": "[tool.poetry.dependencies]\npydantic = '^1.10 || ^2.0'\n"}, None),
        ({"pyproject.toml": _pyproject("dependencies = ['pydantic[email]>=1.8,<2']\n")}, 1),
        ({"pyproject.toml": _pyproject("dependencies = ['pydantic>=2.0']\n")}, 2),
        ({"pyproject.toml": _pyproject("dependencies = ['pydantic>=1.8']\n")}, None),
        ({"pyproject.toml": "[dependency-groups]\ndev = ['pydantic~=1.10']\n"}, 1),
        ({"requirements.txt": "fastapi==0.95\npydantic==1.10.7  # pinned\n"}, 1),
        ({"requirements/base.txt": "Pydantic < 2 ; python_version >= '3.8'\n"}, 1),
        ({"setup.cfg": "[options]\ninstall_requires =\n    pydantic==1.9.*\n"}, 1),
        (
            {
                "pyproject.toml": _pyproject("dependencies = ['pydantic']\n"),
                "poetry.lock": "[[package]]\nname = 'pydantic'\nversion = '1.10.13'\n",
            },
            1,
        ),
        ({"uv.lock": "[[package]]\nname = 'pydantic'\nversion = '2.7.1'\n"}, 2),
        ({"pyproject.toml": _pyproject("dependencies = ['fastapi']\n")}, None),
        ({"pyproject.toml": "not toml ["}, None),
    ],
)
def test_declared_pydantic_major(tmp_path: Path, files: dict[str, str], major: int | None) -> None:
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    declared = declared_major(tmp_path, "pydantic")
    assert (declared.major if declared else None) == major


@pytest.mark.parametrize("code", PYDANTIC_CODES)
def test_ll4xx_off_in_a_pydantic1_project(code: str) -> None:
    files = {"pyproject.toml": POETRY_V1, "app/schemas/user.py": SCHEMAS}
    assert found(files, code) == []


@pytest.mark.parametrize("code", PYDANTIC_CODES)
def test_ll4xx_reported_when_pydantic2_declared(code: str) -> None:
    files = {"pyproject.toml": POETRY_V1.replace("^1.10.5", "^2.5"), "app/schemas/user.py": SCHEMAS}
    assert found(files, code) != []


def test_ll401_pydantic_version_setting_overrides_detection() -> None:
    files = {"pyproject.toml": POETRY_V1, "app/schemas/user.py": SCHEMAS}
    diagnostics = lint_files(files, select=("LL401",), config_table={"pydantic-version": 2})
    assert [(d.path, d.span.line) for d in diagnostics] == [("app/schemas/user.py", 4)]
    unpinned = {"app/schemas/user.py": SCHEMAS}
    assert lint_files(unpinned, select=("LL401",), config_table={"pydantic-version": 1}) == []


def test_ll4xx_fixes_never_applied_in_a_pydantic1_project() -> None:
    files = {"pyproject.toml": POETRY_V1, "app/schemas/user.py": SCHEMAS}
    after, _, count = fix_files(files, ("LL4",), unsafe=True)
    assert count == 0
    assert after == files


SQLALCHEMY_13 = "[tool.poetry.dependencies]\nsqlalchemy = '^1.3.16'\n"
MODEL = (
    "from sqlalchemy import Column, Integer\n"
    "from sqlalchemy.ext.declarative import declarative_base\n"
    "from sqlalchemy.orm import relationship\n"
    "Base = declarative_base()\n"
    "class User(Base):\n"
    "    __tablename__ = 'user'\n"
    "    id = Column(Integer, primary_key=True)\n"
    "    items = relationship('Item')  # LL302: a Column line is LL301's alone\n"
)
QUERY = (
    "from sqlalchemy.orm import Session\n"
    "from app.models.user import User\n"
    "def get(db: Session, user_id: int):\n"
    "    return db.query(User).filter(User.id == user_id).first()\n"
)


@pytest.mark.parametrize("code", ["LL301", "LL302", "LL303", "LL304"])
def test_ll30x_off_in_a_sqlalchemy1_project(code: str) -> None:
    files = {
        "pyproject.toml": SQLALCHEMY_13,
        "app/models/user.py": MODEL,
        "app/crud/users.py": QUERY,
    }
    assert found(files, code) == []
    files["pyproject.toml"] = SQLALCHEMY_13.replace("^1.3.16", "^2.0")
    assert found(files, code) != []


@pytest.mark.parametrize("value", [3, "2", True, 1.5])
def test_version_settings_are_validated(tmp_path: Path, value: object) -> None:
    for key in ("pydantic-version", "sqlalchemy-version"):
        with pytest.raises(ConfigError, match=f"{key}: expected 1 or 2"):
            parse_config({key: value}, tmp_path)
