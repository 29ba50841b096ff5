"""flake8 plugin, pre-commit hook, progress output and the integrations docs, end to end.

Everything runs the real tools in subprocesses (flake8, pre-commit, git, layerlint) on
temporary copies, the way users run them.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML, a pre-commit dependency
from tests.conftest import FIXTURES, REPO

from layerlint import __version__, testing

Finding = tuple[str, int, str]  # (path relative to the project, line, code)

MODEL = """\
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String)
"""
REPOSITORY = """\
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.user import User


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> User | None:
        return self.session.scalar(select(User).where(User.id == user_id))
"""
SERVICE = """\
from fastapi import HTTPException

from app.repositories.user_repo import UserRepository


class UserService:
    def __init__(self, repo: UserRepository) -> None:
        self.repo = repo

    def get(self, user_id: int):
        user = self.repo.get(user_id)
        if user is None:
            raise HTTPException(status_code=404)
        return user
"""
ROUTES = """\
from fastapi import APIRouter
from sqlalchemy.orm import Session

from app.repositories.user_repo import UserRepository

router = APIRouter()


@router.get("/users/{user_id}")
def read_user(user_id: int, session: Session):
    return UserRepository(session).get(user_id)
"""
CLEAN_MODEL = """\
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
"""
CLEAN_SERVICE = """\
from app.models.user import User
from app.repositories.user_repo import UserRepository


class UserService:
    def __init__(self, repo: UserRepository) -> None:
        self.repo = repo

    def get(self, user_id: int) -> User | None:
        return self.repo.get(user_id)
"""
CLEAN_ROUTES = """\
from fastapi import APIRouter

from app.services.user_service import UserService

router = APIRouter()


@router.get("/users/{user_id}")
def read_user(user_id: int, service: UserService) -> dict[str, str]:
    user = service.get(user_id)
    return {"name": user.name if user is not None else ""}
"""
PACKAGES = ("app", "app/models", "app/repositories", "app/services", "app/routes")


def project_files(clean: bool = False) -> dict[str, str]:
    """A small layered app: routes calling a repository, HTTPException in a service..."""
    files = {f"{package}/__init__.py": "" for package in PACKAGES}
    files["app/models/user.py"] = CLEAN_MODEL if clean else MODEL
    files["app/repositories/user_repo.py"] = REPOSITORY
    files["app/services/user_service.py"] = CLEAN_SERVICE if clean else SERVICE
    files["app/routes/users.py"] = CLEAN_ROUTES if clean else ROUTES
    return files


def write_project(root: Path, files: Mapping[str, str]) -> None:
    """Write a project (with a pyproject.toml) into a new folder."""
    root.mkdir(parents=True, exist_ok=True)
    testing.write_project(root, files)


def run(
    args: list[str], cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output, without a shell."""
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def layerlint_findings(root: Path, *extra: str) -> tuple[set[Finding], int]:
    """``layerlint check --format json`` findings with a path, and its exit code."""
    result = run([sys.executable, "-m", "layerlint.cli", "check", "--format", "json", *extra], root)
    assert result.returncode in (0, 1, 3), result.stderr
    diagnostics = json.loads(result.stdout)["diagnostics"]
    found = {(d["path"], d["line"], d["code"]) for d in diagnostics if d["path"] != "."}
    return found, result.returncode


def flake8_findings(root: Path, *extra: str) -> set[Finding]:
    """Findings of the real flake8 (with our plugin) over the project."""
    args = [
        sys.executable,
        "-m",
        "flake8",
        "--select",
        "LL",
        "--format",
        "%(path)s|%(row)d|%(code)s",
    ]
    result = run([*args, *extra, "."], root)
    assert result.returncode in (0, 1), result.stderr
    found: set[Finding] = set()
    for line in result.stdout.splitlines():
        path, row, code = line.split("|")
        found.add((Path(os.path.normpath(path)).as_posix(), int(row), code))
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The small app with violations, in a fresh folder."""
    root = tmp_path / "project"
    write_project(root, project_files())
    return root


def test_clean_project_is_clean(tmp_path: Path) -> None:
    write_project(tmp_path / "clean", project_files(clean=True))
    assert layerlint_findings(tmp_path / "clean") == (set(), 0)


def test_flake8_reports_what_check_reports(project: Path) -> None:
    found, code = layerlint_findings(project)
    assert code == 1
    codes = {c for _, _, c in found}
    assert {"LL101", "LL102", "LL104"} <= codes, found
    assert flake8_findings(project) == found


def test_flake8_with_a_cold_cache_and_two_jobs(project: Path) -> None:
    # Each flake8 worker analyses the project itself (nothing cached yet) and must agree.
    assert not (project / ".layerlint_cache").exists()
    parallel = flake8_findings(project, "--jobs", "2")
    assert parallel == flake8_findings(project, "--jobs", "1")
    assert parallel == layerlint_findings(project)[0]


def test_flake8_extend_ignore(project: Path) -> None:
    found, _ = layerlint_findings(project)
    ignored = flake8_findings(project, "--extend-ignore", "LL104")
    assert ignored == {f for f in found if f[2] != "LL104"}
    assert ignored != found


def test_noqa_comment_silences_both(project: Path) -> None:
    service = project / "app/services/user_service.py"
    source = service.read_text()
    raise_line = "raise HTTPException(status_code=404)"
    service.write_text(source.replace(raise_line, raise_line + "  # noqa: LL104"))
    found, _ = layerlint_findings(project)
    assert "LL104" not in {c for _, _, c in found}
    assert "LL101" in {c for _, _, c in found}
    assert flake8_findings(project) == found


def test_flake8_surfaces_a_broken_configuration(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.layerlint]\nselect = ['LL999']\n")
    result = run([sys.executable, "-m", "flake8", "--select", "LL", "."], project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines and all(" LL000 layerlint cannot run: " in line for line in lines), lines
    assert any("LL999" in line for line in lines)


def plugin_results(filename: str) -> list[tuple[int, int, str]]:
    """The plugin called in-process, as flake8 calls it (tree, filename, lines)."""
    from layerlint.flake8_plugin import Plugin

    path = Path(filename)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.is_file() else []
    plugin = Plugin(ast.parse(""), filename, lines)
    return [(line, col, text) for line, col, text, _ in plugin.run()]


@pytest.fixture
def in_process(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Run the plugin in this process from the project folder; count engine runs."""
    from layerlint import engine, flake8_plugin

    monkeypatch.chdir(project)
    monkeypatch.setattr(flake8_plugin, "_REPORTS", {})
    calls: list[int] = []
    real_run = engine.run

    def counting_run(*args: Any, **kwargs: Any) -> engine.RunResult:
        calls.append(1)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(engine, "run", counting_run)
    yield calls


def test_plugin_analyses_each_project_once_per_process(in_process: list[int]) -> None:
    service = plugin_results("./app/services/user_service.py")
    routes = plugin_results("app/routes/users.py")
    plugin_results("app/models/user.py")
    assert len(in_process) == 1
    assert (13, 12, "LL104") in {(line, col, text[:5]) for line, col, text in service}
    assert any(text.startswith("LL102 ") for _, _, text in routes)
    assert plugin_results("stdin") == []


def test_plugin_reports_crashed_project_rules_on_every_file(
    in_process: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from layerlint.rules import project_rules

    def crash(self: object, project: object) -> Iterator[object]:
        raise RuntimeError("boom")

    rule = next(r for r in project_rules() if r.code == "LL102")
    monkeypatch.setattr(rule, "check", crash)
    for filename in ("app/models/user.py", "app/routes/users.py"):
        internal = [r for r in plugin_results(filename) if r[2].startswith("LL000 ")]
        assert internal == [
            (1, 0, "LL000 internal error in rule LL102: RuntimeError: boom (please report this)")
        ]
    outside = Path(".venv/lib/vendored.py")  # not part of the project: nothing to say there
    outside.parent.mkdir(parents=True)
    outside.write_text("X = 1\n")
    assert plugin_results(str(outside)) == []


def test_flake8_agrees_on_the_example_project(tmp_path: Path) -> None:
    example = FIXTURES / "example"
    if not (example / "pyproject.toml").is_file():
        pytest.skip("fixtures/example is not there yet")
    root = tmp_path / "example"
    shutil.copytree(example, root, ignore=shutil.ignore_patterns(".layerlint_cache", "__pycache__"))
    check = run([sys.executable, "-m", "layerlint.cli", "check", "--format", "json"], root)
    if check.returncode == 2:
        # The example's configuration is not loadable (yet: rules it selects are still being
        # written). flake8 must say so, not pass; then compare without that configuration.
        flake8 = run([sys.executable, "-m", "flake8", "--select", "LL", "."], root)
        assert flake8.returncode == 1 and " LL000 layerlint cannot run: " in flake8.stdout
        pyproject = root / "pyproject.toml"
        text = pyproject.read_text()
        pyproject.write_text(text[: text.index("[tool.layerlint]")])
    found, _ = layerlint_findings(root)
    assert found
    assert flake8_findings(root) == found
    assert flake8_findings(root, "--jobs", "2") == found


def test_json_run_prints_nothing_on_stderr(project: Path) -> None:
    for extra in ([], ["--no-cache"]):
        result = run(
            [sys.executable, "-m", "layerlint.cli", "check", "--format", "json", *extra], project
        )
        assert result.returncode == 1
        assert result.stderr == ""
        json.loads(result.stdout)


# --- pre-commit ------------------------------------------------------------------------

GIT_IDENTITY = [
    "-c",
    "user.name=layerlint tests",
    "-c",
    "user.email=tests@example.invalid",
    "-c",
    "commit.gpgsign=false",
]


def git(cwd: Path, *args: str) -> None:
    """Run git in a temporary repository (never in the layerlint tree itself)."""
    result = run(["git", *GIT_IDENTITY, *args], cwd)
    assert result.returncode == 0, result.stderr


def make_repo(path: Path, files: Mapping[str, str]) -> Path:
    """A git repository holding ``files`` plus a pyproject.toml, all committed."""
    write_project(path, files)
    git(path, "init", "-q")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "fixture")
    return path


def make_hook_repo(path: Path) -> Path:
    """A committed copy of what pre-commit needs from layerlint: sources, metadata, hooks."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(REPO / "src", path / "src", ignore=ignore)
    for name in ("pyproject.toml", ".pre-commit-hooks.yaml", "README.md", "LICENSE"):
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, path / name)
    if not (path / "README.md").exists():
        (path / "README.md").write_text("# layerlint\n")
    git(path, "init", "-q")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "layerlint")
    return path


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """The hook repository and an environment with a private PRE_COMMIT_HOME (shared, so
    pre-commit installs layerlint once for the whole module)."""
    base = tmp_path_factory.mktemp("pre-commit")
    env = {**os.environ, "PRE_COMMIT_HOME": str(base / "home"), "PRE_COMMIT_COLOR": "never"}
    env.pop("PRE_COMMIT", None)
    yield make_hook_repo(base / "hook-repo"), env


def try_repo(
    hook_repo: tuple[Path, dict[str, str]], project: Path
) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo <hook repo> layerlint --all-files`` inside ``project``."""
    repo, env = hook_repo
    args = [sys.executable, "-m", "pre_commit", "try-repo", str(repo), "layerlint", "--all-files"]
    return run(args, project, env)


def test_pre_commit_hook_fails_on_violations(
    hook_repo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    project = make_repo(tmp_path / "dirty", project_files())
    result = try_repo(hook_repo, project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "LL104" in result.stdout and "app/services/user_service.py" in result.stdout


def test_pre_commit_hook_passes_a_clean_project(
    hook_repo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    project = make_repo(tmp_path / "clean", project_files(clean=True))
    result = try_repo(hook_repo, project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_hook_manifest_is_valid() -> None:
    result = run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"], REPO
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "layerlint" and hook["entry"] == "layerlint check"
    assert (
        hook["language"] == "python"
        and hook["types"] == ["python"]
        and hook["require_serial"] is True
    )


# --- docs/integrations.md ----------------------------------------------------------------

DOC = REPO / "docs" / "integrations.md"
# The README repeats the snippets users copy; both copies are checked.
DOCS = [pytest.param(DOC, id="integrations.md"), pytest.param(REPO / "README.md", id="README")]


def yaml_snippets(doc: Path = DOC) -> list[Any]:
    """Every ```yaml block of a page, parsed."""
    blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert blocks, f"{doc.name} has no yaml snippets"
    return [yaml.safe_load(block) for block in blocks]


@pytest.mark.parametrize("doc", DOCS)
def test_docs_pre_commit_snippet_matches_the_hooks(tmp_path: Path, doc: Path) -> None:
    (config,) = [s for s in yaml_snippets(doc) if isinstance(s, dict) and "repos" in s]
    (repo,) = config["repos"]
    manifest = {
        hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    }
    if repo["repo"] == "local":
        for hook in repo["hooks"]:
            assert hook["entry"] == manifest[hook["id"]]["entry"]
            assert hook["types"] == manifest[hook["id"]]["types"]
    else:
        # A remote hook's rev must exist in this repository's history (issue 12 item 11).
        tags = run(["git", "tag", "--list"], REPO).stdout.split()
        assert repo["rev"] in tags, f"rev {repo['rev']} is not a tag of this repository"
        assert repo["rev"] == f"v{__version__}"
        assert {hook["id"] for hook in repo["hooks"]} <= set(manifest)
    path = tmp_path / ".pre-commit-config.yaml"
    path.write_text(yaml.safe_dump(config))
    result = run([sys.executable, "-m", "pre_commit", "validate-config", str(path)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("doc", DOCS)
def test_docs_github_actions_snippet_uploads_sarif(doc: Path) -> None:
    (workflow,) = [s for s in yaml_snippets(doc) if isinstance(s, dict) and "jobs" in s]
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert "layerlint check --output-format sarif -o layerlint.sarif" in runs
    (upload,) = [
        s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")
    ]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["if"] == "always()"
    assert upload["with"]["sarif_file"] == "layerlint.sarif"


@pytest.mark.parametrize("doc", DOCS)
def test_docs_console_commands_use_real_options(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    help_text = run([sys.executable, "-m", "layerlint.cli", "check", "--help"], REPO).stdout
    commands = [line for line in text.splitlines() if "layerlint check" in line]
    options = {o for line in commands for o in re.findall(r"(?<![\w-])--[a-z][a-z-]*", line)}
    assert {"--output-format", "--write-baseline", "--baseline"} <= options
    for option in options:
        assert option in help_text, option


def test_pre_commit_never_runs_a_committed_cache_pickle(
    hook_repo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """CI on a stranger's pull request: the repository commits a hostile cache."""
    import pickle

    marker = tmp_path / "pwned"

    class RunsCommand:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    files = project_files()
    project = tmp_path / "hostile"
    write_project(project, files)
    cache = project / ".layerlint_cache"
    cache.mkdir()
    for name in ("facts.pickle", "results.pickle"):
        (cache / name).write_bytes(pickle.dumps(RunsCommand()))
    (cache / ".gitignore").write_text("")  # commit it anyway
    git(project, "init", "-q")
    git(project, "add", "-A", "-f")
    git(project, "commit", "-q", "-m", "hostile")
    result = try_repo(hook_repo, project)
    assert not marker.exists(), "pre-commit ran code from the checked repository"
    assert result.returncode == 1, result.stdout + result.stderr
    assert "LL104" in result.stdout


@pytest.mark.parametrize(
    "doc", [*DOCS, pytest.param(REPO / "docs" / "output-formats.md", id="output-formats.md")]
)
def test_docs_install_layerlint_from_a_path_never_from_an_index(doc: Path) -> None:
    """No release is published: installing by name would fetch nothing or someone else's."""
    for line in doc.read_text(encoding="utf-8").splitlines():
        if "pip install" not in line:
            continue
        command = re.split(r"&&|;|#", line.split("pip install", 1)[1])[0]
        words = command.split()
        assert "layerlint" not in words, line
