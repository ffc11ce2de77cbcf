"""How reports name the data's values: ``labels:`` and :func:`value_label` / :func:`value_labels`.

Not here: the report's own wording (:mod:`salesnb.i18n`).
"""
from __future__ import annotations

from pydantic import Field

from .base import _Model


class ValueLabels(_Model):
    """How one report language names the values of the data: ``{value as in the data: label}``."""

    region: dict[str, str] = Field(default_factory=dict)
    product_line: dict[str, str] = Field(default_factory=dict)
    category: dict[str, str] = Field(default_factory=dict)
    """Complaint categories."""


class Labels(_Model):
    """Optional names of regions, product lines and complaint categories per report language
    (``labels: {en: {region: {华东: East China}}}``): English reports of Chinese data need them."""

    en: ValueLabels = Field(default_factory=ValueLabels)
    zh: ValueLabels = Field(default_factory=ValueLabels)


def value_label(config, field: str, value, lang: str) -> str:
    """``value`` of ``field`` (``region``, ``product_line``, ``category``) as reports in ``lang`` name it.

    The label of ``labels.<lang>.<field>`` in ``workspace.yaml``, else the value as in the data.

    Examples
    --------
    >>> from salesnb.config import WorkspaceConfig
    >>> cfg = WorkspaceConfig.model_validate({"company": {"name": "x"}, "labels": {"en": {"region": {"华东": "East China"}}}})
    >>> value_label(cfg, "region", "华东", "en"), value_label(cfg, "region", "华东", "zh"), value_label(cfg, "region", "华北", "en")
    ('East China', '华东', '华北')
    """
    labels = getattr(getattr(getattr(config, "labels", None), lang, None), field, None) or {}
    return labels.get(str(value), str(value))


def value_labels(config, lang: str) -> dict[str, str]:
    """Every ``value → label`` of ``lang`` in ``workspace.yaml`` (regions, product lines, categories together).

    >>> from salesnb.config import WorkspaceConfig
    >>> cfg = WorkspaceConfig.model_validate({"company": {"name": "x"}, "labels": {"en": {"category": {"交付延迟": "Late delivery"}}}})
    >>> value_labels(cfg, "en"), value_labels(cfg, "zh")
    ({'交付延迟': 'Late delivery'}, {})
    """
    chosen = getattr(getattr(config, "labels", None), lang, None)
    if chosen is None:
        return {}
    return {**chosen.category, **chosen.product_line, **chosen.region}
