"""What a file's text says about its layer, read before any file is parsed.

Layers are assigned before the per-file pass (file rules and the per-file cache both
depend on them), so the evidence that only the code can give, "this module declares
routes" and "this is an Alembic revision", is read from the raw bytes with two cheap
regular expressions instead of a parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ``@router.get("/x")``, ``@app.post(\n    "/x"``, ``@router.api_route(path="/x")``:
# an HTTP-verb decorator whose first argument is a path string.
_ROUTE_DECORATOR = re.compile(
    rb"^[ \t]*@[ \t]*[A-Za-z_][\w.]*\."
    rb"(?:get|post|put|patch|delete|head|options|trace|api_route|websocket)"
    rb"[ \t]*\(\s*(?:[rRuUbBfF]{0,2}['\"]|path[ \t]*=)",
    re.MULTILINE,
)
_ADD_ROUTE = re.compile(rb"\.add_api_(?:websocket_)?route[ \t]*\(")
# Top-level ``revision = "abc"`` / ``down_revision: str | None = "def"``.
_REVISION = re.compile(rb"^revision[ \t]*(?::[^=\n]*)?=", re.MULTILINE)
_DOWN_REVISION = re.compile(rb"^down_revision[ \t]*(?::[^=\n]*)?=", re.MULTILINE)


@dataclass(frozen=True)
class SourceMarkers:
    """Layer evidence found in a file's text."""

    declares_routes: bool = False
    assigns_revision: bool = False


NO_MARKERS = SourceMarkers()


def scan_source(data: bytes) -> SourceMarkers:
    """The markers in ``data`` (a file's bytes); a text search, not a parse."""
    declares_routes = b"@" in data and _ROUTE_DECORATOR.search(data) is not None
    if not declares_routes and b"add_api_" in data:
        declares_routes = _ADD_ROUTE.search(data) is not None
    assigns_revision = (
        b"down_revision" in data
        and _REVISION.search(data) is not None
        and _DOWN_REVISION.search(data) is not None
    )
    return SourceMarkers(declares_routes, assigns_revision)
