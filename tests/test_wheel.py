"""salesnb as an installed package: the wheel carries the notebooks and the lock,
installs into a new virtual environment outside the source tree and runs the
sample quarter there; the lock's versions are the ones that run.

The new venv gets salesnb only from the wheel (``pip --python VENV install
--no-deps``). Its third-party dependencies are those of the test environment,
borrowed through a ``.pth`` line and a link to their Jupyter data files
(nbconvert's templates, the kernel spec): installing the whole stack again
from the index would take minutes and test pip, not salesnb. Nothing of the
source tree is on that venv's path (no PYTHONPATH, no editable finder, the
working directory is a temporary folder), so a file the wheel forgot fails here.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from salesnb.installation import NOTEBOOKS, copy_notebooks, notebooks_dir, read_lock, version_drift

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", str(ROOT), "-w", str(dist)],
                   check=True, cwd=dist, capture_output=True)
    (whl,) = dist.glob("salesnb-*.whl")
    return whl


def test_the_wheel_carries_the_notebooks_and_the_lock_byte_for_byte(wheel):
    with zipfile.ZipFile(wheel) as z:
        for name in NOTEBOOKS:
            assert z.read(f"salesnb/notebooks/{name}.ipynb") == (ROOT / "notebooks" / f"{name}.ipynb").read_bytes(), name
        assert z.read("salesnb/requirements.lock") == (ROOT / "requirements.lock").read_bytes()
        assert "salesnb/locales/goals.yaml" in z.namelist()
        assert z.read("salesnb/sample/workspace.yaml.tmpl") == (ROOT / "salesnb" / "sample" / "workspace.yaml.tmpl").read_bytes()


def _venv(base: Path, wheel: Path) -> tuple[Path, dict]:
    venv = base / "venv"
    # no PYTHONPATH and a working directory outside the repository: pip must not find the source tree's salesnb
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SALESNB_NOTEBOOKS", "VIRTUAL_ENV")}
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, env=clean, cwd=base)
    py = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, env=clean, cwd=base)
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True, env=clean, cwd=base).stdout.strip())
    assert (site / "salesnb" / "notebooks").is_dir(), "the wheel was not installed into the new venv"
    (site / "_salesnb_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (venv / "share").mkdir(exist_ok=True)
    os.symlink(Path(sys.prefix) / "share" / "jupyter", venv / "share" / "jupyter")
    env = dict(clean)
    env["SALESNB_CACHE"] = str(base / "cache")
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return venv, env


def test_an_installed_wheel_runs_the_sample_quarter_outside_the_source_tree(wheel, tmp_path):
    venv, env = _venv(tmp_path, wheel)
    salesnb = str(venv / "bin" / "salesnb")
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import salesnb; print(salesnb.__file__)"],
                           check=True, capture_output=True, text=True, env=env, cwd=tmp_path).stdout.strip()
    assert Path(where).is_relative_to(venv), where
    nbs = subprocess.run([salesnb, "notebooks"], check=True, capture_output=True, text=True, env=env, cwd=tmp_path).stdout.strip()
    assert Path(nbs).is_relative_to(venv)
    subprocess.run([salesnb, "sample", "--out", "ws"], check=True, capture_output=True, env=env, cwd=tmp_path)
    run = subprocess.run([salesnb, "run", "ws", "--out", "out"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    final = tmp_path / "out" / "ws" / "2025Q4"
    assert (tmp_path / run.stdout.strip().splitlines()[-1]).resolve() == (final / "report" / "index.html").resolve()
    info = json.loads((final / "run.json").read_text(encoding="utf-8"))
    # the venv runs the test environment's packages, which were installed from the lock
    assert info["lock_drift"] == version_drift()
    assert info["versions"]["pandas"] == read_lock(ROOT / "requirements.lock")["pandas"]
    for name in NOTEBOOKS:
        assert (final / f"{name}.ipynb").is_file() and (final / "report" / f"{name}.html").is_file()


def test_copies_for_jupyterlab_point_at_the_workspace_and_never_replace_an_edited_one(tmp_path):
    paths = copy_notebooks(tmp_path / "nb", workspace=ROOT / "data" / "sample", period="2025Q3", lang="zh")
    assert [p.name for p in paths] == [f"{n}.ipynb" for n in NOTEBOOKS]
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        (cell,) = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
        namespace: dict = {}
        exec("".join(cell["source"]), namespace)
        assert namespace["workspace"] == str((ROOT / "data" / "sample").resolve())
        assert (namespace["period"], namespace["lang"]) == ("2025Q3", "zh")
        assert namespace["output_dir"] == str((tmp_path / "nb").resolve() / "outputs" / "2025Q3")
        original = json.loads((notebooks_dir() / path.name).read_text(encoding="utf-8"))
        assert [c["source"] for c in nb["cells"] if c is not cell] == [
            c["source"] for c in original["cells"] if "parameters" not in c["metadata"].get("tags", [])]
    paths[0].write_text("{}", encoding="utf-8")  # the analyst's edits
    with pytest.raises(FileExistsError, match="never replaced"):
        copy_notebooks(tmp_path / "nb")
    assert paths[0].read_text(encoding="utf-8") == "{}"




def test_version_drift_names_each_package_that_differs_from_the_lock(tmp_path):
    from importlib import metadata

    pandas, numpy = metadata.version("pandas"), metadata.version("numpy")
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"# comment\npandas=={pandas}\nNumPy==0.0.1\nnot-a-real-package-xyz==1.0\n", encoding="utf-8")
    assert read_lock(lock) == {"pandas": pandas, "numpy": "0.0.1", "not-a-real-package-xyz": "1.0"}
    drift = version_drift(lock)
    assert [(d.package, d.locked, d.running) for d in drift] == [("numpy", "0.0.1", numpy)]  # absent extras are not drift
    asked = version_drift(lock, packages=("pandas", "not-a-real-package-xyz"))
    assert [(d.package, d.running) for d in asked] == [("not-a-real-package-xyz", None)]


def test_the_test_environment_matches_the_committed_lock():
    """make setup installs with -c requirements.lock: a drift here means the lock and the venv parted ways."""
    assert version_drift(ROOT / "requirements.lock") == []
