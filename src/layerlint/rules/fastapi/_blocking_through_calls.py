"""LL205's project half: ``async def`` calling a sync function that queries a session.

The file rule (blocking_call_in_async.py) sees one function; this part follows calls
into the project's other functions, one or two levels down, the way LL102 follows
helpers. It runs under LL205's code and switch and is documented by it.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.facts import CallFact, Dotted, FunctionFact
from layerlint.project import SESSION, FunctionRef, Project
from layerlint.rules._common import is_test_path
from layerlint.rules.base import Finding, ProjectRule
from layerlint.rules.fastapi._support import REQUEST_LAYERS, SESSION_IO

# How many sync calls down from an ``async def`` a sync session query is looked for.
_HELPER_DEPTH = 2
# Only a sync ``Session`` has ``query()``; the others return a coroutine on AsyncSession.
_SYNC_ONLY_IO = frozenset({"query"})


class BlockingCallThroughHelpers(ProjectRule):
    """LL205 across functions: an ``async def`` calling a sync function (a repository
    method, a helper) that runs a sync ``Session`` query, one or two calls down.

    Runs under LL205's code and switch; its documentation is LL205's.
    """

    code = "LL205"
    name = "blocking-call-in-async"
    message = (
        "`{call}` inside `async def` runs a sync database call (`{inner}` in `{where}`);"
        " make it async or run it in a thread"
    )

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.modules.values():
            if project.layer_of(facts.module) not in REQUEST_LAYERS or is_test_path(facts.path):
                continue
            for fn in facts.functions:
                if not fn.is_async:
                    continue
                ref = FunctionRef(facts, fn)
                for call in fn.calls:
                    found = _session_query_below(project, ref, call, 1)
                    if found is not None:
                        inner, where = found
                        shown = ".".join(call.callee) + "()"
                        message = self.message.format(call=shown, inner=inner, where=where)
                        yield Finding(facts.path, call.span, message)


def _session_query_below(
    project: Project, ref: FunctionRef, call: CallFact, depth: int
) -> tuple[str, str] | None:
    """(the session call, the function running it) when ``call`` reaches a sync project
    function that queries a session, directly or ``_HELPER_DEPTH`` calls down."""
    if call.callee[0] == "?":
        return None
    target = _sync_callee(project, ref, call)
    if target is None:
        return None
    query = _sync_session_query(project, target)
    if query is not None:
        return query, target.function.qualname
    if depth >= _HELPER_DEPTH:
        return None
    for inner in target.function.calls:
        found = _session_query_below(project, target, inner, depth + 1)
        if found is not None:
            return found
    return None


def _sync_callee(project: Project, ref: FunctionRef, call: CallFact) -> FunctionRef | None:
    """The project's plain ``def`` that ``call`` runs, if it can be told."""
    owner, method = project.callee_type(ref, call)
    if owner is None or owner == SESSION:
        return None
    target = project.lookup_function(f"{owner}.{method}" if method else owner)
    if target is None and method:
        target = _method(project, owner, method)
    if target is None or target.function.is_async or is_test_path(target.module.path):
        return None
    return target


def _method(project: Project, class_name: str, method: str) -> FunctionRef | None:
    """``method`` as defined on ``class_name`` or, failing that, on one of its bases."""
    for name in (class_name, *sorted(project.ancestry(class_name) - {class_name})):
        cls = project.lookup_class(name)
        fn = cls.module.function(f"{cls.cls.name}.{method}") if cls is not None else None
        if cls is not None and fn is not None:
            return FunctionRef(cls.module, fn)
    return None


def _sync_session_query(project: Project, ref: FunctionRef) -> str | None:
    """``session.execute()`` when the sync function ``ref`` runs it on a session and uses
    the result (a function that returns the call hands an AsyncSession's coroutine on)."""
    handed_on = _returned_calls(ref.function)
    for call in ref.function.calls:
        callee = call.callee
        if len(callee) < 2 or callee[-1] not in SESSION_IO or callee[0] == "?":
            continue
        if callee in handed_on and callee[-1] not in _SYNC_ONLY_IO:
            continue
        if project.type_of(ref, callee[:-1]) == SESSION:
            return ".".join(callee) + "()"
    return None


def _returned_calls(function: FunctionFact) -> set[Dotted]:
    """Callees whose result the function returns (directly or through one local)."""
    local_calls = {name: value.dotted for name, value in function.locals if value.kind == "call"}
    returned: set[Dotted] = set()
    for fact in function.returns_values:
        value = fact.value
        if value.kind == "call":
            returned.add(value.dotted)
        elif value.kind == "name" and len(value.dotted) == 1 and value.dotted[0] in local_calls:
            returned.add(local_calls[value.dotted[0]])
    return returned
