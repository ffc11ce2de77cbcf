"""The summary's first screen (issue 16): the goal status rule, revenue pacing, trend sparklines, the 390-px layout.

The rule and the outlook are checked on hand-computed cases; the rendered pages
come from the shared ``sample_reports`` fixture (2025Q4 in English and Chinese),
and their pacing and sparkline numbers are recomputed from the sample's own
``sales.csv`` with plain pandas.
"""
from __future__ import annotations

import math
import re
from html import unescape

import pandas as pd
import pytest

from salesnb import goals, improve, screen
from salesnb.config import Goal
from salesnb.periods import Period
from salesnb.summary import DATA_QUALITY_PAGE, PRINT_CSS, _trend, goal_status, pacing_lines

# ---------------------------------------------------------------- the status rule, by hand


@pytest.mark.parametrize(("value", "target", "baseline", "lower", "status", "band"), [
    # NPS from 18 to 28: the band is 0.25 × 10 = 2.5 points below 28
    (28.0, 28.0, 18.0, False, "on_track", 2.5),
    (26.0, 28.0, 18.0, False, "at_risk", 2.5),      # 2 short, inside 2.5
    (25.5, 28.0, 18.0, False, "at_risk", 2.5),      # exactly on the band's edge
    (25.0, 28.0, 18.0, False, "off_track", 2.5),    # 3 short
    # lower is better: churn from 19 % to 11 %, band 0.25 × 8 = 2 points above 11 %
    (0.10, 0.11, 0.19, True, "on_track", 0.02),
    (0.12, 0.11, 0.19, True, "at_risk", 0.02),
    (0.14, 0.11, 0.19, True, "off_track", 0.02),
    # no baseline: the band is 5 % of the target (100 → 5)
    (96.0, 100.0, None, False, "at_risk", 5.0),
    (94.0, 100.0, float("nan"), False, "off_track", 5.0),
    # baseline equal to the target: the same 5 % band
    (98.0, 100.0, 100.0, False, "at_risk", 5.0),
    # target already met at the baseline: on track while it stays met
    (0.95, 0.93, 0.95, False, "on_track", 0.005),
    (0.925, 0.93, 0.95, False, "at_risk", 0.005),
])
def test_status_rule_by_hand(value, target, baseline, lower, status, band):
    j = screen.judge(value, target, baseline, lower)
    assert j.status == status
    assert j.band == pytest.approx(band)
    assert j.gap == pytest.approx((target - value) if lower else (value - target))


def test_no_goal_or_no_value_gives_no_status():
    assert screen.judge(21.5, None).status is None
    assert screen.judge(21.5, float("nan"), 18.0).status is None
    assert screen.judge(float("nan"), 28.0, 18.0).status is None
    assert goal_status(None, "nps") is None
    attainment = pd.DataFrame({"goal_id": ["G1"], "metric": ["revenue"], "scope": ["company"], "status": ["not_started"], "outlook": ["at_risk"]})
    assert goal_status(attainment, "nps") is None and goal_status(attainment, "revenue") == "at_risk"
    # a goal on a region only does not colour the company tile
    assert goal_status(attainment.assign(scope="region=华东"), "revenue") is None


# ---------------------------------------------------------------- the outlook of a goal, by hand

def _sales(amounts: dict[int, float]) -> pd.DataFrame:
    """One order per quarter on the quarter's first day, the same amount in every quarter of a year."""
    rows = [{"order_id": f"{y}{q}", "customer_id": "c1", "amount": a, "order_date": pd.Timestamp(y, 3 * q - 2, 1), "region": "E",
             "product_line": "X"} for y, a in amounts.items() for q in range(1, 5)]
    return pd.DataFrame(rows)


REVENUE_GOAL = [Goal.model_validate({"id": "G1", "metric": "revenue", "scope": {}, "target": {"growth": 0.12}, "deadline": "2026", "theme": "t"})]


def _outlook(sales: pd.DataFrame, period: str) -> dict:
    p = Period.parse(period)
    tables = goals.Tables(sales[sales["order_date"] <= p.end])
    return screen.goal_outlook(improve.goal_attainment(REVENUE_GOAL, tables, p), REVENUE_GOAL, tables, p).iloc[0].to_dict()


def test_outlook_of_a_goal_not_started_running_and_passed():
    sales = _sales({2024: 100.0, 2025: 110.0, 2026: 130.0})
    # 2025Q4: the 2026 goal has not started. Base 2025 = 440, target 440 × 1.12 = 492.8; the last four quarters (440)
    # over the four before (400) grew 10 %: outlook 484, 8.8 short, inside the band 0.25 × 52.8 = 13.2 → at risk
    before = _outlook(sales, "2025Q4")
    assert before["status"] == "not_started" and before["outlook_source"] == "momentum"
    assert before["outlook_value"] == pytest.approx(484.0) and before["target"] == pytest.approx(492.8)
    assert before["outlook"] == "at_risk" and before["elapsed"] == 0 and math.isnan(before["to_date"])
    # 2026Q2: 260 so far; last year's first half was 220 of 440, so the projection is 260 × 440 / 220 = 520 → on track
    running = _outlook(sales, "2026Q2")
    assert (running["outlook_source"], running["outlook"]) == ("projection", "on_track")
    assert running["outlook_value"] == pytest.approx(520.0) and running["to_date"] == pytest.approx(260.0) and running["elapsed"] == 0.5
    # 2026Q4: the year closed at 520 ≥ 492.8 → achieved, outlook on track from the final value
    passed = _outlook(sales, "2026Q4")
    assert (passed["status"], passed["outlook_source"], passed["outlook"]) == ("achieved", "final", "on_track")
    # flat sales: 2025 = 2024 = 400 → outlook 400, 48 short of 448 with a band of 12 → off track
    flat = _outlook(_sales({2024: 100.0, 2025: 100.0}), "2025Q4")
    assert flat["outlook_value"] == pytest.approx(400.0) and flat["outlook"] == "off_track" and flat["direction"] == "higher"


def test_outlook_of_a_growth_goal_without_a_base_year():
    # data from 2025Q2 only: the 2025 base is not covered in full, so no target, no outlook, no source
    sales = _sales({2025: 110.0}).iloc[1:]
    out = _outlook(sales, "2025Q4")
    assert math.isnan(out["target"]) and out["outlook"] is None and out["outlook_source"] == "" and math.isnan(out["outlook_value"])


def test_outlook_without_a_year_to_compare_uses_the_baseline():
    out = _outlook(_sales({2025: 110.0}), "2025Q4")
    assert out["outlook_source"] == "latest" and out["outlook_value"] == pytest.approx(440.0) and out["outlook"] == "off_track"


def _surveys(blocks: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    """Answers per survey date: (promoters scoring 10, detractors scoring 0, passives scoring 8)."""
    frames = [pd.DataFrame({"survey_date": pd.Timestamp(d), "nps": [10] * pr + [0] * de + [8] * pa, "respondent_type": "customer",
                            "customer_id": "c1"}) for d, (pr, de, pa) in blocks.items()]
    out = pd.concat(frames, ignore_index=True)
    return out.assign(response_id=range(len(out)))


@pytest.mark.parametrize(("target", "outlook"), [(28.0, "on_track"), (33.0, "at_risk"), (40.0, "off_track")])
def test_outlook_of_a_score_not_started(target, outlook):
    # NPS 2024Q4 = (3 − 2) / 10 = 10, 2025Q4 = (4 − 2) / 10 = 20: last year's +10 points continue → outlook 30.
    # Target 33: 3 short, band 0.25 × (33 − 20) = 3.25 → at risk; target 40: 10 short, band 5 → off track
    goal = [Goal.model_validate({"id": "G7", "metric": "nps", "scope": {}, "target": {"value": target}, "deadline": "2026Q4", "theme": "t"})]
    p = Period.parse("2025Q4")
    tables = goals.Tables(_sales({2024: 100.0, 2025: 100.0}), _surveys({"2024-11-15": (3, 2, 5), "2025-11-15": (4, 2, 4)}))
    row = screen.goal_outlook(improve.goal_attainment(goal, tables, p), goal, tables, p).iloc[0]
    assert row["baseline"] == pytest.approx(20.0) and row["outlook_value"] == pytest.approx(30.0)
    assert (row["outlook_source"], row["outlook"]) == ("momentum", outlook)


def test_outlook_of_no_goals_is_an_empty_frame_with_the_columns():
    p = Period.parse("2025Q4")
    tables = goals.Tables(_sales({2025: 1.0}))
    out = screen.goal_outlook(improve.goal_attainment([], tables, p), [], tables, p)
    assert out.empty and {"outlook", "outlook_value", "outlook_source", "direction", "to_date", "elapsed"} <= set(out.columns)
    assert screen.goals_sentence(out, "zh") == "共 0 个目标，按截止期的展望判断：进度正常 0 个，有风险 0 个，落后 0 个。"


def test_pacing_before_and_while_the_goal_runs():
    attainment = pd.DataFrame({"goal_id": ["G1"], "metric": ["revenue"], "scope": ["company"], "deadline": ["2026"], "baseline": [440.0],
                               "target": [492.8], "status": ["on_track"], "outlook": ["on_track"], "outlook_value": [520.0],
                               "outlook_source": ["projection"]})
    history = pd.DataFrame({"period": ["2025Q4", "2026Q1", "2026Q1", "2026Q2", "2026Q3"], "revenue": [110.0, 100.0, 30.0, 130.0, 999.0]})
    pace = screen.revenue_pacing(attainment, history, Period.parse("2026Q2"))
    assert (pace.span, pace.to_date, pace.quarters_elapsed, pace.quarters_total) == ("2026", 260.0, 2, 4)
    assert pace.share_of_target == pytest.approx(260 / 492.8) and pace.elapsed == 0.5
    text = pacing_lines(pace, "en", "元")
    assert "2026 so far" in text and "53%" in text and "50%" in text and "projected" in text
    # before the goal starts: the current fiscal year to date is the goal's base
    before = screen.revenue_pacing(attainment.assign(status="not_started", outlook_source="momentum"), history, Period.parse("2025Q4"))
    assert (before.span, before.to_date, before.quarters_elapsed, before.started) == ("2025", 110.0, 4, False)
    assert "2025年累计（4/4 个季度）" in pacing_lines(before, "zh", "元")
    # a quarter's goal not started yet: its target, no year to date
    quarter = screen.revenue_pacing(attainment.assign(status="not_started", deadline="2026Q1"), history, Period.parse("2025Q4"))
    assert pacing_lines(quarter, "en", "元").startswith("2026Q1 target 492.8")


# ---------------------------------------------------------------- sparklines

def test_sparkline_points_scale_the_values():
    values = pd.Series([10.0, 30.0, 20.0, float("nan"), 30.0])
    points = screen.sparkline_points(values, width=40, height=12, pad=1)
    # x: 1 + i × 38 / 4; y: 1 + (30 − v) / 20 × 10; the missing quarter keeps its place and draws no point
    assert points == [(1.0, 11.0), (10.5, 1.0), (20.0, 6.0), (39.0, 1.0)]


def test_one_quarter_of_history_draws_no_sparkline():
    one = pd.DataFrame({"period": ["2025Q4"], "revenue": [5.0]})
    assert screen.sparkline_svg(pd.Series([5.0]), "x") == "" and screen.sparkline_points(pd.Series([], dtype=float)) == []
    assert _trend(one, "revenue", Period.parse("2025Q4"), "Revenue", str, "en") == ""
    assert _trend(None, "revenue", Period.parse("2025Q4"), "Revenue", str, "en") == ""
    three = pd.DataFrame({"period": ["2025Q2", "2025Q3", "2025Q4"], "nps": [10.0, 12.0, 11.0]})
    svg = _trend(three, "nps", Period.parse("2025Q4"), "NPS", lambda v: f"{v:.1f}", "zh")
    assert len(re.search(r'points="([^"]*)"', svg).group(1).split()) == 3 and 'aria-label="NPS近3个季度：10.0（2025Q2）至 11.0（2025Q4）"' in svg


def test_sparkline_text_is_escaped():
    svg = screen.sparkline_svg(pd.Series([1.0, 2.0]), '<b>"x"</b>')
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "&quot;x&quot;" in svg


# ---------------------------------------------------------------- the 390-px layout

def test_css_reflows_at_390px_and_prints_on_a4():
    css = re.sub(r"\s+", " ", PRINT_CSS)
    assert "@page { size: A4;" in css
    phone = css[css.index("@media screen and (max-width: 600px)"):]
    assert ".tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); }" in phone
    assert "ul.goals, ol.links { columns: 1; }" in phone
    assert ".tile { border: 1px solid #d0d7de; border-radius: 5px; padding: 6px 7px; min-width: 0; }" in css  # no tile wider than its track
    assert "svg.spark { display: block; margin-top: 3px; max-width: 100%;" in css
    assert "print-color-adjust: exact" in css  # the status colours survive printing (the word is there too)


# ---------------------------------------------------------------- the sample's rendered first screen

def _sample_quarters(sample_dir) -> pd.Series:
    sales = pd.read_csv(sample_dir / "sales.csv", encoding="utf-8-sig")
    date_col = next(c for c in sales.columns if "date" in c.lower() or c == "下单日期")
    amount_col = next(c for c in sales.columns if c in ("amount", "销售额"))
    dates = pd.to_datetime(sales[date_col])
    return sales[amount_col].astype(float).groupby(dates.dt.year.astype(str) + "Q" + dates.dt.quarter.astype(str)).sum()


def _first_screen(html_text: str) -> str:
    return html_text[html_text.index('<div class="tiles">'):html_text.index("</ul>", html_text.index('<ul class="goals">'))]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sample_first_screen(sample_reports, sample_dir, lang):
    folder = sample_reports.folders[lang]
    page = (folder / "report" / "index.html").read_text(encoding="utf-8")
    attainment = pd.read_csv(folder / "artifacts" / "goal_attainment.csv", encoding="utf-8-sig", dtype={"goal_id": str})
    assert {"direction", "outlook", "outlook_value", "outlook_source", "to_date", "elapsed"} <= set(attainment.columns)
    assert set(attainment["outlook"].dropna()) <= set(screen.OUTLOOKS)
    first = _first_screen(page)
    # each tile with a company goal carries the same status as goal_attainment.csv, as a word and a class
    words = {"en": {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}, "zh": {"on_track": "进度正常", "at_risk": "有风险", "off_track": "落后"}}[lang]
    for metric in ("revenue", "nps", "satisfaction_mean", "repurchase_rate"):
        status = goal_status(attainment, metric)
        assert status is not None
    revenue_tile = next(chunk for chunk in first.split('<div class="tile')[1:] if chunk.split('"', 1)[0].endswith("wide"))
    rev_status = goal_status(attainment, "revenue")
    assert f'<span class="badge {rev_status}">{words[rev_status]}</span>' in revenue_tile
    # pacing recomputed from sales.csv: the year 2025 so far is all four quarters, the base of the 2026 target (+12 %)
    quarters = _sample_quarters(sample_dir)
    ytd = quarters[[f"2025Q{q}" for q in range(1, 5)]].sum()
    row = attainment[(attainment["metric"] == "revenue") & (attainment["scope"] == "company")].iloc[0]
    assert row["baseline"] == pytest.approx(ytd) and row["target"] == pytest.approx(ytd * 1.12, rel=1e-6)
    from salesnb.i18n import money

    assert money(ytd, "万元", lang) in unescape(revenue_tile) and money(row["target"], "万元", lang) in unescape(revenue_tile)
    assert ("2025 so far (4 of 4 quarters)" if lang == "en" else "2025年累计（4/4 个季度）") in unescape(revenue_tile)
    # the revenue sparkline's points are the last eight quarters of sales.csv
    svg = re.search(r'<svg class="spark" role="img" aria-label="([^"]*)".*?points="([^"]*)"', revenue_tile, flags=re.S)
    label, points = unescape(svg.group(1)), [tuple(map(float, p.split(","))) for p in svg.group(2).split()]
    last8 = quarters[[str(Period.parse("2025Q4").shift(-i)) for i in range(7, -1, -1)]]
    assert points == screen.sparkline_points(last8.reset_index(drop=True), 120, 28)
    assert ("last 8 quarters" if lang == "en" else "近8个季度") in label
    # the NPS tile has its sparkline too, titled in the report language; the goals block lists statuses, not "not started"
    assert page.count('<svg class="spark"') == 2 and ("NPS, last 8 quarters" if lang == "en" else "NPS近8个季度") in page
    goals_block = page[page.index('<ul class="goals">'):page.index("</ul>", page.index('<ul class="goals">'))]
    worrying = int(attainment["outlook"].isin(["at_risk", "off_track"]).sum())  # all listed, then on-track goals up to eight lines
    assert goals_block.count("<li>") == min(max(8, worrying), len(attainment)) and all(w in words.values() for w in re.findall(r'class="badge \w+">([^<]+)<', goals_block))
    assert f'href="{DATA_QUALITY_PAGE}"' in page
    # step 4 counts the goals with the summary's own sentence, and its table shows each goal's outlook
    sentence = screen.goals_sentence(attainment, lang)
    step4 = unescape((folder / "report" / "04_improvement.html").read_text(encoding="utf-8"))
    assert sentence in unescape(page) and sentence in step4
    assert all(words[o] + " · " in step4 for o in attainment["outlook"].dropna())
