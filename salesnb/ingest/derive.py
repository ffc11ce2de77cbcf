"""Conditions and derivations: each workspace table's columns worked out from the export's cells (templates, maps,
sums, one row per key), every value that cannot be used named with its export line.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem
from ..parse import parse_amount, parse_date_texts
from ..schemas import Column
from .mapping import Mapping, _TEMPLATE_FIELD, _keep_specs, _read_map_file


# =========================================================================== conditions and derivations


class _Deriver:
    """Evaluates conditions and column specs over the export rows, collecting problems."""

    def __init__(self, frame: pd.DataFrame, file: str, mapping: Mapping):
        self.frame = frame
        self.file = file
        self.mapping = mapping
        self.problems: list[Problem] = []
        self.rows = frame.index  # the export rows not set aside (build_workspace narrows it)
        self._numbers: dict[str, tuple[pd.Series, pd.Series, pd.Series]] = {}
        self._maps: dict[str, dict[str, str]] = {}
        self._groups: list[tuple[tuple[str, ...], pd.Index, pd.Series]] = []
        self._seen: set[Problem] = set()

    # --- values -----------------------------------------------------------------
    def text(self, col: str) -> pd.Series:
        return self.frame[col]

    def _parse(self, values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
        """Text → (numbers, bad mask, currency per value); each distinct text parsed once."""
        codes, uniques = pd.factorize(values)
        parsed = np.full(len(uniques), np.nan)
        bad = np.zeros(len(uniques), dtype=bool)
        currency = np.full(len(uniques), None, dtype=object)
        for i, u in enumerate(uniques):
            try:
                n, cur, unit = parse_amount(u)
                if unit not in (None, "元"):
                    raise ValueError(u)
                parsed[i] = np.nan if n is None else n
                currency[i] = cur
            except ValueError:
                bad[i] = True
        ok = codes >= 0
        pick = np.maximum(codes, 0)
        return (pd.Series(np.where(ok, parsed[pick], np.nan), index=values.index, dtype=float),
                pd.Series(ok & bad[pick], index=values.index),
                pd.Series(np.where(ok, currency[pick], None), index=values.index, dtype=object))

    def _report_numbers(self, texts: pd.Series, bad: pd.Series, currency: pd.Series, col: str, lines: pd.Series | None = None) -> None:
        """Problems for values that are not numbers, and for a column mixing currencies (first line of each)."""
        at = (lambda i: int(lines.iloc[i])) if lines is not None else (lambda i: int(texts.index[i]))
        wrong = np.flatnonzero(bad.to_numpy())
        for i in wrong[:20]:
            self._add(Problem(self.file, at(i), col, str(texts.iloc[i])[:60], "must be a number"))
        if len(wrong) > 20:
            self._add(Problem(self.file, None, col, None, f"… {len(wrong) - 20} more values that are not numbers"))
        kinds = pd.unique(currency.dropna())
        if len(kinds) > 1:
            first = {k: int(np.argmax((currency == k).to_numpy())) for k in kinds}
            i = sorted(first.values())[1]
            self._add(Problem(self.file, at(i), col, str(texts.iloc[i])[:60],
                              f"mixed currencies in one column ({', '.join(str(k) for k in kinds)}): convert them to one currency first"))

    def _add(self, problem: Problem) -> None:
        if problem not in self._seen:  # the same value can be reached by several tables
            self._seen.add(problem)
            self.problems.append(problem)

    def number(self, col: str, rows: pd.Index) -> pd.Series:
        """An export column as numbers over ``rows``; a value that is not a number (or another currency) is a problem at its line.

        Only ``rows`` are checked: rows set aside or outside a table's ``where`` never raise problems."""
        if col not in self._numbers:
            self._numbers[col] = self._parse(self.frame[col])
        values, bad, currency = (x.loc[rows] for x in self._numbers[col])
        self._report_numbers(self.frame[col].loc[rows], bad, currency, col)
        return values

    def as_number(self, values: pd.Series, origin: pd.Series, key: str) -> pd.Series:
        """Derived values (text or numbers) as numbers; a value that is not a number is a problem at its export line."""
        if pd.api.types.is_numeric_dtype(values):
            return values.astype(float)
        numbers, bad, currency = self._parse(values)
        self._report_numbers(values, bad, currency, key, lines=pd.Series(origin.to_numpy()))
        return numbers

    def groups(self, cols: list[str], rows: pd.Index) -> pd.Series:
        """Group labels of ``rows`` by ``cols`` (kept: mappings group the same rows by the same key many times)."""
        for kept_cols, kept_rows, labels in self._groups:
            if kept_cols == tuple(cols) and (kept_rows is rows or kept_rows.equals(rows)):
                return labels
        labels = _group_labels(self.frame, cols, rows)
        self._groups.append((tuple(cols), rows, labels))
        return labels

    # --- conditions ---------------------------------------------------------------
    def condition(self, cond: dict, rows: pd.Index) -> pd.Series:
        (op, arg), = cond.items()
        if op == "all":
            out = pd.Series(True, index=rows)
            for c in arg:
                out &= self.condition(c, rows)
            return out
        if op == "any":
            out = pd.Series(False, index=rows)
            for c in arg:
                out |= self.condition(c, rows)
            return out
        if op in ("blank", "not_blank"):
            blank = self.frame[arg].loc[rows].isna()
            return blank if op == "blank" else ~blank
        if op == "zero":
            return self.number(arg, rows).eq(0)
        out = pd.Series(True, index=rows)
        for col, value in arg.items():
            s = self.frame[col].loc[rows].fillna("")
            if op == "equals":
                out &= s.eq(str(value))
            elif op == "not_equals":
                out &= s.ne(str(value))
            elif op == "in":
                out &= s.isin([str(v) for v in value])
            elif op == "not_in":
                out &= ~s.isin([str(v) for v in value])
            elif op == "startswith":
                out &= s.str.startswith(str(value))
        return out

    # --- columns ------------------------------------------------------------------
    def _map_file(self, name: str, key: str) -> dict[str, str]:
        if name not in self._maps:
            self._maps[name] = _read_map_file(self.mapping.folder / name, name)
        return self._maps[name]

    def column(self, spec: Any, key: str, rows: pd.Index, contract_col: Column) -> pd.Series:
        """One contract column over ``rows`` (before any agg), as text or numbers."""
        if isinstance(spec, str):
            spec = {"column": spec}

        def col(name: str) -> pd.Series:  # one export column over rows (never a copy of the whole export)
            return self.frame[name].loc[rows]

        if "column" in spec:
            out = col(spec["column"])
        elif "value" in spec:
            out = pd.Series(str(spec["value"]), index=rows, dtype=object)
        elif "line_number" in spec:  # the export's line (Excel: row): an id for exports without one
            out = pd.Series(rows.astype(str), index=rows, dtype=object)
        elif "template" in spec:
            fields = _TEMPLATE_FIELD.findall(spec["template"])
            parts = re.split(r"\{[^{}]+\}", spec["template"])
            out = pd.Series(parts[0], index=rows, dtype=object)
            blank = pd.Series(False, index=rows)
            for fld, tail in zip(fields, parts[1:]):
                out = out + col(fld).fillna("") + tail
                blank |= col(fld).isna()
            out = out.mask(blank)
        elif "multiply" in spec:
            out = pd.Series(1.0, index=rows)
            for c in spec["multiply"]:
                out = out * self.number(c, rows)
        else:  # join: the non-blank texts with sep between them, blank when all are blank
            sep = str(spec.get("sep", " "))
            out = pd.Series(np.nan, index=rows, dtype=object)
            for c in spec["join"]:
                part = col(c).where(col(c).fillna("").astype(str).str.len() > 0)
                out = out.where(part.isna(), out.where(out.isna(), out + sep).fillna("") + part.fillna(""))
        if "strip_suffix" in spec:
            suffix = str(spec["strip_suffix"])
            out = out.where(~out.fillna("").str.endswith(suffix), out.str[: -len(suffix)])
        if "extract" in spec:
            out = out.str.extract(spec["extract"], expand=False)
        if "map" in spec or "map_file" in spec:
            table = {str(k): str(v) for k, v in (spec.get("map") or {}).items()}
            if "map_file" in spec:
                table.update(self._map_file(spec["map_file"], f"{key}.map_file"))
            mapped = out.map(table)
            unmapped = out.notna() & mapped.isna()
            if unmapped.any() and "default" not in spec:
                values = out[unmapped]
                for value, lines in values.groupby(values).groups.items():
                    self._add(Problem(self.file, int(lines[0]), spec.get("column", key), str(value)[:60],
                                      f"has no entry in {spec.get('map_file', 'the map')} ({len(lines)} line(s)); add it or give a default"))
            out = mapped.where(~unmapped, out)
            if "default" in spec:
                out = out.where(~unmapped, str(spec["default"]))
            cleared = mapped.fillna("\x00").str.strip().eq("")  # mapped to "": a value the map declares blank (0 = not applicable)
            out = out.mask(cleared)
        else:
            cleared = None
        if "default" in spec:
            filled = out.where(out.notna(), str(spec["default"]) if not pd.api.types.is_numeric_dtype(out) else float(spec["default"]))
            out = filled if cleared is None else filled.mask(cleared)  # the default never overrides a blank the map asks for
        if "date_format" in spec:
            texts = out
            parsed = pd.to_datetime(texts, format=spec["date_format"], errors="coerce")
            other = texts.notna() & parsed.isna()
            if other.any():  # year-first dates (an Excel date cell, 2025-03-05) are never ambiguous: taken as they are
                parsed[other] = parse_date_texts(texts[other].astype(str), None)
            bad = texts.notna() & parsed.isna()
            for line, value in texts[bad].head(20).items():
                self._add(Problem(self.file, int(line), spec.get("column", key), str(value)[:60],
                                  f"does not match the date format {spec['date_format']}"))
            fmt = "%Y-%m-%d %H:%M:%S" if contract_col.kind == "datetime" else "%Y-%m-%d"
            out = parsed.dt.strftime(fmt).where(parsed.notna())
        if "round" in spec:
            if not pd.api.types.is_numeric_dtype(out):  # a plain column: its numbers, each bad one named
                numbers, bad, currency = self._parse(out)
                self._report_numbers(out, bad, currency, spec.get("column", key))
                out = numbers
            out = out.round(int(spec["round"]))
        return out


def _aggregate(values: pd.Series, groups: pd.Series, agg: str, key: str, file: str, problems: list[Problem]) -> pd.Series:
    """One value per group (groups: a group label per row, index = export lines)."""
    g = values.groupby(groups, sort=False, dropna=False)
    if agg == "first":
        return g.first()
    if agg == "last":
        return g.last()
    if agg == "sum":
        return g.sum(min_count=1)
    if agg == "min":
        return g.min()
    if agg == "max":
        return g.max()
    if agg == "max_if_all":
        return g.max().where(g.count() == g.size())
    if agg == "count":
        return g.size().astype(float)
    if agg == "most_frequent":
        counts = values.to_frame("v").assign(g=groups.to_numpy()).dropna(subset=["v"]).groupby(["g", "v"], sort=False).size()
        counts = counts.rename("n").reset_index().sort_values(["g", "n", "v"], ascending=[True, False, True], kind="mergesort")
        return counts.drop_duplicates("g").set_index("g")["v"].reindex(g.size().index)
    # constant: one value per group, or a problem naming both lines
    firsts = g.first()
    differs = values.notna() & values.ne(groups.map(firsts))
    for line in values.index[differs][:10]:
        grp = groups[line]
        other = values.index[(groups == grp) & values.notna()][0]
        problems.append(Problem(file, int(line), key, str(values[line])[:60],
                                f"differs from line {other} ({values[other]}) within one row of the table ({grp}); use agg: first, most_frequent …"))
    return firsts


def _group_labels(frame: pd.DataFrame, cols: list[str], rows: pd.Index) -> pd.Series:
    keys = frame.loc[rows, cols].fillna("\x00")
    return pd.Series(pd.MultiIndex.from_frame(keys).factorize()[0] if len(rows) else [], index=rows, dtype="int64")


def _derive_table(name: str, spec: dict, d: _Deriver, rows: pd.Index, sales_customer: pd.Series | None,
                  counts: dict | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """The table's rows and, for each, the export line it starts from (``counts['not_in']`` gets the lines ``where`` leaves out)."""
    contract = d.mapping.contract(name)
    if spec.get("where"):
        inside = d.condition(spec["where"], rows).to_numpy()
        if counts is not None:
            counts.setdefault("not_in", {})[name] = int((~inside).sum())
        rows = rows[inside]
    groups = None
    if spec.get("from") == "sales":
        customer = sales_customer.loc[rows]
        keep = customer.notna()
        rows, customer = rows[keep.to_numpy()], customer[keep]
        codes, uniques = pd.factorize(customer)
        groups = pd.Series(codes, index=rows)
    elif spec.get("one_row_per"):
        groups = d.groups(spec["one_row_per"], rows)
    out: dict[str, pd.Series] = {}
    if spec.get("from") == "sales":
        out["customer_id"] = pd.Series(uniques, index=range(len(uniques)), dtype=object)
    for col, cspec in spec["columns"].items():
        key = f"tables.{name}.columns.{col}"
        agg = cspec.get("agg") if isinstance(cspec, dict) else None
        if isinstance(cspec, dict) and cspec.get("over"):
            # over: aggregate within groups of *every* imported export row (not only this table's), so that
            # e.g. an order's first id is the same in sales, surveys and complaints
            every = d.rows
            over = d.groups(cspec["over"], every)
            raw = _typed_for_agg(d, d.column(cspec, key, every, contract.column(col)), agg, contract.column(col),
                                 pd.Series(every, index=every), cspec.get("column", col))
            per = _aggregate(raw, over, agg, cspec.get("column", col), d.file, d.problems)
            values = over.loc[rows].map(per)
            agg = None
        else:
            values = d.column(cspec, key, rows, contract.column(col))
            if groups is not None:
                values = _typed_for_agg(d, values, agg or "constant", contract.column(col), pd.Series(rows, index=rows),
                                        cspec if isinstance(cspec, str) else cspec.get("column", col))
        if isinstance(cspec, dict) and "prefix" in cspec:  # after over: e.g. C + the order's first id
            values = (str(cspec["prefix"]) + values.astype(object).where(values.isna(), values.astype(str))).where(values.notna())
        if groups is not None:
            out[col] = _aggregate(values, groups, agg or "constant", cspec if isinstance(cspec, str) else cspec.get("column", col), d.file, d.problems).reset_index(drop=True)
        else:
            out[col] = values
    if groups is not None:
        first_line = pd.Series(rows, index=rows).groupby(groups, sort=False).first().reset_index(drop=True)
        frame = pd.DataFrame(out)
    else:
        first_line = pd.Series(rows, index=rows)
        frame = pd.DataFrame(out, index=rows)
    for col in frame.columns:  # dates as the reader will see them (the time of a date column is dropped there too)
        kind = contract.column(col).kind
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = frame[col].dt.strftime("%Y-%m-%d %H:%M:%S" if kind == "datetime" else "%Y-%m-%d").where(frame[col].notna())
        elif kind == "date" and frame[col].dtype == object:
            frame[col] = _iso_dates(frame[col])
    ordered = [c for c in contract.names if c in frame.columns]
    for extra, kspec in _keep_specs(spec):  # export columns kept as extra columns, under their own header
        if len(kspec) > 1:  # with text transforms (map …)
            frame[extra] = d.column(kspec, f"tables.{name}.keep.{extra}", rows, Column(extra, "text")).to_numpy()
        else:
            frame[extra] = d.frame[extra].loc[rows].to_numpy()
        ordered.append(extra)
    return frame[ordered].reset_index(drop=True), first_line.reset_index(drop=True)


def _typed_for_agg(d: "_Deriver", values: pd.Series, agg: str | None, column: Column, lines: pd.Series, name: str) -> pd.Series:
    """Values an ``agg`` can work on: numbers for sum/min/max of number and score columns (5 + 3 is 8, not "53"),
    dates for min/max of date columns; text otherwise (``first``, ``most_frequent`` … need no type)."""
    if agg not in ("sum", "min", "max", "max_if_all") or pd.api.types.is_numeric_dtype(values):
        return values
    if column.kind in ("number", "score"):
        return d.as_number(values, lines, name)
    if column.kind in ("date", "datetime"):
        text = values.dropna().astype(str)
        parsed = parse_date_texts(text, None)
        for line in parsed.index[parsed.isna()][:20]:
            d._add(Problem(d.file, int(line), name, str(values[line])[:60], "must be a date (YYYY-MM-DD) to take its min or max"))
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
        out.loc[parsed.index] = parsed
        return out  # aggregated as dates, formatted when written
    return values


def _iso_dates(values: pd.Series) -> pd.Series:
    """Dates the workspace reader accepts, written ``YYYY-MM-DD``; anything else is left as written for the reader to report."""
    text = values.dropna().astype(str)
    parsed = parse_date_texts(text, None)
    out = values.copy()
    ok = parsed.notna()
    out.loc[ok[ok].index] = parsed[ok].dt.strftime("%Y-%m-%d")
    return out
