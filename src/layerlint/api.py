"""layerlint's public API for rules of your own. Everything not exported here is private.

A rule is a class with metadata (``code``, ``name``, ``message``, a docstring as its
documentation, ``valid``/``invalid`` examples) and one of two kinds of check:

* ``FileRule``: ``visit_<Node>(self, node, ctx)`` methods called during layerlint's one
  libCST walk of each file (``visit_Call``, ``visit_FunctionDef``...). ``ctx`` is a
  ``FileContext``: the module's name, ``layer`` (``routes``, ``services``,
  ``repositories``, ``models``, ``schemas``, ``core``, ``dependencies``,
  ``controllers``, ``migrations`` or None), path, enclosing function/class,
  ``qualified_name(expr)`` through the module's imports, and ``report(node, message,
  fix)``.
* ``ProjectRule``: ``check(self, project)`` yields ``Finding`` records over the whole
  ``Project``: ``project.modules`` (module name -> ``ModuleFacts``), ``layer_of(module)``,
  ``resolve(module, dotted)``/``canonical(name)`` (names through imports and
  re-exports), ``lookup_class``/``lookup_function`` (``ClassRef``/``FunctionRef``),
  ``route_handlers()``, ``functions_in_layer(layer)``, ``is_pydantic_model``,
  ``is_orm_model``, ``is_http_exception``.

The fact types are plain frozen records of one module: ``ImportFact`` (one imported
name; ``type_only`` under ``TYPE_CHECKING``, ``local`` inside a function),
``FunctionFact`` (parameters as ``ParamFact``, ``calls`` as ``CallFact``, ``raises``
as ``RaiseFact``, ``returns_values`` as ``ReturnFact``), ``ClassFact`` (bases,
keywords, ``fields`` as ``FieldFact``) and ``Value``, the summary of an expression,
whose ``kind`` is one of ``name`` (a dotted name), ``call`` (a call of ``dotted``),
``str``, ``int``, ``bool``, ``none``, ``list`` (a list/tuple/set literal of
``elements``), ``dict`` (string keys in ``keywords``), ``subscript`` (``dotted[...]``)
or ``other``. ``Dotted`` is a tuple of name parts (``("self", "repo", "get")``).

Codes of your rules carry your own prefix (``ACME101``); ``LL`` is layerlint's. Publish
the rules under the entry-point group ``layerlint.rules`` or name a project module in
``[tool.layerlint] plugins``; ``layerlint.testing`` runs their examples under pytest.
"""

from __future__ import annotations

from layerlint.diagnostics import Span
from layerlint.facts import (
    CallFact,
    ClassFact,
    Dotted,
    FieldFact,
    FunctionFact,
    ImportFact,
    ModuleFacts,
    ParamFact,
    RaiseFact,
    ReturnFact,
    Value,
)
from layerlint.file_context import FileContext
from layerlint.project import ClassRef, FunctionRef, Project
from layerlint.rules.base import (
    Default,
    Example,
    FileRule,
    Finding,
    Fix,
    Fixability,
    ProjectRule,
    Rule,
    RuleOption,
)

__all__ = [
    "CallFact",
    "ClassFact",
    "ClassRef",
    "Default",
    "Dotted",
    "Example",
    "FieldFact",
    "FileContext",
    "FileRule",
    "Finding",
    "Fix",
    "Fixability",
    "FunctionFact",
    "FunctionRef",
    "ImportFact",
    "ModuleFacts",
    "ParamFact",
    "Project",
    "ProjectRule",
    "RaiseFact",
    "ReturnFact",
    "Rule",
    "RuleOption",
    "Span",
    "Value",
]
