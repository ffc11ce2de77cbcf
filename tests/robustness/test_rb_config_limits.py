"""workspace.yaml cannot exhaust the machine: a size cap and an alias-expansion cap
are checked before any Python object is built (issue 15, item 9)."""
from __future__ import annotations

import shutil

import pytest

from conftest import SAMPLE
from salesnb.config import MAX_YAML_VALUES, load_config, read_yaml
from salesnb.errors import ConfigError

BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join('*' + chr(97 + i) for _ in range(10))}]" for i in range(8)]
    + ["company: {name: Demo}", "boom: *i"]
) + "\n"


def test_an_alias_bomb_is_refused_before_it_is_built(tmp_path):
    path = tmp_path / "workspace.yaml"
    path.write_text(BOMB, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (problem,) = err.value.problems
    # 10 levels of ten-fold repetition: a = 11 values (the list and its ten x), b = 1 + 10 × 11 … by hand:
    # a 11, b 111, c 1,111, …, i 111,111,111; the document holds a … i once each plus 'boom' = i again
    assert problem.value.endswith(" values") and int(problem.value.split()[0].replace(",", "")) > MAX_YAML_VALUES
    assert "aliases" in problem.rule and "write the repeated settings out" in problem.rule


def test_aliases_within_the_limit_still_work(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("base: &b {growth: 0.1}\ngoal: *b\n", encoding="utf-8")
    assert read_yaml(path) == {"base": {"growth": 0.1}, "goal": {"growth": 0.1}}


def test_an_oversized_workspace_yaml_is_refused_with_its_size(tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(SAMPLE, ws, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history"))
    text = (ws / "workspace.yaml").read_text(encoding="utf-8")
    (ws / "workspace.yaml").write_text(text + "#" + "x" * 2_100_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(ws / "workspace.yaml")
    (problem,) = err.value.problems
    size = (ws / "workspace.yaml").stat().st_size
    assert problem.value == f"{size:,} bytes" and "too large" in problem.rule


def test_python_tags_are_still_refused(tmp_path):
    path = tmp_path / "workspace.yaml"
    path.write_text("company: !!python/object/apply:os.system ['echo hi']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_an_unknown_key_holding_a_large_value_is_named_without_printing_it(tmp_path):
    path = tmp_path / "workspace.yaml"
    path.write_text("company: {name: Demo}\nunknown_section: &x [" + ", ".join(["1"] * 500) + "]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    (problem,) = err.value.problems
    assert problem.column == "unknown_section" and problem.value == "list of 500" and problem.rule == "unknown key"


def test_the_docs_list_the_action_statuses_the_code_accepts():
    """docs/data.md once listed overdue and cancelled, which the contract never had (overdue is derived, cancelled reads as dropped)."""
    from conftest import ROOT
    from salesnb.schemas import CONTRACT

    (status,) = [c for c in CONTRACT["actions"].columns if c.name == "status"]
    (row,) = [line for line in (ROOT / "docs" / "data.md").read_text(encoding="utf-8").splitlines() if line.startswith("| `status` |")]
    listed = row.split("|")[4].split("; also read:")[0]
    assert [s.strip(" `") for s in listed.split(",")] == list(status.allowed)
    assert "`overdue`" not in row and "→ `cancelled`" not in row and "cancelled → `dropped`" in row
