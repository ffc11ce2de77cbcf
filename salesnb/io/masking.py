"""Personal data in a loaded workspace: the unmasked contact list, then names, phones, e-mails masked.

The masking rules are :mod:`salesnb.privacy`; here they are applied to every
table, its quarantine and the quality notes (which may quote a title or
footer line).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping

import pandas as pd

from ..errors import QualityNote
from ..privacy import PERSONAL_COLUMNS, Masker, mask_column
from ..schemas import Table
from .model import QUARANTINE_REASON, Source


def contact_list(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    """The customers' contact columns, unmasked (``internal/contacts.csv`` of the run), or ``None``."""
    customers = tables.get("customers")
    if customers is None:
        return None
    columns = [c for c in ("customer_id", "customer_name", "region", "segment", "contact", "phone", "email") if c in customers]
    return customers[columns].copy()


def _mask_frame(frame: pd.DataFrame, contract: Table, masker: Masker, personal: bool) -> tuple[pd.DataFrame, dict[str, int]]:
    """Mask personal data in the text columns of ``frame``; returns ``(frame, masked values per column)``."""
    counts: dict[str, int] = {}
    kinds = {c.name: c.kind for c in contract.columns}
    for column in frame.columns:
        values = frame[column]
        if column == QUARANTINE_REASON:  # may quote a footer or title line: masked, not counted
            if values.dtype == object or pd.api.types.is_string_dtype(values):
                frame[column] = values.map(masker.text, na_action="ignore")
            continue
        if not pd.api.types.is_string_dtype(values):
            continue
        kind = kinds.get(column, "extra")
        if personal and column in PERSONAL_COLUMNS:
            masked = mask_column(values, PERSONAL_COLUMNS[column])
        elif kind in ("text", "extra"):
            masked = masker.series(values)
        else:
            continue
        changed = int((values.notna() & (masked != values)).sum())
        if changed:
            frame[column] = masked
            counts[column] = changed
    return frame, counts


def mask_note(note: QualityNote, masker: Masker) -> QualityNote:
    """``note`` with personal data in its detail and examples masked (ids in notes are masked too: generous by design)."""
    detail, examples = masker.text(note.detail), tuple(masker.text(e) for e in note.examples)
    return note if (detail, examples) == (note.detail, note.examples) else replace(note, detail=detail, examples=examples)


def mask_personal_data(tables: dict[str, pd.DataFrame], aside: dict[str, pd.DataFrame], contracts: Mapping[str, Table],
                        sources: Mapping[str, Source], masker: Masker) -> list[QualityNote]:
    """Mask names, phones, e-mails and ID-card numbers in every table (and its quarantine)."""
    notes = []
    for name in list(tables):
        frame, counts = _mask_frame(tables[name], contracts[name], masker, personal=name == "customers")
        tables[name] = frame
        if name in aside and len(aside[name]):
            aside[name], _ = _mask_frame(aside[name], contracts[name], masker, personal=name == "customers")
        if counts:
            total = sum(counts.values())
            notes.append(
                QualityNote(
                    name, sources[name].file, "personal_data_masked", total,
                    f"{total} value(s) with names, phone numbers, e-mails or ID-card numbers were masked in "
                    f"{', '.join(counts)}; the unmasked contact list is internal/contacts.csv of the run",
                    "info", tuple(f"{c}: {n}" for c, n in counts.items()),
                )
            )
    return notes
