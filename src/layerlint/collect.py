"""The per-file pass: one parse, one walk, plain facts plus file-rule diagnostics.

Parsing and LL001 live in parsing.py, what rules see in file_context.py, fact collection
in fact_collector.py, suppression comments in suppression.py. Fact collection and every
enabled file rule share a single walk (walker.py); positions are computed afterwards,
only for the nodes that facts or diagnostics point at (positions.py). A rule that
raises is reported as an internal error for this file and switched off for the rest of
it; the other rules carry on.
"""

from __future__ import annotations

import traceback
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence

import libcst as cst

from layerlint.diagnostics import UNKNOWN_SPAN, Diagnostic, Severity
from layerlint.fact_collector import FactCollector
from layerlint.facts import ModuleFacts
from layerlint.file_context import FileContext, FileInput
from layerlint.parsing import parse_source
from layerlint.positions import node_spans
from layerlint.rules._common import is_migration_file
from layerlint.rules.base import FileRule, Fix
from layerlint.suppression import parse_suppressions
from layerlint.walker import Handler, walk

INTERNAL_ERROR_CODE = "LL000"


_BLOCK_TYPES: tuple[type[cst.CSTNode], ...] = (cst.IndentedBlock, cst.SimpleStatementSuite)


def collect(info: FileInput, source: bytes, rules: Sequence[FileRule]) -> ModuleFacts:
    """Parse ``source`` and return its facts and file-rule diagnostics (LL001 on failure)."""
    with warnings.catch_warnings():
        # Evaluating literals compiles them; CPython's SyntaxWarnings about the user's
        # code ("'int' object is not callable") are not layerlint's to print.
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return collect_with_fixes(info, source, rules)[0]


FixedDiagnostic = tuple[Diagnostic, Fix]


def collect_with_fixes(
    info: FileInput, source: bytes, rules: Sequence[FileRule]
) -> tuple[ModuleFacts, cst.Module | None, list[FixedDiagnostic]]:
    """Facts and diagnostics, plus the parsed module and the fixes rules offered."""
    parsed = parse_source(info, source)
    if isinstance(parsed, ModuleFacts):
        return parsed, None, []
    module = parsed
    if any(rule.skips_migrations for rule in rules) and is_migration_file(info.layer, module):
        rules = [rule for rule in rules if not rule.skips_migrations]
    # Fresh rule objects per file: rules may keep per-file state (stacks, node ids).
    rules = [type(rule)(rule.options) for rule in rules]
    try:
        text = source.decode(module.encoding, errors="replace")
    except LookupError:
        text = source.decode("utf-8", errors="replace")
    ctx = FileContext(info, {})
    collector = FactCollector(info, ctx)
    enter, leave = _dispatch_tables(collector, ctx, rules)
    internal: list[Diagnostic] = []
    try:
        walk(module, enter, leave)
    except RecursionError:
        internal.append(_internal(info, "walker", "nesting too deep"))
    internal.extend(ctx.failures)
    targets = collector.nodes_needing_positions() + [node for _, node, _ in ctx.reports]
    try:
        spans = node_spans(module, targets)
    except RecursionError:
        spans = {}
        internal.append(_internal(info, "positions", "nesting too deep; positions unknown"))
    by_code = {rule.code: rule for rule in rules}
    diagnostics: list[Diagnostic] = []
    fixes: list[FixedDiagnostic] = []
    for index, (code, node, message) in enumerate(ctx.reports):
        fix = ctx.fixes.get(index)
        diagnostic = Diagnostic(
            code=code,
            message=message or by_code[code].message,
            path=info.path,
            span=spans.get(id(node), UNKNOWN_SPAN),
            layer=info.layer,
            fixable=fix is not None,
            unsafe_fix=fix is not None and not fix.safe,
        )
        diagnostics.append(diagnostic)
        if fix is not None:
            fixes.append((diagnostic, fix))
    frozen = collector.freeze(spans)
    facts = ModuleFacts(
        path=info.path,
        module=info.module,
        is_package=info.is_package,
        diagnostics=tuple(internal + diagnostics),
        suppressions=parse_suppressions(text),
        **frozen,  # type: ignore[arg-type]
    )
    return facts, module, fixes


def _dispatch_tables(
    collector: FactCollector, ctx: FileContext, rules: Sequence[FileRule]
) -> tuple[dict[type[cst.CSTNode], list[Handler]], dict[type[cst.CSTNode], list[Handler]]]:
    enter: dict[type[cst.CSTNode], list[Handler]] = defaultdict(list)
    leave: dict[type[cst.CSTNode], list[Handler]] = defaultdict(list)
    for block in _BLOCK_TYPES:
        enter[block].append(collector.enter_block)
        leave[block].append(collector.leave_block)
    for name, node_type, leaving in _callbacks(type(collector)):
        if not leaving:
            enter[node_type].append(getattr(collector, name))
    for rule in rules:
        for name, node_type, leaving in _callbacks(type(rule)):
            table = leave if leaving else enter
            table[node_type].append(_guarded(rule, getattr(rule, name), ctx))
    return dict(enter), dict(leave)


_callback_names: dict[type, list[tuple[str, type[cst.CSTNode], bool]]] = {}


def _callbacks(cls: type) -> list[tuple[str, type[cst.CSTNode], bool]]:
    """``(method, node type, is_leave)`` for each visit_/leave_ method, found once per class."""
    found = _callback_names.get(cls)
    if found is None:
        found = []
        for name in dir(cls):
            node_type = (
                getattr(cst, name[6:], None) if name.startswith(("visit_", "leave_")) else None
            )
            if isinstance(node_type, type) and issubclass(node_type, cst.CSTNode):
                found.append((name, node_type, name.startswith("leave_")))
        _callback_names[cls] = found
    return found


def _guarded(
    rule: FileRule,
    method: Callable[..., None],
    ctx: FileContext,
) -> Handler:
    """Run one rule callback; a crash becomes an internal error and mutes the rule."""
    state = {"broken": False}

    def handler(node: cst.CSTNode) -> None:
        if state["broken"]:
            return
        ctx.current_code = rule.code
        try:
            method(node, ctx)
        except RecursionError:
            state["broken"] = True
            ctx.failures.append(_internal_for(ctx, rule.code, "RecursionError"))
        except Exception as error:
            state["broken"] = True
            detail = f"{type(error).__name__}: {error}"
            ctx.failures.append(_internal_for(ctx, rule.code, detail, traceback.format_exc()))

    return handler


def _internal_for(ctx: FileContext, code: str, detail: str, trace: str = "") -> Diagnostic:
    return Diagnostic(
        code=INTERNAL_ERROR_CODE,
        message=f"internal error in rule {code}: {detail} (please report this)",
        path=ctx.path,
        span=UNKNOWN_SPAN,
        severity=Severity.INTERNAL,
        layer=ctx.layer,
    )


def _internal(info: FileInput, where: str, detail: str) -> Diagnostic:
    return Diagnostic(
        code=INTERNAL_ERROR_CODE,
        message=f"internal error in {where}: {detail} (please report this)",
        path=info.path,
        span=UNKNOWN_SPAN,
        severity=Severity.INTERNAL,
        layer=info.layer,
    )
