"""Reporters: each format's structure, escaping and stability, plus one golden file each.

Set ``LAYERLINT_UPDATE_GOLDEN=1`` to rewrite the golden files, then review the diff.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rich.cells import cell_len

from layerlint.diagnostics import UNKNOWN_SPAN, Diagnostic, Severity, Span
from layerlint.report import FORMATS, ReportContext, get_reporter
from layerlint.rule_metadata import RuleMetadata
from layerlint.rules.base import Rule

GOLDEN = Path(__file__).parent / "golden"
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
GOLDEN_FILES = {
    "text": "report.txt",
    "full": "report.txt",
    "concise": "report.concise.txt",
    "json-lines": "report.jsonl",
    "gitlab": "report.gitlab.json",
    "json": "report.json",
    "sarif": "report.sarif",
    "github": "report.github.txt",
    "junit": "report.junit.xml",
}


class FakeHttpExceptionInService(Rule):
    """``HTTPException`` raised in the service layer.

    **Why is this bad?** Services should not know about HTTP.
    """

    code = "LL104"
    name = "http-exception-in-service"
    message = "HTTPException in a service; raise a domain exception instead"


class FakeHardcodedSecret(Rule):
    """A secret written into the source."""

    code = "LL701"
    name = "hardcoded-secret"
    message = "hardcoded secret; read it from settings"


RULES: dict[str, RuleMetadata] = {
    "LL104": FakeHttpExceptionInService.metadata(),
    "LL701": FakeHardcodedSecret.metadata(),
}
SERVICE = "app/services/user_service.py"
CONFIG = "app/core/config.py"
ROUTES = "app/api/routes.py"
SOURCES: dict[str, list[str]] = {
    SERVICE: [
        "from fastapi import HTTPException",
        "",
        "",
        "async def get_user(user_id: int) -> User:",
        "    if user is None:",
        "        raise HTTPException(status_code=404)",
        "    raise HTTPException(status_code=403)",
    ],
    CONFIG: ['SECRET_KEY = "hunter2"  # café'],
}
# Deliberately out of order: every reporter must sort.
DIAGNOSTICS = (
    Diagnostic(
        "LL104",
        FakeHttpExceptionInService.message,
        SERVICE,
        Span(7, 11, 7, 24),
        layer="services",
    ),
    Diagnostic(
        "LL701",
        "secret [bold]SECRET_KEY[/] is 100% hardcoded, see: settings",
        CONFIG,
        Span(1, 14, 1, 23),
        severity=Severity.WARNING,
        layer="core",
        fixable=True,
    ),
    Diagnostic(
        "LL104",
        FakeHttpExceptionInService.message,
        SERVICE,
        Span(6, 15, 6, 28),
        layer="services",
    ),
    Diagnostic(
        "LL000", "rule LL203 crashed: KeyError('x')", ROUTES, UNKNOWN_SPAN, Severity.INTERNAL
    ),
)


def make_context(**changes: Any) -> ReportContext:
    """The shared context; keyword arguments override single fields."""
    context = ReportContext(
        tool_version="0.1.0",
        files_checked=12,
        rules=RULES,
        source_lines=SOURCES,
        root_uri="file:///project/",
    )
    return replace(context, **changes)


def render(fmt: str, diagnostics: Sequence[Diagnostic] = DIAGNOSTICS, **changes: Any) -> str:
    return get_reporter(fmt)(diagnostics, make_context(**changes))


# --- golden files ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(fmt: str) -> None:
    rendered = render(fmt)
    golden = GOLDEN / GOLDEN_FILES[fmt]
    if os.environ.get("LAYERLINT_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(rendered, encoding="utf-8", newline="\n")
        return
    assert golden.exists(), f"missing {golden}; run with LAYERLINT_UPDATE_GOLDEN=1"
    assert rendered == golden.read_text(encoding="utf-8")


# --- json -----------------------------------------------------------------------------


def test_json_document_shape() -> None:
    document = json.loads(render("json"))
    assert list(document) == ["version", "tool", "diagnostics", "summary"]
    assert document["version"] == 1
    assert document["tool"] == {"name": "layerlint", "version": "0.1.0"}
    assert document["summary"] == {
        "files": 12,
        "diagnostics": 4,
        "by_code": {"LL000": 1, "LL104": 2, "LL701": 1},
    }


def test_json_diagnostics_are_sorted_and_complete() -> None:
    records = json.loads(render("json"))["diagnostics"]
    assert [(r["path"], r["line"]) for r in records] == [
        (ROUTES, 1),
        (CONFIG, 1),
        (SERVICE, 6),
        (SERVICE, 7),
    ]
    assert records[1] == {
        "code": "LL701",
        "name": "hardcoded-secret",
        "message": "secret [bold]SECRET_KEY[/] is 100% hardcoded, see: settings",
        "path": CONFIG,
        "line": 1,
        "column": 14,
        "end_line": 1,
        "end_column": 23,
        "severity": "warning",
        "layer": "core",
        "fixable": True,
        "fix": {"applicability": "safe", "edits": None},
        "url": "https://github.com/layerlint/layerlint/blob/main/docs/rules.md#ll701",
    }


def test_json_names_codes_without_a_rule_internal_error() -> None:
    records = json.loads(render("json", rules={}))["diagnostics"]
    assert {r["name"] for r in records} == {"internal-error"}
    assert records[0]["severity"] == "internal"
    assert records[0]["layer"] is None


def test_json_clean_run() -> None:
    output = render("json", [])
    assert output.endswith("}\n")
    assert json.loads(output)["summary"] == {"files": 12, "diagnostics": 0, "by_code": {}}


# --- sarif ----------------------------------------------------------------------------


def sarif(diagnostics: Sequence[Diagnostic] = DIAGNOSTICS, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render("sarif", diagnostics, **changes))
    return document


def sarif_schema() -> dict[str, Any]:
    # Vendored in the repository (a published schema), so a clone never skips this.
    schema: dict[str, Any] = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return schema


@pytest.mark.parametrize("diagnostics", [DIAGNOSTICS, ()], ids=["findings", "clean"])
def test_sarif_validates_against_schema(diagnostics: Sequence[Diagnostic]) -> None:
    jsonschema.Draft7Validator(sarif_schema()).validate(sarif(diagnostics))


def test_sarif_header_and_driver() -> None:
    document = sarif()
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("layerlint", "0.1.0")
    assert driver["informationUri"] == "https://github.com/layerlint/layerlint"
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///project/"}}


def test_sarif_rules_cover_exactly_the_reported_codes() -> None:
    run = sarif()["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["LL000", "LL104", "LL701"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_rule_descriptor_from_rule_metadata() -> None:
    rules = sarif()["runs"][0]["tool"]["driver"]["rules"]
    descriptor = next(r for r in rules if r["id"] == "LL104")
    rule = FakeHttpExceptionInService
    assert descriptor["name"] == "http-exception-in-service"
    assert descriptor["shortDescription"] == {"text": rule.summary().replace("``", "")}
    assert descriptor["fullDescription"]["text"]
    assert descriptor["help"]["text"] == rule.documentation()
    assert "`HTTPException`" in descriptor["help"]["markdown"]
    assert "``" not in descriptor["help"]["markdown"]
    assert descriptor["helpUri"] == (
        "https://github.com/layerlint/layerlint/blob/main/docs/rules.md#ll104"
    )
    assert descriptor["defaultConfiguration"] == {"level": "error"}
    assert descriptor["properties"]["tags"] == ["layerlint", "layering"]


def test_sarif_internal_error_has_a_rule_and_marks_the_run() -> None:
    run = sarif()["runs"][0]
    descriptor = run["tool"]["driver"]["rules"][0]
    assert (descriptor["id"], descriptor["name"]) == ("LL000", "internal-error")
    assert descriptor["help"]["text"]
    assert run["invocations"] == [{"executionSuccessful": False}]


def test_sarif_levels() -> None:
    levels = {(r["ruleId"], r["level"]) for r in sarif()["runs"][0]["results"]}
    assert levels == {("LL000", "error"), ("LL104", "error"), ("LL701", "warning")}


def test_sarif_result_location() -> None:
    result = sarif()["runs"][0]["results"][2]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": SERVICE, "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 6, "startColumn": 15, "endLine": 6, "endColumn": 28}
    assert result["message"] == {"text": FakeHttpExceptionInService.message}


def test_sarif_region_is_never_before_line_one() -> None:
    broken = Diagnostic("LL104", "m", SERVICE, Span(0, 0, 0, 0))
    region = sarif([broken])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert region["region"] == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}


def test_sarif_root_uri_from_a_directory(tmp_path: Path) -> None:
    uri = sarif(root_uri=str(tmp_path))["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert uri == tmp_path.as_uri() + "/"


def test_sarif_without_root_uri_omits_base_ids() -> None:
    assert "originalUriBaseIds" not in sarif(root_uri="")["runs"][0]


def fingerprint(diagnostic: Diagnostic, lines: list[str]) -> str:
    result = sarif([diagnostic], source_lines={SERVICE: lines})["runs"][0]["results"][0]
    value: str = result["partialFingerprints"]["layerlintLineHash/v1"]
    return value


RAISE = "        raise HTTPException(status_code=404)"


def test_fingerprint_survives_a_line_shift() -> None:
    before = fingerprint(Diagnostic("LL104", "m", SERVICE, Span(2, 9, 2, 14)), ["x = 1", RAISE])
    shifted = ["import os", "", "x = 1", RAISE]
    after = fingerprint(Diagnostic("LL104", "m", SERVICE, Span(4, 9, 4, 14)), shifted)
    assert before == after


def test_fingerprint_ignores_reindentation() -> None:
    at = Diagnostic("LL104", "m", SERVICE, Span(1, 9, 1, 14))
    assert fingerprint(at, [RAISE]) == fingerprint(at, ["    " + RAISE.strip() + "  "])


def test_fingerprint_differs_for_a_different_source_line() -> None:
    at = Diagnostic("LL104", "m", SERVICE, Span(1, 9, 1, 14))
    assert fingerprint(at, [RAISE]) != fingerprint(at, [RAISE.replace("404", "403")])


def test_fingerprint_tells_identical_lines_apart() -> None:
    twice = [Diagnostic("LL104", "m", SERVICE, Span(n, 9, n, 14)) for n in (1, 2)]
    results = sarif(twice, source_lines={SERVICE: [RAISE, RAISE]})["runs"][0]["results"]
    hashes = {r["partialFingerprints"]["layerlintLineHash/v1"] for r in results}
    assert len(hashes) == 2


# --- github ---------------------------------------------------------------------------


def test_github_commands() -> None:
    lines = render("github").splitlines()
    assert lines[0].startswith("::error file=app/api/routes.py,line=1,col=1,")
    assert lines[1].startswith("::warning file=app/core/config.py,line=1,col=14,endLine=1,")
    assert lines[2] == (
        "::error file=app/services/user_service.py,line=6,col=15,endLine=6,endColumn=28,"
        "title=LL104 http-exception-in-service::" + FakeHttpExceptionInService.message
    )


def test_github_escapes_message_data() -> None:
    message = "100% wrong\r\nsee %0A: a, b"
    output = render("github", [Diagnostic("LL104", message, SERVICE, Span(1, 1, 1, 2))])
    assert output.endswith("::100%25 wrong%0D%0Asee %250A: a, b\n")
    assert output.count("\n") == 1


def test_github_escapes_property_values() -> None:
    odd_path = "app/c:d,e%.py"
    output = render("github", [Diagnostic("LL104", "m", odd_path, Span(1, 1, 1, 2))])
    assert "file=app/c%3Ad%2Ce%25.py," in output


def test_github_multiline_span_has_no_columns() -> None:
    output = render("github", [Diagnostic("LL104", "m", SERVICE, Span(2, 5, 4, 1))])
    assert output.startswith("::error file=app/services/user_service.py,line=2,endLine=4,title=")


def test_github_clean_run_is_empty() -> None:
    assert render("github", []) == ""


# --- junit ----------------------------------------------------------------------------


def parse_junit(output: str) -> ET.Element:
    assert output.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(output.encode("utf-8"))


def test_junit_one_failing_case_per_file() -> None:
    root = parse_junit(render("junit"))
    assert root.tag == "testsuites"
    assert (root.get("name"), root.get("tests"), root.get("failures")) == ("layerlint", "3", "3")
    [suite] = root
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [ROUTES, CONFIG, SERVICE]
    failure = cases[2].find("failure")
    assert failure is not None
    assert failure.get("message") == "2 diagnostics"
    assert failure.get("type") == "layerlint"
    assert (failure.text or "").splitlines() == [
        f"{SERVICE}:6:15: LL104 {FakeHttpExceptionInService.message}",
        f"{SERVICE}:7:11: LL104 {FakeHttpExceptionInService.message}",
    ]


def test_junit_clean_run_has_one_passing_case() -> None:
    root = parse_junit(render("junit", []))
    assert (root.get("tests"), root.get("failures")) == ("1", "0")
    [case] = root.iter("testcase")
    assert case.get("name") == "layerlint"
    assert list(case) == []


def test_junit_escapes_markup_and_control_characters() -> None:
    message = 'a <tag> & "quote" \x1b[0m'
    root = parse_junit(render("junit", [Diagnostic("LL104", message, SERVICE, Span(1, 1, 1, 2))]))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert 'a <tag> & "quote" \\x1b[0m' in (failure.text or "")


# --- text -----------------------------------------------------------------------------


def test_text_has_no_ansi_without_color() -> None:
    assert "\x1b" not in render("text", color=False)


def test_text_uses_ansi_with_color() -> None:
    output = render("text", color=True)
    assert "\x1b[" in output
    plain = re.sub(r"\x1b\[[0-9;]*m", "", output)
    assert plain == render("text", color=False)


def test_text_header_and_caret_under_the_column() -> None:
    lines = render("text").splitlines()
    at = lines.index(f"{SERVICE}:6:15: LL104 {FakeHttpExceptionInService.message}")
    source, carets = lines[at + 1], lines[at + 2]
    assert source.endswith(SOURCES[SERVICE][5])
    column = source.index("HTTPException")
    assert carets.index("^") == column
    assert carets[column:] == "^" * len("HTTPException")


def test_text_caret_is_at_least_one_wide() -> None:
    empty = Diagnostic("LL104", "m", SERVICE, Span(1, 6, 1, 6))
    lines = render("text", [empty], source_lines={SERVICE: ["from fastapi import x"]}).splitlines()
    assert lines[2].endswith("|      ^")


def test_text_caret_stays_aligned_after_a_tab() -> None:
    tabbed = Diagnostic("LL104", "m", SERVICE, Span(1, 2, 1, 7))
    lines = render("text", [tabbed], source_lines={SERVICE: ["\traise E()"]}).splitlines()
    assert lines[2].expandtabs().index("^") == lines[1].expandtabs().index("raise")


def test_text_caret_counts_wide_characters_as_two_cells() -> None:
    source = 'label = "日本語" + bad'
    at = Diagnostic("LL104", "m", SERVICE, Span(1, source.index("bad") + 1, 1, len(source) + 1))
    lines = render("text", [at], source_lines={SERVICE: [source]}).splitlines()
    assert lines[2].index("^^^") == cell_len(lines[1][: lines[1].index("bad")])


def test_text_never_passes_control_characters_through() -> None:
    sneaky = Diagnostic("LL104", "red \x1b[31m\nnext", SERVICE, Span(1, 1, 1, 2))
    output = render("text", [sneaky], source_lines={SERVICE: ["x = '\x1b[2J'"]})
    assert "\x1b" not in output
    assert f"{SERVICE}:1:1: LL104 red \u241b[31m\u240anext\n" in output


def test_text_prints_markup_literally() -> None:
    assert "secret [bold]SECRET_KEY[/] is 100% hardcoded" in render("text", color=True)


def test_text_without_source_prints_only_the_header() -> None:
    lines = render("text").splitlines()
    at = lines.index(f"{ROUTES}:1:1: LL000 rule LL203 crashed: KeyError('x')")
    assert lines[at + 1] == ""


def test_text_summary() -> None:
    output = render("text")
    assert "| http-exception-in-service" not in output  # the table needs --statistics
    assert output.endswith(
        "Found 4 diagnostics in 3 files (12 files checked).\n[*] 1 fixable with --fix.\n"
    )


def test_statistics_table_replaces_the_diagnostics() -> None:
    output = render("text", statistics=True)
    assert re.search(r"^ +2 \| LL104 +\| +\| http-exception-in-service$", output, re.MULTILINE)
    assert re.search(r"^ +1 \| LL701 +\| \[\*\] \| hardcoded-secret$", output, re.MULTILINE)
    assert "Found" not in output


def test_quiet_prints_diagnostics_without_summary() -> None:
    output = render("text", quiet=True)
    assert "Found" not in output and "fixable" not in output
    assert f"{SERVICE}:6:" in output


def test_safe_fix_marker_and_unsafe_count() -> None:
    diagnostics = [
        Diagnostic("LL104", "m", SERVICE, Span(1, 1, 1, 2), fixable=True),
        Diagnostic("LL104", "m", SERVICE, Span(2, 1, 2, 2), fixable=True, unsafe_fix=True),
    ]
    output = render("concise", diagnostics)
    assert f"{SERVICE}:1:1: LL104 [*] m" in output
    assert f"{SERVICE}:2:1: LL104 m" in output
    assert output.endswith("[*] 1 fixable with --fix; 1 more with --unsafe-fixes.\n")


def test_text_summary_singular() -> None:
    one = [Diagnostic("LL104", "m", SERVICE, Span(1, 1, 1, 2))]
    assert render("text", one, files_checked=1).endswith(
        "Found 1 diagnostic in 1 file (1 file checked).\n"
    )


def test_text_clean_run() -> None:
    assert render("text", []) == "All checks passed (12 files checked).\n"


def test_sarif_short_descriptions_are_static_titles_for_every_rule() -> None:
    """Issue 12 item 12: no ``{placeholders}``; descriptions and help from the rule docs."""
    from layerlint.report import ReportContext
    from layerlint.report.sarif import render as render_sarif
    from layerlint.rules import all_rules

    rules = {code: rule.metadata() for code, rule in all_rules().items()}
    diagnostics = [Diagnostic(code, "m", "app/x.py", Span(1, 1, 1, 2)) for code in rules]
    log = json.loads(render_sarif(diagnostics, ReportContext("0", 1, rules)))
    for descriptor in log["runs"][0]["tool"]["driver"]["rules"]:
        rule = rules[descriptor["id"]]
        assert "{" not in descriptor["shortDescription"]["text"], descriptor["id"]
        assert descriptor["shortDescription"]["text"] == rule.summary.replace("``", "")
        assert descriptor["fullDescription"]["text"]
        assert descriptor["help"]["text"] == rule.documentation
        assert descriptor["helpUri"].endswith("#" + rule.code.lower())
