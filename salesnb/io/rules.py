"""Row rules: total rows, exact duplicates, rules between the columns of a row, returns.

Total and subtotal rows (合计, 小计, Total) are checked against the detail rows
and set aside; rows identical to an earlier one are set aside; the rules
between the columns of a row (a return's quantity and amount agree in sign, a
delivery cannot precede its order) are declared in :mod:`salesnb.schemas`
(``Table.row_rules``) and checked here by one function per rule kind
(:data:`ROW_CHECKS`; the engine reader renders the same kinds as SQL in
:mod:`salesnb.prepare.rule_sql`). Rules across tables are
:mod:`salesnb.io.crosscheck`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
import unicodedata

import pandas as pd

from ..errors import Problem, QualityNote
from ..schemas import Rule
from .frame import ReadContext
from .model import QUARANTINE_REASON
from .raw import RawTable, clip, line_examples


# Labels of total rows (folded: NFKC, casefold, no spaces/_/-/:) and their kind.
TOTAL_WORDS: dict[str, str] = {
    "合计": "total", "总计": "total", "总合计": "total", "共计": "total", "总额": "total",
    "total": "total", "totals": "total", "grandtotal": "total",
    "小计": "subtotal", "subtotal": "subtotal",
}
_TOTAL_SUFFIX = re.compile(r"^[^\d]{1,12}?(小计|合计|总计)$")


def _fold_label(text: str) -> str | None:
    """``"total"``/``"subtotal"`` when ``text`` labels a total row (合计, 小计, Total:, 华东小计 …)."""
    folded = re.sub(r"[\s_\-:：.]", "", unicodedata.normalize("NFKC", text).casefold())
    kind = TOTAL_WORDS.get(folded)
    if kind is None and (m := _TOTAL_SUFFIX.match(folded)):
        kind = "subtotal" if m.group(1) == "小计" else "total"
    return kind


def total_rows(raw: RawTable, positions: list[int] | None = None) -> pd.Series:
    """Line → ``"total"``/``"subtotal"`` for rows labelled 合计, 小计, Total … in any text cell
    (or only in the columns at ``positions``)."""
    found: dict[int, str] = {}
    for i, series in enumerate(raw.columns):
        if positions is not None and i not in positions:
            continue
        if isinstance(series.dtype, pd.StringDtype):
            text = series
        elif series.dtype == object:
            text = series.map(lambda v: v if isinstance(v, str) else None).astype("str")
        else:
            continue
        # cheap vectorised pre-filter, then the exact rule on the few candidates
        candidates = text[text.str.contains("计|total|ｔｏｔａｌ", case=False, regex=True).fillna(False).astype(bool)]
        for line, value in candidates.items():
            kind = _fold_label(value)
            if kind is not None:
                found[int(line)] = "subtotal" if "subtotal" in (kind, found.get(int(line))) else kind
    return pd.Series(found, dtype=object).sort_index()


def label_positions(ctx: "ReadContext") -> list[int]:
    """Where a total label would sit in a table without number columns: its first column and its id/category columns
    (free-text columns such as comments are not searched: a comment may well say 合计)."""
    kinds = {c.name: c.kind for c in ctx.table.columns}
    return sorted({0} | {p for p, target in ctx.mapping.items() if kinds.get(target) in ("id", "category")})


def unreconcilable_totals(labels: pd.Series, ctx: "ReadContext") -> list[Problem]:
    """One problem per total/subtotal row of a table that has no number column to check it against."""
    problems = []
    positions = label_positions(ctx)
    for line, kind in labels.items():
        label = "subtotal (小计)" if kind == "subtotal" else "total (合计)"
        where, value = None, None
        for p in positions:
            cell = ctx.raw.columns[p].get(line)
            if isinstance(cell, str) and _fold_label(cell) is not None:
                where, value = ctx.mapping.get(p), cell
                break
        rule = (f"a {label} row in a table without amounts: there is nothing to check it against, "
                "so it cannot be told from a record; remove it from the export")
        if where is not None:
            problems.append(ctx.problem(where, int(line), value, rule))
        else:
            problems.append(Problem(ctx.file, int(line), None, clip(value), rule))
    return problems


def reconcile_totals(frame: pd.DataFrame, kinds: pd.Series, ctx: ReadContext, factors: dict[str, float]) -> tuple[list[Problem], list[str]]:
    """Check each total row against the detail rows above it.

    A subtotal (小计) must equal the detail rows since the previous total or
    subtotal row; a total (合计) must equal all detail rows above it. Numbers
    are compared in the file's unit to the cent.
    """
    columns = [c.name for c in ctx.table.columns if c.kind == "number" and c.name in frame]
    detail = frame.loc[~frame.index.isin(kinds.index), columns].fillna(0.0)
    problems, checked = [], []
    previous = None
    for line, kind in kinds.sort_index().items():
        above = detail.index < line
        block = above & (detail.index > previous) if (kind == "subtotal" and previous is not None) else above
        sums = detail.loc[block].sum()
        n = int(block.sum())
        label = "subtotal (小计)" if kind == "subtotal" else "total (合计)"
        row = frame.loc[line, columns]
        given = [c for c in columns if not pd.isna(row[c])]
        if not given:
            problems.append(Problem(ctx.file, int(line), None, None, f"a {label} row without any amount: remove it"))
        for c in given:
            factor = factors.get(c, 1.0)
            if abs(row[c] - sums[c]) > 0.005 * factor + 1e-9 * abs(sums[c]):
                problems.append(
                    ctx.problem(
                        c, int(line), ctx.raw_value(c, int(line)),
                        f"a {label} row that does not match the {n} detail row(s) above it, which sum to {sums[c] / factor:,.2f}: "
                        "remove the row or correct the figures",
                    )
                )
        if given and not any(p.line == line for p in problems):
            checked.append(f"line {line}: {label} = {', '.join(f'{c} {row[c] / factors.get(c, 1.0):,.2f}' for c in given)} (matches {n} rows)")
        previous = line
    return problems, checked


def duplicate_reason(first: int) -> str:
    """The quarantine reason of a row identical to an earlier one (both readers)."""
    return f"exact duplicate of line {first}"


def duplicates_note(table: str, file: str, n: int, pairs: list[tuple[int, int]]) -> QualityNote:
    """The repair note on ``n`` rows identical to an earlier row; ``pairs``: the first few (line, line of the first)."""
    return QualityNote(
        table, file, "duplicate_rows_removed", n,
        f"{n} row(s) identical in every column to an earlier row (overlapping exports) were removed", "repair",
        tuple(f"line {line} = line {first}" for line, first in pairs[:5]),
    )


def drop_duplicate_rows(frame: pd.DataFrame, table: str, file: str) -> tuple[pd.DataFrame, list[QualityNote], pd.DataFrame]:
    """Remove rows identical in every column to an earlier row (overlapping exports)."""
    duplicated = frame.duplicated(keep="first")
    if not duplicated.any():
        return frame, [], frame.iloc[:0]
    hashes = pd.util.hash_pandas_object(frame, index=False)
    first = pd.Series(frame.index, index=frame.index).groupby(hashes.values).transform("first")
    lines = frame.index[duplicated]
    aside = frame.loc[duplicated].copy()
    aside.insert(0, QUARANTINE_REASON, [duplicate_reason(first[line]) for line in lines])
    note = duplicates_note(table, file, int(duplicated.sum()), [(line, first[line]) for line in lines[:5]])
    return frame.loc[~duplicated], [note], aside


def _row_problems(frame: pd.DataFrame, ctx: ReadContext, rule: Rule, seen: set[tuple[int, str]], breaks: pd.Series,
                  text: Callable[[int], str]) -> list[Problem]:
    """A problem on ``rule.column`` at each line ``breaks`` marks, unless either column's cell was already reported
    there (``seen``); ``text(line)`` words the rule for that line."""
    return [ctx.problem(rule.column, int(line), ctx.raw_value(rule.column, int(line)), text(line))
            for line in frame.index[breaks]
            if (int(line), rule.column) not in seen and (int(line), rule.other) not in seen]


def _same_sign(frame: pd.DataFrame, ctx: ReadContext, rule: Rule, seen: set[tuple[int, str]]) -> list[Problem]:
    """``same_sign``: the column and ``rule.other`` (amount and quantity) have opposite signs."""
    a, q = frame[rule.column], frame[rule.other]
    clash = (q * a < 0) & q.notna() & a.notna()
    return _row_problems(frame, ctx, rule, seen, clash, lambda line: (
        f"sign differs from the {rule.other} ({ctx.raw_value(rule.other, int(line))}): {rule.what}"))


def _not_before(frame: pd.DataFrame, ctx: ReadContext, rule: Rule, seen: set[tuple[int, str]]) -> list[Problem]:
    """``not_before``: the column's date is before ``rule.other``'s (a delivery before its order).

    A cell already reported is blank (NaT) after coercion, so it never takes part."""
    earlier = frame[rule.other]
    shown = "%Y-%m-%d %H:%M" if ctx.table.column(rule.other).kind == "datetime" else "%Y-%m-%d"
    early = frame[rule.column].notna() & earlier.notna() & (frame[rule.column] < earlier)
    return _row_problems(frame, ctx, rule, seen, early, lambda line: f"the {rule.what} is before {rule.event} ({earlier[line]:{shown}})")


ROW_CHECKS = {"same_sign": _same_sign, "not_before": _not_before}
"""The pandas check of each kind of rule between the columns of a row (:attr:`salesnb.schemas.Table.row_rules`)."""


def row_rules(frame: pd.DataFrame, ctx: ReadContext, seen: set[tuple[int, str]]) -> list[Problem]:
    """The table's rules between columns of one row (``Table.row_rules``: sign of quantity vs amount, event order),
    each checked when both its columns are present."""
    problems: list[Problem] = []
    for rule in ctx.table.row_rules:
        if rule.column in frame and rule.other in frame:
            problems += ROW_CHECKS[rule.kind](frame, ctx, rule, seen)
    return problems


def returns_note(frame: pd.DataFrame, file: str) -> list[QualityNote]:
    """The info note on sales lines with a negative amount (returns, kept and netted against revenue)."""
    if "amount" not in frame:
        return []
    negative = frame["amount"] < 0
    if not negative.any():
        return []
    n = int(negative.sum())
    total = float(frame.loc[negative, "amount"].sum())
    return [
        QualityNote(
            "sales", file, "returns", n,
            f"{n} order line(s) with a negative amount are returns or cancellations, {total:,.2f} in all (currency units); "
            "they are kept and net against revenue",
            "info", line_examples(frame.index[negative]),
        )
    ]


# ---- the action register -------------------------------------------------------------------------------------

def typed(value) -> bool:
    """True for a cell holding text (not blank, not NaN/NA)."""
    return value is not None and not (isinstance(value, float) and value != value) and value is not pd.NA and bool(str(value).strip())


def register_problems(actions: pd.DataFrame, file: str = "actions.xlsx") -> list[Problem]:
    """Rows of the action register without an owner (neither ``owner_key`` nor ``owner_text``) or without a
    measure (neither ``measure_key`` nor ``measure_text``): a rule the contract cannot say ("one of two columns").
    :func:`salesnb.io.load_workspace` reports them with the other input problems, so ``salesnb validate`` names
    them; :func:`salesnb.improve.validate_register` checks a register before it is written back."""
    problems = []
    for line, row in actions.iterrows():
        if not any(typed(row.get(c)) for c in ("owner_key", "owner_text", "owner")):
            problems.append(Problem(file, int(line), "owner_text", None, "must not be blank: every action needs an owner (owner_key or owner_text)"))
        if not any(typed(row.get(c)) for c in ("measure_key", "measure_text", "measure")):
            problems.append(Problem(file, int(line), "measure_text", None, "must not be blank: every action needs a measure (measure_key or measure_text)"))
    return problems
