"""Build hook: the wheel carries the numbered notebooks and the lock file.

The editable copies stay where analysts work on them (``notebooks/`` and
``requirements.lock`` at the top of the repository); ``build_py`` copies them
into the built package as ``salesnb/notebooks/*.ipynb`` and
``salesnb/requirements.lock``, so one source of truth exists in the repository
and an installed wheel runs a quarter with no source folder
(``tests/test_wheel.py`` builds, installs and runs it).
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithNotebooks(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads notebooks/ and requirements.lock from the source folder
            return
        target = Path(self.build_lib) / "salesnb"
        (target / "notebooks").mkdir(parents=True, exist_ok=True)
        for nb in sorted((HERE / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            shutil.copyfile(nb, target / "notebooks" / nb.name)
        lock = HERE / "requirements.lock"
        if lock.is_file():
            shutil.copyfile(lock, target / "requirements.lock")


setup(cmdclass={"build_py": BuildWithNotebooks})
