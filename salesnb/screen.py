"""The first screen of the leadership one-pager: goal status, pacing and trends.

Three small pieces the summary (``report/index.html``) and step 4
(``goal_attainment.csv``) share, so both say the same thing
(docs/summary.md defines each):

- :func:`judge` — the status rule: a goal's *outlook value* against its
  target is ``on_track``, ``at_risk`` (inside a band below the target) or
  ``off_track``; :func:`goal_outlook` adds the outlook columns to step 4's
  attainment table;
- :func:`revenue_pacing` — the company revenue goal's year to date against
  its target, with the share of the year elapsed;
- :func:`quarter_series` and :func:`sparkline_svg` — the last eight
  quarters of a KPI as an inline SVG (no script, no file).
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd

from .goals import FLOW_METRICS, LOWER_IS_BETTER, Tables, metric_value
from .i18n import t
from .periods import Period

__all__ = ["AT_RISK_SHARE", "NO_BASELINE_SHARE", "OUTLOOKS", "Judgement", "judge", "goal_outlook", "goals_sentence", "Pacing", "revenue_pacing",
           "quarter_series", "sparkline_points", "sparkline_svg", "TREND_QUARTERS"]

#: The at-risk band below a target, as a share of the distance from the baseline to the target.
AT_RISK_SHARE = 0.25
#: The band when the goal has no baseline (or the baseline equals the target), as a share of |target|.
NO_BASELINE_SHARE = 0.05
#: The outlook words, best first.
OUTLOOKS = ("on_track", "at_risk", "off_track")
#: Quarters drawn by the trend sparklines.
TREND_QUARTERS = 8


def _finite(x) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Judgement:
    """A value judged against a target: ``status`` is one of :data:`OUTLOOKS`
    (``None`` without a target or a value); ``gap`` is how far the value is on
    the good side of the target (negative: short of it), ``band`` the at-risk band."""

    status: str | None
    gap: float = float("nan")
    band: float = float("nan")


def judge(value: float | None, target: float | None, baseline: float | None = None, lower_is_better: bool = False) -> Judgement:
    """The status rule.

    ``gap = value − target`` (``target − value`` when lower is better). A gap
    of 0 or more is ``on_track``; a shortfall within ``band`` is ``at_risk``;
    a larger one ``off_track``. ``band = AT_RISK_SHARE × |target − baseline|``,
    or ``NO_BASELINE_SHARE × |target|`` when there is no baseline or it equals
    the target. No target or no value: no status.

    Examples
    --------
    >>> judge(26.0, 28.0, 18.0).status, judge(24.0, 28.0, 18.0).status, judge(29.0, 28.0, 18.0).status
    ('at_risk', 'off_track', 'on_track')
    >>> judge(0.12, 0.11, 0.19, lower_is_better=True)
    Judgement(status='at_risk', gap=-0.01, band=0.02)
    >>> judge(None, 28.0).status is None
    True
    """
    if not (_finite(value) and _finite(target)):
        return Judgement(None)
    value, target = float(value), float(target)
    if _finite(baseline) and float(baseline) != target:
        band = AT_RISK_SHARE * abs(target - float(baseline))
    else:
        band = NO_BASELINE_SHARE * abs(target)
    gap = (target - value) if lower_is_better else (value - target)
    gap, band = round(gap, 12), round(band, 12)
    status = "on_track" if gap >= 0 else "at_risk" if -gap <= band else "off_track"
    return Judgement(status, gap, band)


# ---------------------------------------------------------------- step 4: the outlook of each goal

def _sum_quarters(metric: str, tables: Tables, quarters: list[Period]) -> float:
    return float(sum(metric_value(metric, tables, q) for q in quarters))


def _momentum(metric: str, tables: Tables, last_q: Period, baseline: float) -> tuple[float, str]:
    """A goal not started yet: where last year's change would take it.

    Amounts and counts: the baseline grown by the last four quarters' growth
    over the four before. Rates and scores: the latest quarter plus its change
    over the same quarter a year earlier. Without a year of comparison: the
    latest value (rates) or the baseline (amounts), source ``latest``.
    """
    if metric in FLOW_METRICS and metric != "aov":
        recent = [last_q.shift(-i) for i in range(3, -1, -1)]
        before = [q.year_ago() for q in recent]
        if _finite(baseline) and tables.covers(before[0]):
            now, then = _sum_quarters(metric, tables, recent), _sum_quarters(metric, tables, before)
            if then > 0 and math.isfinite(now):
                return baseline * now / then, "momentum"
        return baseline, "latest"
    now = metric_value(metric, tables, last_q)
    if tables.covers(last_q.year_ago()):
        then = metric_value(metric, tables, last_q.year_ago())
        if _finite(now) and _finite(then):
            return 2 * now - then, "momentum"
    return now, "latest"


def goal_outlook(attainment: pd.DataFrame, goals_list, tables: Tables, period: Period) -> pd.DataFrame:
    """Step 4's attainment table with each goal's outlook (docs/summary.md).

    Adds ``direction`` (``higher``/``lower`` is better), ``outlook_value`` and
    ``outlook_source`` (``final`` for a goal whose deadline has passed,
    ``projection`` for one in progress, ``momentum`` or ``latest`` for one not
    started), ``outlook`` (:func:`judge` of the outlook value; a passed goal is
    ``on_track`` when achieved, else ``off_track``; none without a target),
    ``to_date`` (the value so far inside the deadline period) and ``elapsed``
    (the share of the deadline period's quarters that have ended).
    """
    out = attainment.copy()
    by_id = {g.id: g for g in goals_list}
    last_q = period.quarters()[-1]
    cols: dict[str, list] = {k: [] for k in ("direction", "outlook_value", "outlook_source", "outlook", "to_date", "elapsed")}
    for r in attainment.itertuples():
        lower = r.metric in LOWER_IS_BETTER
        d = Period.parse(str(r.deadline), period.start_month)
        quarters = d.quarters()
        done = [q for q in quarters if q <= last_q]
        elapsed = len(done) / len(quarters)
        if r.status in ("achieved", "missed"):
            value, source = r.actual, "final"
            outlook = "on_track" if r.status == "achieved" else "off_track"
        elif r.status in ("on_track", "off_track"):
            value, source = r.projection, "projection"
            outlook = judge(value, r.target, r.baseline, lower).status
        else:  # not started, or no baseline to set the target from
            g = by_id.get(r.goal_id)
            sub = tables.scoped(g.scope) if g is not None else None
            value, source = _momentum(r.metric, sub, last_q, r.baseline) if sub is not None else (float("nan"), "")
            outlook = judge(value, r.target, r.baseline, lower).status
        cols["direction"].append("lower" if lower else "higher")
        cols["outlook_value"].append(float(value) if _finite(value) else float("nan"))
        cols["outlook_source"].append(source if _finite(value) else "")  # no value, no source
        cols["outlook"].append(outlook)
        cols["to_date"].append(float(r.actual) if r.status != "not_started" and _finite(r.actual) else float("nan"))
        cols["elapsed"].append(min(elapsed, 1.0))
    for k, v in cols.items():
        out[k] = pd.Series(v, index=out.index, dtype=object if k in ("direction", "outlook_source", "outlook") else float)
    return out


def goals_sentence(attainment: pd.DataFrame, lang: str) -> str:
    """The one sentence counting the goals by outlook, said alike by step 4 and the summary.

    Examples
    --------
    >>> goals_sentence(pd.DataFrame({"outlook": ["on_track", "off_track", None]}), "en")
    '3 goals, judged on where each is heading by its deadline: 1 on track, 0 at risk, 1 off track. 1 without a status (no target could be set).'
    """
    outlook = attainment["outlook"] if "outlook" in attainment else pd.Series([None] * len(attainment), dtype=object)
    counts = outlook.value_counts()
    text = t("sc_goals_line", lang, n=len(attainment), on=int(counts.get("on_track", 0)), risk=int(counts.get("at_risk", 0)),
             off=int(counts.get("off_track", 0)))
    if (none := len(attainment) - int(counts.sum())):
        text += ("" if lang == "zh" else " ") + t("sc_no_outlook", lang, n=none)
    return text


# ---------------------------------------------------------------- the summary: revenue pacing

@dataclass(frozen=True)
class Pacing:
    """The company revenue goal beside the quarter's revenue.

    ``span`` is the fiscal year whose revenue to date is shown: the goal's own
    year while it runs (or after), else the fiscal year of the reported period
    (the goal starts later; its baseline is being earned now). ``to_date`` is
    that year's revenue from its first quarter to the reported quarter,
    ``quarters_elapsed`` of ``quarters_total`` quarters.
    """

    goal_id: str
    deadline: str
    target: float
    baseline: float
    span: str
    to_date: float
    quarters_elapsed: int
    quarters_total: int
    started: bool
    outlook: str | None
    outlook_value: float
    outlook_source: str

    @property
    def span_is_quarter_goal(self) -> bool:
        """Whether the goal's deadline is a quarter (its target is not paced by a fiscal year to date)."""
        return "Q" in self.deadline.upper()

    @property
    def share_of_target(self) -> float:
        """Revenue to date ÷ target (only meaningful while the goal runs)."""
        return self.to_date / self.target if _finite(self.target) and self.target else float("nan")

    @property
    def elapsed(self) -> float:
        """The share of the span's quarters that have ended."""
        return self.quarters_elapsed / self.quarters_total


def quarterly_revenue(history: pd.DataFrame) -> pd.Series:
    """Revenue per quarter label from step 1's ``history.csv`` (summed over its breakdown rows)."""
    if history is None or history.empty or "revenue" not in history:
        return pd.Series(dtype=float)
    return history.groupby(history["period"].astype(str))["revenue"].sum().sort_index()


def revenue_pacing(attainment: pd.DataFrame | None, history: pd.DataFrame | None, period: Period) -> Pacing | None:
    """The pacing of the company revenue goal (``None`` without one or without a target).

    The goal shown is the first company-wide revenue goal that is running at
    the reported period, else the next one to start, else the latest passed.
    """
    if attainment is None or attainment.empty:
        return None
    rows = attainment[(attainment["metric"] == "revenue") & (attainment["scope"].astype(str) == "company")]
    rows = rows[pd.to_numeric(rows["target"], errors="coerce").notna()]
    if rows.empty:
        return None
    rank = rows["status"].map({"on_track": 0, "off_track": 0, "not_started": 1}).fillna(2)
    r = rows.assign(_r=rank.to_numpy()).sort_values("_r", kind="stable").iloc[0]
    d = Period.parse(str(r["deadline"]), period.start_month)
    started = r["status"] != "not_started"
    span = d if started else Period(period.year, None, period.start_month)
    last_q = period.quarters()[-1]
    quarters = span.quarters()
    done = [q for q in quarters if q <= last_q]
    revenue = quarterly_revenue(history)
    to_date = float(sum(revenue.get(str(q), 0.0) for q in done))
    get = r.get
    return Pacing(goal_id=str(r["goal_id"]), deadline=str(r["deadline"]), target=float(r["target"]), baseline=float(r["baseline"]),
                  span=str(span), to_date=to_date, quarters_elapsed=len(done), quarters_total=len(quarters), started=bool(started),
                  outlook=get("outlook") if isinstance(get("outlook"), str) else None,
                  outlook_value=float(get("outlook_value")) if _finite(get("outlook_value")) else float("nan"),
                  outlook_source=str(get("outlook_source")) if isinstance(get("outlook_source"), str) else "")


# ---------------------------------------------------------------- the summary: trend sparklines

def quarter_series(frame: pd.DataFrame | None, column: str, period: Period, n: int = TREND_QUARTERS) -> pd.Series:
    """The last ``n`` quarters of ``column`` up to ``period`` (summed per quarter label), oldest first.

    Examples
    --------
    >>> f = pd.DataFrame({"period": ["2025Q3", "2025Q4", "2025Q4", "2026Q1"], "revenue": [1.0, 2.0, 3.0, 9.0]})
    >>> quarter_series(f, "revenue", Period.parse("2025Q4")).to_dict()
    {'2025Q3': 1.0, '2025Q4': 5.0}
    """
    if frame is None or frame.empty or column not in frame:
        return pd.Series(dtype=float)
    last_q = period.quarters()[-1]
    wanted = [str(last_q.shift(-i)) for i in range(n - 1, -1, -1)]
    values = pd.to_numeric(frame[column], errors="coerce")
    s = values.groupby(frame["period"].astype(str)).sum(min_count=1)
    return s.reindex([w for w in wanted if w in s.index]).astype(float)


def sparkline_points(values: pd.Series, width: float = 120, height: float = 28, pad: float = 3) -> list[tuple[float, float]]:
    """The polyline points of a sparkline: one per finite value, x evenly spaced
    over all values, y scaled so the lowest value sits at the bottom.

    Examples
    --------
    >>> sparkline_points(pd.Series([1.0, 3.0, 2.0]), width=20, height=10, pad=0)
    [(0.0, 10.0), (10.0, 0.0), (20.0, 5.0)]
    """
    v = pd.to_numeric(pd.Series(values), errors="coerce").reset_index(drop=True)
    finite = v.dropna()
    if len(finite) < 2:
        return []
    low, high = float(finite.min()), float(finite.max())
    step = (width - 2 * pad) / (len(v) - 1)
    out = []
    for i, x in finite.items():
        y = (height / 2) if high == low else pad + (high - float(x)) / (high - low) * (height - 2 * pad)
        out.append((round(pad + i * step, 2), round(y, 2)))
    return out


def sparkline_svg(values: pd.Series, title: str, width: int = 120, height: int = 28) -> str:
    """An inline SVG sparkline with ``title`` as its accessible name ("" with fewer than two values)."""
    points = sparkline_points(values, width, height)
    if not points:
        return ""
    e = html.escape
    line = " ".join(f"{x:g},{y:g}" for x, y in points)
    lx, ly = points[-1]
    return (f'<svg class="spark" role="img" aria-label="{e(title, quote=True)}" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{e(title)}</title>'
            f'<polyline fill="none" stroke="#57606a" stroke-width="1.5" points="{line}"/>'
            f'<circle cx="{lx:g}" cy="{ly:g}" r="2.2" fill="#1f2328"/></svg>')
