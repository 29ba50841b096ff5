"""Issue 12, items 1-3: fixes that ruff's ``I``/``E3``/``F401`` rules and layerlint accept."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest

from layerlint.import_edits import add_imports
from layerlint.rules.fastapi.bare_status_code import HTTP_STATUS_NAMES, RENAMED_STATUS_NAMES
from layerlint.testing import checked_fix, offers_fix

EXAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "example"


def added(
    source: str, *items: tuple[str, str | None], first_party: tuple[str, ...] = ("app",)
) -> str:
    return add_imports(cst.parse_module(source), items, first_party).code


# -- item 1: import placement ---------------------------------------------------------------


def test_name_joins_an_existing_from_line_in_sorted_position() -> None:
    source = "from fastapi import APIRouter, Depends, status\n\nx = 1\n"
    assert added(source, ("fastapi", "HTTPException")) == (
        "from fastapi import APIRouter, Depends, HTTPException, status\n\nx = 1\n"
    )


def test_name_already_imported_adds_nothing() -> None:
    source = "from fastapi import HTTPException\n\nx = 1\n"
    assert added(source, ("fastapi", "HTTPException")) == source


def test_new_line_goes_into_the_third_party_section_in_order() -> None:
    source = (
        "import os\n"
        "\n"
        "from pydantic import BaseModel\n"
        "from sqlalchemy import select\n"
        "\n"
        "from app.models import User\n"
    )
    assert added(source, ("pydantic_settings", "BaseSettings")) == (
        "import os\n"
        "\n"
        "from pydantic import BaseModel\n"
        "from pydantic_settings import BaseSettings\n"
        "from sqlalchemy import select\n"
        "\n"
        "from app.models import User\n"
    )


def test_new_third_party_section_between_stdlib_and_first_party() -> None:
    source = "import os\n\nfrom app.models import User\n"
    assert added(source, ("fastapi", "status")) == (
        "import os\n\nfrom fastapi import status\n\nfrom app.models import User\n"
    )


def test_first_import_of_a_module_follows_the_docstring_with_blank_lines() -> None:
    source = '"""Doc."""\nclass A:\n    pass\n'
    assert added(source, ("fastapi", "status")) == (
        '"""Doc."""\n\nfrom fastapi import status\n\n\nclass A:\n    pass\n'
    )


def test_long_from_line_is_wrapped_as_ruff_formats_it() -> None:
    source = "from sqlalchemy import BigInteger, Boolean, Date, DateTime, Enum, Float, ForeignKey\n"
    assert added(source, ("sqlalchemy", "Integer")) == (
        "from sqlalchemy import (\n"
        "    BigInteger,\n"
        "    Boolean,\n"
        "    Date,\n"
        "    DateTime,\n"
        "    Enum,\n"
        "    Float,\n"
        "    ForeignKey,\n"
        "    Integer,\n"
        ")\n"
    )


def test_ll206_commented_import_merges_into_the_fastapi_line_keeping_the_comment() -> None:
    source = (
        "from fastapi import APIRouter, status\n"
        "from starlette.exceptions import HTTPException  # legacy\n"
        "\n"
        "router = APIRouter()\n"
        "def a() -> None:\n"
        "    raise HTTPException(status_code=status.HTTP_409_CONFLICT)\n"
    )
    files, _ = checked_fix({"app/routes/users.py": source}, "LL206")
    assert files["app/routes/users.py"].startswith(
        "# legacy\nfrom fastapi import APIRouter, HTTPException, status\n\nrouter"
    )


def test_ll406_repointed_import_moves_to_its_sorted_place() -> None:
    source = (
        "from pydantic import BaseSettings, Field\n"
        "from sqlalchemy import select\n"
        "\n"
        "\n"
        "class S(BaseSettings):\n"
        "    x: int = Field(1)\n"
    )
    files, _ = checked_fix({"app/core/config.py": source}, "LL406")
    assert files["app/core/config.py"].startswith(
        "from pydantic import Field\nfrom pydantic_settings import BaseSettings\n"
        "from sqlalchemy import select\n"
    )


def test_class_created_by_a_fix_gets_two_blank_lines_around_it() -> None:
    source = (
        "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\nNAME = 'x'\n"
    )
    files, _ = checked_fix({"app/models/base.py": source}, "LL304")
    assert files["app/models/base.py"] == (
        "from sqlalchemy.orm import DeclarativeBase\n"
        "\n"
        "\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "\n"
        "\n"
        "NAME = 'x'\n"
    )


# -- item 2: no fix creates a layerlint finding ----------------------------------------------


# An HTTPException in a service is LL104's finding (LL201 does not repeat it); a response
# built there still gets LL201.
SERVICE = (
    "from fastapi.responses import JSONResponse\n"
    "\n"
    "\n"
    "def find(found: bool) -> JSONResponse:\n"
    "    return JSONResponse({}, status_code=404)\n"
)


def test_ll201_in_a_service_module_offers_no_fix_that_imports_fastapi() -> None:
    assert offers_fix({"app/services/user_service.py": SERVICE}, "LL201") == [False]


def test_ll201_in_a_service_module_reuses_an_existing_status_import() -> None:
    source = "from fastapi import status\n" + SERVICE
    assert offers_fix({"app/services/user_service.py": source}, "LL201") == [True]


# -- item 3: current Starlette names ---------------------------------------------------------


def test_renamed_codes_suggest_the_current_names() -> None:
    assert HTTP_STATUS_NAMES[422] == "HTTP_422_UNPROCESSABLE_CONTENT"
    assert HTTP_STATUS_NAMES[413] == "HTTP_413_CONTENT_TOO_LARGE"
    assert HTTP_STATUS_NAMES[414] == "HTTP_414_URI_TOO_LONG"
    assert HTTP_STATUS_NAMES[416] == "HTTP_416_RANGE_NOT_SATISFIABLE"
    assert not set(HTTP_STATUS_NAMES.values()) & set(RENAMED_STATUS_NAMES.values())


def test_status_names_match_the_installed_starlette() -> None:
    status = pytest.importorskip("starlette.status")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for code, name in HTTP_STATUS_NAMES.items():
            assert name in status.__all__, name
            assert getattr(status, name) == code


# -- the acceptance test: ruff and layerlint on the fixed example ------------------


def _ruff() -> list[str]:
    found = shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed (it is in the dev extra)")
    return [found]


def _ruff_findings(root: Path) -> Counter[tuple[str, str]]:
    command = [*_ruff(), "check", "--isolated", "--preview", "--select", "I,E3,F401"]
    output = subprocess.run(
        [*command, "--output-format", "json", "--exit-zero", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return Counter(
        (Path(item["filename"]).relative_to(root).as_posix(), item["code"])
        for item in json.loads(output)
    )


def _layerlint_findings(root: Path) -> Counter[tuple[str, str, str]]:
    output = subprocess.run(
        [sys.executable, "-m", "layerlint", "check", "--no-cache", "--output-format", "json", "."],
        cwd=root,
        capture_output=True,
        text=True,
    ).stdout
    return Counter((d["path"], d["code"], d["message"]) for d in json.loads(output)["diagnostics"])


def test_fixed_example_has_no_new_ruff_or_layerlint_findings(tmp_path: Path) -> None:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE, root)
    (root / "app" / "services" / "status_service.py").write_text(SERVICE)
    ruff_before, ours_before = _ruff_findings(root), _layerlint_findings(root)
    subprocess.run(
        [sys.executable, "-m", "layerlint", "check", "--no-cache", "--fix", "--unsafe-fixes", "."],
        cwd=root,
        capture_output=True,
    )
    ruff_after, ours_after = _ruff_findings(root), _layerlint_findings(root)
    assert ruff_after - ruff_before == Counter()
    assert ours_after - ours_before == Counter()
    assert sum(ours_after.values()) < sum(ours_before.values())
