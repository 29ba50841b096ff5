"""Rules of the security family (see RULES.md)."""

from __future__ import annotations
