"""Rules of the services family (see RULES.md)."""

from __future__ import annotations
