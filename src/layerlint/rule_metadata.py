"""What reporters know about a rule: plain data, so that rendering never imports the rules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleMetadata:
    """A rule's identity and documentation, as reporters show them."""

    code: str
    name: str
    message: str
    summary: str
    documentation: str
