"""Shared fixtures: the repository root and the bundled sample workspace."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SHARED_DATA = ROOT.parent / "shared" / "data"

os.environ.setdefault("MPLBACKEND", "Agg")
# tests share data/sample as a workspace: a run waits for another one holding it instead of refusing after 5 s
os.environ.setdefault("SALESNB_LOCK_WAIT", "900")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


class QuarterlyLoop:
    """One copy of the sample run twice, as a company does: 2025Q3 in Chinese,
    the after-sales owner marks the first action done in Excel, then 2025Q4 in
    English. Shared by the end-to-end, step-4 and Chinese-rendering tests so
    the suite pays for two full runs instead of four."""

    def __init__(self, base: Path):
        import shutil

        import openpyxl
        import pandas as pd

        from salesnb.report import run_period

        self.workspace = base / "sample"
        shutil.copytree(SAMPLE, self.workspace, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history"))
        self.out = base / "out"
        self.q3 = run_period(self.workspace, "2025Q3", "zh", self.out, progress=lambda m: None)
        register = self.workspace / "actions.xlsx"
        self.q3_register = pd.read_excel(register, sheet_name="actions", dtype={"action_id": str})
        book = openpyxl.load_workbook(register)
        sheet = book["actions"]
        header = [c.value for c in sheet[1]]
        sheet.cell(row=2, column=header.index("status") + 1, value="done")
        sheet.cell(row=2, column=header.index("period_closed") + 1, value="2025Q4")
        book.save(register)
        self.done_id = str(self.q3_register["action_id"].iloc[0])
        self.messages: list[str] = []
        self.q4 = run_period(self.workspace, "2025Q4", "en", self.out, progress=self.messages.append)


@pytest.fixture(scope="session")
def quarterly_loop(tmp_path_factory) -> QuarterlyLoop:
    return QuarterlyLoop(tmp_path_factory.mktemp("loop"))


class SampleReports:
    """The sample's 2025Q4 published once in English and once in Chinese, each on
    its own fresh copy of the workspace (no register from an earlier run). Shared
    by the tests that read the rendered leadership pages (one-fact-one-number,
    browser print/overflow, leadership language) so the suite pays for two runs."""

    def __init__(self, base: Path):
        import shutil

        from salesnb.report import run_period

        self.folders: dict[str, Path] = {}
        self.workspaces: dict[str, Path] = {}
        for lang in ("en", "zh"):
            workspace = base / lang / "sample"
            shutil.copytree(SAMPLE, workspace, ignore=shutil.ignore_patterns("actions.xlsx", "actions.history", ".salesnb.lock"))
            result = run_period(workspace, "2025Q4", lang, base / lang / "out", progress=lambda m: None)
            self.folders[lang] = result.folder
            self.workspaces[lang] = workspace

    def pages(self, lang: str) -> dict[str, Path]:
        """The leadership HTML pages of one language, by file name."""
        return {p.name: p for p in sorted((self.folders[lang] / "report").glob("*.html"))}


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory) -> SampleReports:
    return SampleReports(tmp_path_factory.mktemp("sample_reports"))
