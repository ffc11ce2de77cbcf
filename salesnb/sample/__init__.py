"""The bundled demo workspace: a synthetic Chinese B2B company with a story to find.

:func:`generate_sample` writes a complete workspace folder (``workspace.yaml``
plus one file per table) for **华信智能装备有限公司**, a fictitious maker of
industrial-automation equipment that sells four product lines (智能控制系统,
工业传感器, 自动化设备, 配件与耗材) in six regions (华北, 华东, 华南, 华中, 西南,
西北) from 2023-01-01 to 2025-12-31. ``data/sample/`` is its output for the
default seed; ``salesnb sample`` and the tests regenerate it.

The story
---------
In 2025 the 西南 (south-west) after-sales team falls behind: the median first
response to a complaint ticket goes from about 15 h (2023–24) to about 60 h
from 2025Q1 on, so most 西南 tickets break the 48-hour promise while every
other region stays within 10–24 h (the first signs show in 2024Q4, about
1.8× slower). Everything downstream follows from the customers' experience,
not from hard-coded outcomes:

* more 西南 tickets, and many more of the category 售后响应慢;
* 西南 survey answers to ``after_sales`` and ``response_speed`` drop by about
  half a point, detractors rise and its NPS falls by roughly 30–40 points;
  西南 detractors' comments talk about slow after-sales service, and so do the
  2025 西南 key-account interviews;
* 西南 customers churn faster (the monthly churn hazard rises with a bad
  experience) and the survivors buy less, so 西南 revenue, which grew about
  15 % in 2024, falls a few per cent in 2025 although its market kept growing
  (its underlying demand trend, ``level``, is up in 2025).

Weaker, secondary signals: company-wide new-customer acquisition slows in 2025
(about −20 %), price perception slips a little in 2025 (about −0.2 points in
every region), 智能控制系统 grows fast while 配件与耗材 declines, 华东 and 华南
grow best, Q1 is weak around the Spring Festival and Q4 strong.

Revenue per region and year carries sampling noise of about ±6 % (a few large
accounts, lumpy capital-equipment orders), as real data would; the story's
checks in ``tests/test_sample.py`` hold for the default seed and for about
nine seeds in ten (30 seeds tried).

How it is simulated
-------------------
A monthly loop over 36 months moves about 1,400 customers: each month new
customers arrive (a Poisson pace per region and year), active customers open
complaint tickets (rate by segment, region and quarter), tickets answered
after 48 h leave a decaying penalty on the customer's *experience*
(a customer baseline + the region's service level + ticket penalties), the
churn hazard is ``base(segment) × region × exp(−β · experience)``, and orders
follow a reorder cadence (a jittered monthly "need" accumulates and each whole
unit becomes an order) whose rate is segment × customer activity ×
seasonality × regional trend × ``exp(wallet_beta · experience)``. Order lines,
survey answers (the dimension scores are driven by the same experience, and
NPS by the dimension scores), comments, tickets and interview notes are then
drawn vectorised.

Knobs
-----
Module-level tables hold every assumption: ``_REGION_PARAMS`` (starting
customers, acquisition pace, spend trend, churn multiplier, first-response
median), ``_SEGMENTS``/``_SEG`` (mix, order rate, lines per order, churn,
complaints), ``_PRODUCTS`` (list prices, typical quantities), ``_LINE_WEIGHTS``
and ``_LINE_TREND`` (product-line mix and its growth), ``_MONTH_FACTOR`` and
``_SPRING_FESTIVAL`` (seasonality), ``_CADENCE_SHAPE`` (how regular reorders
are), ``_STORY`` (the 西南 degradation: start, response medians, service level,
complaint rate, churn and spending sensitivity, the 2025 price slip) and
``_ACQ_2025`` (the company-wide 2025 acquisition slowdown), all in :mod:`salesnb.sample.knobs`.

Files and their formats (chosen to exercise the reader)
-------------------------------------------------------
``sales.csv``        UTF-8 with BOM, Chinese headers; customer ids are purely
                     numeric with leading zeros (``000123``), so a reader that
                     parses them as numbers breaks the join with customers;
                     about 1 % return lines (negative quantity and amount, own
                     order number, dated after the original order).
``customers.xlsx``   Chinese headers, ids stored as text cells, dates as dates,
                     mobiles and landlines as text (personal data to mask).
``surveys.csv``      UTF-8, English headers, blank answers where skipped.
``complaints.csv``   GB18030, Chinese headers, ``YYYY-MM-DD HH:MM`` times;
                     tickets still open at the extract time have a blank
                     解决时间 (and, rarely, a blank 首次响应时间).
``interviews.csv``   UTF-8, key-account interview notes.
``workspace.yaml``   commented in Chinese and English, usable as a template.

Every file is byte-for-byte reproducible for a seed: floats are formatted
explicitly, CSVs are written with :mod:`csv`, and the workbook's timestamps
and ZIP entry dates are fixed (its ZIP entries are stored uncompressed so the
bytes do not depend on the zlib build).

Examples
--------
>>> import tempfile, pathlib
>>> out = generate_sample(pathlib.Path(tempfile.mkdtemp()) / "ws")  # doctest: +SKIP
>>> sorted(p.name for p in out.iterdir())  # doctest: +SKIP
['complaints.csv', 'customers.xlsx', 'interviews.csv', 'sales.csv', 'surveys.csv', 'workspace.yaml']
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .complaints import _complaint_rows
from .customers import _customer_details, _make_customers
from .files import _baselines, _write_csv, _write_customers_xlsx, _yaml_template
from .interviews import _interview_rows
from .knobs import COMPANY_NAME, DEFAULT_SEED, PRODUCT_LINES, REGIONS, SAMPLE_FILES, _day_weights
from .sales import _sales_rows
from .simulate import _simulate
from .surveys import _DIMS, _survey_rows

__all__ = ["generate_sample", "DEFAULT_SEED", "COMPANY_NAME", "REGIONS", "PRODUCT_LINES", "SAMPLE_FILES"]


def generate_sample(out: str | Path, seed: int = DEFAULT_SEED) -> Path:
    """Write the demo workspace (``workspace.yaml`` and five data files) into ``out``.

    Parameters
    ----------
    out : str or Path
        Folder to create. It may exist only if it is empty.
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives
        byte-identical files.

    Returns
    -------
    Path
        The workspace folder.

    Raises
    ------
    ValueError
        If ``out`` exists and is not an empty folder.
    """
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise ValueError(f"cannot write the sample workspace to {out}: it exists and is not a folder")
        if any(out.iterdir()):
            raise ValueError(f"cannot write the sample workspace to {out}: the folder is not empty (choose a new or empty folder)")
    rng = np.random.default_rng(seed)
    # independent streams per part, so changing one table's generator leaves the others alone
    r_cust, r_det, r_sim, r_sales, r_comp, r_surv, r_int = (np.random.default_rng(s) for s in rng.bit_generator.seed_seq.spawn(7))
    order_w, ticket_w = _day_weights()
    cust = _make_customers(r_cust)
    det = _customer_details(r_det, cust)
    sim = _simulate(r_sim, cust, order_w)
    sales, _ = _sales_rows(r_sales, cust, det, sim, order_w)
    complaints = _complaint_rows(r_comp, cust, sim, ticket_w)
    surveys = _survey_rows(r_surv, cust, sim)
    interviews = _interview_rows(r_int, cust, det, sim)

    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "sales.csv", ["订单号", "下单日期", "客户编号", "区域", "产品线", "产品", "数量", "销售额", "渠道", "销售代表"], sales, "utf-8-sig")
    _write_customers_xlsx(out / "customers.xlsx", cust, det)
    _write_csv(
        out / "surveys.csv",
        ["response_id", "survey_date", "respondent_type", "customer_id", "region", "nps", "satisfaction", *_DIMS, "channel", "comment"],
        surveys, "utf-8",
    )
    _write_csv(out / "complaints.csv", ["工单号", "客户编号", "投诉时间", "投诉类型", "首次响应时间", "解决时间", "渠道", "投诉内容"], complaints, "gb18030")
    _write_csv(out / "interviews.csv", ["interview_id", "customer_id", "interview_date", "notes", "interviewer", "themes"], interviews, "utf-8")
    text = _yaml_template().format(company=COMPANY_NAME, seed=seed, **_baselines(sales, surveys, cust))
    (out / "workspace.yaml").write_bytes(text.encode("utf-8"))
    return out
