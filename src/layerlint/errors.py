"""Errors a user can cause; the CLI turns each into one line and exit code 2."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the command line, the configuration or the input paths."""


class ConfigError(UserError):
    """An invalid ``[tool.layerlint]`` setting: names the file, the key and what is allowed."""

    def __init__(self, path: str, key: str, problem: str) -> None:
        where = f"{path}: " if path else ""
        key_part = f"[tool.layerlint] {key}: " if key else ""
        super().__init__(f"{where}{key_part}{problem}")
        self.path = path
        self.key = key
