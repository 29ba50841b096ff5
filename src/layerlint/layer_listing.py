"""``layerlint layers``: every module with its layer and the evidence that decided it.

The listing, ``init`` and ``check`` share one detection: the same discovery, the same
file texts (route decorators, revision identifiers) and the same LayerMap, so what this
command shows is what the rules see.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from layerlint.config import Config
from layerlint.discovery import SourceFile, discover
from layerlint.layers import LayerDecision, LayerMap, layer_rank
from layerlint.safe_paths import read_project_file


@dataclass(frozen=True)
class ModuleLayer:
    """One discovered module and how its layer was decided."""

    source_file: SourceFile
    decision: LayerDecision


def module_layers(config: Config, explicit: Sequence[Path] = ()) -> list[ModuleLayer]:
    """Every module ``check`` would analyse under ``config``, with its layer decision."""
    files = discover(config.root, config.src, config.exclude, tuple(explicit))
    contents = {f.relative: _read_bytes(f.path, config.root) for f in files}
    layer_map = LayerMap.for_sources(config.layers, contents)
    return [ModuleLayer(f, layer_map.decide(f.module, f.relative)) for f in files]


def _read_bytes(path: Path, root: Path) -> bytes | None:
    try:
        return read_project_file(path, root)
    except OSError:
        return None


def _why(decision: LayerDecision) -> str:
    return f"{decision.evidence}: {decision.detail}" if decision.detail else decision.evidence


def render_text(found: Sequence[ModuleLayer]) -> str:
    """One line per module: path, layer (``-`` for none), evidence; grouped by layer."""
    rows = [
        (item.source_file.relative, item.decision.layer or "-", _why(item.decision))
        for item in _sorted(found)
    ]
    if not rows:
        return ""
    path_width = max(len(r[0]) for r in rows)
    layer_width = max(len(r[1]) for r in rows)
    return "".join(f"{p:<{path_width}}  {ly:<{layer_width}}  {w}\n" for p, ly, w in rows)


def render_json(found: Sequence[ModuleLayer]) -> str:
    """``{"modules": [{"path", "module", "layer", "evidence", "detail"}...]}``."""
    modules = [
        {
            "path": item.source_file.relative,
            "module": item.source_file.module,
            "layer": item.decision.layer,
            "evidence": item.decision.evidence,
            "detail": item.decision.detail,
        }
        for item in _sorted(found)
    ]
    return json.dumps({"modules": modules}, indent=2) + "\n"


def _sorted(found: Sequence[ModuleLayer]) -> list[ModuleLayer]:
    return sorted(
        found, key=lambda item: (layer_rank(item.decision.layer), item.source_file.relative)
    )
