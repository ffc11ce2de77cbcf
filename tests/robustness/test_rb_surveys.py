"""Surveys: NPS outside 0–10 or not whole; a 1–10 scale is an error unless
declared in checks.scales, then converted as declared; blank answers in every
form are excluded from n (and counted); a segment with no answers reads
"n/a (n=0)"."""
from __future__ import annotations

import pytest
from rb_helpers import csv, load, note, problems

from salesnb import metrics, present
from salesnb.errors import ConfigError, Problem

HEADER = "response_id,survey_date,respondent_type,region,nps,satisfaction"


def rows(*answers: tuple[str, str]) -> str:
    return csv(HEADER, *(f"R{i},2025-03-01,customer,华东,{nps},{sat}" for i, (nps, sat) in enumerate(answers, start=1)))


def test_nps_out_of_range_fraction_and_text_are_errors(tmp_path):
    assert problems(tmp_path, {"surveys.csv": rows(("9", "4"), ("11", "4"), ("3.5", "4"), ("-1", "4"), ("高", "4"))}) == [
        Problem("surveys.csv", 3, "nps", "11", "must be within 0..10"),
        Problem("surveys.csv", 4, "nps", "3.5", "must be a whole number"),
        Problem("surveys.csv", 5, "nps", "-1", "must be within 0..10"),
        Problem("surveys.csv", 6, "nps", "高", "must be a number (0–10; leave blank when not answered)"),
    ]


def test_undeclared_1_to_10_satisfaction_is_an_error_with_the_fix(tmp_path):
    found = problems(tmp_path, {"surveys.csv": rows(("9", "8"), ("9", "3"), ("9", "10"))})
    hint = " (the answers go up to 10: if satisfaction was asked on a 1–10 scale, declare it under checks.scales.satisfaction in workspace.yaml)"
    assert found == [
        Problem("surveys.csv", 2, "satisfaction", "8", "must be within 1..5" + hint),
        Problem("surveys.csv", 4, "satisfaction", "10", "must be within 1..5" + hint),
    ]


def test_declared_1_to_10_satisfaction_is_converted_linearly(tmp_path):
    yaml = "company:\n  name: Demo\nchecks:\n  scales:\n    satisfaction: {low: 1, high: 10, convert: linear}\n"
    ws = load(tmp_path, {"surveys.csv": rows(("9", "1"), ("9", "10"), ("9", "7"), ("9", ""))}, yaml=yaml)
    got = ws.tables["surveys"]["satisfaction"].tolist()
    assert got[:3] == [1.0, 5.0, pytest.approx(1 + 6 * 4 / 9)] and got[3] != got[3]  # 1..10 onto 1..5; blank stays blank
    found = note(ws, "scale_converted")
    assert (found.count, found.detail) == (3, "satisfaction was asked on a 1–10 scale (checks.scales.satisfaction) and converted linearly to 1–5")


def test_declared_conversion_table(tmp_path):
    table = "{1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 5, 10: 5}"
    yaml = f"company:\n  name: Demo\nchecks:\n  scales:\n    satisfaction: {{low: 1, high: 10, convert: {table}}}\n"
    ws = load(tmp_path, {"surveys.csv": rows(("9", "2"), ("9", "7"), ("9", "10"))}, yaml=yaml)
    assert ws.tables["surveys"]["satisfaction"].tolist() == [1.0, 4.0, 5.0]


def test_nps_asked_1_to_10_kept_as_answered_when_declared(tmp_path):
    yaml = "company:\n  name: Demo\nchecks:\n  scales:\n    nps: {low: 1, high: 10, convert: none}\n"
    ws = load(tmp_path / "a", {"surveys.csv": rows(("1", ""), ("10", ""))}, yaml=yaml)
    assert ws.tables["surveys"]["nps"].tolist() == [1.0, 10.0]
    found = problems(tmp_path / "b", {"surveys.csv": rows(("0", ""), ("10", ""))}, yaml=yaml)
    assert found == [Problem("surveys.csv", 2, "nps", "0", "must be within 1..10")]


def test_scale_declared_for_a_column_that_is_not_a_score(tmp_path):
    yaml = "company:\n  name: Demo\nchecks:\n  scales:\n    comment: {low: 1, high: 10}\n"
    with pytest.raises(ConfigError) as info:
        load(tmp_path, {"surveys.csv": rows(("9", "4"))}, yaml=yaml)
    found = info.value.problems[0]
    assert (found.file, found.column, found.value) == ("workspace.yaml", "checks.scales.comment", "comment")
    assert found.rule.startswith("is not a score column of surveys (score columns: nps, satisfaction")


def test_blank_answers_in_every_form_are_excluded_from_n(tmp_path):
    answers = [("10", "5"), ('" "', "4"), ("\u3000", "4"), ("无", "无"), ("N/A", "3"), ("n/a", "3"), ("-", "-"), ("9", "2"), ("0", "1")]
    ws = load(tmp_path, {"surveys.csv": rows(*answers)})
    scores = ws.tables["surveys"]["nps"]
    assert scores.notna().sum() == 3
    result = metrics.nps(scores)
    assert (result.n, result.nps) == (3, pytest.approx(100 * (2 / 3 - 1 / 3)))  # promoters 10, 9; detractor 0
    nps_note = next(n for n in ws.notes if n.rule == "blank_answers" and n.detail.startswith("4 nps"))
    assert nps_note.examples == ("line 5: 无", "line 6: N/A", "line 7: n/a", "line 8: -")


def test_segment_without_answers_reads_n_a_with_n_0(tmp_path):
    text = csv(HEADER, "R1,2025-03-01,customer,华东,9,", "R2,2025-03-01,customer,西北,无,", "R3,2025-03-01,customer,西北,,")
    ws = load(tmp_path, {"surveys.csv": text})
    table = metrics.nps_table(ws.tables["surveys"], "region", min_n=1)
    assert table.loc["西北", "n"] == 0
    markup = present.nps_groups(table, "region", "en").data
    assert "<td class=\"text\">西北</td><td class=\"text\">— (n=0)</td>" in markup  # a missing value is "—" (issue 16)
    assert "— (n=0)" not in present.nps_groups(table.loc[["华东"]], "region", "en").data


def test_scale_written_in_the_header_is_an_error_until_declared(tmp_path):
    # 1–10 answers to NPS look valid on 0–10: the header is the only sign, so it must be declared
    text = csv("response_id,survey_date,respondent_type,推荐意愿(1-10),满意度（1～10分）", "R1,2025-03-01,customer,9,4", "R2,2025-03-01,customer,1,5")
    assert problems(tmp_path, {"surveys.csv": text}) == [
        Problem("surveys.csv", None, "推荐意愿(1-10) (nps)", None,
                "the header says nps was asked on a 1–10 scale, not on the 0–10 scale of the data contract: "
                "declare it under checks.scales.nps in workspace.yaml (e.g. {low: 1, high: 10, convert: none})"),
        Problem("surveys.csv", None, "满意度（1～10分） (satisfaction)", None,
                "the header says satisfaction was asked on a 1–10 scale, not on the 1–5 scale of the data contract: "
                "declare it under checks.scales.satisfaction in workspace.yaml (e.g. {low: 1, high: 10, convert: linear})"),
    ]


def test_scale_in_the_header_that_matches_the_contract_or_the_declaration(tmp_path):
    ws = load(tmp_path / "a", {"surveys.csv": csv("response_id,survey_date,respondent_type,NPS 0-10,满意度(1-5分)", "R1,2025-03-01,customer,0,5")})
    assert ws.tables["surveys"].loc[2, ["nps", "satisfaction"]].tolist() == [0.0, 5.0]
    yaml = "company:\n  name: Demo\nchecks:\n  scales:\n    nps: {low: 1, high: 10, convert: none}\n"
    ws = load(tmp_path / "b", {"surveys.csv": csv("response_id,survey_date,respondent_type,推荐意愿(1-10)", "R1,2025-03-01,customer,10")}, yaml=yaml)
    assert ws.tables["surveys"]["nps"].tolist() == [10.0]
    assert note(ws, "scale_converted").detail == "nps was asked on a 1–10 scale (checks.scales.nps) and kept as answered"
    yaml = "company:\n  name: Demo\nchecks:\n  scales:\n    satisfaction: {low: 1, high: 7, convert: linear}\n"
    found = problems(tmp_path / "c", {"surveys.csv": csv("response_id,survey_date,respondent_type,nps,满意度(1-10)", "R1,2025-03-01,customer,9,7")}, yaml=yaml)
    assert [p.rule for p in found] == [
        "the header says a 1–10 scale but checks.scales.satisfaction in workspace.yaml declares 1–7: correct one of them"
    ]
