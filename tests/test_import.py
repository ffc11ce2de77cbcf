"""salesnb import (salesnb.ingest): tiny exports written here, expected values worked out by hand."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from salesnb.cli import main
from salesnb.errors import ConfigError, DataError
from salesnb.ingest import Mapping, build_workspace, load_mapping

WORKSPACE_YAML = """company:
  name: Tiny Gifts
  currency: GBP
  unit: unit
calendar:
  fiscal_year_start_month: 1
"""

RETAIL = """InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,"HEART, WHITE",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536365,POST,POSTAGE,1,2010-12-01 08:26:00,18,17850.0,United Kingdom
536366,22633,HAND WARMER,12,2010-12-02 09:00:00,1.85,12583,France
536367,22633,HAND WARMER,3,2010-12-02 10:00:00,1.85,,United Kingdom
C536368,22633,HAND WARMER,-2,2010-12-03 11:00:00,1.85,12583,France
536369,85099B,JUMBO BAG,4,2010-12-04 12:00:00,1.95,12583,Germany
536370,85099B,JUMBO BAG,10,2010-12-05 12:00:00,1.65,13047,Germany
536371,22633,HAND WARMER,2,2010-12-06 12:00:00,1.85,13047,EIRE
"""

RETAIL_MAPPING = """workspace: workspace.yaml
set_aside:
  - {reason: no CustomerID, when: {blank: CustomerID}}
tables:
  sales:
    columns:
      order_id: InvoiceNo
      order_date: InvoiceDate
      customer_id: {column: CustomerID, strip_suffix: ".0"}
      region: {column: Country, map_file: regions.csv}
      product_line: {column: StockCode, extract: "^(\\\\d{2})", default: other}
      product: StockCode
      quantity: Quantity
      amount: {multiply: [Quantity, UnitPrice], round: 2}
    returns: {when: {startswith: {InvoiceNo: C}}}
  customers:
    from: sales
    columns:
      region: {column: Country, map_file: regions.csv, agg: most_frequent}
"""

REGIONS = "country,region\nUnited Kingdom,UK\nFrance,Europe\nGermany,Europe\nEIRE,Ireland\n"


def _retail(tmp_path: Path, export: str = RETAIL, mapping: str = RETAIL_MAPPING, gz: bool = True) -> tuple[Path, Path]:
    folder = tmp_path / "mapping"
    folder.mkdir(exist_ok=True)
    (folder / "import.yaml").write_text(mapping, encoding="utf-8")
    (folder / "workspace.yaml").write_text(WORKSPACE_YAML, encoding="utf-8")
    (folder / "regions.csv").write_text(REGIONS, encoding="utf-8")
    src = tmp_path / ("export.csv.gz" if gz else "export.csv")
    data = export.encode("utf-8")
    src.write_bytes(gzip.compress(data) if gz else data)
    return src, folder / "import.yaml"


def test_retail_export_becomes_a_valid_workspace(tmp_path):
    src, mapping = _retail(tmp_path)
    result = build_workspace(src, mapping, tmp_path / "ws")
    sales = pd.read_csv(tmp_path / "ws" / "sales.csv", dtype={"order_id": str, "customer_id": str, "product_line": str})
    # line 5 (blank CustomerID) is set aside; 7 lines remain
    assert result.counts["lines"] == 8
    assert result.counts["set_aside"] == {"no CustomerID": 1}
    assert result.counts["returns"] == 1 and result.counts["sales"] == 7
    # amount = quantity × unit price, by hand: 15.30, 18.00, 22.20, -3.70, 7.80, 16.50, 3.70
    assert sales["amount"].tolist() == [15.3, 18.0, 22.2, -3.7, 7.8, 16.5, 3.7]
    assert sales["customer_id"].tolist() == ["17850", "17850", "12583", "12583", "12583", "13047", "13047"]
    assert sales["product_line"].tolist() == ["85", "other", "22", "22", "85", "85", "22"]
    assert sales["region"].tolist() == ["UK", "UK", "Europe", "Europe", "Europe", "Europe", "Ireland"]
    assert sales["order_date"].iloc[0] == "2010-12-01"  # a date column: written as the reader reads it
    customers = pd.read_csv(tmp_path / "ws" / "customers.csv", dtype=str).set_index("customer_id")["region"]
    # 13047: Germany (Europe) once, EIRE (Ireland) once → tie → alphabetical: Europe
    assert customers.to_dict() == {"17850": "UK", "12583": "Europe", "13047": "Europe"}
    aside = pd.read_csv(tmp_path / "ws" / "import" / "set_aside.csv")
    assert aside[["export_line", "set_aside_reason", "InvoiceNo"]].values.tolist() == [[5, "no CustomerID", 536367]]
    lines = pd.read_csv(tmp_path / "ws" / "import" / "sales_lines.csv")
    assert lines["export_line"].tolist() == [2, 3, 4, 6, 7, 8, 9]
    info = json.loads((tmp_path / "ws" / "import" / "import.json").read_text(encoding="utf-8"))
    assert info["counts"]["sales"] == 7 and len(info["export_sha256"]) == 64
    assert "tables:\n  sales: {file: sales.csv}\n  customers: {file: customers.csv}" in (tmp_path / "ws" / "workspace.yaml").read_text()
    # the returns note of the validation: one line, -3.70
    returns = [n for n in result.notes if n.rule == "returns"]
    assert returns and returns[0].count == 1 and "-3.70 in all" in returns[0].detail


def test_workspace_loads_with_revenue_net_of_the_cancellation(tmp_path):
    import salesnb

    src, mapping = _retail(tmp_path)
    build_workspace(src, mapping, tmp_path / "ws")
    ws = salesnb.load_workspace(tmp_path / "ws")
    # 15.30 + 18 + 22.20 - 3.70 + 7.80 + 16.50 + 3.70 = 79.80
    assert ws.table("sales")["amount"].sum() == pytest.approx(79.80)


def test_a_value_that_is_not_a_number_names_the_export_line(tmp_path):
    src, mapping = _retail(tmp_path, RETAIL.replace("12,2010-12-02 09:00:00,1.85", "12,2010-12-02 09:00:00,n/a"))
    with pytest.raises(DataError) as err:
        build_workspace(src, mapping, tmp_path / "ws")
    p = err.value.problems[0]
    assert (p.file, p.line, p.column, p.value, p.rule) == ("export.csv.gz", 4, "UnitPrice", "n/a", "must be a number")
    assert not (tmp_path / "ws").exists() and not list(tmp_path.glob(".ws.importing-*"))


def test_a_value_missing_from_the_map_file_is_an_error_with_its_line(tmp_path):
    src, mapping = _retail(tmp_path, RETAIL.replace("13047,EIRE", "13047,Iceland"))
    with pytest.raises(DataError) as err:
        build_workspace(src, mapping, tmp_path / "ws")
    p = err.value.problems[0]
    assert (p.line, p.column, p.value) == (9, "Country", "Iceland")
    assert "no entry in regions.csv" in p.rule


def test_columns_the_export_lacks_are_named(tmp_path):
    src, mapping = _retail(tmp_path, RETAIL.replace("UnitPrice", "Price"))
    with pytest.raises(DataError) as err:
        build_workspace(src, mapping, tmp_path / "ws")
    assert err.value.problems[0].column == "UnitPrice"
    assert "InvoiceNo, StockCode" in err.value.problems[0].rule


def test_validation_problems_name_the_export_line(tmp_path):
    # a US date in the export: the contract never guesses day/month; the problem names sales.csv line 3 and export line 4
    src, mapping = _retail(tmp_path, RETAIL.replace("2010-12-02 09:00:00", "12/02/2010"))
    with pytest.raises(DataError) as err:
        build_workspace(src, mapping, tmp_path / "ws")
    p = next(p for p in err.value.problems if p.file == "sales.csv")
    assert p.line == 4 and "[from export.csv.gz line 4]" in p.rule and "day/month" in p.rule
    assert not (tmp_path / "ws").exists()


def test_date_format_turns_us_dates_into_iso(tmp_path):
    mapping = RETAIL_MAPPING.replace("order_date: InvoiceDate", 'order_date: {column: InvoiceDate, date_format: "%m/%d/%Y"}')
    import re

    export = re.sub(r"2010-12-0(\d) \d\d:\d\d:\d\d", r"12/0\1/2010", RETAIL)  # 12/02/2010 = 2 December (US)
    src, mapping_path = _retail(tmp_path, export, mapping)
    build_workspace(src, mapping_path, tmp_path / "ws")
    sales = pd.read_csv(tmp_path / "ws" / "sales.csv")
    assert sales["order_date"].tolist() == ["2010-12-01", "2010-12-01", "2010-12-02", "2010-12-03", "2010-12-04", "2010-12-05", "2010-12-06"]


def test_an_existing_folder_is_never_overwritten(tmp_path):
    src, mapping = _retail(tmp_path)
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "actions.xlsx").write_bytes(b"register")
    with pytest.raises(FileExistsError):
        build_workspace(src, mapping, tmp_path / "ws")
    assert (tmp_path / "ws" / "actions.xlsx").read_bytes() == b"register"


def test_mapping_problems_name_their_key(tmp_path):
    bad = RETAIL_MAPPING.replace("      amount:", "      amout:").replace("agg: most_frequent", "agg: mode")
    (tmp_path / "import.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_mapping(tmp_path / "import.yaml")
    keys = {p.column: p.rule for p in err.value.problems}
    assert "not a column of sales" in keys["tables.sales.columns.amout"]
    assert "required column(s) not mapped: amount" in keys["tables.sales.columns"]
    assert "must be one of" in keys["tables.customers.columns.region.agg"]


def test_mapping_lists_the_columns_it_reads():
    m = Mapping.from_dict({"workspace": "w.yaml", "tables": {"sales": {"columns": {
        "order_id": {"template": "{Year}-{No}"}, "order_date": "D", "customer_id": "C", "region": {"value": "all"},
        "product_line": {"join": ["A", "B"]}, "amount": {"multiply": ["Q", "P"]}}, "where": {"not_blank": "C"}},
        "customers": {"from": "sales", "columns": {"region": {"column": "R", "agg": "most_frequent"}}}}})
    assert m.source_columns() == {"Year", "No", "D", "C", "A", "B", "Q", "P", "R"}


REVIEWS = """id,order_status,purchased,zip,review_date,score,comment,value,state,label,sub
1,delivered,2018-01-05 10:00:00,010,2018-01-20,1,"chegou quebrado,\nquero devolver",50.0,SP,problemas_de_qualidade,baixa_qualidade
2,delivered,2018-01-05 10:00:00,010,2018-01-20,1,"chegou quebrado,\nquero devolver",30.0,SP,problemas_de_entrega,atrasado
3,delivered,2018-01-06 11:00:00,200,2018-01-15,5,,20.0,BA,satisfeito_com_pedido,satisfeito
4,canceled,2018-02-01 09:00:00,300,2018-02-10,2,nao recebi,40.0,RS,problemas_de_entrega,atrasado
5,delivered,2018-02-03 09:00:00,400,2018-02-20,4,ok,25.0,SP,,
"""

REVIEW_MAPPING = """workspace: workspace.yaml
tables:
  sales:
    where: {not_equals: {order_status: canceled}}
    keep: [id]
    columns:
      order_id: {column: id, agg: first, over: &review [purchased, zip, review_date, score, comment]}
      order_date: purchased
      customer_id: {column: id, agg: first, over: *review, prefix: C}
      region: {column: state, map: {SP: Sudeste, BA: Nordeste, RS: Sul}}
      product_line: {value: all}
      amount: value
  customers:
    one_row_per: *review
    columns:
      customer_id: {column: id, agg: first, over: *review, prefix: C}
      region: {column: state, map: {SP: Sudeste, BA: Nordeste, RS: Sul}}
  surveys:
    one_row_per: *review
    columns:
      response_id: {column: id, agg: first}
      survey_date: review_date
      respondent_type: {value: customer}
      customer_id: {column: id, agg: first, over: *review, prefix: C}
      satisfaction: score
      comment: comment
  complaints:
    where: {in: {label: [problemas_de_entrega, problemas_de_qualidade]}}
    one_row_per: *review
    columns:
      ticket_id: {column: id, agg: first, over: *review}
      customer_id: {column: id, agg: first, over: *review, prefix: C}
      opened_at: review_date
      category: {column: sub, agg: first}
      description: comment
"""


def test_rows_repeating_one_review_become_one_answer_and_lines_of_one_order(tmp_path):
    src, mapping = _retail(tmp_path, REVIEWS, REVIEW_MAPPING, gz=False)
    result = build_workspace(src, mapping, tmp_path / "ws")
    ws = tmp_path / "ws"
    sales = pd.read_csv(ws / "sales.csv", dtype=str)
    # rows 1 and 2 repeat one review (same purchase, zip, date, score, comment with a line break): one order "1", two lines
    assert sales["order_id"].tolist() == ["1", "1", "3", "5"]
    assert sales["customer_id"].tolist() == ["C1", "C1", "C3", "C5"]
    assert sales["id"].tolist() == ["1", "2", "3", "5"]
    assert result.counts["not_in"] == {"sales": 1, "complaints": 2}
    surveys = pd.read_csv(ws / "surveys.csv", dtype=str)
    assert surveys["response_id"].tolist() == ["1", "3", "4", "5"]
    assert surveys["customer_id"].tolist() == ["C1", "C3", "C4", "C5"]
    assert surveys.loc[0, "comment"] == "chegou quebrado,\nquero devolver"
    complaints = pd.read_csv(ws / "complaints.csv", dtype=str)
    # the cancelled order's customer C4 is a customer (it reviewed) though it has no sales line
    assert complaints[["ticket_id", "customer_id", "category"]].values.tolist() == [["1", "C1", "baixa_qualidade"], ["4", "C4", "atrasado"]]
    customers = pd.read_csv(ws / "customers.csv", dtype=str)
    assert customers["customer_id"].tolist() == ["C1", "C3", "C4", "C5"]
    assert not [n for n in result.notes if n.rule == "unknown_customer_ids"]


def test_constant_columns_that_vary_within_a_row_are_errors(tmp_path):
    mapping = REVIEW_MAPPING.replace("      category: {column: sub, agg: first}", "      category: sub")
    src, mapping_path = _retail(tmp_path, REVIEWS, mapping, gz=False)
    with pytest.raises(DataError) as err:
        build_workspace(src, mapping_path, tmp_path / "ws")
    p = err.value.problems[0]
    assert (p.line, p.column, p.value) == (4, "sub", "atrasado")  # id 1 spans lines 2–3 (a line break in its comment): id 2 starts on line 4
    assert "differs from line 2 (baixa_qualidade)" in p.rule


def test_cli_import_exit_codes(tmp_path, capsys):
    src, mapping = _retail(tmp_path)
    assert main(["import", str(src), "--mapping", str(mapping), "--out", str(tmp_path / "ws")]) == 0
    out = capsys.readouterr().out
    assert "set aside: no CustomerID" in out and "sales rows written" in out
    assert main(["import", str(src), "--mapping", str(mapping), "--out", str(tmp_path / "ws")]) == 2
    assert "exists" in capsys.readouterr().err


def test_lines_that_differ_only_in_unimported_columns_are_flagged_and_kept_apart_by_keep(tmp_path):
    # lines 2 and 3: one invoice lists a stock code twice, with two descriptions; line 4 repeats line 3 whole
    export = ("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
              "1,22633,HAND WARMER RED,2,2011-09-18 15:33:00,1.95,1,France\n"
              "1,22633,HAND WARMER BLUE,2,2011-09-18 15:33:00,1.95,1,France\n"
              "1,22633,HAND WARMER BLUE,2,2011-09-18 15:33:00,1.95,1,France\n")
    src, mapping = _retail(tmp_path, export, gz=False)
    result = build_workspace(src, mapping, tmp_path / "ws")
    note = next(n for n in result.notes if n.rule == "import_lines_collapsed")
    assert note.count == 1 and note.examples == ("lines 2 = 3",)
    removed = next(n for n in result.notes if n.rule == "duplicate_rows_removed")
    assert removed.count == 2  # lines 3 and 4 fall as duplicates of line 2 once Description is dropped
    # keep the description and the invoice time (an alias of order_date: written as an extra column)
    kept = RETAIL_MAPPING.replace("    returns:", "    keep: [Description, InvoiceDate]\n    returns:")
    (tmp_path / "k").mkdir()
    src, mapping = _retail(tmp_path / "k", export, kept, gz=False)
    result = build_workspace(src, mapping, tmp_path / "ws2")
    assert not [n for n in result.notes if n.rule == "import_lines_collapsed"]
    assert next(n for n in result.notes if n.rule == "duplicate_rows_removed").count == 1  # only the whole repeat (line 4)
    import salesnb

    sales = salesnb.load_workspace(tmp_path / "ws2").table("sales")
    assert sales["amount"].sum() == pytest.approx(7.80)  # 2 × 1.95 × 2 lines
    assert sales["InvoiceDate"].tolist() == ["2011-09-18 15:33:00"] * 2


# --------------------------------------------------------------------------- review findings (each a silent error before)


def test_sum_of_a_plain_column_adds_numbers_not_texts(tmp_path):
    export = "Invoice,Date,Customer,Price,Qty\nA,2025-01-05,C1,5,2\nA,2025-01-05,C1,3,1\nB,2025-01-06,C1,9,1\nB,2025-01-06,C1,10,1\n"
    mapping = """workspace: workspace.yaml
tables:
  sales:
    one_row_per: [Invoice]
    columns:
      order_id: Invoice
      order_date: Date
      customer_id: Customer
      region: {value: UK}
      product_line: {value: all}
      amount: {column: Price, agg: sum}
      quantity: {column: Qty, agg: sum}
  customers: {from: sales, columns: {region: {value: UK, agg: first}}}
"""
    src, path = _retail(tmp_path, export, mapping, gz=False)
    build_workspace(src, path, tmp_path / "ws")
    sales = pd.read_csv(tmp_path / "ws" / "sales.csv")
    assert sales[["amount", "quantity"]].values.tolist() == [[8, 3], [19, 2]]  # 5 + 3 and 9 + 10, never "53" / "910"


def test_yaml_values_stay_text(tmp_path):
    # NO (Norway) would be YAML's false, 010 the number 8
    export = "Invoice,Date,Customer,Country,Qty,Price\nA,2025-01-05,010,NO,1,2\nB,2025-01-06,011,SE,1,2\n"
    mapping = RETAIL_MAPPING.replace("      region: {column: Country, map_file: regions.csv}", "      region: {column: Country, map: {NO: Nordics, SE: Nordics}}") \
        .replace("  customers:\n    from: sales\n    columns:\n      region: {column: Country, map_file: regions.csv, agg: most_frequent}",
                 "  customers:\n    from: sales\n    columns:\n      region: {value: Nordics, agg: first}") \
        .replace("set_aside:\n  - {reason: no CustomerID, when: {blank: CustomerID}}", "set_aside:\n  - {reason: test customer, when: {equals: {CustomerID: 011}}}") \
        .replace("InvoiceNo", "Invoice").replace("InvoiceDate", "Date").replace("CustomerID", "Customer").replace("StockCode", "Country") \
        .replace("UnitPrice", "Price").replace("Quantity", "Qty")
    src, path = _retail(tmp_path, export, mapping, gz=False)
    result = build_workspace(src, path, tmp_path / "ws")
    sales = pd.read_csv(tmp_path / "ws" / "sales.csv", dtype=str)
    assert result.counts["set_aside"] == {"test customer": 1}
    assert sales[["customer_id", "region"]].values.tolist() == [["010", "Nordics"]]


def test_mixed_currencies_in_a_product_are_an_error(tmp_path):
    export = RETAIL.replace(",2.55,", ",$2.55,").replace(",1.85,12583", ",¥1.85,12583")
    src, mapping = _retail(tmp_path, export)
    with pytest.raises(DataError) as err:
        build_workspace(src, mapping, tmp_path / "ws")
    p = next(p for p in err.value.problems if "mixed currencies" in p.rule)
    assert p.column == "UnitPrice" and p.line == 4 and p.value == "¥1.85"


def test_a_header_named_twice_is_an_error(tmp_path):
    export = RETAIL.replace("Description,Quantity", "UnitPrice,Quantity")
    src, mapping = _retail(tmp_path, export)
    with pytest.raises(DataError) as err:
        build_workspace(src, mapping, tmp_path / "ws")
    assert "names UnitPrice 2 times (columns 3, 6)" in err.value.problems[0].rule


def test_set_aside_rows_are_not_checked_and_round_works_on_a_plain_column(tmp_path):
    export = RETAIL.replace("3,2010-12-02 10:00:00,1.85,,United Kingdom", "3,2010-12-02 10:00:00,n/a,,United Kingdom")
    mapping = RETAIL_MAPPING.replace("amount: {multiply: [Quantity, UnitPrice], round: 2}", "amount: {column: UnitPrice, round: 1}")
    src, path = _retail(tmp_path, export, mapping)
    build_workspace(src, path, tmp_path / "ws")  # line 5 (n/a price) is set aside: not an error
    import numpy as np

    assert pd.read_csv(tmp_path / "ws" / "sales.csv")["amount"].tolist()[:3] == [np.round(2.55, 1), 18.0, np.round(1.85, 1)]  # numbers, rounded


def test_problems_after_a_multi_line_comment_name_the_right_export_line(tmp_path):
    # review 4's date is not a date: surveys.csv line 5 (review 1's comment takes two lines), export line 7
    export = REVIEWS.replace("4,canceled,2018-02-01 09:00:00,300,2018-02-10", "4,canceled,2018-02-01 09:00:00,300,soon")
    src, mapping = _retail(tmp_path, export, REVIEW_MAPPING, gz=False)
    with pytest.raises(DataError) as err:
        build_workspace(src, mapping, tmp_path / "ws")
    p = next(p for p in err.value.problems if p.file == "surveys.csv")
    assert p.line == 5 and "[from export.csv line 7]" in p.rule


def test_an_optional_table_with_no_rows_is_left_out_with_a_warning(tmp_path):
    export = REVIEWS.replace("problemas_de_qualidade", "satisfeito_com_pedido").replace("problemas_de_entrega", "satisfeito_com_pedido")
    src, mapping = _retail(tmp_path, export, REVIEW_MAPPING, gz=False)
    result = build_workspace(src, mapping, tmp_path / "ws")
    assert not (tmp_path / "ws" / "complaints.csv").exists() and "complaints" not in (tmp_path / "ws" / "workspace.yaml").read_text()
    assert next(n for n in result.notes if n.rule == "import_table_empty").table == "complaints"


# --------------------------------------------------------------------------- issue 14: gaps met on public exports

HOTEL_WORKSPACE = WORKSPACE_YAML + """survey:
  dimensions:
    - {key: cleanliness, en: Cleanliness, zh: 卫生}
    - {key: location, en: Location, zh: 位置}
"""

HOTEL = """Stay,Date,Guest,Spend,Score,Clean,Loc,Booked,Note
1,2025-01-05,G1,100,5,4,0,W,very clean
2,2025-01-06,G2,80,2,1,3,S,dirty room
3,2025-01-07,G1,120,4,0,5,W,
"""

HOTEL_MAPPING = """workspace: workspace.yaml
tables:
  sales:
    keep: [{column: Booked, map: {W: web, S: store}}]
    columns:
      order_id: Stay
      order_date: Date
      customer_id: Guest
      region: {value: all}
      product_line: {value: rooms}
      amount: Spend
  customers: {from: sales, columns: {region: {value: all, agg: first}}}
  surveys:
    columns:
      response_id: Stay
      survey_date: Date
      respondent_type: {value: customer}
      customer_id: Guest
      satisfaction: Score
      cleanliness: {column: Clean, map: {"0": ""}, default: "3"}
      location: {column: Loc, map: {"0": "", "1": "1", "2": "2", "3": "3", "4": "4", "5": "5"}}
      comment: Note
"""


def _hotel(tmp_path: Path, mapping: str = HOTEL_MAPPING, template: str = HOTEL_WORKSPACE) -> tuple[Path, Path]:
    src, path = _retail(tmp_path, HOTEL, mapping, gz=False)
    (path.parent / "workspace.yaml").write_text(template, encoding="utf-8")
    return src, path


def test_survey_dimensions_of_the_template_are_mappable_and_map_blanks_not_applicable(tmp_path):
    src, path = _hotel(tmp_path)
    assert load_mapping(path).dimensions == ("cleanliness", "location")
    build_workspace(src, path, tmp_path / "ws")
    surveys = pd.read_csv(tmp_path / "ws" / "surveys.csv", dtype=str, keep_default_na=False)
    # Clean 4, 1, 0: 4 and 1 are not in the map, so its default 3 replaces them; 0 is mapped to "" = blank, which the
    # default never fills. Loc 0, 3, 5 (the map lists every answer): blank, 3, 5
    assert surveys["cleanliness"].tolist() == ["3", "3", ""]
    assert surveys["location"].tolist() == ["", "3", "5"]
    import salesnb

    ws = salesnb.load_workspace(tmp_path / "ws")
    table = ws.table("surveys")
    assert table["location"].isna().tolist() == [True, False, False]
    assert table["location"].mean() == pytest.approx(4.0)  # (3 + 5) / 2: the "0 = not applicable" answer is not a score
    sales = pd.read_csv(tmp_path / "ws" / "sales.csv", dtype=str)
    assert sales["Booked"].tolist() == ["web", "store", "web"]  # a kept column, mapped


def test_a_dimension_the_template_does_not_declare_is_not_a_survey_column(tmp_path):
    src, path = _hotel(tmp_path, template=WORKSPACE_YAML)  # no survey: salesnb's five default dimensions
    with pytest.raises(ConfigError) as err:
        load_mapping(path)
    keys = {p.column: p.rule for p in err.value.problems}
    assert "not a column of surveys" in keys["tables.surveys.columns.cleanliness"]
    assert "price" in keys["tables.surveys.columns.cleanliness"]  # the defaults are listed: quality … price


def test_line_numbers_as_order_ids_keep_identical_lines_as_two_purchases(tmp_path):
    # lines 3 and 4 are identical: two customers' identical purchases in an export without order ids
    export = "Date,Customer,Amount\n2025-01-05,C1,10\n2025-01-06,C2,7.5\n2025-01-06,C2,7.5\n"
    mapping = """workspace: workspace.yaml
tables:
  sales:
    columns:
      order_id: {line_number: true, prefix: L}
      order_date: Date
      customer_id: Customer
      region: {value: UK}
      product_line: {value: all}
      amount: Amount
  customers: {from: sales, columns: {region: {value: UK, agg: first}}}
"""
    src, path = _retail(tmp_path, export, mapping, gz=False)
    result = build_workspace(src, path, tmp_path / "ws")
    sales = pd.read_csv(tmp_path / "ws" / "sales.csv", dtype=str)
    assert sales["order_id"].tolist() == ["L2", "L3", "L4"]
    assert not [n for n in result.notes if n.rule in ("duplicate_rows_removed", "import_lines_collapsed")]
    import salesnb

    assert salesnb.load_workspace(tmp_path / "ws").table("sales")["amount"].sum() == pytest.approx(25.0)  # 10 + 7.5 + 7.5
    # the same export with a constant order id: the reader removes line 4 as a duplicate of line 3
    (tmp_path / "b").mkdir()
    src, path = _retail(tmp_path / "b", export, mapping.replace("{line_number: true, prefix: L}", "{value: X}"), gz=False)
    result = build_workspace(src, path, tmp_path / "ws2")
    assert next(n for n in result.notes if n.rule == "duplicate_rows_removed").count == 1


def test_line_number_must_be_true_and_is_the_only_base(tmp_path):
    bad = RETAIL_MAPPING.replace("order_id: InvoiceNo", "order_id: {line_number: yes, column: InvoiceNo}")
    (tmp_path / "import.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_mapping(tmp_path / "import.yaml")
    rules = {p.column: p.rule for p in err.value.problems}
    assert "needs exactly one of" in rules["tables.sales.columns.order_id"]
    assert "must be true" in rules["tables.sales.columns.order_id.line_number"]
