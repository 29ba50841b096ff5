"""Rules of the user's own: the README's example plugin loaded from the project (with the
user's consent) and from an installed package (an entry point in a temporary site
folder), then selected, suppressed, cached, reported in SARIF and through flake8."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from tests.conftest import REPO

from layerlint import testing
from layerlint.rules.base import Example

PLUGIN_SERVICE = "import logging\n\ndef pay() -> None:\n    print('paid')\n"


def readme_blocks(section: str, language: str) -> list[str]:
    """The fenced ``language`` blocks of one ``## section`` of the README."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"## {section}\n")
    end = text.find("\n## ", start + 1)
    body = text[start : end if end > 0 else None]
    return re.findall(rf"```{language}\n(.*?)```", body, re.S)


PLUGIN_SOURCE = readme_blocks("Writing your own rules", "python")[0]


def write(root: Path, files: Mapping[str, str]) -> None:
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


def app_files(service: str = PLUGIN_SERVICE) -> dict[str, str]:
    return {
        "app/__init__.py": "",
        "app/services/__init__.py": "",
        "app/services/orders.py": service,
        "app/routes/__init__.py": "",
        "app/routes/debug.py": "print('routes may print')\n",
    }


def local_project(root: Path, extra_config: str = "", plugin: str = PLUGIN_SOURCE) -> Path:
    (local_config,) = [b for b in readme_blocks("Writing your own rules", "toml") if "plugins" in b]
    write(
        root,
        {
            "pyproject.toml": "[project]\nname = 'shop'\n\n" + local_config + extra_config,
            "tools/__init__.py": "",
            "tools/lint_rules.py": plugin,
            **app_files(),
        },
    )
    return root


def installed_plugin(site: Path, plugin: str = PLUGIN_SOURCE, name: str = "acme") -> Path:
    """The README's plugin as an installed distribution: a package and its .dist-info."""
    (entry_points,) = [b for b in readme_blocks("Writing your own rules", "toml") if "entry" in b]
    value = re.search(r'acme = "(.+)"', entry_points)
    assert value is not None
    module = value.group(1)
    package = module.split(".")[0]
    write(
        site,
        {
            f"{package}/__init__.py": "",
            f"{module.replace('.', '/')}.py": plugin,
            f"{package}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {package}\n"
            "Version: 1.0\n",
            f"{package}-1.0.dist-info/entry_points.txt": f"[layerlint.rules]\n{name} = {module}\n",
        },
    )
    return site


def env(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "LAYERLINT_ALLOW_PLUGINS"}
    environment.update(extra)
    return environment


def run(
    root: Path,
    *args: str,
    environment: Mapping[str, str] | None = None,
    module: str = "layerlint.cli",
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=root,
        env=dict(environment or env()),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def findings(
    root: Path, *args: str, environment: Mapping[str, str] | None = None
) -> list[tuple[str, int, str]]:
    result = run(root, "check", "--format", "json", *args, environment=environment)
    assert result.returncode in (0, 1), result.stderr
    diagnostics = json.loads(result.stdout)["diagnostics"]
    return sorted((d["path"], d["line"], d["code"]) for d in diagnostics)


ACME = [("app/services/orders.py", 4, "ACME101")]


# -- project plugins: only with the user's consent ------------------------------------
def test_project_plugins_need_the_users_consent(tmp_path: Path) -> None:
    root = local_project(tmp_path)
    (root / "tools" / "lint_rules.py").write_text(
        PLUGIN_SOURCE + "\nopen('ran', 'w').write('project code ran')\n"
    )
    result = run(root, "check")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "tools.lint_rules would run code from the checked project" in result.stderr
    assert "--allow-plugins" in result.stderr and "LAYERLINT_ALLOW_PLUGINS=1" in result.stderr
    assert not (root / "ran").exists()


@pytest.mark.parametrize("consent", ["flag", "environment"])
def test_project_plugin_runs_when_allowed(tmp_path: Path, consent: str) -> None:
    root = local_project(tmp_path)
    if consent == "flag":
        assert findings(root, "--allow-plugins") == ACME
    else:
        assert findings(root, environment=env(LAYERLINT_ALLOW_PLUGINS="1")) == ACME


def test_plugin_codes_in_select_ignore_noqa_and_per_file_ignores(tmp_path: Path) -> None:
    root = local_project(tmp_path)
    allowed = env(LAYERLINT_ALLOW_PLUGINS="1")
    assert findings(root, "--select", "ACME101", environment=allowed) == ACME
    assert findings(root, "--select", "LL", environment=allowed) == []
    assert findings(root, "--ignore", "ACME", environment=allowed) == []
    service = root / "app" / "services" / "orders.py"
    service.write_text(PLUGIN_SERVICE.replace("print('paid')", "print('paid')  # noqa: ACME101"))
    assert findings(root, environment=allowed) == []
    service.write_text(PLUGIN_SERVICE)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + 'per-file-ignores = { "app/services/*" = ["ACME101"] }\n'
    )
    assert findings(root, environment=allowed) == []


def test_plugin_findings_in_baseline_and_sarif(tmp_path: Path) -> None:
    root = local_project(tmp_path)
    allowed = env(LAYERLINT_ALLOW_PLUGINS="1")
    written = run(root, "check", "--write-baseline", "base.json", environment=allowed)
    assert written.returncode == 0, written.stderr
    assert "ACME101" in (root / "base.json").read_text()
    assert findings(root, "--baseline", "base.json", environment=allowed) == []
    sarif = json.loads(run(root, "check", "--format", "sarif", environment=allowed).stdout)
    (tool_run,) = sarif["runs"]
    assert [r["ruleId"] for r in tool_run["results"]] == ["ACME101"]
    rules = {r["id"]: r for r in tool_run["tool"]["driver"]["rules"]}
    assert rules["ACME101"]["name"] == "no-print-in-services"


def test_explain_and_rules_know_plugins(tmp_path: Path) -> None:
    root = local_project(tmp_path)
    allowed = env(LAYERLINT_ALLOW_PLUGINS="1")
    explained = run(root, "explain", "acme101", environment=allowed)
    assert explained.returncode == 0, explained.stderr
    assert explained.stdout.startswith("ACME101 no-print-in-services")
    assert "ACME101" in run(root, "rules", environment=allowed).stdout


def test_changed_plugin_never_serves_stale_results(tmp_path: Path) -> None:
    root = local_project(tmp_path)
    allowed = env(LAYERLINT_ALLOW_PLUGINS="1")
    first = run(root, "check", environment=allowed)
    again = run(root, "check", environment=allowed)
    assert first.stdout == again.stdout and "not `print()`" in first.stdout
    plugin = root / "tools" / "lint_rules.py"
    plugin.write_text(PLUGIN_SOURCE.replace("not `print()`", "never print()"))
    changed = run(root, "check", environment=allowed)
    assert "never print()" in changed.stdout, changed.stdout
    plugin.write_text(PLUGIN_SOURCE.replace('ctx.layer == "services"', 'ctx.layer == "routes"'))
    moved = findings(root, environment=allowed)
    assert moved == [("app/routes/debug.py", 1, "ACME101")]


def test_crashing_plugin_rule_is_ll000_on_that_file(tmp_path: Path) -> None:
    crashing = PLUGIN_SOURCE.replace(
        "            ctx.report(node)", "            raise KeyError('boom')"
    )
    root = local_project(tmp_path, plugin=crashing)
    result = run(root, "check", "--format", "json", environment=env(LAYERLINT_ALLOW_PLUGINS="1"))
    assert result.returncode == 3, result.stderr
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert [(d["path"], d["code"]) for d in diagnostics] == [("app/services/orders.py", "LL000")]
    assert "ACME101" in diagnostics[0]["message"]


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (
            "import missing_dependency_xyz\n",
            "'tools.lint_rules' cannot be imported: ModuleNotFoundError",
        ),
        (PLUGIN_SOURCE.replace('"ACME101"', '"LL101"'), "needs a prefix of its own"),
        (
            PLUGIN_SOURCE + "\n\nclass Again(NoPrintInServices):\n    code = 'ACME101'\n",
            "duplicate rule code ACME101",
        ),
    ],
)
def test_broken_plugins_are_configuration_errors(tmp_path: Path, plugin: str, message: str) -> None:
    root = local_project(tmp_path, plugin=plugin)
    result = run(root, "check", environment=env(LAYERLINT_ALLOW_PLUGINS="1"))
    assert result.returncode == 2, result.stdout
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


# -- installed plugins (entry points) -------------------------------------------------
def entry_point_project(tmp_path: Path, plugin: str = PLUGIN_SOURCE) -> tuple[Path, dict[str, str]]:
    site = installed_plugin(tmp_path / "site", plugin)
    root = tmp_path / "project"
    write(root, {"pyproject.toml": "[project]\nname = 'shop'\n", **app_files()})
    return root, env(PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))


def test_installed_plugin_loads_without_consent(tmp_path: Path) -> None:
    root, environment = entry_point_project(tmp_path)
    assert findings(root, environment=environment) == ACME
    assert findings(root, "--ignore", "ACME101", environment=environment) == []
    assert run(root, "explain", "ACME101", environment=environment).returncode == 0


def test_installed_plugin_through_flake8(tmp_path: Path) -> None:
    root, environment = entry_point_project(tmp_path)
    result = run(
        root,
        "--extend-select",
        "ACME",
        "--format",
        "%(path)s|%(row)d|%(code)s",
        ".",
        environment=environment,
        module="flake8",
    )
    assert result.returncode == 1, result.stderr
    rows = {tuple(line.split("|")) for line in result.stdout.splitlines()}
    assert ("./app/services/orders.py", "4", "ACME101") in rows, rows


def test_project_plugin_through_flake8(tmp_path: Path) -> None:
    root = local_project(tmp_path)
    result = run(
        root,
        "--select",
        "ACME",
        "--format",
        "%(path)s|%(row)d|%(code)s",
        ".",
        environment=env(LAYERLINT_ALLOW_PLUGINS="1"),
        module="flake8",
    )
    assert result.stdout.splitlines() == ["./app/services/orders.py|4|ACME101"], result.stderr


def test_broken_installed_plugin_is_a_configuration_error(tmp_path: Path) -> None:
    root, environment = entry_point_project(tmp_path, plugin="raise RuntimeError('bad')\n")
    result = run(root, "check", environment=environment)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert (
        "plugin 'acme'" in result.stderr
        and "cannot be imported: RuntimeError: bad" in result.stderr
    )


def test_installed_and_project_plugin_with_one_code(tmp_path: Path) -> None:
    _, environment = entry_point_project(tmp_path)
    root = local_project(tmp_path / "local")
    result = run(root, "check", environment={**environment, "LAYERLINT_ALLOW_PLUGINS": "1"})
    assert result.returncode == 2
    assert "duplicate rule code ACME101" in result.stderr


# -- layerlint.testing for plugin authors ---------------------------------------------
def test_readme_plugin_test_runs_under_pytest(tmp_path: Path) -> None:
    root = local_project(tmp_path)
    test_source = readme_blocks("Writing your own rules", "python")[1]
    (root / "test_acme.py").write_text(test_source)
    result = run(root, "-q", "-p", "no:cacheprovider", "test_acme.py", module="pytest")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_testing_helper_reports_a_wrong_example(tmp_path: Path) -> None:
    namespace: dict[str, object] = {"__name__": "acme_rules_under_test"}
    exec(compile(PLUGIN_SOURCE, "lint_rules.py", "exec"), namespace)
    rule = namespace["NoPrintInServices"]
    assert isinstance(rule, type)
    wrong = Example({"app/services/x.py": "print('a')\n"})
    assert testing.example_failures(rule, "valid", wrong) == [
        "ACME101 reported [('app/services/x.py', 1)], the example marks []"
    ]
    assert testing.example_failures(rule, "invalid", rule.examples("invalid")[0]) == []
    from layerlint.rules import all_rules

    assert "ACME101" not in all_rules()  # registered for the check only


def test_project_plugin_runs_in_worker_processes(tmp_path: Path) -> None:
    root = local_project(tmp_path)
    for index in range(30):
        (root / "app" / "services" / f"s{index}.py").write_text(PLUGIN_SERVICE)
    found = findings(
        root, "--jobs", "2", "--no-cache", environment=env(LAYERLINT_ALLOW_PLUGINS="1")
    )
    assert len([f for f in found if f[2] == "ACME101"]) == 31
