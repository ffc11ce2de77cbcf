"""Step 2's plan for 2020 on the Superstore workspace, with independent margin checks (what examples/README.md reports).

The workspace is built from Tableau's "Sample - Superstore" (9,994 lines,
2016-01-03 … 2019-12-30) by the import mapping in ``examples/superstore/``::

    .venv/bin/salesnb import ../shared/data/superstore.csv --mapping examples/superstore/import.yaml --out /tmp/superstore
    .venv/bin/python examples/superstore.py /tmp/superstore 2019Q4

``2019Q4`` closes the fiscal year, so step 2 plans 2020 by month. The script
builds that plan with the library (as notebook 02 does), prints the target
matrices, the margins, the growth flags and the tiers, and recomputes every
margin from the cells with pandas (all differences must be 0 USD).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd


# --------------------------------------------------------------------------- the plan, for the README


def plan(workspace: str | Path, period: str) -> dict:
    """Step 2 on the workspace for ``period`` (library calls, as notebook 02 makes them).

    Returns the plan, the tiers, and the margins recomputed independently from
    the targets with pandas (``check``: every margin's sum minus the total, in
    dollars; all must be 0).
    """
    import salesnb
    from salesnb import breakdown as bd
    from salesnb.periods import Period

    ws = salesnb.load_workspace(workspace)
    cfg = ws.config
    p = Period.parse(period, cfg.calendar.fiscal_year_start_month)
    sales, customers = ws.tables["sales"], ws.tables["customers"]
    inputs = bd.plan_inputs(sales, customers, p, cfg)
    result = bd.build_plan(inputs)
    cells = result.cells
    total = result.total.value
    phased = result.phased
    dims = list(result.dims)
    check = {"cells_minus_total": float(cells["target"].sum() - total),
             "months_minus_total": float(phased["target"].sum() - total),
             "whole_dollars": bool((cells["target"] % 1 == 0).all() and (phased["target"] % 1 == 0).all()),
             "negative_targets": int((cells["target"] < 0).sum()), "zero_cells": int((cells["target"] == 0).sum())}
    for dim in dims:
        mine = cells.groupby(dim)["target"].sum()
        lib = result.margin(dim)["target"]
        check[f"{dim}: margin_sum_minus_total"] = float(mine.sum() - total)
        check[f"{dim}: library_margin_vs_pandas"] = float((lib.reindex(mine.index) - mine).abs().max())
        check[f"{dim}: months_vs_cells"] = float((phased.groupby(dim)["target"].sum().reindex(mine.index) - mine).abs().max())
    m = result.matrix()
    check["matrix_rows_vs_region_margin"] = float((m["total"].drop("total") - cells.groupby(dims[0])["target"].sum()).abs().max())
    check["matrix_corner_minus_total"] = float(m.loc["total", "total"] - total)
    per_cell = phased.groupby(dims)["target"].sum()
    check["cell_months_max_diff"] = float((per_cell - cells.set_index(dims)["target"]).abs().max())
    if result.split is not None:
        ct = cells.groupby("customer_type")["target"].sum()
        check["existing_minus_split"] = float(ct.get("existing", 0.0) - result.split.existing)
        check["new_minus_split"] = float(ct.get("new", 0.0) - result.split.new)
    tiers = bd.customer_tiers(sales, p, cfg.tiers, customers)
    return {"workspace": ws, "inputs": inputs, "plan": result, "check": check, "tiers": tiers,
            "tier_summary": bd.tier_summary(tiers, cfg.tiers, "en")}


def _print_plan(res: dict) -> None:
    plan_ = res["plan"]
    t = plan_.total
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    print(f"\nplan {plan_.periods.plan}: total {t.value:,.0f} USD, source {t.source} ({t.goal_id}), "
          f"base {plan_.periods.base.label} {t.base:,.2f}, growth {t.growth:+.2%}")
    if plan_.split is not None:
        s = plan_.split
        print(f"split ({s.source}): existing {s.existing:,.0f}, new {s.new:,.0f} ({s.new_share:.2%}); "
              f"base customers {s.base_customers}, rate {s.repurchase_rate:.3f} (history {s.repurchase_rate_history:.3f}), "
              f"spend/customer {s.spend_per_customer:,.2f} × trend {s.spend_trend:.3f}, capped {s.capped}")
    cells = plan_.cells
    for rows, cols in (("region", "product_line"), ("region", "segment"), ("product_line", "segment")):
        print(f"\n{rows} × {cols}")
        print(plan_.matrix(rows, cols).round(0).astype("int64").to_string())
    for dim in plan_.dims:
        m = plan_.margin(dim)
        print(f"\nmargin by {dim}")
        print(m.round({"base": 2, "growth": 4, "share": 4}).to_string())
    print("\nindependent checks with pandas (differences in USD; all must be 0):")
    for k, v in res["check"].items():
        print(f"  {k:>40}: {v}")
    print("\nlibrary margin checks:")
    print(plan_.margin_checks.to_string())
    print("\ngrowth flags:")
    print(plan_.flagged().to_string())
    print(f"\ncells {len(cells)}; target range {cells['target'].min():,.0f} … {cells['target'].max():,.0f}")
    print("\ntiers:")
    print(res["tier_summary"].to_string())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", help="the imported Superstore workspace")
    parser.add_argument("period", nargs="?", default="2019Q4", help="report period (default 2019Q4: plans 2020)")
    args = parser.parse_args()
    _print_plan(plan(args.workspace, args.period))
