"""Encodings: UTF-8, UTF-8 with BOM, GB18030/GBK, UTF-16 (with and without a
BOM) are read strictly; bytes that decode in no encoding are an error naming
the line and byte offset (never replaced)."""
from __future__ import annotations

import pytest
from rb_helpers import CUSTOMERS, SALES_HEADER, csv, load, only, problems

from salesnb.errors import Problem

ZH_HEADER = "订单号,下单日期,客户编号,区域,产品线,销售额"
ROW = "O1,2025-01-05,C1,华东,智能控制系统,100"


def test_utf8_without_bom(tmp_path):
    ws = load(tmp_path, {"sales.csv": csv(ZH_HEADER, ROW)})
    assert ws.sources["sales"].encoding == "utf-8"
    assert ws.tables["sales"].loc[2, ["region", "product_line"]].tolist() == ["华东", "智能控制系统"]


def test_utf8_with_bom_does_not_leak_into_the_first_header(tmp_path):
    ws = load(tmp_path, {"sales.csv": "\ufeff" + csv(ZH_HEADER, ROW)})
    assert ws.sources["sales"].encoding == "utf-8-sig"
    assert ws.tables["sales"].columns[0] == "order_id"
    assert ws.tables["sales"].loc[2, "order_id"] == "O1"


def test_gb18030_with_a_character_gbk_lacks(tmp_path):
    # 𠮷 (U+20BB7) exists in GB18030 (four bytes) but not in GBK
    ws = load(tmp_path, {"sales.csv": csv(ZH_HEADER, "O1,2025-01-05,C1,华东,𠮷牌传感器,100")}, encoding="gb18030")
    assert ws.sources["sales"].encoding == "gb18030"
    assert ws.tables["sales"].loc[2, "product_line"] == "𠮷牌传感器"


def test_gbk_file_is_read_as_gb18030(tmp_path):
    ws = load(tmp_path, {"customers.csv": csv("客户编号,区域,客户名称", "C1,华东,南京立信", "C2,华北,北京宇航")}, encoding="gbk")
    assert ws.sources["customers"].encoding == "gb18030"
    assert ws.contacts["customer_name"].tolist() == ["南京立信", "北京宇航"]


def test_utf16_with_bom_tab_separated_excel_unicode_text(tmp_path):
    text = "\t".join(ZH_HEADER.split(",")) + "\n" + "\t".join(ROW.split(",")) + "\n"
    ws = load(tmp_path, {"sales.csv": text.encode("utf-16")})
    assert ws.sources["sales"].encoding == "utf-16"
    assert ws.tables["sales"].loc[2, "amount"] == 100.0


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected(tmp_path, encoding):
    ws = load(tmp_path, {"sales.csv": csv(ZH_HEADER, ROW).encode(encoding)})
    assert ws.sources["sales"].encoding == encoding
    assert ws.tables["sales"].loc[2, "region"] == "华东"


def test_undecodable_byte_is_an_error_with_line_and_offset(tmp_path):
    good = csv(SALES_HEADER, "O1,2025-01-05,C1,East,A,100").encode()
    data = good + b"O2,2025-01-05,C1,caf\xe9,A,100\n"  # a Windows-1252 'é'
    found = only(problems(tmp_path, {"sales.csv": data}))
    offset = len(good) + len(b"O2,2025-01-05,C1,caf")
    assert found == Problem(
        "sales.csv", 3, None, "e9",
        f"cannot be decoded as UTF-8 or GB18030: byte(s) e9 at byte offset {offset} (line 3) are not valid UTF-8; "
        "save the file as CSV UTF-8, or set tables.sales.encoding in workspace.yaml "
        "(it reads as Windows-1252: for an English or Western-European export set tables.sales.encoding: cp1252)",
    )


def test_nul_bytes_are_an_error_not_silent_garbage(tmp_path):
    data = csv(SALES_HEADER, "O1,2025-01-05,C1,East,A,100").encode() + b"O2,2025-01-05,C1,E\x00ast,A,100\n"
    found = only(problems(tmp_path, {"sales.csv": data}))
    assert (found.file, found.line) == ("sales.csv", 3)
    assert found.rule.startswith("holds NUL bytes although it decodes as UTF-8")


def test_configured_encoding_that_does_not_fit_names_the_setting(tmp_path):
    yaml = "company:\n  name: Demo\ntables:\n  customers: {file: customers.csv, encoding: utf-8}\n"
    found = only(problems(tmp_path, {"customers.csv": CUSTOMERS.encode("gbk")}, yaml=yaml))
    assert (found.file, found.line, found.value) == ("customers.csv", 2, "bb")  # 华 is BB AA in GBK; BB cannot start a UTF-8 character
    assert found.rule.endswith("are not valid UTF-8; check the encoding set in workspace.yaml (tables.customers.encoding)")
