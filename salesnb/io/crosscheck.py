"""Checks and repairs across tables, once every table is read.

Rows dated outside the accepted range (set aside), customer ids that lost
their leading zeros (padded back), unknown customers (info, warning or
error), extreme amounts, near-duplicate order lines, too many distinct
regions or product lines, stray late rows, regions taken from the customer.
Assembling the workspace is :mod:`salesnb.io.workspace`.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..config import CONFIG_FILE, Checks
from ..errors import Problem, QualityNote
from ..metrics import factorize_values
from ..periods import latest_complete_period, latest_complete_quarter, period_index, period_index_label
from ..schemas import CONTRACT, REFERENCES
from .model import QUARANTINE_REASON, Source
from .raw import line_examples


# Tables whose customer_id is checked against customers, and those whose blank
# region is taken from the customer.
CUSTOMER_TABLES: tuple[str, ...] = tuple(r.table for r in REFERENCES if (r.column, r.target, r.target_column) == ("customer_id", "customers", "customer_id"))
REGION_FROM_CUSTOMER: tuple[str, ...] = ("surveys", "complaints")


EVENT_DATES: dict[str, str] = {t.name: t.event_date for t in CONTRACT.values() if t.event_date is not None}
"""The date that places a row in time; rows dated outside the accepted range are quarantined."""


def zero_padding_targets(known: pd.Series) -> dict[str, str]:
    """Digits left when leading zeros are stripped → the one known id with leading zeros they belong to.

    Only known ids made of digits and starting with ``0`` take part; a core that
    two known ids share (``021`` and ``0021``) is ambiguous and left out.

    Examples
    --------
    >>> zero_padding_targets(pd.Series(["000021", "000315", "C1", "21000"]))
    {'21': '000021', '315': '000315'}
    """
    ids = known.dropna().astype(str)
    padded = ids[ids.str.fullmatch(r"0\d+")]
    cores = padded.str.lstrip("0")
    keep = (cores != "") & ~cores.duplicated(keep=False)
    return dict(zip(cores[keep].tolist(), padded[keep].tolist()))


def repair_zero_padding(tables: dict[str, pd.DataFrame], sources: dict[str, Source]) -> list[QualityNote]:
    """Customer ids that lost their leading zeros (``21`` for ``000021``, as Excel does) are padded back.

    An id is rewritten only when it is not a known customer id, is made of
    digits, and padding it with zeros gives exactly one known id (see
    :func:`zero_padding_targets`). Each table gets a ``ids_zero_padded``
    repair note with the count and examples.
    """
    targets = zero_padding_targets(tables["customers"]["customer_id"])
    if not targets:
        return []
    known = set(tables["customers"]["customer_id"].dropna().tolist())
    notes = []
    for name in CUSTOMER_TABLES:
        frame = tables.get(name)
        if frame is None or "customer_id" not in frame:
            continue
        ids = frame["customer_id"]
        codes, distinct = factorize_values(ids)
        fixes = {}
        for value in distinct.tolist():
            if value in known or not value.isdigit() or not value.isascii():
                continue
            target = targets.get(value.lstrip("0"))
            if target is not None and len(target) > len(value):
                fixes[value] = target
        if not fixes:
            continue
        hit = ids.isin(list(fixes)).fillna(False).to_numpy(dtype=bool)
        before = ids[hit]
        frame["customer_id"] = ids.mask(hit, before.map(fixes)).astype(ids.dtype)
        n = int(hit.sum())
        notes.append(
            QualityNote(
                name, sources[name].file, "ids_zero_padded", n,
                f"{n} row(s) name a customer_id that lost its leading zeros (as Excel does with numbers: "
                f"{next(iter(fixes))} for {fixes[next(iter(fixes))]}); {len(fixes)} id value(s) were padded back to the id "
                f"in {sources['customers'].file}",
                "repair", tuple(f"line {line}: {v} → {fixes[v]}" for line, v in before.iloc[:5].items()),
            )
        )
    return notes


def check_unknown_customers(tables: dict[str, pd.DataFrame], sources: dict[str, Source], checks: Checks) -> tuple[list[QualityNote], list[Problem]]:
    """Rows naming a customer not in customers: info, warning or error by share (``checks.unknown_customers``).

    In sales, unknown ids that carry more than ``headline_above`` of the amount
    or of the distinct customers are an error whatever their row share: each
    would count as a customer of its own and move the headline numbers.
    """
    known = set(tables["customers"]["customer_id"].dropna().tolist())
    limits = checks.unknown_customers
    notes, problems = [], []
    for name in CUSTOMER_TABLES:
        frame = tables.get(name)
        if frame is None or "customer_id" not in frame:
            continue
        ids = frame["customer_id"]
        with_id = int(ids.notna().sum())
        # each distinct id is looked up once (millions of order lines name far fewer customers)
        codes, distinct = factorize_values(ids)
        missing = np.array([v not in known for v in distinct.tolist()] + [False], dtype=bool)  # code −1 (blank) → the False at the end
        hit = missing[codes]
        unknown = ids[hit]
        if unknown.empty:
            continue
        share = len(unknown) / with_id
        first = unknown[~unknown.duplicated()]
        summary = (
            f"{len(unknown)} of {with_id} row(s) ({share:.1%}) refer to {len(first)} customer_id value(s) "
            f"not found in {sources['customers'].file}"
        )
        rule = None
        if share > limits.error_above:
            rule = f"customer id not found in {sources['customers'].file}: {summary}, above checks.unknown_customers.error_above ({limits.error_above:.1%})"
        elif name == "sales" and "amount" in frame:
            amount = np.abs(frame["amount"].to_numpy(dtype="float64", na_value=np.nan))
            total = float(np.nansum(amount))
            money = float(np.nansum(amount[hit])) / total if total > 0 else 0.0
            people = len(first) / max(len(distinct), 1)
            if max(money, people) > limits.headline_above:
                rule = (
                    f"customer id not found in {sources['customers'].file}: {summary}; they carry {money:.1%} of the sales amount "
                    f"and are {len(first)} of the {len(distinct)} customer ids in {sources[name].file} ({people:.1%}), "
                    f"above checks.unknown_customers.headline_above ({limits.headline_above:.1%}): each would count as a customer "
                    f"of its own and change new customers, active customers and repeat purchase. Add them to "
                    f"{sources['customers'].file} or correct the ids"
                )
        if rule is not None:
            for line, value in first.iloc[:20].items():
                problems.append(Problem(sources[name].file, int(line), "customer_id", value, rule))
            if len(first) > 20:
                problems.append(Problem(sources[name].file, None, "customer_id", None, f"… and {len(first) - 20} more unknown customer ids"))
            continue
        severity = "warning" if share > limits.warn_above else "info"
        notes.append(
            QualityNote(
                name, sources[name].file, "unknown_customer_ids", len(unknown),
                summary + ("" if severity == "warning" else f" (at or below checks.unknown_customers.warn_above, {limits.warn_above:.1%})"),
                severity, tuple(f"{v} (line {line})" for line, v in first.iloc[:5].items()),
            )
        )
    return notes, problems


NEAR_DUPLICATE_KEYS: tuple[str, ...] = ("order_id", "order_date", "customer_id")
"""With ``product`` (or ``product_line`` when there is no product column): lines that should be one."""


MANY_VALUES = 200
"""Distinct regions or product lines above which validation warns: plans, charts and tables list each one."""


def many_values_notes(frame: pd.DataFrame, file: str, columns: tuple[str, ...] = ("region", "product_line"),
                 limit: int = MANY_VALUES, keep: int | None = None) -> list[QualityNote]:
    """A warning for each plan dimension with more than ``limit`` distinct values (a customer or address column
    mapped as the region, say): every step lists each value, or, when the long tail is grouped (``keep``:
    ``checks.many_values.keep`` with ``group: true``), only the ``keep`` largest and "Other".

    Examples
    --------
    >>> f = pd.DataFrame({"region": [f"R{i}" for i in range(250)], "product_line": ["A"] * 250})
    >>> [(n.rule, n.count) for n in many_values_notes(f, "sales.csv")]
    [('many_values', 250)]
    """
    notes = []
    for column in columns:
        if column not in frame:
            continue
        n = int(frame[column].nunique(dropna=True))
        if n > limit:
            top = frame[column].value_counts().index[:3]
            what = (f"the plans, charts and tables show the {keep} largest and group the rest (long_tail_grouped)"
                    if keep is not None and n > keep + 1
                    else "every plan, chart and table lists each one")
            notes.append(QualityNote(
                "sales", file, "many_values", n,
                f"column {column} has {n:,} distinct values (more than {limit}): {what}; "
                f"check that the right column is mapped to {column}, or group the values in the export",
                "warning", tuple(f"{column} = {v}" for v in top)))
    return notes


def _repeated_keys(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """``frame.duplicated(keys, keep=False)`` as a boolean array, worked out on the lines whose order id is not
    unique (the others cannot repeat the keys): at 10M lines, mostly orders of one line, 5.6 s → about 2 s.

    >>> f = pd.DataFrame({"order_id": ["1", "1", "2", None, None], "product": ["a", "a", "a", "b", "b"]})
    >>> _repeated_keys(f, ["order_id", "product"]).tolist()
    [True, True, False, True, True]
    """
    orders, _ = factorize_values(frame["order_id"])
    counts = np.bincount(orders + 1)  # blank order ids (−1) counted at 0: they may repeat each other
    candidates = np.flatnonzero(counts[orders + 1] > 1)
    twice = np.zeros(len(frame), dtype=bool)
    if len(candidates):  # one key column cut to the candidates at a time
        coded = pd.DataFrame({k: (orders[candidates] if k == "order_id" else factorize_values(frame[k].iloc[candidates])[0]) for k in keys})
        twice[candidates] = coded.duplicated(keep=False).to_numpy()
    return twice


def near_duplicate_notes(frame: pd.DataFrame, file: str) -> list[QualityNote]:
    """Order lines with the same order, date, customer and product but a different amount (both kept, reported).

    Examples
    --------
    >>> f = pd.DataFrame({"order_id": ["O1", "O1", "O2"], "order_date": pd.to_datetime(["2025-01-05"] * 3),
    ...                   "customer_id": ["C1"] * 3, "product": ["P"] * 3, "amount": [100.0, 120.0, 5.0]},
    ...                  index=pd.Index([2, 3, 4], name="source_line"))
    >>> near_duplicate_notes(f, "sales.csv")[0].examples
    ('line 3 ~ line 2: order O1, product P, amount 120.00 vs 100.00',)
    """
    product = "product" if "product" in frame and frame["product"].notna().any() else "product_line"
    keys = [k for k in (*NEAR_DUPLICATE_KEYS, product) if k in frame]
    if "amount" not in frame or len(keys) < len(NEAR_DUPLICATE_KEYS) + 1 or len(frame) < 2:
        return []
    sub = frame[keys + ["amount"]]
    twice = _repeated_keys(sub, keys)
    if not twice.any():
        return []
    groups = sub[twice].reset_index()
    line = groups.columns[0]
    amounts = groups.groupby(keys, sort=False, dropna=False)["amount"].transform("nunique")
    groups = groups[amounts.to_numpy() > 1]
    if groups.empty:
        return []
    firsts = groups.groupby(keys, sort=False, dropna=False)[line].transform("first")
    first_amount = groups.groupby(keys, sort=False, dropna=False)["amount"].transform("first")
    later = groups[groups[line] != firsts]
    examples = tuple(
        f"line {r[line]} ~ line {f}: order {r['order_id']}, {product} {r[product]}, amount {r['amount']:,.2f} vs {a:,.2f}"
        for (_, r), f, a in zip(later.iloc[:5].iterrows(), firsts[later.index][:5], first_amount[later.index][:5])
    )
    n = len(later)
    return [
        QualityNote(
            "sales", file, "near_duplicate_lines", n,
            f"{n} order line(s) repeat the order, date, customer and {product} of an earlier line with a different amount; "
            f"both lines are kept and counted (a correction exported beside the original would double the revenue): check them",
            "warning", examples,
        )
    ]


def fill_regions(tables: dict[str, pd.DataFrame], sources: dict[str, Source]) -> list[QualityNote]:
    """Blank regions of surveys and complaints taken from the customer (a repair note); a table without a region column gets one."""
    customers = tables["customers"]
    region_of = customers.dropna(subset=["customer_id"]).drop_duplicates("customer_id").set_index("customer_id")["region"]
    notes = []
    for name in REGION_FROM_CUSTOMER:
        frame = tables.get(name)
        if frame is None:
            continue
        derived = "region" not in frame  # no region column: taken from customers, a join rather than a repair
        if derived:
            frame["region"] = pd.Series(pd.NA, index=frame.index, dtype="str")
        if "customer_id" not in frame:
            continue
        blank = frame["region"].isna()
        filled = frame.loc[blank, "customer_id"].map(region_of).dropna()
        if not filled.empty:
            frame.loc[filled.index, "region"] = filled.astype("str")
        if not filled.empty and not derived:
            notes.append(
                QualityNote(
                    name, sources[name].file, "region_from_customers", len(filled),
                    f"{len(filled)} blank region(s) filled with the customer's region from {sources['customers'].file}",
                    "repair", line_examples(filled.index, filled),
                )
            )
        still = frame["region"].isna()
        if still.any():
            notes.append(
                QualityNote(
                    name, sources[name].file, "region_unknown", int(still.sum()),
                    f"{int(still.sum())} row(s) have no region and no known customer to take it from",
                    "warning", line_examples(frame.index[still]),
                )
            )
    return notes


def quarantine_dates(tables: dict[str, pd.DataFrame], sources: dict[str, Source], aside: dict[str, list[pd.DataFrame]],
                      earliest: date, today: date) -> list[QualityNote]:
    """Set aside rows whose event date is before ``earliest`` or after ``today`` (future dates)."""
    notes = []
    low, high = pd.Timestamp(earliest), pd.Timestamp(today) + pd.Timedelta(days=1)
    for name, column in EVENT_DATES.items():
        frame = tables.get(name)
        if frame is None or column not in frame:
            continue
        when = frame[column]
        early, late = when < low, when >= high
        out = early | late
        if not out.any():
            continue
        reasons = [
            f"{column} {when[line]:%Y-%m-%d} is " + (f"after the day of the run ({today})" if late[line] else f"before checks.earliest_date ({earliest})")
            for line in frame.index[out]
        ]
        rows = frame.loc[out].copy()
        rows.insert(0, QUARANTINE_REASON, reasons)
        aside.setdefault(name, []).append(rows)
        tables[name] = frame.loc[~out]
        n = int(out.sum())
        notes.append(
            QualityNote(
                name, sources[name].file, "dates_out_of_range", n,
                f"{_out_of_range_counts(int(early.sum()), int(late.sum()), earliest, today)} were set aside (quarantine/{name}.csv of the run)",
                "warning", tuple(f"line {line}: {when[line]:%Y-%m-%d}" for line in frame.index[out][:5]),
            )
        )
    return notes


def _out_of_range_counts(early: int, late: int, earliest: date, today: date) -> str:
    """``6,919 row(s) dated before checks.earliest_date 2000-01-01 and 2 row(s) dated after the day of the run (2026-01-15)``."""
    parts = []
    if early:
        parts.append(f"{early:,} row(s) dated before checks.earliest_date {earliest}")
    if late:
        parts.append(f"{late:,} row(s) dated after the day of the run ({today})")
    return " and ".join(parts)


def empty_after_set_aside(name: str, source: Source, aside: list[pd.DataFrame]) -> Problem:
    """The error for a required table left without rows, saying which rows were set aside and why."""
    reasons = pd.concat([a[QUARANTINE_REASON] for a in aside if len(a)], ignore_index=True) if any(len(a) for a in aside) else pd.Series(dtype="str")
    early = int(reasons.str.contains("before checks.earliest_date", regex=False).sum())
    late = int(reasons.str.contains("after the day of the run", regex=False).sum())
    other = len(reasons) - early - late
    why = []
    if early:
        why.append(f"{early:,} row(s) dated before checks.earliest_date (lower it in {CONFIG_FILE}, e.g. checks: {{earliest_date: 1990-01-01}})")
    if late:
        why.append(f"{late:,} row(s) dated after the day of the run")
    if other:
        why.append(f"{other:,} other row(s) (totals, duplicates, footers)")
    return Problem(source.file, None, None, None,
                   f"required table '{name}' has no data rows left after the rows set aside" + (f": {'; '.join(why)}" if why else ""))


def _quarter_numbers(dates: pd.Series, start_month: int) -> tuple[np.ndarray, np.ndarray]:
    """The :func:`~salesnb.periods.period_index` of each date's fiscal quarter, and which lines have a date: equal
    numbers ⇔ equal :func:`~salesnb.periods.period_labels`, without a text per line.

    >>> numbers, dated = _quarter_numbers(pd.Series(pd.to_datetime(["2025-03-31", None, "2025-04-01"])), 1)
    >>> numbers[dated].tolist(), dated.tolist()
    ([8100, 8101], [True, False, True])
    """
    dates = pd.to_datetime(dates)
    if getattr(dates.dt, "tz", None) is not None:  # the wall clock, as period_labels reads it
        dates = dates.dt.tz_localize(None)
    values = dates.to_numpy()
    return period_index(values, "quarter", start_month), ~np.isnat(values)


def extreme_amount_problems(sales: pd.DataFrame, file: str, limits: Any, start_month: int) -> list[Problem]:
    """Order lines far above every other (``checks.extreme_amounts``): an error naming line and value.

    A line is flagged when ``|amount|`` exceeds ``factor`` × the
    ``percentile`` of the absolute line amounts (the lower order statistic, so
    a few typos do not raise it) and ``quarter_share`` × the rest of its
    fiscal quarter's revenue.
    """
    if not limits.factor or "amount" not in sales or len(sales) < limits.min_rows:
        return []
    amount = sales["amount"].to_numpy(dtype="float64", na_value=np.nan)
    size = np.abs(amount)
    known = size[~np.isnan(size)]
    if known.size < limits.min_rows:
        return []
    level = float(np.percentile(known, limits.percentile, method="lower"))
    candidates = np.flatnonzero(size > limits.factor * level) if level > 0 else np.array([], dtype=int)
    if candidates.size == 0:
        return []
    quarters, dated = _quarter_numbers(sales["order_date"], start_month)
    revenue = pd.Series(amount[dated]).groupby(quarters[dated]).sum()
    pct = f"{limits.percentile:g}th percentile"
    problems = []
    for i in candidates:
        value, quarter = float(amount[i]), period_index_label(quarters[i]) if dated[i] else np.nan
        rest = float(revenue.get(quarters[i], 0.0)) - value
        if rest > 0 and abs(value) <= limits.quarter_share * rest:
            continue
        against = f"{abs(value) / rest:,.1f}× the rest of {quarter}'s revenue ({rest:,.2f})" if rest > 0 else f"the rest of {quarter}'s revenue is {rest:,.2f}"
        problems.append(Problem(
            file, int(sales.index[i]), "amount", f"{value:,.2f}",
            f"is {abs(value) / level:,.0f}× the {pct} of the order-line amounts ({level:,.2f}) and {against}: "
            f"probably a typo (extra zeros); correct it, or raise checks.extreme_amounts.factor in {CONFIG_FILE} "
            f"(0 turns the check off) if it is real",
        ))
    return problems


def stray_late_row_notes(sales: pd.DataFrame, file: str, today: date, start_month: int) -> list[QualityNote]:
    """Sales rows in otherwise empty quarters after the data (``2026-09-15`` in data ending 2025-12-31).

    Reported only when they would move the default report period: the period
    is then the latest complete quarter with data
    (:func:`salesnb.periods.latest_complete_period`), and these rows are named.
    """
    dates = sales["order_date"].dropna()
    if dates.empty:
        return []
    choice = latest_complete_period(dates, today, start_month)
    if not choice.ignored or choice.period == latest_complete_quarter(dates.max(), start_month):
        return []
    late = dates[dates > choice.last_date].sort_values(kind="stable")
    return [
        QualityNote(
            "sales", file, "stray_late_rows", len(late),
            f"{len(late)} row(s) dated after {choice.last_date:%Y-%m-%d} lie in quarter(s) that otherwise hold no data; "
            f"the default report period is {choice.period}, the latest complete quarter with data: check these dates",
            "warning", tuple(f"line {line}: {d:%Y-%m-%d}" for line, d in late.iloc[:5].items()),
        )
    ]
