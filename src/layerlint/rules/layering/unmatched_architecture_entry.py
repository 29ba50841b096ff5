"""LL114 ``unmatched-architecture-entry``: a layer pattern, src root or contract module
matches nothing."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.contracts.model import module_matches
from layerlint.layers import module_matches_layer_pattern
from layerlint.project import Project
from layerlint.rules.base import Finding, ProjectRule
from layerlint.rules.layering._contract_support import config_finding, project


class UnmatchedArchitectureEntry(ProjectRule):
    """A ``[tool.layerlint.layers]`` pattern, ``src`` root or contract module matches nothing.

    **What it does:** every module pattern under ``[tool.layerlint.layers]`` and every
    project module a contract lists (``modules``, ``source-modules``, ``expose``) must name
    at least one module of the project, and every ``src`` root must hold at least one
    checked file. An entry that matches nothing is reported on its line of
    ``pyproject.toml``. (A malformed pattern, and a new layer whose name is one letter
    away from a built-in one such as ``service`` for ``services``, are configuration
    errors that stop the run instead.)

    **Why is this bad?** A misspelt pattern silently assigns no layer, so the layer rules
    check less than the configuration promises.

    **Example:** ``services = ["app.service"]`` when the package is ``app.services``.

    **Use instead:** fix the pattern, or delete the entry.
    """

    code = "LL114"
    name = "unmatched-architecture-entry"
    message = "{entry!r} matches no module"
    seed = "import-linter (contracts on missing modules), tach (unknown modules)"
    valid = (
        project(
            '[tool.layerlint.layers]\nservices = ["app.logic"]\n',
            app__logic__orders="X = 1\n",
        ),
    )
    invalid = (
        project(
            '[tool.layerlint.layers]\nservices = ["app.service"]  # error\n',
            app__logic__orders="X = 1\n",
        ),
        project(
            '[[tool.layerlint.contracts]]\nname = "features"\nkind = "independence"\n'
            'modules = [\n  "app.billing",\n  "app.biling",  # error\n]\n',
            app__billing__api="X = 1\n",
        ),
    )

    def check(self, project: Project) -> Iterator[Finding]:
        architecture = project.architecture
        modules = list(project.modules)
        for layer, patterns in architecture.layer_patterns:
            for pattern in patterns:
                if not any(module_matches_layer_pattern(m, pattern) for m in modules):
                    message = f"layer {layer!r}: pattern {pattern!r} matches no module"
                    yield config_finding(project, pattern, message)
        for contract in architecture.contracts:
            for pattern in (*contract.modules, *contract.expose):
                if not any(module_matches(m, pattern) for m in modules):
                    message = f"contract {contract.name!r}: {pattern!r} matches no module"
                    yield config_finding(project, pattern, message)
        paths = [facts.path for facts in project.modules.values()]
        for root in architecture.src:
            prefix = root.strip("/").removeprefix("./")
            if prefix in ("", "."):
                continue
            if not any(p == prefix or p.startswith(prefix + "/") for p in paths):
                yield config_finding(project, root, f"src root {root!r} holds no Python module")
