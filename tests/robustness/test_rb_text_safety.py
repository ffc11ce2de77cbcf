"""Data text is data: chart markup characters are drawn as written, and card and
ID numbers are masked wherever text reaches a report (issue 15, items 7 and 8).

Values are written out by hand: each masked form below is the expected string,
not the function's output echoed back.
"""
from __future__ import annotations

import io
import shutil

import matplotlib.pyplot as plt
import openpyxl
import pandas as pd
import pytest

from conftest import SAMPLE
from salesnb import plots, privacy
from salesnb.io import load_workspace
from salesnb.plots import diagnosis as diagnosis_charts

MARKUP = ["$\\oops{x}$", "a_b^c", "100% {fill}", "back\\slash", "$5 and $6"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_markup_characters_in_data_render_literally_in_every_chart(lang):
    plots.use_theme(lang)
    shares = pd.DataFrame({"category": MARKUP, "tickets": [5, 4, 3, 2, 1]})
    shares["cumulative_share"] = shares["tickets"].cumsum() / shares["tickets"].sum()
    fig = plots.complaint_categories(shares, lang, "2025Q4")
    fig.savefig(io.BytesIO(), format="png")  # matplotlib's mathtext parser would raise ParseFatalException here
    drawn = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert drawn == MARKUP
    causes = pd.DataFrame({"category": ["method"] * 2, "cause": MARKUP[:2], "evidence": MARKUP[2:4], "top": [True, False]})
    fig = diagnosis_charts.fishbone(causes, [("method", "$Method$")], head="$\\oops{x}$", lang=lang, title_problem="a_b^c $x$")
    fig.savefig(io.BytesIO(), format="png")
    texts = {t.get_text() for t in fig.findobj(plt.Text)}
    assert {"a_b^c", "$\\oops{x}$"} <= {x for t in texts for x in MARKUP if x in t}
    plt.close("all")


# Luhn-valid test card numbers (the networks' published test numbers) and ID-card forms
CARD_16 = "4111 1111 1111 1111"
CARD_19 = "6212345678901234569"  # 19 digits; Luhn: see test_luhn_by_hand
ID_SPACED = "110105 19491231 002X"
ID_HYPHENS = "110105-1949-1231-002X"
ID_FULLWIDTH = "１１０１０５１９４９１２３１００２Ｘ"
ID_OLD = "110105491231002"
CASES = {
    CARD_16: "**** **** **** 1111",
    CARD_19: "***************4569",
    "4111-1111-1111-1111": "****-****-****-1111",
    ID_SPACED: "110105********002X",
    ID_HYPHENS: "110105********002X",
    ID_FULLWIDTH: "110105********002X",
    ID_OLD: "110105******002",
    "１３９１２３４５６７８": "139****5678",
}


def test_luhn_by_hand():
    # 6212345678901234569, read from the right: the undoubled digits 9,5,3,1,9,7,5,3,1,6 sum to 49; the doubled
    # ones 6,4,2,0,8,6,4,2,2 become 3,8,4,0,7,3,8,4,4 (12→3, 16→7 …) and sum to 41; 49 + 41 = 90, a multiple of 10
    digits = [int(c) for c in CARD_19]
    total = sum(d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d) for i, d in enumerate(reversed(digits)))
    assert total == 90 and privacy.luhn_valid(CARD_19)
    assert not privacy.luhn_valid("4111 1111 1111 1112") and not privacy.luhn_valid("411111111111111")  # 15 digits: not a card


@pytest.mark.parametrize("raw, masked", CASES.items())
def test_each_card_and_id_form_is_masked_and_found(raw, masked):
    assert privacy.mask_text(f"客户说 {raw}，请处理") == f"客户说 {masked}，请处理"
    assert [k for k, _ in privacy.find_personal_data(raw)] != []
    assert privacy.find_personal_data(privacy.mask_text(raw)) == []


@pytest.mark.parametrize("text", ["订单 4111111111111112 已发货", "金额 1234 5678 9012 3456", "订单 202312150000123", "合同 2025-0001-0002-0003"])
def test_numbers_that_are_not_cards_or_ids_are_left_alone(text):
    assert privacy.mask_text(text) == text


def test_every_text_bearing_column_masks_every_form(tmp_path):
    """Survey comments, complaint descriptions, interview notes and the register's text typed by people."""
    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history"))
    forms = list(CASES)

    def inject(file, column, encoding):
        frame = pd.read_csv(ws / file, encoding=encoding, dtype=str, keep_default_na=False)
        for i, raw in enumerate(forms):
            frame.loc[i, column] = f"{frame.loc[i, column]} 号码 {raw}"
        frame.to_csv(ws / file, encoding=encoding, index=False)

    inject("surveys.csv", "comment", "utf-8")
    inject("complaints.csv", "投诉内容", "gb18030")
    inject("interviews.csv", "notes", "utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "actions"
    sheet.append(["action_id", "problem", "measure", "owner", "start", "due", "kpi", "baseline", "target", "status", "evidence", "notes"])
    for i, raw in enumerate(forms):
        sheet.append([f"A{i}", f"退款卡 {raw}", f"回电 {raw}", "售后经理", "2025-10-01", "2025-12-31", "nps", None, None, "planned",
                      f"证据 {raw}", f"备注 {raw}"])
    book.save(ws / "actions.xlsx")
    loaded = load_workspace(ws)
    columns = {"surveys": ["comment"], "complaints": ["description"], "interviews": ["notes"],
               "actions": ["problem", "measure_text", "evidence", "notes"]}  # a typed measure is read as measure_text
    for table, cols in columns.items():
        frame = loaded.tables[table]
        for col in cols:
            text = "\n".join(frame[col].dropna().astype(str))
            assert privacy.find_personal_data(text) == [], (table, col, privacy.find_personal_data(text)[:3])
            for raw, masked in CASES.items():
                assert masked in text, (table, col, raw)
