"""The action register (改进措施跟踪表) as step 4 keeps it: its columns and statuses, its checks, its keys and
their wording in each language, and the ``actions.xlsx`` workbook salesnb writes and reads.

The register is language-neutral: measures and owners are stored as keys
(:func:`register_keys`) and rendered per report (:func:`register_text`). Not
here: adding the planned measures (:func:`salesnb.improve.update_register`) or
putting the register back where the user keeps it (:mod:`salesnb.improve.publish`).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from ..artifacts import neutralise_formula as _safe_text  # one formula-injection rule for every export
from ..errors import DataError, Problem
from ..io.rules import register_problems
from ..io.rules import typed as _typed
from ..periods import Period
from .measures import measure_library

OPEN_STATUSES = ("planned", "in_progress")
CLOSED_STATUSES = ("done", "dropped")
#: The register's columns. It is language-neutral: ``measure_key`` and ``owner_key`` name a measure of the
#: library and its owner role, rendered in each report's language (:func:`register_text`); ``measure_text`` and
#: ``owner_text`` hold only what a person typed (a measure of their own, a named owner) and win over the key.
REGISTER_COLUMNS = ["action_id", "problem_id", "problem", "measure_key", "measure_text", "owner_key", "owner_text", "start", "due", "kpi",
                    "segment", "baseline", "target", "status", "period_opened", "period_closed", "notes"]


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


def owner_key(owner_en: str | None, measure_key: str = "") -> str:
    """The language-neutral key of an owner role: its English name in snake case.

    Examples
    --------
    >>> owner_key("After-sales service manager"), owner_key("", "my_measure")
    ('after_sales_service_manager', 'my_measure_owner')
    """
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
