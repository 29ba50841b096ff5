"""Rules of the pydantic family (see RULES.md)."""

from __future__ import annotations
