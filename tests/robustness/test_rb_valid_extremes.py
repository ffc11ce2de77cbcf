"""Implausible amounts are caught in validation (issue 15, item 6): a line
with extra zeros (7.5 billion in a company of 80 million a quarter) is an
error naming its line and value, before step 2 fails on overrides the user
never wrote. Thresholds: ``checks.extreme_amounts``."""
from __future__ import annotations

import csv as csvmodule
import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from rb_helpers import SALES_HEADER, TODAY, csv, load, only, problems

from salesnb.errors import DataError, Problem
from salesnb.io import load_workspace

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _lines(extra: list[str]) -> str:
    # 99 order lines of 100.00 in 2025Q1 (9,900.00), plus the given lines
    return csv(SALES_HEADER, *[f"O{i},2025-02-{i % 28 + 1:02d},C1,华东,A,100" for i in range(99)], *extra)


def test_a_line_with_extra_zeros_is_an_error_by_hand(tmp_path):
    # 100 lines; the 99th percentile (lower order statistic: the 99th of 100 sorted values) is 100.00;
    # 1,000,000 is 10,000× that and 101.0× the rest of 2025Q1 (9,900.00)
    found = only(problems(tmp_path, {"sales.csv": _lines(["X,2025-03-01,C1,华东,A,1000000"])}))
    assert found == Problem(
        "sales.csv", 101, "amount", "1,000,000.00",
        "is 10,000× the 99th percentile of the order-line amounts (100.00) and 101.0× the rest of 2025Q1's revenue (9,900.00): "
        "probably a typo (extra zeros); correct it, or raise checks.extreme_amounts.factor in workspace.yaml (0 turns the check off) if it is real",
    )


def test_a_large_line_in_a_large_quarter_is_not_flagged(tmp_path):
    # 20,000 is 200× the percentile but only 0.2× the rest of 2025Q1 (9,900 + 90,000 in 2025-03 = 99,900)
    big_quarter = [f"Y{i},2025-03-02,C1,华东,A,100" for i in range(900)]
    ws = load(tmp_path, {"sales.csv": _lines([*big_quarter, "X,2025-03-01,C1,华东,A,20000"])})
    assert ws.tables["sales"]["amount"].max() == 20000.0


def test_the_check_can_be_turned_off(tmp_path):
    yaml = "company:\n  name: Demo\nchecks:\n  extreme_amounts: {factor: 0}\n"
    ws = load(tmp_path, {"sales.csv": _lines(["X,2025-03-01,C1,华东,A,1000000"])}, yaml=yaml)
    assert ws.tables["sales"]["amount"].max() == 1_000_000.0


def test_too_few_lines_are_not_checked(tmp_path):
    ws = load(tmp_path, {"sales.csv": csv(SALES_HEADER, "O1,2025-01-05,C1,华东,A,1", "O2,2025-01-06,C2,华北,B,1000000")})
    assert len(ws.tables["sales"]) == 2


def test_five_extra_zeros_in_the_sample_is_an_error(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(SAMPLE, root)
    path = root / "sales.csv"
    rows = list(csvmodule.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    at = rows[0].index("销售额")
    original = float(rows[5000][at])
    rows[5000][at] = f"{original * 100000:.2f}"  # file line 5001
    out = io.StringIO()
    csvmodule.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    with pytest.raises(DataError) as info:
        load_workspace(root, today=TODAY)
    found = only(info.value.problems)
    assert (found.file, found.line, found.column, found.value) == ("sales.csv", 5001, "amount", f"{original * 100000:,.2f}")
    # the percentile worked out again with numpy on the clean sample's lines with line 5001 changed
    amounts = load_workspace(SAMPLE, today=TODAY).tables["sales"]["amount"].copy()
    assert amounts[5001] == original
    amounts[5001] = original * 100000
    level = np.percentile(amounts.abs().to_numpy(), 99, method="lower")
    assert found.rule.startswith(f"is {original * 100000 / level:,.0f}× the 99th percentile of the order-line amounts ({level:,.2f}) and ")
