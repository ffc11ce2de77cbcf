"""Duplicates and returns: exact duplicate rows from overlapping exports are
removed and counted (and kept in quarantine); the same id with conflicting
values is an error listing both lines; negative lines are returns, reported
separately; a quantity and amount of opposite signs is an error."""
from __future__ import annotations

from rb_helpers import SALES_HEADER, csv, load, note, problems, rules

from salesnb.errors import Problem

SURVEYS = "response_id,survey_date,respondent_type,nps"
COMPLAINTS = "ticket_id,customer_id,opened_at,category,description"


def test_exact_duplicate_order_lines_are_removed_and_counted(tmp_path):
    text = csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,100", "O2,2025-01-06,C2,华北,B,200", "O2,2025-01-06,C2,华北,B,200", "O2,2025-01-06,C2,华北,B,200")
    ws = load(tmp_path, {"sales.csv": text})
    assert ws.tables["sales"].index.tolist() == [2, 3]
    found = note(ws, "duplicate_rows_removed")
    assert (found.count, found.severity, found.examples) == (2, "repair", ("line 4 = line 3", "line 5 = line 3"))
    assert ws.quarantine["sales"]["reason"].tolist() == ["exact duplicate of line 3", "exact duplicate of line 3"]
    assert ws.sources["sales"].rows == 4  # rows read, before rows were set aside


def test_duplicates_that_differ_only_in_formatting_are_the_same_row(tmp_path):
    text = csv(SALES_HEADER, 'O1,2025-01-05,C1,华东,A,"1,000.00"', "O1,2025/1/5,C1,华东,A,1000")
    ws = load(tmp_path, {"sales.csv": text})
    assert ws.tables["sales"]["amount"].tolist() == [1000.0]
    assert note(ws, "duplicate_rows_removed").examples == ("line 3 = line 2",)


def test_exact_duplicate_customer_is_removed_not_a_uniqueness_error(tmp_path):
    ws = load(tmp_path, {"customers.csv": csv("customer_id,region,客户名称", "C1,华东,甲公司", "C2,华北,乙公司", "C1,华东,甲公司")})
    assert ws.tables["customers"]["customer_id"].tolist() == ["C1", "C2"]
    assert note(ws, "duplicate_rows_removed", "customers").count == 1


def test_same_ticket_id_with_conflicting_values_lists_both_lines(tmp_path):
    text = csv(COMPLAINTS, "T1,C1,2025-03-05 10:00,质量,外壳开裂", "T2,C2,2025-03-06 10:00,交付,晚到", "T1,C1,2025-03-05 10:00,交付,外壳开裂")
    assert problems(tmp_path, {"complaints.csv": text}) == [
        Problem("complaints.csv", 2, "ticket_id", "T1", "must be unique (duplicated id; also on line 4; category 质量 ≠ 交付)"),
        Problem("complaints.csv", 4, "ticket_id", "T1", "must be unique (duplicated id; also on line 2; category 交付 ≠ 质量)"),
    ]


def test_survey_answers_exported_twice_are_removed(tmp_path):
    text = csv(SURVEYS, "R1,2025-03-01,customer,9", "R2,2025-03-01,prospect,4", "R1,2025-03-01,customer,9")
    ws = load(tmp_path, {"surveys.csv": text})
    assert ws.tables["surveys"]["response_id"].tolist() == ["R1", "R2"]
    assert "duplicate_rows_removed" in rules(ws)


def test_negative_lines_are_returns_reported_separately(tmp_path):
    text = csv(SALES_HEADER + ",quantity", "O1,2025-01-05,C1,华东,A,300,3", "R1,2025-01-20,C1,华东,A,(100.00),-1", "R2,2025-02-01,C2,华北,B,-50.5,-2")
    ws = load(tmp_path, {"sales.csv": text})
    assert ws.tables["sales"]["amount"].tolist() == [300.0, -100.0, -50.5]  # kept: revenue nets them
    found = note(ws, "returns")
    assert (found.count, found.severity, found.examples) == (2, "info", ("line 3", "line 4"))
    assert "-150.50 in all (currency units)" in found.detail


def test_quantity_and_amount_of_opposite_signs_is_an_error(tmp_path):
    text = csv(SALES_HEADER + ",quantity", "O1,2025-01-05,C1,华东,A,300,3", "O2,2025-01-05,C1,华东,A,-100,2", "O3,2025-01-05,C1,华东,A,0,0", "O4,2025-01-05,C1,华东,A,15,0")
    assert problems(tmp_path, {"sales.csv": text}) == [
        Problem("sales.csv", 3, "amount", "-100", "sign differs from the quantity (2): a return has a negative quantity and a negative amount"),
    ]
