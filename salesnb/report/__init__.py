"""The quarterly run: validate, execute the four notebooks, publish the report.

:func:`run_period` is what ``salesnb run`` calls. It never overwrites an
earlier period's folder: everything is built in a hidden staging folder next
to the final one and moved into place with one ``os.replace`` at the end. A
failed run publishes nothing and keeps its executed notebooks under
``failed/`` for the analyst (the steps that do not need the failed one still
run). A run holds a lock on the workspace and on the period folder
(:mod:`salesnb.runlock`), checks every place it writes before the first
notebook (:func:`preflight`), and publishes the report and the action
register together: if the register cannot be replaced, the period folder is
moved back out.

Layout of a published period (``docs/outputs.md``)::

    <out>/<workspace>/<period>/
        01_goals.ipynb … 04_improvement.ipynb
        report/index.html, report/01_goals.html …
        artifacts/summary.json …
        run.json

The package: :mod:`~salesnb.report.run` (:func:`run_period` and its stages), :mod:`~salesnb.report.schedule`
(the notebooks' order and workers), :mod:`~salesnb.report.checks` (refusals and the preflight),
:mod:`~salesnb.report.export` (a step's HTML page), :mod:`~salesnb.report.pages` (the summary page, the
data-quality appendix, navigation and CSS) and :mod:`~salesnb.report.record` (run.json and the side files).
"""
from __future__ import annotations

from .checks import MIN_FREE_MB, check_folder_name, check_parameters, check_register_location, preflight
from .export import ANALYST_ONLY_TAG, export_html, leadership_outputs, strip_outputs
from .pages import CSP, NOTEBOOKS, PAGE_CSS, PAGES, write_quality_page
from .record import write_contacts, write_quarantine
from .run import RunResult, notebooks_dir, resolve_period, run_period
from .schedule import NotebookFailed

# importable from salesnb.report before it became a package (callers, docs and tests use them)
from .checks import check_register_writable  # noqa: F401
from .pages import QUALITY_PAGE, write_index  # noqa: F401
from .record import PACKAGES  # noqa: F401
from .run import _prepare_apart  # noqa: F401
from .schedule import NEEDS, WAITS_FOR, _execute, _schedule  # noqa: F401

__all__ = ["strip_outputs", "NOTEBOOKS", "run_period", "RunResult", "NotebookFailed", "notebooks_dir", "export_html", "resolve_period", "check_folder_name", "check_parameters", "write_quarantine", "write_contacts", "CSP",
           "preflight", "check_register_location", "MIN_FREE_MB", "PAGE_CSS", "PAGES", "write_quality_page", "ANALYST_ONLY_TAG",
           "leadership_outputs"]
