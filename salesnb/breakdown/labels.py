"""Words and number formats shared by the views, sentences and workbook: nodes, dimensions, channels,
budget lines, what an action serves, methods and flags in the report language, and amounts in the report unit.

No tables (:mod:`.views`) and no sentences (:mod:`.narrative`) here.
"""
from __future__ import annotations

from ..config import Tiers
from ..i18n import LABELS, UNIT_FACTORS, money, number, pct, report_unit, t, unit_label
from .budget import CENTRAL
from .common import CUSTOMER_TYPES
from .total import PlanTotal


def _unit(unit: str, lang: str) -> tuple[float, str, int]:
    """Scale factor, label and decimals of amounts shown in ``unit``."""
    shown = report_unit(unit, lang)
    return UNIT_FACTORS[shown], unit_label(shown, lang), (2 if shown in ("百万元", "million") else 1 if shown != "元" else 0)


def _amount(unit: str, lang: str):
    factor, _, digits = _unit(unit, lang)
    return lambda v: number(v / factor if v == v and v is not None else v, lang, digits)


def _pct(lang: str, signed: bool = False):
    return lambda v: pct(v, lang, signed=signed)


def node_label(dim: str, node, lang: str) -> str:
    """A node as readers see it: customer types translated, the rest as in the data."""
    if dim == "customer_type" and node in CUSTOMER_TYPES:
        return t(f"bd_ct_{node}", lang)
    if node == CENTRAL:
        return t("bd_central", lang)
    return str(node)


def words(key) -> str:
    """A key a person wrote in ``workspace.yaml`` (``online_promotion``) as words (``online promotion``), for a
    report that has no label for it."""
    return str(key).replace("_", " ").strip()


def channel_label(channel, lang: str) -> str:
    """An action's channel in ``lang``: known channels translated, others as words; blank stays blank.

    >>> channel_label("trade_show", "en"), channel_label("partner", "zh"), channel_label("tv_ads", "en")
    ('trade show', '合作伙伴', 'tv ads')
    """
    if channel is None or channel != channel or not str(channel).strip():
        return ""
    key = f"bd_channel_{channel}"
    return t(key, lang) if key in LABELS else words(channel)


def budget_item_label(item, lang: str) -> str:
    """A budget line (``items:`` key of a budget category) in ``lang``: known lines translated, others as words.

    >>> budget_item_label("online_promotion", "en"), budget_item_label("commission", "zh"), budget_item_label("events_2026", "en")
    ('online promotion', '销售提成', 'events 2026')
    """
    key = f"bd_item_{item}"
    return t(key, lang) if key in LABELS else words(item)


def serves_label(serves, lang: str, tiers: Tiers | None = None) -> str:
    """What an action serves, as readers say it (no ``key=value``): customer types and tiers by their names,
    regions and product lines by their values.

    ``serves`` is the ``serves:`` mapping of an action or its text ``customer_type=new, tier=at_risk``.

    >>> serves_label("customer_type=new", "en"), serves_label({"tier": "at_risk"}, "zh"), serves_label("region=华南", "en")
    ('new customers', '流失预警客户', '华南')
    """
    if isinstance(serves, dict):
        pairs = list(serves.items())
    else:
        text = "" if serves is None or serves != serves else str(serves)
        pairs = [tuple(part.split("=", 1)) if "=" in part else ("", part) for part in (x.strip() for x in text.split(",")) if part]
    tier_names = {r.key: (r.zh if lang == "zh" else r.en) for r in (tiers.rules if tiers is not None else [])}
    out = []
    for dim, node in pairs:
        dim, node = str(dim).strip(), str(node).strip()
        if dim == "customer_type":
            key = f"bd_serves_{node}"
            out.append(t(key, lang) if key in LABELS else node_label(dim, node, lang))
        elif dim == "tier":
            key = f"bd_tier_{node}"
            out.append(tier_names.get(node) or (t(key, lang) if key in LABELS else words(node)))
        else:
            out.append(node)
    return ("、" if lang == "zh" else ", ").join(out)


def dim_label(dim: str, lang: str) -> str:
    """A dimension's name in ``lang`` (known ones translated)."""
    return t(dim, lang) if dim in LABELS else dim


def _source_text(total: PlanTotal, lang: str, year_on_year: bool = True) -> str:
    if total.source == "goal":
        return t("bd_src_goal", lang, goal=total.goal_id)
    if total.source == "trend" and not year_on_year:  # recent quarters: no growth rate is known, the base is kept
        return t("bd_src_trend_flat", lang)
    if total.source == "trend" and not total.trend_known:  # under 24 months: no twelve-month growth to continue
        return t("bd_src_trend_unknown", lang)
    return t(f"bd_src_{total.source}", lang)


def method_text(method: str, lang: str) -> str:
    return t(f"bd_method_{method}", lang)


def _clean_zero(x: float, eps: float = 5e-6) -> float:
    """0.0 for a value that would print as −0.0 %."""
    return 0.0 if x == x and abs(x) < eps else x


def flag_text(flag: str, lang: str) -> str:
    return t(f"bd_flag_{flag}", lang)


def _part_label(row, lang: str) -> str:
    if row["level"] == "total":
        return t("bd_company", lang)
    dims = [d.strip() for d in str(row["level"]).split("×")]
    return " · ".join(node_label(d, row[d], lang) for d in dims if d in row and row[d] == row[d])


def _per_customer(value, unit: str, lang: str) -> str:
    """An amount per customer in whole currency units with its unit (元 for a CNY workspace).

    >>> _per_customer(20000, "万元", "en"), _per_customer(20000, "万元", "zh"), _per_customer(300, "thousand", "en")
    ('20,000 CNY', '20,000 元', '300')
    """
    return money(value, "元" if unit in ("元", "千元", "万元", "百万元") else "unit", lang, 0)


def _items_text(items, lang: str, unit: str) -> str:
    """A category's ``items`` of :func:`budget_lines` (``commission 6,500,000, hiring 2,500,000``, amounts in 元) as
    readers see them: each line named in ``lang`` with its amount in the report's money unit.

    >>> _items_text("commission 6,500,000, online_promotion 1,500,000", "en", "万元")
    'sales commission 6.50 million CNY, online promotion 1.50 million CNY'
    """
    if items is None or items != items or not str(items).strip():
        return ""
    out = []
    for part in str(items).split(", "):
        key, _, amount = part.rpartition(" ")
        try:
            value = float(amount.replace(",", ""))
        except ValueError:
            out.append(part)
            continue
        out.append(f"{budget_item_label(key, lang)} {money(value, unit, lang)}")
    return ("、" if lang == "zh" else ", ").join(out)
