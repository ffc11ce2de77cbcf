"""Reading, mapping and validating workspace files (salesnb.io).

Every fixture is a tiny file written into ``tmp_path``; each test asserts the
exact problem an analyst would see (file, line, column, value, rule).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
import pytest

from salesnb.config import TableSource
from salesnb.errors import ConfigError, DataError, Problem
from salesnb.io import Source, Workspace, find_table_file, load_workspace, read_table, sha256_file
from salesnb.schemas import ACTION_STATUSES, table_contract

SALES_HEADER = "order_id,order_date,customer_id,region,product_line,amount"


# --------------------------------------------------------------------------- helpers


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def read(path: Path, table: str = "sales", source: TableSource | None = None, **kwargs):
    contract = table_contract(table, {"quality": ("产品质量",)} if table == "surveys" else None)
    return read_table(path, contract, source, **kwargs)


def problems_of(path: Path, table: str = "sales", source: TableSource | None = None, **kwargs) -> list[Problem]:
    with pytest.raises(DataError) as info:
        read(path, table, source, **kwargs)
    return info.value.problems


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def sales_csv(folder: Path, *rows: str, header: str = SALES_HEADER, name: str = "sales.csv", encoding: str = "utf-8") -> Path:
    return write(folder, name, "\n".join([header, *rows]) + "\n", encoding)


def make_workspace(folder: Path, files: dict[str, str], yaml: str = "company:\n  name: Demo\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write(folder, "workspace.yaml", yaml)
    for name, text in files.items():
        write(folder, name, text)
    return folder


SALES = SALES_HEADER + "\nO1,2025-01-05,C1,华东,A,100\nO2,2025-02-05,C2,华北,B,200\n"
CUSTOMERS = "customer_id,region\nC1,华东\nC2,华北\n"


# --------------------------------------------------------------------------- CSV structure


def test_wrong_field_count_names_file_line_and_counts(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A,100", "O2,2025-01-05,C1,华东,100", "O3,2025-01-05,C1,华东,A,100,extra")
    found = problems_of(path)
    assert found == [
        Problem("sales.csv", 3, None, "O2,2025-01-05,C1,华东,100", "expected 6 fields, found 5"),
        Problem("sales.csv", 4, None, "O3,2025-01-05,C1,华东,A,100,extra", "expected 6 fields, found 7"),
    ]


def test_quoted_newlines_keep_physical_start_lines(tmp_path):
    path = sales_csv(
        tmp_path,
        "O1,2025-01-05,C1,华东,A,100,ok",
        'O2,2025-01-05,C1,华东,A,100,"two\nlines"',
        "O3,2025-01-05,C1,华东,A,100,",
        "O4,2025-01-05,C1,华东,A,oops,",
        header=SALES_HEADER + ",note",
    )
    assert only(problems_of(path)).line == 6
    path = sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A,100,ok", 'O2,2025-01-05,C1,华东,A,100,"two\nlines"', "O3,2025-01-05,C1,华东,A,100,", header=SALES_HEADER + ",note")
    df, _, _ = read(path)
    assert df.index.tolist() == [2, 3, 5]
    assert df.loc[3, "note"] == "two\nlines"


def test_blank_rows_are_skipped_with_a_note(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A,100", "", ",,,,,", "O2,2025-01-05,C1,华东,A,100")
    df, _, notes = read(path)
    assert df.index.tolist() == [2, 5]
    note = next(n for n in notes if n.rule == "blank_rows_skipped")
    assert (note.count, note.severity, note.examples) == (2, "repair", ("line 3", "line 4"))


@pytest.mark.parametrize("name, sep", [("a.csv", ";"), ("b.txt", "\t")])
def test_semicolon_and_tab_delimiters(tmp_path, name, sep):
    path = write(tmp_path, name, SALES_HEADER.replace(",", sep) + "\n" + sep.join(["O1", "2025-01-05", "C1", "华东", "A", "1,500"]) + "\n")
    df, _, _ = read(path)
    assert df.loc[2, "amount"] == 1500.0


# --------------------------------------------------------------------------- encodings


def test_undecodable_bytes_name_line_and_offset(tmp_path):
    good = (SALES_HEADER + "\nO1,2025-01-05,C1,East,A,100\n").encode()
    path = tmp_path / "sales.csv"
    path.write_bytes(good + b"O2,2025-01-05,C1,\xff\xfe,A,100\n")
    problem = only(problems_of(path))
    assert (problem.file, problem.line, problem.value) == ("sales.csv", 3, "ff")
    assert f"byte offset {len(good) + 17}" in problem.rule
    assert "UTF-8 or GB18030" in problem.rule


def test_undecodable_gb18030_file_reports_where_gb18030_breaks(tmp_path):
    data = (SALES_HEADER + "\nO1,2025-01-05,C1,华东,A,100\n").encode("gb18030")
    path = tmp_path / "sales.csv"
    path.write_bytes(data + b"O2,2025-01-05,C1,\x80,A,100\n")
    problem = only(problems_of(path))
    assert problem.line == 3 and f"byte offset {len(data) + 17}" in problem.rule and "not valid GB18030" in problem.rule


def test_gb18030_file_is_read_and_encoding_recorded(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,C1,华东,电子产品,100", header="订单号,下单日期,客户编号,区域,产品线,销售额", encoding="gb18030")
    df, source, _ = read(path)
    assert source.encoding == "gb18030"
    assert df.loc[2, "region"] == "华东" and df.loc[2, "product_line"] == "电子产品"


def test_utf8_bom(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A,100", encoding="utf-8-sig")
    df, source, _ = read(path)
    assert source.encoding == "utf-8-sig"
    assert df.columns[0] == "order_id"


def test_utf16_with_bom(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A,100", encoding="utf-16")
    df, source, _ = read(path)
    assert source.encoding == "utf-16"
    assert df.loc[2, "region"] == "华东"


def test_configured_encoding_is_forced(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A,100", encoding="gbk")
    df, source, _ = read(path, source=TableSource(file="sales.csv", encoding="gbk"))
    assert (source.encoding, df.loc[2, "region"]) == ("gbk", "华东")
    problem = only(problems_of(path, source=TableSource(file="sales.csv", encoding="utf-8")))
    assert problem.line == 2 and "UTF-8" in problem.rule and "tables.sales.encoding" in problem.rule


# --------------------------------------------------------------------------- values kept as text


def test_ids_leading_zeros_long_ids_and_na_codes_kept(tmp_path):
    path = write(
        tmp_path, "customers.csv",
        "customer_id,region,phone\n000123,NA,013800138000\n110101199001011234,None,\n  C7  ,null, \n",
    )
    df, _, _ = read(path, "customers")
    assert df["customer_id"].tolist() == ["000123", "110101199001011234", "C7"]
    assert df["region"].tolist() == ["NA", "None", "null"]
    assert df.loc[2, "phone"] == "013800138000"
    assert df["phone"].isna().tolist() == [False, True, True]
    assert df["customer_id"].dtype == "str" and df.index.name == "source_line"


# --------------------------------------------------------------------------- header mapping


@pytest.mark.parametrize(
    "header",
    [
        "订单号,下单日期,客户编号,区域,产品线,销售额",
        "订单编号,订单日期,客户ID,大区,产品线,金额",
        "Order ID,Order Date,Customer ID,Region,Product Line,Amount",
        "order_id,order_date,customer_id,region,product_line,amount",
    ],
)
def test_chinese_and_english_sales_headers_are_mapped(tmp_path, header):
    df, _, notes = read(sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A,100", header=header))
    assert df.columns.tolist() == ["order_id", "order_date", "customer_id", "region", "product_line", "amount"]
    assert not [n for n in notes if n.rule == "extra_columns_kept"]


def test_chinese_survey_headers_are_mapped(tmp_path):
    path = write(tmp_path, "surveys.csv", "问卷编号,调研日期,受访者类型,推荐意愿,满意度,产品质量\nR1,2025-01-05,成交客户,9,4,5\n")
    df, _, notes = read(path, "surveys")
    assert df.loc[2, ["respondent_type", "nps", "satisfaction", "quality"]].tolist() == ["customer", 9.0, 4.0, 5.0]
    assert any(n.rule == "category_values_translated" and n.examples == ("成交客户 → customer",) for n in notes)


def test_config_maps_a_custom_header(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,K-01,华东,A,100", header="order_id,order_date,客户简码,region,product_line,amount")
    df, _, _ = read(path, source=TableSource(file="sales.csv", columns={"客户简码": "customer_id"}))
    assert df.loc[2, "customer_id"] == "K-01"


def test_config_mapping_to_unknown_column_is_a_config_error(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A,100")
    with pytest.raises(ConfigError) as info:
        read(path, source=TableSource(file="sales.csv", columns={"客户简码": "customer_idd"}))
    problem = only(info.value.problems)
    assert (problem.file, problem.column, problem.value) == ("workspace.yaml", "tables.sales.columns.客户简码", "customer_idd")


def test_two_columns_mapping_to_one_contract_column(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,2025-01-06,C1,华东,A,100", header="order_id,下单日期,订单日期,customer_id,region,product_line,amount")
    problem = only(problems_of(path))
    assert (problem.file, problem.line, problem.column) == ("sales.csv", None, "order_date")
    assert "'下单日期' and '订单日期' both map to 'order_date'" in problem.rule
    # mapping one of them elsewhere resolves it
    df, _, _ = read(path, source=TableSource(file="sales.csv", columns={"订单日期": "extra"}))
    assert df.loc[2, "订单日期"] == "2025-01-06"


def test_missing_required_column_lists_headers_and_aliases(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A", header="order_id,order_date,customer_id,region,product_line")
    problem = only(problems_of(path))
    assert (problem.file, problem.line, problem.column) == ("sales.csv", None, "amount")
    assert "headers found: order_id, order_date, customer_id, region, product_line" in problem.rule
    assert "销售额" in problem.rule and "金额" in problem.rule


def test_extra_columns_are_kept_with_a_note(tmp_path):
    df, _, notes = read(sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A,100,x", header=SALES_HEADER + ",备注"))
    assert df.loc[2, "备注"] == "x"
    note = next(n for n in notes if n.rule == "extra_columns_kept")
    assert note.examples == ("备注",)


# --------------------------------------------------------------------------- numbers


def test_text_in_number_column_reports_exact_line(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A,100", "O2,2025-01-05,C1,华东,A,100", "O3,2025-01-05,C1,华东,A,约100", header="订单号,下单日期,客户编号,区域,产品线,销售额")
    assert problems_of(path) == [Problem("sales.csv", 4, "销售额 (amount)", "约100", "must be a number")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('"¥1,234.00"', 1234.0),
        ("(300.00)", -300.0),
        ('"￥1,234"', 1234.0),
        ('"$1,234.50"', 1234.5),
        ("１２３．５", 123.5),
        ("-¥80", -80.0),
        ("1e3", 1000.0),
        ("0.5", 0.5),
    ],
)
def test_number_formats_are_parsed(tmp_path, text, expected):
    df, _, _ = read(sales_csv(tmp_path, f"O1,2025-01-05,C1,华东,A,{text}"))
    assert df.loc[2, "amount"] == expected
    assert df["amount"].dtype == "float64"


@pytest.mark.parametrize("text", ['"1,23"', "NA", "12abc", "(-5)", "inf"])
def test_number_lookalikes_are_rejected(tmp_path, text):
    problem = only(problems_of(sales_csv(tmp_path, f"O1,2025-01-05,C1,华东,A,{text}")))
    assert (problem.line, problem.column, problem.rule) == (2, "amount", "must be a number")


def test_amount_unit_factor_applies_to_amount_only(tmp_path):
    path = sales_csv(tmp_path, "O1,2025-01-05,C1,华东,A,1.5,3", header=SALES_HEADER + ",quantity")
    df, _, notes = read(path, unit="万元")
    assert (df.loc[2, "amount"], df.loc[2, "quantity"]) == (15000.0, 3.0)
    assert any(n.rule == "amount_unit_converted" for n in notes)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025-03-05", "2025-03-05"),
        ("2025/3/5", "2025-03-05"),
        ("2025年3月5日", "2025-03-05"),
        ("２０２５年３月５日", "2025-03-05"),
        ("2025-03-05 14:30:00", "2025-03-05"),
        ("20250305", "2025-03-05"),
    ],
)
def test_date_forms_are_parsed(tmp_path, text, expected):
    df, _, _ = read(sales_csv(tmp_path, f"O1,{text},C1,华东,A,1"))
    assert df.loc[2, "order_date"] == pd.Timestamp(expected)
    assert df["order_date"].dtype == "datetime64[us]"


def test_datetime_keeps_time_of_day(tmp_path):
    path = write(tmp_path, "complaints.csv", "ticket_id,customer_id,opened_at,category,first_response_at\nT1,C1,2025-03-05 14:30,质量,2025/3/6 9:05:30\nT2,C1,2025-03-05T08:00:00+08:00,质量,\n")
    df, _, _ = read(path, "complaints")
    assert df.loc[2, "opened_at"] == pd.Timestamp("2025-03-05 14:30")
    assert df.loc[2, "first_response_at"] == pd.Timestamp("2025-03-06 09:05:30")
    assert df.loc[3, "opened_at"] == pd.Timestamp("2025-03-05 08:00")
    assert pd.isna(df.loc[3, "first_response_at"])


def test_bad_dates_are_reported(tmp_path):
    path = sales_csv(tmp_path, "O1,03/05/2025,C1,华东,A,1", "O2,2025-02-30,C1,华东,A,1")
    assert problems_of(path) == [
        Problem("sales.csv", 2, "order_date", "03/05/2025",
                'must be a date (YYYY-MM-DD); 03/05/2025 could be day/month or month/day: declare the format as '
                'tables.sales.date_format in workspace.yaml (e.g. "%m/%d/%Y" or "%d/%m/%Y")'),
        Problem("sales.csv", 3, "order_date", "2025-02-30", "must be a date (YYYY-MM-DD)"),
    ]


def test_configured_date_format(tmp_path):
    path = sales_csv(tmp_path, "O1,03/05/2025,C1,华东,A,1", "O2,2025-03-06,C1,华东,A,1")
    df, _, _ = read(path, source=TableSource(file="sales.csv", date_format="%m/%d/%Y"))
    assert df["order_date"].tolist() == [pd.Timestamp("2025-03-05"), pd.Timestamp("2025-03-06")]


# --------------------------------------------------------------------------- scores and categories

SURVEY_HEADER = "response_id,survey_date,respondent_type,nps,satisfaction"


def test_nps_out_of_scale_and_fractions_are_rejected_with_lines(tmp_path):
    path = write(tmp_path, "surveys.csv", SURVEY_HEADER + "\nR1,2025-01-05,customer,9,4\nR2,2025-01-05,customer,11,4\nR3,2025-01-05,customer,3.5,4\nR4,2025-01-05,customer,高,6\n")
    assert problems_of(path, "surveys") == [
        Problem("surveys.csv", 3, "nps", "11", "must be within 0..10"),
        Problem("surveys.csv", 4, "nps", "3.5", "must be a whole number"),
        Problem("surveys.csv", 5, "nps", "高", "must be a number (0–10; leave blank when not answered)"),
        Problem("surveys.csv", 5, "satisfaction", "6", "must be within 1..5 (the answers go up to 6: if satisfaction was asked on a "
                "1–10 scale, declare it under checks.scales.satisfaction in workspace.yaml)"),
    ]


def test_blank_like_answers_in_score_columns_are_missing(tmp_path):
    rows = ["R1,2025-01-05,customer,无,N/A", "R2,2025-01-05,customer,NA,\u3000", "R3,2025-01-05,customer,,9分"]
    path = write(tmp_path, "surveys.csv", "\n".join([SURVEY_HEADER, *rows]) + "\n")
    with pytest.raises(DataError) as info:  # 9分 on a 1–5 scale
        read(path, "surveys")
    assert only(info.value.problems) == Problem("surveys.csv", 4, "satisfaction", "9分", "must be within 1..5 (the answers go up to 9: if "
                                                "satisfaction was asked on a 1–10 scale, declare it under checks.scales.satisfaction in workspace.yaml)")
    path = write(tmp_path, "surveys.csv", "\n".join([SURVEY_HEADER, *rows[:2], "R3,2025-01-05,customer,,4分"]) + "\n")
    df, _, notes = read(path, "surveys")
    assert df["nps"].isna().all()
    assert df["satisfaction"].isna().tolist() == [True, True, False]
    assert df.loc[4, "satisfaction"] == 4.0
    nps_note = next(n for n in notes if n.rule == "blank_answers" and "nps" in n.detail)
    assert nps_note.count == 2


def test_unknown_respondent_type_is_rejected(tmp_path):
    path = write(tmp_path, "surveys.csv", SURVEY_HEADER + "\nR1,2025-01-05,Prospect,9,4\nR2,2025-01-05,partner,9,4\nR3,2025-01-05,流失客户,9,4\n")
    assert problems_of(path, "surveys") == [Problem("surveys.csv", 3, "respondent_type", "partner", "must be one of customer, prospect, lost")]


def test_duplicate_ids_are_reported_on_every_line(tmp_path):
    path = write(tmp_path, "customers.csv", "customer_id,region\nC1,华东\nC2,华北\nC1,华南\n")
    assert problems_of(path, "customers") == [
        Problem("customers.csv", 2, "customer_id", "C1", "must be unique (duplicated id; also on line 4; region 华东 ≠ 华南)"),
        Problem("customers.csv", 4, "customer_id", "C1", "must be unique (duplicated id; also on line 2; region 华南 ≠ 华东)"),
    ]


def test_blank_required_value(tmp_path):
    assert problems_of(sales_csv(tmp_path, "O1,2025-01-05,,华东,A,1")) == [Problem("sales.csv", 2, "customer_id", None, "must not be blank")]


def test_all_problems_of_a_file_come_at_once(tmp_path):
    path = sales_csv(tmp_path, "O1,someday,C1,华东,A,x", "O2,2025-01-05,C1,华东", "O3,2025-01-05,,华东,A,1")
    found = problems_of(path)
    assert [(p.line, p.column) for p in found] == [(3, None), (2, "order_date"), (2, "amount"), (4, "customer_id")]


# --------------------------------------------------------------------------- XLSX and Parquet


def _workbook(path: Path, rows: list[list], title: str = "Sheet1", extra_sheet: bool = False) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if extra_sheet:
        wb.create_sheet("other").append(["nothing here"])
    wb.save(path)
    return path


def test_xlsx_title_row_above_header_keeps_excel_row_numbers(tmp_path):
    path = _workbook(
        tmp_path / "sales.xlsx",
        [
            ["2025 年销售明细"],
            [],
            ["订单号", "下单日期", "客户编号", "区域", "产品线", "销售额"],
            [1001.0, dt.datetime(2025, 3, 5), "C001", "华东", "A", 1234.5],
            [1002, "2025-03-06", 42, "华北", "B", "¥1,000"],
            [1003, 45722, "C003", "华北", "B", "lots"],
        ],
        title="明细",
    )
    problem = only(problems_of(path))
    assert problem == Problem("sales.xlsx", 6, "销售额 (amount)", "lots", "must be a number (cell F6)")

    _workbook(path, [["2025 年销售明细"], [], ["订单号", "下单日期", "客户编号", "区域", "产品线", "销售额"], [1001.0, dt.datetime(2025, 3, 5), "C001", "华东", "A", 1234.5], [1002, "2025-03-06", 42, "华北", "B", "¥1,000"], [1003, 45722, "C003", "华北", "B", 7]], title="明细")
    df, source, notes = read(path)
    assert df.index.tolist() == [4, 5, 6]
    assert df["order_id"].tolist() == ["1001", "1002", "1003"]
    assert df.loc[5, "customer_id"] == "42"
    assert df["order_date"].tolist() == [pd.Timestamp("2025-03-05"), pd.Timestamp("2025-03-06"), pd.Timestamp("2025-03-06")]
    assert df["amount"].tolist() == [1234.5, 1000.0, 7.0]
    assert (source.format, source.sheet, source.encoding, source.rows) == ("xlsx", "明细", None, 3)
    note = next(n for n in notes if n.rule == "header_not_first_row")
    assert note.count == 1 and "row 3" in note.detail


def test_xlsx_configured_sheet_and_missing_sheet(tmp_path):
    path = _workbook(tmp_path / "c.xlsx", [["customer_id", "region"], ["C1", "华东"]], title="客户", extra_sheet=True)
    df, source, _ = read(path, "customers", TableSource(file="c.xlsx", sheet="客户"))
    assert source.sheet == "客户" and df.loc[2, "customer_id"] == "C1"
    problem = only(problems_of(path, "customers", TableSource(file="c.xlsx", sheet="Customers")))
    assert problem.value == "Customers" and "客户, other" in problem.rule


def test_parquet_round_trip(tmp_path):
    frame = pd.DataFrame(
        {
            "order_id": ["001", "002"],
            "order_date": pd.to_datetime(["2025-01-05", "2025-02-05"]),
            "customer_id": [1, 2],
            "region": ["华东", "NA"],
            "product_line": ["A", "B"],
            "amount": [100, 250.5],
        }
    )
    path = tmp_path / "sales.parquet"
    frame.to_parquet(path)
    df, source, _ = read(path)
    assert df.index.tolist() == [1, 2]
    assert df["order_id"].tolist() == ["001", "002"]
    assert df["customer_id"].tolist() == ["1", "2"]
    assert df["region"].tolist() == ["华东", "NA"]
    assert df["amount"].tolist() == [100.0, 250.5]
    assert df["order_date"].dtype == "datetime64[us]"
    assert source.format == "parquet" and source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- workspace


def test_load_workspace_reads_tables_and_sources(tmp_path):
    root = make_workspace(tmp_path / "acme", {"sales.csv": SALES, "customers.csv": CUSTOMERS})
    ws = load_workspace(root)
    assert isinstance(ws, Workspace) and ws.name == "acme"
    assert ws.has("sales") and not ws.has("surveys")
    assert set(ws.sources) == {"sales", "customers"}
    src = ws.sources["sales"]
    assert isinstance(src, Source)
    assert (src.file, src.format, src.encoding, src.rows) == ("sales.csv", "csv", "utf-8", 2)
    assert src.sha256 == sha256_file(root / "sales.csv") == hashlib.sha256((root / "sales.csv").read_bytes()).hexdigest()
    copy = ws.table("sales")
    copy.loc[2, "amount"] = -1
    assert ws.table("sales").loc[2, "amount"] == 100
    with pytest.raises(KeyError, match="surveys.csv"):
        ws.table("surveys")
    frame = ws.quality_frame()
    assert frame.columns.tolist() == ["table", "file", "severity", "rule", "count", "detail", "examples"]
    assert frame.empty


def test_blank_region_repaired_from_customers(tmp_path):
    surveys = SURVEY_HEADER + ",customer_id,region\nR1,2025-01-05,customer,9,4,C1,\nR2,2025-01-05,customer,9,4,C2,西南\nR3,2025-01-05,prospect,9,4,,\n"
    root = make_workspace(tmp_path / "w", {"sales.csv": SALES, "customers.csv": CUSTOMERS, "surveys.csv": surveys})
    ws = load_workspace(root)
    assert ws.tables["surveys"]["region"].tolist()[:2] == ["华东", "西南"]
    assert pd.isna(ws.tables["surveys"].loc[4, "region"])
    repair = next(n for n in ws.notes if n.rule == "region_from_customers")
    assert (repair.table, repair.count, repair.severity, repair.examples) == ("surveys", 1, "repair", ("line 2: 华东",))
    assert any(n.rule == "region_unknown" and n.count == 1 for n in ws.notes)


def test_unknown_customer_is_a_warning(tmp_path):
    sales = SALES + "O3,2025-03-05,C9,华东,A,5\nO4,2025-03-06,C9,华东,A,5\n"
    yaml = "company:\n  name: Demo\nchecks:\n  unknown_customers: {warn_above: 0.1, error_above: 0.6, headline_above: 1}\n"
    root = make_workspace(tmp_path / "w", {"sales.csv": sales, "customers.csv": CUSTOMERS}, yaml=yaml)
    ws = load_workspace(root)  # 2 of 4 rows (50 %) unknown: above warn_above, below error_above
    note = next(n for n in ws.notes if n.rule == "unknown_customer_ids")
    assert (note.table, note.severity, note.count, note.examples) == ("sales", "warning", 2, ("C9 (line 4)",))
    row = ws.quality_frame().query("rule == 'unknown_customer_ids'").iloc[0]
    assert row["examples"] == "C9 (line 4)"


def test_exact_duplicate_sales_rows_are_removed(tmp_path):
    sales = SALES + "O2,2025-02-05,C2,华北,B,200\n"
    ws = load_workspace(make_workspace(tmp_path / "w", {"sales.csv": sales, "customers.csv": CUSTOMERS}))
    assert ws.tables["sales"].index.tolist() == [2, 3]
    note = next(n for n in ws.notes if n.rule == "duplicate_rows_removed")
    assert (note.count, note.severity, note.examples) == (1, "repair", ("line 4 = line 3",))


def test_missing_required_table(tmp_path):
    root = make_workspace(tmp_path / "w", {"sales.csv": SALES})
    with pytest.raises(DataError) as info:
        load_workspace(root)
    problem = only(info.value.problems)
    assert problem.file == "customers.csv" and "required table 'customers' is missing" in problem.rule


def test_problems_of_all_tables_are_raised_together(tmp_path):
    root = make_workspace(tmp_path / "w", {"sales.csv": SALES.replace(",100", ",abc"), "customers.csv": CUSTOMERS + "C1,华南\n"})
    with pytest.raises(DataError) as info:
        load_workspace(root)
    assert [(p.file, p.line) for p in info.value.problems] == [("sales.csv", 2), ("customers.csv", 2), ("customers.csv", 4)]


def test_config_error_comes_before_data_errors(tmp_path):
    root = make_workspace(tmp_path / "w", {"sales.csv": "garbage"}, yaml="company:\n  name: Demo\n  colour: red\n")
    with pytest.raises(ConfigError) as info:
        load_workspace(root)
    assert only(info.value.problems).column == "company.colour"


def test_configured_file_and_mapping(tmp_path):
    yaml = "company:\n  name: Demo\n  unit: 千元\ntables:\n  sales:\n    file: exports/订单.csv\n    columns:\n      买家: customer_id\n"
    root = make_workspace(tmp_path / "w", {"customers.csv": CUSTOMERS}, yaml=yaml)
    (root / "exports").mkdir()
    write(root / "exports", "订单.csv", SALES.replace("customer_id", "买家"))
    ws = load_workspace(root)
    assert ws.sources["sales"].file == "exports/订单.csv"
    assert ws.tables["sales"]["amount"].tolist() == [100_000.0, 200_000.0]
    (root / "exports" / "订单.csv").unlink()
    with pytest.raises(DataError) as info:
        load_workspace(root)
    assert only(info.value.problems).file == "exports/订单.csv"


def test_find_table_file_prefers_csv_then_xlsx_then_parquet(tmp_path):
    assert find_table_file(tmp_path, "sales", None) is None
    (tmp_path / "sales.parquet").write_bytes(b"")
    assert find_table_file(tmp_path, "sales", None).name == "sales.parquet"
    (tmp_path / "Sales.CSV").write_bytes(b"")
    assert find_table_file(tmp_path, "sales", None).name == "Sales.CSV"


def test_xls_files_are_refused_with_advice(tmp_path):
    path = tmp_path / "sales.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "save it as .xlsx" in only(problems_of(path)).rule


def test_blank_ids_are_reported_as_blank_not_as_duplicates(tmp_path):
    path = write(tmp_path, "customers.csv", "customer_id,region\n,华东\nC1,华北\n,华南\n")
    assert problems_of(path, "customers") == [
        Problem("customers.csv", 2, "customer_id", None, "must not be blank"),
        Problem("customers.csv", 4, "customer_id", None, "must not be blank"),
    ]


def test_action_status_values_are_translated_case_insensitively(tmp_path):
    header = "action_id,problem,measure,owner,start,due,kpi,baseline,target,status"
    rows = ["A1,慢,加人,客服经理,2025-01-01,2025-03-31,nps,30,40,进行中", "A2,慢,加人,客服经理,2025-01-01,2025-03-31,nps,,,DONE", "A3,慢,加人,客服经理,2025-01-01,2025-03-31,nps,,,paused"]
    path = write(tmp_path, "actions.csv", "\n".join([header, *rows]) + "\n")
    assert problems_of(path, "actions") == [
        Problem("actions.csv", 4, "status", "paused", f"must be one of {', '.join(ACTION_STATUSES)}")
    ]
    write(tmp_path, "actions.csv", "\n".join([header, *rows[:2]]) + "\n")
    df, _, _ = read(path, "actions")
    assert df["status"].tolist() == ["in_progress", "done"]
    assert df["baseline"].isna().tolist() == [False, True]


def test_required_table_without_rows_is_an_error(tmp_path):
    root = make_workspace(tmp_path / "w", {"sales.csv": SALES_HEADER + "\n", "customers.csv": CUSTOMERS})
    with pytest.raises(DataError) as info:
        load_workspace(root)
    assert only(info.value.problems) == Problem("sales.csv", None, None, None, "has a header but no data rows: export the rows too (or remove the file)")


def test_near_duplicate_lines_found_on_repeated_orders_match_pandas_duplicated():
    # the check looks only at lines whose order id repeats; the lines it flags must be pandas' duplicated(keep=False)
    # on every key, blanks (order id, customer, date) included, and whatever the chunks of the Arrow text columns
    import numpy as np

    from salesnb.io.crosscheck import _repeated_keys, near_duplicate_notes

    rng = np.random.default_rng(2)
    n = 3000
    frame = pd.DataFrame({
        "order_id": pd.array(np.where(rng.random(n) < 0.05, None, [f"O{k}" for k in rng.integers(0, 2000, n)]), dtype="str"),
        "order_date": pd.Series(pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 3, n), unit="D")).where(rng.random(n) > 0.02),
        "customer_id": pd.array(np.where(rng.random(n) < 0.03, None, [f"C{k}" for k in rng.integers(0, 3, n)]), dtype="str"),
        "product": pd.array([f"P{k}" for k in rng.integers(0, 2, n)], dtype="str"),
        "amount": rng.integers(1, 4, n).astype(float),
    }, index=pd.Index(np.arange(2, n + 2), name="source_line"))
    chunked = pd.concat([frame.iloc[:1000], frame.iloc[1000:]])  # text columns in two Arrow chunks
    keys = ["order_id", "order_date", "customer_id", "product"]
    for f in (frame, chunked):
        assert _repeated_keys(f, keys).tolist() == f.duplicated(keys, keep=False).tolist()
    expected = frame.assign(n=frame.groupby(keys, dropna=False)["amount"].transform("nunique"))
    expected = expected[frame.duplicated(keys, keep=False) & (expected["n"] > 1)]
    note, = near_duplicate_notes(frame, "sales.csv")
    first_line = expected.reset_index().groupby(keys, dropna=False)["source_line"].transform("min")
    assert note.count == int((expected.reset_index()["source_line"] != first_line).sum())


def test_stored_columns_read_as_categories_equal_texts_made_categories(tmp_path):
    # the prepare cache reads regions and product lines as Arrow dictionaries; the result must be what
    # metrics.with_categories makes of the texts (categories in the texts' sort order), blanks and all
    from salesnb.io.model import StoredTables
    from salesnb.metrics import with_categories

    for region in (["华北", "华东", None, "华北"], [None, None, None, None]):
        frame = pd.DataFrame({"region": pd.array(region, dtype="str"), "product_line": pd.array(["B", "A", "B", "C"], dtype="str"),
                              "amount": [1.0, 2.0, 3.0, 4.0]}, index=pd.Index([2, 3, 4, 5], name="source_line"))
        frame.to_parquet(tmp_path / "sales.parquet")
        stored = StoredTables({}, {"sales": tmp_path / "sales.parquet"})
        got = stored.columns("sales", ["region", "product_line", "amount"], ("region", "product_line"))
        pd.testing.assert_frame_equal(got, with_categories(frame))
        cut = stored.rows("sales", ["region", "amount"], ["amount"], lambda k: k["amount"] > 2, ("region",))
        pd.testing.assert_frame_equal(cut, with_categories(frame)[["region", "amount"]].loc[[4, 5]])


def test_extreme_amounts_compare_with_the_rest_of_their_fiscal_quarter_worked_out_by_hand():
    from salesnb.config.checks import ExtremeAmounts
    from salesnb.io.crosscheck import extreme_amount_problems

    dates = pd.to_datetime(["2025-02-01"] * 200 + ["2025-02-10", None, "2025-04-02"])
    sales = pd.DataFrame({"order_date": dates, "amount": [100.0] * 200 + [1e6, 1e6, 100.0]},
                         index=pd.Index(range(2, 205), name="source_line"))
    found = extreme_amount_problems(sales, "sales.csv", ExtremeAmounts(), start_month=4)
    # 99th percentile (lower) of 203 amounts = 100; both 1,000,000s are 10,000× it. February 2025 is 2024Q4 of a
    # year starting in April: the rest of that quarter is 200 × 100 = 20,000 (the April line is 2025Q1's).
    assert [(p.line, p.value) for p in found] == [(202, "1,000,000.00"), (203, "1,000,000.00")]
    assert "50.0× the rest of 2024Q4's revenue (20,000.00)" in found[0].rule
    assert "the rest of nan's revenue is -1,000,000.00" in found[1].rule  # no date, no quarter: as before
