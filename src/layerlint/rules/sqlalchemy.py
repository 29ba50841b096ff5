"""Rules of the sqlalchemy family (see RULES.md)."""

from __future__ import annotations
