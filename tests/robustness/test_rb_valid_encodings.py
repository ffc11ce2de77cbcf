"""An English export in Windows-1252 is not read as Chinese, and European
numbers with a decimal comma are named in the first line of the error
(issue 15, item 5)."""
from __future__ import annotations

import pytest
from rb_helpers import CUSTOMERS, SALES_HEADER, TODAY, csv, load, note, only, problems, rules, workspace

from salesnb.errors import DataError, Problem

COMPLAINTS = "ticket_id,customer_id,opened_at,category,description"
WESTERN = csv(COMPLAINTS, "T1,C1,2025-03-05 10:00,quality,I don’t like the finish", "T2,C2,2025-03-06 10:00,delivery,It’s late again")


def test_windows_1252_english_is_read_as_cp1252_with_a_note(tmp_path):
    data = WESTERN.encode("cp1252")
    assert data.decode("gb18030").splitlines()[1].endswith("I don抰 like the finish")  # what salesnb showed before
    ws = load(tmp_path, {"complaints.csv": data})
    assert ws.tables["complaints"]["description"].tolist() == ["I don’t like the finish", "It’s late again"]
    assert ws.sources["complaints"].encoding == "cp1252"
    found = note(ws, "encoding_cp1252")
    assert (found.severity, found.count, found.examples) == ("warning", 2, ("don抰 → don’t", "It抯 → It’s"))
    assert found.detail == (
        "complaints.csv is not UTF-8; read as GB18030 it gives Chinese characters inside English words (don抰 for don’t, "
        "It抯 for It’s), so it was read as Windows-1252 (cp1252). Set tables.complaints.encoding: cp1252 in workspace.yaml "
        "to say so (or gb18030 if the file is Chinese)"
    )


def test_windows_1252_that_gb18030_cannot_read_either_names_cp1252(tmp_path):
    data = csv(COMPLAINTS, "T1,C1,2025-03-05 10:00,quality,late – again").encode("cp1252")  # en dash 0x96 + space: not GB18030
    found = only(problems(tmp_path, {"complaints.csv": data}))
    assert (found.line, found.value) == (2, "96")
    assert found.rule.endswith(
        "save the file as CSV UTF-8, or set tables.complaints.encoding in workspace.yaml "
        "(it reads as Windows-1252: for an English or Western-European export set tables.complaints.encoding: cp1252)"
    )


def test_declared_cp1252_is_read_without_a_note(tmp_path):
    yaml = "company:\n  name: Demo\ntables:\n  complaints: {file: complaints.csv, encoding: cp1252}\n"
    ws = load(tmp_path, {"complaints.csv": WESTERN.encode("cp1252")}, yaml=yaml)
    assert ws.tables["complaints"]["description"].iloc[0] == "I don’t like the finish"
    assert "encoding_cp1252" not in rules(ws)


def test_a_chinese_gb18030_file_with_english_words_stays_gb18030(tmp_path):
    text = csv(COMPLAINTS, "T1,C1,2025-03-05 10:00,质量,iPhone手机外壳开裂", "T2,C2,2025-03-06 10:00,交付,MC-8型号 晚到")
    ws = load(tmp_path, {"complaints.csv": text.encode("gb18030")})
    assert ws.sources["complaints"].encoding == "gb18030"
    assert ws.tables["complaints"]["description"].tolist() == ["iPhone手机外壳开裂", "MC-8型号 晚到"]
    assert "encoding_cp1252" not in rules(ws)


EUROPEAN = "order_id;order_date;customer_id;region;product_line;amount;quantity\n" + "".join(
    f"O{i};2025-01-0{i};C1;华东;A;{a};{q}\n" for i, (a, q) in enumerate([("18.972,00", "2"), ("1.234,50", "1"), ("0,75", "3")], start=1)
)


def test_decimal_commas_are_one_error_naming_the_setting_first(tmp_path):
    found = problems(tmp_path, {"sales.csv": EUROPEAN})
    assert found == [Problem(
        "sales.csv", 2, "amount", "18.972,00",
        "the numbers use a decimal comma (18.972,00): 3 value(s) cannot be read with a decimal point; "
        "set tables.sales.decimal: \",\" in workspace.yaml (a . or space is then a thousands separator)",
    )]


def test_decimal_comma_setting_reads_them(tmp_path):
    yaml = 'company:\n  name: Demo\ntables:\n  sales: {file: sales.csv, decimal: ","}\n'
    ws = load(tmp_path, {"sales.csv": EUROPEAN}, yaml=yaml)
    assert ws.tables["sales"]["amount"].tolist() == [18972.0, 1234.5, 0.75]
    assert ws.tables["sales"]["quantity"].tolist() == [2.0, 1.0, 3.0]


def test_a_lone_1_23_in_a_comma_file_stays_must_be_a_number(tmp_path):
    found = only(problems(tmp_path, {"sales.csv": csv(SALES_HEADER, 'O1,2025-01-05,C1,华东,A,"1,23"')}))
    assert found.rule == "must be a number"


def test_the_engine_reader_never_reads_a_decimal_comma_as_a_thousands_separator(tmp_path):
    from salesnb.prepare import prepare

    # 18.972,00 became 18.972 and 0,75 became 75 in DuckDB (replace(',', '')): now an error on that path too
    root = workspace(tmp_path / "e", {"sales.csv": EUROPEAN, "customers.csv": CUSTOMERS},
                     yaml="company:\n  name: Demo\nsource:\n  reader: engine\n  contract_max_rows: 0\n")
    with pytest.raises(DataError) as info:
        prepare(root, cache_dir=tmp_path / "cache", today=TODAY)
    assert [(p.line, p.value) for p in info.value.problems] == [(2, "18.972,00"), (3, "1.234,50"), (4, "0,75")]
