"""Rule documentation rendered from rule metadata: `rules`, `explain` and the README table."""

from __future__ import annotations

from layerlint.rules import all_rules
from layerlint.rules.base import Rule


def rules_table(markdown: bool = False) -> str:
    """One row per rule. The README's table is this output with ``markdown=True``."""
    rows = [
        (rule.code, rule.name, rule.default.value, rule.fixable.value, rule.summary())
        for rule in all_rules().values()
    ]
    if markdown:
        lines = ["| code | name | default | fix | what it flags |", "|---|---|---|---|---|"]
        lines += [f"| {c} | `{n}` | {d} | {f} | {s} |" for c, n, d, f, s in rows]
        return "\n".join(lines)
    width = max(len(r[1]) for r in rows)
    return "\n".join(f"{c}  {n:<{width}}  {d:<6}  {f:<17}  {s}" for c, n, d, f, s in rows)


def explain_rule(rule: type[Rule]) -> str:
    """Everything about one rule: documentation, message, defaults, options, examples."""
    parts = [
        f"{rule.code} {rule.name}",
        "",
        rule.documentation(),
        "",
        f"Message:  {rule.message}",
        f"Default:  {rule.default.value}",
        f"Fix:      {rule.fixable.value}",
        f"Source:   {rule.seed}",
    ]
    if rule.options_spec:
        parts += ["", f"Options ([tool.layerlint.rules.{rule.code}]):"]
        for option in rule.options_spec:
            choices = f" (one of: {', '.join(option.choices)})" if option.choices else ""
            parts.append(f"  {option.name} = {option.default!r}{choices}: {option.description}")
    for kind, title in (("invalid", "Flagged"), ("valid", "Not flagged")):
        examples = rule.examples(kind)
        if not examples:
            continue
        parts += ["", f"{title}:"]
        for example in examples[:2]:
            for path, source in example.files.items():
                if not source.strip() or (
                    len(example.files) > 1 and "# error" not in source and kind == "invalid"
                ):
                    continue
                parts.append(f"  # {path}")
                parts.extend(f"    {line}" for line in source.rstrip().splitlines())
    return "\n".join(parts)
