"""Scaled sample workspaces for the benchmarks: 1M, 10M, 100M order lines.

The bundled sample (:mod:`salesnb.sample`) simulates ~1,400 customers month by
month in pure Python, which does not scale to 100 million order lines. This
generator draws order lines directly, in chunks of one million, with numpy and
writes them with pyarrow, reusing the sample's published distributions:
regions and their starting weights (``_REGION_PARAMS``), segments and their
mix, order rates and lines per order (``_SEG``), the product catalogue with list
prices and typical quantities (``_PRODUCTS``), the product-line mix by segment
and its yearly trend (``_LINE_WEIGHTS``, ``_LINE_TREND``), list-price
increases, segment discounts, seasonality (``_MONTH_FACTOR``), channels by
segment and ~1.1 % return lines (negative quantity and amount). Customers are
scaled with the lines (one customer per 20 lines, the sample's ratio).

What it does not simulate: the story (churn, complaints driving churn), so the
scaled workspaces are for timing and memory, not for the narrative. The small
tables (surveys, complaints, interviews) are copied from ``data/sample`` when
their customer ids exist in the scaled customers (sizes up to 10M).

Usage::

    python benchmarks/gen_scaled.py --lines 10000000 --out /tmp/bench/ws10m [--csv]

Writes ``workspace.yaml``, ``sales.parquet`` (Chinese headers, like the
sample's CSV), ``customers.parquet`` and, with ``--csv``, ``sales.csv``
instead of ``sales.parquet`` as the file the workspace names.
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from salesnb.sample import knobs as S  # the demo company's regions, products, prices and seasonality

SALES_HEADERS = ("订单号", "下单日期", "客户编号", "区域", "产品线", "产品", "数量", "销售额", "渠道", "销售代表")
DAYS = 1096  # 2023-01-01 .. 2025-12-31
CHUNK = 1_000_000
LINES_PER_CUSTOMER = 20


def _day_weights() -> np.ndarray:
    """Weight of each day: month seasonality x ~6 %/year growth, weekends lighter."""
    days = np.arange(DAYS)
    dates = np.datetime64("2023-01-01") + days
    month = dates.astype("datetime64[M]").astype(int) % 12
    year = dates.astype("datetime64[Y]").astype(int) - 53
    weekday = (days + 6) % 7  # 2023-01-01 was a Sunday -> 6
    w = S._MONTH_FACTOR[month] * 1.06 ** year * np.where(weekday >= 5, 0.25, 1.0)
    return w / w.sum()


def _ids(numbers: np.ndarray, width: int, prefix: str = "") -> pa.Array:
    text = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), text, "") if prefix else text


def make_customers(n: int, rng: np.random.Generator) -> dict:
    """Customer attributes: region (starting weights), segment (initial mix), channel, size."""
    region_w = np.array([p["n0"] for p in S._REGION_PARAMS.values()], dtype=float)
    region = rng.choice(len(S.REGIONS), n, p=region_w / region_w.sum())
    segment = rng.choice(3, n, p=S._SEG["mix_initial"])
    channel = (rng.random(n)[:, None] > np.cumsum(S._CHANNEL_BY_SEG[segment], axis=1)).sum(axis=1).clip(0, 2)
    size = rng.lognormal(0.0, 0.35, n)
    rate = S._SEG["order_rate"][segment] * rng.gamma(3.0, 1 / 3.0, n)
    return dict(n=n, region=region, segment=segment, channel=channel, size=size, p=rate / rate.sum())


def _catalogue() -> tuple[list[np.ndarray], ...]:
    prices, typical, pw = [], [], []
    for name in S.PRODUCT_LINES:
        items = S._PRODUCTS[name]
        prices.append(np.array([p[1] for p in items]))
        typical.append(np.array([p[2] for p in items]))
        w = np.array([1.0 / np.sqrt(p[1]) for p in items]) ** 0.35
        pw.append(w / w.sum())
    return prices, typical, pw


def sales_chunk(rng: np.random.Generator, cust: dict, n_lines: int, day_lo: int, day_hi: int, weights: np.ndarray,
                first_order: int, width: int) -> tuple[pa.Table, int]:
    """About ``n_lines`` order lines dated in [day_lo, day_hi); returns the table and the next order number."""
    seg_mean_lines = 1 + float(np.dot(S._SEG["mix_initial"], S._SEG["extra_lines"]))
    n_orders = max(1, int(n_lines / seg_mean_lines))
    oc = rng.choice(cust["n"], n_orders, p=cust["p"])
    w = weights[day_lo:day_hi] / weights[day_lo:day_hi].sum()
    oday = np.sort(rng.choice(np.arange(day_lo, day_hi), n_orders, p=w))
    seg = cust["segment"][oc]
    n_per = 1 + rng.poisson(S._SEG["extra_lines"][seg])
    lo = np.repeat(np.arange(n_orders), n_per)
    lc, lseg, lday = oc[lo], seg[lo], oday[lo]
    years = lday / 365.25
    lw = S._LINE_WEIGHTS[lseg] * S._LINE_TREND[None, :] ** years[:, None]
    lw /= lw.sum(axis=1, keepdims=True)
    line = (rng.random(len(lo))[:, None] > np.cumsum(lw, axis=1)).sum(axis=1).clip(0, 3)
    prices, typical, pw = _catalogue()
    prod = np.zeros(len(lo), dtype=np.int64)
    price = np.zeros(len(lo))
    qty = np.zeros(len(lo), dtype=np.int64)
    for li in range(4):
        sel = np.flatnonzero(line == li)
        pi = rng.choice(len(prices[li]), len(sel), p=pw[li])
        prod[sel] = pi
        lp = prices[li][pi] * (1 + S._LINE_PRICE_TREND[li]) ** np.floor(years[sel])
        disc = S._SEG["discount"][lseg[sel]] + rng.uniform(0, 0.05, len(sel))
        price[sel] = np.round(lp * (1 - disc), 0)
        big = prices[li][pi] >= 30000
        mean_q = np.where(big, typical[li][pi], typical[li][pi] * S._SEG["qty_mult"][lseg[sel]] * cust["size"][lc[sel]])
        qty[sel] = 1 + rng.poisson(np.maximum(mean_q - 1, 0.05))
    ret = rng.random(len(lo)) < 0.011
    qty = np.where(ret, -np.maximum(1, np.floor(qty * rng.uniform(0.2, 1.0, len(lo)))).astype(np.int64), qty)
    amount = qty * price
    names = np.array([p[0] for name in S.PRODUCT_LINES for p in S._PRODUCTS[name]], dtype=object)
    product = names[line * 5 + prod]
    order_no = first_order + lo
    reps = np.array([f"{S.REGIONS[r]}销售{k + 1}" for r in range(len(S.REGIONS)) for k in range(4)], dtype=object)
    region = cust["region"][lc]
    table = pa.table({
        "订单号": _ids(order_no, 10, "SO"),
        "下单日期": pa.array((np.datetime64("2023-01-01") + lday).astype("datetime64[D]")),
        "客户编号": _ids(lc + 1, width),
        "区域": pa.DictionaryArray.from_arrays(pa.array(region.astype(np.int32)), pa.array(S.REGIONS)).cast(pa.string()),
        "产品线": pa.DictionaryArray.from_arrays(pa.array(line.astype(np.int32)), pa.array(S.PRODUCT_LINES)).cast(pa.string()),
        "产品": pa.array(product, pa.string()),
        "数量": pa.array(qty.astype(np.float64)),
        "销售额": pa.array(amount),
        "渠道": pa.DictionaryArray.from_arrays(pa.array(cust["channel"][lc].astype(np.int32)), pa.array(S._SALES_CHANNELS)).cast(pa.string()),
        "销售代表": pa.array(reps[region * 4 + rng.integers(0, 4, len(lo))], pa.string()),
    })
    return table, first_order + n_orders


def generate(lines: int, out: Path, csv: bool = False, seed: int = 2025) -> Path:
    """Write a scaled workspace with about ``lines`` order lines into ``out``."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    n_cust = max(1_500, lines // LINES_PER_CUSTOMER)
    width = max(6, len(str(n_cust)))
    cust = make_customers(n_cust, rng)
    weights = _day_weights()
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    n_chunks = max(1, round(lines / CHUNK))
    bounds = np.searchsorted(cum, np.linspace(0, 1, n_chunks + 1)).clip(0, DAYS)
    bounds[0], bounds[-1] = 0, DAYS
    path = out / "sales.parquet"
    writer = None
    order, written = 1, 0
    for k in range(n_chunks):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        if hi <= lo:
            continue
        target = int(lines * cum[hi] - lines * cum[lo])
        table, order = sales_chunk(rng, cust, target, lo, hi, weights, order, width)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table, row_group_size=CHUNK)
        written += table.num_rows
    writer.close()
    seg_names = np.array(S._SEGMENTS, dtype=object)
    created = np.datetime64("2020-01-01") + rng.integers(0, 1000, n_cust)
    pq.write_table(pa.table({
        "客户编号": _ids(np.arange(1, n_cust + 1), width),
        "区域": pa.array(np.array(S.REGIONS, dtype=object)[cust["region"]], pa.string()),
        "客户细分": pa.array(seg_names[cust["segment"]], pa.string()),
        "建档日期": pa.array(created.astype("datetime64[D]")),
    }), out / "customers.parquet")
    sales_file = "sales.parquet"
    if csv:
        import duckdb

        duckdb.sql(f"COPY (SELECT * FROM read_parquet('{path}')) TO '{out / 'sales.csv'}' (HEADER, DELIMITER ',')")
        path.unlink()
        sales_file = "sales.csv"
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    extra = ""
    if width == 6:  # the sample's customer ids exist in the scaled customers
        for name in ("surveys.csv", "complaints.csv", "interviews.csv"):
            shutil.copy(sample / name, out / name)
        extra = "  surveys: {file: surveys.csv}\n  complaints: {file: complaints.csv}\n  interviews: {file: interviews.csv}\n"
    config = (sample / "workspace.yaml").read_text(encoding="utf-8")
    head, _, rest = config.partition("\ntables:\n")
    tail = rest.split("\n\n", 1)[1] if "\n\n" in rest else ""
    (out / "workspace.yaml").write_text(
        head + f"\ntables:\n  sales: {{file: {sales_file}}}\n  customers: {{file: customers.parquet}}\n{extra}\n" + tail, encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--csv", action="store_true", help="write sales.csv instead of sales.parquet")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    t0 = time.perf_counter()
    generate(args.lines, args.out, args.csv, args.seed)
    print(f"{args.out}: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
