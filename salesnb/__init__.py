"""salesnb: quarterly sales plans and customer-satisfaction improvement, as notebooks.

The library holds every metric, breakdown and diagnosis; the numbered notebooks
in ``notebooks/`` call it and papermill runs them each quarter
(``salesnb run WORKSPACE --period 2025Q4``).
"""
from __future__ import annotations

from .errors import ConfigError, DataError, Problem, QualityNote, RunRefused
from ._version import __version__
from .periods import Period

__all__ = ["DataError", "ConfigError", "Problem", "QualityNote", "RunRefused", "Period", "load_workspace", "open_step", "__version__"]


def load_workspace(path):
    """Read, map and validate a workspace folder (see :func:`salesnb.io.load_workspace`)."""
    from .io import load_workspace as _load

    return _load(path)


def open_step(workspace, period, lang, output_dir):
    """Open a step notebook (see :func:`salesnb.context.open_step`)."""
    from .context import open_step as _open

    return _open(workspace, period, lang, output_dir)
