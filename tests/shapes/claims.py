"""Checks of one published run: the pages exist, nothing broken shows, and the
sentences that state a ranking, a direction, "no X" or "every X" agree with
the artifact of the table beside them.

Every check is a small function ``check_*(run: Run) -> list[str]`` returning
the violations found (empty = fine); :func:`check_all` runs them in order.
The sentences are the locale strings (``salesnb.i18n.t``), so a check looks
for the same words in both languages.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

PAGES = ("index.html", "01_goals.html", "02_breakdown.html", "03_diagnosis.html", "04_improvement.html")
NOTEBOOKS = ("01_goals.ipynb", "02_breakdown.ipynb", "03_diagnosis.ipynb", "04_improvement.ipynb")


class _Text(HTMLParser):
    """The visible text of a page (no script, style or tags), one string per text node."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def page_text(path: Path) -> str:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return "\n".join(p.parts)


def _t(key: str, lang: str, **fields) -> str:
    from salesnb.i18n import t

    return t(key, lang, **fields)


@dataclass
class Run:
    """A published run folder and what the checks read from it."""

    folder: Path
    lang: str
    config: dict = field(default_factory=dict)

    @cached_property
    def texts(self) -> dict[str, str]:
        return {name: page_text(self.folder / "report" / name) for name in PAGES if (self.folder / "report" / name).is_file()}

    def artifact(self, name: str) -> pd.DataFrame | None:
        path = self.folder / "artifacts" / name
        return pd.read_csv(path, encoding="utf-8-sig") if path.is_file() else None

    def json(self, name: str) -> dict | None:
        path = self.folder / "artifacts" / name
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    @cached_property
    def summary(self) -> dict:
        return (self.json("summary.json") or {}).get("metrics", {})

    @cached_property
    def run_info(self) -> dict:
        return json.loads((self.folder / "run.json").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- the pages


def check_pages(run: Run) -> list[str]:
    """All four step pages and the index exist."""
    return [f"report/{p} missing" for p in PAGES if not (run.folder / "report" / p).is_file()]


_BROKEN = re.compile(r"Traceback|\b[A-Z][A-Za-z]*Error\b|\bError:")


def check_no_traceback(run: Run) -> list[str]:
    """No traceback or exception name in a page or in a notebook's outputs."""
    found = []
    for name, text in run.texts.items():
        for m in _BROKEN.finditer(text):
            found.append(f"{name}: {text[max(0, m.start() - 60):m.end() + 60]!r}")
            break
    for nb in NOTEBOOKS:
        path = run.folder / nb
        if not path.is_file():
            continue
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for c in cells:
            for out in c.get("outputs", []):
                if out.get("output_type") == "error":
                    found.append(f"{nb}: cell raised {out.get('ename')}: {out.get('evalue', '')[:200]}")
                elif out.get("output_type") == "stream" and "Traceback" in "".join(out.get("text", "")):
                    found.append(f"{nb}: traceback on {out.get('name')}: {''.join(out['text'])[:200]!r}")
    return found


_LITERALS = re.compile(r"\bnan\b|\bNaN\b|\bNaT\b|\bNone\b|\(\s*\)|<NA>|<Figure size")


def check_no_literals(run: Run) -> list[str]:
    """No 'nan', 'None', 'NaT', '<NA>', '()' or a chart shown as '<Figure size …>' text in the visible text of a page."""
    found = []
    for name, text in run.texts.items():
        hits = [text[max(0, m.start() - 50):m.end() + 30].replace("\n", " | ") for m in _LITERALS.finditer(text)]
        if hits:
            found.append(f"{name}: {len(hits)}× e.g. {hits[0]!r}")
    return found


_TILE = re.compile(r'<div class="tile"><div class="k">(.*?)</div><div class="v[^"]*">(.*?)</div><div class="d">(.*?)</div></div>', re.S)


def tiles(run: Run) -> list[tuple[str, str, str]]:
    """The index page's KPI tiles as (label, value, detail) text."""
    html = (run.folder / "report" / "index.html").read_text(encoding="utf-8")
    strip = lambda s: re.sub(r"<[^>]+>", "", s).strip()  # noqa: E731
    return [(strip(k), strip(v), strip(d)) for k, v, d in _TILE.findall(html)]


def check_no_na_tiles(run: Run) -> list[str]:
    """No KPI tile (value or detail) and no service line of the index reads n/a (无)."""
    # the missing-value mark ("—" in both languages) and the words it replaced (n/a, 无)
    na = "|".join(re.escape(x) for x in (_t("not_available", run.lang), "n/a" if run.lang == "en" else "无"))
    bad = [f"tile {k!r}: {v!r} / {d!r}" for k, v, d in tiles(run) if re.fullmatch(na, v) or re.search(rf"(^|[\s(,;])({na})($|[\s),;…])", d)]
    text = run.texts.get("index.html", "")
    for line in text.splitlines():
        if re.search(rf"(^|[\s(,;：])({na})($|[\s),;…。])", line) and not any(line in (k, v, d) for k, v, d in tiles(run)):
            bad.append(f"index line: {line!r}")
    return bad


# ----------------------------------------------------------------------------- claims against artifacts


def check_quality_line(run: Run) -> list[str]:
    """'warnings need a look' only when the run has a data-quality note of severity warning (or worse)."""
    text = run.texts.get("index.html", "")
    says = ("warnings need a look" in text) if run.lang == "en" else ("警告需要关注" in text)
    severities = {n.get("severity") for n in run.run_info.get("data_quality", [])}
    if says and not severities & {"warning", "error"}:
        return [f"index says warnings need a look, run.json data_quality has only {sorted(severities)}"]
    return []


def check_repurchase(run: Run) -> list[str]:
    """The repurchase rate on the index tile equals baselines.csv's current repurchase rate (one definition, one number)."""
    label = _t("repurchase_rate", run.lang)
    tile = [(v, d) for k, v, d in tiles(run) if k == label]
    base = run.artifact("baselines.csv")
    if not tile or base is None:
        return []
    row = base[base["metric"] == "repurchase_rate"]
    shown = re.match(r"([\d.]+)%", tile[0][0])
    current = row["current"].iloc[0] if len(row) else float("nan")
    if shown is None:
        if current == current:
            return [f"index repurchase tile {tile[0][0]!r} but baselines.csv has {current:.1%}"]
        return []
    if current != current:
        return [f"index repurchase tile {tile[0][0]} but baselines.csv repurchase_rate is empty"]
    if abs(float(shown.group(1)) / 100 - current) > 0.0006:
        return [f"index repurchase tile {tile[0][0]} but baselines.csv repurchase_rate {current:.1%}"]
    s = run.summary.get("repurchase_rate")
    if s is not None and abs(s - current) > 1e-9:
        return [f"summary.json repurchase_rate {s:.4f} but baselines.csv {current:.4f}"]
    return []


def check_no_problem_sentence(run: Run) -> list[str]:
    """"… so no category dominates" (no Pareto effect) only when the Pareto is not led by a category of at least
    the rule's share (1 − diagnosis.pareto_threshold, the "20" of 80/20, and above an even split); and "no problem
    type could be ranked" beside a driver table with fix-first dimensions names them."""
    phrase = "no category dominates" if run.lang == "en" else "没有占主导的类别"
    pages = (run.texts.get("03_diagnosis.html", ""), run.texts.get("index.html", ""))
    bad = []
    if any(phrase in page for page in pages):
        threshold = float(run.config.get("diagnosis", {}).get("pareto_threshold", 0.8))
        par = run.artifact("pareto.csv")
        if par is not None and len(par):
            top = float(par["share"].max())
            if top >= 1 - threshold and top > 1.5 / len(par):
                bad.append(f"step 3 says no complaint category dominates, pareto.csv top {par['cause'].iloc[0]!r} has {top:.0%} "
                           f"of {len(par)} categories (rule share {1 - threshold:.0%})")
    none_ranked = _t("dg_none_ranked", run.lang)
    drv = run.artifact("drivers.csv")
    if none_ranked in pages[0] and drv is not None and "quadrant" in drv and (drv["quadrant"] == "fix_first").any():
        fix_first = list(drv.loc[drv["quadrant"] == "fix_first", "dimension"])
        lead = _t("dg_none_fix_first", run.lang, dims="\x00").split("\x00")[-1][:12]
        if lead not in pages[0]:
            bad.append(f"step 3 ranks no problem and does not name the fix-first dimensions of drivers.csv: {fix_first}")
    return bad


def check_pareto_sentence(run: Run) -> list[str]:
    """'{k} of {n} complaint categories are the vital few' counts what pareto.csv marks, and a vital few that
    is most of the categories is not called one (no Pareto effect)."""
    text = run.texts.get("03_diagnosis.html", "")
    pattern = r"(\d+) of (\d+) complaint categories are the vital few" if run.lang == "en" else r"(\d+) 个投诉类别中 (\d+) 个为关键少数"
    m = re.search(pattern, text)
    par = run.artifact("pareto.csv")
    if not m or par is None:
        return []
    k, n = (int(m.group(1)), int(m.group(2))) if run.lang == "en" else (int(m.group(2)), int(m.group(1)))
    bad = []
    vital = int(par["vital_few"].astype(str).str.lower().eq("true").sum())
    if (k, n) != (vital, len(par)):
        bad.append(f"step 3 says {k} of {n} categories are the vital few, pareto.csv has {vital} of {len(par)}")
    if n >= 3 and k > n / 2:
        bad.append(f"step 3 calls {k} of {n} complaint categories 'the vital few': no Pareto effect")
    return bad


def check_revenue_fall(run: Run) -> list[str]:
    """A revenue fall of 20 % or more against the same period a year earlier is a bottleneck (bottlenecks.csv)."""
    yoy = run.summary.get("revenue_yoy")
    if yoy is None or yoy > -0.2:
        return []
    b = run.artifact("bottlenecks.csv")
    if b is None or not ((b["kind"] == "growth_stall") & (b["scope_type"] == "company")).any():
        return [f"revenue fell {yoy:.0%} year on year, bottlenecks.csv has no company growth_stall"]
    return []


def check_target_checks(run: Run) -> list[str]:
    """target_checks.csv: a part with no growth seen (years 0, empty best/worst) is never ok (no_history, or a trend flag); 'every part … within its
    own history' only when every flag is ok; 'N part(s) need a look' names as many parts as are flagged."""
    tc = run.artifact("target_checks.csv")
    if tc is None:
        return []
    bad = []
    nohist = (tc["years"].fillna(0) == 0) | tc["best_growth"].isna()
    wrong = tc[nohist & (tc["flag"] == "ok")]  # any flag but ok says it was not checked against a history (against_trend uses the quarters)
    if len(wrong):
        r = wrong.iloc[0]
        bad.append(f"target_checks.csv: {len(wrong)} part(s) without history flagged ok, e.g. {r['level']}={r['node']} "
                   f"years={r['years']} best={r['best_growth']} flag={r['flag']}")
    text = run.texts.get("02_breakdown.html", "")
    flagged = int((tc["flag"] != "ok").sum())
    if _t("bd_narr_no_flags", run.lang) in text and flagged:
        bad.append(f"step 2 says every part is within its own history, target_checks.csv flags {flagged} part(s)")
    if _t("bd_narr_no_flags", run.lang) in text and nohist.any():
        bad.append(f"step 2 says every part is within its own history, {int(nohist.sum())} part(s) have none")
    m = re.search(r"Parts that need a look \((\d+)\)" if run.lang == "en" else r"(\d+) 个部分需要关注", text)
    if m and int(m.group(1)) != flagged:
        bad.append(f"step 2 says {m.group(1)} part(s) need a look, target_checks.csv flags {flagged}")
    s = run.summary.get("target_flagged_parts")
    if s is not None and int(s) != flagged:
        bad.append(f"summary.json target_flagged_parts {s}, target_checks.csv flags {flagged}")
    return bad


def check_coverage_sentence(run: Run) -> list[str]:
    """'the strata furthest below plan are …' names only strata below plan (answers ÷ planned sample < 100 %)."""
    text = run.texts.get("03_diagnosis.html", "")
    marker = "furthest below plan are" if run.lang == "en" else "与计划差距最大的层是"
    bad = []
    for line in text.splitlines():
        if marker in line:
            rates = [float(x) for x in re.findall(r"\((\d+(?:\.\d+)?)%\)", line.split(marker, 1)[1])]
            over = [r for r in rates if r >= 100]
            if over:
                bad.append(f"step 3 calls strata at {over}% of plan 'furthest below plan': {line[:200]!r}")
    return bad


def check_split(run: Run) -> list[str]:
    """A plan that cannot estimate repurchase does not put the whole target on new customers of a business
    that got (almost) none: target_new_customers ≤ target_total, and 100 % new only when the base had new revenue."""
    s = run.summary
    total, new = s.get("target_total"), s.get("target_new_customers")
    if total in (None, 0) or new is None:
        return []
    share_new_base = s.get("new_customer_revenue_share")
    if new / total > 0.99 and (share_new_base is None or share_new_base < 0.5):
        return [f"step 2 puts {new / total:.0%} of the target on new customers; their share of the period's revenue was "
                f"{'unknown' if share_new_base is None else f'{share_new_base:.0%}'}"]
    return []


def check_complaint_counts(run: Run) -> list[str]:
    """summary.json complaints: null only without a complaints table, a count (0 included) with one."""
    has = (Path(run.run_info["parameters"]["workspace"]) / "complaints.csv").is_file()
    c = run.summary.get("complaints", "missing")
    if has and c is None:
        return ["summary.json complaints is null although the workspace has a complaints table"]
    if not has and c not in (None, "missing"):
        return [f"summary.json complaints is {c} although the workspace has no complaints table"]
    return []


CHECKS = (check_pages, check_no_traceback, check_no_literals, check_no_na_tiles, check_quality_line, check_repurchase,
          check_no_problem_sentence, check_pareto_sentence, check_revenue_fall, check_target_checks, check_coverage_sentence, check_split, check_complaint_counts)


def check_all(run: Run) -> dict[str, list[str]]:
    """Every check's violations (only the checks that found some)."""
    out = {}
    for check in CHECKS:
        try:
            found = check(run)
        except Exception as exc:  # a check that cannot read an artifact is itself a finding
            found = [f"check raised {type(exc).__name__}: {exc}"]
        if found:
            out[check.__name__] = found
    return out
