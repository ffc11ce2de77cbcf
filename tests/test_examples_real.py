"""The three example workspaces, imported from the real public files and run end to end.

Each test imports one public data set with its mapping in ``examples/<name>/``
(``salesnb import``), runs the quarterly pipeline for one period and checks
headline numbers against a pandas computation on the raw file written here,
independently of salesnb's reader and metrics.

The files are not part of the project: they are found in
``$SALESNB_SHARED_DATA``, else ``../shared/data`` next to the repository.
Without them these tests are skipped, except in CI (``.ci/run`` sets
``SALESNB_REQUIRE_SHARED_DATA=1``), where a missing file is a failure.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _shared_data() -> Path | None:
    for candidate in (os.environ.get("SALESNB_SHARED_DATA"), ROOT.parent / "shared" / "data"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


SHARED = _shared_data()
REQUIRED = os.environ.get("SALESNB_REQUIRE_SHARED_DATA") == "1"
pytestmark = [pytest.mark.e2e]


def _source(name: str) -> Path:
    path = SHARED / name if SHARED is not None else None
    if path is None or not path.is_file():
        if REQUIRED:
            pytest.fail(f"public data file {name} not found (set SALESNB_SHARED_DATA to the folder holding it)")
        pytest.skip(f"public data file {name} not found (set SALESNB_SHARED_DATA)")
    return path


class Example:
    """One example imported and run for one period."""

    def __init__(self, base: Path, name: str, source: str, period: str, lang: str = "en"):
        from salesnb.ingest import build_workspace
        from salesnb.report import run_period

        self.raw_path = _source(source)
        self.workspace = base / name
        self.imported = build_workspace(self.raw_path, EXAMPLES / name / "import.yaml", self.workspace)
        self.run = run_period(self.workspace, period, lang, base / "out", progress=lambda m: None)
        self.folder = self.run.folder
        self.summary = json.loads((self.folder / "artifacts" / "summary.json").read_text(encoding="utf-8"))
        self.metrics = self.summary["metrics"]

    def artifact(self, name: str, **kw) -> pd.DataFrame:
        return pd.read_csv(self.folder / "artifacts" / name, **kw)

    def html(self, step: str) -> str:
        return next((self.folder / "report").glob(f"{step}*.html")).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- Online Retail


@pytest.fixture(scope="module")
def online_retail(tmp_path_factory) -> Example:
    return Example(tmp_path_factory.mktemp("online_retail"), "online_retail", "online_retail.csv.gz", "2011Q3")


def _online_retail_raw(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})
    raw = raw.drop_duplicates()  # exact repeats of an export line (salesnb removes them and says so)
    raw = raw.loc[raw["CustomerID"].notna()].copy()
    raw["date"] = pd.to_datetime(raw["InvoiceDate"])
    raw["amount"] = (raw["Quantity"] * raw["UnitPrice"]).round(2)
    return raw


def test_online_retail_2011q3_revenue_net_of_cancellations(online_retail):
    raw = _online_retail_raw(online_retail.raw_path)
    q3 = raw.loc[(raw["date"] >= "2011-07-01") & (raw["date"] < "2011-10-01")]
    assert online_retail.metrics["revenue"] == pytest.approx(q3["amount"].sum(), rel=1e-9)
    assert (q3["amount"] < 0).sum() > 0  # the quarter has cancellations, netted
    # orders: distinct invoices with a purchase line (amount > 0), docs/outputs.md
    assert online_retail.metrics["orders"] == q3.loc[q3["amount"] > 0, "InvoiceNo"].nunique()
    first = raw.groupby("CustomerID")["date"].min()
    assert online_retail.metrics["new_customers"] == int(((first >= "2011-07-01") & (first < "2011-10-01")).sum())
    counts = online_retail.imported.counts
    assert counts["set_aside"] == {"no CustomerID": 135_080}
    assert counts["returns"] == int(pd.read_csv(online_retail.raw_path, dtype={"InvoiceNo": str}, usecols=["InvoiceNo", "CustomerID"])
                                    .dropna(subset=["CustomerID"])["InvoiceNo"].str.startswith("C").sum())


def test_online_retail_plans_and_says_what_it_lacks(online_retail):
    targets = online_retail.artifact("targets.csv")
    assert targets["target"].sum() == pytest.approx(online_retail.metrics["target_total"])
    assert online_retail.metrics["target_total"] > 0
    # no surveys or complaints: the satisfaction metrics are absent (null), never zero
    assert online_retail.metrics["nps"] is None and online_retail.metrics["satisfaction_mean"] is None
    diagnosis = online_retail.html("03")
    assert "no survey" in diagnosis.lower() or "no surveys" in diagnosis.lower()


# --------------------------------------------------------------------------- Superstore


@pytest.fixture(scope="module")
def superstore(tmp_path_factory) -> Example:
    return Example(tmp_path_factory.mktemp("superstore"), "superstore", "superstore.csv", "2019Q4")


def test_superstore_2019_sales_by_region(superstore):
    raw = pd.read_csv(superstore.raw_path, encoding="utf-8-sig")
    raw["date"] = pd.to_datetime(raw["Order Date"], format="%m/%d/%Y")
    y2019 = raw.loc[raw["date"].dt.year == 2019]
    history = superstore.artifact("history.csv")
    mine = history.loc[history["period"].str.startswith("2019")].groupby("region")["revenue"].sum()
    expected = y2019.groupby("Region")["Sales"].sum()
    pd.testing.assert_series_equal(mine.sort_index(), expected.sort_index(), check_names=False, rtol=1e-9)
    q4 = y2019.loc[y2019["date"].dt.quarter == 4, "Sales"].sum()
    assert superstore.metrics["revenue"] == pytest.approx(q4, rel=1e-9)
    # goal S1: 2020 = 2019 × 1.20, rounded to the dollar; every cell of the plan adds up to it
    assert superstore.metrics["target_total"] == round(y2019["Sales"].sum() * 1.20)
    targets = superstore.artifact("targets.csv")
    assert targets["target"].sum() == superstore.metrics["target_total"]
    assert set(targets["segment"]) == {"Consumer", "Corporate", "Home Office"}


# --------------------------------------------------------------------------- Olist


REVIEW_KEY = ["order_purchase_timestamp", "customer_zip_code_prefix", "review_creation_date", "review_score", "review_comment_message"]


@pytest.fixture(scope="module")
def olist(tmp_path_factory) -> Example:
    return Example(tmp_path_factory.mktemp("olist"), "olist", "olist_classified_public_dataset.csv", "2018Q1")


def _olist_reviews(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path)
    return raw.sort_values("id").groupby(REVIEW_KEY, dropna=False, sort=False).first().reset_index()


def test_olist_reviews_and_complaints(olist):
    reviews = _olist_reviews(olist.raw_path)
    assert olist.imported.counts["surveys"] == len(reviews) == 3185
    date = pd.to_datetime(reviews["review_creation_date"])
    q1 = reviews.loc[(date >= "2018-01-01") & (date < "2018-04-01"), "review_score"]
    assert olist.metrics["satisfaction_mean"] == pytest.approx(q1.mean(), rel=1e-9)
    assert olist.metrics["satisfaction_top2"] == pytest.approx((q1 >= 4).mean(), rel=1e-9)
    assert olist.metrics.get("nps") is None and "nps_n" not in olist.metrics  # no recommend question: no NPS, the 1–5 score instead
    complaints = reviews.loc[reviews["most_voted_class"].isin(["problemas_de_entrega", "problemas_de_qualidade"])]
    assert olist.imported.counts["complaints"] == len(complaints)


def test_olist_pareto_and_delivery_delay(olist):
    reviews = _olist_reviews(olist.raw_path)
    date = pd.to_datetime(reviews["review_creation_date"])
    q1 = reviews.loc[(date >= "2018-01-01") & (date < "2018-04-01")]
    complaints = q1.loc[q1["most_voted_class"].isin(["problemas_de_entrega", "problemas_de_qualidade"])]
    shares = complaints["most_voted_subclass"].value_counts(normalize=True)
    pareto = olist.artifact("pareto.csv")
    assert pareto["cause"].iloc[0] == shares.index[0] == "atrasado"
    assert pareto.set_index("cause")["share"].to_dict() == pytest.approx(shares.to_dict(), rel=1e-9)
    assert olist.metrics["complaints"] == len(complaints)
    diagnosis = json.loads((olist.folder / "artifacts" / "diagnosis.json").read_text(encoding="utf-8"))
    assert diagnosis["top_problem_type"] == "delivery_delay"
    delivery = next(p for p in diagnosis["problems"] if p["type"] == "delivery_delay")
    effect = next(e for e in delivery["evidence"] if e["kind"] == "delivery_effect")
    assert effect["value"] < 2.0 < 3.5 < effect["reference"]  # late orders score far below on-time ones (1.69 vs 3.85)
