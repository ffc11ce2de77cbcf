"""workspace.yaml model: every broken key is a ConfigError naming the key path (salesnb.config)."""
from __future__ import annotations

from pathlib import Path

import pytest

from salesnb.config import WorkspaceConfig, load_config
from salesnb.errors import ConfigError, DataError


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "workspace.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def config_problems(tmp_path: Path, text: str):
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, text))
    assert isinstance(info.value, DataError)  # the CLI handles both the same way
    return info.value.problems


def test_minimal_config_has_defaults(tmp_path):
    cfg = load_config(write_config(tmp_path, "company:\n  name: 示例公司\n"))
    assert isinstance(cfg, WorkspaceConfig)
    assert (cfg.company.name, cfg.company.unit, cfg.calendar.fiscal_year_start_month) == ("示例公司", "元", 1)
    assert cfg.tables == {}
    assert "quality" in cfg.dimension_aliases()


def test_tables_section_is_read(tmp_path):
    text = (
        "company: {name: Demo, unit: 万元}\n"
        "tables:\n"
        "  sales:\n"
        "    file: exports/订单.xlsx\n"
        "    sheet: 明细\n"
        "    columns: {客户简码: customer_id}\n"
        "    date_format: '%m/%d/%Y'\n"
        "  surveys: {file: survey.csv, encoding: gb18030}\n"
    )
    cfg = load_config(write_config(tmp_path, text))
    assert cfg.tables["sales"].columns == {"客户简码": "customer_id"}
    assert (cfg.tables["sales"].sheet, cfg.tables["sales"].date_format) == ("明细", "%m/%d/%Y")
    assert cfg.tables["surveys"].encoding == "gb18030"


@pytest.mark.parametrize(
    "text, column",
    [
        ("company: {name: X, colour: red}\n", "company.colour"),
        ("company: {name: X}\ncalender: {fiscal_year_start_month: 4}\n", "calender"),
        ("company: {name: X}\ntables:\n  sales: {file: s.csv, encodng: utf-8}\n", "tables.sales.encodng"),
    ],
)
def test_unknown_key_names_its_path(tmp_path, text, column):
    problems = config_problems(tmp_path, text)
    assert [(p.column, p.rule) for p in problems] == [(column, "unknown key")]
    assert problems[0].file == "workspace.yaml"


@pytest.mark.parametrize(
    "text, column, value",
    [
        ("company: {name: X}\ncalendar: {fiscal_year_start_month: april}\n", "calendar.fiscal_year_start_month", "april"),
        ("company: {name: X}\ncalendar: {fiscal_year_start_month: 13}\n", "calendar.fiscal_year_start_month", "13"),
        ("company: {name: X, unit: 亿元}\n", "company.unit", "亿元"),
        ("company: {name: X}\ntables:\n  sales: {file: 3}\n", "tables.sales.file", "3"),
        ("company: {name: X}\ntables:\n  sales: {file: s.csv, encoding: latin-1}\n", "tables.sales.encoding", "latin-1"),
        ("company: {name: X}\nthresholds: {response_promise_hours: -1}\n", "thresholds.response_promise_hours", "-1"),
    ],
)
def test_wrong_type_or_value_names_its_path(tmp_path, text, column, value):
    problems = config_problems(tmp_path, text)
    assert [(p.column, p.value) for p in problems] == [(column, value)]


def test_unknown_table_name_is_an_error(tmp_path):
    problems = config_problems(tmp_path, "company: {name: X}\ntables:\n  salez: {file: s.csv}\n")
    assert len(problems) == 1 and problems[0].column.startswith("tables.salez")


@pytest.mark.parametrize(
    "text, column",
    [
        ("company: {currency: CNY}\n", "company.name"),
        ("calendar: {fiscal_year_start_month: 4}\n", "company"),
        ("company: {name: X}\ntables:\n  sales: {sheet: 明细}\n", "tables.sales.file"),
        ("company: {name: X}\ngoals:\n  - {id: g1, metric: revenue, deadline: 2026Q4}\n", "goals.0.target"),
    ],
)
def test_missing_required_key_names_its_path(tmp_path, text, column):
    problems = config_problems(tmp_path, text)
    assert [(p.column, p.rule) for p in problems] == [(column, "required key is missing")]


def test_every_broken_key_is_reported_at_once(tmp_path):
    problems = config_problems(tmp_path, "company: {currency: CNY, colour: red}\ncalendar: {fiscal_year_start_month: 0}\n")
    assert sorted(p.column for p in problems) == ["calendar.fiscal_year_start_month", "company.colour", "company.name"]


def test_invalid_yaml_gives_the_line(tmp_path):
    problems = config_problems(tmp_path, "company:\n  name: Demo\n  unit: [元\n  currency: CNY\n")
    assert len(problems) == 1
    assert problems[0].line == 4 and "not valid YAML" in problems[0].rule


def test_tab_indentation_gives_the_line(tmp_path):
    problems = config_problems(tmp_path, "company:\n  name: Demo\n\tunit: 元\n")
    assert problems[0].line == 3


def test_not_a_mapping(tmp_path):
    problems = config_problems(tmp_path, "- just\n- a list\n")
    assert "must be a mapping" in problems[0].rule


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "workspace.yaml")
    assert "missing" in info.value.problems[0].rule


def test_non_utf8_config(tmp_path):
    path = tmp_path / "workspace.yaml"
    path.write_bytes("company:\n  name: 示例\n".encode("gbk"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "UTF-8" in info.value.problems[0].rule


def test_goal_deadline_must_be_a_period(tmp_path):
    text = "company: {name: X}\ngoals:\n  - {id: g1, metric: revenue, target: {growth: 0.1}, deadline: 2026-12}\n"
    problems = config_problems(tmp_path, text)
    assert problems[0].column == "goals.0.deadline" and "2026-12" in problems[0].rule


def test_display_unit_follows_a_currency_other_than_cny():
    from salesnb.config import Company
    from salesnb.i18n import money

    assert Company(name="A").display_unit == "万元"
    assert Company(name="A", currency="CNY").display_unit == "万元"
    usd = Company(name="A", currency="USD")
    assert usd.display_unit == "thousand"
    assert Company(name="A", currency="USD", display_unit="million").display_unit == "million"
    # 1,234,567 USD in thousands: 1,234.6 thousand — no CNY anywhere
    assert money(1_234_567, usd.display_unit, "en") == "1,234.6 thousand"
    assert money(1_234_567, usd.display_unit, "zh") == "1,234.6 千"


def test_yaml_libyaml_refuses_is_reported_in_the_pure_python_loaders_words(tmp_path):
    import yaml

    text = "company:\n  name: Demo\n  unit: a: b\n"  # libyaml and PyYAML word this error differently
    try:
        yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        expected = exc.problem
    problems = config_problems(tmp_path, text)
    assert len(problems) == 1 and problems[0].line == 3 and problems[0].rule.endswith(expected)


def test_the_label_files_read_the_same_with_libyaml_and_pure_python():
    import yaml

    import salesnb

    files = sorted((Path(salesnb.__file__).parent / "locales").glob("*.yaml"))
    assert files and hasattr(yaml, "CSafeLoader")
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.load(text, Loader=yaml.SafeLoader), path.name
