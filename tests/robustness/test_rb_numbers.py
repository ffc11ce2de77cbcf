"""Numbers: currency symbols and thousands separators, accounting negatives,
full-width digits, amounts in 万元 (from the header, the config or — when
every cell says so — the cells), mixed units or currencies (an error), text in
a numeric column (an error naming the cell)."""
from __future__ import annotations

import datetime as dt

import pytest
from rb_helpers import SALES_HEADER, csv, load, note, only, problems, workbook

from salesnb.errors import Problem

ZH = "订单号,下单日期,客户编号,区域,产品线,{amount}"


def amounts(tmp_path, *cells: str, header: str = "amount", yaml: str | None = None):
    rows = [f"O{i},2025-01-05,C1,华东,A,{cell}" for i, cell in enumerate(cells, start=1)]
    kwargs = {"yaml": yaml} if yaml else {}
    return load(tmp_path, {"sales.csv": csv(ZH.format(amount=header), *rows)}, **kwargs)


def test_yuan_symbols_and_thousands_separators(tmp_path):
    ws = amounts(tmp_path, '"¥1,234.00"', '"￥2,000"', '"RMB 3,000.5"', '"12,000元"')
    assert ws.tables["sales"]["amount"].tolist() == [1234.0, 2000.0, 3000.5, 12000.0]


def test_dollar_amounts_in_one_currency(tmp_path):
    ws = amounts(tmp_path, '"$1,234.50"', "$80")
    assert ws.tables["sales"]["amount"].tolist() == [1234.5, 80.0]


def test_accounting_negatives_full_width_digits_and_unicode_minus(tmp_path):
    ws = amounts(tmp_path, "(300.00)", "１２３．５", "\u2212" + "45", '"(¥1,000)"')
    assert ws.tables["sales"]["amount"].tolist() == [-300.0, 123.5, -45.0, -1000.0]


def test_unit_from_the_header_wan_yuan(tmp_path):
    ws = amounts(tmp_path, "1.5", "2", header="销售额(万元)")
    assert ws.tables["sales"]["amount"].tolist() == [15000.0, 20000.0]
    found = note(ws, "amount_unit_converted")
    assert (found.count, found.severity) == (2, "repair")
    assert found.detail == "销售额(万元) (amount) values were written in 万元 (from header '销售额(万元)') and multiplied by 10000 to 元"


def test_unit_from_the_config(tmp_path):
    ws = amounts(tmp_path, "1.5", header="销售额", yaml="company:\n  name: Demo\n  unit: 万元\n")
    assert ws.tables["sales"]["amount"].tolist() == [15000.0]
    assert "from company.unit" in note(ws, "amount_unit_converted").detail


def test_header_unit_contradicting_the_config_is_an_error(tmp_path):
    found = only(problems(tmp_path, {"sales.csv": csv(ZH.format(amount="金额（元）"), "O1,2025-01-05,C1,华东,A,100")},
                          yaml="company:\n  name: Demo\n  unit: 万元\n"))
    assert found == Problem(
        "sales.csv", None, "金额（元） (amount)", None,
        "the header says the amounts are in 元 but company.unit in workspace.yaml says 万元: "
        "remove the unit from one of them so that amounts are converted once",
    )


def test_mixed_units_in_one_file_are_an_error(tmp_path):
    found = only(problems(tmp_path, {"sales.csv": csv(ZH.format(amount="销售额"), "O1,2025-01-05,C1,华东,A,100", "O2,2025-01-05,C1,华东,A,1.5万")}))
    assert found == Problem(
        "sales.csv", 3, "销售额 (amount)", "1.5万",
        "is in 万元 while the column is in 元 (the default unit): mixed units in one file; write every amount in one unit",
    )


def test_unit_written_in_every_cell_is_used(tmp_path):
    ws = amounts(tmp_path, "1.5万元", "2 万元", header="销售额")
    assert ws.tables["sales"]["amount"].tolist() == [15000.0, 20000.0]
    assert "(from the cells)" in note(ws, "amount_unit_converted").detail


def test_mixed_currencies_are_an_error(tmp_path):
    found = only(problems(tmp_path, {"sales.csv": csv(ZH.format(amount="销售额"), "O1,2025-01-05,C1,华东,A,¥100", "O2,2025-01-05,C1,华东,A,$50")}))
    assert found == Problem(
        "sales.csv", 3, "销售额 (amount)", "$50",
        "mixed currencies in one column: $ here, ¥ on line 2; convert to one currency before exporting",
    )


def test_text_in_a_numeric_xlsx_column_names_the_cell(tmp_path):
    data = workbook(tmp_path / "s.xlsx", [
        ["订单号", "下单日期", "客户编号", "区域", "产品线", "销售额"],
        ["SO1", dt.datetime(2025, 3, 5), "C1", "华东", "A", 100],
        ["SO2", dt.datetime(2025, 3, 6), "C1", "华东", "A", "约100"],
    ])
    found = only(problems(tmp_path / "w", {"sales.xlsx": data}))
    assert found == Problem("sales.xlsx", 3, "销售额 (amount)", "约100", "must be a number (cell F3)")


@pytest.mark.parametrize("cell", ["NA", "1,23", "12abc", "(-5)", "1.5kg"])
def test_number_lookalikes_are_errors(tmp_path, cell):
    found = only(problems(tmp_path, {"sales.csv": csv(SALES_HEADER, f'O1,2025-01-05,C1,华东,A,"{cell}"')}))
    assert (found.line, found.column, found.value, found.rule) == (2, "amount", cell, "must be a number")


def test_quantity_header_with_a_bracketed_unit_is_recognised(tmp_path):
    ws = load(tmp_path, {"sales.csv": csv(SALES_HEADER + ",数量(件)", "O1,2025-01-05,C1,华东,A,100,3")})
    assert ws.tables["sales"].loc[2, "quantity"] == 3.0


def test_a_currency_in_the_header_that_is_not_the_workspace_currency_is_an_error(tmp_path):
    # company.currency defaults to CNY: 销售额(美元) was read as CNY without a word
    header = "order_id,order_date,customer_id,region,product_line,销售额(美元)"
    found = only(problems(tmp_path, {"sales.csv": csv(header, "O1,2025-01-05,C1,华东,A,100")}))
    assert found == Problem(
        "sales.csv", None, "销售额(美元) (amount)", None,
        "the header says the amounts are in USD but company.currency in workspace.yaml is CNY: convert the amounts to CNY "
        "before exporting, or set company.currency: USD if the whole workspace is in USD",
    )


@pytest.mark.parametrize(("header", "currency", "values"), [
    ("amount (USD)", "USD", [100.0]),
    ("销售额(美元)", "USD", [100.0]),
    ("销售额(万美元)", "USD", [1_000_000.0]),  # the unit in front of the currency still converts
    ("销售额(人民币)", "CNY", [100.0]),
    ("金额(RMB)", "RMB", [100.0]),
])
def test_a_currency_in_the_header_that_matches_is_read(tmp_path, header, currency, values):
    yaml = f"company:\n  name: Demo\n  currency: {currency}\n"
    ws = load(tmp_path, {"sales.csv": csv(f"order_id,order_date,customer_id,region,product_line,{header}", "O1,2025-01-05,C1,华东,A,100")}, yaml=yaml)
    assert ws.tables["sales"]["amount"].tolist() == values


def test_the_engine_reader_leaves_a_currency_header_to_the_contract_reader(tmp_path):
    from rb_helpers import TODAY, workspace

    from salesnb.errors import DataError
    from salesnb.prepare import prepare

    header = "order_id,order_date,customer_id,region,product_line,amount (EUR)"
    root = workspace(tmp_path / "e", {"sales.csv": csv(header, "O1,2025-01-05,C1,华东,A,100")},
                     yaml="company:\n  name: Demo\nsource:\n  reader: engine\n")
    with pytest.raises(DataError) as info:
        prepare(root, cache_dir=tmp_path / "cache", today=TODAY)
    assert info.value.problems[0].rule.startswith("the header says the amounts are in EUR but company.currency")
