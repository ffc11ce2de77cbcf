"""One ranked problem register, from step 1's bottlenecks to the one-page summary.

Step 1 scans the history for bottlenecks (``bottlenecks.csv``: weak acquisition,
rising churn, falling scores, rising complaints …); step 3 diagnoses the period's
problems from surveys, complaints, free text and churn (``diagnosis.json``). Both
name problems; this module merges them into **one** list, ranked by one
**severity**, with the ids ``P1``, ``P2`` … in that order. Step 3 writes it into
``diagnosis.json`` (``register``) and ``problems.csv``, records its count in
``summary.json`` (``problems``); step 4 proposes measures per problem id, and the
summary's top three are P1–P3.

Severity (docs/metrics.md) is step 1's rule applied to every problem:
``excess × √(revenue share at stake)``, where ``excess`` is how many times its
threshold the problem's evidence exceeds (clipped to 1–:data:`salesnb.goals.MAX_EXCESS`)
and the revenue share is the segment's share of the company's revenue in the
twelve months to the period end (1 for the whole company). A problem's severity
is the largest of its own (step 3) and its linked step-1 findings'.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping

import pandas as pd

from .config import PROBLEM_TYPES
from .goals import MAX_EXCESS, describe_bottlenecks
from .i18n import LABELS, money, number, t
from .periods import Period

__all__ = ["PROBLEM_COLUMNS", "SYMPTOMS", "problem_register", "segment_revenue", "step3_excess", "finding_type", "register_table",
           "narrative_register", "top_problem_lines", "problem_title", "register_for", "with_register", "id_prefix", "register_count"]

PROBLEM_COLUMNS = ["problem_id", "rank", "type", "title_en", "title_zh", "source", "segment", "regions", "severity", "revenue_at_stake",
                    "revenue_share", "evidence_en", "evidence_zh", "step3_rank", "step1_ranks"]
"""Columns of ``problems.csv`` (and of :func:`problem_register`)."""

SYMPTOMS = ("falling_nps", "growth_stall", "revenue_fall")
"""Step-1 findings that are outcomes, not causes: linked to a diagnosed survey problem of the same region
when there is one (``falling_nps``), otherwise listed as problems of their own (no measure in the library)."""

_KIND_TYPES = {"weak_acquisition": "weak_acquisition", "rising_churn": "high_churn", "promise_broken": "slow_after_sales_response",
               "late_delivery": "delivery_delay"}


def finding_type(row: Mapping, dimension_problems: Mapping[str, str], complaint_problems: Mapping[str, str]) -> str | None:
    """The problem type a step-1 finding is evidence for, or None for a symptom or an unmapped category.

    Examples
    --------
    >>> finding_type({"kind": "rising_complaints", "metric": "售后响应慢"}, {}, {"售后响应慢": "slow_after_sales_response"})
    'slow_after_sales_response'
    >>> finding_type({"kind": "falling_dimension", "metric": "price"}, {"price": "price_perception"}, {}), finding_type({"kind": "falling_nps", "metric": "nps"}, {}, {})
    ('price_perception', None)
    """
    kind, metric = row["kind"], str(row.get("metric"))
    if kind in _KIND_TYPES:
        return _KIND_TYPES[kind]
    if kind == "falling_dimension":
        return dimension_problems.get(metric)
    if kind == "rising_complaints":
        return complaint_problems.get(metric)
    return None


def segment_revenue(sales: pd.DataFrame, period: Period) -> pd.Series:
    """Revenue by region in the twelve months to the end of ``period`` (the same window as step 1's shares
    and step 3's revenue affected); the company total is ``.sum()``."""
    end = period.end_exclusive
    mask = ((sales["order_date"] >= end - pd.DateOffset(months=12)) & (sales["order_date"] < end)).to_numpy()
    return sales.loc[mask].groupby("region")["amount"].sum().astype(float)


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def step3_excess(problem: Mapping, min_gap: float, churn_points: float, nps_points: float) -> float:
    """How many thresholds beyond its line a diagnosed problem is (0 when it shows no gap).

    * survey problems: the score gap (1–5 points) ÷ ``min_gap`` (step 3's minimum region gap);
    * delivery problems: the outcome points lost to late deliveries ÷ ``min_gap`` (1–5 satisfaction) or ÷ ``nps_points`` (NPS);
    * churn: the churn-rate gap against the rest of the company ÷ ``churn_points`` (step 1's churn rise);
    * complaint and text problems: 1 (they passed their line: a vital-few category, a theme in enough texts).

    A problem with any gap has at least 1 (it passed step 3's significance test), at most ``MAX_EXCESS``.

    Examples
    --------
    >>> step3_excess({"basis": "survey", "gap": 0.5}, 0.2, 0.03, 8), step3_excess({"basis": "churn", "gap": 0.06}, 0.2, 0.03, 8)
    (2.5, 2.0)
    >>> step3_excess({"basis": "survey", "gap": 0.0}, 0.2, 0.03, 8), step3_excess({"basis": "text", "gap": None}, 0.2, 0.03, 8)
    (0.0, 1.0)
    """
    basis, gap = problem.get("basis"), problem.get("gap")
    if basis in ("complaints", "text"):
        return 1.0
    if _nan(gap) or gap <= 0:
        return 0.0
    if basis == "churn":
        raw = gap / churn_points
    elif basis == "delivery" and problem.get("outcome", "nps") == "nps":
        raw = gap / nps_points
    else:
        raw = gap / min_gap
    return float(min(max(raw, 1.0), MAX_EXCESS))


def problem_title(ptype: str, lang: str) -> str:
    """A problem type's name: the diagnosis vocabulary, or a step-1 symptom's name."""
    key = f"dg_type_{ptype}" if ptype in PROBLEM_TYPES else f"pr_type_{ptype}"
    return t(key, lang) if key in LABELS else ptype


def _scope_of(segment: Mapping[str, list]) -> list[str]:
    return [str(v) for vals in segment.values() for v in vals]


def _finding_text(row: pd.Series, lang: str, dim_labels: Mapping[str, str]) -> str:
    """A step-1 finding in plain words (the NPS fall without its z-score)."""
    if row["kind"] == "falling_nps":
        where = t("gl_company", lang) if row["scope_type"] == "company" else str(row["scope"])
        return t("pr_ev_falling_nps", lang, where=where, cur=number(row["current"], lang, 1), prev=number(row["previous"], lang, 1),
                 n=number(row.get("n"), lang))
    return str(describe_bottlenecks(pd.DataFrame([row]), lang, dict(dim_labels)).iloc[0])


def _at_stake(segment: Mapping[str, list], revenue: pd.Series, total: float) -> float:
    """The revenue of ``segment``: the company's for the whole company, its regions' for regions, NaN for other scopes."""
    regions = segment.get("region")
    if not segment:
        return total
    if regions and set(segment) == {"region"}:
        return float(sum(float(revenue.get(r, 0.0)) for r in regions))
    return float("nan")


def _diagnosed(record: Mapping | None, revenue: pd.Series, total: float, min_gap: float, churn_points: float,
               nps_points: float) -> list[dict]:
    """Step 3's problems as register entries, with their own severity (``excess × √share``, or ``excess`` without a share)."""
    problems: list[dict] = []
    for p in (record or {}).get("problems", []):
        segment = {"region": list(p["regions"])} if p.get("regions") else {}
        rev = _at_stake(segment, revenue, total)
        share = rev / total if total and rev == rev else float("nan")
        excess = step3_excess(p, min_gap, churn_points, nps_points)
        sev = excess * math.sqrt(share) if share == share else excess
        problems.append({"type": p["type"], "segment": segment, "source": "3", "severity": sev, "revenue_at_stake": rev,
                         "evidence": {lg: [e["text"][lg] for e in p.get("evidence", []) if e.get("kind") != "driver_weight"] for lg in ("en", "zh")},
                         "step3_rank": int(p["rank"]), "step1_ranks": [], "statement": p.get("statement")})
    return problems


def _link_target(row: pd.Series, ptype: str | None, scope: str | None, problems: list[dict], by_type: Mapping[str, dict],
                 dimension_problems: Mapping[str, str]) -> dict | None:
    """The step-3 problem a step-1 finding links to: a regional NPS fall to the first-ranked survey (or delivery) problem
    of its region, any other finding to the problem of its type; None when there is none."""
    if ptype is None and row["kind"] == "falling_nps" and scope is not None and row["scope_type"] == "region":
        return next((p for p in problems if p["source"] != "1" and p.get("step3_rank") and scope in p["segment"].get("region", [])
                     and p["type"] in set(dimension_problems.values()) | {"delivery_delay"}), None)
    if ptype is not None and ptype in by_type:
        return by_type[ptype]
    return None


def _link(target: dict, scope: str | None, texts: Mapping[str, str], sev: float, rank: int | None) -> None:
    """Add a step-1 finding to ``target``: its evidence and rank, and its severity when its scope is inside the target's."""
    inside = scope is None or not target["segment"] or scope in _scope_of(target["segment"])
    if inside:
        target["severity"] = max(target["severity"], sev)
    target["source"] = "1+3" if target["source"] in ("3", "1+3") else target["source"]
    for lg in ("en", "zh"):
        target["evidence"][lg].append(texts[lg])
    if rank is not None:
        target["step1_ranks"].append(rank)


def _merge_findings(problems: list[dict], bottlenecks: pd.DataFrame | None, dimension_problems: Mapping[str, str],
                    complaint_problems: Mapping[str, str], dim_labels: Mapping[str, Mapping[str, str]]) -> dict[str, dict]:
    """Link step 1's findings to step 3's ``problems`` (updated in place); the findings left over, grouped by type (or kind
    for a symptom), in the order first met: ``{key: {"type": key, "findings": [(row, texts, severity, rank), …]}}``."""
    by_type = {p["type"]: p for p in problems}
    findings = bottlenecks if bottlenecks is not None and len(bottlenecks) else pd.DataFrame(columns=["kind"])
    standalone: dict[str, dict] = {}
    for _, row in findings.iterrows():
        ptype = finding_type(row, dimension_problems, complaint_problems)
        scope = None if row["scope_type"] == "company" else str(row["scope"])
        texts = {lg: _finding_text(row, lg, dim_labels.get(lg, {})) for lg in ("en", "zh")}
        sev = float(row["severity"]) if not _nan(row.get("severity")) else 0.0
        rank = int(row["rank"]) if "rank" in row and not _nan(row.get("rank")) else None
        target = _link_target(row, ptype, scope, problems, by_type, dimension_problems)
        if target is not None:
            _link(target, scope, texts, sev, rank)
            continue
        key = ptype or str(row["kind"])
        entry = standalone.setdefault(key, {"type": key, "findings": []})
        entry["findings"].append((row, texts, sev, rank))
    return standalone


def _found_by_step1(key: str, entry: Mapping, revenue: pd.Series, total: float) -> dict:
    """A problem only step 1 found: company-wide when a finding is, else the scopes of its most severe finding's kind."""
    ordered = sorted(entry["findings"], key=lambda f: -f[2])
    lead = ordered[0][0]
    if any(f[0]["scope_type"] == "company" for f in ordered):
        segment: dict[str, list] = {}
        rev = total
    else:  # the scopes of the most severe finding's kind (regions, or product lines); others stay in the evidence
        same = [f[0] for f in ordered if f[0]["scope_type"] == lead["scope_type"]]
        scopes = list(dict.fromkeys(str(r["scope"]) for r in same))
        segment = {str(lead["scope_type"]): scopes}
        shares = {str(r["scope"]): float(r["revenue_share"]) for r in same if not _nan(r.get("revenue_share"))}
        rev = sum(shares.values()) * total if shares else _at_stake(segment, revenue, total)
    return {"type": key, "segment": segment, "source": "1", "severity": ordered[0][2], "revenue_at_stake": rev,
            "evidence": {lg: [f[1][lg] for f in ordered] for lg in ("en", "zh")},
            "step3_rank": None, "step1_ranks": sorted(f[3] for f in ordered if f[3] is not None), "statement": None}


def _rank_key(p: dict):
    """Most severe first; ties keep step 3's order, then step 1's."""
    return (-round(p["severity"], 9), p["step3_rank"] if p["step3_rank"] is not None else 10 ** 6, min(p["step1_ranks"], default=10 ** 6))


def _register_frame(problems: list[dict], total: float) -> pd.DataFrame:
    """The ranked entries as :data:`PROBLEM_COLUMNS` rows, with the ids ``P1``, ``P2`` … in their order."""
    rows = []
    for i, p in enumerate(problems, 1):
        rev = p["revenue_at_stake"]
        rows.append({
            "problem_id": f"P{i}", "rank": i, "type": p["type"], "title_en": problem_title(p["type"], "en"), "title_zh": problem_title(p["type"], "zh"),
            "source": p["source"], "segment": ";".join(f"{k}={'|'.join(v)}" for k, v in p["segment"].items()) or "company",
            "regions": "|".join(p["segment"].get("region", [])), "severity": float(p["severity"]), "revenue_at_stake": rev,
            "revenue_share": rev / total if total and rev == rev else float("nan"),
            "evidence_en": " | ".join(p["evidence"]["en"]), "evidence_zh": " | ".join(p["evidence"]["zh"]),
            "step3_rank": p["step3_rank"], "step1_ranks": " ".join(str(r) for r in p["step1_ranks"]),
        })
    out = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
    out["step3_rank"] = out["step3_rank"].astype("Int64")
    return out


def problem_register(record: Mapping | None, bottlenecks: pd.DataFrame | None, revenue: pd.Series, *, min_gap: float = 0.2,
                     churn_points: float = 0.03, nps_points: float = 8.0, dimension_problems: Mapping[str, str] | None = None,
                     complaint_problems: Mapping[str, str] | None = None,
                     dim_labels: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """One ranked register of the period's problems: step 3's diagnosed problems and step 1's bottlenecks.

    Parameters
    ----------
    record : ``diagnosis.json`` (:func:`salesnb.diagnosis.diagnosis_record`), or None.
    bottlenecks : step 1's ``bottlenecks.csv`` (:func:`salesnb.goals.bottlenecks`), or None.
    revenue : revenue by region over the twelve months to the period end (:func:`segment_revenue`).
    min_gap, churn_points, nps_points : the thresholds of :func:`step3_excess`.
    dimension_problems, complaint_problems : the workspace's maps of survey dimensions and complaint categories to problem types.
    dim_labels : ``{"en": {key: label}, "zh": …}`` for the dimension names in step 1's sentences.

    Returns
    -------
    One row per problem (:data:`PROBLEM_COLUMNS`), most severe first, ``problem_id`` ``P1``, ``P2`` …

    Notes
    -----
    * One problem per type. A step-3 problem keeps its segment; step-1 findings of its type
      link to it (as evidence, and to its severity when their scope is the company or one of its regions).
    * A type only step 1 found is one problem: company-wide when a company-wide finding exists, else the
      regions of its findings.
    * Symptoms (:data:`SYMPTOMS`): an NPS fall in a region links to the first-ranked step-3 survey problem of
      that region; any other symptom is a problem of its own kind (one per kind).
    * Severity = max(step 3's ``excess × √share``, linked findings' severity); ties keep step 3's order, then step 1's.
    """
    dimension_problems = dict(dimension_problems or {})
    complaint_problems = dict(complaint_problems or {})
    dim_labels = dim_labels or {"en": {}, "zh": {}}
    total = float(revenue.sum()) if len(revenue) else 0.0
    problems = _diagnosed(record, revenue, total, min_gap, churn_points, nps_points)
    standalone = _merge_findings(problems, bottlenecks, dimension_problems, complaint_problems, dim_labels)
    problems += [_found_by_step1(key, entry, revenue, total) for key, entry in standalone.items()]
    problems.sort(key=_rank_key)
    return _register_frame(problems, total)


def register_count(register: pd.DataFrame | list | None) -> int:
    """The number of problems in the register (the one count every page uses)."""
    return 0 if register is None else len(register)


def _segment_text(segment: str, lang: str) -> str:
    if not segment or segment == "company":
        return t("dg_whole_company", lang)
    vals = [v for part in str(segment).split(";") for v in part.partition("=")[2].split("|") if v]
    return ("、" if lang == "zh" else ", ").join(vals)


def register_table(register: pd.DataFrame, lang: str, unit: str, evidence: int = 2) -> pd.DataFrame:
    """The register as the leadership table: id, problem, segment, source step, evidence (plain), severity, revenue at stake."""
    sep = "；" if lang == "zh" else "; "
    return pd.DataFrame({
        t("pr_col_id", lang): register["problem_id"],
        t("dg_col_problem", lang): register[f"title_{lang}"],
        t("dg_col_scope", lang): [_segment_text(s, lang) for s in register["segment"]],
        t("pr_col_source", lang): [t(f"pr_source_{s.replace('+', '_')}", lang) for s in register["source"]],
        t("pr_col_severity", lang): [number(v, lang, 2) for v in register["severity"]],
        t("pr_col_revenue", lang): [money(v, unit, lang) if v == v else "—" for v in register["revenue_at_stake"]],
        t("dg_col_evidence", lang): [sep.join(y.strip().rstrip("。.") for y in str(x).split(" | ")[:evidence]) for x in register[f"evidence_{lang}"].fillna("")],
    })


def narrative_register(register: pd.DataFrame, lang: str) -> str:
    """One sentence: how many problems, and the first three by id.

    >>> reg = pd.DataFrame({"problem_id": ["P1", "P2"], "title_en": ["A", "B"], "segment": ["company", "region=西南"]})
    >>> narrative_register(reg, "en")
    'The problem register lists 2 problems from step 1 (goals) and step 3 (diagnosis), most severe first: P1 A (the whole company); P2 B (西南).'
    """
    if not len(register):
        return t("pr_narr_none", lang)
    top = ("；" if lang == "zh" else "; ").join(f"{r.problem_id} {getattr(r, 'title_' + lang)}（{_segment_text(r.segment, lang)}）" if lang == "zh"
                                               else f"{r.problem_id} {getattr(r, 'title_' + lang)} ({_segment_text(r.segment, lang)})"
                                               for r in register.head(3).itertuples())
    return t("pr_narr_register", lang, n=len(register), top=top, problems=t("pr_problem_one" if len(register) == 1 else "pr_problem_many", lang))


def _without_title(sentence: str, title: str) -> str:
    """A finding without its lead when the lead repeats the problem's title ("Company: weak new-customer
    acquisition — 143 new customers …" under that title reads "143 new customers …").

    >>> _without_title("全公司：新客户获取不足——近12个月新客户 143 个", "新客户获取不足"), _without_title("a — b", "c")
    ('近12个月新客户 143 个', 'a — b')
    """
    lead, dash, rest = sentence.partition("——") if "——" in sentence else sentence.partition(" — ")
    # only a lead of words (a figure in it, or a dash standing for a missing value, means it is the finding itself)
    return rest.strip() if dash and rest.strip() and title.casefold() in lead.casefold() and not re.search(r"\d", lead) else sentence


def top_problem_lines(register: list[dict], lang: str, top: int = 3, evidence: int = 2) -> list[str]:
    """The summary's top problems as plain text: ``P1 · title (segment): evidence; evidence`` from the register
    (``diagnosis.json``'s ``register`` records), the same evidence step 3's table shows (``evidence`` sentences;
    one for a problem only step 1 found, whose first finding already names it).

    >>> top_problem_lines([{"problem_id": "P1", "type": "x", "title_en": "Weak new-customer acquisition", "segment": "company",
    ...                     "evidence_en": "Company: weak new-customer acquisition — 143 new customers against 191 (−25.1%). | 华东: 37 against 53.",
    ...                     "source": "1+3"}], "en")
    ['P1 · Weak new-customer acquisition (the whole company): 143 new customers against 191 (−25.1%); 华东: 37 against 53']
    """
    out = []
    sep = "；" if lang == "zh" else "; "
    for r in register[:top]:
        title = r.get(f"title_{lang}") or r["type"]
        # a problem only step 1 found: its first finding already names it and its scope; one sentence keeps the page to A4
        items = [_without_title(x.strip().rstrip("。."), title) for x in str(r.get(f"evidence_{lang}") or "").split(" | ") if x.strip()]
        items = items[:1 if r.get("source") == "1" else evidence]
        out.append(f"{r['problem_id']} · " + t("pr_summary_line", lang, title=title, segment=_segment_text(r.get("segment"), lang), evidence=sep.join(items)))
    return out


def register_for(record: Mapping | None, bottlenecks: pd.DataFrame | None, sales: pd.DataFrame, period: Period, config,
                 dim_labels: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """:func:`problem_register` with the thresholds and maps of a workspace configuration (``diagnosis.min_gap``,
    ``bottlenecks.churn_rise_points`` / ``nps_drop_points``, ``diagnosis.dimension_problems`` / ``complaint_problems``)."""
    if dim_labels is None:
        dim_labels = {lg: {d.key: (d.zh if lg == "zh" else d.en) for d in config.survey.dimensions} for lg in ("en", "zh")}
    return problem_register(record, bottlenecks, segment_revenue(sales, period), min_gap=config.diagnosis.min_gap,
                            churn_points=config.bottlenecks.churn_rise_points, nps_points=config.bottlenecks.nps_drop_points,
                            dimension_problems=config.diagnosis.dimension_problems, complaint_problems=config.diagnosis.complaint_problems,
                            dim_labels=dim_labels)


def with_register(record: dict, register: pd.DataFrame) -> dict:
    """``diagnosis.json`` with the register (``register``: its rows; ``problem_count``) and each diagnosed
    problem's register id (``problem_id``)."""
    rows = register.astype(object).where(register.notna(), None).to_dict("records")
    ids = {int(r["step3_rank"]): r["problem_id"] for r in rows if r.get("step3_rank") is not None}
    problems = [{**p, "problem_id": ids.get(int(p["rank"]))} for p in record.get("problems", [])]
    return {**record, "problems": problems, "register": rows, "problem_count": len(rows)}


def id_prefix(record: Mapping) -> str:
    """``"P2 · "``: the register id of step 3's top diagnosed problem, put before its statement ("" without one)."""
    first = (record.get("problems") or [{}])[0]
    return f"{first['problem_id']} · " if first.get("problem_id") else ""
