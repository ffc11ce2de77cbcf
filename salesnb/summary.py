"""The leadership one-pager: ``report/index.html`` of a run.

Built from the run's own artifacts (``summary.json``, ``goals.csv``,
``goal_attainment.csv``, ``diagnosis.json``, ``actions.xlsx``,
``tracking.csv``), never from raw data, so it holds no personal data. Every
value is escaped; the page prints on one A4 sheet.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .i18n import LABELS, money, number, pct, show_values, t
from .improve import format_kpi, kpi_label, read_register, segment_label, tracking_narrative
from .present import absence_sentences
from .problems import top_problem_lines
from .screen import OUTLOOKS, TREND_QUARTERS, goals_sentence, quarter_series, revenue_pacing, sparkline_svg
from .survey import wilson_interval

__all__ = ["executive_summary", "absent_from", "PRINT_CSS", "MAX_GOALS", "DATA_QUALITY_PAGE", "goal_status", "pacing_lines"]

#: Goals listed on the one-pager: every goal at risk or off track, then others up to this many lines; the rest are counted.
MAX_GOALS = 8
#: The data-quality appendix, beside index.html in report/ (written by the report step).
DATA_QUALITY_PAGE = "data_quality.html"

PRINT_CSS = """
@page { size: A4; margin: 14mm 14mm 12mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif;
       max-width: 182mm; margin: 18px auto; padding: 0 10px; color: #1f2328; font-size: 12.5px; line-height: 1.45; overflow-wrap: anywhere; }
h1 { font-size: 19px; margin: 0 0 2px; } h2 { font-size: 14px; margin: 14px 0 5px; border-bottom: 1px solid #d0d7de; padding-bottom: 2px; }
.sub { color: #555; margin: 0 0 8px; }
.tiles { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 6px; }
.tile { border: 1px solid #d0d7de; border-radius: 5px; padding: 6px 7px; min-width: 0; }
.tile .k { color: #555; font-size: 11px; } .tile .v { font-size: 17px; font-weight: 600; } .tile .d { font-size: 11px; color: #555; }
.tile.wide { grid-column: span 2; }
.tile.st-on_track { border-left: 4px solid #1a7f37; } .tile.st-at_risk { border-left: 4px dashed #9a6700; } .tile.st-off_track { border-left: 4px solid #cf222e; }
.tile .v .badge { vertical-align: 3px; margin-left: 4px; }
.badge { display: inline-block; font-size: 10.5px; font-weight: 600; padding: 0 5px; border-radius: 8px; border: 1px solid currentColor; white-space: nowrap; }
.badge.on_track { color: #1a7f37; } .badge.at_risk { color: #9a6700; } .badge.off_track { color: #cf222e; }
svg.spark { display: block; margin-top: 3px; max-width: 100%; height: auto; }
.good { color: #1a7f37; } .bad { color: #cf222e; } .warn { color: #9a4b00; }
ul.goals { list-style: none; margin: 2px 0 0; padding: 0; columns: 2; column-gap: 14px; }
ul.goals li { break-inside: avoid; margin-bottom: 2px; font-size: 11.5px; }
table { border-collapse: collapse; width: 100%; } td, th { padding: 2px 6px; border-bottom: 1px solid #eaeef2; text-align: left; vertical-align: top; font-size: 11.5px; }
th { background: #f6f8fa; font-weight: 600; }
ol.problems { margin: 2px 0 0 18px; padding: 0; } ol.problems li { margin-bottom: 3px; }
.note { color: #666; font-size: 11px; } nav a { margin-right: 10px; }
ol.links { columns: 2; margin: 4px 0 0 18px; padding: 0; }
@media screen and (max-width: 600px) {
  body { margin: 8px auto; padding: 0 8px; font-size: 13px; }
  .tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  ul.goals, ol.links { columns: 1; }
  table { table-layout: fixed; } td, th { padding: 2px 3px; word-break: break-word; }
}
@media print { body { font-size: 10.5px; line-height: 1.3; margin: 0; max-width: none; } h2 { margin: 7px 0 3px; } p { margin: 3px 0; }
               svg.spark { height: 22px; width: auto; } td, th { font-size: 9.5px; padding: 1px 5px; } ul.goals li { font-size: 9.5px; }
               * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
               .tile .v { font-size: 15px; } nav { display: none; } a { color: inherit; text-decoration: none; } }
"""


def _read_csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"action_id": str, "goal_id": str}) if path.is_file() else None


def _tile(label: str, value: str, detail: str = "", cls: str = "", status: str | None = None, lang: str = "en", spark: str = "",
          wide: bool = False) -> str:
    """One KPI tile; ``status`` (an outlook) adds a coloured border and its word (colour is never the only cue);
    ``spark`` is trusted SVG from :func:`salesnb.screen.sparkline_svg` (which escapes its own text)."""
    e = html.escape
    badge = f' <span class="badge {status}">{e(t("sc_outlook_" + status, lang))}</span>' if status else ""
    st = (f" st-{status}" if status else "") + (" wide" if wide else "")
    return (f'<div class="tile{st}"><div class="k">{e(label)}</div><div class="v {cls}">{e(value)}{badge}</div>'
            f'<div class="d">{e(detail)}</div>{spark}</div>')


def goal_status(attainment: pd.DataFrame | None, metric: str) -> str | None:
    """The outlook of the company-wide goal on ``metric`` (the one running now, else the next to start, else the
    latest passed), as ``goal_attainment.csv`` records it; ``None`` without such a goal or outlook."""
    if attainment is None or attainment.empty or "outlook" not in attainment:
        return None
    rows = attainment[(attainment["metric"] == metric) & (attainment["scope"].astype(str) == "company")]
    if rows.empty:
        return None
    rank = rows["status"].map({"on_track": 0, "off_track": 0, "not_started": 1}).fillna(2)
    outlook = rows.assign(_r=rank.to_numpy()).sort_values("_r", kind="stable").iloc[0]["outlook"]
    return outlook if outlook in OUTLOOKS else None


def pacing_lines(pace, lang: str, unit: str) -> str:
    """The revenue tile's pacing sentence (docs/summary.md): while the goal's year runs, its revenue to date as a
    share of the target beside the share of the year elapsed; before it starts, the current fiscal year to date
    (the goal's base); then the outlook value and its source."""
    if pace is None:
        return ""
    m = lambda v: money(v, unit, lang)  # noqa: E731
    span, deadline = ((f"{p}年" if lang == "zh" and p.isdigit() else p) for p in (pace.span, pace.deadline))  # 2025年, 2026Q1
    if not pace.started and pace.span_is_quarter_goal:  # a quarter's target is not paced by a year to date
        text = t("sc_pace_quarter", lang, deadline=deadline, target=m(pace.target))
    elif pace.started:
        text = t("sc_pace_running", lang, span=span, to_date=m(pace.to_date), share=pct(pace.share_of_target, lang, 0),
                 target=m(pace.target), elapsed=pct(pace.elapsed, lang, 0))
    else:
        text = t("sc_pace_before", lang, span=span, to_date=m(pace.to_date), done=pace.quarters_elapsed, total=pace.quarters_total,
                 deadline=deadline, target=m(pace.target))
    if pace.outlook_value == pace.outlook_value and pace.outlook_source:
        text += ("；" if lang == "zh" else "; ") + t("sc_pace_outlook", lang, value=m(pace.outlook_value), source=t("sc_src_" + pace.outlook_source, lang))
    return text


def _trend(frame: pd.DataFrame | None, column: str, period, kpi: str, fmt, lang: str) -> str:
    """The 8-quarter sparkline of ``column`` with its accessible title ("" with fewer than two quarters)."""
    series = quarter_series(frame, column, period, TREND_QUARTERS).dropna()
    if len(series) < 2:
        return ""
    title = t("sc_trend", lang, kpi=kpi, n=len(series), first=fmt(series.iloc[0]), first_q=series.index[0], last=fmt(series.iloc[-1]),
              last_q=series.index[-1])
    return sparkline_svg(series, title)


def _goals_block(attainment: pd.DataFrame, goals: pd.DataFrame | None, lang: str, unit: str) -> str:
    """The goals, worst outlook first, one line each: status word, ID, KPI and scope, target and deadline, and the SMART
    verdict when step 1 found the goal unsound."""
    e = html.escape
    a = attainment
    outlook = a["outlook"] if "outlook" in a else pd.Series([None] * len(a), index=a.index)
    order = outlook.map({o: i for i, o in enumerate(reversed(OUTLOOKS))}).fillna(3)
    shown = a.assign(_o=order.to_numpy()).sort_values("_o", kind="stable")
    labels = LABELS

    def name(r) -> str:
        key = "sm_metric_" + r.metric
        kpi = t(key, lang) if key in labels else t(r.metric, lang) if r.metric in labels else r.metric
        return kpi + ("" if r.scope == "company" else " · " + str(r.scope).split("=")[-1])

    verdicts = goals.set_index("goal_id")["verdict"].to_dict() if goals is not None and "verdict" in goals else {}
    # every goal at risk or off track is listed; goals on track or without a status fill up to MAX_GOALS lines
    listed = max(MAX_GOALS, int((shown["_o"] < 2).sum()))
    shown = shown.head(listed)
    colon = "：" if lang == "zh" else ": "
    items = []
    for r, o in zip(shown.itertuples(), shown["outlook"] if "outlook" in shown else [None] * len(shown)):
        badge = f'<span class="badge {o}">{e(t("sc_outlook_" + o, lang))}</span> ' if o in OUTLOOKS else ""  # no status: no badge
        verdict = verdicts.get(r.goal_id)  # a goal step 1 found unsound says so (SMART check), a sound one says nothing
        smart = (f' · <span class="note">{e(t("sm_smart", lang))}{colon}{e(t("gl_verdict_" + verdict, lang))}</span>'
                 if isinstance(verdict, str) and verdict != "sound" and "gl_verdict_" + verdict in labels else "")
        # the tiles' wording; a target that cannot be computed yet (no base) shows only its deadline
        target = (t("sm_target", lang, target=format_kpi(r.metric, r.target, lang, unit), deadline=str(r.deadline)) if pd.notna(r.target)
                  else t("sc_due", lang, deadline=str(r.deadline)))
        items.append(f"<li>{badge}{e(str(r.goal_id))} {e(name(r))} · {e(target)}{smart}</li>")
    more = len(a) - len(shown)
    line = goals_sentence(a, lang)
    return (f'<h2>{e(t("sm_goals", lang))}</h2><p>{e(line)}</p><ul class="goals">{"".join(items)}</ul>'
            + (f'<p class="note">{e(t("sc_more_goals", lang, n=more))}</p>' if more else "")
            + (f'<p class="note">{e(t("sc_rule", lang))}</p>' if "outlook" in a else ""))


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


def _esc(text) -> str:
    """The page's escape: data values named in the page language (:func:`salesnb.i18n.show_values`), then HTML-escaped."""
    return html.escape(show_values(text))


@dataclass(frozen=True)
class _Artifacts:
    """What the one-pager reads from a run's ``artifacts/`` folder (each ``None``, or ``{}`` for the metrics, when absent)."""

    summary: dict
    goals: pd.DataFrame | None
    attainment: pd.DataFrame | None
    tracking: pd.DataFrame | None
    diagnosis: dict | None
    register: pd.DataFrame | None
    history: pd.DataFrame | None
    scores: pd.DataFrame | None


def _read_artifacts(art: Path, lang: str) -> _Artifacts:
    summary = json.loads((art / "summary.json").read_text(encoding="utf-8")).get("metrics", {}) if (art / "summary.json").is_file() else {}
    goals = _read_csv(art / "goals.csv")
    attainment = _read_csv(art / "goal_attainment.csv")
    tracking = _read_csv(art / "tracking.csv")
    diagnosis = json.loads((art / "diagnosis.json").read_text(encoding="utf-8")) if (art / "diagnosis.json").is_file() else None
    register = read_register(art / "actions.xlsx", lang) if (art / "actions.xlsx").is_file() else None  # keys shown in lang
    history, scores = _read_csv(art / "history.csv"), _read_csv(art / "satisfaction_history.csv")
    return _Artifacts(summary, goals, attainment, tracking, diagnosis, register, history, scores)


def _sign_cls(v, good_when_up=True):
    if v is None:
        return ""
    return "good" if (v > 0) == good_when_up else "bad"


class _Tiles:
    """The headline tiles being built: only for what was computed; the labels of the others are kept for one note."""

    def __init__(self, attainment: pd.DataFrame | None, lang: str):
        self.attainment, self.lang = attainment, lang
        self.shown: list[str] = []
        self.not_shown: list[str] = []

    def add(self, value, label: str, text: str, detail: str = "", cls: str = "", metric: str | None = None, spark: str = "",
            wide: bool = False) -> None:
        if value is None or value != value:
            self.not_shown.append(label)
        else:
            self.shown.append(_tile(label, text, detail, cls, goal_status(self.attainment, metric) if metric else None, self.lang, spark, wide))


def _revenue_tiles(tiles: _Tiles, run: _Artifacts, period, lang: str, unit: str) -> None:
    """Revenue (with its pacing or target and its trend) and growth against the year-ago period."""
    g = run.summary.get
    pace = revenue_pacing(run.attainment, run.history, period)
    tiles.add(g("revenue"), t("revenue", lang), money(g("revenue"), unit, lang),
              pacing_lines(pace, lang, unit) or _target_of(run.goals, "revenue", lang, lambda v: money(v, unit, lang)), metric="revenue",
              spark=_trend(run.history, "revenue", period, t("revenue", lang), lambda v: money(v, unit, lang), lang), wide=True)
    tiles.add(g("revenue_yoy"), t("sm_growth", lang), pct(g("revenue_yoy"), lang, signed=True), t("sm_vs_last_year", lang), _sign_cls(g("revenue_yoy")))


def _survey_tiles(tiles: _Tiles, run: _Artifacts, period, lang: str, surveyed: bool, nps_asked: bool) -> None:
    """NPS (or, without the recommend question, the top-2-box) and the satisfaction mean, when there are answers."""
    g, goals = run.summary.get, run.goals
    if surveyed and nps_asked:
        tiles.add(g("nps"), "NPS", number(g("nps"), lang, 1),
                  t("sm_nps_ci", lang, low=number(g("nps_ci_low"), lang, 1), high=number(g("nps_ci_high"), lang, 1), n=number(g("nps_n"), lang))
                  + " " + _target_of(goals, "nps", lang, lambda v: number(v, lang, 0)), metric="nps",
                  spark=_trend(run.scores, "nps", period, "NPS", lambda v: number(v, lang, 1), lang))
    elif surveyed:  # surveys without the recommend question: the top-2-box takes the NPS tile
        top2, n = g("satisfaction_top2"), g("satisfaction_n") or 0
        low, high = wilson_interval(top2, n) if top2 is not None else (None, None)
        tiles.add(top2, t("satisfaction_top2", lang), pct(top2, lang),
                  t("sm_nps_ci", lang, low=pct(low, lang), high=pct(high, lang), n=number(n, lang))
                  + " " + _target_of(goals, "satisfaction_top2", lang, lambda v: pct(v, lang)), metric="satisfaction_top2")
    if surveyed:
        tiles.add(g("satisfaction_mean"), t("satisfaction_mean", lang), number(g("satisfaction_mean"), lang, 2),
                  t("sm_top2", lang, top2=pct(g("satisfaction_top2"), lang)) + " " + _target_of(goals, "satisfaction_mean", lang, lambda v: number(v, lang, 2)),
                  metric="satisfaction_mean")


def _repurchase_tile(tiles: _Tiles, run: _Artifacts, lang: str) -> None:
    """The repurchase rate, with the churn rate and the target."""
    g = run.summary.get
    churn = g("churn_rate")
    target = _target_of(run.goals, "repurchase_rate", lang, lambda v: pct(v, lang))
    churn_text = t("sm_churn", lang, churn=pct(churn, lang)) if churn is not None and churn == churn else ""
    # the churn part ends with a separator before the target; without a target it ends the line
    tiles.add(g("repurchase_rate"), t("repurchase_rate", lang), pct(g("repurchase_rate"), lang),
              (churn_text + " " + target) if target.strip() else churn_text.rstrip(";；"), metric="repurchase_rate")


def _absence_notes(summary: dict, missing: list[str], surveyed: bool, nps_asked: bool, lang: str) -> list[str]:
    """One sentence per absent table or question, each said once."""
    g = summary.get
    notes = absence_sentences(missing, "summary", lang)
    if not surveyed and "surveys" not in missing:
        notes.append(t("sm_no_survey_data", lang) + ("。" if lang == "zh" else "."))
    if surveyed and not nps_asked:  # the one sentence on the missing recommend question (abs_summary has none for "nps")
        notes.append(t("csat_no_nps", lang))
    if (g("complaints") is None or g("complaints") != g("complaints")) and "complaints" not in missing:
        notes.append(t("sm_no_complaint_data", lang) + ("。" if lang == "zh" else "."))
    return notes


def _service_line(summary: dict, lang: str) -> str:
    """The complaints and first responses of the period, then on-time delivery ("" with neither)."""
    g = summary.get
    if g("complaints") is None or g("complaints") != g("complaints"):
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
    return service


def _headline_block(run: _Artifacts, period, lang: str, unit: str) -> str:
    """The KPI tiles, then the notes: the service line, what is absent and which tiles are not shown."""
    summary, g = run.summary, run.summary.get
    # tiles only for what was computed: a survey tile needs answers, a growth tile the year-ago period; the rest is said once below
    missing = list((run.diagnosis or {}).get("missing_tables") or absent_from(summary))
    surveyed = bool(g("nps_n") or g("satisfaction_n"))
    nps_asked = "nps_n" in summary or "satisfaction_n" not in summary
    tiles = _Tiles(run.attainment, lang)
    _revenue_tiles(tiles, run, period, lang, unit)
    _survey_tiles(tiles, run, period, lang, surveyed, nps_asked)
    _repurchase_tile(tiles, run, lang)
    notes = _absence_notes(summary, missing, surveyed, nps_asked, lang)
    service = _service_line(summary, lang)
    if tiles.not_shown:
        notes.append(t("sm_not_shown", lang, items=("、" if lang == "zh" else ", ").join(tiles.not_shown)))
    notes = [f'<p class="note">{_esc(x)}</p>' for x in ([service] if service else []) + notes]
    return "\n".join([f'<h2>{_esc(t("headline", lang))}</h2><div class="tiles">{"".join(tiles.shown)}</div>', *notes])


def _problems_block(diagnosis: dict | None, lang: str) -> str:
    """The register's P1–P3, as step 3 lists them ("" without a diagnosis)."""
    e = _esc
    if diagnosis and diagnosis.get("register"):
        items = "".join(f"<li>{e(line)}</li>" for line in top_problem_lines(diagnosis["register"], lang))
        return f'<h2>{e(t("sm_problems", lang))}</h2><ol class="problems" style="list-style:none;margin-left:0">{items}</ol>'
    if diagnosis and diagnosis.get("problems"):  # a diagnosis.json written before the register
        items = "".join(f"<li>{e((p.get('statement') or {}).get(lang) or p['type'])}</li>" for p in diagnosis["problems"][:3])
        return f'<h2>{e(t("sm_problems", lang))}</h2><ol class="problems">{items}</ol>'
    return ""


def _actions_block(register: pd.DataFrame, period, lang: str) -> str:
    """The open actions: counts, then the five due soonest before three months after the period (overdue ones marked)."""
    e = _esc
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
    return (f'<h2>{e(t("sm_actions", lang))}</h2><p>{e(t("sm_actions_line", lang, open=len(open_), overdue=overdue, soon=len(soon) - overdue, later=later))}</p>'
            + (f'<table><tr><th>ID</th><th>{e(t("im_col_measure", lang))}</th><th>{e(t("im_col_owner", lang))}</th><th>{e(t("im_col_due", lang))}</th></tr>{rows}</table>' if len(soon) else ""))


def _tracking_block(tracking: pd.DataFrame, register: pd.DataFrame | None, lang: str, unit: str) -> str:
    """Last quarter's actions: the tracking sentence and the first five, baseline → now, with their verdicts."""
    e = _esc
    measures = register.set_index("action_id")["measure"] if register is not None and len(register) else pd.Series(dtype=str)
    css = {"effective": "good", "ineffective": "bad", "not_yet": "warn"}
    rows = "".join(
        f"<tr><td>{e(str(r.action_id))}</td><td>{e(str(measures.get(r.action_id, '')))}</td>"
        f"<td>{e(kpi_label(str(r.kpi), lang))} · {e(segment_label(str(r.segment), lang))}</td>"
        f"<td>{e(format_kpi(str(r.kpi), r.baseline, lang, unit))} → {e(format_kpi(str(r.kpi), r.current, lang, unit))}</td>"
        f"<td class=\"{css.get(r.verdict, '')}\">{e(t('im_verdict_' + str(r.verdict), lang))}</td></tr>"
        for r in tracking.head(5).itertuples()
    )
    return (f'<h2>{e(t("sm_tracking", lang))}</h2><p>{e(tracking_narrative(tracking, lang))}</p>'
            f'<table><tr><th>ID</th><th>{e(t("im_col_measure", lang))}</th><th>{e(t("im_col_kpi", lang))}</th>'
            f'<th>{e(t("sm_then_now", lang))}</th><th>{e(t("im_col_verdict", lang))}</th></tr>{rows}</table>')


def executive_summary(folder: Path, company: str, period, lang: str, unit: str) -> str:
    """The HTML body of the one-pager (without ``<html>``/``<head>``), every value escaped (data values named in
    ``lang`` when ``workspace.yaml`` has ``labels:``, see :func:`salesnb.i18n.use_value_labels`)."""
    run = _read_artifacts(Path(folder) / "artifacts", lang)
    parts = [_headline_block(run, period, lang, unit)]
    # goals: each with its outlook, the ones that need attention first
    if run.attainment is not None and len(run.attainment):
        parts.append(_goals_block(run.attainment, run.goals, lang, unit))
    parts.append(_problems_block(run.diagnosis, lang))
    if run.register is not None and len(run.register):  # actions due and overdue
        parts.append(_actions_block(run.register, period, lang))
    if run.tracking is not None and len(run.tracking):  # last quarter's actions
        parts.append(_tracking_block(run.tracking, run.register, lang, unit))
    return "\n".join(part for part in parts if part)
