"""`layerlint graph`: layers and the import edges between them as mermaid, dot or JSON."""

from __future__ import annotations

import json
from collections import Counter

from layerlint.import_graph import import_edges
from layerlint.project import Project


def layer_edges(project: Project) -> Counter[tuple[str, str]]:
    """Number of module imports from one layer into another."""
    counts: Counter[tuple[str, str]] = Counter()
    for edge in import_edges(project):
        low, high = project.layer_of(edge.importer), project.layer_of(edge.imported)
        if low and high and low != high:
            counts[(low, high)] += 1
    return counts


def render_layer_graph(project: Project, output_format: str) -> str:
    """The graph in the requested format; forbidden edges are marked."""
    counts = layer_edges(project)
    modules: Counter[str] = Counter(layer for layer in project.layers.values() if layer)
    if output_format == "json":
        payload = {
            "layers": {layer: {"modules": n} for layer, n in sorted(modules.items())},
            "edges": [
                {"from": a, "to": b, "imports": n, "allowed": project.contract.permits(a, b)}
                for (a, b), n in sorted(counts.items())
            ],
        }
        return json.dumps(payload, indent=2)
    if output_format == "dot":
        lines = ["digraph layers {", "  rankdir=TB;"]
        lines += [f'  "{layer}" [label="{layer} ({n})"];' for layer, n in sorted(modules.items())]
        for (a, b), n in sorted(counts.items()):
            style = "" if project.contract.permits(a, b) else ", color=red, fontcolor=red"
            lines.append(f'  "{a}" -> "{b}" [label="{n}"{style}];')
        lines.append("}")
        return "\n".join(lines)
    lines = ["graph TD"]
    lines += [f'  {layer}["{layer} ({n})"]' for layer, n in sorted(modules.items())]
    for (a, b), n in sorted(counts.items()):
        arrow = "-->" if project.contract.permits(a, b) else "-. forbidden .->"
        lines.append(f"  {a} {arrow}|{n}| {b}" if arrow == "-->" else f"  {a} {arrow} {b}")
    return "\n".join(lines)
