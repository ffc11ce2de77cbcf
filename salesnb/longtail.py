"""Group the long tail of regions and product lines into one value ("Other" / "其他").

A region or product-line column with thousands of distinct values (every
city, every SKU) makes every plan, chart and target matrix unreadable and the
step-2 budget infeasible. With ``checks.many_values.group`` (default on) the
``keep`` largest values by sales amount over the loaded history are kept and
every other value becomes one label, the same in every table (sales,
customers, surveys, complaints …; never the action register). Both readers use
this module: :func:`salesnb.io.load_workspace` on pandas frames and
:func:`salesnb.prepare.prepare` in DuckDB, from the same per-value totals
(:func:`long_tail`), so cached aggregates and the notebooks' frames agree.

The result of a grouping is a :class:`Grouping` (``Workspace.groups``) and one
``long_tail_grouped`` repair note per column.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable, Mapping

import pandas as pd

from .config import ManyValues, WorkspaceConfig
from .errors import QualityNote
from .i18n import t

__all__ = ["GROUPED_COLUMNS", "Grouping", "long_tail", "pinned_values", "group_tables", "grouping_note", "long_tail_sentences", "describe"]

GROUPED_COLUMNS: tuple[str, ...] = ("region", "product_line")
"""The plan dimensions whose long tail is grouped."""
NOT_GROUPED: tuple[str, ...] = ("actions",)
"""Tables never rewritten: the action register is the analysts' own file, written back by the run."""
LABELS = {"zh": ("其他", "其他（合并）"), "en": ("Other", "Other (grouped)")}
"""The default label and the one used when the data already has a value spelled like it."""


@dataclass(frozen=True)
class Grouping:
    """What the long-tail grouping of one column did.

    Attributes
    ----------
    column : str
        ``region`` or ``product_line``.
    label : str
        The value the grouped values became.
    kept : tuple of str
        Values kept as they are, largest sales amount first.
    grouped : tuple of str
        Values mapped to ``label``, largest first.
    rows : int
        Sales lines whose value changed.
    amount : float
        Their sales amount (the revenue moved into ``label``).
    total : float
        The sales amount of all lines (for the share).
    clash : str or None
        A value of the data spelled like the default label (then ``label`` is the longer one).
    """

    column: str
    label: str
    kept: tuple[str, ...]
    grouped: tuple[str, ...]
    rows: int = 0
    amount: float = 0.0
    total: float = 0.0
    clash: str | None = None

    @property
    def share(self) -> float:
        """The grouped values' share of the sales amount (0 when there is no sales amount)."""
        return self.amount / self.total if self.total else 0.0

    def mapping(self) -> dict[str, str]:
        """Grouped value → label (kept values are absent: they map to themselves)."""
        return {v: self.label for v in self.grouped}

    def apply(self, values: pd.Series) -> pd.Series:
        """``values`` with every grouped value replaced by the label (missing values stay missing)."""
        out = values.where(values.isna() | values.isin(self.kept), self.label)
        return out.astype(values.dtype)


def _is_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in str(text))


def _label(kept: Iterable[str], every: set[str], settings: ManyValues) -> tuple[str, str | None]:
    """The label for the grouped values and the existing value it would have collided with (or None)."""
    kept = list(kept)
    if settings.label:
        plain, longer = settings.label, f"{settings.label} (grouped)"
    else:
        plain, longer = LABELS["zh" if sum(map(_is_cjk, kept)) * 2 > len(kept) else "en"]
    folded = {_fold(v): v for v in every}  # "other", "OTHER " and "Other" would read as one value in a chart
    if _fold(plain) not in folded:
        return plain, None
    label, n = longer, 2
    while _fold(label) in folded:
        label, n = f"{longer} {n}", n + 1
    return label, folded[_fold(plain)]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def pinned_values(config: WorkspaceConfig | None, column: str) -> set[str]:
    """Values of ``column`` named in ``workspace.yaml`` (goal scopes, breakdown overrides and potential
    drivers, budget limits and strategic weights, the action plan's ``serves``): always kept, so that the settings naming them still apply."""
    if config is None:
        return set()
    out: set[str] = set()
    for goal in config.goals:
        out.update(str(v) for k, v in goal.scope.items() if k == column)
    out.update(str(v) for v in config.breakdown.potential.get(column, {}))
    for override in config.breakdown.overrides:
        out.update(str(v) for k, v in override.scope.items() if k == column)
    for limit in config.budget.limits:
        out.update(str(v) for k, v in limit.scope.items() if k == column)
    out.update(str(v) for v in config.budget.strategic_weights.get(column, {}))
    for action in config.action_plan:
        out.update(str(v) for k, v in action.serves.items() if k == column)
    return out


def long_tail(totals: pd.Series, column: str, settings: ManyValues, others: Iterable[str] = (),
              pinned: Iterable[str] = ()) -> Grouping | None:
    """Which values of ``column`` to keep and which to group, from the sales amount per value.

    Parameters
    ----------
    totals : Series
        Sales amount per value (index: the distinct values in sales).
    column : str
        The column's name.
    settings : ManyValues
        ``checks.many_values``.
    others : iterable of str
        Values found only in other tables (no sales: ranked after every value with sales).
    pinned : iterable of str
        Values always kept (named in ``workspace.yaml``); they count towards ``keep``.

    Returns
    -------
    Grouping or None
        None when grouping is off or the column has at most ``keep + 1`` values
        (grouping a single value would only rename it).

    Examples
    --------
    >>> from salesnb.config import ManyValues
    >>> s = pd.Series({"A": 50.0, "B": 30.0, "C": 10.0, "D": 10.0, "E": 5.0})
    >>> g = long_tail(s, "region", ManyValues(keep=2))
    >>> g.kept, g.grouped, g.label
    (('A', 'B'), ('C', 'D', 'E'), 'Other')
    >>> long_tail(s, "region", ManyValues(keep=4)) is None
    True
    """
    totals = totals[totals.index.notna()]
    amount = totals.groupby(totals.index.astype(str), sort=False).sum().round(2)  # cents: both readers rank the same way
    extra = sorted({str(v) for v in others if v is not None and v == v} - set(amount.index))
    every = set(amount.index) | set(extra)
    if not settings.group or len(every) <= settings.keep + 1:
        return None
    ranked = sorted(amount.items(), key=lambda kv: (-float(kv[1]), kv[0])) + [(v, 0.0) for v in extra]
    order = [v for v, _ in ranked]
    pins = [v for v in order if v in set(map(str, pinned))]
    room = max(settings.keep - len(pins), 0)
    kept_set = set(pins) | set([v for v in order if v not in pins][:room])
    kept = tuple(v for v in order if v in kept_set)
    grouped = tuple(v for v in order if v not in kept_set)
    label, clash = _label(kept, every, settings)
    moved = float(amount[~amount.index.isin(kept)].sum())  # kept is short: the fast side of isin
    return Grouping(column, label, kept, grouped, amount=round(moved, 2), total=round(float(amount.sum()), 2), clash=clash)


def group_tables(tables: dict[str, pd.DataFrame], settings: ManyValues, config: WorkspaceConfig | None = None) -> list[Grouping]:
    """Group the long tail of :data:`GROUPED_COLUMNS` in ``tables`` (changed in place, every table but
    the action register), ranking values by their sales amount.

    Returns
    -------
    list of Grouping
        One per column grouped (with the sales lines and amount moved).

    Examples
    --------
    >>> from salesnb.config import ManyValues
    >>> t = {"sales": pd.DataFrame({"region": ["A", "B", "C", "D"], "amount": [5.0, 4.0, 1.0, 2.0]}),
    ...      "customers": pd.DataFrame({"region": ["A", "E"]})}
    >>> [(g.kept, g.grouped, g.rows, g.amount) for g in group_tables(t, ManyValues(keep=2))]
    [(('A', 'B'), ('D', 'C', 'E'), 2, 3.0)]
    >>> t["customers"]["region"].tolist()
    ['A', 'Other']
    """
    sales = tables["sales"]
    out = []
    for column in GROUPED_COLUMNS:
        if column not in sales:
            continue
        others = {v for name, frame in tables.items() if name not in NOT_GROUPED and name != "sales" and column in frame
                  for v in frame[column].dropna().unique()}
        totals = sales.groupby(column, dropna=True, sort=False)["amount"].sum() if "amount" in sales else \
            sales[column].value_counts() * 0.0
        found = long_tail(totals, column, settings, others, pinned_values(config, column))
        if found is None:
            continue
        moved = sales[column].notna() & ~sales[column].isin(found.kept)
        for name, frame in tables.items():
            if name in NOT_GROUPED or column not in frame:
                continue
            frame[column] = found.apply(frame[column])
        out.append(Grouping(found.column, found.label, found.kept, found.grouped, int(moved.sum()), found.amount, found.total, found.clash))
    return out


def grouping_note(g: Grouping, file: str) -> QualityNote:
    """The ``long_tail_grouped`` repair note of a grouping (English detail; :func:`long_tail_sentences` for zh)."""
    clash = (f"; the data already has a {g.column} called {g.clash!r}, so the grouped values are called {g.label!r}"
             if g.clash else "")
    detail = (f"{len(g.grouped):,} {g.column} values with the smallest sales were grouped as {g.label!r} "
              f"({g.share:.1%} of revenue, {g.rows:,} order lines); the {len(g.kept)} largest are kept "
              f"(checks.many_values.keep){clash}")
    return QualityNote("sales", file, "long_tail_grouped", len(g.grouped), detail, "repair",
                       tuple(f"{g.column} = {v}" for v in g.grouped[:3]))


def long_tail_sentences(groups: Iterable[Grouping], lang: str) -> list[str]:
    """One plain sentence per grouped column, in ``lang`` (``rb_long_tail_grouped``).

    Examples
    --------
    >>> g = Grouping("region", "其他", ("华东",), ("A", "B"), rows=3, amount=25.0, total=100.0)
    >>> long_tail_sentences([g], "zh")
    ['销售额最小的 2 个区域已合并为“其他”（占收入 25.0%，3 行订单）；保留销售额最大的 1 个（checks.many_values.keep）。']
    >>> long_tail_sentences([g], "en")[0][:49]
    '2 regions with the smallest sales are grouped as '
    """
    out = []
    for g in groups:
        what = t(f"rb_col_{g.column}", lang)
        text = t("rb_long_tail_grouped", lang, n=f"{len(g.grouped):,}", column=what, label=g.label, share=f"{g.share:.1%}",
                 rows=f"{g.rows:,}", kept=len(g.kept))
        if g.clash:
            text += t("rb_long_tail_clash", lang, column=what, clash=g.clash, label=g.label)
        out.append(text)
    return out


def describe(groups: Iterable[Grouping]) -> list[Mapping[str, object]]:
    """Groupings as plain records (run.json, tests)."""
    return [{"column": g.column, "label": g.label, "kept": len(g.kept), "grouped": len(g.grouped), "rows": g.rows,
             "amount": g.amount, "share": round(g.share, 6)} for g in groups]
