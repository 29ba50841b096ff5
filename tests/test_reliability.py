"""A linter in CI must not break the build for its own reasons.

Crashing rules become LL000 for their file (exit 3) while everything else is still
checked; unreadable files are LL001; concurrent runs share the cache safely; generated
Python (hypothesmith) never makes an exception escape the per-file pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from tests.conftest import MakeProject
from tests.test_cli import SERVICE_WITH_HTTP, invoke

from layerlint.collect import collect
from layerlint.config import parse_config
from layerlint.engine import RunOptions, run
from layerlint.file_context import FileInput
from layerlint.rules.fastapi.blocking_call_in_async import BlockingCallInAsync
from layerlint.rules.layering.http_exception_in_service import HttpExceptionInService
from layerlint.workers import build_file_rules

ALL_FILE_RULES = build_file_rules(parse_config({}, Path(".")))


def test_crashing_file_rule_is_reported_and_the_rest_runs(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(self: object, node: object, ctx: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(BlockingCallInAsync, "visit_Call", explode)
    root = make_project(
        {
            "app/routes/a.py": "def f():\n    return g()\n",
            "app/services/user_service.py": SERVICE_WITH_HTTP,
        }
    )
    code, out, err = invoke(root, "check", "--no-cache", "--jobs", "1", "--format", "json")
    found = {(d["path"], d["code"]) for d in json.loads(out)["diagnostics"]}
    assert code == 3
    assert ("app/routes/a.py", "LL000") in found
    assert ("app/services/user_service.py", "LL104") in found
    internal = [d for d in json.loads(out)["diagnostics"] if d["code"] == "LL000"]
    assert all("LL205" in d["message"] and "ValueError: boom" in d["message"] for d in internal)
    assert "Traceback" not in err


def test_crashing_project_rule_is_reported(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(self: object, project: object) -> None:
        raise KeyError("missing")

    monkeypatch.setattr(HttpExceptionInService, "check", explode)
    root = make_project({"app/services/user_service.py": SERVICE_WITH_HTTP})
    code, out, _ = invoke(root, "check", "--no-cache", "--jobs", "1", "--format", "json")
    diagnostics = json.loads(out)["diagnostics"]
    assert code == 3
    assert any(d["code"] == "LL000" and "LL104" in d["message"] for d in diagnostics)
    assert any(d["code"] == "LL106" for d in diagnostics)


def test_unreadable_file_is_ll001(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(
        {"app/services/user_service.py": SERVICE_WITH_HTTP, "app/secret.py": "x = 1\n"}
    )
    import layerlint.engine

    original = layerlint.engine.read_regular_file

    def guarded(path: Path) -> bytes:
        if path.name == "secret.py":
            raise PermissionError(13, "Permission denied")
        return original(path)

    monkeypatch.setattr(layerlint.engine, "read_regular_file", guarded)
    result = run(parse_config({}, root), RunOptions(use_cache=False, jobs=1))
    found = {(d.path, d.code, d.message) for d in result.diagnostics}
    assert ("app/secret.py", "LL001", "cannot read file: Permission denied") in found
    assert any(code == "LL104" for _, code, _ in found)


def test_concurrent_runs_share_the_cache(make_project: MakeProject) -> None:
    files = {f"app/services/s{i}.py": SERVICE_WITH_HTTP for i in range(40)}
    root = make_project(files)
    command = [sys.executable, "-m", "layerlint.cli", "check", "--format", "json", "--jobs", "2"]
    runs = [
        subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) for _ in range(3)
    ]
    outputs = [json.loads(p.communicate()[0])["summary"]["diagnostics"] for p in runs]
    assert outputs == [80, 80, 80]
    again = subprocess.run(command, cwd=root, capture_output=True, text=True)
    assert json.loads(again.stdout)["summary"]["diagnostics"] == 80
    assert not [
        p
        for p in (root / ".layerlint_cache").iterdir()
        if p.name.startswith(".") and p.name != ".gitignore"
    ]


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(source=hypothesmith.from_grammar())
def test_generated_python_never_crashes_the_per_file_pass(source: str) -> None:
    for layer in ("routes", "services", "repositories", "models", None):
        info = FileInput("app/x.py", "app.x", False, layer)
        facts = collect(info, source.encode("utf-8", errors="surrogatepass"), ALL_FILE_RULES)
        assert [d.message for d in facts.diagnostics if d.code == "LL000"] == []


@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(source=hypothesmith.from_node())
def test_generated_syntax_trees_never_crash_the_per_file_pass(source: str) -> None:
    info = FileInput("app/services/x.py", "app.services.x", False, "services")
    facts = collect(info, source.encode("utf-8", errors="surrogatepass"), ALL_FILE_RULES)
    assert [d.message for d in facts.diagnostics if d.code == "LL000"] == []


def test_rule_state_never_leaks_between_files(make_project: MakeProject) -> None:
    # Many files through one worker: per-file rule state (node ids, stacks) must reset.
    async_file = "import time\n\nasync def f() -> None:\n    await g()\n    time.sleep(1)\n"
    files = {f"app/services/s{i:02}.py": async_file for i in range(30)}
    root = make_project(files)
    result = run(parse_config({}, root), RunOptions(use_cache=False, jobs=1, select=("LL205",)))
    assert sorted(d.path for d in result.diagnostics) == sorted(files)


@pytest.mark.parametrize(
    "source",
    [
        "TOPICS = {'a': " + "\n".join(["'line'"] * 3000) + "}\n",
        "x = ('a'\n" + "\n".join(["'b'"] * 3000) + ")\n",
    ],
    ids=["dict-of-concatenations", "parenthesised-concatenation"],
)
def test_long_literal_chains_do_not_crash_any_rule(source: str) -> None:
    info = FileInput("app/repositories/data.py", "app.repositories.data", False, "repositories")
    facts = collect(info, source.encode(), ALL_FILE_RULES)
    assert [d.message for d in facts.diagnostics if d.code == "LL000"] == []
