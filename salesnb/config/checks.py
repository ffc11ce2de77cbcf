"""The input checks of :mod:`salesnb.io`: ``checks:``.

Here: unknown customers, declared survey scales, implausible amounts, long-tailed regions and product lines,
the earliest date. Not here: where the tables are (:mod:`salesnb.config.company`).
"""
from __future__ import annotations

import datetime as _dt
from typing import Literal

from pydantic import Field, model_validator

from .base import _Model


class UnknownCustomers(_Model):
    """Rows naming a ``customer_id`` that is not in customers, as a share of each
    table's rows with a customer id: above ``warn_above`` a warning, above
    ``error_above`` an error (at or below ``warn_above`` an info note)."""

    warn_above: float = Field(0.0, ge=0, le=1)
    error_above: float = Field(0.05, ge=0, le=1)
    headline_above: float = Field(0.005, ge=0, le=1)
    """Sales only: unknown customer ids (left after the zero-padding repair) that
    carry more than this share of the sales amount, or are more than this share
    of the distinct customers in sales, are an error: they would be counted as
    customers of their own (new customers, active customers, repeat rate) and
    move the headline numbers. At or below it the row-share rules above apply."""

    @model_validator(mode="after")
    def _ordered(self) -> "UnknownCustomers":
        if self.error_above < self.warn_above:
            raise ValueError("error_above must be at least warn_above")
        return self


class ScaleDeclaration(_Model):
    """A survey score column written on another scale than the contract's
    (e.g. satisfaction 1–10 instead of 1–5) and how to convert it:
    ``linear`` maps low…high onto the contract scale, ``none`` keeps the values
    (e.g. an NPS asked 1–10, read with the usual 9–10 / 0–6 classes), or an
    explicit ``{answer: value}`` table."""

    low: int
    high: int
    convert: Literal["linear", "none"] | dict[int, float] = "linear"

    @model_validator(mode="after")
    def _range(self) -> "ScaleDeclaration":
        if self.high <= self.low:
            raise ValueError("high must be greater than low")
        return self


class ExtremeAmounts(_Model):
    """An order line is implausible (an error naming line and value) when its
    absolute amount is more than ``factor`` times the ``percentile`` of the
    absolute line amounts, **and** more than ``quarter_share`` of the rest of
    its quarter's revenue (a typo with extra zeros). ``factor: 0`` turns the
    check off. Sales with fewer than ``min_rows`` lines are not checked (no
    percentile to compare with)."""

    factor: float = Field(100.0, ge=0)
    percentile: float = Field(99.0, gt=0, lt=100)
    quarter_share: float = Field(0.5, ge=0)
    min_rows: int = Field(100, ge=1)


class ManyValues(_Model):
    """Region and product-line columns with a long tail of values (``checks.many_values``).

    Above ``warn_above`` distinct values validation warns (``many_values``: a
    customer or product code mapped as the region or product line?). With
    ``group: true`` (default) a column with more than ``keep + 1`` distinct
    values keeps its ``keep`` largest values by sales amount over the loaded
    history (ties by name; values named in ``workspace.yaml`` — goal scopes,
    breakdown overrides and potential drivers, budget limits and strategic
    weights — are always kept) and
    every other value becomes one value, ``label`` (default ``其他`` when the
    kept values are Chinese, else ``Other``), in every table, so that plans,
    charts and the target matrix stay legible (repair ``long_tail_grouped``).
    ``group: false`` keeps every value as it is."""

    warn_above: int = Field(200, ge=1)
    keep: int = Field(40, ge=1)
    group: bool = True
    label: str | None = Field(None, min_length=1)


class Checks(_Model):
    """Input checks of ``salesnb.io`` (robustness of real-world exports)."""

    unknown_customers: UnknownCustomers = Field(default_factory=UnknownCustomers)
    earliest_date: _dt.date = _dt.date(2000, 1, 1)
    """Rows dated before this (or after the day of the run) are quarantined with a warning."""
    scales: dict[str, ScaleDeclaration] = Field(default_factory=dict)
    """Survey score column → its declared scale (``satisfaction: {low: 1, high: 10}``)."""
    extreme_amounts: ExtremeAmounts = Field(default_factory=lambda: ExtremeAmounts())
    """Order lines whose amount is implausibly large (a typo with extra zeros) are an error."""
    many_values: ManyValues = Field(default_factory=lambda: ManyValues())
    """Regions or product lines with a long tail: warn above ``warn_above``, group all but the ``keep`` largest."""
