"""One home per KPI: the registry every step, the summary, tracking and the reports ask.

Each :class:`Kpi` is declared once in :data:`KPIS`: which table it is computed from, whether it is an additive
amount per period (a *flow*, judged by relative growth) or a rate/score (judged in points), whether higher or lower is
better, how its value is formatted, whether a goal may name it, whether it appears in step 1's headline table, and
whether its first year of data is left-censored. Its label and definition are i18n keys (``locales/``); the NPS and
satisfaction answer scales are :mod:`salesnb.scales` (re-exported here).

How the pieces use it:

* :mod:`salesnb.goals` — the metrics a goal may name (:func:`goal_metrics`), which are lower-is-better, flows and
  censored, the headline table's rows (:func:`headline_formats`), and :func:`salesnb.goals.metric_value`'s dispatch
  by :attr:`Kpi.source`;
* :mod:`salesnb.improve` — the tracked KPI's label and value (:func:`label`, :func:`format_value`);
* the summary and the facts use the same labels and formats.

Adding a KPI is one entry here (plus its computation in :mod:`salesnb.metrics`, its case in
:func:`salesnb.goals.metric_value` when it needs one, and its label) — see ``docs/architecture.md``.

Examples
--------
>>> KPIS["churn_rate"].better, KPIS["churn_rate"].kind, KPIS["revenue"].kind
('down', 'rate', 'flow')
>>> format_value("nps", 21.456, "en"), format_value("churn_rate", 0.1234, "en")
('21.5', '12.3%')
>>> label("churn_rate", "en"), label("churn_rate", "zh")
('Churn rate', '客户流失率')
>>> [KPIS[s.kpi].scale is s for s in (NPS_SCALE, SATISFACTION_SCALE)]  # each score's headline KPI
[True, True]
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .i18n import LABELS, money, number, pct, t
from .scales import NPS_SCALE, SATISFACTION_SCALE, Scale, outcome_scale

__all__ = ["Kpi", "KPIS", "Scale", "NPS_SCALE", "SATISFACTION_SCALE", "outcome_scale", "goal_metrics",
           "lower_is_better", "flow_metrics", "censored_metrics", "metrics_from", "headline_formats", "label",
           "format_value"]

Source = Literal["sales", "surveys", "complaints", "delivery"]


@dataclass(frozen=True)
class Kpi:
    """What salesnb knows about one KPI.

    Parameters
    ----------
    key : str
        The KPI's name in goals, artifacts and ``workspace.yaml`` (``"churn_rate"``).
    source : {"sales", "surveys", "complaints", "delivery"}
        The table it is computed from (delivery: the order lines' promised and delivered dates).
    kind : {"flow", "rate"}
        ``"flow"``: an additive amount per period (revenue, counts), judged by relative growth;
        ``"rate"``: a share, score or average, judged in points.
    better : {"up", "down"}
        Whether a higher or a lower value is better.
    fmt : str
        How a value is shown in tracking and measures (:func:`format_value`): ``money``, ``int``, ``pct``, ``float1``,
        ``float2``, ``days`` (signed days) or ``hours``.
    goal : bool
        Whether a goal may name it (:func:`goal_metrics`).
    headline : str or None
        Its row format in step 1's headline table (:func:`salesnb.present.metric_table`), or None when it has no row.
    needs_a_year : bool
        Whether its first year of data is left-censored (every customer looks new, or there is no base window).
    scale : Scale or None
        The answer scale of a survey score.
    """

    key: str
    source: Source
    kind: Literal["flow", "rate"]
    better: Literal["up", "down"] = "up"
    fmt: str = "pct"
    goal: bool = True
    headline: str | None = None
    needs_a_year: bool = False
    scale: Scale | None = None

    @property
    def lower_is_better(self) -> bool:
        """Whether a smaller value is better (churn, complaints, late shares, delays)."""
        return self.better == "down"


def _k(*args, **kwargs) -> tuple[str, Kpi]:
    kpi = Kpi(*args, **kwargs)
    return kpi.key, kpi


#: The registry, in the order goals list them and step 1's headline table shows them.
KPIS: dict[str, Kpi] = dict([
    _k("revenue", "sales", "flow", fmt="money", headline="money"),
    _k("revenue_prev_year", "sales", "flow", fmt="money", goal=False, headline="money"),
    _k("revenue_yoy", "sales", "rate", fmt="pct", goal=False, headline="pct_signed"),
    _k("orders", "sales", "flow", fmt="int", headline="int"),
    _k("active_customers", "sales", "flow", fmt="int", headline="int"),
    _k("aov", "sales", "flow", fmt="money"),
    _k("new_customers", "sales", "flow", fmt="int", headline="int", needs_a_year=True),
    _k("new_customer_revenue_share", "sales", "rate", headline="pct", needs_a_year=True),
    _k("repurchase_rate", "sales", "rate", headline="pct", needs_a_year=True),
    _k("churn_rate", "sales", "rate", better="down", headline="pct", needs_a_year=True),
    _k("repeat_purchase_rate", "sales", "rate", headline="pct"),
    _k("nps", "surveys", "rate", fmt="float1", headline="float1", scale=NPS_SCALE),
    _k("nps_n", "surveys", "flow", fmt="int", goal=False, headline="int"),
    _k("satisfaction_mean", "surveys", "rate", fmt="float2", headline="float2", scale=SATISFACTION_SCALE),
    _k("satisfaction_top2", "surveys", "rate", headline="pct", scale=SATISFACTION_SCALE),
    _k("satisfaction_n", "surveys", "flow", fmt="int", goal=False, headline="int"),
    _k("complaints", "complaints", "flow", better="down", fmt="int", headline="int"),
    _k("response_over_promise_share", "complaints", "rate", better="down", headline="pct"),
    _k("median_first_response_hours", "complaints", "rate", better="down", fmt="hours", goal=False),
    _k("on_time_share", "delivery", "rate", headline="pct"),
    _k("mean_delay_days", "delivery", "rate", better="down", fmt="days", headline="float1"),
    _k("mean_days_late", "delivery", "rate", better="down", fmt="float1", goal=False, headline="float1"),
    _k("not_delivered_share", "delivery", "rate", better="down", headline="pct"),
])


def goal_metrics() -> tuple[str, ...]:
    """The KPIs a goal may name, in registry order."""
    return tuple(k for k, v in KPIS.items() if v.goal)


def lower_is_better() -> frozenset[str]:
    """The goal KPIs where a smaller value is better."""
    return frozenset(k for k, v in KPIS.items() if v.goal and v.lower_is_better)


def flow_metrics() -> frozenset[str]:
    """The goal KPIs that are additive amounts per period (judged by relative growth; the rest in points)."""
    return frozenset(k for k, v in KPIS.items() if v.goal and v.kind == "flow")


def censored_metrics() -> frozenset[str]:
    """The goal KPIs whose first year of data is left-censored."""
    return frozenset(k for k, v in KPIS.items() if v.goal and v.needs_a_year)


def metrics_from(source: Source) -> frozenset[str]:
    """The goal KPIs computed from ``source`` (``"sales"``, ``"surveys"``, ``"complaints"`` or ``"delivery"``)."""
    return frozenset(k for k, v in KPIS.items() if v.goal and v.source == source)


def headline_formats() -> dict[str, str]:
    """Step 1's headline table: row → format of :func:`salesnb.present.metric_table`, in order."""
    return {k: v.headline for k, v in KPIS.items() if v.headline}


def label(key: str, lang: str, dimension_labels: dict[str, str] | None = None) -> str:
    """A KPI's name as readers know it (``dim:<dimension>``: a survey dimension, named by ``dimension_labels``)."""
    if key.startswith("dim:"):
        return (dimension_labels or {}).get(key[4:], key[4:])
    name = key if key in LABELS else f"im_kpi_{key}"
    return t(name, lang) if name in LABELS else key


def format_value(key: str, value: float | None, lang: str, unit: str = "万元") -> str:
    """A KPI value in its format: money in ``unit``, shares as %, NPS with one decimal, 1–5 scores with two, counts
    whole, delays in signed days (``dim:`` survey dimensions: 1–5 scores); missing values as the report's "n/a" label."""
    if value is None or value != value:
        return t("not_available", lang)
    fmt = "float2" if key.startswith("dim:") else (KPIS[key].fmt if key in KPIS else "pct")
    if fmt == "money":
        return money(value, unit, lang)
    if fmt == "float1":
        return number(value, lang, 1)
    if fmt == "float2":
        return number(value, lang, 2)
    if fmt == "int":
        return number(value, lang)
    if fmt == "hours":
        return number(value, lang, 1) + " h"
    if fmt == "days":
        return t("dl_days", lang, days=number(value, lang, 1, signed=True))
    return pct(value, lang)
