"""Charts of step 3 (diagnosis): the sample plan, scores with intervals, the
NPS distribution, drivers, the importance–performance matrix, the Pareto
chart, response times, frequent words, themes and the fishbone diagram.

Every function takes a table from :mod:`salesnb.survey` / :mod:`salesnb.diagnosis`
/ :mod:`salesnb.text` and returns a titled matplotlib ``Figure`` (closed, so it
shows once) in the report language.
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..i18n import t
from ..scales import outcome_scale
from . import finish

__all__ = ["sample_plan", "dimension_intervals", "nps_distribution", "nps_segments", "drivers", "ipa_matrix", "pareto",
           "response_by_region", "frequent_terms", "themes", "fishbone", "csat_distribution", "score_distribution", "csat_segments",
           "score_segments", "delivery_scores"]

_BLUE, _RED, _GREY, _GREEN, _AMBER = "#4c72b0", "#c44e52", "#8c8c8c", "#55a868", "#dd8452"


def sample_plan(plan: pd.DataFrame, lang: str):
    """Stacked bars: planned sample per region split by customer status."""
    wide = plan.pivot_table(index="region", columns="status", values="sample", aggfunc="sum", fill_value=0)
    order = [s for s in ("customer", "prospect", "lost") if s in wide.columns]
    fig, ax = plt.subplots()
    bottom = np.zeros(len(wide))
    colors = {"customer": _BLUE, "prospect": _GREY, "lost": _RED}
    for s in order:
        ax.bar(wide.index, wide[s], bottom=bottom, color=colors[s], label=t(f"dg_status_{s}", lang))
        bottom += wide[s].to_numpy()
    for x, total in zip(wide.index, bottom):
        ax.text(x, total, f"{int(total)}", ha="center", va="bottom", fontsize=9)
    ax.set_ylim(0, bottom.max() * 1.25 if len(bottom) else 1)
    ax.legend(fontsize=9, ncols=3, loc="upper center")
    return finish(ax, t("dg_chart_plan", lang, n=int(plan["sample"].sum())), t("region", lang), t("dg_axis_customers", lang))


def dimension_intervals(table: pd.DataFrame, labels: dict[str, str], lang: str, period, weighted: bool):
    """Mean 1–5 per dimension with its 95 % interval; top-2-box written next to each bar."""
    data = table.dropna(subset=["mean"]).assign(label=lambda d: d["dimension"].map(labels).fillna(d["dimension"])).sort_values("mean")
    fig, ax = plt.subplots()
    ys = np.arange(len(data))
    err = [data["mean"] - data["mean_low"], data["mean_high"] - data["mean"]]
    ax.barh(ys, data["mean"], xerr=err, capsize=3, color=_BLUE)
    for y, (m, top2) in enumerate(zip(data["mean"], data["top2"])):
        ax.text(1.05, y, f"{m:.2f} · {t('top2', lang)} {top2 * 100:.0f}%", va="center", fontsize=9, color="white")
    ax.set_yticks(ys, data["label"])
    ax.set_xlim(1, 5)
    which = t("dg_weighted" if weighted else "dg_unweighted", lang)
    n = int(table["n"].max()) if len(table) else 0
    return finish(ax, t("dg_chart_dims", lang, period=str(period), which=which, n=n), t("score_1_5", lang), t("dimension", lang))


def nps_distribution(scores: pd.Series, lang: str, period):
    """Histogram of the 0–10 answers, coloured detractor / passive / promoter."""
    s = pd.Series(scores, dtype="float64").dropna().astype(int)
    counts = s.value_counts().reindex(range(11), fill_value=0)
    colors = [_RED] * 7 + [_GREY] * 2 + [_GREEN] * 2
    fig, ax = plt.subplots()
    ax.bar(counts.index, counts.to_numpy(), color=colors)
    ax.set_xticks(range(11))
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in (_RED, _GREY, _GREEN)]
    ax.legend(handles, [t("detractors", lang), t("passives", lang), t("promoters", lang)], fontsize=9, loc="upper left")
    return finish(ax, t("dg_chart_nps_dist", lang, period=str(period), n=int(len(s))), t("dg_axis_score_0_10", lang), t("dg_axis_answers", lang))


def _segment_bars(table: pd.DataFrame, value: str, lang: str, period, weighted: bool, min_n: int, title_key: str,
                  axis_label: str, zero_line: bool, xlim=None):
    """Horizontal bars of ``value`` per segment with 95 % intervals, the company line, small groups hatched."""
    data = table.loc[table["segment_type"] != "all"].copy()

    def seg_name(row):
        if row["segment_type"] == "respondent_type":
            return t(f"dg_status_{row['segment']}", lang) if row["segment"] in ("customer", "prospect", "lost") else str(row["segment"])
        return str(row["segment"])
    data["name"] = [f"{t('dg_segtype_' + st, lang)} · {seg_name(r)} (n={r['n']})" for st, (_, r) in zip(data["segment_type"], data.iterrows())]
    fig, ax = plt.subplots(figsize=(8.5, max(3.5, 0.32 * len(data) + 1.5)))
    ys = np.arange(len(data))[::-1]
    err = [(data[value] - data["ci_low"]).clip(lower=0).fillna(0), (data["ci_high"] - data[value]).clip(lower=0).fillna(0)]
    colors = [_BLUE if st == "region" else (_AMBER if st == "tier" else _GREY) for st in data["segment_type"]]
    bars = ax.barh(ys, data[value], xerr=err, capsize=2, color=colors)
    for b, ok in zip(bars, data["reliable"]):
        if not ok:
            b.set_hatch("//")
            b.set_alpha(0.45)
    allrow = table.loc[table["segment_type"] == "all"]
    if len(allrow):
        ax.axvline(float(allrow[value].iloc[0]), color=_RED, linestyle="--", linewidth=1)
    if zero_line:
        ax.axvline(0, color="#444", linewidth=0.8)
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_yticks(ys, data["name"], fontsize=9)
    which = t("dg_weighted" if weighted else "dg_unweighted", lang)
    if not data["reliable"].all():
        ax.text(0.99, 0.01, t("dg_unreliable", lang, n=min_n), transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="#555")
    return finish(ax, t(title_key, lang, period=str(period), which=which), axis_label, t("dg_col_segment", lang))


def nps_segments(table: pd.DataFrame, lang: str, period, weighted: bool, min_n: int = 30):
    """NPS per segment (region, tier, respondent type) with 95 % intervals; small groups hatched."""
    return _segment_bars(table, "nps", lang, period, weighted, min_n, "dg_chart_nps_segments", t("nps_axis", lang), zero_line=True)


def drivers(table: pd.DataFrame, labels: dict[str, str], lang: str):
    """Relative importance per dimension (% of explained variance) with bootstrap intervals."""
    data = table.assign(label=table["dimension"].map(labels).fillna(table["dimension"])).sort_values("importance")
    fig, ax = plt.subplots()
    ys = np.arange(len(data))
    imp = data["importance"] * 100
    err = None
    if data["ci_low"].notna().all():
        err = [(imp - data["ci_low"] * 100).clip(lower=0), (data["ci_high"] * 100 - imp).clip(lower=0)]
    ax.barh(ys, imp, xerr=err, capsize=3, color=_BLUE)
    for y, v in zip(ys, imp):
        ax.text(v + 0.5, y + 0.25, f"{v:.0f}%", fontsize=9)
    ax.set_yticks(ys, data["label"])
    r2 = table.attrs.get("r2", float("nan"))
    key = outcome_scale(table.attrs.get("outcome") or "nps").drivers_chart
    return finish(ax, t(key, lang, r2=f"{r2:.2f}", n=table.attrs.get("n", 0)), t("dg_axis_importance", lang), t("dimension", lang))


def ipa_matrix(table: pd.DataFrame, labels: dict[str, str], lang: str):
    """Importance (x, %) against performance (y, mean 1–5), crosshairs at the means, quadrants named."""
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    x, y = table["importance"] * 100, table["performance"]
    colors = {"fix_first": _RED, "keep_up": _GREEN, "low_priority": _GREY, "possible_overkill": _AMBER}
    ax.scatter(x, y, s=90, c=[colors[q] for q in table["quadrant"]], zorder=3)
    for xi, yi, d in zip(x, y, table["dimension"]):
        ax.annotate(labels.get(d, d), (xi, yi), textcoords="offset points", xytext=(6, 5), fontsize=10)
    mx, my = table.attrs.get("importance_mean", x.mean() / 100) * 100, table.attrs.get("performance_mean", y.mean())
    ax.axvline(mx, color="#444", linewidth=0.8, linestyle="--")
    ax.axhline(my, color="#444", linewidth=0.8, linestyle="--")
    pad_x = max(5.0, (x.max() - x.min()) * 0.25)
    pad_y = max(0.15, (y.max() - y.min()) * 0.35)
    ax.set_xlim(max(0, x.min() - pad_x), x.max() + pad_x)
    ax.set_ylim(y.min() - pad_y, y.max() + pad_y)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for q, (qx, qy, ha, va) in {"fix_first": (x1, y0, "right", "bottom"), "keep_up": (x1, y1, "right", "top"),
                                "low_priority": (x0, y0, "left", "bottom"), "possible_overkill": (x0, y1, "left", "top")}.items():
        ax.text(qx, qy, t(f"dg_q_{q}", lang), ha=ha, va=va, fontsize=10, color=colors[q], alpha=0.9,
                bbox=dict(facecolor="white", edgecolor="none", alpha=0.7, pad=2))
    return finish(ax, t("dg_chart_ipa", lang, n=table.attrs.get("n", 0)), t("dg_axis_importance", lang), t("dg_axis_performance", lang))


def pareto(table: pd.DataFrame, lang: str, period, threshold: float = 0.8):
    """Pareto chart: counts largest first (vital few darker), cumulative share line and the threshold."""
    fig, ax = plt.subplots()
    xs = np.arange(len(table))
    ax.bar(xs, table["count"], color=[_RED if v else _GREY for v in table["vital_few"]])
    ax.set_xticks(xs, [textwrap.shorten(str(c), 18, placeholder="…") for c in table["cause"]], rotation=30, ha="right")
    ax2 = ax.twinx()
    ax2.plot(xs, table["cum_share"] * 100, color=_BLUE, marker="o")
    ax2.axhline(threshold * 100, color=_BLUE, linestyle=":", linewidth=1)
    ax2.set_ylim(0, 105)
    ax2.set_ylabel(t("dg_axis_cum", lang))
    ax2.grid(False)
    return finish(ax, t("dg_chart_pareto", lang, period=str(period), n=int(table["count"].sum())), t("category", lang), t("count_axis", lang))


def response_by_region(table: pd.DataFrame, lang: str, period, promise_hours: float):
    """Median first-response hours per region with the promise line; share over the promise written on each bar."""
    data = table.sort_values("median_hours")
    fig, ax = plt.subplots()
    ys = np.arange(len(data))
    colors = [_RED if h > promise_hours else _BLUE for h in data["median_hours"]]
    ax.barh(ys, data["median_hours"], color=colors)
    for y, (h, o, n) in enumerate(zip(data["median_hours"], data["over_promise"], data["tickets"])):
        ax.text(h + 0.5, y, f"{h:.0f} h · {o * 100:.0f}% > {promise_hours:g} h · n={n}", va="center", fontsize=9)
    ax.axvline(promise_hours, color=_RED, linestyle="--", linewidth=1, label=t("dg_promise", lang, hours=promise_hours))
    ax.set_yticks(ys, data["region"])
    ax.set_xlim(0, max(promise_hours, float(data["median_hours"].max())) * 1.45)
    ax.legend(fontsize=9, loc="lower right")
    return finish(ax, t("dg_chart_response", lang, period=str(period), n=int(data["tickets"].sum())), t("dg_axis_hours", lang), t("region", lang))


def frequent_terms(terms: pd.DataFrame, lang: str, source: str, n_texts: int, top: int = 15):
    """Horizontal bars: share of texts containing each of the most widespread words."""
    data = terms.loc[terms["kind"] == "word"].head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8.5, max(3.5, 0.3 * len(data) + 1.2)))
    ax.barh(np.arange(len(data)), data["share_of_texts"] * 100, color=_BLUE)
    ax.set_yticks(np.arange(len(data)), data["term"])
    for y, (v, c) in enumerate(zip(data["share_of_texts"] * 100, data["texts"])):
        ax.text(v + 0.3, y, f"{v:.0f}% ({c})", va="center", fontsize=9)
    return finish(ax, t("dg_chart_terms", lang, source=source, n=n_texts), t("dg_axis_share_texts", lang), t("dg_col_term", lang))


def themes(table: pd.DataFrame, labels: dict[str, str], lang: str, source: str, n_texts: int):
    """Horizontal bars: share of texts coded with each theme."""
    data = table.loc[table["mentions"] > 0].iloc[::-1]
    fig, ax = plt.subplots(figsize=(8.5, max(3.0, 0.35 * len(data) + 1.2)))
    ax.barh(np.arange(len(data)), data["share"] * 100, color=_AMBER)
    ax.set_yticks(np.arange(len(data)), [labels.get(k, k) for k in data["theme"]])
    for y, (v, c) in enumerate(zip(data["share"] * 100, data["mentions"])):
        ax.text(v + 0.3, y, f"{v:.0f}% ({c})", va="center", fontsize=9)
    return finish(ax, t("dg_chart_themes", lang, source=source, n=n_texts), t("dg_axis_share_texts", lang), t("dg_col_theme", lang))


def _wrap(text: str, width: int, lang: str) -> str:
    """Wrap for the fishbone: Chinese by display width (``width`` CJK characters a line, Latin
    runs such as ``2.97`` or ``NPS`` never split, at half width), other languages on spaces."""
    import re

    lines: list[str] = []
    for part in text.split("\n"):
        if lang != "zh":
            lines += textwrap.wrap(part, int(width * 1.9)) or [""]
            continue
        units = re.findall(r"[A-Za-z0-9.%+\-–×/]+|\s+|.", part)
        line, used = "", 0.0
        for u in units:
            w = 0.55 * len(u) if u.isascii() else float(len(u))
            if used + w > width and line.strip():
                lines.append(line.rstrip())
                line, used = ("" if u.isspace() else u), (0.0 if u.isspace() else w)
            else:
                line, used = line + u, used + w
        lines.append(line.rstrip())
    return "\n".join(lines)


def fishbone(causes: pd.DataFrame, categories: list[tuple[str, str]], head: str, lang: str, title_problem: str):
    """An Ishikawa diagram: the spine leads to ``head`` (the effect), one bone per category
    (``categories``: key → label, in order; half above, half below the spine), each cause on
    its bone with its evidence. Causes of the top problem are drawn in red.
    """
    n_cat = len(categories)
    top_row = categories[: (n_cat + 1) // 2]
    bottom_row = categories[(n_cat + 1) // 2:]
    per_row = max(len(top_row), 1)
    slots = max(3, int(causes.groupby("category").size().max()) if len(causes) else 3)
    fig, ax = plt.subplots(figsize=(14, 8.2 + 1.2 * (slots - 3)))
    ax.set_xlim(0, 100)
    ax.set_ylim(-50, 50)
    ax.axis("off")
    spine_end = 80
    ax.annotate("", xy=(spine_end, 0), xytext=(2, 0), arrowprops=dict(arrowstyle="-|>", lw=2.5, color="#333"))
    ax.text(spine_end + 1, 0, _wrap(head, 9, lang), ha="left", va="center", fontsize=11.5,
            bbox=dict(boxstyle="round,pad=0.6", facecolor="#fbe3e3", edgecolor=_RED, linewidth=1.5))
    slot = (spine_end - 6) / per_row
    for row, sign in ((top_row, 1), (bottom_row, -1)):
        for i, (key, label) in enumerate(row):
            x_spine = 6 + slot * (i + 1) - 2
            x_tip = x_spine - 10
            y_tip = sign * 40
            ax.plot([x_tip, x_spine], [y_tip, 0], color="#555", lw=1.6)
            ax.text(x_tip, y_tip + sign * 3.5, label, ha="center", va="center", fontsize=12.5,
                    bbox=dict(boxstyle="round,pad=0.35", facecolor="#e8eef7", edgecolor=_BLUE))
            items = causes.loc[causes["category"] == key]
            if items.empty:  # a bone without evidence linked to the head problem says so, instead of borrowing another problem's
                ax.text((x_tip + x_spine) / 2 - 3, sign * 20, t("pr_fish_none", lang), ha="right", va="center", fontsize=8, color="#999", style="italic")
            for j, item in enumerate(items.itertuples()):
                frac = (j + 0.6) / (slots + 0.3)  # evenly along the bone, however many causes the fullest bone has
                y = sign * 40 * (1 - frac)
                x = x_tip + (x_spine - x_tip) * frac
                ax.plot([x - 1.5, x], [y, y], color="#999", lw=0.8)
                ax.text(x - 1.8, y, _wrap(item.evidence, 14, lang), ha="right", va="center", fontsize=8.2,
                        color=_RED if item.top else "#222", linespacing=1.05)
    ax.set_title(t("dg_chart_fishbone", lang, problem=title_problem), fontsize=14)
    fig.tight_layout()
    plt.close(fig)
    return fig


def csat_distribution(scores: pd.Series, lang: str, period):
    """Bars of the 1–5 satisfaction answers, coloured 1–2 (dissatisfied) / 3 / 4–5 (top-2-box)."""
    s = pd.Series(scores, dtype="float64").dropna().round().astype(int)
    counts = s.value_counts().reindex(range(1, 6), fill_value=0)
    fig, ax = plt.subplots()
    ax.bar(counts.index, counts.to_numpy(), color=[_RED, _RED, _GREY, _GREEN, _GREEN])
    total = max(int(counts.sum()), 1)
    for x, c in zip(counts.index, counts.to_numpy()):
        ax.text(x, c, f"{c / total * 100:.0f}%", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(1, 6))
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in (_RED, _GREY, _GREEN)]
    ax.legend(handles, [t("csat_low", lang), "3", t("csat_top", lang)], fontsize=9, loc="upper left")
    return finish(ax, t("csat_chart_dist", lang, period=str(period), n=int(len(s))), t("score_1_5", lang), t("dg_axis_answers", lang))


def score_distribution(answers: pd.DataFrame, lang: str, period):
    """The outcome's distribution: the 0–10 recommend answers (:func:`nps_distribution`), or the 1–5
    satisfaction answers (:func:`csat_distribution`) when the recommend question is not asked."""
    if "nps" in answers:
        return nps_distribution(answers["nps"], lang, period)
    return csat_distribution(answers["satisfaction"], lang, period)


def csat_segments(table: pd.DataFrame, lang: str, period, weighted: bool, min_n: int = 30):
    """Mean satisfaction (1–5) per segment with 95 % intervals (``survey.csat_segments`` output); small groups hatched."""
    return _segment_bars(table, "mean", lang, period, weighted, min_n, "csat_chart_segments", t("score_1_5", lang),
                         zero_line=False, xlim=(1, 5))


def score_segments(table: pd.DataFrame, lang: str, period, weighted: bool, min_n: int = 30):
    """NPS per segment (:func:`nps_segments`), or mean satisfaction (:func:`csat_segments`) without NPS."""
    if "nps" in table:
        return nps_segments(table, lang, period, weighted, min_n)
    return csat_segments(table, lang, period, weighted, min_n)


def delivery_scores(table: pd.DataFrame, lang: str, period, score: str = "satisfaction"):
    """Mean score per delivery status of the respondent's order (on time, late, not delivered) with 95 %
    intervals and the share of low scores written on each bar (``diagnosis.DeliveryEffect.table``)."""
    data = table.loc[table["answers"] > 0]
    fig, ax = plt.subplots()
    ys = np.arange(len(data))[::-1]
    colors = {"on_time": _GREEN, "late": _RED, "overdue": _RED, "open": _GREY}
    err = [(data["mean"] - data["mean_low"]).clip(lower=0).fillna(0), (data["mean_high"] - data["mean"]).clip(lower=0).fillna(0)]
    ax.barh(ys, data["mean"], xerr=err, capsize=3, color=[colors[s] for s in data["status"]])
    scale = outcome_scale(score)
    low, lo_x, hi_x = t(scale.bottom_label, lang), scale.low, scale.high
    for y, (m, top, b, n) in zip(ys, zip(data["mean"], data["mean_high"], data["bottom"], data["answers"])):
        label = f"{m:.2f} · {low} {b * 100:.0f}% · n={n}"
        if m - lo_x > (hi_x - lo_x) / 2:  # a long bar holds its label; a short one has it after its interval
            ax.text(lo_x + 0.05 * (hi_x - lo_x) / 4, y, label, va="center", fontsize=9, color="white")
        else:
            ax.text((top if top == top else m) + 0.03 * (hi_x - lo_x), y, label, va="center", fontsize=9, color="#222")
    ax.set_yticks(ys, [t(f"dl_status_{s}", lang) for s in data["status"]])
    ax.set_xlim(lo_x, hi_x)
    return finish(ax, t("dl_chart_scores", lang, period=str(period), n=int(data["answers"].sum())), t(scale.axis_label, lang),
                  t("dl_col_status", lang))
