"""Rules of the alembic family (see RULES.md)."""

from __future__ import annotations
