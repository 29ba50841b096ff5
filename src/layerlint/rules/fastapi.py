"""Rules of the fastapi family (see RULES.md)."""

from __future__ import annotations
