"""`layerlint graph --contracts`: each contract's modules and the imports between them.

Nodes are the modules a contract names (third-party packages included); an edge is
drawn for each pair with at least one import chain between them, red (dot) or dashed
and labelled "broken" (mermaid) when the contract forbids it.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from layerlint.contracts.evaluate import evaluate
from layerlint.contracts.model import FORBIDDEN, INDEPENDENCE, module_matches
from layerlint.project import Project

Pair = tuple[str, str, str]  # contract name, from, to


def contract_edges(project: Project) -> tuple[Counter[Pair], set[Pair]]:
    """Imports between the named modules of each contract, and the broken pairs."""
    evaluation = evaluate(project)
    counts: Counter[Pair] = Counter()
    broken: set[Pair] = set()
    for contract in project.architecture.contracts:
        targets = contract.forbidden if contract.kind == FORBIDDEN else contract.modules
        for edge in evaluation.graph.edges:
            source = next((m for m in contract.modules if module_matches(edge.importer, m)), None)
            target = next((m for m in targets if module_matches(edge.imported, m)), None)
            if source is None or target is None or source == target:
                continue
            if contract.kind != INDEPENDENCE and contract.kind != FORBIDDEN:
                continue
            counts[(contract.name, source, target)] += 1
    for violation in evaluation.violations:
        chain = violation.chain
        contract = violation.contract
        if contract.kind not in (INDEPENDENCE, FORBIDDEN):
            continue
        targets = contract.forbidden if contract.kind == FORBIDDEN else contract.modules
        source = next(m for m in contract.modules if module_matches(chain[0].importer, m))
        target = next((m for m in targets if module_matches(chain[-1].imported, m)), None)
        if target is not None:
            pair = (contract.name, source, target)
            broken.add(pair)
            counts[pair] = max(counts[pair], 1)
    return counts, broken


def _node_id(name: str) -> str:
    return re.sub(r"\W", "_", name)


def render_contract_graph(project: Project, output_format: str) -> str:
    """The contracts as mermaid, dot or JSON."""
    counts, broken = contract_edges(project)
    if output_format == "json":
        return json.dumps(
            {
                "edges": [
                    {"contract": c, "from": a, "to": b, "imports": n, "broken": (c, a, b) in broken}
                    for (c, a, b), n in sorted(counts.items())
                ]
            },
            indent=2,
        )
    if output_format == "dot":
        lines = ["digraph contracts {", "  rankdir=LR;"]
        for (contract, a, b), n in sorted(counts.items()):
            style = ", color=red, fontcolor=red" if (contract, a, b) in broken else ""
            lines.append(f'  "{a}" -> "{b}" [label="{contract}: {n}"{style}];')
        lines.append("}")
        return "\n".join(lines)
    lines = ["graph LR"]
    for (contract, a, b), n in sorted(counts.items()):
        left, right = f'{_node_id(a)}["{a}"]', f'{_node_id(b)}["{b}"]'
        if (contract, a, b) in broken:
            lines.append(f"  {left} -. broken: {contract} .-> {right}")
        else:
            lines.append(f"  {left} -->|{n}| {right}")
    return "\n".join(lines)
