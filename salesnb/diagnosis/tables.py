"""The tables step 3 shows and writes: the display specs — (column, label key, format) — with
:func:`report_table`, which formats them as text in the report language, the helpers that add display
columns (intervals and changes as text, quotes joined, sources named), the ranked problems as a table, and
the columns of ``drivers.csv``.

Not here: the computations behind the tables (:mod:`.drivers`, :mod:`.complaints`,
:mod:`.free_text`, :mod:`.delivery`) and the sentences (:mod:`.narrative`).
"""
from __future__ import annotations

import math

import pandas as pd

from .. import survey
from ..i18n import number, pct, t
from ..scales import outcome_scale
from .delivery import DeliveryEffect
from .labels import source_label

__all__ = [
    "report_table", "PLAN_TABLE", "MARGINS_TABLE", "CSAT_MARGINS_TABLE", "COVERAGE_TABLE", "DIMENSION_TABLE",
    "CHANGE_TABLE", "DRIVER_TABLE", "PARETO_TABLE", "RESPONSE_TABLE", "RATE_TABLE", "TERM_TABLE", "THEME_TABLE",
    "IMPACT_TABLE", "CSAT_IMPACT_TABLE", "DELIVERY_TABLE", "DELIVERY_TABLE_NPS", "SUGGESTION_TABLE", "DRIVER_COLUMNS",
    "margins_spec", "impact_spec", "delivery_spec", "with_intervals", "with_change_text", "with_importance_interval",
    "delivery_table", "with_joined_quotes", "mentioned_themes", "problem_table",
]


# -- formatting

def _fmt(kind: str, value, lang: str) -> str:
    if kind == "text":
        return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    if kind == "int":
        return number(value, lang, 0)
    if kind in ("pct0", "pct1"):
        return pct(value, lang, int(kind[-1]))
    if kind in ("float1", "float2"):
        return number(value, lang, int(kind[-1]))
    if kind in ("signed1", "signed2"):
        return number(value, lang, int(kind[-1]), signed=True)
    if kind == "p":
        return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else ("<0.001" if value < 0.001 else f"{value:.3f}")
    if kind == "yesno":
        return t("dg_yes" if value else "dg_no", lang)
    if kind == "status":
        return t(f"dg_status_{value}", lang) if value in ("customer", "prospect", "lost") else str(value)
    if kind == "minimum":
        return t(f"dg_min_{value or 'none'}", lang)
    if kind == "quadrant":
        return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else t(f"dg_q_{value}", lang)
    if kind == "list":
        return " ｜ ".join(value) if isinstance(value, (list, tuple)) else str(value)
    raise ValueError(f"unknown format {kind!r}")


def report_table(df: pd.DataFrame, spec: list[tuple[str, str, str]], lang: str, labels: dict[str, dict[str, str]] | None = None) -> pd.DataFrame:
    """A display table: the columns of ``spec`` — (column, label key, format) — formatted as text in ``lang``.

    Formats: ``text``, ``int``, ``pct0``, ``pct1``, ``float1``, ``float2``, ``signed1``,
    ``signed2``, ``p``, ``yesno``, ``status``, ``minimum``, ``quadrant``, ``list``;
    ``labels`` maps a column to value → label (e.g. dimension keys to their names).

    Examples
    --------
    >>> report_table(pd.DataFrame({"share": [0.25]}), [("share", "share", "pct0")], "en").to_dict("list")
    {'Share': ['25%']}
    """
    labels = labels or {}
    out = {}
    for col, key, kind in spec:
        m = labels.get(col)
        values = df[col].map(lambda v, m=m: m.get(v, v)) if m is not None else df[col]
        out[t(key, lang)] = [_fmt(kind, v, lang) for v in values]
    return pd.DataFrame(out)


# -- the specs: (column, label key, format)

PLAN_TABLE = [("region", "region", "text"), ("status", "dg_col_stratum_status", "status"), ("population", "dg_col_population", "int"),
              ("sample", "dg_col_sample", "int"), ("minimum_applied", "dg_col_minimum", "minimum")]
MARGINS_TABLE = [("group", "dg_col_group", "text"), ("population", "dg_col_population", "int"), ("sample", "dg_col_sample", "int"),
                 ("moe_nps", "dg_col_moe_nps", "float1"), ("moe_mean", "dg_col_moe_mean", "float2")]
CSAT_MARGINS_TABLE = [("group", "dg_col_group", "text"), ("population", "dg_col_population", "int"), ("sample", "dg_col_sample", "int"),
                      ("moe_mean", "dg_col_moe_mean", "float2")]
COVERAGE_TABLE = [("region", "region", "text"), ("status", "dg_col_stratum_status", "status"), ("population", "dg_col_population", "int"),
                  ("sample", "dg_col_sample", "int"), ("answers", "dg_col_answers", "int"), ("response_rate", "dg_col_response_rate", "pct0")]
DIMENSION_TABLE = [("dimension", "dimension", "text"), ("mean", "dg_col_mean_weighted", "float2"), ("mean_ci", "dg_col_mean_ci", "text"),
                   ("top2", "dg_col_top2_weighted", "pct0"), ("top2_ci", "dg_col_top2_ci", "text"), ("n", "dg_col_answers", "int")]
"""Step 3's dimension table: the scores are weighted (post-stratification), and the headers say so."""
CHANGE_TABLE = [("metric", "dg_col_metric", "text"), ("current_s", "dg_col_current", "text"), ("previous_s", "dg_col_previous", "text"),
                ("change_s", "dg_col_change", "text"), ("test", "dg_col_test", "text"), ("p_value", "dg_col_p", "p"), ("significant", "dg_col_significant", "yesno")]
DRIVER_TABLE = [("dimension", "dimension", "text"), ("importance", "dg_col_importance", "pct0"), ("ci", "dg_col_importance_ci", "text"),
                ("performance", "dg_col_performance", "float2"), ("quadrant", "dg_col_quadrant", "quadrant")]
PARETO_TABLE = [("cause", "dg_col_cause", "text"), ("count", "tickets", "int"), ("share", "share", "pct0"), ("cum_share", "dg_col_cum_share", "pct0"),
                ("vital_few", "dg_col_vital", "yesno")]
RESPONSE_TABLE = [("category", "category", "text"), ("tickets", "tickets", "int"), ("median_hours", "dg_col_median_hours", "float1"), ("over_promise", "dg_col_over", "pct0")]
RATE_TABLE = [("region", "region", "text"), ("tickets", "tickets", "int"), ("active_customers", "active_customers", "int"), ("per_100_customers", "dg_col_rate100", "float1")]
TERM_TABLE = [("term", "dg_col_term", "text"), ("texts", "dg_col_texts", "int"), ("share_of_texts", "dg_col_share_texts", "pct0")]
THEME_TABLE = [("source_label", "dg_col_source", "text"), ("theme", "dg_col_theme", "text"), ("mentions", "dg_col_mentions", "int"), ("share", "share", "pct0"),
               ("quotes", "dg_col_quotes", "list")]
IMPACT_TABLE = [("theme", "dg_col_theme", "text"), ("mentions", "dg_col_mentions", "int"), ("nps_with", "dg_col_nps_with", "float1"),
                ("nps_without", "dg_col_nps_without", "float1"), ("difference", "dg_col_change", "signed1"), ("p_value", "dg_col_p", "p")]
CSAT_IMPACT_TABLE = [("theme", "dg_col_theme", "text"), ("mentions", "dg_col_mentions", "int"), ("score_with", "csat_col_with", "float2"),
                     ("score_without", "csat_col_without", "float2"), ("difference", "dg_col_change", "signed2"), ("p_value", "dg_col_p", "p")]
DELIVERY_TABLE = [("status_label", "dl_col_status", "text"), ("answers", "dg_col_answers", "int"), ("mean", "mean", "float2"),
                  ("mean_ci", "dg_col_mean_ci", "text"), ("top2", "top2", "pct0"), ("bottom", "dl_col_bottom", "pct0")]
DELIVERY_TABLE_NPS = [("status_label", "dl_col_status", "text"), ("answers", "dg_col_answers", "int"), ("mean", "mean", "float2"),
                      ("mean_ci", "dg_col_mean_ci", "text"), ("top2", "promoters", "pct0"), ("bottom", "detractors", "pct0")]
SUGGESTION_TABLE = [("suggestion", "dg_col_suggestion", "text"), ("texts", "dg_col_texts", "int"), ("share", "dg_col_share_texts", "pct0")]

DRIVER_COLUMNS = ["dimension", "importance", "ci_low", "ci_high", "performance", "quadrant", "raw_weight", "n"]
"""The columns of ``drivers.csv``, in order."""


def margins_spec(design: survey.SurveyPlan) -> list[tuple[str, str, str]]:
    """The columns of the margins table: with the NPS margin when the surveys ask it (:data:`MARGINS_TABLE`)."""
    return MARGINS_TABLE if design.nps else CSAT_MARGINS_TABLE


def impact_spec(impact: pd.DataFrame) -> list[tuple[str, str, str]]:
    """The columns of the theme-impact table: NPS with and without the theme, or mean satisfaction (:func:`theme_impact`)."""
    return IMPACT_TABLE if "nps_with" in impact else CSAT_IMPACT_TABLE


def delivery_spec(effect: DeliveryEffect) -> list[tuple[str, str, str]]:
    """The columns of the delivery table: top-2 / bottom-2 shares of satisfaction, or promoters / detractors of NPS."""
    return DELIVERY_TABLE_NPS if effect.score == "nps" else DELIVERY_TABLE


# -- display columns

def with_intervals(dims: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``survey.dimension_table`` output with ``mean_ci`` and ``top2_ci`` as text ("3.97 … 4.15", "71% … 81%")."""
    return dims.assign(mean_ci=[f"{number(a, lang, 2)} … {number(b, lang, 2)}" for a, b in zip(dims["mean_low"], dims["mean_high"])],
                       top2_ci=[f"{pct(a, lang, 0)} … {pct(b, lang, 0)}" for a, b in zip(dims["top2_low"], dims["top2_high"])])


def with_change_text(changes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``survey.period_changes`` output with current / previous / change as text (NPS to 1 decimal, 1–5 scores to 2)."""
    digits = [outcome_scale(m).decimals for m in changes["metric"]]  # dimensions are 1–5 answers too
    return changes.assign(current_s=[number(v, lang, d) for v, d in zip(changes["current"], digits)],
                          previous_s=[number(v, lang, d) for v, d in zip(changes["previous"], digits)],
                          change_s=[number(v, lang, d, signed=True) for v, d in zip(changes["change"], digits)],
                          test=changes["test"].map({"z": "z", "welch": "Welch t"}))


def with_importance_interval(drivers: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``drivers`` with ``ci`` (the bootstrap interval of the importance as text, "12% … 30%"), most important first.

    Examples
    --------
    >>> d = pd.DataFrame({"importance": [0.2, 0.5], "ci_low": [0.1, 0.4], "ci_high": [0.3, 0.6]})
    >>> with_importance_interval(d, "en")["ci"].tolist()
    ['40% … 60%', '10% … 30%']
    """
    ci = [f"{pct(a, lang, 0)} … {pct(b, lang, 0)}" for a, b in zip(drivers["ci_low"], drivers["ci_high"])]
    return drivers.assign(ci=ci).sort_values("importance", ascending=False)


def delivery_table(effect: DeliveryEffect, lang: str) -> pd.DataFrame:
    """:attr:`DeliveryEffect.table` with the status named in ``lang`` and the interval as text (for :data:`DELIVERY_TABLE`)."""
    tb = effect.table
    return tb.assign(status_label=[t(f"dl_status_{s}", lang) for s in tb["status"]],
                     mean_ci=[f"{number(a, lang, 2)} … {number(b, lang, 2)}" for a, b in zip(tb["mean_low"], tb["mean_high"])])


def with_joined_quotes(themes: pd.DataFrame) -> pd.DataFrame:
    """:func:`theme_tables` output with each theme's quotes joined by `` | `` (as written to ``themes.csv``).

    Examples
    --------
    >>> with_joined_quotes(pd.DataFrame({"quotes": [["太慢", "没人管"], []]}))["quotes"].tolist()
    ['太慢 | 没人管', '']
    """
    return themes.assign(quotes=themes["quotes"].map(" | ".join))


def mentioned_themes(themes: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The themes of :func:`theme_tables` output mentioned at least once, with ``source_label`` (the source's name in ``lang``).

    Examples
    --------
    >>> th = pd.DataFrame({"theme": ["a", "b"], "mentions": [2, 0], "source": ["comments", "comments"]})
    >>> mentioned_themes(th, "en")[["theme", "source_label"]].values.tolist()
    [['a', 'survey comments']]
    """
    return themes.loc[themes["mentions"] > 0].assign(source_label=lambda d: d["source"].map(lambda s: source_label(s, lang)))


def problem_table(record: dict, lang: str, money_fmt) -> pd.DataFrame:
    """The ranked problems of a ``diagnosis.json`` record as a display table (``money_fmt`` formats 元)."""
    sep = "；" if lang == "zh" else "; "
    rows = [{
        t("dg_col_rank", lang): r["rank"],
        t("dg_col_problem", lang): r["label"][lang],
        t("dg_col_scope", lang): ("、" if lang == "zh" else ", ").join(r["regions"]) or t("dg_whole_company", lang),
        t("dg_col_driver", lang): pct(r["driver_weight"], lang, 0) if r["driver_weight"] == r["driver_weight"] else "–",
        t("dg_col_gap", lang): number(r["gap"], lang, 2) if r["basis"] in ("survey", "delivery") else "–",
        t("dg_col_revenue", lang): money_fmt(r["revenue_affected"]),
        t("dg_col_evidence", lang): sep.join(e["text"][lang] for e in r["evidence"][:4]),
    } for r in record["problems"]]
    return pd.DataFrame(rows)
