"""Errors and data-quality notes shared by every layer.

A :class:`DataError` carries one :class:`Problem` per offending cell or key, so
an analyst sees every issue with a file at once instead of fixing them one by
one. A :class:`QualityNote` records a documented repair or a warning; notes are
shown in each notebook's data-quality section and written to ``run.json``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Problem", "DataError", "ConfigError", "QualityNote", "RunRefused"]


@dataclass(frozen=True)
class Problem:
    """One rule broken by one value.

    Parameters
    ----------
    file : str
        File name as the analyst knows it (relative to the workspace).
    line : int or None
        Line in the source file (1-based, the header is line 1 for CSV) or the
        Excel row number; ``None`` for whole-file or whole-column problems.
    column : str or None
        Column as written in the source file (and the contract name if mapped).
    value : str or None
        The offending value, shortened to 60 characters.
    rule : str
        What the value should have been, in plain words.
    """

    file: str
    line: int | None
    column: str | None
    value: str | None
    rule: str

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def _short(value: Any, width: int = 60) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(problems: list[Problem], limit: int = 50) -> str:
    header = ("file", "line", "column", "value", "rule")
    rows = [
        (p.file, "" if p.line is None else str(p.line), p.column or "", repr(_short(p.value)) if p.value is not None else "", p.rule)
        for p in problems[:limit]
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    widths[-1] = len(header[-1])  # the rule column is free text, do not pad
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*r) for r in rows]
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more problems")
    return "\n".join(lines)


class DataError(ValueError):
    """Input data broke the data contract.

    ``problems`` lists every broken rule with file, line, column and value;
    ``str(err)`` renders them as a table (what the CLI prints before exiting 2).

    Examples
    --------
    >>> err = DataError([Problem("sales.csv", 7, "amount", "abc", "must be a number")])
    >>> err.problems[0].line
    7
    """

    def __init__(self, problems: list[Problem], summary: str | None = None):
        self.problems = list(problems)
        n = len(self.problems)
        self.summary = summary or f"{n} problem{'s' if n != 1 else ''} in the input data"
        super().__init__(self.summary)

    def __str__(self) -> str:
        return f"{self.summary}:\n{_table(self.problems)}"

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([p.as_row() for p in self.problems], columns=["file", "line", "column", "value", "rule"])


class ConfigError(DataError):
    """``workspace.yaml`` broke its model; ``column`` holds the key path."""


class RunRefused(RuntimeError):
    """A run was refused before any notebook started (e.g. the period folder exists)."""


@dataclass(frozen=True)
class QualityNote:
    """A documented repair or a warning about the input.

    Parameters
    ----------
    table : str
        Contract table name (``sales``, ``surveys`` …) or ``workspace``.
    file : str
        Source file name.
    rule : str
        Short stable code, e.g. ``duplicate_rows_removed``.
    count : int
        How many rows or values it touched.
    detail : str
        One sentence for the analyst.
    severity : str
        ``"repair"`` (data changed in a documented way) or ``"warning"``.
    examples : tuple of str
        Up to five example lines or values.
    """

    table: str
    file: str
    rule: str
    count: int
    detail: str
    severity: str = "warning"
    examples: tuple[str, ...] = field(default_factory=tuple)

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["examples"] = "; ".join(self.examples)
        return row
