"""Which problem type a survey dimension or a complaint category stands for: the workspace's mappings,
completed from the text themes' keywords for the names it does not map.

Here: :func:`infer_problem_types`, :func:`problem_settings`. Not here: the ranking that uses the settings
(:mod:`.problems`).
"""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from .free_text import theme_keywords, theme_problem_types

__all__ = [
    "infer_problem_types", "problem_settings",
]


def _words(text: str) -> str:
    return " " + str(text).lower().replace("_", " ").replace("-", " ") + " "


def infer_problem_types(names: dict[str, list[str]], keywords: dict[str, list[str]], theme_types: dict[str, str]) -> dict[str, str]:
    """Problem types of survey dimensions or complaint categories not mapped in the workspace, from the text themes' keywords.

    ``names`` maps each key (a dimension key or a complaint category) to the names it goes by (key,
    English and Chinese labels, aliases); ``keywords`` are the themes' keywords and ``theme_types``
    the themes' problem types. A key gets the type of the theme whose keywords occur in its names
    most often (Chinese keywords as substrings, others as whole words); ties go to the first theme;
    keys no keyword matches stay unmapped (they keep their place in the Pareto and the driver table).

    Examples
    --------
    >>> kw = {"delivery": ["delivery", "late", "交期"], "billing": ["invoice", "billing"]}
    >>> types = {"delivery": "delivery_delay", "billing": "billing_errors"}
    >>> infer_problem_types({"Late delivery": ["Late delivery"], "invoice_errors": ["invoice_errors"], "Other": ["Other"],
    ...                      "lateness": ["lateness"]}, kw, types)
    {'Late delivery': 'delivery_delay', 'invoice_errors': 'billing_errors'}
    """
    out: dict[str, str] = {}
    for key, aliases in names.items():
        text = " ".join(_words(a) for a in [key, *aliases] if a)
        best, hits = None, 0
        for theme, words in keywords.items():
            if theme not in theme_types:
                continue
            n = sum(1 for w in words if w and ((w.lower() in text) if not w.isascii() else (_words(w) in text)))
            if n > hits:
                best, hits = theme, n
        if best is not None:
            out[key] = theme_types[best]
    return out


def problem_settings(config, complaints: pd.DataFrame | None = None):
    """``config.diagnosis`` with the dimensions and complaint categories it does not map given the type
    :func:`infer_problem_types` finds from their names (the configured mappings always win).

    Examples
    --------
    >>> from salesnb.config import WorkspaceConfig
    >>> cfg = WorkspaceConfig.model_validate({"company": {"name": "x"}, "tables": {"sales": {"file": "s.csv"}}})
    >>> s = problem_settings(cfg, pd.DataFrame({"category": ["Late delivery", "Invoice wrong", "Other"]}))
    >>> {k: s.complaint_problems[k] for k in ("Late delivery", "Invoice wrong")}, "Other" in s.complaint_problems
    ({'Late delivery': 'delivery_delay', 'Invoice wrong': 'billing_errors'}, False)
    """
    settings = config.diagnosis
    keywords, types = theme_keywords(config.text), theme_problem_types(config.text)
    dims = {d.key: [d.en, d.zh, *getattr(d, "aliases", [])] for d in config.survey.dimensions if d.key not in settings.dimension_problems}
    cats = {}
    if complaints is not None and "category" in complaints:
        cats = {str(c): [] for c in complaints["category"].dropna().unique() if c not in settings.complaint_problems}
    extra_dims, extra_cats = infer_problem_types(dims, keywords, types), infer_problem_types(cats, keywords, types)
    if not extra_dims and not extra_cats:
        return settings
    update = {"dimension_problems": {**settings.dimension_problems, **extra_dims}, "complaint_problems": {**settings.complaint_problems, **extra_cats}}
    if hasattr(settings, "model_copy"):
        return settings.model_copy(update=update)
    return SimpleNamespace(**{**vars(settings), **update})
