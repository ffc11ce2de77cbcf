"""The demo workspace generator (``salesnb.sample``).

* determinism: the same seed gives byte-identical files, another seed other data;
* the committed ``data/sample/`` is exactly what the generator writes;
* ``workspace.yaml`` validates against the typed model;
* the files have the shapes the brief promises (encodings, ids, returns, blanks);
* the story is there when measured independently, with plain pandas on the
  files (not with salesnb), so a bug in the library cannot hide a broken sample.
"""
from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from salesnb.sample import COMPANY_NAME, DEFAULT_SEED, REGIONS, SAMPLE_FILES, generate_sample

STORY = "西南"
OTHERS = [r for r in REGIONS if r != STORY]
REGENERATE = "regenerate it with `make sample` (salesnb sample --out data/sample) and commit the result"


# --------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The default-seed workspace, freshly generated."""
    return generate_sample(tmp_path_factory.mktemp("sample") / "workspace")


@pytest.fixture(scope="module")
def customers(generated) -> pd.DataFrame:
    return pd.read_excel(generated / "customers.xlsx", dtype=str)


@pytest.fixture(scope="module")
def region_of(customers) -> dict[str, str]:
    return dict(zip(customers["客户编号"], customers["区域"]))


@pytest.fixture(scope="module")
def sales(generated) -> pd.DataFrame:
    df = pd.read_csv(generated / "sales.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    df["amount"] = df["销售额"].astype(float)
    df["qty"] = df["数量"].astype(int)
    df["year"] = df["下单日期"].str[:4].astype(int)
    return df


@pytest.fixture(scope="module")
def complaints(generated, region_of) -> pd.DataFrame:
    df = pd.read_csv(generated / "complaints.csv", dtype=str, encoding="gb18030")
    df["region"] = df["客户编号"].map(region_of)
    df["opened"] = pd.to_datetime(df["投诉时间"], format="%Y-%m-%d %H:%M")
    df["first"] = pd.to_datetime(df["首次响应时间"], format="%Y-%m-%d %H:%M")
    df["resolved"] = pd.to_datetime(df["解决时间"], format="%Y-%m-%d %H:%M")
    df["hours"] = (df["first"] - df["opened"]).dt.total_seconds() / 3600
    df["year"] = df["opened"].dt.year
    return df


@pytest.fixture(scope="module")
def surveys(generated, region_of) -> pd.DataFrame:
    df = pd.read_csv(generated / "surveys.csv", dtype={"customer_id": str, "response_id": str})
    df["region"] = df["region"].fillna(df["customer_id"].map(region_of))
    df["year"] = df["survey_date"].str[:4].astype(int)
    return df


def _nps(scores: pd.Series) -> float:
    s = scores.dropna()
    return 100.0 * ((s >= 9).mean() - (s <= 6).mean())


# ------------------------------------------------------------------ determinism


def _xlsx_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _assert_same_file(name: str, got: bytes, want: bytes, hint: str = "") -> None:
    if got == want:
        return
    if name.endswith(".xlsx") and _xlsx_members(got) == _xlsx_members(want):
        # same workbook, different deflate output: another zlib build (e.g. zlib-ng)
        pytest.skip(f"{name}: identical contents, but this zlib compresses differently from the one that wrote it")
    raise AssertionError(f"{name} differs{': ' + hint if hint else ''}")


def test_same_seed_gives_byte_identical_files(generated, tmp_path):
    again = generate_sample(tmp_path / "again", seed=DEFAULT_SEED)
    assert sorted(p.name for p in again.iterdir()) == sorted(SAMPLE_FILES)
    for name in SAMPLE_FILES:
        assert (again / name).read_bytes() == (generated / name).read_bytes(), name


def test_another_seed_gives_other_sales(generated, tmp_path):
    other = generate_sample(tmp_path / "other", seed=DEFAULT_SEED + 1)
    assert (other / "sales.csv").read_bytes() != (generated / "sales.csv").read_bytes()
    assert "seed 2026" in (other / "workspace.yaml").read_text(encoding="utf-8")


def test_committed_sample_is_the_generator_output(generated, sample_dir):
    assert sample_dir.is_dir(), f"data/sample is missing: {REGENERATE}"
    state = {"actions.xlsx", "actions.history", ".salesnb.lock"}  # the demo's action register, written by `make report`, and the lock of a run going on (git-ignored)
    assert sorted(p.name for p in sample_dir.iterdir() if p.name not in state) == sorted(SAMPLE_FILES), f"data/sample holds other files: {REGENERATE}"
    for name in SAMPLE_FILES:
        _assert_same_file(name, (sample_dir / name).read_bytes(), (generated / name).read_bytes(), REGENERATE)


def test_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not empty"):
        generate_sample(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="not a folder"):
        generate_sample(tmp_path / "file")


def test_writes_into_an_existing_empty_folder(tmp_path):
    out = generate_sample(tmp_path, seed=3)
    assert out == tmp_path
    assert sorted(p.name for p in out.iterdir()) == sorted(SAMPLE_FILES)


def test_workbook_has_no_time_dependent_properties(generated):
    core = _xlsx_members((generated / "customers.xlsx").read_bytes())["docProps/core.xml"].decode()
    assert "2026-01-05T09:00:00Z" in core
    with zipfile.ZipFile(generated / "customers.xlsx") as z:
        assert {info.date_time for info in z.infolist()} == {(2026, 1, 5, 9, 0, 0)}


# ----------------------------------------------------------------------- config


def test_workspace_yaml_validates(generated):
    from salesnb.config import load_config

    cfg = load_config(generated / "workspace.yaml")
    assert cfg.company.name == COMPANY_NAME
    assert (cfg.company.currency, cfg.company.unit, cfg.company.display_unit) == ("CNY", "元", "万元")
    assert set(cfg.tables) == {"sales", "customers", "surveys", "complaints", "interviews"}
    assert all(not t.columns for t in cfg.tables.values()), "headers must map through the contract's aliases"
    assert [d.key for d in cfg.survey.dimensions] == ["quality", "response_speed", "after_sales", "sales_professionalism", "price"]
    assert cfg.thresholds.response_promise_hours == 48 and cfg.retention.window_months == 12
    metrics = {"revenue", "new_customers", "new_customer_revenue_share", "repurchase_rate", "churn_rate", "nps",
               "satisfaction_mean", "response_over_promise_share", "complaints"}
    assert {g.metric for g in cfg.goals} <= metrics
    assert {g.theme for g in cfg.goals} <= {t.key for t in cfg.themes}
    assert cfg.benchmarks.nps.industry == 30 and cfg.benchmarks.nps.leader == 40
    text = (generated / "workspace.yaml").read_text(encoding="utf-8")
    assert re.search(r"#.*[\u4e00-\u9fff]", text) and re.search(r"#.*[A-Za-z]{4}", text), "commented in Chinese and English"


# ------------------------------------------------------------------ file shapes


def test_sales_file_shape(generated, sales, customers):
    raw = (generated / "sales.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    assert list(sales.columns[:10]) == ["订单号", "下单日期", "客户编号", "区域", "产品线", "产品", "数量", "销售额", "渠道", "销售代表"]
    assert 20_000 <= len(sales) <= 35_000
    assert sales["订单号"].str.fullmatch(r"SO20(23|24|25)\d{6}").all()
    assert (sales["订单号"].str[2:6].astype(int) == sales["year"]).all()
    assert sales["订单号"].duplicated().any(), "some orders have several lines"
    assert sales["下单日期"].min() >= "2023-01-01" and sales["下单日期"].max() <= "2025-12-31"
    # purely numeric customer ids with leading zeros, all known to the customer master
    assert sales["客户编号"].str.fullmatch(r"0\d{5}").all()
    assert set(sales["客户编号"]) <= set(customers["客户编号"])
    assert set(sales["区域"]) == set(REGIONS)
    assert set(sales["产品线"]) == {"智能控制系统", "工业传感器", "自动化设备", "配件与耗材"}
    assert sales["销售额"].str.fullmatch(r"-?\d+\.\d{2}").all(), "amounts with two decimals"
    returns = sales[sales["amount"] < 0]
    assert 0.005 <= len(returns) / len(sales) <= 0.02
    assert (returns["qty"] < 0).all() and (sales.loc[sales["amount"] > 0, "qty"] > 0).all()
    # a return refers to a product the customer bought earlier
    bought = sales[sales["amount"] > 0].groupby(["客户编号", "产品"])["下单日期"].min()
    first = bought.reindex(list(zip(returns["客户编号"], returns["产品"])))
    assert first.notna().all() and (first.to_numpy() < returns["下单日期"].to_numpy()).all()
    # no order before the customer's record was created
    created = dict(zip(customers["客户编号"], customers["建档日期"].str[:10]))
    assert (sales["下单日期"] >= sales["客户编号"].map(created)).all()


def test_customers_file_shape(customers):
    assert list(customers.columns) == ["客户编号", "客户名称", "区域", "客户细分", "行业", "建档日期", "联系人", "手机", "邮箱"]
    assert 1_000 <= len(customers) <= 1_500
    assert customers["客户编号"].is_unique and customers["客户编号"].str.fullmatch(r"0\d{5}").all()
    assert customers["客户名称"].is_unique and customers["客户名称"].str.endswith("公司").all()
    assert set(customers["客户细分"]) == {"大客户", "中型企业", "小微企业"}
    phones = customers["手机"].dropna()
    mobile = phones.str.fullmatch(r"1[3-9]\d{9}")
    landline = phones.str.fullmatch(r"0\d{2,3}-[2-8]\d{6,7}")
    assert (mobile | landline).all() and mobile.mean() > 0.6 and landline.sum() > 50
    assert customers["邮箱"].dropna().str.fullmatch(r"[\w.\-]+@[\w\-]+(\.[\w\-]+)+").all()
    assert customers["联系人"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()


def test_surveys_file_shape(generated, surveys):
    assert (generated / "surveys.csv").read_bytes()[:3] != b"\xef\xbb\xbf"
    dims = ["quality", "response_speed", "after_sales", "sales_professionalism", "price"]
    assert list(surveys.columns[:14]) == ["response_id", "survey_date", "respondent_type", "customer_id", "region", "nps", "satisfaction", *dims, "channel", "comment"]
    assert surveys["response_id"].is_unique
    assert set(surveys["respondent_type"]) == {"customer", "prospect", "lost"}
    assert surveys["nps"].dropna().between(0, 10).all() and 0 < surveys["nps"].isna().sum() < 0.05 * len(surveys)
    for col in ["satisfaction", *dims]:
        assert surveys[col].dropna().between(1, 5).all() and surveys[col].isna().any()
    assert surveys.loc[surveys["respondent_type"] == "prospect", "customer_id"].isna().all()
    assert surveys.loc[surveys["respondent_type"] != "prospect", "customer_id"].notna().all()
    assert set(surveys["channel"]) == {"online", "phone"}
    assert surveys["comment"].isna().any() and surveys["comment"].notna().mean() > 0.3
    wave = surveys["survey_date"].str[:4] + "Q" + ((surveys["survey_date"].str[5:7].astype(int) - 1) // 3 + 1).astype(str)
    per_wave = surveys.groupby(wave).size()
    assert len(per_wave) == 12 and per_wave.between(250, 400).all()
    lost = surveys.assign(lost=surveys["respondent_type"] == "lost").groupby(wave)["lost"].mean()
    assert lost.between(0.12, 0.28).all() and 0.15 <= (surveys["respondent_type"] == "lost").mean() <= 0.25
    # after-sales and response speed drive the recommendation
    corr = surveys[["nps", *dims]].corr()["nps"]
    assert corr[["after_sales", "response_speed"]].min() > corr[["sales_professionalism", "price"]].max()


def test_complaints_file_shape(generated, complaints):
    raw = (generated / "complaints.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # GB18030: the reader must detect the encoding
    assert list(complaints.columns[:8]) == ["工单号", "客户编号", "投诉时间", "投诉类型", "首次响应时间", "解决时间", "渠道", "投诉内容"]
    assert 1_000 <= len(complaints) <= 2_000 and complaints["工单号"].is_unique
    assert complaints["region"].notna().all()
    assert {"售后响应慢", "产品质量", "交付延迟", "价格争议", "销售服务", "发票账务"} == set(complaints["投诉类型"])
    answered = complaints["first"].notna()
    assert answered.mean() > 0.99 and (complaints.loc[answered, "hours"] > 0).all()
    resolved = complaints["resolved"].notna()
    assert (complaints.loc[resolved, "resolved"] > complaints.loc[resolved, "first"]).all()
    still_open = complaints[~resolved]
    assert 1 <= len(still_open) <= 30 and (still_open["opened"] >= "2025-11-01").all()
    assert complaints["投诉内容"].nunique() > 0.4 * len(complaints)


def test_interviews_file_shape(generated, region_of):
    df = pd.read_csv(generated / "interviews.csv", dtype=str)
    assert list(df.columns) == ["interview_id", "customer_id", "interview_date", "notes", "interviewer", "themes"]
    assert 20 <= len(df) <= 40 and df["interview_id"].is_unique
    assert df["customer_id"].map(region_of).notna().all()
    story = df[(df["customer_id"].map(region_of) == STORY) & (df["interview_date"] >= "2025")]
    assert len(story) >= 3 and story["notes"].str.contains("响应").all()
    assert df["notes"].str.contains("培训").any() and df["notes"].str.contains("简化售后").any()


def test_folder_is_small(generated):
    assert sum(p.stat().st_size for p in generated.iterdir()) < 4.2e6


# ------------------------------------------------------------------------ story


def test_story_first_response(complaints):
    median = complaints[complaints["year"] == 2025].groupby("region")["hours"].median()
    assert median[STORY] > 48, median.to_dict()
    assert (median[OTHERS] < 30).all(), median.to_dict()
    before = complaints[(complaints["region"] == STORY) & (complaints["year"] < 2025)].groupby("year")["hours"].median()
    assert before.between(10, 24).all(), before.to_dict()
    over = complaints[(complaints["region"] == STORY) & (complaints["year"] == 2025)]["hours"].gt(48).mean()
    assert over > 0.5
    slow = complaints[complaints["投诉类型"] == "售后响应慢"].groupby(["region", "year"]).size()
    assert slow[(STORY, 2025)] > 2 * slow[(STORY, 2024)]


def test_story_revenue_stalls(sales):
    revenue = sales.pivot_table(index="区域", columns="year", values="amount", aggfunc="sum")
    growth25 = revenue[2025] / revenue[2024] - 1
    growth24 = revenue[2024] / revenue[2023] - 1
    assert growth25[STORY] <= 0.03, growth25.round(3).to_dict()
    assert (growth25[STORY] < growth25[OTHERS]).all(), growth25.round(3).to_dict()
    assert growth24[STORY] > 0.05, growth24.round(3).to_dict()


def test_story_nps_falls(surveys):
    nps = surveys.groupby(["region", "year"])["nps"].apply(_nps)
    assert nps[(STORY, 2025)] <= nps[(STORY, 2024)] - 20, nps.round(1).to_dict()
    drop = {r: nps[(r, 2024)] - nps[(r, 2025)] for r in OTHERS}
    assert max(drop.values()) < 15, drop
    after = surveys[surveys["region"] == STORY].groupby("year")[["after_sales", "response_speed"]].mean()
    assert (after.loc[2025] < after.loc[2024] - 0.3).all(), after.round(2).to_dict()


def test_story_churn_rises(sales):
    buyers = sales[sales["amount"] > 0].groupby(["区域", "year"])["客户编号"].agg(set)

    def churn(region: str, year: int) -> float:
        before, now = buyers[(region, year - 1)], buyers[(region, year)]
        return len(before - now) / len(before)

    assert churn(STORY, 2025) > churn(STORY, 2024)


def test_secondary_signals(sales, customers, surveys):
    new = customers[customers["建档日期"].str[:4] >= "2023"]["建档日期"].str[:4].value_counts()
    assert new["2025"] < 0.9 * new["2024"], "new-customer acquisition slows in 2025"
    lines = sales.pivot_table(index="产品线", columns="year", values="amount", aggfunc="sum")
    growth = lines[2025] / lines[2023] - 1
    assert growth["智能控制系统"] > 0.3 and growth["配件与耗材"] < 0.05
    quarter = sales.groupby((sales["下单日期"].str[5:7].astype(int) - 1) // 3)["amount"].sum()
    assert quarter.idxmin() == 0 and quarter.idxmax() == 3, "Q1 weak, Q4 strong"
    price = surveys.groupby("year")["price"].mean()
    assert price[2025] < price[2024]


# -------------------------------------------------------------------- the reader


def test_load_workspace_reads_the_sample(sample_dir):
    if importlib.util.find_spec("salesnb.io") is None:
        pytest.skip("salesnb.io is not written yet")
    from salesnb import io as sio

    if not hasattr(sio, "load_workspace"):
        pytest.skip("salesnb.io.load_workspace is not written yet")
    ws = sio.load_workspace(sample_dir)  # raises DataError / ConfigError on any problem
    tables = ws.tables
    assert {"sales", "customers", "surveys", "complaints", "interviews"} <= set(tables)
    assert tables["customers"]["customer_id"].astype(str).str.fullmatch(r"0\d{5}").all(), "leading zeros kept"
    assert len(tables["sales"]) == sum(1 for _ in (sample_dir / "sales.csv").open(encoding="utf-8-sig")) - 1
    for name in ("quality", "response_speed", "after_sales", "sales_professionalism", "price", "channel"):
        assert name in tables["surveys"].columns, name
