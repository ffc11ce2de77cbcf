"""``sales.csv`` of the demo company: order lines and returns drawn from the simulated orders.

Here: :func:`_sales_rows` and its parts (the lines of an order, returns, document numbers). Not here: when
customers order (:mod:`salesnb.sample.simulate`) and how the rows are written (:mod:`salesnb.sample.files`).
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from .files import _fmt_amount
from .knobs import (_FIRST_DAY, _LINE_PRICE_TREND, _LINE_TREND, _LINE_WEIGHTS, _PRODUCTS, _SALES_CHANNELS, _SEG, _YEARS,
                    PRODUCT_LINES, REGIONS, _pick)
from .simulate import _sample_days


def _order_lines(rng: np.random.Generator, cust: dict, oc: np.ndarray, seg: np.ndarray, day: np.ndarray,
                 n_lines: np.ndarray) -> tuple[np.ndarray, ...]:
    """The lines of the orders (customers ``oc``, segments ``seg``, days ``day``, ``n_lines`` lines each):
    product line, product, net price and quantity, one line per product and order.

    Returns ``(order, customer, day, product line, product, price, quantity)`` per line."""
    n_orders = len(oc)
    lo = np.repeat(np.arange(n_orders), n_lines)
    lc, lseg, lday = oc[lo], seg[lo], day[lo]
    years = lday / 365.25
    w = _LINE_WEIGHTS[lseg] * _LINE_TREND[None, :] ** years[:, None]
    w /= w.sum(axis=1, keepdims=True)
    line = (rng.random(len(lo))[:, None] > np.cumsum(w, axis=1)).sum(axis=1).clip(0, 3)
    prod = np.zeros(len(lo), dtype=int)
    price = np.zeros(len(lo))
    qty = np.zeros(len(lo), dtype=int)
    for li, name in enumerate(PRODUCT_LINES):
        sel = np.flatnonzero(line == li)
        items = _PRODUCTS[name]
        pw = np.array([1.0 / np.sqrt(p[1]) for p in items]) ** 0.35
        pi = _pick(rng, items, len(sel), pw)
        prod[sel] = pi
        lp = np.array([items[k][1] for k in pi]) * (1 + _LINE_PRICE_TREND[li]) ** np.floor(years[sel])
        disc = _SEG["discount"][lseg[sel]] + rng.uniform(0, 0.05, len(sel))
        price[sel] = np.round(lp * (1 - disc), 0)
        typical = np.array([items[k][2] for k in pi])
        big = np.array([items[k][1] for k in pi]) >= 30000  # capital equipment: one or two per line
        mean_q = np.where(big, typical, typical * _SEG["qty_mult"][lseg[sel]] * cust["size"][lc[sel]])
        qty[sel] = 1 + rng.poisson(np.maximum(mean_q - 1, 0.05))
    # one line per product and order: a product drawn twice adds to the first line's quantity
    key = lo.astype(np.int64) * 64 + line * 8 + prod
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    merged_qty = np.zeros(len(first), dtype=int)
    np.add.at(merged_qty, inverse, qty)
    keep = np.sort(first)
    qty[first] = merged_qty
    return lo[keep], lc[keep], lday[keep], line[keep], prod[keep], price[keep], qty[keep]


def _returns(rng: np.random.Generator, lday: np.ndarray, qty: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """About 1 % of lines come back 1–8 weeks later (by the end of 2025), partly or wholly:
    the returned lines, their days and quantities."""
    ret = np.flatnonzero(rng.random(len(lday)) < 0.011)
    ret_day = lday[ret] + rng.integers(7, 57, len(ret))
    keep = ret_day <= (date(2025, 12, 31) - _FIRST_DAY).days
    ret, ret_day = ret[keep], ret_day[keep]
    ret_qty = np.maximum(1, np.floor(qty[ret] * rng.uniform(0.2, 1.0, len(ret)))).astype(int)
    return ret, ret_day, ret_qty


def _document_ids(doc_day: np.ndarray, doc_cust: np.ndarray) -> list[str]:
    """Document numbers of orders and returns (days ``doc_day``, customers ``doc_cust``), numbered per year in date order."""
    doc_key = np.lexsort((np.arange(len(doc_day)), doc_cust, doc_day))
    doc_no = np.empty(len(doc_day), dtype=int)
    doc_year = np.array([(_FIRST_DAY + timedelta(int(d))).year for d in doc_day])
    counters = {y: 0 for y in _YEARS}
    for k in doc_key:
        counters[doc_year[k]] += 1
        doc_no[k] = counters[doc_year[k]]
    return [f"SO{doc_year[k]}{doc_no[k]:06d}" for k in range(len(doc_day))]


def _sales_rows(rng: np.random.Generator, cust: dict, det: dict, sim: dict, order_w: np.ndarray) -> tuple[list, dict]:
    starts = sim["month_starts"]
    oc, om = sim["o_cust"], sim["o_month"]
    day = _sample_days(rng, om, order_w, starts)
    created_day = np.array([(d - _FIRST_DAY).days for d in cust["created"]])
    early = day < created_day[oc]
    day[early] = np.minimum(created_day[oc][early] + rng.integers(0, 6, early.sum()), starts[om[early] + 1] - 1)
    n_orders = len(oc)
    seg = cust["segment"][oc]
    n_lines = 1 + rng.poisson(_SEG["extra_lines"][seg])
    # order-level attributes
    chan = np.where(rng.random(n_orders) < 0.9, cust["channel"][oc], rng.integers(0, 3, n_orders))
    rep_idx = np.where(rng.random(n_orders) < 0.97, det["rep_idx"][oc], rng.integers(0, 4, n_orders))
    # line level
    lo, lc, lday, line, prod, price, qty = _order_lines(rng, cust, oc, seg, day, n_lines)
    amount = qty * price
    ret, ret_day, ret_qty = _returns(rng, lday, qty)
    # documents: orders and returns, numbered per year in date order
    doc_id = _document_ids(np.concatenate([day, ret_day]), np.concatenate([oc, lc[ret]]))
    # rows: order lines then return lines, sorted by document
    rows = []
    regions = cust["region"]
    for k in range(len(lo)):
        o = lo[k]
        c = lc[k]
        rows.append((
            doc_id[o], day[o], cust["id"][c], REGIONS[regions[c]], PRODUCT_LINES[line[k]],
            _PRODUCTS[PRODUCT_LINES[line[k]]][prod[k]][0], str(qty[k]), _fmt_amount(amount[k]),
            _SALES_CHANNELS[chan[o]], det["reps"][REGIONS[regions[c]]][rep_idx[o]],
        ))
    for j, k in enumerate(ret):
        o = lo[k]
        c = lc[k]
        rows.append((
            doc_id[n_orders + j], ret_day[j], cust["id"][c], REGIONS[regions[c]], PRODUCT_LINES[line[k]],
            _PRODUCTS[PRODUCT_LINES[line[k]]][prod[k]][0], str(-ret_qty[j]), _fmt_amount(-ret_qty[j] * price[k]),
            _SALES_CHANNELS[chan[o]], det["reps"][REGIONS[regions[c]]][rep_idx[o]],
        ))
    rows.sort(key=lambda r: (r[1], r[0]))
    out = [(r[0], (_FIRST_DAY + timedelta(int(r[1]))).isoformat(), *r[2:]) for r in rows]
    return out, dict(n_lines=len(out), n_returns=len(ret))
