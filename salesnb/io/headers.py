"""Header mapping: which file column is which contract column, and where the header row is.

Configured mappings, contract names and aliases; a unit, currency or survey
scale written after a header (``销售额(万元)``, ``amount (USD)``,
``推荐意愿(1-10)``); the header search over the first rows (titles above it, a
two-row header under merged cells). Coercing the values is
:mod:`salesnb.io.coerce` and :mod:`salesnb.io.frame`.
"""
from __future__ import annotations

import re
import unicodedata

from ..config import CONFIG_FILE, TableSource
from ..errors import Problem, QualityNote
from ..parse import UNIT_WORDS
from ..schemas import Table, normalise_header
from .raw import HEADER_SEARCH_ROWS, RawTable


EXTRA = "extra"
"""``tables.<name>.columns`` target that keeps a column as an unmapped extra."""


# Currency words in a header ("销售额(美元)", "amount (USD)"), folded with normalise_header → ISO code.
# 元 and ¥ alone are units (UNIT_WORDS), not a currency: they are what a CNY workspace writes.
CURRENCY_WORDS: dict[str, str] = {
    "美元": "USD", "美金": "USD", "usd": "USD", "us$": "USD", "$": "USD",
    "人民币": "CNY", "cny": "CNY", "rmb": "CNY",
    "欧元": "EUR", "eur": "EUR", "€": "EUR",
    "英镑": "GBP", "gbp": "GBP", "£": "GBP",
    "港币": "HKD", "港元": "HKD", "hkd": "HKD",
    "日元": "JPY", "jpy": "JPY", "円": "JPY",
    "新台币": "TWD", "twd": "TWD", "巴西雷亚尔": "BRL", "brl": "BRL", "r$": "BRL",
}


_UNIT_PREFIX = {"百万": "百万元", "千": "千元", "万": "万元", "": "元"}


def _header_currency(inner: str) -> tuple[str, str] | None:
    """``(ISO code, unit)`` of a header's bracket text naming a currency (``美元`` → USD, ``万美元`` → USD in 万元).

    Examples
    --------
    >>> _header_currency("美元"), _header_currency("万美元"), _header_currency("USD"), _header_currency("件")
    (('USD', '元'), ('USD', '万元'), ('USD', '元'), None)
    """
    key = normalise_header(inner)
    for prefix in ("百万", "千", "万", ""):
        if key.startswith(prefix) and key[len(prefix):] in CURRENCY_WORDS:
            return CURRENCY_WORDS[key[len(prefix):]], _UNIT_PREFIX[prefix]
    return None


def source_column_problems(table: Table, source: TableSource | None) -> list[Problem]:
    """``tables.<name>.columns`` targets that are not contract columns (a config error)."""
    if source is None:
        return []
    problems = []
    for header, target in source.columns.items():
        if target != EXTRA and target not in table.names:
            problems.append(
                Problem(
                    CONFIG_FILE, None, f"tables.{table.name}.columns.{header}", target,
                    f"is not a column of {table.name} (columns: {', '.join(table.names)}; or '{EXTRA}' to keep it unmapped)",
                )
            )
    return problems


_HEADER_SUFFIX = re.compile(r"^(?P<base>.+?)\s*(?:[(（\[【](?P<inner>[^)）\]】]*)[)）\]】]|(?P<unit>百万元|千元|万元|元))\s*$")


_SCALE_SUFFIX = re.compile(r"^(?P<base>.*?)\s*[(\[【]?\s*(?P<low>\d{1,2})\s*(?:-|–|—|~|至|到)\s*(?P<high>\d{1,3})\s*分?\s*[)\]】]?\s*$")
"""A scale written after a survey header: ``推荐意愿(1-10)``, ``满意度（1～5分）``, ``NPS 0-10`` (after NFKC)."""


def header_scale(header: str) -> tuple[int, int] | None:
    """``(low, high)`` when ``header`` ends with a scale (``满意度(1-10)`` → ``(1, 10)``), else ``None``."""
    m = _SCALE_SUFFIX.match(unicodedata.normalize("NFKC", str(header)).strip())
    if m is None or not m["base"].strip() or int(m["low"]) >= int(m["high"]):
        return None
    return int(m["low"]), int(m["high"])


def resolve_headers(headers: list[str], table: Table, source: TableSource | None, units: dict[str, str] | None = None,
                     currencies: dict[str, str] | None = None) -> dict[int, str]:
    """Header position → contract column: configured mapping, then contract names, then aliases.

    A header that is not known as written is tried again without a trailing
    bracket or unit (``销售额(万元)``, ``数量（件）``, ``金额元``); a money unit
    found that way on a number column is stored in ``units``.
    """
    configured = {normalise_header(k): v for k, v in (source.columns.items() if source else ())}
    names = {normalise_header(c.name): c.name for c in table.columns}
    aliases: dict[str, str] = {}
    for c in table.columns:
        for alias in c.aliases:
            aliases.setdefault(normalise_header(alias), c.name)

    def lookup(key: str) -> str | None:
        return configured.get(key) or names.get(key) or aliases.get(key)

    mapping = {}
    for i, header in enumerate(headers):
        key = normalise_header(header)
        if not key:
            continue
        target, unit = lookup(key), None
        if not target:
            m = _HEADER_SUFFIX.match(str(header).strip())
            if m:
                target = lookup(normalise_header(m["base"]))
                unit = UNIT_WORDS.get(normalise_header(m["inner"] or m["unit"] or ""))
                named = _header_currency(m["inner"]) if m["inner"] and unit is None else None
                if named is not None and target and target in table.names and table.column(target).kind == "number":
                    unit = named[1] if named[1] != "元" else None  # 万美元: a unit too; 美元 alone: the currency only
                    if currencies is not None:
                        currencies[target] = named[0]
                elif unit is not None and normalise_header(m["inner"] or "") in ("rmb", "cny") and currencies is not None and target:
                    currencies[target] = "CNY"
        if not target and header_scale(header) is not None:  # "NPS 0-10": a score header followed by its scale
            base = _SCALE_SUFFIX.match(unicodedata.normalize("NFKC", str(header)).strip())["base"]
            found = lookup(normalise_header(base))
            target = found if found in table.names and table.column(found).kind == "score" else None
        if target and target != EXTRA and target in table.names:
            mapping[i] = target
            if unit and units is not None and table.column(target).kind == "number":
                units[target] = unit
    return mapping


def display_header(header: str, name: str) -> str:
    """Column as shown in problems: the file's header, plus the contract name when different."""
    return header if header == name else f"{header} ({name})"


def map_columns(raw: RawTable, table: Table, source: TableSource | None, file: str,
                 currencies: dict[str, str] | None = None) -> tuple[dict[int, str], dict[str, str], list[Problem], list[QualityNote]]:
    """``(mapping, header units, problems, notes)``: each header's contract column, and what is missing, doubled or extra."""
    units: dict[str, str] = {}
    mapping = resolve_headers(raw.headers, table, source, units, currencies)
    problems: list[Problem] = []
    notes: list[QualityNote] = []
    by_target: dict[str, list[int]] = {}
    for position, target in mapping.items():
        by_target.setdefault(target, []).append(position)
    for target, positions in by_target.items():
        if len(positions) > 1:
            both = " and ".join(repr(raw.headers[p]) for p in positions)
            problems.append(
                Problem(
                    file, None, target, None,
                    f"columns {both} both map to '{target}': remove one, or map one of them elsewhere under "
                    f"tables.{table.name}.columns in {CONFIG_FILE} (use '{EXTRA}' to keep it unmapped)",
                )
            )
    found = ", ".join(h for h in raw.headers if h) or "(none)"
    configured = dict(source.columns) if source else {}
    for column in table.columns:
        if column.required and column.name not in by_target:
            accepted = list(dict.fromkeys([column.name, *column.aliases, *(h for h, t in configured.items() if t == column.name)]))
            problems.append(
                Problem(
                    file, None, column.name, None,
                    f"required column '{column.name}' is missing; headers found: {found}; accepted headers: {', '.join(accepted)} "
                    f"(or map yours under tables.{table.name}.columns in {CONFIG_FILE})",
                )
            )
    if table.any_of and not set(table.any_of) & set(by_target):
        wanted = " or ".join(f"'{c}'" for c in table.any_of)
        accepted = "; ".join(f"{c}: {', '.join(dict.fromkeys([c, *table.column(c).aliases]))}" for c in table.any_of)
        problems.append(
            Problem(
                file, None, "/".join(table.any_of), None,
                f"needs at least one of the columns {wanted}; headers found: {found}; accepted headers: {accepted} "
                f"(or map yours under tables.{table.name}.columns in {CONFIG_FILE})",
            )
        )
    present = {normalise_header(h) for h in raw.headers}
    unmatched = [h for h, t in configured.items() if normalise_header(h) not in present]
    if unmatched:
        notes.append(
            QualityNote(
                table.name, file, "mapped_header_not_found", len(unmatched),
                f"{CONFIG_FILE} maps header(s) that are not in the file: {', '.join(unmatched)}", "warning", tuple(unmatched[:5]),
            )
        )
    extras = [raw.headers[i] for i in range(len(raw.headers)) if i not in mapping]
    if extras:
        notes.append(extra_columns_note(table.name, file, extras))
    return mapping, units, problems, notes


def extra_columns_note(table: str, file: str, extras: list[str]) -> QualityNote:
    """The warning on the columns outside the contract, kept under their own header (both readers)."""
    return QualityNote(
        table, file, "extra_columns_kept", len(extras),
        f"{len(extras)} column(s) not in the data contract kept under their own header: {', '.join(extras)}",
        "warning", tuple(extras[:5]),
    )


def _score(headers: list[str], table: Table, source: TableSource | None) -> int:
    targets = set(resolve_headers(headers, table, source).values())
    return len(targets & set(table.required_names))


def _merge_header_rows(top: list[str], sub: list[str], table: Table, source: TableSource | None) -> list[str]:
    """Column names of a two-row header whose upper row has merged cells.

    A merged cell's text sits in its first column, so the upper row is filled
    to the right; each column is named by upper+lower when that is a known
    header (``客户`` + ``编号``), else by the lower cell, else (vertically
    merged) by the upper cell.
    """
    width = max(len(top), len(sub))
    top = [str(h or "").strip() for h in top] + [""] * (width - len(top))
    sub = [str(h or "").strip() for h in sub] + [""] * (width - len(sub))
    filled, last = [], ""
    for h in top:
        last = h or last
        filled.append(last)

    def known(h: str) -> bool:
        return bool(resolve_headers([h], table, source))

    names = []
    for own, parent, lower in zip(top, filled, sub):
        if not lower:
            names.append(own)
        elif parent and known(parent + lower):
            names.append(parent + lower)
        elif known(lower) or not parent or parent == lower:
            names.append(lower)
        else:
            names.append(f"{parent} {lower}")
    return names


def find_header(rows: list[list[str]], table: Table, source: TableSource | None) -> tuple[int, int, list[str]]:
    """``(index, rows, headers)`` of the header among the first rows.

    The header is the first row naming every required column; failing that,
    two rows read together (merged cells above sub-headers); failing that, the
    row naming the most required columns (the mapping step then reports what
    is missing).
    """
    full = len(table.required_names)
    best, best_score = None, -1
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if not any(str(h).strip() for h in row):
            continue
        score = _score(row, table, source)
        if score == full:
            return i, 1, [str(h).strip() for h in row]
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if nxt is not None and any(str(h).strip() for h in nxt) and _score(nxt, table, source) < full:
            merged = _merge_header_rows(row, nxt, table, source)
            if _score(merged, table, source) == full:
                return i, 2, merged
        if score > best_score:
            best, best_score = i, score
    best = best if best is not None else 0
    return best, 1, [str(h).strip() for h in rows[best]] if rows else []
