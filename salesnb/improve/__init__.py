"""Step 4: measures for diagnosed problems, the action register and the PDCA loop.

- :func:`measure_library` — the built-in mapping from problem type to candidate
  measures (KPI, direction, owner role, duration, effort, expected effect),
  editable from ``workspace.yaml`` (``measures:``: add, replace by key, disable).
- :func:`propose` — for each ranked problem of ``diagnosis.json`` (and step 1's
  acquisition and churn bottlenecks), the fitting measures with impact, effort
  and an impact–effort class.
- :func:`update_register` — the register (改进措施跟踪表) with new proposals added
  as ``planned``, never duplicating an open action for the same problem and
  segment and never deleting a row; :func:`publish_register` writes it back
  where the user keeps it (same path, same format) after keeping the replaced
  version under ``actions.history/`` beside it.
- :func:`track` — every action opened in an earlier period judged on its KPI
  (baseline at opening against now, with step 3's tests for survey KPIs).
- :func:`goal_attainment` — each step-1 goal against the actual to date.

The register is the one file in a workspace that salesnb writes, and only at
the end of a successful ``salesnb run``; everything else is read-only.
"""
from __future__ import annotations

import math
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .artifacts import neutralise_formula as _safe_text  # one formula-injection rule for every export
from . import metrics as m
from .errors import DataError, Problem
from .goals import FLOW_METRICS, LOWER_IS_BETTER, METRICS, Tables, metric_value
from .periods import Period

__all__ = [
    "Measure", "BUILTIN_MEASURES", "measure_library", "kpi_value", "propose", "REGISTER_COLUMNS", "OPEN_STATUSES",
    "CLOSED_STATUSES", "register_status", "validate_register", "update_register", "write_register", "publish_register",
    "register_path", "stage_register", "StagedRegister", "REGISTER_HISTORY",
    "track", "goal_attainment", "segment_of", "parse_segment", "problems_from", "kpi_label", "format_kpi", "proposal_table",
    "register_table", "tracking_table", "tracking_narrative", "attainment_table", "decisions", "summary_metrics", "VERDICTS",
    "kpi_available", "plan_order", "PLAN_COLUMNS", "QUADRANT_ORDER", "plan_notes",
    "kpi_available", "owner_key", "register_labels", "register_keys", "register_text", "read_register", "decision_items",
    "DECISION_KINDS", "opened_in", "write_decisions", "register_problems",
]

OPEN_STATUSES = ("planned", "in_progress")
CLOSED_STATUSES = ("done", "dropped")
#: What tracking says of an earlier action (see :func:`track`).
VERDICTS = ("effective", "not_yet", "ineffective", "no_data")
#: The register's columns. It is language-neutral: ``measure_key`` and ``owner_key`` name a measure of the
#: library and its owner role, rendered in each report's language (:func:`register_text`); ``measure_text`` and
#: ``owner_text`` hold only what a person typed (a measure of their own, a named owner) and win over the key.
REGISTER_COLUMNS = ["action_id", "problem_id", "problem", "measure_key", "measure_text", "owner_key", "owner_text", "start", "due", "kpi",
                    "segment", "baseline", "target", "status", "period_opened", "period_closed", "notes"]
#: Kinds of :func:`decision_items`, in the order they are listed.
DECISION_KINDS = ("confirm", "overdue", "ineffective", "close", "goals")


@dataclass(frozen=True)
class Measure:
    """A candidate measure for one problem type.

    ``kpi`` is a metric :func:`kpi_value` computes (a name of
    :data:`salesnb.goals.METRICS`, ``median_first_response_hours`` or
    ``dim:<dimension key>`` for a 1–5 survey dimension mean); ``direction`` is
    +1 when the KPI should rise; ``effect`` is the planned change of the KPI —
    relative for amounts and shares (−0.5 = halve), points for NPS and 1–5
    scores; ``effort`` runs from 1 (a memo) to 5 (a new organisation).
    """

    key: str
    problem_type: str
    en: str
    zh: str
    kpi: str
    direction: int
    owner_en: str
    owner_zh: str
    weeks: int
    effort: int
    effect: float

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def owner(self, lang: str) -> str:
        return self.owner_zh if lang == "zh" else self.owner_en


def _m(*args) -> Measure:
    return Measure(*args)


BUILTIN_MEASURES: tuple[Measure, ...] = (
    _m("channel_mix", "weak_acquisition", "Shift the channel mix toward short-video ads and industry platforms", "调整获客渠道组合：增加短视频广告与行业平台投放",
       "new_customers", +1, "Marketing manager", "市场经理", 26, 3, 0.20),
    _m("differentiation_pitch", "weak_acquisition", "Sharpen the sales pitch on what sets our products apart", "提炼差异化卖点，优化销售话术",
       "new_customers", +1, "Sales director", "销售总监", 12, 2, 0.10),
    _m("loyalty_offers", "high_churn", "Loyalty offers for existing customers (renewal discounts, service packages)", "老客户忠诚度计划（续约优惠、服务套餐）",
       "churn_rate", -1, "Key-account manager", "大客户经理", 26, 2, -0.25),
    _m("customer_success", "high_churn", "Customer-success managers for key accounts with quarterly business reviews", "为重点客户配备客户成功经理，按季度回访",
       "churn_rate", -1, "Customer-success lead", "客户成功负责人", 26, 4, -0.35),
    _m("hotline_7x24", "slow_after_sales_response", "7×24 service hotline with a 2-hour response promise", "开通7×24小时服务热线，承诺2小时内响应",
       "response_over_promise_share", -1, "After-sales service manager", "售后服务经理", 12, 4, -0.60),
    _m("dispatch_redesign", "slow_after_sales_response", "Redesign ticket dispatch and escalation (first response owner per region)", "优化工单派单与升级流程（各区域首响责任人）",
       "median_first_response_hours", -1, "After-sales service manager", "售后服务经理", 8, 2, -0.40),
    _m("quality_8d", "product_quality", "8D root-cause analysis of the top failure modes with suppliers", "针对主要故障模式与供应商开展8D根因分析",
       "dim:quality", +1, "Quality manager", "质量经理", 16, 3, 0.30),
    _m("delivery_promise", "delivery_delay", "Order tracking and a confirmed delivery date on every order", "订单全程跟踪，每单确认交期",
       "complaints", -1, "Supply-chain manager", "供应链经理", 12, 3, -0.15),
    _m("lead_time_promise", "delivery_delay", "Promise delivery days from measured carrier lead times per region (a buffer where orders arrive late)",
       "按各区域实测物流时效设定承诺交期（晚到区域增加缓冲）", "on_time_share", +1, "Logistics manager", "物流经理", 8, 2, 0.05),
    _m("carrier_scorecards", "delivery_delay", "Carrier scorecards with an on-time target per route; move volume away from the latest carriers",
       "承运商考核：按线路设定准时率目标，将运量从准时率最低的承运商转出", "on_time_share", +1, "Logistics manager", "物流经理", 16, 3, 0.08),
    _m("value_selling", "price_perception", "Value selling: ROI calculator and total-cost-of-ownership sheets", "价值销售：投资回报测算与全生命周期成本对比",
       "dim:price", +1, "Product marketing manager", "产品市场经理", 12, 2, 0.25),
    _m("tiered_pricing", "price_perception", "Tiered offers (basic / standard / premium service levels)", "推出分级方案（基础/标准/高级服务）",
       "dim:price", +1, "Pricing manager", "定价经理", 16, 3, 0.35),
    _m("sales_training", "sales_competence", "Monthly product and application training for the sales force", "每月开展新产品与应用培训",
       "dim:sales_professionalism", +1, "Sales enablement manager", "销售赋能经理", 12, 2, 0.30),
    _m("billing_check", "billing_errors", "Four-eyes check of invoices before they are sent", "发票寄出前双人复核",
       "complaints", -1, "Finance manager", "财务经理", 8, 1, -0.10),
    _m("customer_training", "training_gap", "Customer training sessions and simpler manuals", "客户操作培训与简明操作手册",
       "satisfaction_mean", +1, "Technical support lead", "技术支持主管", 12, 2, 0.15),
    _m("regional_spares", "spare_parts", "Regional spare-parts stock for the most used parts", "在各区域备齐常用备件",
       "response_over_promise_share", -1, "Supply-chain manager", "供应链经理", 16, 3, -0.30),
)

_POINTS = {"nps", "satisfaction_mean"}  # KPIs whose effect is in points, like every dim:<key>


def measure_library(config=None) -> pd.DataFrame:
    """The measures in force: built-ins, then ``workspace.yaml`` ``measures:`` entries
    (same key = replace, new key = add, ``disabled: true`` = remove). An entry that
    moves a measure onto another ``kpi`` without a ``direction`` gets the KPI's own
    (−1 for complaints, churn, delays and response times; +1 otherwise) and must
    restate its ``effect``; an effect against the direction is an error.

    Examples
    --------
    >>> lib = measure_library()
    >>> lib.loc[lib["key"] == "hotline_7x24", "kpi"].item()
    'response_over_promise_share'
    """
    from .errors import ConfigError

    library = {mm.key: asdict(mm) for mm in BUILTIN_MEASURES}
    problems = []
    for i, entry in enumerate(getattr(config, "measures", None) or []):
        data = entry.model_dump() if hasattr(entry, "model_dump") else dict(entry)
        if data.pop("disabled", False):
            library.pop(data["key"], None)
            continue
        base = library.get(data["key"], {})
        merged = {**base, **{k: v for k, v in data.items() if v is not None}}
        if base and data.get("kpi") is not None and data["kpi"] != base.get("kpi"):
            # a measure moved onto another KPI: it moves it the way that KPI improves (fewer complaints, not more),
            # and its planned effect must be restated (the old one was in the old KPI's units)
            if data.get("direction") is None:
                merged["direction"] = -1 if data["kpi"] in LOWER_IS_BETTER or data["kpi"] == "median_first_response_hours" else 1
            if data.get("effect") is None:
                problems.append(Problem("workspace.yaml", None, f"measures.{i}.effect", None,
                                        f"required when kpi changes ({base.get('kpi')} → {data['kpi']}): the built-in effect "
                                        f"{base.get('effect')} is in {base.get('kpi')}'s units"))
        if merged.get("effect") is not None and merged.get("direction") is not None and merged["effect"] * merged["direction"] < 0:
            problems.append(Problem("workspace.yaml", None, f"measures.{i}.effect", str(merged["effect"]),
                                    f"has the opposite sign of the direction {merged['direction']:+d} of {merged.get('kpi')}"))
        missing = [f for f in Measure.__dataclass_fields__ if f not in merged]
        problems += [Problem("workspace.yaml", None, f"measures.{i}.{f}", None, "required for a new measure") for f in missing]
        library[data["key"]] = merged
    if problems:
        raise ConfigError(problems, f"{len(problems)} problem(s) in workspace.yaml measures")
    return pd.DataFrame(list(library.values()), columns=list(Measure.__dataclass_fields__))


# ---------------------------------------------------------------- KPIs and segments

def segment_of(scope: dict | None) -> str:
    """Register text of a scope: ``company`` or ``region=西南`` (several regions joined by ``|``)."""
    if not scope:
        return "company"
    parts = []
    for col, val in scope.items():
        vals = val if isinstance(val, (list, tuple)) else [val]
        parts.append(f"{col}={'|'.join(str(v) for v in vals)}")
    return ";".join(parts)


def parse_segment(text: str | None) -> dict[str, list[str]]:
    """Inverse of :func:`segment_of`.

    >>> parse_segment("region=西南|华南")
    {'region': ['西南', '华南']}
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() in ("", "company"):
        return {}
    out = {}
    for part in str(text).split(";"):
        col, _, vals = part.partition("=")
        out[col.strip()] = [v.strip() for v in vals.split("|") if v.strip()]
    return out


def kpi_value(kpi: str, tables: Tables, period: Period, segment: dict[str, list[str]] | None = None) -> float:
    """Value of a KPI over ``period`` in ``segment`` (NaN when it cannot be computed)."""
    sub = tables.scoped(segment or {})
    nan = float("nan")
    if kpi.startswith("dim:"):
        col = kpi[4:]
        if sub.surveys is None or col not in sub.surveys:
            return nan
        return m.csat(sub.surveys.loc[period.contains(sub.surveys["survey_date"]), col]).mean
    if kpi == "median_first_response_hours":
        if sub.complaints is None:
            return nan
        return m.complaint_summary(sub.complaints, period, tables.promise_hours)["median_first_response_hours"]
    if kpi not in METRICS:
        return nan
    if sub.sales is None:
        return nan
    return metric_value(kpi, sub, period)


def kpi_available(kpi: str, tables: Tables) -> bool:
    """Whether the workspace records what ``kpi`` needs: delivery days for the delivery KPIs, the
    recommend question for ``nps``, the survey column of a ``dim:`` KPI or of satisfaction, complaints
    (with first responses for the response-time KPIs).

    Examples
    --------
    >>> s = pd.DataFrame({"order_id": ["1"], "customer_id": ["a"], "amount": [1.0], "order_date": pd.to_datetime(["2025-01-02"])})
    >>> kpi_available("revenue", Tables(s)), kpi_available("on_time_share", Tables(s)), kpi_available("nps", Tables(s))
    (True, False, False)
    """
    from .goals import DELIVERY_METRICS

    surveys, complaints = tables.surveys, tables.complaints
    if kpi.startswith("dim:"):
        return surveys is not None and kpi[4:] in surveys
    if kpi == "nps":
        return m.has_nps(surveys)
    if kpi in ("satisfaction_mean", "satisfaction_top2"):
        return surveys is not None and "satisfaction" in surveys
    if kpi in ("response_over_promise_share", "median_first_response_hours"):
        return m.has_response_times(complaints)
    if kpi == "complaints":
        return complaints is not None
    if kpi in DELIVERY_METRICS:
        return m.has_delivery(tables.sales)
    return True


def _target(kpi: str, baseline: float, effect: float) -> float:
    if baseline != baseline:
        return float("nan")
    if kpi in _POINTS or kpi.startswith("dim:"):
        value = baseline + effect
        return min(value, 5.0) if kpi.startswith("dim:") or kpi == "satisfaction_mean" else min(value, 100.0)
    value = baseline * (1 + effect)
    return min(max(value, 0.0), 1.0) if kpi not in FLOW_METRICS and kpi != "median_first_response_hours" else max(value, 0.0)


# ---------------------------------------------------------------- proposals

_BOTTLENECK_TYPES = {"weak_acquisition": "weak_acquisition", "rising_churn": "high_churn"}


def problems_from(diagnosis: dict | None, bottlenecks: pd.DataFrame | None = None) -> list[dict]:
    """The problems step 4 proposes measures for.

    With a problem register in ``diagnosis.json`` (``register``, :func:`salesnb.problems.problem_register`):
    its rows, in register order, each with ``problem_id``, ``rank`` (the register's), ``type``, ``segment``
    and ``severity`` — step 1's bottlenecks are already in it. Without one (an older ``diagnosis.json``): the
    ranked problems of the diagnosis plus step 1's acquisition and churn bottlenecks that the diagnosis does
    not already name (same type and segment)."""
    register = (diagnosis or {}).get("register")
    if register is not None:
        statements = {p["rank"]: p.get("statement") for p in (diagnosis or {}).get("problems", [])}
        return [{"problem_id": r["problem_id"], "rank": int(r["rank"]), "type": r["type"], "segment": parse_segment(r.get("segment")),
                 "impact": None, "basis": "register", "severity": float(r["severity"]) if r.get("severity") == r.get("severity") else 0.0,
                 "statement": statements.get(r.get("step3_rank"))} for r in register]
    problems = [dict(p) for p in (diagnosis or {}).get("problems", [])]
    seen = {(p["type"], segment_of(p.get("segment"))) for p in problems}
    if bottlenecks is not None and len(bottlenecks):
        for row in bottlenecks.itertuples():
            ptype = _BOTTLENECK_TYPES.get(row.kind)
            if ptype is None:
                continue
            segment = {} if row.scope_type == "company" else {row.scope_type: [row.scope]}
            if (ptype, segment_of(segment)) in seen:
                continue
            seen.add((ptype, segment_of(segment)))
            problems.append({"rank": None, "type": ptype, "segment": segment, "impact": None, "basis": "bottleneck",
                             "severity": float(row.severity), "statement": None})
    return problems


def _evidence_strength(problem: dict) -> float | None:
    """The largest share among a ``diagnosis.json`` problem's complaint and text evidence (None without any).

    >>> _evidence_strength({"evidence": [{"kind": "complaint_share", "value": 0.3}, {"kind": "interviews", "value": 4, "total": 8}]})
    0.5
    """
    shares = [e["value"] for e in problem.get("evidence", []) if e.get("kind") in ("complaint_share", "comment_theme", "complaint_theme")]
    shares += [e["value"] / e["total"] for e in problem.get("evidence", []) if e.get("kind") == "interviews" and e.get("total")]
    return max(shares) if shares else None


def propose(problems: list[dict], library: pd.DataFrame, tables: Tables, period: Period, lang: str = "en") -> pd.DataFrame:
    """Every fitting measure for every problem, with impact, effort and priority.

    ``impact`` is the problem's impact (driver weight × gap × revenue affected,
    from ``diagnosis.json``) scaled to 0–1 by the largest one; problems without
    one (complaint or text evidence only, step-1 bottlenecks) get their
    bottleneck severity scaled the same way, else 0.25. ``quadrant``:
    quick win (impact ≥ 0.5, effort ≤ 3), major project (impact ≥ 0.5),
    fill-in (effort ≤ 3), thankless. ``priority`` = impact ÷ effort.
    Baseline = the KPI in the problem's segment over ``period``; target = the
    baseline moved by the measure's planned effect. Measures whose KPI the
    workspace does not record (:func:`kpi_available`, e.g. on-time delivery
    without delivery days) are left out unless the problem has no other.
    When no problem has an impact (a diagnosis from complaints or free text only), each diagnosed
    problem's severity is its evidence strength (:func:`_evidence_strength`, a share 0–1, like a
    bottleneck's severity), so the measures follow the diagnosis instead of all sharing 0.25.

    Problems from the register (:func:`problems_from` with a ``register``, each with a ``problem_id``) are
    sized by their one severity: impact = severity ÷ the largest severity (0–1), so a step-1 bottleneck and
    a diagnosed problem compare on the same scale; ``problem_id`` is kept on every proposal.
    """
    if problems and all(p.get("problem_id") for p in problems):
        top_sev = max((float(p.get("severity") or 0.0) for p in problems), default=0.0)
        problems = [{**p, "impact": None, "severity": None, "_impact": (float(p.get("severity") or 0.0) / top_sev) if top_sev > 0 else 0.0}
                    for p in problems]
    problems = [{**p, "impact": p.get("impact") if p.get("impact") == p.get("impact") else None} for p in problems]  # NaN = no impact
    impacts = [p.get("impact") for p in problems if p.get("impact")]
    top = max(impacts) if impacts else None
    severities = [p.get("severity") for p in problems if p.get("severity")]
    top_sev = max(severities) if severities else None
    if top is None:  # no survey impact (e.g. a complaint-only workspace): diagnosed problems are sized by their evidence's share
        problems = [p if p.get("severity") else {**p, "severity": _evidence_strength(p)} for p in problems]
        severities = [p["severity"] for p in problems if p["severity"]]
        top_sev = max(severities) if severities else None
    start = period.end_exclusive
    rows = []
    for order, p in enumerate(problems, start=1):
        if p.get("_impact") is not None:
            impact = p["_impact"]
        elif p.get("impact") and top:
            impact = float(p["impact"]) / top
        elif p.get("severity") and top_sev:
            impact = 0.8 * float(p["severity"]) / top_sev
        else:
            impact = 0.25
        segment = {k: (v if isinstance(v, list) else [v]) for k, v in (p.get("segment") or {}).items()}
        fitting = library.loc[library["problem_type"] == p["type"]]
        measurable = fitting.loc[[kpi_available(k, tables) for k in fitting["kpi"]]]
        for mm in (measurable if len(measurable) else fitting).itertuples():
            baseline = kpi_value(mm.kpi, tables, period, segment)
            rows.append({
                "problem_id": p.get("problem_id"), "problem_rank": p.get("rank") or order, "problem": p["type"], "segment": segment_of(segment),
                "statement": (p.get("statement") or {}).get(lang) if isinstance(p.get("statement"), dict) else None,
                "measure_key": mm.key, "measure": mm.zh if lang == "zh" else mm.en, "kpi": mm.kpi, "direction": mm.direction,
                "owner": mm.owner_zh if lang == "zh" else mm.owner_en,
                "start": start, "due": start + pd.Timedelta(weeks=int(mm.weeks)), "baseline": baseline,
                "target": _target(mm.kpi, baseline, mm.effect), "impact": impact, "effort": int(mm.effort),
            })
    out = pd.DataFrame(rows, columns=["problem_id", "problem_rank", "problem", "segment", "statement", "measure_key", "measure", "kpi", "direction", "owner",
                                      "start", "due", "baseline", "target", "impact", "effort"])
    out["priority"] = out["impact"] / out["effort"]
    out["quadrant"] = np.select([(out["impact"] >= 0.5) & (out["effort"] <= 3), out["impact"] >= 0.5, out["effort"] <= 3],
                                ["quick_win", "major_project", "fill_in"], default="thankless")
    return out.sort_values(["problem_rank", "priority"], ascending=[True, False]).reset_index(drop=True)


# ---------------------------------------------------------------- the register

def register_status(actions: pd.DataFrame, period: Period) -> dict[str, int]:
    """Counts of the register at the end of ``period``: open (planned or in
    progress), done, overdue (open with a due date before the period's end).

    Examples
    --------
    >>> a = pd.DataFrame({"status": ["done", "in_progress", "planned", "dropped"],
    ...                   "due": pd.to_datetime(["2025-11-01", "2025-11-01", "2026-03-31", "2025-12-01"])})
    >>> register_status(a, Period.parse("2025Q4"))
    {'n': 4, 'done': 1, 'open': 2, 'overdue': 1}
    """
    open_ = actions["status"].isin(OPEN_STATUSES)
    late = open_ & (actions["due"] < period.end_exclusive)
    return {"n": int(len(actions)), "done": int((actions["status"] == "done").sum()), "open": int(open_.sum()), "overdue": int(late.sum())}


def register_problems(actions: pd.DataFrame, file: str = "actions.xlsx") -> list[Problem]:
    """Rows of the register without an owner (neither ``owner_key`` nor ``owner_text``) or without a
    measure (neither ``measure_key`` nor ``measure_text``). :func:`salesnb.io.load_workspace` reports them
    with the other input problems, so ``salesnb validate`` names them."""
    problems = []
    for line, row in actions.iterrows():
        if not any(_typed(row.get(c)) for c in ("owner_key", "owner_text", "owner")):
            problems.append(Problem(file, int(line), "owner_text", None, "must not be blank: every action needs an owner (owner_key or owner_text)"))
        if not any(_typed(row.get(c)) for c in ("measure_key", "measure_text", "measure")):
            problems.append(Problem(file, int(line), "measure_text", None, "must not be blank: every action needs a measure (measure_key or measure_text)"))
    return problems


def validate_register(actions: pd.DataFrame, file: str = "actions.xlsx") -> None:
    """Rules the data contract cannot express: a due date before the start, a blank owner or measure.

    The index is the source line (Excel row), as :func:`salesnb.io.read_table` returns it.
    """
    problems = []
    for line, row in actions.iterrows():
        if pd.notna(row.get("start")) and pd.notna(row.get("due")) and row["due"] < row["start"]:
            problems.append(Problem(file, int(line), "due", str(row["due"].date()), f"must not be before start ({row['start'].date()})"))
    problems += register_problems(actions, file)
    if problems:
        raise DataError(problems, f"{len(problems)} problem(s) in the action register {file}; it was left untouched")


QUADRANT_ORDER = {"quick_win": 0, "major_project": 1, "fill_in": 2, "thankless": 3}
"""Planning order of the impact–effort classes: quick wins first, then major projects, fill-ins, thankless tasks."""
PLAN_COLUMNS = ["problem_id", "problem_rank", "problem", "segment", "measure_key", "measure", "quadrant", "impact", "effort", "decision", "open_action"]


def _open_actions(register: pd.DataFrame | None) -> dict[tuple[str, str], str]:
    """(problem type, segment) → the id of an open action on it."""
    if register is None or not len(register) or "status" not in register:
        return {}
    out: dict[tuple[str, str], str] = {}
    for p, s, st, a in zip(register["problem"], register["segment"], register["status"], register["action_id"]):
        if st in OPEN_STATUSES:
            out.setdefault((str(p), str(s) if pd.notna(s) else "company"), str(a))
    return out


def plan_order(proposals: pd.DataFrame, register: pd.DataFrame | None = None, top_problems: int = 3) -> pd.DataFrame:
    """The best measure of each problem, in planning order, with what the plan does with it.

    Order: impact–effort class (:data:`QUADRANT_ORDER`: quick win before major project before fill-in),
    then impact (high first), then problem rank, then priority (impact ÷ effort); each problem's best measure
    is its first in that order. Walking the order, the first ``top_problems`` problems are taken: each gets
    its measure planned (``decision`` ``planned``) unless an open action in ``register`` already covers the
    same problem and segment (``open_action``, with its id); later problems wait (``limit``).
    Proposals without ``quadrant``/``impact`` (hand-built) are ordered by problem rank.

    Examples
    --------
    >>> props = pd.DataFrame({"problem_id": ["P1", "P2", "P3"], "problem_rank": [1, 2, 3], "problem": ["a", "b", "c"],
    ...     "segment": ["company"] * 3, "measure_key": ["m1", "m2", "m3"], "measure": ["M1", "M2", "M3"],
    ...     "quadrant": ["fill_in", "quick_win", "major_project"], "impact": [0.3, 0.9, 1.0], "effort": [2, 2, 5], "priority": [0.15, 0.45, 0.2]})
    >>> plan_order(props, top_problems=2)[["problem_id", "decision"]].values.tolist()
    [['P2', 'planned'], ['P3', 'planned'], ['P1', 'limit']]
    """
    if proposals is None or proposals.empty:
        return pd.DataFrame(columns=PLAN_COLUMNS)
    p = proposals.copy()
    p["_q"] = p["quadrant"].map(QUADRANT_ORDER).fillna(len(QUADRANT_ORDER)) if "quadrant" in p else 0
    p["_i"] = -p["impact"].astype(float) if "impact" in p else 0.0
    p["_p"] = -p["priority"].astype(float) if "priority" in p else 0.0
    p = p.sort_values(["_q", "_i", "problem_rank", "_p"], kind="mergesort")
    best = p.drop_duplicates(["problem", "segment"]).copy()
    covered = _open_actions(register)
    decisions, opened = [], []
    for i, row in enumerate(best.itertuples()):
        action = covered.get((str(row.problem), str(row.segment)))
        decisions.append("limit" if i >= top_problems else "open_action" if action else "planned")
        opened.append(action if i < top_problems else None)
    best["decision"], best["open_action"] = decisions, opened
    for col in PLAN_COLUMNS:
        if col not in best:
            best[col] = pd.NA
    return best[PLAN_COLUMNS + [c for c in best.columns if c not in PLAN_COLUMNS and not c.startswith("_")]].reset_index(drop=True)


def update_register(register: pd.DataFrame | None, proposals: pd.DataFrame, period: Period, top_problems: int = 3,
                    library: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The register with the measures :func:`plan_order` plans added as ``planned``.

    Rows already in the register are kept (people edit them in Excel); a
    register written before the register stored keys gets them from its text
    (:func:`register_keys`). A problem whose type and segment already have an
    open action gets none. New rows carry the problem's register id
    (``problem_id``) and store the measure's key and its
    owner's key (:func:`owner_key`), never text in a report language, so the
    register is the same whichever language ran first. Returns (updated
    register, the rows added).
    """
    library = measure_library() if library is None else library
    reg = register_keys(register, library) if register is not None else pd.DataFrame(columns=REGISTER_COLUMNS)
    for col in REGISTER_COLUMNS:
        if col not in reg:
            reg[col] = pd.NA
    reg = reg.reset_index(drop=True)
    plan = plan_order(proposals, reg, top_problems)
    chosen = plan.loc[plan["decision"] == "planned"]
    existing = set(reg["action_id"].astype(str))
    owners = dict(zip(library["key"], (owner_key(en, k) for en, k in zip(library["owner_en"], library["key"]))))
    added = []
    n = 0
    for row in chosen.to_dict("records"):
        n += 1
        action_id = f"A{period}-{n:02d}"
        while action_id in existing:
            n += 1
            action_id = f"A{period}-{n:02d}"
        existing.add(action_id)
        key = row.get("measure_key") if _typed(row.get("measure_key")) else None
        known = key in owners
        added.append({"action_id": action_id, "problem_id": row.get("problem_id", pd.NA), "problem": row["problem"],
                      "measure_key": key if known else pd.NA, "measure_text": pd.NA if known else row.get("measure", pd.NA),
                      "owner_key": owners[key] if known else pd.NA, "owner_text": pd.NA if known else row.get("owner", pd.NA),
                      "start": row["start"], "due": row["due"], "kpi": row["kpi"], "segment": row["segment"], "baseline": row["baseline"],
                      "target": row["target"], "status": "planned", "period_opened": str(period), "period_closed": pd.NA, "notes": pd.NA})
    added_df = pd.DataFrame(added, columns=REGISTER_COLUMNS)
    out = pd.concat([reg, added_df], ignore_index=True) if len(added_df) else reg
    # a register from before the keys keeps its columns in their order; the key columns come after them
    had = {{"measure": "measure_text", "owner": "owner_text"}.get(c, c) for c in (register.columns if register is not None else [])}
    first = [c for c in REGISTER_COLUMNS if c in had] if had else REGISTER_COLUMNS
    order = first + [c for c in REGISTER_COLUMNS if c not in first]
    return out[order + [c for c in out.columns if c not in order]], added_df


def _typed(value) -> bool:
    """True for a cell holding text (not blank, not NaN/NA)."""
    return value is not None and not (isinstance(value, float) and value != value) and value is not pd.NA and bool(str(value).strip())


def owner_key(owner_en: str | None, measure_key: str = "") -> str:
    """The language-neutral key of an owner role: its English name in snake case.

    Examples
    --------
    >>> owner_key("After-sales service manager"), owner_key("", "my_measure")
    ('after_sales_service_manager', 'my_measure_owner')
    """
    import re

    key = re.sub(r"[^a-z0-9]+", "_", str(owner_en or "").lower()).strip("_")
    return key or f"{measure_key}_owner"


def register_labels(library: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every measure and owner key of ``library`` with its English and Chinese wording.

    Columns ``kind`` (``measure`` or ``owner``), ``key``, ``en``, ``zh``. Written
    beside the register (sheet ``_labels``) so a reader of the Excel file, and
    the summary page, can render the keys without the workspace configuration.
    """
    library = measure_library() if library is None else library
    rows = [{"kind": "measure", "key": r.key, "en": r.en, "zh": r.zh} for r in library.itertuples()]
    seen: set[str] = set()
    for r in library.itertuples():
        k = owner_key(r.owner_en, r.key)
        if k not in seen:
            seen.add(k)
            rows.append({"kind": "owner", "key": k, "en": r.owner_en, "zh": r.owner_zh})
    return pd.DataFrame(rows, columns=["kind", "key", "en", "zh"])


def _label_maps(labels: pd.DataFrame) -> dict[str, dict[str, tuple[str, str]]]:
    out: dict[str, dict[str, tuple[str, str]]] = {"measure": {}, "owner": {}}
    for r in labels.itertuples():
        out.setdefault(str(r.kind), {})[str(r.key)] = (str(r.en), str(r.zh))
    return out


def register_keys(register: pd.DataFrame, library: pd.DataFrame | None = None) -> pd.DataFrame:
    """A register with ``measure_key``/``owner_key`` filled from its text where the text is a known label.

    A register written before keys were stored has ``measure``/``owner`` (or
    ``measure_text``/``owner_text``) in the language of the run that wrote it.
    Text equal to a library measure or owner role in English or Chinese
    (case and surrounding blanks ignored) becomes its key and the text is
    cleared; other text is kept as typed and shown as it is. Keys already set
    are kept.

    Examples
    --------
    >>> old = pd.DataFrame({"measure": ["开通7×24小时服务热线，承诺2小时内响应", "Call every lost customer"], "owner": ["售后服务经理", "Li Lei"]})
    >>> register_keys(old)[["measure_key", "measure_text", "owner_key", "owner_text"]].values.tolist()
    [['hotline_7x24', <NA>, 'after_sales_service_manager', <NA>], [<NA>, 'Call every lost customer', <NA>, 'Li Lei']]
    """
    reg = register.copy()
    for kind in ("measure", "owner"):
        text = f"{kind}_text"
        if text not in reg and kind in reg:  # renamed in place: the register keeps its column order
            reg = reg.rename(columns={kind: text})
        elif text not in reg:
            reg[text] = pd.NA
        elif kind in reg:  # both: the contract's name wins where it is blank
            reg[text] = reg[text].where(reg[text].map(_typed), reg[kind])
            reg = reg.drop(columns=[kind])
        if f"{kind}_key" not in reg:
            reg[f"{kind}_key"] = pd.NA
    maps = _label_maps(register_labels(library))
    for kind in ("measure", "owner"):
        lookup = {str(v).strip().casefold(): k for k, pair in maps[kind].items() for v in pair}
        keys, texts = [], []
        for key, text in zip(reg[f"{kind}_key"], reg[f"{kind}_text"]):
            found = lookup.get(str(text).strip().casefold()) if _typed(text) else None
            if _typed(key):
                keys.append(str(key).strip())
                texts.append(pd.NA if found == str(key).strip() else (text if _typed(text) else pd.NA))
            elif found is not None:
                keys.append(found)
                texts.append(pd.NA)
            else:
                keys.append(pd.NA)
                texts.append(text if _typed(text) else pd.NA)
        reg[f"{kind}_key"] = pd.Series(keys, index=reg.index, dtype=object)
        reg[f"{kind}_text"] = pd.Series(texts, index=reg.index, dtype=object)
    return reg


def register_text(register: pd.DataFrame, lang: str, labels: pd.DataFrame | None = None) -> pd.DataFrame:
    """The register with ``measure`` and ``owner`` columns in ``lang``, for display.

    Typed text wins; otherwise the key's label in ``lang`` (from ``labels``,
    :func:`register_labels` of the library in force, default the built-ins);
    a key no label knows is shown as it is.

    Examples
    --------
    >>> reg = pd.DataFrame({"measure_key": ["hotline_7x24"], "measure_text": [None], "owner_key": ["after_sales_service_manager"],
    ...                     "owner_text": ["王芳"]})
    >>> register_text(reg, "en")[["measure", "owner"]].values.tolist()
    [['7×24 service hotline with a 2-hour response promise', '王芳']]
    """
    reg = register_keys(register) if ("measure_key" not in register or "owner_key" not in register) else register.copy()
    maps = _label_maps(register_labels() if labels is None else labels)
    if labels is not None:  # the built-ins still render keys a workspace's own labels do not list
        for kind, pairs in _label_maps(register_labels()).items():
            for k, pair in pairs.items():
                maps[kind].setdefault(k, pair)
    index = 1 if lang == "zh" else 0
    for kind in ("measure", "owner"):
        reg[kind] = [str(text).strip() if _typed(text) else (maps[kind].get(str(key).strip(), (str(key),) * 2)[index] if _typed(key) else "—")
                     for key, text in zip(reg[f"{kind}_key"], reg[f"{kind}_text"])]
    return reg


def read_register(path: str | Path, lang: str | None = None) -> pd.DataFrame:
    """A register written by :func:`write_register` (``actions`` sheet), with keys; rendered in ``lang`` when given.

    The ``_labels`` sheet written beside it renders keys of measures the
    workspace defined itself.
    """
    reg = pd.read_excel(path, sheet_name="actions", dtype={"action_id": str})
    try:
        labels = pd.read_excel(path, sheet_name="_labels", dtype=str)
    except ValueError:  # a register without the sheet: the built-in wording
        labels = None
    reg = register_keys(reg)
    return register_text(reg, lang, labels) if lang is not None else reg


def write_register(register: pd.DataFrame, path: str | Path, period: Period, library: pd.DataFrame | None = None) -> Path:
    """Write the register as ``.xlsx``: sheet ``actions``, ``_salesnb`` saying which period it was
    written for, and ``_labels`` with the English and Chinese wording of every measure and owner key
    (:func:`register_labels` of ``library``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    shown = register.copy()
    for col in shown.columns:
        if shown[col].dtype == object or pd.api.types.is_string_dtype(shown[col]):
            shown[col] = shown[col].map(_safe_text)
    for col in ("start", "due"):
        shown[col] = pd.to_datetime(shown[col]).dt.date
    tmp = path.with_name(f".{path.name}.tmp")
    with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        shown.to_excel(xw, sheet_name="actions", index=False)
        pd.DataFrame({"key": ["written_for_period", "note"],
                      "value": [str(period), "Edit owners, dates and statuses on the actions sheet; salesnb keeps every row. "
                                "measure_key and owner_key are shown in each report's language (sheet _labels); "
                                "text typed into measure_text or owner_text is shown as typed instead."]}).to_excel(
            xw, sheet_name="_salesnb", index=False)
        register_labels(library).map(_safe_text).to_excel(xw, sheet_name="_labels", index=False)
    os.replace(tmp, path)
    return path


def _written_for(path: Path) -> str:
    try:
        meta = pd.read_excel(path, sheet_name="_salesnb", dtype=str)
        return str(meta.set_index("key").loc["written_for_period", "value"])
    except Exception:  # noqa: BLE001 - a register the analyst started by hand
        return "initial"


REGISTER_HISTORY = "actions.history"
"""Folder beside the register that keeps every version a run replaced."""


def register_path(workspace: str | Path, config=None) -> Path:
    """Where the workspace keeps its action register (symlinks and ``..`` resolved).

    ``tables.actions.file`` in ``workspace.yaml`` wins; otherwise the first of
    ``actions.csv``, ``actions.xlsx``, ``actions.parquet`` in the workspace
    folder; otherwise ``<workspace>/actions.xlsx`` (where the first run starts it).
    """
    from .io import find_table_file

    root = Path(workspace).resolve()
    source = config.tables.get("actions") if config is not None else None
    if source is not None:
        return (root / source.file).resolve()
    found = find_table_file(root, "actions", None)
    return found.resolve() if found is not None else root / "actions.xlsx"


@dataclass(frozen=True)
class StagedRegister:
    """A register ready to replace ``target``: written to ``tmp`` beside it.

    :meth:`commit` puts it in place with one ``os.replace``; :meth:`discard`
    removes the temp file and the history copy (the register was not replaced).
    """

    target: Path
    tmp: Path
    history: Path | None

    def commit(self) -> Path:
        os.replace(self.tmp, self.target)
        return self.target

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)
        if self.history is not None:
            self.history.unlink(missing_ok=True)


def _history_copy(current: Path, period: Period) -> Path:
    history = current.parent / REGISTER_HISTORY
    history.mkdir(exist_ok=True)
    suffix = current.suffix.lower()
    label = _written_for(current) if suffix == ".xlsx" else f"before-{period}"
    keep = history / f"{label}{suffix}"
    k = 2
    while keep.exists():
        keep = history / f"{label}-{k}{suffix}"
        k += 1
    shutil.copy2(current, keep)
    return keep


def _user_headers(source, current: Path | None, sheet=None, encoding: str | None = None) -> dict[str, str]:
    """Contract column → the header the user's register uses: from
    ``tables.actions.columns`` or, for a header the contract knows by an alias
    (``措施编号`` …), from the first row of the current file."""
    from .schemas import table_contract

    mapped = dict(source.columns) if source is not None else {}
    known = {alias.strip().lower(): col.name for col in table_contract("actions").columns for alias in (col.name, *col.aliases)}
    header: list = []
    try:
        if current is not None and current.exists():
            if current.suffix.lower() == ".xlsx":
                header = list(pd.read_excel(current, sheet_name=sheet if sheet is not None else 0, nrows=0).columns)
            elif current.suffix.lower() == ".parquet":
                import pyarrow.parquet as pq

                header = list(pq.read_schema(current).names)
            else:
                header = list(pd.read_csv(current, nrows=1, sep=None, engine="python", encoding=encoding or "utf-8-sig",
                                          encoding_errors="replace").columns)
    except Exception:  # noqa: BLE001 - an unreadable header: write the contract names
        header = []
    back: dict[str, str] = {}
    for h in header:
        name = mapped.get(h) or known.get(str(h).strip().lower())
        if name is not None:
            back.setdefault(name, h)
    for h, name in mapped.items():
        back.setdefault(name, h)
    return {k: v for k, v in back.items() if k != v}


def _write_xlsx_like(updated: Path, current: Path | None, tmp: Path, source, read_sheet: str | None = None) -> None:
    """The updated register in the user's workbook: the register sheet (its name,
    position and headers as the user keeps them) replaced, every other sheet kept."""
    import openpyxl

    sheet = read_sheet if read_sheet is not None else (source.sheet if source is not None else None)
    headers = _user_headers(source, current, sheet)
    book = openpyxl.load_workbook(current) if current is not None and current.exists() else None
    others = [n for n in (book.sheetnames if book is not None else []) if n not in ("actions", "_salesnb", "_labels")]
    if sheet in (None, "actions") and not headers and not others:
        shutil.copy2(updated, tmp)  # the register exactly as step 4 wrote it
        return
    new = openpyxl.load_workbook(updated)
    if book is None:
        book = openpyxl.Workbook()
        book.remove(book.active)
    if isinstance(sheet, int) and sheet < len(book.worksheets):
        title = book.worksheets[sheet].title
    elif isinstance(sheet, str):
        title = sheet
    else:
        title = "actions"
    index = book.sheetnames.index(title) if title in book.sheetnames else (sheet if isinstance(sheet, int) else 0)
    for name in (title, "_salesnb", "_labels"):
        if name in book.sheetnames:
            book.remove(book[name])
    index = min(index, len(book.sheetnames))
    for name, position in ((title, index), ("_salesnb", None), ("_labels", None)):
        if name not in new.sheetnames and name != title:
            continue
        src = new["actions" if name == title else name]
        dst = book.create_sheet(name, position)
        for r, row in enumerate(src.iter_rows(), start=1):
            for c, cell in enumerate(row, start=1):
                value = headers.get(cell.value, cell.value) if r == 1 and name == title else cell.value
                out = dst.cell(row=r, column=c, value=value)
                out.number_format = cell.number_format
    book.save(tmp)


def _write_table_like(updated: Path, current: Path | None, tmp: Path, fmt: str, source, encoding: str | None) -> None:
    """The updated register as CSV (dates ``YYYY-MM-DD``) or Parquet, headers as the user keeps them."""
    frame = pd.read_excel(updated, sheet_name="actions", dtype=object)
    for col in ("start", "due"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], errors="coerce")
            if fmt != "parquet":
                frame[col] = frame[col].dt.date
    for col in ("baseline", "target"):
        if col in frame:
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    read_with = (source.encoding if source is not None and source.encoding else None) or encoding
    frame = frame.rename(columns=_user_headers(source, current, encoding=read_with))
    if fmt == "parquet":
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(lambda v: v if v is None or isinstance(v, float) and math.isnan(v) else str(v))
        frame.to_parquet(tmp, index=False)
        return
    enc = read_with or "utf-8-sig"
    if enc == "utf-8":
        enc = "utf-8-sig"  # Excel opens Chinese text in a UTF-8 CSV only with the BOM
    frame.to_csv(tmp, index=False, encoding=enc, sep="\t" if ".tsv." in tmp.name.lower() else ",",
                 date_format="%Y-%m-%d")


def stage_register(updated: str | Path, period: Period, target: str | Path, source=None, encoding: str | None = None,
                   sheet: str | None = None) -> StagedRegister:
    """Write the run's updated register beside ``target`` as a temp file, in the
    format of ``target`` (``.xlsx``, ``.csv``/``.tsv``/``.txt`` or ``.parquet``),
    after copying the version it will replace to ``actions.history/`` beside it.

    Parameters
    ----------
    updated : path
        The register step 4 wrote (``artifacts/actions.xlsx`` of the run).
    period : Period
        The run's period (written into the register; names CSV history copies).
    target : path
        Where the user keeps the register (:func:`register_path`).
    source : TableSource, optional
        ``tables.actions`` of ``workspace.yaml``: its ``sheet`` and ``columns``
        are kept in what is written back.
    encoding : str, optional
        The encoding the CSV register was read with.
    sheet : str, optional
        The worksheet the register was read from (replaced in place; the
        workbook's other sheets are kept).
    """
    updated, target = Path(updated), Path(target)
    suffix = target.suffix.lower()
    fmt = {".xlsx": "xlsx", ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet"}.get(suffix)
    if fmt is None:
        raise ValueError(f"the action register {target} has a type salesnb cannot write ({suffix or 'no extension'}): use .xlsx, .csv or .parquet")
    current = target if target.exists() else None
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    history = None
    try:
        history = _history_copy(current, period) if current is not None else None
        if fmt == "xlsx":
            _write_xlsx_like(updated, current, tmp, source, sheet)
        else:
            _write_table_like(updated, current, tmp, fmt, source, encoding)
    except BaseException:
        tmp.unlink(missing_ok=True)
        if history is not None:
            history.unlink(missing_ok=True)
        raise
    return StagedRegister(target, tmp, history)


def publish_register(workspace: str | Path, updated: str | Path, period: Period, current: str | Path | None = None,
                     source=None, encoding: str | None = None, sheet: str | None = None) -> Path:
    """Put the run's updated register where the user keeps it, in the same format.

    The register is written back to ``current`` (default :func:`register_path`
    of ``workspace``: ``tables.actions.file``, else ``actions.csv`` /
    ``actions.xlsx`` / ``actions.parquet`` in the workspace, else a new
    ``actions.xlsx``). The version it replaces is first copied to
    ``actions.history/`` beside it — ``<period it was written for>.xlsx``
    (``initial.xlsx`` for a register started by hand) or
    ``before-<period>.csv`` — and an existing history file is never
    overwritten (a ``-2``, ``-3`` … suffix is added). The user's file is never
    deleted or moved; the write is atomic (a temp file beside it, then one
    ``os.replace``). ``salesnb run`` uses :func:`stage_register` and commits
    it together with the report.
    """
    target = Path(current).resolve() if current else register_path(workspace)
    return stage_register(updated, period, target, source, encoding, sheet).commit()


# ---------------------------------------------------------------- tracking

def _survey_test(kpi: str, tables: Tables, segment: dict, before: Period, now: Period):
    from .survey import nps_change_test, welch_test

    sub = tables.scoped(segment)
    if sub.surveys is None:
        return None
    a = sub.surveys.loc[now.contains(sub.surveys["survey_date"])]
    b = sub.surveys.loc[before.contains(sub.surveys["survey_date"])]
    if kpi == "nps":
        return nps_change_test(m.nps(a["nps"]), m.nps(b["nps"]))
    col = kpi[4:] if kpi.startswith("dim:") else ("satisfaction" if kpi == "satisfaction_mean" else None)
    if col is None or col not in a:
        return None
    return welch_test(a[col], b[col])


def track(register: pd.DataFrame, tables: Tables, period: Period, alpha: float = 0.05) -> pd.DataFrame:
    """Judge every action opened before ``period`` on its KPI.

    For each: the baseline (the register's, measured when it was opened), the
    KPI now in the action's segment, the change, and for survey KPIs (NPS,
    satisfaction, ``dim:`` scores) the two-sided test of step 3 between the
    answers of the opening period and of ``period`` (NPS: z; means: Welch).

    Verdicts: *effective* — moved the right way, significantly for survey
    KPIs, otherwise by at least half the planned change (target − baseline);
    *ineffective* — moved the wrong way significantly, or the due date has
    passed without an effect; *not yet* — otherwise; *no data* — the KPI
    cannot be computed. Dropped actions are not judged. ``overdue`` flags open
    actions past their due date.
    """
    rows = []
    for row in register.itertuples():
        opened = str(row.period_opened) if pd.notna(row.period_opened) else None
        if row.status == "dropped" or opened is None:
            continue
        try:
            p_open = Period.parse(opened, period.start_month)
        except ValueError:
            continue
        if p_open.end >= period.end:  # opened in this period (or later): nothing to judge yet
            continue
        segment = parse_segment(row.segment)
        direction = -1 if (row.kpi in LOWER_IS_BETTER or row.kpi == "median_first_response_hours") else 1
        baseline = float(row.baseline) if pd.notna(row.baseline) else kpi_value(row.kpi, tables, p_open, segment)
        current = kpi_value(row.kpi, tables, period, segment)
        change = current - baseline if baseline == baseline and current == current else float("nan")
        test = _survey_test(row.kpi, tables, segment, p_open, period) if (row.kpi in ("nps", "satisfaction_mean") or str(row.kpi).startswith("dim:")) else None
        p_value = test.p_value if test is not None else float("nan")
        overdue = row.status in OPEN_STATUSES and pd.notna(row.due) and row.due < period.end_exclusive
        due_passed = pd.notna(row.due) and row.due < period.end_exclusive
        if change != change:
            verdict = "no_data"
        else:
            good = direction * change > 0
            if test is not None and p_value == p_value:
                significant = p_value < alpha
                verdict = "effective" if good and significant else "ineffective" if (not good and significant) or (due_passed and not good) else "not_yet"
            else:
                planned = (row.target - baseline) if pd.notna(row.target) else float("nan")
                enough = planned == planned and planned != 0 and change / planned >= 0.5
                verdict = "effective" if good and enough else "ineffective" if due_passed and not good else "not_yet"
        rows.append({"action_id": row.action_id, "problem": row.problem, "segment": row.segment if pd.notna(row.segment) else "company",
                     "kpi": row.kpi, "period_opened": opened, "baseline": baseline, "current": current, "change": change,
                     "target": row.target, "p_value": p_value, "test": test.test if test is not None else None,
                     "status": row.status, "overdue": bool(overdue), "verdict": verdict})
    return pd.DataFrame(rows, columns=["action_id", "problem", "segment", "kpi", "period_opened", "baseline", "current", "change", "target",
                                       "p_value", "test", "status", "overdue", "verdict"])


# ---------------------------------------------------------------- goals

def goal_attainment(goals_list, tables: Tables, period: Period) -> pd.DataFrame:
    """Each goal's target against the actual to date.

    - deadline not started yet: status ``not_started`` (the latest value is shown);
    - deadline in progress: amounts are projected at the run-rate of last
      year's seasonality (year-to-date ÷ last year's same span × last year's
      full period); rates use the latest quarter; ``on_track`` when the
      projection meets the target (lower is better for churn, complaints and
      late responses);
    - deadline passed: ``achieved`` or ``missed`` on the final value;
    - ``no_baseline`` when the target cannot be set because the data does not
      cover the baseline period in full (a growth target on a year the data
      starts inside of). Projections use last year's seasonality only when
      the data covers last year's period, else the run-rate.
    """
    from .goals import _target_value, last_complete_year

    rows = []
    last_q = period.quarters()[-1]
    for g in goals_list:
        try:
            d = Period.parse(g.deadline, period.start_month)
        except ValueError:
            continue
        if g.metric not in METRICS:
            continue
        sub = tables.scoped(g.scope) if all(c in tables.sales for c in g.scope) else None
        if sub is None:
            continue
        lower = g.metric in LOWER_IS_BETTER
        latest = last_q if d.is_quarter else Period(last_complete_year(period), None, period.start_month)
        base_p = d.year_ago() if (g.target.growth is not None and d.year_ago() <= latest) else latest
        # a baseline period the data starts inside of would understate it (as in goals.check_goals)
        baseline = metric_value(g.metric, sub, base_p) if tables.covers(base_p) else float("nan")
        target = _target_value(g, baseline)
        if period.end < d.start:
            status, actual, projection = "not_started", float("nan"), float("nan")
        elif period.end >= d.end:
            actual = metric_value(g.metric, sub, d)
            projection = actual
            status = "achieved" if (actual <= target if lower else actual >= target) else "missed"
        else:
            to_date = [q for q in d.quarters() if q <= last_q]
            if g.metric in FLOW_METRICS and g.metric != "aov":
                actual = sum(metric_value(g.metric, sub, q) for q in to_date)
                seasonal = tables.covers(d.year_ago())  # last year's seasonality only from a year the data covers
                last_year_part = sum(metric_value(g.metric, sub, q.year_ago()) for q in to_date) if seasonal else 0.0
                last_year_full = metric_value(g.metric, sub, d.year_ago()) if seasonal else float("nan")
                projection = actual * last_year_full / last_year_part if last_year_part > 0 else actual * len(d.quarters()) / len(to_date)
            else:
                actual = metric_value(g.metric, sub, last_q)
                projection = actual
            status = "on_track" if (projection <= target if lower else projection >= target) else "off_track"
        if target != target and status != "not_started":
            status = "no_baseline"
        rows.append({"goal_id": g.id, "metric": g.metric, "scope": segment_of(g.scope), "deadline": g.deadline, "baseline": baseline,
                     "target": target, "actual": actual, "projection": projection, "status": status,
                     "on_track": {"on_track": True, "achieved": True, "off_track": False, "missed": False}.get(status)})
    return pd.DataFrame(rows, columns=["goal_id", "metric", "scope", "deadline", "baseline", "target", "actual", "projection", "status", "on_track"])


# ---------------------------------------------------------------- report tables and narrative

def _t(key, lang, **kw):
    from .i18n import t

    return t(key, lang, **kw)


def kpi_label(kpi: str, lang: str, dimension_labels: dict[str, str] | None = None) -> str:
    """A KPI name as readers know it."""
    from .i18n import LABELS

    if kpi.startswith("dim:"):
        return (dimension_labels or {}).get(kpi[4:], kpi[4:])
    key = kpi if kpi in LABELS else f"im_kpi_{kpi}"
    return _t(key, lang) if key in LABELS else kpi


def format_kpi(kpi: str, value: float, lang: str, unit: str = "万元") -> str:
    """A KPI value: money in ``unit``, shares as %, NPS with one decimal, 1–5 scores with two, counts whole."""
    from .i18n import money, number, pct

    if value is None or value != value:
        return _t("not_available", lang)
    if kpi in ("revenue", "aov"):
        return money(value, unit, lang)
    if kpi in ("nps",):
        return number(value, lang, 1)
    if kpi.startswith("dim:") or kpi == "satisfaction_mean":
        return number(value, lang, 2)
    if kpi in ("new_customers", "complaints", "orders", "active_customers"):
        return number(value, lang)
    if kpi == "median_first_response_hours":
        return number(value, lang, 1) + " h"
    if kpi == "mean_delay_days":
        return _t("dl_days", lang, days=number(value, lang, 1, signed=True))
    return pct(value, lang)


def problem_label(ptype: str, lang: str) -> str:
    from .i18n import LABELS

    key = f"im_problem_{ptype}" if f"im_problem_{ptype}" in LABELS else f"pr_type_{ptype}"  # step-1 symptoms: the register's names
    return _t(key, lang) if key in LABELS else ptype


def segment_label(segment: str, lang: str) -> str:
    parsed = parse_segment(segment)
    return _t("im_company", lang) if not parsed else "、".join(v for vals in parsed.values() for v in vals) if lang == "zh" else ", ".join(v for vals in parsed.values() for v in vals)


def proposal_table(proposals: pd.DataFrame, lang: str, dimension_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Proposals as a display table: problem, segment, measure, KPI baseline → target, owner, due, impact, effort, class."""
    from .i18n import number

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


def tracking_narrative(tracking: pd.DataFrame, lang: str) -> str:
    """One sentence counting the verdicts of the earlier actions.

    Examples
    --------
    >>> tracking_narrative(pd.DataFrame({"verdict": ["effective", "not_yet", "effective"]}), "en")
    '3 earlier actions judged on their KPI: 2 effective, 1 not yet, 0 ineffective, 0 without data.'
    """
    if tracking.empty:
        return _t("im_no_tracking", lang)
    counts = tracking["verdict"].value_counts()
    return _t("im_narr_tracking", lang, n=len(tracking), **{v: int(counts.get(v, 0)) for v in VERDICTS})


def tracking_table(tracking: pd.DataFrame, lang: str, dimension_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Earlier actions with their KPI then and now, the test and the verdict."""
    from .i18n import number

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


def opened_in(register: pd.DataFrame, period: Period) -> list[str]:
    """Ids of the actions opened in ``period`` and still planned (added by this run or an earlier run of the same period).

    >>> opened_in(pd.DataFrame({"action_id": ["A1", "A2", "A3"], "status": ["planned", "planned", "in_progress"],
    ...                         "period_opened": ["2025Q4", "2025Q3", "2025Q4"]}), Period.parse("2025Q4"))
    ['A1']
    """
    if register is None or not len(register) or "period_opened" not in register:
        return []
    mask = (register["status"] == "planned") & (register["period_opened"].astype(str) == str(period))
    return [str(i) for i in register.loc[mask, "action_id"]]


def write_decisions(items: list[dict], output_dir: str | Path, period: Period) -> Path:
    """``artifacts/decisions.json``: the period and :func:`decision_items` (language-neutral)."""
    from .artifacts import write_json

    return write_json({"period": str(period), "decisions": items}, output_dir, "decisions.json")


def decision_items(added: pd.DataFrame, tracking: pd.DataFrame, attainment: pd.DataFrame, register: pd.DataFrame,
                   period: Period) -> list[dict]:
    """What leadership should decide now, language-neutral (written to ``decisions.json``).

    Each item is ``{"kind": ..., "n": ..., "ids": [...]}``, kinds in the order
    of :data:`DECISION_KINDS`: ``confirm`` — planned actions opened in
    ``period`` (the rows ``added`` now, and those an earlier run of the same
    period already added: a second run, in either language, asks the same);
    ``overdue`` — open actions past their due date; ``ineffective`` and
    ``close`` — from the tracking verdicts; ``goals`` — goals off track or
    missed. Only keys, ids and statuses are read, never text, so English and
    Chinese runs decide the same.

    Examples
    --------
    >>> reg = pd.DataFrame({"action_id": ["A1", "A2"], "status": ["planned", "in_progress"], "period_opened": ["2025Q4", "2025Q3"],
    ...                     "due": pd.to_datetime(["2026-06-30", "2025-11-30"])})
    >>> none = pd.DataFrame()
    >>> decision_items(reg.iloc[:0], none, none, reg, Period.parse("2025Q4"))
    [{'kind': 'confirm', 'n': 1, 'ids': ['A1']}, {'kind': 'overdue', 'n': 1, 'ids': ['A2']}]
    """
    def item(kind: str, ids) -> list[dict]:
        ids = list(dict.fromkeys(str(i) for i in ids))
        return [{"kind": kind, "n": len(ids), "ids": ids}] if ids else []

    reg = register if register is not None else pd.DataFrame(columns=REGISTER_COLUMNS)
    confirm = [*(added["action_id"] if len(added) else []), *opened_in(reg, period)]
    out = item("confirm", sorted(set(map(str, confirm))))
    if len(reg):
        late = reg[reg["status"].isin(OPEN_STATUSES) & (pd.to_datetime(reg["due"]) < period.end_exclusive)]
        out += item("overdue", late["action_id"])
    if len(tracking):
        out += item("ineffective", tracking.loc[tracking["verdict"] == "ineffective", "action_id"])
        out += item("close", tracking.loc[(tracking["verdict"] == "effective") & (tracking["status"] != "done"), "action_id"])
    if len(attainment):
        out += item("goals", attainment.loc[attainment["status"].isin(["off_track", "missed"]), "goal_id"])
    return out


def decisions(added: pd.DataFrame, tracking: pd.DataFrame, attainment: pd.DataFrame, register: pd.DataFrame, period: Period,
              lang: str, items: list[dict] | None = None) -> list[str]:
    """What leadership should decide now, one sentence each (:func:`decision_items` in ``lang``)."""
    from .i18n import count

    items = decision_items(added, tracking, attainment, register, period) if items is None else items
    sep = "、" if lang == "zh" else ", "
    nouns = {"confirm": "new_action", "goals": "goal"}
    return [_t(f"im_decide_{d['kind']}", lang, what=count(d["n"], nouns.get(d["kind"], "action"), lang), ids=sep.join(d["ids"]))
            for d in items] or [_t("im_decide_nothing", lang)]


def plan_notes(plan: pd.DataFrame, problems: list[dict], lang: str, top_problems: int) -> list[str]:
    """Why a measure was not planned, one sentence each: a quick win or major project left for the quarter's limit,
    a problem an open action already covers, and the register's problems no library measure fits.

    ``plan`` is :func:`plan_order`'s output, ``problems`` :func:`problems_from`'s (register rows with ``problem_id``).
    """
    from .i18n import number

    out, waiting = [], []
    sep = "；" if lang == "zh" else "; "
    for row in plan.itertuples():
        pid = row.problem_id if isinstance(row.problem_id, str) else f"#{row.problem_rank}"
        title = problem_label(row.problem, lang)
        if row.decision == "open_action":
            out.append(_t("pr_plan_why_open", lang, pid=pid, title=title, action=row.open_action))
        elif row.decision == "limit" and row.quadrant in ("quick_win", "major_project"):
            waiting.append(_t("pr_plan_waiting", lang, pid=pid, title=title, quadrant=_t(f"im_q_{row.quadrant}", lang), measure=row.measure,
                              impact=number(row.impact, lang, 2)))
    if waiting:
        out.append(_t("pr_plan_why_limit", lang, top=top_problems, items=sep.join(waiting)))
    measured = set(plan["problem_id"].dropna()) if "problem_id" in plan else set()
    bare = [p for p in problems if p.get("problem_id") and p["problem_id"] not in measured]
    if bare:
        sep = "、" if lang == "zh" else ", "
        out.append(_t("pr_plan_no_measure", lang, items=sep.join(f"{p['problem_id']} {problem_label(p['type'], lang)}" for p in bare)))
    return out


def summary_metrics(register: pd.DataFrame, tracking: pd.DataFrame, attainment: pd.DataFrame, period: Period) -> dict[str, int]:
    """``actions_open``, ``actions_overdue``, ``actions_effective``, ``goals_on_track``, ``goals_total`` for summary.json."""
    status = register_status(register, period) if len(register) else {"open": 0, "overdue": 0}
    started = attainment[attainment["on_track"].notna()] if len(attainment) else attainment
    return {
        "actions_open": status["open"], "actions_overdue": status["overdue"],
        "actions_effective": int((tracking["verdict"] == "effective").sum()) if len(tracking) else 0,
        "goals_on_track": int(started["on_track"].astype(bool).sum()) if len(started) else 0,
        "goals_total": int(len(attainment)),
    }
