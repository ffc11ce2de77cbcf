"""Where an installation keeps its notebooks and its lock, and whether it still matches them.

salesnb runs from a source folder (``pip install -e .``) or from an installed
wheel. The numbered notebooks and ``requirements.lock`` are edited at the top
of the repository; the wheel's build hook (``setup.py``) copies both into the
package, so an installed salesnb finds them beside its modules.

Functions
---------
notebooks_dir
    The folder with ``01_goals.ipynb`` … ``04_improvement.ipynb``.
copy_notebooks
    Editable copies for JupyterLab, with the parameters cell pointing at a workspace.
lock_file, read_lock, version_drift
    The versions the tests passed with, and which running ones differ from them.

Examples
--------
>>> from salesnb.installation import notebooks_dir
>>> sorted(p.name for p in notebooks_dir().glob("*.ipynb"))[0]
'01_goals.ipynb'
"""
from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = ["NOTEBOOKS", "notebooks_dir", "copy_notebooks", "lock_file", "read_lock", "version_drift", "Drift"]

NOTEBOOKS = ("01_goals", "02_breakdown", "03_diagnosis", "04_improvement")
"""The four steps, in order; ``<name>.ipynb`` in :func:`notebooks_dir`."""

_PACKAGE = Path(__file__).resolve().parent
_SOURCE = _PACKAGE.parent  # the repository, when salesnb runs from its source folder
_LOCK_LINE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._\-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")


def _has_notebooks(path: Path) -> bool:
    return all((path / f"{name}.ipynb").is_file() for name in NOTEBOOKS)


def notebooks_dir() -> Path:
    """The folder with the numbered notebooks.

    In order: ``$SALESNB_NOTEBOOKS``; the copy inside an installed wheel
    (``salesnb/notebooks/``); the repository's ``notebooks/`` beside a source
    install.

    Raises
    ------
    FileNotFoundError
        None of them holds the four notebooks (the message names where it looked).
    """
    env = os.environ.get("SALESNB_NOTEBOOKS")
    candidates = [Path(env)] if env else [_PACKAGE / "notebooks", _SOURCE / "notebooks"]
    for path in candidates:
        if _has_notebooks(path):
            return path
    looked = " or ".join(str(p) for p in candidates)
    raise FileNotFoundError(
        f"the numbered notebooks were not found in {looked}; reinstall salesnb (pip install salesnb, "
        "or pip install -e . in its source folder) or set SALESNB_NOTEBOOKS to a folder with 01_goals.ipynb … 04_improvement.ipynb")


def _parameters_source(workspace: str, period: str, lang: str, output_dir: str) -> str:
    return "\n".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in
                     (("workspace", workspace), ("period", period), ("lang", lang), ("output_dir", output_dir)))


def copy_notebooks(dest: str | Path, workspace: str | Path | None = None, period: str = "2025Q4", lang: str = "en",
                   output_dir: str | Path | None = None, overwrite: bool = False) -> list[Path]:
    """Copy the four notebooks to ``dest`` for an analyst to edit in JupyterLab.

    Parameters
    ----------
    dest : path
        Folder to write (created if needed).
    workspace : path, optional
        Written into each notebook's ``parameters`` cell as an absolute path;
        default: the cell is left as shipped.
    period, lang : str
        The other parameters (only with ``workspace``).
    output_dir : path, optional
        Default ``<dest>/outputs/<period>`` (only with ``workspace``).
    overwrite : bool
        Replace notebooks already in ``dest``; default False refuses, so an
        analyst's edited copy is never lost.

    Returns
    -------
    list of Path
        The four copies, in step order.

    Raises
    ------
    FileExistsError
        A notebook of the same name exists in ``dest`` and ``overwrite`` is False.

    Examples
    --------
    >>> import tempfile
    >>> paths = copy_notebooks(tempfile.mkdtemp(), workspace="data/sample", period="2025Q4")
    >>> [p.name for p in paths][:2]
    ['01_goals.ipynb', '02_breakdown.ipynb']
    """
    src = notebooks_dir()
    dest = Path(dest)
    targets = [dest / f"{name}.ipynb" for name in NOTEBOOKS]
    existing = [p for p in targets if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{existing[0]} already exists; an edited notebook is never replaced (pass overwrite=True / --overwrite)")
    dest.mkdir(parents=True, exist_ok=True)
    for name, target in zip(NOTEBOOKS, targets):
        if workspace is None:
            shutil.copyfile(src / f"{name}.ipynb", target)
            continue
        nb = json.loads((src / f"{name}.ipynb").read_text(encoding="utf-8"))
        out = Path(output_dir) if output_dir is not None else dest.resolve() / "outputs" / period
        for cell in nb["cells"]:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                cell["source"] = _parameters_source(str(Path(workspace).resolve()), period, lang, str(out))
        target.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return targets


def lock_file() -> Path | None:
    """``requirements.lock``: inside an installed wheel, else at the top of the source folder; None when neither exists."""
    for path in (_PACKAGE / "requirements.lock", _SOURCE / "requirements.lock"):
        if path.is_file():
            return path
    return None


def read_lock(path: str | Path) -> dict[str, str]:
    """``{normalised package name: version}`` of every ``name==version`` line of a pip lock file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "r.lock"
    >>> _ = f.write_text("# pinned\\nPandas==3.0.1\\npsycopg[binary]==3.2.3 ; python_version>='3.11'\\n")
    >>> read_lock(f)
    {'pandas': '3.0.1', 'psycopg': '3.2.3'}
    """
    out: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        m = _LOCK_LINE.match(line)
        if m:
            out[_normalise(m.group(1))] = m.group(2)
    return out


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Drift:
    """One package whose running version is not the locked one (``running`` None: not installed)."""

    package: str
    locked: str
    running: str | None


def version_drift(lock: str | Path | None = None, packages: tuple[str, ...] | None = None) -> list[Drift]:
    """The packages whose installed version differs from ``requirements.lock``.

    Parameters
    ----------
    lock : path, optional
        Default :func:`lock_file`; no lock file gives an empty list.
    packages : tuple of str, optional
        Only these, a missing one included (default: every locked package
        that is installed: a locked extra such as pytest may be absent).

    Returns
    -------
    list of Drift
        Sorted by package name; empty when the installation matches the lock.
    """
    path = Path(lock) if lock is not None else lock_file()
    if path is None or not path.is_file():
        return []
    locked = read_lock(path)
    names = sorted(locked) if packages is None else sorted(_normalise(p) for p in packages if _normalise(p) in locked)
    out = []
    for name in names:
        try:
            running = metadata.version(name)
        except metadata.PackageNotFoundError:
            running = None
        if running is None and packages is None:
            continue  # a locked extra this installation does not use (pytest in a team environment)
        if running != locked[name]:
            out.append(Drift(name, locked[name], running))
    return out
