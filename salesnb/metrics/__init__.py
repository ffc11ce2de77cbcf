"""Sales and satisfaction metrics on tidy DataFrames.

Every function takes DataFrames with contract column names (see
:mod:`salesnb.schemas`) and returns a number, a small frozen dataclass or a
DataFrame. Definitions are the framework's (``docs/metrics.md``).
"""
from __future__ import annotations

from .scores import CSATResult, NPSResult, Z95, csat, csat_table, has_nps, nps, nps_history, nps_table, score_column, score_value  # noqa: F401
from .codes import CATEGORY_COLUMNS, ID_CODE_COLUMNS, bought_between, customer_codes, factorize_values, first_purchases_in, first_date, first_purchase, id_column, new_customer_flags, orders_per_customer, per_line, select_rows, with_categories, with_id_codes  # noqa: F401
from .sales import CAGRResult, Concentration, PeriodSales, cagr, concentration, contribution, new_customers, period_sales, purchases, revenue_split, sales_history, sales_in, share_table, with_growth  # noqa: F401
from .customers import CUSTOMER_STATUSES, RetentionResult, customer_status, recent_lines, retention  # noqa: F401
from .complaints import category_shares, complaint_summary, has_response_times, response_hours, response_table  # noqa: F401
from .delivery import DELIVERY_COLUMNS, DELIVERY_STATUSES, data_end, delivery_history, delivery_kpis, delivery_orders, delivery_summary, has_delivery  # noqa: F401
from .overview import headline, satisfaction_history  # noqa: F401

__all__ = [
    "NPSResult",
    "nps",
    "nps_table",
    "CSATResult",
    "csat",
    "csat_table",
    "sales_history",
    "sales_in",
    "period_sales",
    "PeriodSales",
    "new_customer_flags",
    "first_purchase",
    "first_purchases_in",
    "customer_codes",
    "factorize_values",
    "bought_between",
    "per_line",
    "select_rows",
    "orders_per_customer",
    "with_id_codes",
    "with_categories",
    "CATEGORY_COLUMNS",
    "id_column",
    "ID_CODE_COLUMNS",
    "first_date",
    "response_hours",
    "complaint_summary",
    "Z95",
    "headline",
    "nps_history",
    "revenue_split",
    "new_customers",
    "response_table",
    "category_shares",
    "share_table",
    "purchases",
    "retention",
    "RetentionResult",
    "customer_status",
    "recent_lines",
    "CUSTOMER_STATUSES",
    "with_growth",
    "cagr",
    "CAGRResult",
    "contribution",
    "concentration",
    "Concentration",
    "satisfaction_history",
    "has_nps",
    "score_column",
    "score_value",
    "has_response_times",
    "has_delivery",
    "DELIVERY_STATUSES",
    "DELIVERY_COLUMNS",
    "data_end",
    "delivery_orders",
    "delivery_kpis",
    "delivery_summary",
    "delivery_history",
]
