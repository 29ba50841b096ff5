"""Issue 12, items 4-10: ruff's CLI habits, stdin for editors, config, LL002, baselines."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.conftest import MakeProject

from layerlint.cli import FORMATS as CLI_FORMATS
from layerlint.cli import main
from layerlint.report import FORMATS

ROUTE = "app/routes/users.py"
ROUTE_SOURCE = (
    "from fastapi import APIRouter, HTTPException, status\n"
    "\n"
    "router = APIRouter()\n"
    "\n"
    "\n"
    "@router.get('/')\n"
    "def read() -> None:\n"
    "    raise HTTPException(404)\n"
)
SERVICE = "app/services/user_service.py"
SERVICE_SOURCE = "from fastapi import Request\n\n\ndef f(r: Request) -> None:\n    pass\n"


def invoke(root: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = runner.invoke(main, list(args), input=stdin, catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout, result.stderr


def project(make_project: MakeProject, config: str = "") -> Path:
    return make_project({ROUTE: ROUTE_SOURCE, SERVICE: SERVICE_SOURCE}, config)


# -- item 4: fixability in the output --------------------------------------------------------


def test_fix_marker_and_summary(make_project: MakeProject) -> None:
    code, out, _ = invoke(project(make_project), "check", "--no-cache")
    assert code == 1
    assert f"{ROUTE}:8:25: LL201 [*] bare status code `404`" in out
    assert f"{SERVICE}:1:21: LL106 HTTP machinery" in out
    assert out.endswith("[*] 1 fixable with --fix.\n")


def test_json_fix_applicability_edits_and_url(make_project: MakeProject) -> None:
    _, out, _ = invoke(project(make_project), "check", "--no-cache", "--output-format", "json")
    records = {d["code"]: d for d in json.loads(out)["diagnostics"]}
    assert records["LL106"]["fix"] is None
    assert records["LL201"]["fix"] == {
        "applicability": "safe",
        "edits": [
            {
                "content": "    raise HTTPException(status.HTTP_404_NOT_FOUND)\n",
                "location": {"row": 8, "column": 1},
                "end_location": {"row": 9, "column": 1},
            }
        ],
    }
    assert records["LL201"]["url"].endswith("docs/rules.md#ll201")


def test_show_fixes_lists_what_was_fixed(make_project: MakeProject) -> None:
    root = project(make_project)
    code, _, err = invoke(root, "check", "--no-cache", "--fix", "--show-fixes")
    assert code == 1  # LL106 remains
    assert f"{ROUTE}:\n    1 x LL201" in err


def test_diff_honours_output(make_project: MakeProject) -> None:
    root = project(make_project)
    code, out, _ = invoke(root, "check", "--no-cache", "--diff", "-o", "fixes.diff")
    assert code == 1
    assert (
        "+    raise HTTPException(status.HTTP_404_NOT_FOUND)" in (root / "fixes.diff").read_text()
    )
    assert "HTTP_404" not in out


def test_rules_and_explain_say_unsafe() -> None:
    runner = CliRunner()
    assert "(some unsafe)" in runner.invoke(main, ["explain", "LL201"]).stdout
    rules = runner.invoke(main, ["rules"]).stdout
    assert any(line.startswith("LL201") and "(some unsafe)" in line for line in rules.splitlines())


# -- item 5: CLI habits ----------------------------------------------------------------------


def test_exit_zero_quiet_and_statistics(make_project: MakeProject) -> None:
    root = project(make_project)
    code, out, _ = invoke(root, "check", "--no-cache", "--exit-zero", "-q")
    assert code == 0
    assert "Found" not in out and "LL201" in out
    _, out, _ = invoke(root, "check", "--no-cache", "--statistics")
    assert [line.split("|")[1].strip() for line in out.splitlines()[2:]] == ["LL106", "LL201"]
    _, out, _ = invoke(root, "check", "--no-cache")
    assert "| count" not in out and "count |" not in out


def test_repeated_select_and_ignore_accumulate(make_project: MakeProject) -> None:
    root = project(make_project)
    _, out, _ = invoke(
        root,
        "check",
        "--no-cache",
        "--output-format",
        "concise",
        "--select",
        "LL106",
        "--select",
        "LL201",
        "--ignore",
        "LL106",
    )
    assert "LL201" in out and "LL106" not in out


@pytest.mark.parametrize(
    "fmt", ["full", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit"]
)
def test_every_output_format_runs(make_project: MakeProject, fmt: str) -> None:
    code, out, _ = invoke(project(make_project), "check", "--no-cache", "--output-format", fmt)
    assert code == 1 and out
    if fmt == "json-lines":
        assert [json.loads(line)["code"] for line in out.splitlines()] == ["LL201", "LL106"] or len(
            out.splitlines()
        ) == 2


def test_format_alias_and_formats_agree() -> None:
    assert CLI_FORMATS == FORMATS


def test_colour_follows_force_color_and_term_dumb(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(make_project)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in invoke(root, "check", "--no-cache")[1]
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert "\x1b[" not in invoke(root, "check", "--no-cache")[1]


def test_python_dash_m_and_help_not_truncated() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "layerlint", "--help"], capture_output=True, text=True, check=True
    )
    commands = done.stdout.split("Commands:", 1)[1]
    assert "..." not in commands
    assert "Check paths (default: the current directory) and report" in done.stdout


def test_verbose_says_layers_cache_hits_and_timings(make_project: MakeProject) -> None:
    root = project(make_project)
    invoke(root, "check")
    _, _, err = invoke(root, "check", "-v")
    assert "layerlint: layers found: routes (1), services (1)" in err
    assert "layerlint: cache hits: 2 of 2 files" in err
    assert "layerlint: analysis:" in err and "layerlint: configuration:" in err


# -- item 6: stdin for editors ---------------------------------------------------------------


def test_stdin_buffer_checked_in_place_of_the_file(make_project: MakeProject) -> None:
    root = project(make_project)
    buffer = ROUTE_SOURCE.replace("404", "409")
    code, out, _ = invoke(
        root,
        "check",
        "--no-cache",
        "--output-format",
        "concise",
        "--stdin-filename",
        ROUTE,
        "-",
        stdin=buffer,
    )
    assert code == 1
    assert "bare status code `409`" in out
    assert "404" not in out and SERVICE not in out


def test_stdin_buffer_of_a_new_file(make_project: MakeProject) -> None:
    root = project(make_project)
    code, out, _ = invoke(
        root,
        "check",
        "--no-cache",
        "--output-format",
        "concise",
        "--stdin-filename",
        "app/services/new.py",
        "-",
        stdin=SERVICE_SOURCE,
    )
    assert code == 1
    assert out.startswith("app/services/new.py:1:21: LL106")


def test_stdin_fix_prints_the_fixed_buffer(make_project: MakeProject) -> None:
    root = project(make_project)
    code, out, _ = invoke(
        root, "check", "--no-cache", "--fix", "--stdin-filename", ROUTE, "-", stdin=ROUTE_SOURCE
    )
    assert out == ROUTE_SOURCE.replace("(404)", "(status.HTTP_404_NOT_FOUND)")
    assert (root / ROUTE).read_text() == ROUTE_SOURCE
    assert code == 0


# -- item 7: configuration -------------------------------------------------------------------


def test_extend_merges_a_shared_config(make_project: MakeProject) -> None:
    root = project(
        make_project, "[tool.layerlint]\nextend = 'shared.toml'\nextend-ignore = ['LL106']\n"
    )
    (root / "shared.toml").write_text("ignore = ['LL201']\n")
    code, out, _ = invoke(root, "check", "--no-cache")
    assert code == 0, out


def test_layerlint_toml_is_found_like_pyproject(make_project: MakeProject) -> None:
    root = project(make_project)
    (root / "layerlint.toml").write_text("ignore = ['LL201']\n")
    _, out, _ = invoke(root, "check", "--no-cache", "--output-format", "concise")
    assert "LL201" not in out and "LL106" in out
    (root / ".layerlint.toml").write_text("ignore = ['LL106']\n")
    _, out, _ = invoke(root, "check", "--no-cache", "--output-format", "concise")
    assert "LL201" in out and "LL106" not in out


def test_gitignored_files_are_skipped(make_project: MakeProject) -> None:
    root = project(make_project)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("app/services/\n")
    _, out, _ = invoke(root, "check", "--no-cache", "--output-format", "concise")
    assert SERVICE not in out and ROUTE in out
    _, out, _ = invoke(
        root, "check", "--no-cache", "--output-format", "concise", "--no-respect-gitignore"
    )
    assert SERVICE in out


def test_add_noqa_silences_every_finding(make_project: MakeProject) -> None:
    root = project(make_project)
    code, _, err = invoke(root, "check", "--no-cache", "--add-noqa")
    assert code == 0 and "Added 2 noqa directives" in err
    assert "raise HTTPException(404)  # noqa: LL201\n" in (root / ROUTE).read_text()
    assert invoke(root, "check", "--no-cache")[0] == 0


# -- item 8: LL002 on unknown codes and idle bare ignores --------------------------------------


def test_ll002_unknown_code_and_idle_bare_ignore(make_project: MakeProject) -> None:
    source = "x = 1  # noqa: LL999\ny = 2  # layerlint: ignore\nz = 3  # noqa: E501\n"
    root = make_project(
        {"app/services/a.py": source}, "[tool.layerlint]\nextend-select = ['LL002']\n"
    )
    _, out, _ = invoke(root, "check", "--no-cache", "--output-format", "json")
    found = [(d["code"], d["line"], d["column"]) for d in json.loads(out)["diagnostics"]]
    assert found == [("LL002", 1, 8), ("LL002", 2, 8)]


# -- item 9: baselines -----------------------------------------------------------------------


def test_write_baseline_with_paths_merges(make_project: MakeProject) -> None:
    root = project(make_project)
    invoke(root, "check", "--no-cache", "--write-baseline", "b.json")
    invoke(root, "check", "--no-cache", "--write-baseline", "b.json", ROUTE)
    entries = json.loads((root / "b.json").read_text())["entries"]
    assert sorted(e["code"] for e in entries) == ["LL106", "LL201"]


# -- item 10: long runs ----------------------------------------------------------------------


def test_quiet_notice_when_stderr_is_not_a_terminal(
    make_project: MakeProject,
) -> None:
    files = {f"app/services/s{i}.py": "x = 1\n" for i in range(210)}
    root = make_project(files)
    done = subprocess.run(
        [sys.executable, "-m", "layerlint", "check", "--no-cache", "-j", "1"],
        cwd=root,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "CI"},
    )
    assert done.stderr.count("layerlint: analysing 210 files...") == 1


# -- item 13: user-facing text cites published conventions ------------------------------------

INTERNAL_SOURCES = (
    "seed document",
    "the seeds",
    " seed)",
    "ai1-skills",
    "backend-fastapi-python",
    "python-backend-patterns",
    "fastapi-production",
)


def test_user_facing_text_names_no_internal_sources() -> None:
    from layerlint.rules import all_rules

    repo = Path(__file__).resolve().parent.parent
    runner = CliRunner()
    texts = [(repo / "README.md").read_text(), (repo / "docs" / "rules.md").read_text()]
    texts += [runner.invoke(main, ["explain", code]).stdout for code in all_rules()]
    for text in texts:
        for name in INTERNAL_SOURCES:
            assert name not in text.lower(), name
    assert (
        "Based on: SQLAlchemy 2.0 migration guide"
        in runner.invoke(main, ["explain", "LL301"]).stdout
    )


def test_rules_table_escapes_pipes_in_cells() -> None:
    repo = Path(__file__).resolve().parent.parent
    (row,) = [
        line
        for line in (repo / "README.md").read_text().splitlines()
        if line.startswith("| LL411 ")
    ]
    assert "X \\| None" in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 6  # five cells, none split
