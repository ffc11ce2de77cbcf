"""Metrics against hand-computed values on tiny frames."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from salesnb import metrics as m
from salesnb.periods import Period, period_labels


def _sales(rows):
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "order_date", "amount"])
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df


def test_nps_and_its_interval_follow_the_formula():
    r = m.nps([10, 9, 8, 7, 6, 0, 10, 10, 5, 9])  # 5 promoters, 2 passives, 3 detractors
    p_p, p_d, n = 0.5, 0.3, 10
    se = math.sqrt((p_p + p_d - (p_p - p_d) ** 2) / n) * 100  # 27.568...
    assert r.nps == pytest.approx(20.0)
    assert r.se == pytest.approx(27.5680975, rel=1e-6) and r.se == pytest.approx(se)
    assert r.ci_low == pytest.approx(20 - 1.959964 * se, rel=1e-6)
    assert r.ci_high == pytest.approx(20 + 1.959964 * se, rel=1e-6)
    assert (r.promoters, r.passives, r.detractors) == pytest.approx((0.5, 0.2, 0.3))


def test_nps_ignores_blanks_and_an_empty_group_is_nan_with_n_zero():
    assert m.nps([10, None, np.nan, 0]).n == 2
    empty = m.nps([])
    assert empty.n == 0 and math.isnan(empty.nps)
    table = m.nps_table(pd.DataFrame({"region": ["A"] * 3 + ["B"], "nps": [10, 10, 0, 9]}), "region", min_n=3)
    assert table.loc["A", "nps"] == pytest.approx(100 * (2 / 3 - 1 / 3)) and bool(table.loc["A", "reliable"])
    assert table.loc["B", "n"] == 1 and not bool(table.loc["B", "reliable"])


def test_csat_mean_top2_and_n():
    r = m.csat([5, 4, 3, 2, None])
    assert (r.mean, r.top2, r.n) == (3.5, 0.5, 4)


def test_retention_windows_cross_year_ends_and_returns_only_customers_are_not_active():
    # period 2025Q1 ends 2025-04-01: current window [2024-04-01, 2025-04-01), base [2023-04-01, 2024-04-01)
    s = _sales([
        ("a", "1", "2024-03-15", 100.0),   # base
        ("a", "2", "2024-12-20", 50.0),    # current → a retained
        ("b", "3", "2023-05-01", 80.0),    # base only → b lost
        ("c", "4", "2023-06-01", -30.0),   # a return in the base window: c is not active there
        ("c", "5", "2025-01-10", 30.0),    # current
        ("d", "6", "2024-05-01", 10.0),    # current, two orders → repeat buyer
        ("d", "7", "2025-03-31", 10.0),
        ("e", "8", "2023-03-31", 10.0),    # the day before the base window: outside both
    ])
    r = m.retention(s, Period.parse("2025Q1"))
    assert (r.base_start, r.current_start, r.end) == (pd.Timestamp("2023-04-01"), pd.Timestamp("2024-04-01"), pd.Timestamp("2025-04-01"))
    assert (r.base_customers, r.retained_customers, r.current_customers, r.repeat_customers) == (2, 1, 3, 1)
    assert (r.repurchase_rate, r.churn_rate) == (0.5, 0.5)
    assert r.repeat_purchase_rate == pytest.approx(1 / 3)


def test_customer_status_uses_the_churn_windows():
    s = _sales([("a", "1", "2025-06-01", 1.0), ("b", "2", "2024-06-01", 1.0), ("c", "3", "2022-06-01", 1.0),
                ("e", "4", "2025-06-01", -5.0), ("f", "5", "2026-02-01", 9.0)])
    c = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e", "f"]})
    status = m.customer_status(s, c, Period.parse("2025"))
    # e only returned goods; f bought after the end: both are prospects at the end of 2025
    assert status.to_dict() == {"a": "customer", "b": "lost", "c": "lapsed", "d": "prospect", "e": "prospect", "f": "prospect"}


def test_period_sales_counts_purchases_for_orders_and_customers_but_returns_in_revenue():
    s = _sales([("a", "1", "2025-01-05", 100.0), ("a", "1", "2025-01-05", 50.0), ("b", "R1", "2025-02-01", -20.0),
                ("b", "2", "2024-02-01", 40.0)])
    ps = m.period_sales(s, Period.parse("2025Q1"))
    assert (ps.revenue, ps.orders, ps.active_customers) == (130.0, 1, 1)
    assert ps.revenue_prev_year == 40.0 and ps.revenue_yoy == pytest.approx(130 / 40 - 1)


def test_new_customers_and_their_revenue_share():
    s = _sales([("a", "1", "2024-12-31", 10.0), ("a", "2", "2025-01-01", 30.0), ("b", "3", "2025-03-31", 60.0)])
    assert m.new_customers(s, Period.parse("2025Q1")) == {"new_customers": 1, "new_customer_revenue_share": pytest.approx(60 / 90)}
    assert m.new_customers(s, Period.parse("2024"))["new_customers"] == 1


def test_growth_does_not_skip_over_missing_quarters():
    h = pd.DataFrame({"period": ["2024Q1", "2024Q3", "2025Q1", "2025Q3"], "revenue": [10.0, 20.0, 15.0, 30.0]})
    g = m.with_growth(h)
    assert g["qoq"].isna().all()  # the quarter before each is missing
    assert g["yoy"].tolist()[2:] == [pytest.approx(0.5), pytest.approx(0.5)]


def test_cagr_and_short_history():
    s = _sales([("a", "1", "2023-01-10", 100.0), ("a", "2", "2024-01-20", 50.0), ("a", "3", "2025-06-01", 144.0)])
    r = m.cagr(s, 2025, years=3)
    assert r.years == 3 and not r.shorter_than_requested
    assert r.cagr == pytest.approx(0.2)  # (144/100)^(1/2) − 1
    short = m.cagr(s.iloc[1:], 2025, years=3)
    assert short.years == 2 and short.shorter_than_requested and short.cagr == pytest.approx(144 / 50 - 1)
    # data starting mid-year: that year is incomplete and does not count
    late = m.cagr(s.iloc[2:], 2025, years=3)
    assert late.years == 0 and math.isnan(late.cagr)


def test_contribution_shares_of_revenue_and_of_growth():
    s = pd.DataFrame({"region": ["A", "B", "C", "A", "B", "C"], "amount": [10.0, 10, 10, 20, 15, 5],
                      "order_date": pd.to_datetime(["2024-02-01"] * 3 + ["2025-02-01"] * 3)})
    c = m.contribution(s, Period.parse("2025Q1"), "region").set_index("region")
    # total change +10: A +10, B +5, C −5
    assert c.loc["A", "growth_share"] == pytest.approx(1.0)
    assert c.loc["B", "growth_share"] == pytest.approx(0.5)
    assert c.loc["C", "growth_share"] == pytest.approx(-0.5)
    assert c.loc["A", "share"] == pytest.approx(0.5) and c.loc["C", "growth"] == pytest.approx(-0.5)


def test_concentration_pareto():
    s = pd.DataFrame({"customer_id": list("abcdef"), "amount": [40.0, 30, 15, 10, 5, -3],
                      "order_date": pd.to_datetime(["2025-01-05"] * 6)})
    c = m.concentration(s, Period.parse("2025Q1"), top_n=2)
    assert c.customers == 5  # f has negative net revenue
    assert c.top_n_share == pytest.approx(0.70)
    assert c.customers_for_80 == 3  # 40 + 30 = 70 % < 80 %, + 15 = 85 %


def test_satisfaction_history_complaints_per_100_and_late_share_with_unanswered_tickets():
    sales = _sales([(c, str(i), "2025-02-01", 10.0) for i, c in enumerate("abcd")])
    complaints = pd.DataFrame({
        "ticket_id": ["t1", "t2", "t3"],
        "opened_at": pd.to_datetime(["2025-01-10 09:00", "2025-02-10 09:00", "2025-03-31 12:00"]),
        "first_response_at": pd.to_datetime(["2025-01-10 10:00", "2025-02-13 09:00", None]),
        "category": ["x", "y", "x"],
    })
    h = m.satisfaction_history(None, complaints, sales, promise_hours=48).set_index("period")
    # t2 took 72 h; t3 is unanswered for 36 h at the end of the quarter: within the promise
    assert h.loc["2025Q1", "complaints"] == 3
    assert h.loc["2025Q1", "response_over_promise_share"] == pytest.approx(1 / 3)
    assert h.loc["2025Q1", "complaints_per_100_customers"] == pytest.approx(75.0)


# ---- the integer-code fast path (customer metrics on millions of lines) ----

def _random_lines(n=4000, seed=7):
    rng = np.random.default_rng(seed)
    orders = rng.integers(0, n // 2, n)
    owner = rng.integers(0, 300, n // 2)  # one customer per order
    return pd.DataFrame({
        "order_id": [f"O{o}" for o in orders],
        "customer_id": [f"C{owner[o]}" for o in orders],
        "region": rng.choice(["East", "West", "North"], n),
        "amount": np.where(rng.random(n) < 0.05, -rng.integers(1, 50, n), rng.integers(1, 500, n)).astype(float),
        "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, n), unit="D"),
    }, index=rng.permutation(n) * 3)


def _retention_by_sets(sales, end, window_months=12):
    """The retention definition written the slow, obvious way (Python sets and groupby)."""
    cur_start = end - pd.DateOffset(months=window_months)
    base_start = cur_start - pd.DateOffset(months=window_months)
    buys = sales.loc[sales["amount"] > 0]
    base = set(buys.loc[(buys["order_date"] >= base_start) & (buys["order_date"] < cur_start), "customer_id"])
    current = buys.loc[(buys["order_date"] >= cur_start) & (buys["order_date"] < end)]
    per = current.groupby("customer_id")["order_id"].nunique()
    return len(base), len(base & set(current["customer_id"])), per.size, int((per >= 2).sum())


def test_customer_metrics_on_codes_match_sets_and_groupby_on_whole_frames_and_subsets():
    from salesnb.goals import Tables

    sales = m.with_id_codes(_random_lines())  # the order lines as a notebook gets them: ids coded on the whole table
    tables = Tables(sales)
    for scope in ({}, {"region": "East"}, {"region": ["West", "North"]}):
        sub = tables.scoped(scope).sales if scope else sales  # a subset keeps the parent's codes
        fresh = sub.drop(columns=list(m.ID_CODE_COLUMNS.values()))  # the same lines, coded on their own
        for label in ("2024Q2", "2025Q4", "2025"):
            p = Period.parse(label)
            r = m.retention(sub, p)
            assert (r.base_customers, r.retained_customers, r.current_customers, r.repeat_customers) == _retention_by_sets(fresh, p.end_exclusive)
            assert str(m.retention(fresh, p).as_dict()) == str(r.as_dict())
            first = fresh.loc[fresh["amount"] > 0].groupby("customer_id")["order_date"].min()
            new_ids = first[(first >= p.start) & (first < p.end_exclusive)].index
            in_p = fresh.loc[p.contains(fresh["order_date"])]
            nc = m.new_customers(sub, p)
            assert nc["new_customers"] == len(new_ids)
            assert nc["new_customer_revenue_share"] == pytest.approx(in_p.loc[in_p["customer_id"].isin(new_ids), "amount"].sum() / in_p["amount"].sum())
            ps = m.period_sales(sub, p)
            bought = in_p.loc[in_p["amount"] > 0]
            assert (ps.orders, ps.active_customers) == (bought["order_id"].nunique(), bought["customer_id"].nunique())
        for label in ("2025Q1", "2024"):
            p = Period.parse(label)
            flagged = fresh.assign(customer_type=m.new_customer_flags(fresh, "quarter" if p.is_quarter else "year"))
            by_hand = (flagged.loc[p.contains(flagged["order_date"])].groupby(["region", "customer_type"])
                       .agg(revenue=("amount", "sum"), orders=("order_id", "nunique"), customers=("customer_id", "nunique")).reset_index())
            pd.testing.assert_frame_equal(m.revenue_split(sub, p, ["region"]), by_hand)
        pd.testing.assert_series_equal(m.first_purchase(sub).sort_index(),
                                       fresh.loc[fresh["amount"] > 0].groupby("customer_id")["order_date"].min().sort_index())


def test_retention_counts_orders_per_customer_when_an_order_has_two_customers():
    sales = pd.DataFrame({"order_id": ["1", "1", "2", "3"], "customer_id": ["a", "b", "a", "b"], "amount": [5.0] * 4,
                          "order_date": pd.to_datetime(["2025-02-01", "2025-02-01", "2025-03-01", "2025-03-01"])})
    r = m.retention(sales, Period.parse("2025"))
    assert (r.current_customers, r.repeat_customers) == (2, 2)  # a: orders 1, 2; b: orders 1, 3


def test_repeat_customers_match_sets_when_some_orders_have_two_customers():
    # orders shared by two customers, some of them only across the window's edge: the count is worked out on
    # the window's lines alone (one customer per order there, or not), and must be the sets' count either way
    sales = _random_lines(seed=11)
    rng = np.random.default_rng(5)
    shared = rng.random(len(sales)) < 0.03
    sales.loc[shared, "customer_id"] = [f"C{k}" for k in rng.integers(0, 300, int(shared.sum()))]
    coded = m.with_id_codes(sales)
    for label in ("2024Q3", "2025Q4", "2025"):
        p = Period.parse(label)
        r = m.retention(coded, p)
        assert (r.base_customers, r.retained_customers, r.current_customers, r.repeat_customers) == _retention_by_sets(sales, p.end_exclusive)
        window = coded.loc[p.contains(coded["order_date"])]
        per = m.orders_per_customer(window)
        by_hand = window.groupby("_customer_code")["order_id"].nunique()
        assert per[by_hand.index.to_numpy(dtype="int64")].tolist() == by_hand.tolist() and per.sum() == by_hand.sum()


def test_codes_are_not_reused_for_another_frame_of_the_same_length():
    a = pd.DataFrame({"customer_id": ["x", "y"], "order_id": ["1", "2"], "amount": [1.0, 1.0],
                      "order_date": pd.to_datetime(["2025-01-01", "2025-01-02"])})
    assert m.new_customers(a, Period.parse("2025Q1"))["new_customers"] == 2
    b = a.assign(customer_id=["x", "x"])  # a new frame: its own codes
    assert m.new_customers(b, Period.parse("2025Q1"))["new_customers"] == 1


def test_bought_between_and_per_line():
    sales = pd.DataFrame({"customer_id": ["a", "b", None, "a"], "amount": [5.0, -1.0, 3.0, 2.0],
                          "order_date": pd.to_datetime(["2024-05-01", "2025-02-01", "2025-02-01", "2025-03-01"])})
    codes, ids = m.customer_codes(sales)
    assert ids.tolist() == ["a", "b"] and codes.tolist() == [0, 1, -1, 0]
    assert m.bought_between(sales, pd.Timestamp("2025-01-01"), None).tolist() == [True, False]  # b only returned goods
    assert m.bought_between(sales, None, pd.Timestamp("2025-01-01")).tolist() == [True, False]
    assert m.per_line(np.array([False, True]), sales).tolist() == [False, True, False, False]  # blank customer: False


def test_period_labels_fast_path_matches_strftime():
    rng = np.random.default_rng(3)
    dates = pd.Series(pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 2500, 500), unit="D"), index=rng.permutation(500))
    dates.iloc[7] = pd.NaT
    for start in (1, 4, 10):
        shifted = dates - pd.DateOffset(months=start - 1)  # the fiscal year starts in month ``start``
        q = period_labels(dates, "quarter", start)
        expect = shifted.dt.year.astype("Int64").astype(str) + "Q" + ((shifted.dt.month - 1) // 3 + 1).astype("Int64").astype(str)
        assert q.dropna().tolist() == expect[dates.notna()].tolist() and q.isna().tolist() == dates.isna().tolist()
        assert period_labels(dates, "year", start).dropna().tolist() == shifted.dt.year.dropna().astype(int).astype(str).tolist()
        assert q.index.equals(dates.index)
    assert period_labels(dates, "month").dropna().tolist() == dates.dt.strftime("%Y-%m").dropna().tolist()
    far = pd.Series(pd.to_datetime(["1900-02-01", "2199-12-31"]))
    assert period_labels(far, "month").tolist() == ["1900-02", "2199-12"]


def test_fast_path_edge_cases_match_the_pandas_definitions():
    # a line with neither a date nor a first purchase is not "new"
    s = pd.DataFrame({"customer_id": ["a", "b"], "amount": [5.0, -1.0], "order_date": pd.to_datetime(["2025-01-05", None])})
    assert m.new_customer_flags(s).tolist() == ["new", "existing"]
    # time-zone-aware dates are read on their wall clock
    tz = s.assign(order_date=pd.to_datetime(["2025-01-05", "2025-02-01"]).tz_localize("Europe/Berlin"))
    assert m.new_customer_flags(tz).tolist() == ["new", "existing"]
    # a blank amount is skipped, as pandas' sum skips it
    x = pd.DataFrame({"customer_id": list("abc"), "order_id": list("123"), "amount": [1.0, np.nan, 2.0],
                      "order_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"])})
    assert m.period_sales(x, Period.parse("2025")).revenue == 3.0
    # codes are worked out again when a column is replaced or the frame is re-sorted in place
    assert m.period_sales(x, Period.parse("2025")).active_customers == 2
    x["customer_id"] = "same"
    assert m.period_sales(x, Period.parse("2025")).active_customers == 1


def test_a_tables_bundle_keeps_its_cuts_within_one_copy_of_its_lines_and_recuts_what_it_dropped_exactly():
    from salesnb.goals import CUT_LINES_KEPT, Tables

    sales = pd.DataFrame({"region": ["A"] * 4 + ["B"] * 3 + ["C"] * 3, "amount": np.arange(10.0),
                          "order_date": pd.to_datetime(["2025-01-01"] * 10), "customer_id": list("abcdefghij")})
    tables = Tables(sales)
    assert CUT_LINES_KEPT == 1.0
    a = tables.scoped({"region": "A"})
    ab = tables.scoped({"region": ["A", "B"]})  # 4 + 7 lines > 10: A, the least recently asked, is dropped
    assert tables.scoped({"region": ["A", "B"]}) is ab
    b = tables.scoped({"region": "B"})  # 7 + 3 = 10 lines: both kept
    assert tables.scoped({"region": "B"}) is b and tables.scoped({"region": ["A", "B"]}) is ab
    again = tables.scoped({"region": "A"})  # 3 + 7 + 4 > 10: B goes, then A+B (7 + 4 > 10), the least recent first
    assert again is not a  # cut again, and the same lines as the first time
    pd.testing.assert_frame_equal(again.sales, a.sales)
    assert again.sales["amount"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert tables.scoped({"region": "A"}) is again and tables.scoped({"region": "B"}) is not b
    missing = tables.scoped({"channel": "online"})  # no such column: no lines, and scoping it again still works
    assert missing.sales is None and missing.scoped({"region": "A"}).sales is None


def test_ids_coded_in_two_threads_equal_ids_coded_one_after_the_other(monkeypatch):
    from salesnb.metrics import codes

    sales = pd.concat([_random_lines(seed=1), _random_lines(seed=2)])  # text columns in two Arrow chunks
    sales.loc[sales.index[::97], "customer_id"] = None
    one_by_one = m.with_id_codes(sales)
    monkeypatch.setattr(codes, "PARALLEL_CODING_LINES", 0)
    both_at_once = m.with_id_codes(sales)
    pd.testing.assert_frame_equal(both_at_once, one_by_one)
    assert one_by_one.columns[-2:].tolist() == ["_customer_code", "_order_code"]
    assert one_by_one["_order_code"].tolist() == pd.factorize(sales["order_id"])[0].tolist()


def test_factorize_values_equals_pd_factorize_for_texts_in_any_chunks_with_blanks():
    """Arrow's dictionary encoding across chunks against pandas' own factorize: codes, their dtype, the distinct
    values and their dtype, for string and large_string chunks, empty chunks, blanks and cuts."""
    import pyarrow as pa

    rng = np.random.default_rng(7)
    for trial in range(120):
        n = int(rng.integers(0, 40))
        values = [None if rng.random() < 0.2 else f"c{int(rng.integers(0, 6))}" for _ in range(n)]
        cuts = sorted(rng.integers(0, n + 1, size=int(rng.integers(0, 4))).tolist())
        parts = [values[a:b] for a, b in zip([0, *cuts], [*cuts, n])]
        kind = pa.large_string() if trial % 2 else pa.string()
        texts = pd.Series(pd.array(pa.chunked_array([pa.array(p, type=kind) for p in parts], type=kind), dtype="str"))
        for series in (texts, texts.iloc[::2], texts.iloc[::-1]):
            codes, uniques = m.factorize_values(series)
            expected_codes, expected_uniques = pd.factorize(series)
            assert codes.dtype == expected_codes.dtype and codes.tolist() == expected_codes.tolist()
            assert uniques.dtype == expected_uniques.dtype and uniques.tolist() == expected_uniques.tolist()
    numbers = pd.Series([3.0, np.nan, 1.0, 3.0])  # not Arrow texts: pandas' own factorize
    assert m.factorize_values(numbers)[0].tolist() == [0, -1, 1, 0]


def test_first_purchases_in_counts_what_first_purchase_lists():
    lines = _random_lines(seed=5)
    lines.loc[lines.index[::23], "customer_id"] = None
    edges = [pd.Timestamp("2023-01-01"), pd.Timestamp("2023-07-01"), pd.Timestamp("2024-01-01"), pd.Timestamp("2026-01-01")]
    coded = m.with_id_codes(lines)
    for frame in (lines, coded, coded.loc[coded["region"] == "East"], coded.iloc[:0]):
        first = m.first_purchase(frame)
        expected = [int(((first >= lo) & (first < hi)).sum()) for lo, hi in zip(edges[:-1], edges[1:])]
        assert m.first_purchases_in(frame, edges) == expected
    assert sum(m.first_purchases_in(lines, edges)) == lines.loc[lines["amount"] > 0, "customer_id"].nunique()
