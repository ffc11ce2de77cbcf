"""Step 4's proposals: the problems measures are proposed for (:func:`problems_from`) and every fitting
measure with its impact, effort and impact–effort class (:func:`propose`).

Not here: which proposals the plan takes (:mod:`salesnb.improve.planning`) or
the proposals as a table (:mod:`salesnb.improve.views`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..goals import Tables
from ..periods import Period
from .kpi_values import _target, kpi_available, kpi_value, parse_segment, segment_of


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
