"""The project's promises about itself: dependencies in step, notebooks
stripped and parameterised, the README's two commands, CI calling them."""
from __future__ import annotations

import json
import re
import tomllib

import yaml

from conftest import ROOT

PARAMETERS = ["workspace", "period", "lang", "output_dir"]


def _name(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*$", spec)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_name(s) for s in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip.update(_name(d) for d in dep["pip"] if not d.startswith("-e"))
        else:
            conda.update([_name(dep)])
    conda.pop("python"), conda.pop("pip")
    listed = {**conda, **pip}
    assert listed == wanted, f"environment.yml and pyproject.toml differ: only in env {set(listed.items()) - set(wanted.items())}, only in pyproject {set(wanted.items()) - set(listed.items())}"
    assert "-e ." in [d for dep in env["dependencies"] if isinstance(dep, dict) for d in dep["pip"]]
    assert env["channels"][0] == "conda-forge"


def test_notebooks_are_committed_without_outputs_and_have_one_parameters_cell():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert [p.stem for p in notebooks] == ["01_goals", "02_breakdown", "03_diagnosis", "04_improvement"]
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), f"{path.name} has stored outputs: run `make strip`"
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name} must have exactly one cell tagged 'parameters'"
        names = re.findall(r"^(\w+)\s*=", "".join(tagged[0]["source"]), flags=re.M)
        assert names == PARAMETERS, f"{path.name} parameters are {names}"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme[: readme.index("\n## ", readme.index("Quick start") + 1)]
    assert "make report" in quick and "make test" in quick
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^report:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_outputs_folder_is_ignored_but_kept():
    assert (ROOT / "outputs" / ".gitkeep").exists()
    assert "outputs/*" in (ROOT / ".gitignore").read_text()
