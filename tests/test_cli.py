"""The command line end to end: exit codes, outputs, path filtering, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.conftest import MakeProject

from layerlint.cli import main

SERVICE_WITH_HTTP = (
    "from fastapi import HTTPException\n"
    "\n"
    "def get_user(user, code: int):\n"
    "    if user is None:\n"
    "        raise HTTPException(status_code=code)\n"
    "    return user\n"
)
CLEAN_SERVICE = "class NotFoundError(Exception):\n    pass\n"


def invoke(root: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout, result.stderr


def test_clean_project_exits_zero(make_project: MakeProject) -> None:
    root = make_project({"app/services/user_service.py": CLEAN_SERVICE})
    code, out, _ = invoke(root, "check", "--no-cache")
    assert code == 0
    assert "All checks passed" in out


def test_violation_exits_one_with_located_text(make_project: MakeProject) -> None:
    root = make_project({"app/services/user_service.py": SERVICE_WITH_HTTP})
    code, out, _ = invoke(root, "check", "--no-cache")
    assert code == 1
    assert "app/services/user_service.py:5:9: LL104" in out
    assert "app/services/user_service.py:1:21: LL106" in out
    assert "\x1b[" not in out  # no colour when not a terminal


def test_json_output_schema(make_project: MakeProject) -> None:
    root = make_project({"app/services/user_service.py": SERVICE_WITH_HTTP})
    code, out, _ = invoke(root, "check", "--no-cache", "--format", "json")
    payload = json.loads(out)
    assert code == 1
    assert payload["version"] == 1
    assert payload["tool"]["name"] == "layerlint"
    first = payload["diagnostics"][0]
    assert set(first) == {
        "code",
        "name",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "severity",
        "layer",
        "fixable",
        "fix",
        "url",
    }
    assert [(d["code"], d["line"], d["column"]) for d in payload["diagnostics"]] == [
        ("LL106", 1, 21),
        ("LL104", 5, 9),
    ]
    assert payload["summary"] == {"files": 1, "diagnostics": 2, "by_code": {"LL104": 1, "LL106": 1}}


def test_paths_relative_to_working_directory(make_project: MakeProject) -> None:
    root = make_project({"app/services/user_service.py": SERVICE_WITH_HTTP})
    code, out, _ = invoke(root / "app", "check", "--no-cache", "--format", "json", "services")
    assert code == 1
    assert {d["path"] for d in json.loads(out)["diagnostics"]} == {"services/user_service.py"}


def test_given_files_are_reported_but_whole_project_analysed(make_project: MakeProject) -> None:
    root = make_project(
        {
            "app/repositories/user_repo.py": "class UserRepository:\n    def get(self, i: int) -> None:\n        return None\n",
            "app/routes/users.py": (
                "from fastapi import APIRouter\n"
                "from app.repositories.user_repo import UserRepository\n"
                "router = APIRouter()\n"
                "@router.get('/')\n"
                "def show() -> None:\n"
                "    return UserRepository().get(1)\n"
            ),
            "app/services/user_service.py": SERVICE_WITH_HTTP,
        }
    )
    code, out, _ = invoke(root, "check", "--no-cache", "--format", "json", "app/routes/users.py")
    found = {(d["path"], d["code"], d["line"]) for d in json.loads(out)["diagnostics"]}
    assert code == 1
    assert found == {("app/routes/users.py", "LL101", 2), ("app/routes/users.py", "LL102", 6)}


def test_select_and_ignore(make_project: MakeProject) -> None:
    root = make_project({"app/services/user_service.py": SERVICE_WITH_HTTP})
    _, out, _ = invoke(root, "check", "--no-cache", "--format", "json", "--select", "LL104")
    assert [d["code"] for d in json.loads(out)["diagnostics"]] == ["LL104"]
    code, out, _ = invoke(root, "check", "--no-cache", "--ignore", "LL104,LL106")
    assert code == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("check", "--select", "LL999"), "unknown rule code or prefix 'LL999'"),
        (("check", "does-not-exist"), "does-not-exist: no such file or directory"),
        (("explain", "LL998"), "unknown rule code 'LL998'"),
    ],
)
def test_usage_errors_exit_two(
    make_project: MakeProject, args: tuple[str, ...], expected: str
) -> None:
    root = make_project({"app/x.py": "x = 1\n"})
    code, _, err = invoke(root, *args)
    assert code == 2
    assert expected in err
    assert "Traceback" not in err


def test_syntax_error_is_ll001_and_run_continues(make_project: MakeProject) -> None:
    root = make_project(
        {
            "app/services/broken.py": "def broken(:\n    pass\n",
            "app/services/user_service.py": SERVICE_WITH_HTTP,
        }
    )
    code, out, _ = invoke(root, "check", "--no-cache", "--format", "json")
    found = {(d["path"], d["code"], d["line"]) for d in json.loads(out)["diagnostics"]}
    assert code == 1
    assert ("app/services/broken.py", "LL001", 1) in found
    assert ("app/services/user_service.py", "LL104", 5) in found


def test_noqa_and_layerlint_ignore(make_project: MakeProject) -> None:
    source = SERVICE_WITH_HTTP.replace(
        "raise HTTPException(status_code=code)",
        "raise HTTPException(status_code=code)  # noqa: LL104",
    ).replace(
        "from fastapi import HTTPException",
        "from fastapi import HTTPException  # layerlint: ignore[LL106]",
    )
    root = make_project({"app/services/user_service.py": source})
    code, out, _ = invoke(root, "check", "--no-cache")
    assert code == 0, out
    other = SERVICE_WITH_HTTP.replace("status_code=code)", "status_code=code)  # noqa: E501")
    root2 = make_project({"app/services/user_service.py": other})
    _, out, _ = invoke(root2, "check", "--no-cache", "--format", "json")
    assert "LL104" in {d["code"] for d in json.loads(out)["diagnostics"]}


def test_per_file_ignores(make_project: MakeProject) -> None:
    root = make_project(
        {"app/services/user_service.py": SERVICE_WITH_HTTP},
        config='[tool.layerlint]\nper-file-ignores = { "app/services/*" = ["LL1"] }\n',
    )
    code, _, _ = invoke(root, "check", "--no-cache")
    assert code == 0


def test_rules_and_explain() -> None:
    runner = CliRunner()
    listing = runner.invoke(main, ["rules"]).stdout
    assert "LL104" in listing and "http-exception-in-service" in listing
    explained = runner.invoke(main, ["explain", "ll104"])
    assert explained.exit_code == 0
    assert "Why is this bad?" in explained.stdout
    assert "raise HTTPException" in explained.stdout


@pytest.mark.parametrize("fmt", ["mermaid", "dot", "json"])
def test_graph_formats(make_project: MakeProject, fmt: str) -> None:
    root = make_project(
        {
            "app/services/user_service.py": "from app.routes import users\n",
            "app/routes/users.py": "from app.services import user_service\n",
        }
    )
    code, out, _ = invoke(root, "graph", "--no-cache", "--format", fmt)
    assert code == 0
    if fmt == "json":
        edges = {(e["from"], e["to"], e["allowed"]) for e in json.loads(out)["edges"]}
        assert edges == {("routes", "services", True), ("services", "routes", False)}
    else:
        assert "routes" in out and "services" in out


def test_console_script_runs_outside_the_repo(make_project: MakeProject) -> None:
    root = make_project({"app/services/user_service.py": SERVICE_WITH_HTTP})
    script = Path(sys.executable).with_name("layerlint")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "layerlint.cli"]
    done = subprocess.run(
        [*command, "check", "--format", "json"], cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert len(json.loads(done.stdout)["diagnostics"]) == 2
    assert done.stderr == ""
