"""No-crash runs over real code: the FastAPI corpus and CPython's standard library.

Slow (minutes): deselected by default, run with ``python -m pytest -m slow``.
The corpus is fetched with ``bench/corpus/fetch.sh`` into ``.corpus/`` (ignored by git).
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from tests.conftest import REPO

FETCH = REPO / "bench" / "corpus" / "fetch.sh"
PACKAGES = ("prefect", "apache_airflow_core", "open_webui", "lnbits", "fastapi_users")


def _corpus() -> Path:
    if not FETCH.exists():
        pytest.skip("corpus fetch script not available")
    done = subprocess.run(
        ["bash", str(FETCH), str(REPO / ".corpus")], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"corpus could not be fetched: {done.stderr.strip()[:200]}")
    return Path(done.stdout.strip().splitlines()[-1])


def _check(path: Path) -> dict[str, object]:
    command = [
        sys.executable,
        "-m",
        "layerlint.cli",
        "check",
        str(path),
        "--no-cache",
        "--format",
        "json",
        "--select",
        "LL",
        "--extend-select",
        "LL002,LL209,LL210,LL213,LL309,LL313,LL411,LL503",
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=path)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    payload: dict[str, object] = json.loads(done.stdout)
    return payload


@pytest.mark.slow
@pytest.mark.parametrize("package", PACKAGES)
def test_corpus_package_runs_without_internal_errors(package: str) -> None:
    report = _check(_corpus() / package)
    diagnostics = report["diagnostics"]
    assert isinstance(diagnostics, list)
    assert [d for d in diagnostics if d["code"] == "LL000"] == []


@pytest.mark.slow
def test_standard_library_runs_without_internal_errors() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    report = _check(stdlib)
    diagnostics = report["diagnostics"]
    assert isinstance(diagnostics, list)
    assert [d for d in diagnostics if d["code"] == "LL000"] == []
