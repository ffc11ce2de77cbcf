"""Step 4's display tables: proposals, open actions by owner, tracking of earlier actions, and goals against
the actual to date, in the report's language.

Not here: the computations behind them or the sentences around them
(:mod:`salesnb.improve.narrative`).
"""
from __future__ import annotations

import pandas as pd

from ..i18n import number
from ..i18n import t as _t
from ..periods import Period
from .labels import format_kpi, kpi_label, problem_label, segment_label
from .register import OPEN_STATUSES, register_text


def proposal_table(proposals: pd.DataFrame, lang: str, dimension_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Proposals as a display table: problem, segment, measure, KPI baseline → target, owner, due, impact, effort, class."""
    p = proposals
    return pd.DataFrame({
        _t("im_col_no", lang): range(1, len(p) + 1),
        **({_t("pr_col_id", lang): p["problem_id"]} if "problem_id" in p and p["problem_id"].notna().all() else {_t("im_col_rank", lang): p["problem_rank"]}),
        _t("im_col_problem", lang): [problem_label(x, lang) for x in p["problem"]],
        _t("im_col_segment", lang): [segment_label(x, lang) for x in p["segment"]],
        _t("im_col_measure", lang): p["measure"],
        _t("im_col_kpi", lang): [f"{kpi_label(k, lang, dimension_labels)}: {format_kpi(k, b, lang)} → {format_kpi(k, tg, lang)}"
                                 if b == b and b is not None else f"{kpi_label(k, lang, dimension_labels)}: {_t('im_no_baseline', lang)}"
                                 for k, b, tg in zip(p["kpi"], p["baseline"], p["target"])],
        _t("im_col_owner", lang): p["owner"],
        _t("im_col_due", lang): pd.to_datetime(p["due"]).dt.date.astype(str),
        _t("im_col_impact", lang): [number(v, lang, 2) for v in p["impact"]],
        _t("im_col_effort", lang): p["effort"],
        _t("im_col_quadrant", lang): [_t(f"im_q_{q}", lang) for q in p["quadrant"]],
    })


def register_table(register: pd.DataFrame, period: Period, lang: str, dimension_labels: dict[str, str] | None = None,
                   labels: pd.DataFrame | None = None) -> pd.DataFrame:
    """Open actions by owner and due date, overdue ones marked; measures and owners in ``lang`` (:func:`register_text`)."""
    shown = register_text(register, lang, labels)
    open_ = shown[shown["status"].isin(OPEN_STATUSES)].sort_values(["owner", "due"])
    overdue = pd.to_datetime(open_["due"]) < period.end_exclusive
    return pd.DataFrame({
        _t("im_col_owner", lang): open_["owner"],
        _t("im_col_due", lang): [f"{pd.Timestamp(d).date()}{' ⚠ ' + _t('im_overdue', lang) if o else ''}" for d, o in zip(open_["due"], overdue)],
        "ID": open_["action_id"],
        _t("im_col_problem", lang): [problem_label(x, lang) for x in open_["problem"]],
        _t("im_col_segment", lang): [segment_label(x, lang) for x in open_["segment"]],
        _t("im_col_measure", lang): open_["measure"],
        _t("im_col_kpi", lang): [kpi_label(k, lang, dimension_labels) for k in open_["kpi"]],
        _t("status", lang): [_t(f"im_status_{s}", lang) for s in open_["status"]],
    })


def tracking_table(tracking: pd.DataFrame, lang: str, dimension_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Earlier actions with their KPI then and now, the test and the verdict."""
    tr = tracking
    return pd.DataFrame({
        "ID": tr["action_id"],
        _t("im_col_problem", lang): [problem_label(x, lang) for x in tr["problem"]],
        _t("im_col_segment", lang): [segment_label(x, lang) for x in tr["segment"]],
        _t("im_col_kpi", lang): [kpi_label(k, lang, dimension_labels) for k in tr["kpi"]],
        _t("im_col_then", lang): [f"{format_kpi(k, b, lang)} ({o})" for k, b, o in zip(tr["kpi"], tr["baseline"], tr["period_opened"])],
        _t("im_col_now", lang): [format_kpi(k, c, lang) for k, c in zip(tr["kpi"], tr["current"])],
        "p": [number(v, lang, 3) if v == v else "—" for v in tr["p_value"]],
        _t("status", lang): [_t(f"im_status_{s}", lang) + (" ⚠" if o else "") for s, o in zip(tr["status"], tr["overdue"])],
        _t("im_col_verdict", lang): [_t(f"im_verdict_{v}", lang) for v in tr["verdict"]],
    })


def attainment_table(attainment: pd.DataFrame, goals_list, lang: str, unit: str = "万元") -> pd.DataFrame:
    """Goals against the actual to date (baseline, target, actual, projection, status) and, when the frame carries
    :func:`salesnb.screen.goal_outlook`'s columns, the outlook (on track / at risk / off track with its value)."""
    labels = {g.id: (g.zh if lang == "zh" else g.en) or g.metric for g in goals_list}
    po, pc = ("（", "）") if lang == "zh" else (" (", ")")
    a = attainment
    out = pd.DataFrame({
        "ID": a["goal_id"],
        _t("im_col_goal", lang): [labels.get(g, g) for g in a["goal_id"]],
        _t("im_col_baseline", lang): [format_kpi(mt, v, lang, unit) for mt, v in zip(a["metric"], a["baseline"])],
        _t("im_col_target", lang): [f"{format_kpi(mt, v, lang, unit)}{po}{d}{pc}" for mt, v, d in zip(a["metric"], a["target"], a["deadline"])],
        # a goal not started yet has no actual and no projection: a dash (the shared "missing" mark), not "n/a"
        _t("im_col_actual", lang): [format_kpi(mt, v, lang, unit) if st != "not_started" else "—" for mt, v, st in zip(a["metric"], a["actual"], a["status"])],
        _t("im_col_projection", lang): [format_kpi(mt, v, lang, unit) if st != "not_started" else "—"
                                        for mt, v, st in zip(a["metric"], a["projection"], a["status"])],
        _t("status", lang): [_t(f"im_goal_{s}", lang) for s in a["status"]],
    })
    if "outlook" in a:
        out[_t("sc_col_outlook", lang)] = [
            f"{_t('sc_outlook_' + o, lang)} · {format_kpi(mt, v, lang, unit)}{po}{_t('sc_src_' + src, lang)}{pc}" if isinstance(o, str) else "—"
            for o, mt, v, src in zip(a["outlook"], a["metric"], a["outlook_value"], a["outlook_source"])]
    return out
