"""Which rules run: ruff-style selection by code or prefix.

A prefix (``LL1``, ``LL``) selects the default-on rules under it; opt-in rules run only
when named by their full code, so ``select = ["LL"]`` never turns on a noisy rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from layerlint.rules.base import Default, Rule


def validate_codes(codes: Iterable[str], error: Callable[[str], Exception]) -> None:
    """Raise ``error(problem)`` for a code or prefix that matches no rule."""
    from layerlint.rules import all_rules

    known = all_rules()
    for code in codes:
        if not code or not any(k.startswith(code) for k in known):
            raise error(f"unknown rule code or prefix {code!r} (see `layerlint rules`)")


def default_selection(rules: Mapping[str, type[Rule]]) -> list[str]:
    """``LL`` and the prefix of every plugin's codes (``ACME`` for ``ACME101``)."""
    prefixes = {code.rstrip("0123456789") for code in rules}
    return ["LL", *sorted(prefixes - {"LL"})]


def selected_codes(
    rules: Mapping[str, type[Rule]],
    select: Iterable[str] | None,
    extend_select: Iterable[str],
    ignore: Iterable[str],
) -> frozenset[str]:
    """Codes enabled by select / extend-select minus ignore (longest match wins)."""
    chosen: set[str] = set()
    selectors = list(select) if select is not None else default_selection(rules)
    for selector in [*selectors, *extend_select]:
        for code, rule in rules.items():
            if code == selector or (code.startswith(selector) and rule.default is Default.ON):
                chosen.add(code)
    ignored = list(ignore)
    for code in list(chosen):
        best_ignore = max((len(p) for p in ignored if code.startswith(p)), default=-1)
        best_select = max(
            (len(p) for p in [*selectors, *extend_select] if code.startswith(p)), default=-1
        )
        if best_ignore >= 0 and best_ignore >= best_select:
            chosen.discard(code)
    return frozenset(chosen)
