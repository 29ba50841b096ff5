"""JUnit XML for CI dashboards: one failing testcase per file with diagnostics.

A clean run still has one passing testcase, because dashboards show an empty suite as
"no tests" rather than as green.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby

from layerlint.diagnostics import Diagnostic
from layerlint.report import ReportContext
from layerlint.report.json_report import sorted_diagnostics
from layerlint.report.names import escaped

SUITE_NAME = "layerlint"
# Characters XML 1.0 cannot carry at all, not even escaped; ElementTree passes them on.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Show forbidden control characters and undecodable name bytes as ``\\xNN``.

    Either would otherwise make the document invalid XML (or not UTF-8 at all).
    """
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", escaped(text))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _line(diagnostic: Diagnostic) -> str:
    span = diagnostic.span
    return f"{diagnostic.path}:{span.line}:{span.column}: {diagnostic.code} {diagnostic.message}"


def _failing_case(suite: ET.Element, path: str, found: Sequence[Diagnostic]) -> None:
    case = ET.SubElement(suite, "testcase", classname=SUITE_NAME, name=_xml_safe(path))
    failure = ET.SubElement(
        case, "failure", message=_plural(len(found), "diagnostic"), type=SUITE_NAME
    )
    failure.text = _xml_safe("".join(_line(d) + "\n" for d in found))


def _set_counts(element: ET.Element, tests: int, failures: int) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", "0")


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    """A ``<testsuites>`` document with its XML declaration and a trailing newline."""
    root = ET.Element("testsuites", name=SUITE_NAME)
    suite = ET.SubElement(root, "testsuite", name=SUITE_NAME)
    by_file = groupby(sorted_diagnostics(diagnostics), key=lambda d: d.path)
    failures = 0
    for path, group in by_file:
        _failing_case(suite, path, list(group))
        failures += 1
    if failures == 0:
        ET.SubElement(suite, "testcase", classname=SUITE_NAME, name=SUITE_NAME)
    tests = max(failures, 1)
    _set_counts(root, tests, failures)
    _set_counts(suite, tests, failures)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
