"""The leadership one-pager: ``report/index.html`` of a run.

Built from the run's own artifacts (``summary.json``, ``goals.csv``,
``goal_attainment.csv``, ``diagnosis.json``, ``actions.xlsx``,
``tracking.csv``), never from raw data, so it holds no personal data. Every
value is escaped; the page prints on one A4 sheet.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from .i18n import money, number, pct, t
from .present import absence_sentences

__all__ = ["executive_summary", "absent_from", "PRINT_CSS", "MAX_GOALS"]

#: Goals listed on the one-pager (those needing attention first); the rest are counted.
MAX_GOALS = 4

PRINT_CSS = """
@page { size: A4; margin: 14mm 14mm 12mm 14mm; }
body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif;
       max-width: 182mm; margin: 18px auto; padding: 0 10px; color: #1f2328; font-size: 12.5px; line-height: 1.45; }
h1 { font-size: 19px; margin: 0 0 2px; } h2 { font-size: 14px; margin: 14px 0 5px; border-bottom: 1px solid #d0d7de; padding-bottom: 2px; }
.sub { color: #555; margin: 0 0 8px; }
.tiles { display: grid; grid-template-columns: repeat(5, 1fr); gap: 6px; }
.tile { border: 1px solid #d0d7de; border-radius: 5px; padding: 6px 7px; }
.tile .k { color: #555; font-size: 11px; } .tile .v { font-size: 17px; font-weight: 600; } .tile .d { font-size: 11px; color: #555; }
.good { color: #1a7f37; } .bad { color: #cf222e; } .warn { color: #9a4b00; }
table { border-collapse: collapse; width: 100%; } td, th { padding: 2px 6px; border-bottom: 1px solid #eaeef2; text-align: left; vertical-align: top; font-size: 11.5px; }
th { background: #f6f8fa; font-weight: 600; }
ol.problems { margin: 2px 0 0 18px; padding: 0; } ol.problems li { margin-bottom: 3px; }
.note { color: #666; font-size: 11px; } nav a { margin-right: 10px; }
ol.links { columns: 2; margin: 4px 0 0 18px; padding: 0; }
@media print { body { font-size: 10.5px; line-height: 1.3; margin: 0; max-width: none; } h2 { margin: 7px 0 3px; } p { margin: 3px 0; }
               td, th { font-size: 9.5px; padding: 1px 5px; }
               .tile .v { font-size: 15px; } nav { display: none; } a { color: inherit; text-decoration: none; } }
"""


def _read_csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"action_id": str, "goal_id": str}) if path.is_file() else None


def _tile(label: str, value: str, detail: str = "", cls: str = "") -> str:
    e = html.escape
    return f'<div class="tile"><div class="k">{e(label)}</div><div class="v {cls}">{e(value)}</div><div class="d">{e(detail)}</div></div>'


def absent_from(metrics: dict) -> list[str]:
    """The tables ``summary.json``'s metrics show to be absent: ``null`` means "table absent / not computable",
    0 means "counted, none" (docs/outputs.md). Used when ``diagnosis.json`` (which lists them) is missing.

    Examples
    --------
    >>> absent_from({"nps_n": None, "complaints": None}), absent_from({"nps_n": 0, "complaints": 0})
    (['surveys', 'complaints'], [])
    """
    out = []
    if metrics.get("nps_n") is None and metrics.get("satisfaction_n") is None:
        out.append("surveys")
    if metrics.get("complaints") is None:
        out.append("complaints")
    return out


def _target_of(goals: pd.DataFrame | None, metric: str, lang: str, fmt) -> str:
    if goals is None:
        return ""
    g = goals[(goals["metric"] == metric) & (goals["scope"] == "company")]
    if g.empty:
        return ""
    row = g.iloc[0]
    if pd.isna(row["target"]):  # a growth goal without a base to grow from: step 1 says why; no "target n/a" tile
        return ""
    return t("sm_target", lang, target=fmt(row["target"]), deadline=row["deadline"])


def executive_summary(folder: Path, company: str, period, lang: str, unit: str) -> str:
    """The HTML body of the one-pager (without ``<html>``/``<head>``), every value escaped (data values named in
    ``lang`` when ``workspace.yaml`` has ``labels:``, see :func:`salesnb.i18n.use_value_labels`)."""
    from .i18n import show_values

    def e(text) -> str:
        return html.escape(show_values(text))
    art = Path(folder) / "artifacts"
    summary = json.loads((art / "summary.json").read_text(encoding="utf-8")).get("metrics", {}) if (art / "summary.json").is_file() else {}
    goals = _read_csv(art / "goals.csv")
    attainment = _read_csv(art / "goal_attainment.csv")
    tracking = _read_csv(art / "tracking.csv")
    diagnosis = json.loads((art / "diagnosis.json").read_text(encoding="utf-8")) if (art / "diagnosis.json").is_file() else None
    from .improve import read_register

    register = read_register(art / "actions.xlsx", lang) if (art / "actions.xlsx").is_file() else None  # keys shown in lang
    g = summary.get

    def sign_cls(v, good_when_up=True):
        if v is None:
            return ""
        return "good" if (v > 0) == good_when_up else "bad"

    # tiles only for what was computed: a survey tile needs answers, a growth tile the year-ago period; the rest is said once below
    missing = list((diagnosis or {}).get("missing_tables") or absent_from(summary))
    surveyed = bool(g("nps_n") or g("satisfaction_n"))
    nps_asked = "nps_n" in summary or "satisfaction_n" not in summary
    tiles, not_shown = [], []

    def add(value, label: str, text: str, detail: str = "", cls: str = "") -> None:
        if value is None or value != value:
            not_shown.append(label)
        else:
            tiles.append(_tile(label, text, detail, cls))

    add(g("revenue"), t("revenue", lang), money(g("revenue"), unit, lang), _target_of(goals, "revenue", lang, lambda v: money(v, unit, lang)))
    add(g("revenue_yoy"), t("sm_growth", lang), pct(g("revenue_yoy"), lang, signed=True), t("sm_vs_last_year", lang), sign_cls(g("revenue_yoy")))
    if surveyed and nps_asked:
        add(g("nps"), "NPS", number(g("nps"), lang, 1),
            t("sm_nps_ci", lang, low=number(g("nps_ci_low"), lang, 1), high=number(g("nps_ci_high"), lang, 1), n=number(g("nps_n"), lang))
            + " " + _target_of(goals, "nps", lang, lambda v: number(v, lang, 0)))
    elif surveyed:  # surveys without the recommend question: the top-2-box takes the NPS tile
        from .survey import wilson_interval

        top2, n = g("satisfaction_top2"), g("satisfaction_n") or 0
        low, high = wilson_interval(top2, n) if top2 is not None else (None, None)
        add(top2, t("satisfaction_top2", lang), pct(top2, lang),
            t("sm_nps_ci", lang, low=pct(low, lang), high=pct(high, lang), n=number(n, lang))
            + " " + _target_of(goals, "satisfaction_top2", lang, lambda v: pct(v, lang)))
    if surveyed:
        add(g("satisfaction_mean"), t("satisfaction_mean", lang), number(g("satisfaction_mean"), lang, 2),
            t("sm_top2", lang, top2=pct(g("satisfaction_top2"), lang)) + " " + _target_of(goals, "satisfaction_mean", lang, lambda v: number(v, lang, 2)))
    churn = g("churn_rate")
    add(g("repurchase_rate"), t("repurchase_rate", lang), pct(g("repurchase_rate"), lang),
        (t("sm_churn", lang, churn=pct(churn, lang)) if churn is not None and churn == churn else "") + " "
        + _target_of(goals, "repurchase_rate", lang, lambda v: pct(v, lang)))
    notes = absence_sentences(missing, "summary", lang)
    if not surveyed and "surveys" not in missing:
        notes.append(t("sm_no_survey_data", lang) + ("。" if lang == "zh" else "."))
    if surveyed and not nps_asked:  # the one sentence on the missing recommend question (abs_summary has none for "nps")
        notes.append(t("csat_no_nps", lang))
    if g("complaints") is None or g("complaints") != g("complaints"):
        if "complaints" not in missing:
            notes.append(t("sm_no_complaint_data", lang) + ("。" if lang == "zh" else "."))
        service = ""
    elif not g("complaints"):
        service = t("sm_service_none", lang)
    elif g("response_over_promise_share") is None:  # tickets, but first responses are not recorded
        service = t("sm_service_no_times", lang, complaints=number(g("complaints"), lang))
    else:
        service = t("sm_service", lang, complaints=number(g("complaints"), lang), late=pct(g("response_over_promise_share"), lang))
    if "on_time_share" in summary:
        service += (" " if service else "") + t("sm_delivery", lang, share=pct(g("on_time_share"), lang), due=number(g("orders_due"), lang),
                                                late=number(g("mean_days_late"), lang, 1), undelivered=pct(g("not_delivered_share"), lang))
    if not_shown:
        notes.append(t("sm_not_shown", lang, items=("、" if lang == "zh" else ", ").join(not_shown)))
    notes = [f'<p class="note">{e(x)}</p>' for x in ([service] if service else []) + notes]
    parts = [f'<h2>{e(t("headline", lang))}</h2><div class="tiles">{"".join(tiles)}</div>', *notes]

    # goals: the ones that need attention first (off track, missed, not sound), at most six
    if attainment is not None and len(attainment):
        counts = attainment["status"].value_counts()
        verdicts = goals.set_index("goal_id")["verdict"] if goals is not None else pd.Series(dtype=str)
        concern = attainment["status"].isin(["off_track", "missed"]).astype(int) * 2 + (attainment["goal_id"].map(verdicts).fillna("revise") != "sound").astype(int)
        shown = attainment.assign(_c=concern.to_numpy()).sort_values("_c", ascending=False, kind="stable").head(MAX_GOALS)
        more = len(attainment) - len(shown)
        rows = "".join(
            f"<tr><td>{e(r.goal_id)}</td><td>{e(t('sm_metric_' + r.metric, lang) if ('sm_metric_' + r.metric) in _labels() else t(r.metric, lang) if r.metric in _labels() else r.metric)}"
            f"{'' if r.scope == 'company' else ' · ' + e(str(r.scope).split('=')[-1])}</td><td>{e(str(r.deadline))}</td>"
            f"<td>{e(t('im_goal_' + r.status, lang))}</td><td>{e(t('gl_verdict_' + verdicts.get(r.goal_id, 'revise'), lang))}</td></tr>"
            for r in shown.itertuples()
        ) + (f'<tr><td colspan="5" class="note">{e(t("sm_more_goals", lang, n=more))}</td></tr>' if more else "")
        parts.append(f'<h2>{e(t("sm_goals", lang))}</h2><p>{e(t("sm_goals_line", lang, n=len(attainment), on=int(counts.get("on_track", 0) + counts.get("achieved", 0)), off=int(counts.get("off_track", 0) + counts.get("missed", 0)), later=int(counts.get("not_started", 0))))}</p>'
                     f'<table><tr><th>ID</th><th>{e(t("metric", lang))}</th><th>{e(t("sm_deadline", lang))}</th><th>{e(t("status", lang))}</th><th>{e(t("sm_smart", lang))}</th></tr>{rows}</table>')

    # problems
    if diagnosis and diagnosis.get("problems"):
        items = "".join(f"<li>{e((p.get('statement') or {}).get(lang) or p['type'])}</li>" for p in diagnosis["problems"][:3])
        parts.append(f'<h2>{e(t("sm_problems", lang))}</h2><ol class="problems">{items}</ol>')

    # actions due and overdue
    if register is not None and len(register):
        open_ = register[register["status"].isin(["planned", "in_progress"])].copy()
        open_["due"] = pd.to_datetime(open_["due"])
        horizon = period.end_exclusive + pd.DateOffset(months=3)
        soon = open_[open_["due"] < horizon].sort_values("due")
        rows = "".join(
            f"<tr><td>{e(str(r.action_id))}</td><td>{e(str(r.measure))}</td><td>{e(str(r.owner))}</td>"
            f"<td class=\"{'bad' if r.due < period.end_exclusive else ''}\">{e(str(r.due.date()))}{' · ' + e(t('im_overdue', lang)) if r.due < period.end_exclusive else ''}</td></tr>"
            for r in soon.head(5).itertuples()
        )
        overdue = int((open_["due"] < period.end_exclusive).sum())
        later = len(open_) - len(soon)
        parts.append(f'<h2>{e(t("sm_actions", lang))}</h2><p>{e(t("sm_actions_line", lang, open=len(open_), overdue=overdue, soon=len(soon) - overdue, later=later))}</p>'
                     + (f'<table><tr><th>ID</th><th>{e(t("im_col_measure", lang))}</th><th>{e(t("im_col_owner", lang))}</th><th>{e(t("im_col_due", lang))}</th></tr>{rows}</table>' if len(soon) else ""))

    # last quarter's actions
    if tracking is not None and len(tracking):
        from .improve import format_kpi, kpi_label, segment_label, tracking_narrative

        measures = register.set_index("action_id")["measure"] if register is not None and len(register) else pd.Series(dtype=str)
        css = {"effective": "good", "ineffective": "bad", "not_yet": "warn"}
        rows = "".join(
            f"<tr><td>{e(str(r.action_id))}</td><td>{e(str(measures.get(r.action_id, '')))}</td>"
            f"<td>{e(kpi_label(str(r.kpi), lang))} · {e(segment_label(str(r.segment), lang))}</td>"
            f"<td>{e(format_kpi(str(r.kpi), r.baseline, lang, unit))} → {e(format_kpi(str(r.kpi), r.current, lang, unit))}</td>"
            f"<td class=\"{css.get(r.verdict, '')}\">{e(t('im_verdict_' + str(r.verdict), lang))}</td></tr>"
            for r in tracking.head(5).itertuples()
        )
        parts.append(f'<h2>{e(t("sm_tracking", lang))}</h2><p>{e(tracking_narrative(tracking, lang))}</p>'
                     f'<table><tr><th>ID</th><th>{e(t("im_col_measure", lang))}</th><th>{e(t("im_col_kpi", lang))}</th>'
                     f'<th>{e(t("sm_then_now", lang))}</th><th>{e(t("im_col_verdict", lang))}</th></tr>{rows}</table>')
    return "\n".join(parts)


def _labels():
    from .i18n import LABELS

    return LABELS
