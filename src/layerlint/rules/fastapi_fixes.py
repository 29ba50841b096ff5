"""Rewrites for the FastAPI rules' ``--fix`` (LL201, LL206), built from the original nodes
so comments and formatting around them survive."""

from __future__ import annotations

import libcst as cst

from layerlint.rules.base import FileContext, Fix

_STATUS_MODULES = frozenset({"fastapi.status", "starlette.status"})


def status_constant_fix(arg: cst.Arg, constant: str, ctx: FileContext) -> Fix | None:
    """``404`` -> ``status.HTTP_404_NOT_FOUND``, importing ``status`` from FastAPI if needed.

    No fix when the name ``status`` already means something else here (another import,
    or a parameter of the enclosing function): the rewrite would point at the wrong object.
    """
    bound = ctx.qualified_name(cst.Name("status"))
    function = ctx.enclosing_function
    if function is not None and _has_parameter(function, "status"):
        return None
    if bound is not None and bound not in _STATUS_MODULES:
        return None
    replacement = cst.Attribute(value=cst.Name("status"), attr=cst.Name(constant))
    add = () if bound is not None else (("fastapi", "status"),)
    return Fix(replacements=((arg.value, replacement),), add_imports=add)


def fastapi_import_fix(statement: cst.ImportFrom, alias: cst.ImportAlias) -> Fix | None:
    """``from starlette.exceptions import HTTPException`` -> ``from fastapi import ...``.

    A statement importing only that name is re-pointed in place (aliases, parentheses
    and comments kept); from a longer list the name is taken out and imported from
    FastAPI instead, unless it is renamed (an aliased import cannot be added safely).
    """
    if isinstance(statement.names, cst.ImportStar):
        return None
    names = list(statement.names)
    if len(names) == 1:
        return Fix(replacements=((statement, statement.with_changes(module=cst.Name("fastapi"))),))
    if alias.asname is not None:
        return None
    kept = [name for name in names if name is not alias]
    if statement.rpar is None and kept and names[-1] is alias:
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return Fix(
        replacements=((statement, statement.with_changes(names=kept)),),
        add_imports=(("fastapi", "HTTPException"),),
    )


def _has_parameter(function: cst.FunctionDef, name: str) -> bool:
    params = function.params
    every = (*params.posonly_params, *params.params, *params.kwonly_params)
    return any(param.name.value == name for param in every)
