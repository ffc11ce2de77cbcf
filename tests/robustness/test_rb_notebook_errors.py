"""A notebook that stops on bad input shows the analyst the problem table first, not a library traceback
(issue 15, item 10); any other exception keeps its full traceback, and the cell still fails."""
from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.e2e


def _run(cells: list[str]):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=300, startup_timeout=300).execute()
    return nb


def test_input_errors_show_their_problem_table_and_one_line():
    nb = _run([
        "from salesnb.context import show_input_errors_first\nshow_input_errors_first()",
        "from salesnb.errors import DataError, Problem\n"
        "raise DataError([Problem('sales.csv', 7, 'amount', 'abc<b>', 'must be a number'), Problem('sales.csv', 9, 'order_date', '13/13', 'not a date')])",
        "from salesnb.breakdown import PlanError\nraise PlanError('overrides on region add up to more than the total: lower them')",
        "raise ValueError('a bug, not an input problem')",
    ])
    data, plan, bug = nb.cells[1].outputs, nb.cells[2].outputs, nb.cells[3].outputs
    assert [o["output_type"] for o in data] == ["display_data", "error"]  # the table first, then the error
    html = data[0]["data"]["text/html"]
    assert "must be a number" in html and "not a date" in html and "sales.csv" in html
    assert "abc&lt;b&gt;" in html and "abc<b>" not in html  # data text is escaped
    assert data[1]["ename"] == "DataError" and data[1]["traceback"] == ["DataError: 2 problems in the input data"]
    assert [o["output_type"] for o in plan] == ["display_data", "error"] and plan[1]["traceback"] == [
        "PlanError: overrides on region add up to more than the total: lower them"]
    assert bug[-1]["ename"] == "ValueError" and len(bug[-1]["traceback"]) > 1  # a real bug keeps its traceback
