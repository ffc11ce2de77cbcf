"""The data contract: tables, columns, types, allowed values and header aliases.

Every table a workspace may hold is described by a :class:`Table` of
:class:`Column` s. Readers map the user's headers onto these names (Chinese and
English variants are known, see ``aliases``), coerce each column to its
``kind`` and then validate the values with the pandera schema built by
:func:`pandera_schema`. ``docs/data.md`` is this module in prose.

Kinds
-----
``id``        text identifier, stripped; never a number (leading zeros kept)
``text``      free text (comments, names)
``category``  text from ``allowed`` (after ``value_aliases``)
``date``      calendar date
``datetime``  date and time
``number``    decimal number (currency amounts, quantities)
``score``     integer on the closed scale [low, high]

Rules
-----
The rules a row must keep are declared here once, as :class:`Rule` s: those a
column implies (:func:`column_rules`: required, parseable as its kind,
allowed values, range, whole numbers, unique key) and those between the
columns of a row (``Table.row_rules``); :data:`REFERENCES` names the columns
that refer to another table and ``Table.event_date`` the date that places a
row in time (the date range). Both readers are generated from them: the
contract reader (pandas, :mod:`salesnb.io`) checks each rule kind with one
function (the pandera schema of :func:`pandera_schema`, the row checks of
:mod:`salesnb.io.rules`), the engine reader (DuckDB,
:mod:`salesnb.prepare.engine_read`) renders each rule kind as the SQL
predicate of a broken row. :data:`RULE_KINDS` lists the kinds.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from typing import Mapping

__all__ = ["Column", "Table", "Rule", "Reference", "CONTRACT", "REFERENCES", "RULE_KINDS", "table_contract", "column_rules", "table_rules",
           "pandera_schema", "value_rule_text", "normalise_header", "TABLE_NAMES"]


RULE_KINDS: dict[str, str] = {
    "required": "the value must not be blank (a required column that may not be blank)",
    # parse: both readers read ISO dates and plain numbers; only the contract reader (pandas) reads Excel day numbers,
    # decimal commas, units and currencies in the cells, and blank answers (无, N/A) of a score: the engine reader sends
    # such a file back to it (EngineFallback), and score and category columns are read by the contract reader only
    "parse": "the value must read as the column's kind (date, datetime, number, score)",
    "allowed": "the value must be one of the column's allowed values (after value_aliases)",
    "range": "the value must lie within [low, high]",
    "whole": "the value must be a whole number",
    # unique: both readers report every row of a duplicated key (customers.customer_id: a customer twice would double
    # the revenue joined to it)
    "unique": "no two rows may share the value (the table's key)",
    "not_before": "the column's date must not be before the ``other`` column's date",
    "same_sign": "the column and the ``other`` column must not have opposite signs",
}
"""Every kind of :class:`Rule`; each has one pandas check (:mod:`salesnb.io`) and one SQL predicate
(:mod:`salesnb.prepare.engine_read`)."""


@dataclass(frozen=True)
class Rule:
    """One rule of the contract about the values of a row (see :data:`RULE_KINDS`).

    ``other`` is the second column of a rule between columns; ``what`` and
    ``event`` word it (``the {what} is before {event}``; for ``same_sign``
    ``what`` is the explanation after the colon).

    Examples
    --------
    >>> Rule("not_before", "delivered_date", "order_date", "delivery", "the order date").other
    'order_date'
    """

    kind: str
    column: str
    other: str | None = None
    what: str = ""
    event: str = ""


@dataclass(frozen=True)
class Reference:
    """``table.column`` refers to ``target.target_column`` (an id not found there is reported by share)."""

    table: str
    column: str
    target: str
    target_column: str


@dataclass(frozen=True)
class Column:
    """One column of the contract.

    Examples
    --------
    >>> Column("nps", "score", required=True, low=0, high=10).high
    10
    """

    name: str
    kind: str
    required: bool = False
    nullable: bool = False
    aliases: tuple[str, ...] = ()
    allowed: tuple[str, ...] | None = None
    value_aliases: Mapping[str, str] = field(default_factory=dict)
    low: float | None = None
    high: float | None = None
    unique: bool = False
    description: str = ""


@dataclass(frozen=True)
class Table:
    """One table of a workspace: its columns and what one row is."""

    name: str
    row: str
    columns: tuple[Column, ...]
    required: bool = False
    key: str | None = None
    any_of: tuple[str, ...] = ()
    """At least one of these (optional) columns must be present, e.g. a survey needs a score: ``nps`` or ``satisfaction``."""
    row_rules: tuple[Rule, ...] = ()
    """Rules between the columns of one row (checked in this order)."""
    event_date: str | None = None
    """The date that places a row in time; rows dated before ``checks.earliest_date`` or after the day of the run are
    set aside (by both readers)."""

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_names(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def normalise_header(text: str) -> str:
    """Fold a header for matching: NFKC (full-width → half-width), lower case,
    no spaces, underscores, hyphens, dots or brackets.

    >>> normalise_header(" Order_ID ")
    'orderid'
    >>> normalise_header("客户ＩＤ")
    '客户id'
    """
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    for ch in " \t\u3000_-.()（）[]【】:：/\\'\"":
        folded = folded.replace(ch, "")
    # zero-width characters that survive NFKC
    for ch in "\u200b\u200c\u200d\ufeff\u2060":
        folded = folded.replace(ch, "")
    return folded


_CUSTOMER_ID = ("客户编号", "客户ID", "客户id", "客户代码", "客户号", "customer id", "customerid", "client id", "cust id")
_REGION = ("区域", "大区", "地区", "销售区域", "region", "area", "sales region")

RESPONDENT_TYPES = ("customer", "prospect", "lost")
ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")

_SALES = Table(
    "sales",
    "order line",
    (
        Column("order_id", "id", True, aliases=("订单号", "订单编号", "单号", "订单id", "order no", "order number", "invoice", "invoiceno", "invoice no"), description="Order (or invoice) number; several lines may share it."),
        Column("order_date", "date", True, aliases=("下单日期", "订单日期", "日期", "成交日期", "order date", "date", "invoicedate", "invoice date"), description="Date the order was placed."),
        Column("customer_id", "id", True, aliases=_CUSTOMER_ID, description="Buying customer; ids unknown to customers are reported as a warning."),
        Column("region", "id", True, aliases=_REGION, description="Sales region, e.g. 华东."),
        Column("product_line", "id", True, aliases=("产品线", "产品类别", "产品大类", "product line", "productline", "category", "product category"), description="Product line."),
        Column("amount", "number", True, aliases=("销售额", "金额", "订单金额", "销售金额", "成交金额", "amount", "sales", "revenue", "net sales"), description="Line revenue in the unit of company.unit (converted to 元 on read); negative for returns."),
        Column("product", "id", aliases=("产品", "产品名称", "品名", "商品", "product", "item", "sku", "product name"), nullable=True, description="Product or SKU."),
        Column("quantity", "number", aliases=("数量", "销量", "quantity", "qty", "units"), nullable=True, description="Units; negative for returns."),
        Column("channel", "id", aliases=("渠道", "销售渠道", "channel", "sales channel"), nullable=True, description="Sales channel."),
        Column("sales_rep", "id", aliases=("销售代表", "业务员", "销售员", "销售", "sales rep", "salesperson", "rep"), nullable=True, description="Responsible sales representative."),
        Column("promised_date", "date", aliases=("承诺交期", "承诺交货日期", "承诺到货日期", "预计送达日期", "预计交货日期", "预计到货日期",
                                                 "promised date", "promise date", "estimated delivery date", "estimated delivery"),
               nullable=True, description="Delivery day promised to the customer; with delivered_date it gives the delivery KPIs (on-time share, delay)."),
        Column("delivered_date", "date", aliases=("实际交付日期", "实际交货日期", "实际送达日期", "送达日期", "签收日期", "到货日期",
                                                  "delivered date", "delivery date", "date delivered", "actual delivery date"),
               nullable=True, description="Day the order reached the customer; blank = not delivered (yet)."),
    ),
    required=True,
    event_date="order_date",
    row_rules=(
        Rule("same_sign", "amount", "quantity", "a return has a negative quantity and a negative amount"),
        Rule("not_before", "promised_date", "order_date", "promised delivery day", "the order date"),
        Rule("not_before", "delivered_date", "order_date", "delivery", "the order date"),
    ),
)

_CUSTOMERS = Table(
    "customers",
    "customer",
    (
        Column("customer_id", "id", True, aliases=_CUSTOMER_ID, unique=True, description="Unique customer id."),
        Column("region", "id", True, aliases=_REGION, description="Home region of the customer."),
        Column("customer_name", "text", aliases=("客户名称", "客户名", "公司名称", "客户", "customer name", "name", "company"), nullable=True, description="Name (personal data: masked in leadership reports)."),
        Column("segment", "id", aliases=("客户细分", "细分", "行业类型", "segment", "customer segment"), nullable=True, description="Segment, e.g. 大客户 / 中小企业."),
        Column("industry", "id", aliases=("行业", "所属行业", "industry"), nullable=True, description="Industry."),
        Column("created_date", "date", aliases=("建档日期", "创建日期", "注册日期", "开户日期", "created date", "created", "signup date"), nullable=True, description="Date the customer record was created."),
        Column("contact", "text", aliases=("联系人", "contact", "contact name"), nullable=True, description="Contact person (personal data)."),
        Column("phone", "text", aliases=("电话", "手机", "联系电话", "手机号", "phone", "mobile", "telephone"), nullable=True, description="Phone (personal data)."),
        Column("email", "text", aliases=("邮箱", "电子邮件", "邮件", "email", "e-mail"), nullable=True, description="E-mail (personal data)."),
    ),
    required=True,
    key="customer_id",
)

_SURVEYS = Table(
    "surveys",
    "survey response",
    (
        Column("response_id", "id", True, aliases=("问卷编号", "答卷编号", "回复编号", "序号", "response id", "responseid"), unique=True, description="Unique response id."),
        Column("survey_date", "date", True, aliases=("调研日期", "填写日期", "提交日期", "提交时间", "答题时间", "日期", "survey date", "date", "submitted"), description="Date of the answer."),
        Column(
            "respondent_type", "category", True,
            aliases=("受访者类型", "客户状态", "受访类型", "respondent type", "respondent"),
            allowed=RESPONDENT_TYPES,
            value_aliases={"成交客户": "customer", "现有客户": "customer", "客户": "customer", "潜在客户": "prospect", "流失客户": "lost", "active": "customer", "buying": "customer"},
            description="customer (buying), prospect or lost (成交/潜在/流失客户).",
        ),
        Column("nps", "score", aliases=("推荐意愿", "推荐度", "推荐分", "推荐可能性", "nps", "likelihood to recommend", "recommend"), low=0, high=10, nullable=True,
               description="0–10 'would you recommend'; blank = not answered; no column = not asked (reports then use satisfaction)."),
        Column("customer_id", "id", aliases=_CUSTOMER_ID, nullable=True, description="Respondent's customer id (blank for prospects)."),
        Column("region", "id", aliases=_REGION, nullable=True, description="Region (taken from customers when blank)."),
        Column("satisfaction", "score", aliases=("满意度", "总体满意度", "整体满意度", "satisfaction", "overall satisfaction", "csat"), low=1, high=5, nullable=True, description="Overall satisfaction 1–5."),
        Column("channel", "id", aliases=("调研方式", "调查方式", "survey channel", "mode"), nullable=True, description="online / phone."),
        Column("comment", "text", aliases=("意见", "评论", "建议", "意见建议", "其他意见", "备注", "comment", "comments", "feedback"), nullable=True, description="Free-text comment (untrusted text)."),
    ),
    key="response_id",
    any_of=("nps", "satisfaction"),
    event_date="survey_date",
)

_COMPLAINTS = Table(
    "complaints",
    "complaint ticket",
    (
        Column("ticket_id", "id", True, aliases=("工单号", "工单编号", "投诉编号", "投诉单号", "ticket id", "ticket", "case id"), unique=True, description="Unique ticket id."),
        Column("customer_id", "id", True, aliases=_CUSTOMER_ID, description="Complaining customer."),
        Column("opened_at", "datetime", True, aliases=("投诉时间", "创建时间", "受理时间", "提交时间", "opened at", "opened", "created at", "created"), description="When the ticket was opened."),
        Column("category", "id", True, aliases=("投诉类型", "投诉类别", "问题类型", "类别", "category", "type"), description="Complaint category."),
        Column("first_response_at", "datetime", aliases=("首次响应时间", "响应时间", "first response at", "first response", "responded at"), nullable=True, description="First response to the customer; blank = not yet."),
        Column("resolved_at", "datetime", aliases=("解决时间", "关闭时间", "完成时间", "resolved at", "resolved", "closed at"), nullable=True, description="Resolution time; blank = open."),
        Column("channel", "id", aliases=("渠道", "投诉渠道", "来源", "channel", "source"), nullable=True, description="Channel (phone, e-mail, WeChat …)."),
        Column("region", "id", aliases=_REGION, nullable=True, description="Region (taken from customers when blank)."),
        Column("description", "text", aliases=("投诉内容", "描述", "问题描述", "内容", "description", "text", "details"), nullable=True, description="Complaint text (untrusted text)."),
    ),
    key="ticket_id",
    event_date="opened_at",
    row_rules=(
        Rule("not_before", "first_response_at", "opened_at", "first response", "the ticket was opened"),
        Rule("not_before", "resolved_at", "opened_at", "resolution", "the ticket was opened"),
    ),
)

_INTERVIEWS = Table(
    "interviews",
    "interview note",
    (
        Column("interview_id", "id", True, aliases=("访谈编号", "访谈id", "interview id"), unique=True, description="Unique interview id."),
        Column("customer_id", "id", True, aliases=_CUSTOMER_ID, description="Interviewed customer."),
        Column("interview_date", "date", True, aliases=("访谈日期", "日期", "interview date", "date"), description="Date of the interview."),
        Column("notes", "text", True, aliases=("访谈记录", "纪要", "访谈纪要", "记录", "notes", "summary"), description="Notes (untrusted text)."),
        Column("interviewer", "text", aliases=("访谈人", "访谈者", "interviewer"), nullable=True, description="Interviewer (personal data)."),
        Column("themes", "text", aliases=("主题", "标签", "themes", "tags"), nullable=True, description="Themes, separated by ; or 、."),
    ),
    key="interview_id",
    event_date="interview_date",
)

_ACTIONS = Table(
    "actions",
    "improvement action (the register, kept across periods)",
    (
        Column("action_id", "id", True, aliases=("措施编号", "编号", "action id"), unique=True, description="Unique action id."),
        Column("problem", "text", True, aliases=("问题", "问题描述", "problem"), description="Diagnosed problem."),
        Column("problem_id", "id", aliases=("问题编号", "problem id"), nullable=True, description="Problem id of the run that opened it (P1, P2 …)."),
        Column("measure_key", "id", aliases=("措施代码", "measure key"), nullable=True,
               description="Key of a library measure, shown in each report's language."),
        Column("measure_text", "text", aliases=("措施", "改进措施", "measure", "measure text"), nullable=True,
               description="Measure as a person typed it (shown as typed, wins over measure_key)."),
        Column("owner_key", "id", aliases=("责任人代码", "owner key"), nullable=True, description="Key of the owner role, shown in each report's language."),
        Column("owner_text", "text", aliases=("责任人", "负责人", "owner", "owner text"), nullable=True,
               description="Owner as a person typed it, e.g. a name (wins over owner_key)."),
        Column("start", "date", True, aliases=("开始日期", "开始时间", "start", "start date"), description="Start date."),
        Column("due", "date", True, aliases=("截止日期", "完成期限", "due", "due date", "deadline"), description="Due date."),
        Column("kpi", "id", True, aliases=("指标", "kpi"), description="KPI name (a metric salesnb computes)."),
        Column("baseline", "number", True, aliases=("基线", "基准值", "baseline"), nullable=True, description="KPI value when opened."),
        Column("target", "number", True, aliases=("目标", "目标值", "target"), nullable=True, description="KPI target."),
        Column(
            "status", "category", True, aliases=("状态", "status"), allowed=ACTION_STATUSES,
            value_aliases={"未开始": "planned", "计划": "planned", "计划中": "planned", "进行中": "in_progress", "in progress": "in_progress",
                           "已完成": "done", "完成": "done", "已放弃": "dropped", "放弃": "dropped", "已取消": "dropped", "cancelled": "dropped",
                           "canceled": "dropped"},
            description="planned, in_progress (in progress), done, dropped. Overdue is derived from the due date, not a status.",
        ),
        Column("segment", "id", aliases=("范围", "细分", "segment", "scope"), nullable=True, description="Where the action applies: company, or region=华东."),
        Column("period_opened", "id", aliases=("提出期间", "period opened"), nullable=True, description="Period the action was opened (YYYYQn)."),
        Column("period_closed", "id", aliases=("关闭期间", "period closed"), nullable=True, description="Period it was closed."),
        Column("evidence", "text", aliases=("证据", "evidence"), nullable=True, description="Evidence of effect."),
        Column("notes", "text", aliases=("备注", "notes"), nullable=True, description="Notes."),
    ),
    key="action_id",
)

CONTRACT: dict[str, Table] = {t.name: t for t in (_SALES, _CUSTOMERS, _SURVEYS, _COMPLAINTS, _INTERVIEWS, _ACTIONS)}
TABLE_NAMES: tuple[str, ...] = tuple(CONTRACT)

REFERENCES: tuple[Reference, ...] = tuple(Reference(t, "customer_id", "customers", "customer_id") for t in ("sales", "complaints", "surveys", "interviews"))
"""Columns that refer to another table, in the order they are checked. The contract reader checks each
(:func:`salesnb.io.crosscheck.check_unknown_customers`); the engine reader checks the sales one on the lines it
joins to customers anyway (:func:`salesnb.prepare.engine_checks.check_lines`)."""


def column_rules(column: Column) -> tuple[Rule, ...]:
    """The rules a column implies, in the order both readers check them.

    Examples
    --------
    >>> [r.kind for r in column_rules(Column("nps", "score", required=True, low=0, high=10))]
    ['parse', 'required', 'range', 'whole']
    """
    rules = []
    if column.kind in ("date", "datetime", "number", "score"):
        rules.append(Rule("parse", column.name))
    if column.required and not column.nullable:
        rules.append(Rule("required", column.name))
    if column.allowed is not None:
        rules.append(Rule("allowed", column.name))
    if column.low is not None and column.high is not None:
        rules.append(Rule("range", column.name))
    if column.kind == "score":
        rules.append(Rule("whole", column.name))
    if column.unique:
        rules.append(Rule("unique", column.name))
    return tuple(rules)


def table_rules(table: Table) -> tuple[Rule, ...]:
    """Every rule of a table: its columns' rules (in column order), then its row rules.

    Examples
    --------
    >>> [(r.kind, r.column) for r in table_rules(CONTRACT["sales"]) if r.other]
    [('same_sign', 'amount'), ('not_before', 'promised_date'), ('not_before', 'delivered_date')]
    """
    return tuple(rule for column in table.columns for rule in column_rules(column)) + table.row_rules


def table_contract(name: str, dimensions: Mapping[str, tuple[str, ...]] | None = None) -> Table:
    """The contract of ``name``; for ``surveys`` add one 1–5 column per dimension.

    Parameters
    ----------
    name : str
        One of :data:`TABLE_NAMES`.
    dimensions : mapping of str to tuple of str, optional
        Survey dimension key → header aliases (e.g. ``{"quality": ("产品质量",)}``).

    Examples
    --------
    >>> t = table_contract("surveys", {"quality": ("产品质量",)})
    >>> t.column("quality").high
    5
    """
    table = CONTRACT[name]
    if name != "surveys" or not dimensions:
        return table
    extra = tuple(
        Column(key, "score", aliases=tuple(aliases), low=1, high=5, nullable=True, description=f"Dimension score 1–5 ({key}).")
        for key, aliases in dimensions.items()
        if key not in table.names
    )
    return replace(table, columns=table.columns + extra)


def value_rule_text(kind: str, column: Column) -> str:
    """How both readers word a broken value rule of ``column`` (``allowed``, ``range`` or ``whole``).

    Examples
    --------
    >>> value_rule_text("range", Column("nps", "score", low=0, high=10))
    'must be within 0..10'
    """
    if kind == "allowed":
        return f"must be one of {', '.join(column.allowed or ())}"
    if kind == "range":
        return f"must be within {column.low:g}..{column.high:g}"
    if kind == "whole":
        return "must be a whole number"
    raise ValueError(f"{kind!r} is not a value rule (allowed, range, whole)")


PANDERA_CHECKS = {
    "allowed": lambda pa, c: pa.Check.isin(list(c.allowed), error=value_rule_text("allowed", c)),
    "range": lambda pa, c: pa.Check.in_range(c.low, c.high, error=value_rule_text("range", c)),
    "whole": lambda pa, c: pa.Check(lambda s: (s.dropna() % 1 == 0).reindex(s.index, fill_value=True), error=value_rule_text("whole", c)),
}
"""The pandera check of each value rule kind (``required`` and ``unique`` are the column's ``nullable`` and
``unique``; ``parse`` is the coercion of :mod:`salesnb.io.coerce`; rules between columns are :mod:`salesnb.io.rules`)."""

PANDERA_FLAGS = ("required", "unique")
"""The rule kinds pandera checks as flags of the column rather than as checks."""


def pandera_schema(table: Table):
    """A pandera ``DataFrameSchema`` for the *coerced* table (value rules only), built from :func:`column_rules`.

    Missing optional columns are allowed; extra columns pass through.
    """
    import pandera.pandas as pa

    columns = {}
    for c in table.columns:
        rules = column_rules(c)
        kinds = {r.kind for r in rules}
        columns[c.name] = pa.Column(
            nullable="required" not in kinds,
            checks=[PANDERA_CHECKS[r.kind](pa, c) for r in rules if r.kind in PANDERA_CHECKS],
            required=c.required,
            unique="unique" in kinds,
            coerce=False,
            report_duplicates="all",
        )
    return pa.DataFrameSchema(columns, strict=False, name=table.name)
