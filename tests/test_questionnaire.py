"""The survey instrument (salesnb.questionnaire): items and stable codes, platform files, and the answers back in.

The round trip: the questionnaire of data/sample, a dozen answers typed by hand
in each platform's export layout (tests/fixtures/qualtrics_answers.csv: three
header rows, choice numbers; tests/fixtures/wenjuanxing_answers.csv: GB18030,
"n、question" headers, choice numbers; the XLSX route: item-code headers and the
item table's codes), imported with the generated mapping into a copy of the
sample workspace and validated. EXPECTED below is written by hand from the
answers, not from the mapping.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from salesnb import questionnaire as q
from salesnb.cli import main
from salesnb.config import ItemWording, load_config
from salesnb.errors import DataError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
FIXTURES = Path(__file__).parent / "fixtures"
DIMS = ["quality", "response_speed", "after_sales", "sales_professionalism", "price"]

# The ten answers that land (answer 4 declined consent, answer 8 skipped the screening question).
# response no., respondent_type, nps, satisfaction, quality, response_speed, after_sales, sales_professionalism, price, comment, customer_id
# None = blank ("not applicable", a skipped item or an anonymous link).
EXPECTED = [
    (1, "customer", 10, 5, 5, 4, 4, 5, 3, "交期再快一点", "000053"),
    (2, "lost", 0, 1, 2, 1, None, 2, 1, "售后响应太慢 | 希望有操作培训", "000074"),
    (3, "prospect", 7, 3, None, None, None, 3, 2, None, None),
    (5, "customer", 9, 4, 4, 4, 4, 4, 4, None, "000079"),
    (6, "customer", 8, 4, 4, 3, 3, 5, 2, 'Price, "too high"', "000097"),
    (7, "lost", 3, 2, 3, 2, 1, 2, 3, "价格涨得太快", "000137"),
    (9, "customer", None, 3, 3, 3, None, 3, 3, "培训", "000172"),
    (10, "lost", 5, 2, 2, 2, 2, None, 2, None, "000162"),
    (11, "customer", 10, 5, 5, 5, 5, 5, 5, "<b>好</b>", "000193"),
    (12, "customer", 1, 1, 1, 1, 1, 1, 1, "质量不稳定 | 需要备件", "000203"),
]
# The XLSX route's answer sheet, typed with the item table's codes (type as its key, NPS 0–10 as answered, 9 = not applicable).
XLSX_ROWS = [
    # RESPONSE_ID, SUBMITTED, consent, type, nps, sat, 5 dimensions, improve, support, TOKEN
    (1, "2026-01-10", 1, "customer", 10, 5, 5, 4, 4, 5, 3, "交期再快一点", None, "000053"),
    (2, "2026-01-10", 1, "lost", 0, 1, 2, 1, 9, 2, 1, "售后响应太慢", "希望有操作培训", "000074"),
    (3, "2026-01-10", 1, "prospect", 7, 3, 9, 9, 9, 3, 2, None, None, None),
    (4, "2026-01-11", 2, None, None, None, None, None, None, None, None, None, None, "000064"),
    (5, "2026-01-11", 1, "customer", 9, 4, 4, 4, 4, 4, 4, None, None, "000079"),
    (6, "2026-01-11", 1, "customer", 8, 4, 4, 3, 3, 5, 2, 'Price, "too high"', None, "000097"),
    (7, "2026-01-11", 1, "lost", 3, 2, 3, 2, 1, 2, 3, "价格涨得太快", None, "000137"),
    (8, "2026-01-12", 1, None, None, None, None, None, None, None, None, None, None, "000143"),
    (9, "2026-01-12", 1, "customer", None, 3, 3, 3, 9, 3, 3, None, "培训", "000172"),
    (10, "2026-01-12", 1, "lost", 5, 2, 2, 2, 2, 9, 2, None, None, "000162"),
    (11, "2026-01-12", 1, "customer", 10, 5, 5, 5, 5, 5, 5, "<b>好</b>", None, "000193"),
    (12, "2026-01-13", 1, "customer", 1, 1, 1, 1, 1, 1, 1, "质量不稳定", "需要备件", "000203"),
]
EXPECTED_DATES = {1: "2026-01-10", 2: "2026-01-10", 3: "2026-01-10", 5: "2026-01-11", 6: "2026-01-11", 7: "2026-01-11",
                  9: "2026-01-12", 10: "2026-01-12", 11: "2026-01-12", 12: "2026-01-13"}


@pytest.fixture(scope="module")
def cfg():
    return load_config(SAMPLE / "workspace.yaml")


@pytest.fixture(scope="module")
def instrument_dir(tmp_path_factory, cfg):
    folder = tmp_path_factory.mktemp("instrument")
    q.write_instrument(folder, cfg, "zh")
    return folder


def _xlsx_export(path: Path, instrument) -> Path:
    headers = ["RESPONSE_ID", "SUBMITTED", *[i.code for i in instrument.asked], "TOKEN"]
    assert len(headers) == len(XLSX_ROWS[0])
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame(XLSX_ROWS, columns=headers).astype(object).to_excel(xl, sheet_name="answers", index=False)
    return path


# ----------------------------------------------------------------------------- items and codes

def test_items_codes_and_scales(cfg):
    inst = q.build_instrument(cfg)
    assert [i.code for i in inst.items] == ["Q_CONSENT", "Q_TYPE", "Q_NPS", "Q_SAT", "Q_DIM_QUALITY", "Q_DIM_RESPONSE_SPEED",
                                            "Q_DIM_AFTER_SALES", "Q_DIM_SALES_PROFESSIONALISM", "Q_DIM_PRICE", "Q_IMPROVE", "Q_SUPPORT", "TOKEN"]
    nps = inst.item("Q_NPS")
    assert [(c.position, c.value) for c in nps.choices] == [(k + 1, str(k)) for k in range(11)]
    dim = inst.item("Q_DIM_AFTER_SALES")
    assert (dim.scale_min, dim.scale_max, dim.na_code) == (1, 5, "9")
    assert [(c.position, c.code, c.value) for c in dim.choices][-1] == (6, "9", "")
    assert dim.zh == "您对我们的售后支持满意程度如何？" and dim.en == "How satisfied are you with our after-sales support?"
    assert [c.value for c in inst.item("Q_TYPE").choices] == ["customer", "lost", "prospect"]
    table = q.item_table(inst)
    assert table.loc[table["code"] == "Q_DIM_PRICE", "not_applicable_code"].item() == "9"
    assert table.loc[table["code"] == "Q_NPS", ["scale_min", "scale_max"]].values.tolist() == [[0, 10]]


def test_renaming_a_label_keeps_the_codes(cfg):
    dims = [d.model_copy(update={"en": d.en + " (renamed)", "zh": "新" + d.zh}) for d in cfg.survey.dimensions]
    renamed = cfg.model_copy(update={"survey": cfg.survey.model_copy(update={"dimensions": dims})})
    before, after = q.build_instrument(cfg), q.build_instrument(renamed)
    assert [i.code for i in before.items] == [i.code for i in after.items]
    assert after.item("Q_DIM_QUALITY").zh == "您对我们的新产品质量满意程度如何？"
    m_before, m_after = q.answer_mapping(before, "qualtrics"), q.answer_mapping(after, "qualtrics")
    assert m_before == m_after  # the Qualtrics export's headers are the codes: the mapping does not move
    from salesnb.config import Dimension

    added = cfg.model_copy(update={"survey": cfg.survey.model_copy(update={"dimensions": [
        *cfg.survey.dimensions, Dimension(key="delivery_2", en="ERP delivery data", zh="交付数据")]})})
    inst = q.build_instrument(added)
    assert inst.item("Q_DIM_DELIVERY_2").en == "How satisfied are you with our ERP delivery data?"
    cols = q.answer_mapping(inst, "qualtrics")["tables"]["surveys"]["columns"]
    assert cols["delivery_2"]["column"] == "Q_DIM_DELIVERY_2" and cols["delivery_2"]["map"]["6"] == ""


def test_wording_override_and_plan_strata(cfg):
    wording = cfg.survey.questionnaire.model_copy(update={"items": {"Q_NPS": ItemWording(zh="您会把{company}推荐给同行吗？"),
                                                                    "Q_DIM_PRICE": ItemWording(en="Is our {dimension} fair?")}})
    c2 = cfg.model_copy(update={"survey": cfg.survey.model_copy(update={"questionnaire": wording})})
    plan = pd.DataFrame({"region": ["华东", "华东", "华东"], "status": ["customer", "prospect", "lost"], "sample": [30, 0, 10]})
    inst = q.build_instrument(c2, plan)
    assert inst.item("Q_NPS").zh == "您会把华信智能装备有限公司推荐给同行吗？"
    assert inst.item("Q_NPS").en.startswith("How likely")  # the language not overridden keeps salesnb's wording
    assert inst.item("Q_DIM_PRICE").en == "Is our price fairness fair?"
    assert [c.value for c in inst.item("Q_TYPE").choices] == ["customer", "lost"]  # no prospect sampled
    bad = cfg.model_copy(update={"survey": cfg.survey.model_copy(update={"questionnaire": wording.model_copy(
        update={"items": {"Q_DIM_COLOUR": ItemWording(en="x")}})})})
    with pytest.raises(ValueError, match="Q_DIM_COLOUR"):
        q.build_instrument(bad)


def test_config_rejects_a_malformed_item_code(tmp_path):
    text = (SAMPLE / "workspace.yaml").read_text(encoding="utf-8").replace(
        "  design:\n", "  questionnaire:\n    items: {nps: {en: Recommend}}\n  design:\n", 1)
    (tmp_path / "workspace.yaml").write_text(text, encoding="utf-8")
    from salesnb.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "workspace.yaml")
    assert "survey.questionnaire.items" in str(err.value.problems[0].column)
    good = text.replace("items: {nps: {en: Recommend}}", "title: {zh: 第一季度调查}\n    items: {Q_NPS: {en: Recommend us}}")
    (tmp_path / "workspace.yaml").write_text(good, encoding="utf-8")
    inst = q.build_instrument(load_config(tmp_path / "workspace.yaml"))
    assert inst.item("Q_NPS").en == "Recommend us" and inst.title["zh"] == "第一季度调查"


# ----------------------------------------------------------------------------- platform files

def test_qualtrics_advanced_format(cfg):
    inst = q.build_instrument(cfg)
    txt = q.qualtrics_txt(inst, "en")
    lines = txt.splitlines()
    assert lines[0] == "[[AdvancedFormat]]"
    assert txt.count("[[Question:MC:SingleAnswer:") == 9 and txt.count("[[Question:TE:Essay]]") == 2
    assert txt.count("[[Choices]]") == 9
    nps_at = lines.index("[[ID:Q_NPS]]")
    assert lines[nps_at - 1] == "[[Question:MC:SingleAnswer:Horizontal]]"
    choices = lines[lines.index("[[Choices]]", nps_at) + 1:]
    assert choices[:11] == [str(k) for k in range(11)] and choices[11] == ""
    dim_at = lines.index("[[ID:Q_DIM_PRICE]]")
    block = lines[lines.index("[[Choices]]", dim_at) + 1:]
    assert block[:6] == ["1 Very dissatisfied", "2 Dissatisfied", "3 Neutral", "4 Satisfied", "5 Very satisfied",
                         "Not applicable / no experience"]


def test_wjx_text_and_headers(cfg):
    inst = q.build_instrument(cfg)
    txt = q.wjx_txt(inst, "zh")
    lines = txt.splitlines()
    assert lines[0] == "华信智能装备有限公司客户满意度调查问卷"
    assert "3.您向朋友或同事推荐华信智能装备有限公司的可能性有多大？（0 = 完全不可能，10 = 非常可能）[单选题]" in lines
    assert "10.您认为我们最需要改进的是什么？[填空题]" in lines
    assert q.wjx_header(9, inst.item("Q_DIM_PRICE"), "zh") == "9、您对我们的价格合理性满意程度如何？"


def test_html_is_escaped_and_print_ready(cfg):
    evil = cfg.model_copy(update={"company": cfg.company.model_copy(update={"name": "<script>alert(1)</script> & Co"})})
    inst = q.build_instrument(evil)
    guide = q.interview_guide(evil, "en", {"period": "2025Q4", "problems": [
        {"type": "billing_errors", "label": {"en": "Billing <errors>", "zh": "发票"}, "statement": {"en": "a \"quote\" <i>", "zh": "x"}}]})
    page = q.questionnaire_html(inst, "en", guide, "2025Q4")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert "Billing &lt;errors&gt;" in page and "a &quot;quote&quot; &lt;i&gt;" in page
    assert f'content="{q.CSP}"' in page and "@page { size: A4" in page
    zh = q.questionnaire_html(q.build_instrument(cfg), "zh")
    assert '<html lang="zh-CN">' in zh and "<meta charset=\"utf-8\">" in zh
    assert "@font-face" in zh and "data:font/woff;base64," in zh  # the CJK glyphs travel with the page (font-src data:)


def test_interview_guide_from_diagnosis_inputs(cfg):
    dims = pd.DataFrame({"dimension": ["quality", "price", "after_sales", "response_speed"], "mean": [4.1, 3.01, 3.71, 3.77]})
    themes = pd.DataFrame({"theme": ["billing", "delivery", "price", "after_sales_response", "training"],
                           "mentions": [4, 3, 3, 13, 0], "source": ["complaints", "complaints", "complaints", "interviews", "complaints"]})
    record = {"period": "2025Q4", "problems": [{"type": "slow_after_sales_response", "label": {"en": "Slow after-sales response", "zh": "售后响应慢"},
                                                "statement": {"en": "s1", "zh": "陈述一"}}]}
    g = q.interview_guide(cfg, "zh", {"record": record, "dimension_scores": dims, "themes": themes}, top=2)
    assert g["topic"].tolist() == ["诊断问题：售后响应慢", "低分维度：价格合理性（均值 3.01）", "低分维度：售后支持（均值 3.71）",
                                   "高频投诉主题：发票与账务（4 次提及）", "高频投诉主题：交付与交期（3 次提及）",
                                   "结束问题：哪一项改变最能提高您推荐我们的意愿？"]
    plain = q.interview_guide(cfg, "en")
    assert plain["source"].tolist() == ["dimension"] * 5 + ["closing"]


# ----------------------------------------------------------------------------- the round trip

def _check_wave(surveys: pd.DataFrame, prefix: str) -> None:
    assert len(surveys) == len(EXPECTED)
    by_id = surveys.set_index("response_id")
    for n, rtype, nps, sat, *rest in EXPECTED:
        dims, comment, customer = rest[:5], rest[5], rest[6]
        row = by_id.loc[prefix.format(n=n)]
        assert row["respondent_type"] == rtype
        assert str(row["survey_date"])[:10] == EXPECTED_DATES[n]
        for col, want in zip(["nps", "satisfaction", *DIMS], [nps, sat, *dims]):
            got = row[col]
            assert (want is None and (got is None or (isinstance(got, float) and math.isnan(got)))) or got == want, (n, col, got, want)
        assert (row["comment"] if isinstance(row["comment"], str) else None) == comment, n
        assert (row["customer_id"] if isinstance(row["customer_id"], str) else None) == customer, n


@pytest.mark.parametrize("platform, export, prefix, aside", [
    ("qualtrics", "qualtrics_answers.csv", "R_3kQ{n:02d}xWavePilot",
     {"Qualtrics header rows (question text, ImportId)": 2, "declined consent": 1, "screening question not answered": 1}),
    ("wenjuanxing", "wenjuanxing_answers.csv", "WJX-{n}", {"declined consent": 1, "screening question not answered": 1}),
    ("xlsx", None, "{n}", {"declined consent": 1, "screening question not answered": 1}),
])
def test_round_trip(tmp_path, instrument_dir, cfg, platform, export, prefix, aside):
    from salesnb.io import load_workspace

    path = FIXTURES / export if export else _xlsx_export(tmp_path / "answers.xlsx", q.build_instrument(cfg))
    result = q.import_wave(path, instrument_dir / platform / "import.yaml", SAMPLE, tmp_path / "ws", keep_earlier=False)
    assert result.rows == 10 and result.set_aside == aside and result.earlier == 0
    ws = load_workspace(tmp_path / "ws")  # validated again, as a run would read it
    surveys = ws.table("surveys")
    _check_wave(surveys, prefix)
    if platform != "xlsx":
        assert set(surveys["channel"]) == {"online"}
    listed = pd.read_csv(tmp_path / "ws" / "import" / "set_aside.csv", encoding="utf-8")
    # export lines (Excel rows) set aside: answer 4 (declined) and answer 8 (no screening); Qualtrics also its header rows 2 and 3
    assert sorted(listed["export_line"]) == ([2, 3, 7, 11] if platform == "qualtrics" else [5, 9])
    import json

    info = json.loads((tmp_path / "ws" / "import" / "wave.json").read_text(encoding="utf-8"))
    assert info["counts"]["surveys"] == 10 and info["counts"]["set_aside"] == aside
    assert ws.has("sales") and (tmp_path / "ws" / "sales.csv").read_bytes() == (SAMPLE / "sales.csv").read_bytes()


def test_round_trip_keeps_the_earlier_waves(tmp_path, instrument_dir):
    from salesnb.io import load_workspace

    before = load_workspace(SAMPLE).table("surveys")
    result = q.import_wave(FIXTURES / "qualtrics_answers.csv", instrument_dir / "qualtrics" / "import.yaml", SAMPLE, tmp_path / "ws")
    assert result.earlier == len(before)
    surveys = load_workspace(tmp_path / "ws").table("surveys")
    assert len(surveys) == len(before) + 10
    assert surveys["response_id"].iloc[: len(before)].tolist() == before["response_id"].tolist()
    _check_wave(surveys.iloc[len(before):], "R_3kQ{n:02d}xWavePilot")
    assert (SAMPLE / "surveys.csv").is_file() and not (SAMPLE / "surveys_wave.csv").exists()  # the source workspace is untouched


def test_export_lacking_a_dimension_says_so(tmp_path, instrument_dir):
    text = (FIXTURES / "qualtrics_answers.csv").read_text(encoding="utf-8-sig")
    rows = [line.split(",") for line in text.splitlines()]
    col = rows[0].index("Q_DIM_PRICE")
    # drop the column (no quoted commas before it in any line of this fixture)
    cut = "\n".join(",".join(r[:col] + r[col + 1:]) for r in rows)
    (tmp_path / "no_price.csv").write_text(cut, encoding="utf-8")
    with pytest.raises(DataError) as err:
        q.import_wave(tmp_path / "no_price.csv", instrument_dir / "qualtrics" / "import.yaml", SAMPLE, tmp_path / "ws", keep_earlier=False)
    problem = err.value.problems[0]
    assert problem.column == "Q_DIM_PRICE" and "the mapping reads column(s) the export does not have" in problem.rule
    assert not (tmp_path / "ws").exists()


def test_cli_writes_everything_and_imports(tmp_path, capsys):
    pd.DataFrame({"region": ["华东", "华东"], "status": ["customer", "lost"], "population": [100, 40], "sample": [30, 12]}).to_csv(
        tmp_path / "sample_plan.csv", index=False, encoding="utf-8-sig")
    assert main(["questionnaire", str(SAMPLE), "--lang", "zh", "--out", str(tmp_path / "planned"), "--plan", str(tmp_path / "sample_plan.csv")]) == 0
    planned = (tmp_path / "planned" / "wenjuanxing" / "survey_zh.txt").read_text(encoding="utf-8")
    assert "目前在向" in planned and "尚未向" not in planned  # no prospect stratum planned: not offered
    assert main(["questionnaire", str(SAMPLE), "--lang", "zh", "--out", str(tmp_path / "qn")]) == 0
    names = sorted(str(p.relative_to(tmp_path / "qn")) for p in (tmp_path / "qn").rglob("*") if p.is_file())
    assert names == ["items.xlsx", "qualtrics/import.yaml", "qualtrics/survey_zh.txt", "questionnaire_zh.html",
                     "wenjuanxing/import.yaml", "wenjuanxing/survey_zh.txt", "xlsx/answers_template.xlsx", "xlsx/import.yaml"]
    capsys.readouterr()
    assert main(["questionnaire", str(SAMPLE), "--answers", str(FIXTURES / "wenjuanxing_answers.csv"), "--mapping",
                 str(tmp_path / "qn" / "wenjuanxing" / "import.yaml"), "--out", str(tmp_path / "ws"), "--wave-only"]) == 0
    out = capsys.readouterr().out
    assert "answers imported                           10" in out and "declined consent" in out
    items = pd.read_excel(tmp_path / "qn" / "items.xlsx", sheet_name=None)
    assert list(items) == ["items", "choices"] and len(items["choices"]) == 2 + 3 + 11 + 5 + 5 * 6
    template = pd.read_excel(tmp_path / "qn" / "xlsx" / "answers_template.xlsx")
    assert list(template.columns) == ["RESPONSE_ID", "SUBMITTED", "Q_CONSENT", "Q_TYPE", "Q_NPS", "Q_SAT", "Q_DIM_QUALITY",
                                              "Q_DIM_RESPONSE_SPEED", "Q_DIM_AFTER_SALES", "Q_DIM_SALES_PROFESSIONALISM", "Q_DIM_PRICE",
                                              "Q_IMPROVE", "Q_SUPPORT", "TOKEN"]


def test_wave_prefix_and_declared_scales(tmp_path, cfg):
    """--wave prefixes per-export numbers; a workspace declaring checks.scales gets a new workspace.yaml without them
    (its surveys file is on the contract's scales), and the earlier answers keep their values."""
    import shutil

    import yaml

    from salesnb.io import load_workspace

    base = tmp_path / "base"
    shutil.copytree(SAMPLE, base)
    text = (base / "workspace.yaml").read_text(encoding="utf-8")
    (base / "workspace.yaml").write_text(text + "\nchecks:\n  scales:\n    nps: {low: 0, high: 10, convert: none}\n", encoding="utf-8")
    inst = q.build_instrument(cfg)
    (tmp_path / "xlsx").mkdir()
    (tmp_path / "xlsx" / "import.yaml").write_text(q.mapping_yaml(q.answer_mapping(inst, "xlsx", "zh", wave="2026Q1"), "xlsx", "zh"),
                                                   encoding="utf-8")
    before = load_workspace(base).table("surveys")
    result = q.import_wave(_xlsx_export(tmp_path / "answers.xlsx", inst), tmp_path / "xlsx" / "import.yaml", base, tmp_path / "ws")
    written = yaml.safe_load((tmp_path / "ws" / "workspace.yaml").read_text(encoding="utf-8"))
    assert "scales" not in (written.get("checks") or {})
    assert "checks.scales left out" in (tmp_path / "ws" / "workspace.yaml").read_text(encoding="utf-8")
    surveys = load_workspace(tmp_path / "ws").table("surveys")
    assert result.earlier == len(before) and len(surveys) == len(before) + 10
    assert surveys["nps"].iloc[: len(before)].fillna(-1).tolist() == before["nps"].fillna(-1).tolist()
    _check_wave(surveys.iloc[len(before):], "2026Q1-{n}")
