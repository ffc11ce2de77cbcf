"""The matrix's own machinery: the pairwise generator covers every pair, and every shape it lists
builds a workspace that passes validation (what `salesnb validate` checks)."""
from __future__ import annotations

from itertools import combinations

import pandas as pd
import pytest

from .build import build_shape, period_of
from .matrix import MATRIX_FACTORS, SHAPES, factors, moot
from .pairwise import all_pairs, lower_bound, uncovered_pairs

pytestmark = pytest.mark.shapes


def test_every_pair_of_levels_is_in_some_shape():
    # counted independently of the generator: every (factor, level) × (factor, level) pair, row by row
    for (a, la), (b, lb) in combinations(MATRIX_FACTORS.items(), 2):
        for x in la:
            for y in lb:
                if moot({a: x, b: y}) & {a, b}:
                    continue
                assert any(r[a] == x and r[b] == y and not moot(r) & {a, b} for r in SHAPES), (a, x, b, y)
    assert not uncovered_pairs(SHAPES, MATRIX_FACTORS, moot)
    assert lower_bound(MATRIX_FACTORS) <= len(SHAPES) <= lower_bound(MATRIX_FACTORS) + 4


@pytest.mark.parametrize("kind, least", [("full", 28), ("quick", 12)])
def test_both_matrices_cover_every_pair(kind, least):
    from .pairwise import all_pairs

    f = factors(kind)
    rows = all_pairs(f, moot)
    assert not uncovered_pairs(rows, f, moot) and least == lower_bound(f) <= len(rows) <= least + 6  # greedy: 28 and 18


def test_the_generator_is_deterministic_and_small():
    factors = {"a": [1, 2, 3], "b": ["x", "y", "z"], "c": [0, 1], "d": [0, 1], "e": [0, 1]}
    rows = all_pairs(factors)
    assert rows == all_pairs(factors)
    assert 9 <= len(rows) <= 10  # 3 × 3 is the least any covering can have; greedy may need one more
    assert not uncovered_pairs(rows, factors)
    # a moot factor takes its first level and its pairs are not required
    rows = all_pairs(factors, lambda r: {"c"} if r.get("a") == 3 else set())
    assert all(r["c"] == 0 for r in rows if r["a"] == 3)
    assert not uncovered_pairs(rows, factors, lambda r: {"c"} if r.get("a") == 3 else set())


def test_moot_factors_keep_the_default_level():
    for r in SHAPES:
        for f in moot(r):
            assert r[f] == MATRIX_FACTORS[f][0]


@pytest.mark.parametrize("i", range(len(SHAPES)))
def test_every_shape_is_a_valid_workspace(i, tmp_path):
    from salesnb.io import load_workspace

    f = SHAPES[i]
    ws = load_workspace(build_shape(tmp_path, f), today=pd.Timestamp("2026-01-15").date())
    sales = ws.table("sales")
    end = pd.Timestamp(period_of(f)[:4] + "-12-31")
    start = end + pd.Timedelta(days=1) - pd.DateOffset(months=f["history"])
    assert sales["order_date"].max() <= end and sales["order_date"].min() >= start
    assert ws.has("surveys") == (f["surveys"] != "absent")
    assert ws.has("complaints") == (f["complaints"] == "present")
    assert ws.has("interviews") == (f["interviews"] == "present")
    if f["regions"] == "one":
        assert sales["region"].nunique() == 1
    if f["product_lines"] == "one":
        assert sales["product_line"].nunique() == 1
    if f["customers"] == "order_is_customer":
        assert sales.groupby("customer_id")["order_id"].nunique().max() == 1
    if f["cohort"] == "closed":
        first = sales.groupby("customer_id")["order_date"].min()
        assert first.max() < start + pd.DateOffset(months=3)
    if f["goals"] == "absent":
        assert not ws.config.goals
    if f["surveys"] in ("nps", "satisfaction"):
        other = {"nps": "satisfaction", "satisfaction": "nps"}[f["surveys"]]
        assert other not in ws.table("surveys").columns
