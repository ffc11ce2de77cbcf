"""Read one value as a number or a date: amounts with their currency and unit, dates in every accepted form.

The value-level rules of the data contract, shared by the workspace reader
(:mod:`salesnb.io`, which coerces whole columns with them) and the import
(:mod:`salesnb.ingest`, which derives columns from an export), so that both
read ``1.5万``, ``(300.00)``, ``¥1,234`` or ``2025年3月5日`` alike.

What lives here: :func:`parse_amount` / :func:`parse_number` (one value →
number, currency, unit), :func:`parse_date_texts` (text dates → timestamps),
:func:`excel_datetime` (typed cells and Excel day numbers), :func:`cell_text`
(a typed cell as text) and the unit tables :data:`UNIT_FACTORS` and
:data:`UNIT_WORDS`. What does not: reading files, mapping headers and wording
problems (:mod:`salesnb.io`).
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "UNIT_FACTORS",
    "UNIT_WORDS",
    "DATETIME_DTYPE",
    "EXCEL_EPOCH",
    "is_missing",
    "cell_text",
    "parse_amount",
    "parse_number",
    "parse_date_texts",
    "excel_datetime",
]


UNIT_FACTORS: dict[str, float] = {
    "元": 1.0,
    "unit": 1.0,
    "千元": 1e3,
    "thousand": 1e3,
    "万元": 1e4,
    "百万元": 1e6,
    "million": 1e6,
}
"""Factor that turns an ``amount`` written in ``company.unit`` into units (元)."""


# Unit words recognised in a header ("销售额(万元)") or a cell ("1.5万"), folded
# with normalise_header, and the unit they mean.
UNIT_WORDS: dict[str, str] = {
    "元": "元", "人民币元": "元", "rmb": "元", "cny": "元", "¥": "元",
    "千元": "千元", "千": "千元",
    "万元": "万元", "万": "万元",
    "百万元": "百万元", "百万": "百万元",
}


DATETIME_DTYPE = "datetime64[us]"


def is_missing(value: Any) -> bool:
    """Whether a cell is missing: ``None``, ``pd.NA``, ``NaT`` or a float NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def cell_text(value: Any) -> str | None:
    """A typed cell as text: integral floats without ``.0``, midnight datetimes as dates."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() or None


_NUMBER = re.compile(
    r"""(?P<sign1>[+-])?(?P<cur1>(?:RMB|CNY|USD)?[¥$€£]?)
        (?P<open>\()?
        (?P<sign2>[+-])?(?P<cur2>(?:RMB|CNY|USD)?[¥$€£]?)
        (?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)
        (?P<exp>[eE][+-]?\d+)?
        (?P<close>\))?
        (?P<unit>百万元|千元|万元|元|百万|万|千)?""",
    re.X | re.I,
)
_CURRENCY = {"": None, "¥": "¥", "rmb": "¥", "cny": "¥", "rmb¥": "¥", "cny¥": "¥", "$": "$", "usd": "$", "usd$": "$", "€": "€", "£": "£"}


def parse_amount(value: Any) -> tuple[float | None, str | None, str | None]:
    """One value → ``(number, currency, unit)``; number ``None`` when missing; ``ValueError`` when not a number.

    Accepts ``1,234.50``, ``¥1,234``, ``￥``/``$``, full-width digits,
    accounting negatives ``(300.00)`` and a unit after the number (``1.5万``,
    ``12,000元``).
    """
    if is_missing(value):
        return None, None, None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (str, int, float, np.integer, np.floating)):
        raise ValueError(value)
    currency = unit = None
    if not isinstance(value, str):
        number = float(value)
    else:
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value).replace("\u2212", "-"))
        if not text:
            return None, None, None
        m = _NUMBER.fullmatch(text)
        if m is None or bool(m["open"]) != bool(m["close"]) or (m["sign1"] and m["sign2"]) or (m["cur1"] and m["cur2"]):
            raise ValueError(value)
        sign = m["sign1"] or m["sign2"]
        if m["open"] and sign:
            raise ValueError(value)
        cur = (m["cur1"] or m["cur2"] or "").casefold()
        if cur not in _CURRENCY:
            raise ValueError(value)
        currency = _CURRENCY[cur]
        unit = UNIT_WORDS[m["unit"]] if m["unit"] else None
        number = float(m["num"].replace(",", "") + (m["exp"] or ""))
        if m["open"] or sign == "-":
            number = -number
    if not math.isfinite(number):
        raise ValueError(value)
    return number, currency, unit


def parse_number(value: Any) -> float | None:
    """One value → float (``None`` when missing); a unit other than 元 is not a plain number."""
    number, _, unit = parse_amount(value)
    if unit not in (None, "元"):
        raise ValueError(value)
    return number


_DATE = re.compile(
    r"^(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?"
    r"(?:(?:\s+|T)(?P<hour>\d{1,2})[:时点](?P<minute>\d{1,2})(?:[:分](?P<second>\d{1,2})(?P<fraction>\.\d+)?秒?)?分?"
    r"(?P<zone>\s*(?:Z|UTC|GMT)?\s*[+-]\d{2}:?\d{2}|\s*(?:Z|UTC|GMT))?)?$"
)
"""Accepted date forms; a UTC offset after the time (``2015-02-24 11:15:36 -0800``) is read and
dropped: the wall-clock time as written is kept (the day the customer saw), as for ISO ``…T…+08:00``."""
_COMPACT_DATE = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$")
_ISO_ZONED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _assemble(parts: pd.DataFrame) -> pd.Series:
    """Year/month/day[/hour/minute/second/fraction] text columns → timestamps (NaT when invalid)."""
    numbers = pd.DataFrame({k: pd.to_numeric(parts[k]) for k in ("year", "month", "day")})
    for k in ("hour", "minute", "second"):
        numbers[k] = pd.to_numeric(parts[k]).fillna(0) if k in parts else 0
    stamps = pd.to_datetime(numbers, errors="coerce")
    if "fraction" in parts:
        stamps = stamps + pd.to_timedelta(pd.to_numeric(parts["fraction"]).fillna(0), unit="s")
    return stamps


def parse_date_texts(texts: pd.Series, date_format: str | None) -> pd.Series:
    """Text dates → ``datetime64[us]`` (NaT where no accepted form matches)."""
    if texts.empty:
        return pd.Series(pd.NaT, index=texts.index, dtype=DATETIME_DTYPE)
    # dates repeat a lot: parse each distinct text once
    codes, uniques = pd.factorize(texts)
    if len(uniques) < len(texts):
        parsed = parse_date_texts(pd.Series(uniques, dtype="str"), date_format)
        return pd.Series(parsed.to_numpy()[codes], index=texts.index, dtype=DATETIME_DTYPE)
    out = pd.Series(pd.NaT, index=texts.index, dtype=DATETIME_DTYPE)
    texts = texts.str.normalize("NFKC").str.strip()
    if date_format:
        out = pd.to_datetime(texts, format=date_format, errors="coerce").astype(DATETIME_DTYPE)
    for pattern in (_DATE, _COMPACT_DATE):
        todo = out.isna()
        if not todo.any():
            break
        parts = texts[todo].str.extract(pattern)
        matched = parts["year"].notna()
        if matched.any():
            out[matched[matched].index] = _assemble(parts[matched]).astype(DATETIME_DTYPE)
    for line in out.index[out.isna()]:
        text = texts[line]
        if _ISO_ZONED.match(text):
            out[line] = pd.Timestamp(text).tz_localize(None)  # keep the wall-clock time as written
    return out


def excel_datetime(value: Any, excel: bool) -> pd.Timestamp | None:
    """A typed cell → timestamp; Excel serial day numbers only from XLSX files."""
    if isinstance(value, (datetime, date, pd.Timestamp, np.datetime64)):
        stamp = pd.Timestamp(value)
        return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
    if excel and isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and 1 <= value < 2958466:
        return EXCEL_EPOCH + pd.to_timedelta(float(value), unit="D")
    return None
