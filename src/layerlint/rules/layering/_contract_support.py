"""What the contract rules (LL110-LL114) share: example projects and findings."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.contracts.evaluate import evaluate
from layerlint.diagnostics import Span
from layerlint.project import Project
from layerlint.rules.base import Example, Finding, ProjectRule


def project(config: str, **files: str) -> Example:
    """An example project: ``config`` is the ``[tool.layerlint]`` part of pyproject.toml.

    File keys use ``__`` for ``/`` (``app__billing__api`` -> ``app/billing/api.py``); every
    folder on the way gets an empty ``__init__.py`` unless the example gives one.
    """
    sources: dict[str, str] = {"pyproject.toml": config.lstrip("\n")}
    for key, source in files.items():
        if key.endswith("____init__"):
            path = key[: -len("____init__")].replace("__", "/") + "/__init__.py"
        else:
            path = key.replace("__", "/") + ".py"
        sources[path] = source
        folders = path.split("/")[:-1]
        for depth in range(1, len(folders) + 1):
            sources.setdefault("/".join(folders[:depth]) + "/__init__.py", "")
    return Example(sources)


class ContractRule(ProjectRule):
    """Reports the violations of one kind of contract, each at the import that starts it."""

    contract_kind = ""

    def check(self, project: Project) -> Iterator[Finding]:
        for violation in evaluate(project).violations:
            if violation.contract.kind == self.contract_kind:
                first = violation.chain[0]
                yield Finding(first.path, first.span, violation.message)


def config_finding(project: Project, entry: str, message: str) -> Finding:
    """A finding on the configuration entry ``entry`` (quoted in the configuration file)."""
    architecture = project.architecture
    if architecture.config_path is None:
        return Finding(".", Span(1, 1, 1, 1), message)
    line = architecture.line_of(entry)
    return Finding(architecture.config_path, Span(line, 1, line, 1), message)
