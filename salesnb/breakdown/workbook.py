"""The 销售目标分解表 for sales managers (``targets.xlsx``): the sheets in the report language and the
formatted workbook.

The sheets reuse the tables of :mod:`.views`; formula-safe text is :mod:`salesnb.artifacts`' one rule.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..artifacts import neutralise_formula, neutralise_frame
from ..config import Budget
from ..i18n import t
from .labels import _source_text, _unit, dim_label, method_text, node_label
from .plan import Plan
from .views import actions_view, budget_lines_view, budget_view, checks_view, tiers_view


# One rule for formula injection everywhere: :mod:`salesnb.artifacts` (also the CSV/XLSX writers).
safe_text = neutralise_formula


safe_frame = neutralise_frame


@dataclass
class Sheet:
    """One sheet of the workbook: a title row, a table, formats per column and whether its last row is a total."""

    name: str
    title: str
    table: pd.DataFrame
    money: Sequence[str] = ()
    percent: Sequence[str] = ()
    total_row: bool = False
    freeze_cols: int = 1
    row_formats: Mapping[int, str] = field(default_factory=dict)
    """Number format of a row's numbers (row position in ``table``), over the column formats."""


def targets_workbook(sheets: Sequence[Sheet]) -> bytes:
    """An ``.xlsx`` with one formatted sheet per view: a bold title, a header
    row with a fill, frozen panes under the header (and the first column),
    numbers as numbers (amounts ``#,##0``, shares ``0.0%``), a bold totals row
    and widths that fit. Text cells are made formula-safe (:func:`safe_text`)."""
    wb = Workbook()
    wb.remove(wb.active)
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    bold = Font(bold=True)
    top = Border(top=Side(style="thin"))
    used = set()
    for sheet in sheets:
        name = "".join(ch for ch in sheet.name if ch not in '[]:*?/\\')[:31] or "Sheet"
        base_name, k = name, 2
        while name in used:
            name = f"{base_name[:28]}-{k}"
            k += 1
        used.add(name)
        ws = wb.create_sheet(name)
        df = safe_frame(sheet.table.reset_index(drop=True))
        ws.cell(row=1, column=1, value=safe_text(sheet.title)).font = Font(bold=True, size=13)
        for j, col in enumerate(df.columns, start=1):
            cell = ws.cell(row=2, column=j, value=str(col))
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        money, percent = set(map(str, sheet.money)), set(map(str, sheet.percent))
        for i, rec in enumerate(df.itertuples(index=False), start=3):
            for j, (col, value) in enumerate(zip(df.columns, rec), start=1):
                if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
                    value = None
                elif isinstance(value, (np.integer,)):
                    value = int(value)
                elif isinstance(value, (np.floating,)):
                    value = float(value)
                elif isinstance(value, pd.Timestamp):
                    value = value.date()
                elif isinstance(value, (np.bool_, bool)):
                    value = bool(value)
                cell = ws.cell(row=i, column=j, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                if isinstance(value, (int, float)) and not isinstance(value, bool) and (i - 3) in sheet.row_formats:
                    cell.number_format = sheet.row_formats[i - 3]
                elif col in money:
                    cell.number_format = "#,##0"
                elif col in percent:
                    cell.number_format = "0.0%"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
        last = 2 + len(df)
        if sheet.total_row and len(df):
            for j in range(1, len(df.columns) + 1):
                c = ws.cell(row=last, column=j)
                c.font = bold
                c.border = top
        ws.freeze_panes = ws.cell(row=3, column=1 + sheet.freeze_cols)
        for j, col in enumerate(df.columns, start=1):
            values = [str(col)] + [str(v) for v in df.iloc[:, j - 1].tolist()[:200]]
            width = max(len(v) + sum(1 for ch in v if ord(ch) > 0x2E80) for v in values)
            if str(col) in money:
                width = max(width, 14)
            ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def workbook_sheets(plan: Plan, lang: str, company: str, tiers: pd.DataFrame | None = None, actions: pd.DataFrame | None = None,
                    budget_lines_table: pd.DataFrame | None = None, efficiency: pd.DataFrame | None = None,
                    budget_settings: Budget | None = None, generated: str | None = None, currency: str = "CNY") -> list[Sheet]:
    """The sheets of ``targets.xlsx`` in ``lang``, amounts in whole currency units (numbers, not text)."""
    cny = currency.upper() in ("CNY", "RMB")
    y = ("元" if lang == "zh" else "CNY") if cny else currency
    sheets: list[Sheet] = []
    sheets.append(_about_sheet(plan, lang, company, y, generated))
    sheets.append(_matrix_sheet(plan, lang, company, y))
    sheets.extend(_dimension_sheet(plan, dim, lang, y) for dim in plan.dims)  # one sheet per dimension
    sheets.append(_month_sheet(plan, lang, y))
    sheets.append(_detail_sheet(plan, lang, y))
    sheets.extend(_view_sheets(plan, lang, y, tiers, actions, budget_lines_table, efficiency, budget_settings))
    # the views above label amounts in 元; name the workspace's own currency instead
    _name_currency(sheets, lang, y)
    return sheets


def _about_sheet(plan: Plan, lang: str, company: str, y: str, generated: str | None) -> Sheet:
    """The first sheet: the company, the plan's total, base, growth, source, method, dimensions and unit."""
    pl, base = str(plan.periods.plan), plan.periods.base.label
    about = [(t("bd_row_company", lang), company), (t("bd_row_total", lang, plan=pl), plan.total.value),
             (t("bd_row_base", lang, base=base), plan.total.base),
             (t("bd_row_growth", lang, base=base), plan.total.growth),
             (t("bd_row_source", lang), _source_text(plan.total, lang, plan.periods.year_on_year)),
             (t("bd_row_method", lang), method_text(plan.method, lang)),
             (t("bd_row_dimensions", lang), " × ".join(dim_label(d, lang) for d in plan.dims)),
             (t("bd_row_unit", lang), t("bd_amounts_yuan", lang, currency=y))]
    if generated:
        about.append((t("bd_row_generated", lang), generated))
    about_df = pd.DataFrame(about, columns=[t("bd_col_metric", lang), t("bd_col_value", lang)]).astype({t("bd_col_value", lang): object})
    return Sheet(t("bd_sheet_about", lang), t("bd_title_matrix", lang, company=company, plan=pl, currency=y), about_df,
                 money=[about_df.columns[1]], freeze_cols=1, row_formats={3: "+0.0%;-0.0%"})


def _matrix_sheet(plan: Plan, lang: str, company: str, y: str) -> Sheet:
    """The target matrix (rows × columns of the matrix dimensions, with totals)."""
    pl = str(plan.periods.plan)
    m = plan.matrix()
    rows = m.index.name
    cols_dim = plan.matrix_dims[1] if len(plan.matrix_dims) > 1 else "customer_type"
    mt = m.reset_index()
    mt[rows] = [t("bd_total", lang) if v == "total" else node_label(rows, v, lang) for v in mt[rows]]
    mt.columns = [dim_label(rows, lang)] + [t("bd_total", lang) if c == "total" else node_label(cols_dim, c, lang) for c in m.columns]
    return Sheet(t("bd_sheet_matrix", lang), t("bd_title_matrix", lang, company=company, plan=pl, currency=y), mt,
                 money=list(mt.columns[1:]), total_row=True)


def _dimension_sheet(plan: Plan, dim: str, lang: str, y: str) -> Sheet:
    """Per node of ``dim``: base, target, growth, share (and existing/new), with a total row."""
    pl, base = str(plan.periods.plan), plan.periods.base.label
    g = plan.margin(dim)
    tot = {c: g[c].sum() for c in g.columns}
    tot["growth"] = tot["target"] / tot["base"] - 1 if tot["base"] > 0 else float("nan")
    tot["share"] = 1.0
    g = pd.concat([g, pd.DataFrame([tot], index=["total"])])
    names = {"base": t("bd_col_base", lang, base=base, unit=y), "target": t("bd_col_target", lang, plan=pl, unit=y),
             "growth": t("bd_col_growth", lang), "share": t("bd_col_share", lang),
             "existing": t("bd_col_existing", lang, unit=y), "new": t("bd_col_new", lang, unit=y)}
    df = g.rename(columns=names)
    df.insert(0, dim_label(dim, lang), [t("bd_total", lang) if v == "total" else node_label(dim, v, lang) for v in g.index])
    inline = dim_label(dim, lang).lower() if lang == "en" else dim_label(dim, lang)
    return Sheet(t("bd_sheet_dim", lang, dim=inline), t("bd_title_dim", lang, plan=pl, dim=inline, currency=y),
                 df, money=[names[c] for c in ("base", "target", "existing", "new") if c in g.columns],
                 percent=[names["growth"], names["share"]], total_row=True)


def _month_sheet(plan: Plan, lang: str, y: str) -> Sheet:
    """Targets per month by the first matrix dimension, with totals."""
    pl = str(plan.periods.plan)
    first = plan.matrix_dims[0]
    bp = plan.by_period(first)
    bp.loc["total"] = bp.sum(axis=0)
    bpd = bp.reset_index()
    bpd[first] = [t("bd_total", lang) if v == "total" else node_label(first, v, lang) for v in bpd[first]]
    bpd = bpd.rename(columns={first: dim_label(first, lang), "total": t("bd_total", lang)})
    first_inline = dim_label(first, lang).lower() if lang == "en" else dim_label(first, lang)
    return Sheet(t("bd_sheet_month", lang), t("bd_title_month", lang, plan=pl, dim=first_inline, currency=y), bpd,
                 money=list(bpd.columns[1:]), total_row=True)


def _detail_sheet(plan: Plan, lang: str, y: str) -> Sheet:
    """One row per month and cell (``targets.csv`` in the report language)."""
    pl = str(plan.periods.plan)
    long = plan.long()
    det = pd.DataFrame({t("bd_col_month", lang): long["period"],
                        **{dim_label(d, lang): [node_label(d, v, lang) for v in long[d]] for d in plan.dims},
                        t("bd_col_target_plain", lang, unit=y): long["target"]})
    return Sheet(t("bd_sheet_detail", lang), t("bd_title_detail", lang, plan=pl, currency=y), det, money=[det.columns[-1]], freeze_cols=1)


def _view_sheets(plan: Plan, lang: str, y: str, tiers: pd.DataFrame | None, actions: pd.DataFrame | None,
                 budget_lines_table: pd.DataFrame | None, efficiency: pd.DataFrame | None,
                 budget_settings: Budget | None) -> list[Sheet]:
    """The sheets made of the notebook's views (amounts in 元): the checks of every part, and — when given —
    the tiers, the actions, the budget lines and the budget per part."""
    pl = str(plan.periods.plan)
    sheets = []
    # checks (every part)
    cv = checks_view(plan, lang, "元", flagged_only=False)
    if cv is not None:
        cdf = cv.frame
        sheets.append(Sheet(t("bd_sheet_checks", lang), t("bd_title_checks", lang), cdf, money=list(cdf.columns[2:4]),
                            percent=list(cdf.columns[4:7]), freeze_cols=2))
    if tiers is not None and len(tiers):
        tv = tiers_view(tiers, lang, "元").frame
        sheets.append(Sheet(t("bd_sheet_tiers", lang), t("bd_title_tiers", lang, end=plan.periods.report.end.date().isoformat()), tv,
                            money=[tv.columns[3], tv.columns[5], tv.columns[8], tv.columns[9]], percent=[tv.columns[2], tv.columns[4]]))
    if actions is not None and len(actions):
        av = actions_view(actions, lang, "元", budget_settings).frame
        sheets.append(Sheet(t("bd_sheet_actions", lang), t("bd_title_actions", lang, plan=pl), av, money=[av.columns[9]]))
    if budget_lines_table is not None and len(budget_lines_table):
        bv = budget_lines_view(budget_lines_table, lang, "元").frame
        sheets.append(Sheet(t("bd_sheet_budget", lang), t("bd_title_budget", lang, plan=pl, currency=y), bv,
                            money=[bv.columns[1], bv.columns[3], bv.columns[4]], total_row=True))
    if efficiency is not None and len(efficiency) and budget_settings is not None:
        ev = budget_view(efficiency, budget_settings.allocate_by, lang, "元").frame
        sheets.append(Sheet(t("bd_sheet_budget_parts", lang), t("bd_title_budget_parts", lang, plan=pl, currency=y), ev,
                            money=[ev.columns[4], ev.columns[5]], percent=[ev.columns[3], ev.columns[6]], freeze_cols=2))
    return sheets


def _name_currency(sheets: Sequence[Sheet], lang: str, y: str) -> None:
    """Rename the amount columns labelled in 元 (as the views label them) to the workspace's currency ``y``
    (the sheets are changed in place)."""
    shown = _unit("元", lang)[1]
    if shown != y:
        for sh in sheets:
            names = {c: str(c).replace(f"({shown})", f"({y})").replace(f"（{shown}）", f"（{y}）") for c in sh.table.columns}
            sh.table = sh.table.rename(columns=names)
            sh.money = [names.get(c, c) for c in sh.money]
            sh.percent = [names.get(c, c) for c in sh.percent]
