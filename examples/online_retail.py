"""Build a salesnb workspace from the UCI "Online Retail" invoice lines.

The data set (CC0, 541,909 lines, 2010-12-01 … 2011-12-09) is not part of the
project; point this script at your copy and it writes a workspace folder::

    .venv/bin/python examples/online_retail.py ../shared/data/online_retail.csv.gz /tmp/online_retail
    .venv/bin/salesnb run /tmp/online_retail --period 2011Q3

What it does, and why (everything it sets aside is counted and printed):

- ``amount`` = Quantity × UnitPrice (the file has no line amount); invoices
  starting with ``C`` are cancellations and keep their negative quantity, so
  they become return lines;
- ``region`` = Country; ``product_line`` = the stock-code family (first two
  digits, e.g. ``22`` or ``85``; non-numeric codes such as POST or M become
  ``other``);
- lines without a CustomerID (about a quarter of them) cannot belong to a
  customer: they are left out and counted;
- customers: one row per CustomerID with its most frequent country.
There are no surveys or complaints: step 1's satisfaction sections say so.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

WORKSPACE_YAML = """# UCI Online Retail (UK online gift retailer), built by examples/online_retail.py
company:
  name: UCI Online Retail (UK)
  currency: GBP
  unit: unit
  display_unit: thousand
calendar:
  fiscal_year_start_month: 1
tables:
  sales: {file: sales.csv}
  customers: {file: customers.csv}
themes:
  - {key: growth, en: Grow the international business, zh: 拓展海外业务}
  - {key: retention, en: Keep existing customers, zh: 提升客户留存}
goals:
  - {id: R1, metric: revenue, target: {growth: 0.15}, deadline: "2012", theme: growth, en: "Revenue +15 % in 2012"}
  - {id: R2, metric: repurchase_rate, target: {value: 0.75}, deadline: "2012Q4", theme: retention, en: "Repurchase rate 75 %"}
  - {id: R3, metric: revenue, scope: {region: Germany}, target: {growth: 0.40}, deadline: "2012", theme: growth, en: "Germany revenue +40 %"}
"""


def build(source: str | Path, out: str | Path) -> dict[str, int]:
    """Write ``sales.csv``, ``customers.csv`` and ``workspace.yaml`` into ``out``; return the counts."""
    raw = pd.read_csv(source, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str}, encoding="utf-8")
    counts = {"lines": len(raw)}
    raw["CustomerID"] = raw["CustomerID"].str.replace(r"\.0$", "", regex=True)
    missing = raw["CustomerID"].isna()
    counts["lines_without_customer"] = int(missing.sum())
    lines = raw.loc[~missing].copy()
    family = lines["StockCode"].str.extract(r"^(\d{2})", expand=False).fillna("other")
    sales = pd.DataFrame({
        "order_id": lines["InvoiceNo"],
        "order_date": pd.to_datetime(lines["InvoiceDate"]).dt.strftime("%Y-%m-%d"),
        "customer_id": lines["CustomerID"],
        "region": lines["Country"],
        "product_line": family,
        "product": lines["StockCode"],
        "quantity": lines["Quantity"],
        "amount": (lines["Quantity"] * lines["UnitPrice"]).round(2),
    })
    zero = sales["amount"] == 0
    counts["zero_amount_lines"] = int(zero.sum())
    sales = sales.loc[~zero]
    counts["return_lines"] = int((sales["amount"] < 0).sum())
    customers = (sales.groupby("customer_id")["region"].agg(lambda s: s.value_counts().index[0]).reset_index())
    out = Path(out)
    out.mkdir(parents=True, exist_ok=False)
    sales.to_csv(out / "sales.csv", index=False)
    customers.to_csv(out / "customers.csv", index=False)
    (out / "workspace.yaml").write_text(WORKSPACE_YAML, encoding="utf-8")
    counts.update(sales_lines=len(sales), customers=len(customers))
    return counts


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for key, value in build(sys.argv[1], sys.argv[2]).items():
        print(f"{key:>24}: {value:,}")
