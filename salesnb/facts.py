"""One fact, one number: the figures that appear on more than one page, computed once per run.

A *fact* is a figure a reader may meet on several pages (NPS, satisfaction,
top-2 box, per-region NPS, revenue, growth, churn, survey n, budget ratios,
counts of complaints and customers at risk). The step that computes it records
it once with :func:`salesnb.artifacts.record_facts` (``ctx.record_facts`` in a
notebook); it lands in ``artifacts/summary.json`` under ``facts``, beside the
unchanged ``metrics`` block::

    "facts": {
      "nps": {"value": 21.5, "format": "score1", "weighted": false, "window": "2025Q4",
              "n": 335, "counts": "nps_answers", "step": "01_goals",
              "label": {"en": "NPS", "zh": "NPS"}},
      "nps_weighted": {"value": 23.6, "weighted": true, ... "label": {"en": "NPS (weighted)", "zh": "NPS（加权）"}},
      ...
    }

Every page prints a fact with :func:`show` (the value formatted as the page
formats it) next to its :func:`label`, so that a test can find each one on the
rendered pages and compare it with ``summary.json``. The headline is always
the unweighted figure; a weighted figure's label carries "(weighted)" /
"（加权）" (docs/outputs.md, "summary.json facts").
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import pandas as pd

from .i18n import LABELS, LANGS, money, number, pct, t
from .metrics import nps
from .survey import dimension_table, weighted_nps

__all__ = ["FORMATS", "SPECS", "HEADLINE_LABELS", "fact", "label", "show", "headline_facts", "region_nps_facts", "wave_facts",
           "budget_ratios", "budget_facts", "count_fact", "tier_facts", "breakdown_facts", "diagnosis_facts", "register_facts", "facts_of"]

FORMATS: dict[str, str] = {
    "score1": "a score with one decimal (NPS points)",
    "score2": "a 1–5 mean with two decimals",
    "share1": "a share in per cent with one decimal",
    "share0": "a share in per cent without decimals",
    "signed_share1": "a signed change in per cent with one decimal",
    "money": "an amount in the workspace's display unit",
    "count": "a whole number",
}
"""How a fact's value is written on the pages (``format`` in ``summary.json``)."""

SPECS: dict[str, tuple[str, bool | None]] = {
    # key: (format, weighted)  — weighted None: not a survey figure
    "revenue": ("money", None),
    "revenue_yoy": ("signed_share1", None),
    "churn_rate": ("share1", None),
    "complaints": ("count", None),
    "nps": ("score1", False),
    "nps_n": ("count", False),
    "satisfaction_mean": ("score2", False),
    "satisfaction_top2": ("share1", False),
    "satisfaction_n": ("count", False),
    "nps_weighted": ("score1", True),
    "satisfaction_mean_weighted": ("score2", True),
    "satisfaction_top2_weighted": ("share0", True),
    "survey_answers": ("count", False),
    "driver_n": ("count", False),
    "nps_region": ("score1", False),
    "budget_to_target": ("share1", None),
    "budget_to_target_spread": ("share1", None),
    "at_risk_customers": ("count", None),
    "risk_signal_customers": ("count", None),
    "problems": ("count", None),
    "actions_open": ("count", None),
    "actions_overdue": ("count", None),
}
"""Every fact key (per-region NPS is ``nps_region.<region>``) with its format and whether it is weighted."""


def _base(key: str) -> str:
    return key.split(".", 1)[0]


HEADLINE_LABELS: tuple[str, ...] = ("revenue", "revenue_yoy", "churn_rate", "complaints", "nps", "nps_n", "satisfaction_mean",
                                     "satisfaction_top2", "satisfaction_n")
"""Facts whose label is the headline metric's own label (step 1's table, the summary's tiles): one wording."""


def label(key: str, lang: str, **fields: Any) -> str:
    """The fact's label in ``lang``: ``fact_<key>`` of ``locales/facts.yaml`` if there is one (NPS: the short
    label the summary's tile and every sentence use), else the headline metric's label (:data:`HEADLINE_LABELS`);
    a weighted variant is its plain label with "(weighted)"/"（加权）".

    >>> label("nps_weighted", "en"), label("nps_weighted", "zh"), label("nps_region.西南", "en"), label("satisfaction_mean", "zh")
    ('NPS (weighted)', 'NPS（加权）', '西南 NPS', '满意度（1–5 分均值）')
    """
    base = _base(key)
    if base == "nps_region":
        fields.setdefault("region", key.split(".", 1)[1])
    if f"fact_{base}" in LABELS:
        return t(f"fact_{base}", lang, **fields)
    if base in HEADLINE_LABELS:
        return t(base, lang)
    if base.endswith("_weighted"):
        return t("fact_weighted", lang, label=label(base[: -len("_weighted")], lang))
    raise KeyError(f"no label for fact {key!r}")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def show(fact_or_value: Mapping[str, Any] | float | int | None, lang: str, fmt: str | None = None, unit: str = "元") -> str:
    """A fact's value written as the pages write it ("—" when missing).

    ``fact_or_value`` is a recorded fact (a mapping with ``value`` and ``format``)
    or a bare value with ``fmt``.

    >>> show({"value": 21.456, "format": "score1"}, "en"), show(0.0573, "zh", "share1"), show(None, "en", "count")
    ('21.5', '5.7%', '—')
    """
    if isinstance(fact_or_value, Mapping):
        value, fmt = fact_or_value.get("value"), fmt or fact_or_value.get("format")
    else:
        value = fact_or_value
    if _missing(value):
        return "—"
    if fmt == "score1":
        return number(value, lang, 1)
    if fmt == "score2":
        return number(value, lang, 2)
    if fmt == "share1":
        return pct(value, lang, 1)
    if fmt == "share0":
        return pct(value, lang, 0)
    if fmt == "signed_share1":
        return pct(value, lang, 1, signed=True)
    if fmt == "money":
        return money(value, unit, lang)
    if fmt == "count":
        return number(value, lang, 0)
    raise ValueError(f"unknown fact format {fmt!r}")


def fact(key: str, value: float | int | None, *, window: str, n: int | None = None, counts: str | None = None,
         definition: str | None = None) -> dict[str, Any]:
    """One fact as stored in ``summary.json``: value, format, weighted or not, window, n (and what n counts), labels.

    Parameters
    ----------
    key : a key of :data:`SPECS` (``nps_region.<region>`` for a region's NPS).
    value : the number (None/NaN: not computable, stored as null).
    window : the period the figure covers (``2025Q4``, ``2025``, ``12 months to 2025-12-31``).
    n : how many answers/customers it rests on; ``counts`` says what they are (a ``fact_counts_*`` label key suffix).
    definition : a short definition (English; the docs hold the full one).

    >>> f = fact("nps", 21.46, window="2025Q4", n=335, counts="nps_answers")
    >>> f["weighted"], f["label"]["zh"], f["n"], f["counts_label"]["en"]
    (False, 'NPS', 335, 'NPS answers')
    """
    base = _base(key)
    if base not in SPECS:
        raise KeyError(f"unknown fact {key!r}: add it to salesnb.facts.SPECS")
    fmt, weighted = SPECS[base]
    out: dict[str, Any] = {"value": None if _missing(value) else (int(value) if fmt == "count" else float(value)),
                           "format": fmt, "weighted": weighted, "window": str(window),
                           "n": None if n is None else int(n), "counts": counts,
                           "label": {lang: label(key, lang) for lang in LANGS}}
    if counts:
        out["counts_label"] = {lang: t(f"fact_counts_{counts}", lang) for lang in LANGS}
    if definition:
        out["definition"] = definition
    return out


def headline_facts(headline: Mapping[str, Any], window: str) -> dict[str, dict]:
    """Step 1's headline metrics (:func:`salesnb.goals.period_metrics`) as facts: revenue, growth, churn,
    complaints, unweighted NPS and satisfaction with their n.

    >>> sorted(headline_facts({"revenue": 10.0, "nps": 20.0, "nps_n": 40}, "2025Q4"))
    ['nps', 'nps_n', 'revenue']
    """
    out: dict[str, dict] = {}
    h = dict(headline)
    if "revenue" in h:
        out["revenue"] = fact("revenue", h["revenue"], window=window, definition="net order-line amount in the period")
    if "revenue_yoy" in h:
        out["revenue_yoy"] = fact("revenue_yoy", h["revenue_yoy"], window=window, definition="revenue against the same period a year earlier")
    if "churn_rate" in h:
        out["churn_rate"] = fact("churn_rate", h["churn_rate"], window=window, definition="base customers without an order in the retention window")
    if "complaints" in h:
        out["complaints"] = fact("complaints", h["complaints"], window=window, definition="tickets opened in the period")
    n_nps = h.get("nps_n")
    if "nps" in h:
        out["nps"] = fact("nps", h["nps"], window=window, n=n_nps, counts="nps_answers",
                          definition="% promoters (9–10) − % detractors (0–6), every answer dated in the period, unweighted")
        out["nps_n"] = fact("nps_n", n_nps, window=window, counts="nps_answers", definition="answers to the 0–10 recommend question")
    n_sat = h.get("satisfaction_n")
    if "satisfaction_mean" in h:
        out["satisfaction_mean"] = fact("satisfaction_mean", h["satisfaction_mean"], window=window, n=n_sat, counts="satisfaction_answers",
                                        definition="mean overall satisfaction 1–5, unweighted")
    if "satisfaction_top2" in h:
        out["satisfaction_top2"] = fact("satisfaction_top2", h["satisfaction_top2"], window=window, n=n_sat, counts="satisfaction_answers",
                                        definition="share answering 4 or 5, unweighted")
    if n_sat is not None:
        out["satisfaction_n"] = fact("satisfaction_n", n_sat, window=window, counts="satisfaction_answers")
    return out


def region_nps_facts(answers: pd.DataFrame | None, window: str, by: str = "region") -> dict[str, dict]:
    """Unweighted NPS per region of the answers in ``window`` (``nps_region.<region>``), as step 1's table shows it.

    >>> a = pd.DataFrame({"region": ["东", "东", "西"], "nps": [10, 0, 9]})
    >>> {k: v["value"] for k, v in region_nps_facts(a, "2025").items()}
    {'nps_region.东': 0.0, 'nps_region.西': 100.0}
    """
    if answers is None or by not in answers or "nps" not in answers:
        return {}
    out = {}
    for region, group in answers.groupby(by, sort=True, observed=True):
        r = nps(group["nps"])
        out[f"nps_region.{region}"] = fact(f"nps_region.{region}", r.nps, window=window, n=r.n, counts="nps_answers",
                                           definition="unweighted NPS of the region's answers in the window")
    return out


def wave_facts(answers: pd.DataFrame, weights: pd.Series | None, window: str, driver_n: int | None = None) -> dict[str, dict]:
    """Step 3's survey facts: the answers of the wave, the weighted NPS / satisfaction beside the headline
    (post-stratification weights), and the complete answers the driver model rests on.

    >>> a = pd.DataFrame({"nps": [10, 0], "satisfaction": [5, 3]})
    >>> f = wave_facts(a, pd.Series([1.5, 0.5]), "2025Q4")
    >>> f["nps_weighted"]["value"], f["satisfaction_mean_weighted"]["value"], f["survey_answers"]["value"]
    (50.0, 4.5, 2)
    """
    out = {"survey_answers": fact("survey_answers", len(answers), window=window, counts="answers",
                                  definition="survey answers dated in the period")}
    if weights is not None and "nps" in answers:
        r = weighted_nps(answers["nps"], weights)
        out["nps_weighted"] = fact("nps_weighted", r.nps, window=window, n=int(answers["nps"].notna().sum()), counts="nps_answers",
                                   definition="NPS with post-stratification weights (region × respondent type)")
    if weights is not None and "satisfaction" in answers:
        d = dimension_table(answers, ["satisfaction"], weights).iloc[0]
        out["satisfaction_mean_weighted"] = fact("satisfaction_mean_weighted", d["mean"], window=window, n=d["n"], counts="satisfaction_answers",
                                                 definition="mean overall satisfaction 1–5 with post-stratification weights")
        out["satisfaction_top2_weighted"] = fact("satisfaction_top2_weighted", d["top2"], window=window, n=d["n"], counts="satisfaction_answers",
                                                 definition="share answering 4 or 5 with post-stratification weights")
    if driver_n is not None:
        out["driver_n"] = fact("driver_n", driver_n, window=window, counts="complete_answers",
                               definition="answers with every dimension and the outcome (the key-driver model)")
    return out


def budget_ratios(whole: float, spread: float, target: float | None) -> tuple[float, float]:
    """``(whole budget / target, budget spread across the parts / target)`` (NaN without a target).

    >>> [round(r, 4) for r in budget_ratios(16.5, 15.9, 287.93)]
    [0.0573, 0.0552]
    """
    if not target:
        return float("nan"), float("nan")
    return whole / target, spread / target


def budget_facts(whole: float | None, spread: float | None, target: float | None, window: str) -> dict[str, dict]:
    """The budget's two ratios to the target (:func:`budget_ratios`): the whole budget (every line of
    :func:`salesnb.breakdown.budget_lines`), and the part spread across the plan's cells (the sum of
    :func:`salesnb.breakdown.budget_efficiency`'s ``budget``; central lines such as product training left out).

    >>> {k: v["value"] for k, v in budget_facts(100.0, 90.0, 1000.0, "2026").items()}
    {'budget_to_target': 0.1, 'budget_to_target_spread': 0.09}
    """
    if whole is None or not target:
        return {}
    r_whole, r_spread = budget_ratios(float(whole), float("nan") if spread is None else float(spread), target)
    return {"budget_to_target": fact("budget_to_target", r_whole, window=window, definition="whole budget / total target"),
            "budget_to_target_spread": fact("budget_to_target_spread", r_spread, window=window,
                                            definition="budget spread across the plan's parts (central lines left out) / total target")}


def count_fact(key: str, value: int | None, window: str, definition: str | None = None) -> dict[str, dict]:
    """``{key: fact}`` for a count (problems, customers at risk)."""
    return {key: fact(key, value, window=window, definition=definition)}


def tier_facts(tiers: pd.DataFrame, window: str, at_risk_tier: str = "at_risk") -> dict[str, dict]:
    """Customers in the at-risk tier, and customers showing a risk signal (in any tier: a VIP with a signal stays VIP),
    from :func:`salesnb.breakdown.customer_tiers`.

    >>> tiers = pd.DataFrame({"tier": ["vip", "at_risk", "ordinary"], "at_risk": [True, True, False]})
    >>> {k: v["value"] for k, v in tier_facts(tiers, "2025Q4").items()}
    {'at_risk_customers': 1, 'risk_signal_customers': 2}
    """
    if tiers is None or "tier" not in tiers:
        return {}
    out = count_fact("at_risk_customers", int((tiers["tier"] == at_risk_tier).sum()), window, "customers placed in the at-risk tier")
    if "at_risk" in tiers:
        out.update(count_fact("risk_signal_customers", int(tiers["at_risk"].fillna(False).astype(bool).sum()), window,
                              "customers with no order for the recency window or spend halved, in any tier"))
    return out


def breakdown_facts(tiers: pd.DataFrame | None, lines: pd.DataFrame | None, efficiency: pd.DataFrame | None, plan, window: str) -> dict[str, dict]:
    """Step 2's facts: :func:`tier_facts` and, with a plan and budget lines, :func:`budget_facts` over the plan period."""
    out = tier_facts(tiers, window) if tiers is not None else {}
    if plan is not None and lines is not None and len(lines) and efficiency is not None:
        out.update(budget_facts(float(lines["planned"].sum()), float(efficiency["budget"].sum()), plan.total.value, str(plan.periods.plan)))
    return out


def diagnosis_facts(answers: pd.DataFrame | None, weights: pd.Series | None, drivers: pd.DataFrame | None,
                    problems: list | None, window: str) -> dict[str, dict]:
    """Step 3's facts: :func:`wave_facts` (when there are answers), the key-driver model's complete answers and
    the number of problems in the problem register (``problems``: diagnosis.json's ``register`` rows)."""
    out: dict[str, dict] = {}
    if answers is not None:
        driver_n = drivers.attrs.get("n") if drivers is not None and drivers["importance"].notna().any() else None
        out.update(wave_facts(answers, weights, window, driver_n))
    out.update(count_fact("problems", len(problems or []), window, "problems in the problem register (problems.csv: step 1 bottlenecks and step 3 diagnosis)"))
    return out


def register_facts(metrics: Mapping[str, Any], window: str) -> dict[str, dict]:
    """Step 4's action counts as facts, taken from the metrics it recorded (``actions_open``, ``actions_overdue``);
    :func:`salesnb.report.run_period` gathers them once every notebook has run.

    >>> {k: v["value"] for k, v in register_facts({"actions_open": 3, "actions_overdue": 0}, "2025Q4").items()}
    {'actions_open': 3, 'actions_overdue': 0}
    """
    out: dict[str, dict] = {}
    for key, definition in (("actions_open", "register actions planned or in progress"),
                            ("actions_overdue", "open actions due before the period's end")):
        if metrics.get(key) is not None:
            out.update(count_fact(key, metrics[key], window, definition))
    return out


def facts_of(summary: Mapping[str, Any]) -> dict[str, dict]:
    """The ``facts`` block of a ``summary.json`` (empty when absent)."""
    return dict(summary.get("facts") or {})
