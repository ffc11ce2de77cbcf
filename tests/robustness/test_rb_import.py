"""Real exports met while building the example workspaces (issue 9): each case a tiny
export through ``salesnb import`` with the exact repair, warning or error."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesnb.errors import DataError
from salesnb.ingest import build_workspace

WORKSPACE = "company: {name: T, currency: GBP, unit: unit}\n"
MAPPING = """workspace: workspace.yaml
tables:
  sales:
    columns:
      order_id: Invoice
      order_date: Date
      customer_id: Customer
      region: {value: UK}
      product_line: {value: gifts}
      quantity: Qty
      amount: {multiply: [Qty, Price], round: 2}
    returns: {when: {startswith: {Invoice: C}}}
  customers:
    from: sales
    columns:
      region: {value: UK, agg: first}
"""


def _import(tmp_path: Path, data: bytes, name: str = "export.csv", mapping: str = MAPPING):
    (tmp_path / "m").mkdir(exist_ok=True)
    (tmp_path / "m" / "import.yaml").write_text(mapping, encoding="utf-8")
    (tmp_path / "m" / "workspace.yaml").write_text(WORKSPACE, encoding="utf-8")
    (tmp_path / name).write_bytes(data)
    return build_workspace(tmp_path / name, tmp_path / "m" / "import.yaml", tmp_path / "ws")


def test_erp_report_with_title_lines_above_the_header(tmp_path):
    text = "销售明细报表\n导出时间：2025-01-31\n\nInvoice,Date,Customer,Qty,Price\nA1,2025-01-05,C1,2,3.5\n"
    result = _import(tmp_path, text.encode("utf-8"))
    note = next(n for n in result.notes if n.rule == "header_not_first_row")
    assert note.examples == ("line 1: 销售明细报表", "line 2: 导出时间：2025-01-31")
    assert pd.read_csv(tmp_path / "ws" / "sales.csv")["amount"].tolist() == [7.0]


def test_cancellation_written_with_positive_numbers_becomes_a_return(tmp_path):
    text = "Invoice,Date,Customer,Qty,Price\nA1,2025-01-05,C1,2,3.5\nC2,2025-01-06,C1,1,3.5\n"
    result = _import(tmp_path, text.encode("utf-8"))
    sales = pd.read_csv(tmp_path / "ws" / "sales.csv")
    assert sales[["quantity", "amount"]].values.tolist() == [[2, 7.0], [-1, -3.5]]
    assert result.counts["returns"] == 1
    assert next(n for n in result.notes if n.rule == "returns").count == 1


def test_gb18030_export_with_thousands_separators(tmp_path):
    text = 'Invoice,Date,Customer,Qty,Price\nA1,2025年1月5日,客户甲,"1,200",￥3.50\n'
    _import(tmp_path, text.encode("gb18030"))
    sales = pd.read_csv(tmp_path / "ws" / "sales.csv", encoding="utf-8")
    assert sales[["order_date", "customer_id", "amount"]].values.tolist() == [["2025-01-05", "客户甲", 4200.0]]


def test_truncated_gzip_export_is_an_error(tmp_path):
    import gzip

    data = gzip.compress(b"Invoice,Date,Customer,Qty,Price\nA1,2025-01-05,C1,2,3.5\n")[:-12]
    with pytest.raises(DataError) as err:
        _import(tmp_path, data, "export.csv.gz")
    assert err.value.problems[0].file == "export.csv.gz" and "cannot be decompressed" in err.value.problems[0].rule
    assert not (tmp_path / "ws").exists()


def test_blank_amount_parts_are_errors_at_their_line(tmp_path):
    text = "Invoice,Date,Customer,Qty,Price\nA1,2025-01-05,C1,2,3.5\nA2,2025-01-06,C1,2,\n"
    with pytest.raises(DataError) as err:
        _import(tmp_path, text.encode("utf-8"))
    p = next(p for p in err.value.problems if p.column == "amount")
    assert p.file == "sales.csv" and p.line == 3 and "[from export.csv line 3]" in p.rule and "must not be blank" in p.rule


def test_excel_date_cells_pass_a_declared_day_month_format(tmp_path):
    """An XLSX export whose date column mixes typed date cells with 05/01/2025 texts (date_format %d/%m/%Y)."""
    from datetime import datetime

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Invoice", "Date", "Customer", "Qty", "Price"])
    sheet.append(["A1", datetime(2025, 1, 5, 8, 30), "C1", 2, 3.5])
    sheet.append(["A2", "06/01/2025", "C1", 1, 3.5])
    path = tmp_path / "export.xlsx"
    book.save(path)
    mapping = MAPPING.replace("order_date: Date", 'order_date: {column: Date, date_format: "%d/%m/%Y"}')
    _import(tmp_path, path.read_bytes(), "export.xlsx", mapping)
    assert pd.read_csv(tmp_path / "ws" / "sales.csv")["order_date"].tolist() == ["2025-01-05", "2025-01-06"]


def test_sheet_number_in_the_mapping_counts_from_zero(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["exported from the ERP"])
    data = book.create_sheet("lines")
    data.append(["Invoice", "Date", "Customer", "Qty", "Price"])
    data.append(["A1", "2025-01-05", "C1", 2, 3.5])
    path = tmp_path / "export.xlsx"
    book.save(path)
    _import(tmp_path, path.read_bytes(), "export.xlsx", MAPPING.replace("workspace: workspace.yaml", "workspace: workspace.yaml\nsource: {sheet: 1}"))
    assert pd.read_csv(tmp_path / "ws" / "sales.csv")["amount"].tolist() == [7.0]


def test_unknown_encoding_in_the_mapping_names_its_key(tmp_path):
    from salesnb.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        _import(tmp_path, b"Invoice,Date,Customer,Qty,Price\nA1,2025-01-05,C1,2,3.5\n", mapping=MAPPING.replace(
            "workspace: workspace.yaml", "workspace: workspace.yaml\nsource: {encoding: utf9}"))
    assert err.value.problems[0].column == "source.encoding" and err.value.problems[0].value == "utf9"


# --------------------------------------------------------------------------- issue 14: text exports with other delimiters

WS_MAPPING = MAPPING.replace("workspace: workspace.yaml\n", "workspace: workspace.yaml\nsource: {delimiter: whitespace}\n")


def test_whitespace_delimited_text_export_is_read_with_its_line_numbers(tmp_path):
    # columns aligned with runs of spaces and a tab; a quoted value with a space; a blank line (line 4)
    data = ("Invoice   Date        Customer  Qty  Price\n"
            "A1        2025-01-05  \"C 1\"     2    1.50\n"
            "A2        2025-01-06  C2\t      1    4\n"
            "\n"
            "A3        2025-01-07  C2        3    2.00\n").encode()
    result = _import(tmp_path, data, "export.txt", WS_MAPPING)
    sales = pd.read_csv(tmp_path / "ws" / "sales.csv", dtype=str)
    assert sales[["order_id", "customer_id", "amount"]].values.tolist() == [["A1", "C 1", "3"], ["A2", "C2", "4"], ["A3", "C2", "6"]]
    assert pd.read_csv(tmp_path / "ws" / "import" / "sales_lines.csv")["export_line"].tolist() == [2, 3, 5]
    assert result.counts["lines"] == 3


def test_a_bad_value_in_a_whitespace_export_names_its_line(tmp_path):
    data = b"Invoice Date Customer Qty Price\nA1 2025-01-05 C1 2 1.50\n\nA2 2025-01-06 C2 1 n/a\n"
    with pytest.raises(DataError) as err:
        _import(tmp_path, data, "export.txt", WS_MAPPING)
    p = err.value.problems[0]
    assert (p.line, p.column, p.value) == (4, "Price", "n/a")


def test_a_declared_semicolon_delimiter_keeps_commas_in_values(tmp_path):
    mapping = MAPPING.replace("workspace: workspace.yaml\n", "workspace: workspace.yaml\nsource: {delimiter: ';'}\n")
    # a title line with commas above the header: left to itself the reader would split on commas
    data = "Sales report, all shops, 2025\nInvoice;Date;Customer;Qty;Price\nA1;2025-01-05;Smith, J;2;1.50\n".encode()
    _import(tmp_path, data, "export.csv", mapping)
    sales = pd.read_csv(tmp_path / "ws" / "sales.csv", dtype=str)
    assert sales[["customer_id", "amount"]].values.tolist() == [["Smith, J", "3"]]  # 2 × 1.50
    assert pd.read_csv(tmp_path / "ws" / "import" / "sales_lines.csv")["export_line"].tolist() == [3]


def test_no_delimiter_found_is_said_instead_of_quoting_the_header(tmp_path):
    data = b"Invoice Date Customer Qty Price\nA1 2025-01-05 C1 2 1.50\n"
    with pytest.raises(DataError) as err:
        _import(tmp_path, data, "export.txt")
    p = err.value.problems[0]
    assert p.rule.startswith("no delimiter found") and "delimiter: whitespace" in p.rule
    assert "Invoice Date Customer" not in p.rule  # the header line is not quoted as if its names were missing
    assert p.column == "Customer, Date, Invoice, Price, Qty"
