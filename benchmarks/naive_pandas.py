"""The naive way: pandas read + groupby for the same aggregates as the prepare step.

What an analyst writes first: read the whole sales file into a DataFrame
(ids as text), merge the customers' segment and group by. No validation.

Usage: python benchmarks/naive_pandas.py WORKSPACE
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

COLUMNS = {"订单号": "order_id", "下单日期": "order_date", "客户编号": "customer_id", "区域": "region", "产品线": "product_line", "销售额": "amount"}


def main(ws: Path) -> None:
    if (ws / "sales.parquet").exists():
        sales = pd.read_parquet(ws / "sales.parquet", columns=list(COLUMNS))
    else:
        sales = pd.read_csv(ws / "sales.csv", usecols=list(COLUMNS), dtype={"订单号": str, "客户编号": str}, parse_dates=["下单日期"])
    sales = sales.rename(columns=COLUMNS)
    customers = pd.read_parquet(ws / "customers.parquet").rename(columns={"客户编号": "customer_id", "客户细分": "segment"})
    lines = sales.merge(customers[["customer_id", "segment"]], on="customer_id", how="left")
    dates = pd.to_datetime(lines["order_date"])
    lines["month"] = dates.dt.to_period("M").dt.to_timestamp()
    lines["period"] = dates.dt.year.astype(str) + "Q" + dates.dt.quarter.astype(str)
    bought = lines[lines["amount"] > 0]
    out = {}
    for name, keys in {"quarter": ["period"], "quarter_region": ["period", "region"], "quarter_product_line": ["period", "product_line"],
                       "quarter_region_product_line": ["period", "region", "product_line"],
                       "sales_month": ["month", "region", "product_line", "segment"]}.items():
        out[name] = pd.concat([lines.groupby(keys, dropna=False)["amount"].sum().rename("revenue"),
                               bought.groupby(keys, dropna=False)["order_id"].nunique().rename("orders"),
                               bought.groupby(keys, dropna=False)["customer_id"].nunique().rename("customers")], axis=1)
    out["customer_month"] = pd.concat([lines.groupby(["customer_id", "month"])["amount"].agg(["sum", "count"]),
                                       bought.groupby(["customer_id", "month"])["order_id"].nunique()], axis=1)
    print({k: len(v) for k, v in out.items()})


if __name__ == "__main__":
    main(Path(sys.argv[1]))
