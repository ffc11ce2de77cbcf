"""The period's free text: which texts are read (ticket descriptions, survey comments, interview notes),
their theme coding and theme tables, and the outcome score with and without each comment theme.

Here: :class:`TextSources` / :func:`text_sources`, :func:`recent`, :func:`names_to_mask`, :func:`top_phrases`,
the theme rules of the workspace (:func:`theme_keywords`, :func:`theme_problem_types`), :class:`ThemeFlags` /
:func:`theme_flags`, :func:`theme_tables`, :func:`source_themes`, :func:`theme_impact`. Not here: tokenising
and coding (:mod:`salesnb.text`), the sentences (:mod:`.narrative`), the display tables (:mod:`.tables`), and
the text evidence of ranked problems (:mod:`.evidence`).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import metrics, survey, text
from ..periods import Period
from .regions import attach_region

__all__ = [
    "TEXT_SOURCES", "names_to_mask", "TextSources", "text_sources", "recent", "top_phrases", "theme_keywords",
    "theme_problem_types", "ThemeFlags", "theme_flags", "theme_tables", "source_themes", "theme_impact",
]


# -- the sources

TEXT_SOURCES = ("complaints", "comments", "interviews")
"""The free-text sources: complaint descriptions, survey comments, interview notes (labels ``dg_src_<source>``)."""


def names_to_mask(contacts: pd.DataFrame | None, customers: pd.DataFrame) -> list[str]:
    """The people's names to mask in quotes: ``contact`` and ``customer_name`` of the contacts table, else of the customer master.

    Examples
    --------
    >>> names_to_mask(None, pd.DataFrame({"customer_name": ["华东机械", None], "contact": ["王伟", "李娜"]}))
    ['王伟', '李娜', '华东机械']
    """
    people = contacts if contacts is not None else customers
    return [n for col in ("contact", "customer_name") if col in people for n in people[col].dropna()]


@dataclass(frozen=True)
class TextSources:
    """The period's free text.

    Attributes
    ----------
    texts : ``complaints`` (descriptions of the period's tickets) and ``comments``
        (the period's survey comments), in that order, each only when it holds some text.
    comment_scores : the 0–10 answers behind the comments (the 1–5 satisfaction when the recommend question is
        not asked); quotes of the lowest scores come first. None without comments.
    interviews : the interviews of the 12 months up to the period's end, with ``region``; None without an interviews table.
    names : the names to mask in quotes (:func:`names_to_mask`).
    """

    texts: dict[str, pd.Series]
    comment_scores: pd.Series | None
    interviews: pd.DataFrame | None
    names: tuple[str, ...] = ()

    @property
    def main(self) -> str | None:
        """The source the frequent words come from: complaints when there are any, else comments; None without text."""
        return next(iter(self.texts), None)

    @property
    def main_texts(self) -> pd.Series:
        """The non-blank texts of :attr:`main`."""
        return self.texts[self.main].dropna()

    @property
    def has_interviews(self) -> bool:
        """Whether any interview falls in the 12 months."""
        return self.interviews is not None and len(self.interviews) > 0


def text_sources(tickets: pd.DataFrame | None, answers: pd.DataFrame | None, interviews: pd.DataFrame | None,
                 customers: pd.DataFrame, period: Period, contacts: pd.DataFrame | None = None) -> TextSources:
    """Select the period's free text: ticket descriptions, survey comments and the last 12 months' interview notes.

    Parameters
    ----------
    tickets : the tickets opened in the period (``description``), or None.
    answers : the period's survey answers (``comment``, ``nps``), or None.
    interviews : the whole interviews table (``interview_date``, ``notes``), or None.
    customers : the customer master (regions of interviews, names to mask).
    contacts : the contacts table, whose names are masked instead of the master's when given.

    Examples
    --------
    >>> answers = pd.DataFrame({"nps": [3, 9], "comment": ["太慢", None]})
    >>> src = text_sources(pd.DataFrame({"description": [None]}), answers, None, pd.DataFrame({"customer_id": []}), Period.parse("2025Q4"))
    >>> list(src.texts), src.main, src.main_texts.tolist(), src.interviews
    (['comments'], 'comments', ['太慢'], None)
    """
    found = {"complaints": tickets["description"] if tickets is not None and "description" in tickets else None,
             "comments": answers["comment"] if answers is not None and "comment" in answers else None}
    texts = {k: s for k, s in found.items() if s is not None and s.notna().any()}
    notes = attach_region(recent(interviews, "interview_date", period), customers) if interviews is not None else None
    score = metrics.score_column(answers)
    scores = answers[score] if "comments" in texts and score is not None else None
    return TextSources(texts, scores, notes, tuple(names_to_mask(contacts, customers)))


def recent(df: pd.DataFrame, column: str, period: Period, months: int = 12) -> pd.DataFrame:
    """Rows of ``df`` dated in the ``months`` months up to the end of ``period`` (e.g. interviews, which are few a quarter)."""
    end = period.end_exclusive
    return df.loc[(df[column] >= end - pd.DateOffset(months=months)) & (df[column] < end)]


def top_phrases(terms: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """The ``top`` most widespread two-word phrases of :func:`salesnb.text.frequent_terms` output.

    Examples
    --------
    >>> top_phrases(pd.DataFrame({"term": ["slow", "too slow", "not good"], "kind": ["word", "phrase", "phrase"]}), 1)["term"].tolist()
    ['too slow']
    """
    return terms.loc[terms["kind"] == "phrase"].head(top)


# -- themes

def theme_keywords(text_cfg) -> dict[str, list[str]]:
    """The keyword rules of the text themes (``text.themes``): theme key → keywords, for :func:`salesnb.text.code_themes`.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> theme_keywords(NS(themes=[NS(key="slow", keywords=["慢", "late"])]))
    {'slow': ['慢', 'late']}
    """
    return {th.key: th.keywords for th in text_cfg.themes}


def theme_problem_types(text_cfg) -> dict[str, str]:
    """Theme key → the problem type it points to, for the themes that have one (``problem_type``).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> theme_problem_types(NS(themes=[NS(key="slow", problem_type="slow_after_sales_response"), NS(key="praise", problem_type=None)]))
    {'slow': 'slow_after_sales_response'}
    """
    return {th.key: th.problem_type for th in text_cfg.themes if th.problem_type}


@dataclass(frozen=True)
class ThemeFlags:
    """Theme coding (:func:`salesnb.text.code_themes`) of the survey comments and of the interview notes (None when absent)."""

    comments: pd.DataFrame | None
    interviews: pd.DataFrame | None
    complaints: pd.DataFrame | None = None
    """The period's complaint descriptions (None without any)."""


def theme_flags(sources: TextSources, keywords: dict[str, list[str]]) -> ThemeFlags:
    """Code the survey comments and the interview notes of ``sources`` with the theme ``keywords``.

    Examples
    --------
    >>> src = TextSources({"comments": pd.Series(["售后太慢", "很好"])}, pd.Series([2, 10]), None)
    >>> flags = theme_flags(src, {"slow": ["慢"]})
    >>> flags.comments["slow"].tolist(), flags.interviews, flags.complaints
    ([True, False], None, None)
    """
    comments = text.code_themes(sources.texts["comments"], keywords) if "comments" in sources.texts else None
    interviews = text.code_themes(sources.interviews["notes"], keywords) if sources.interviews is not None else None
    complaints = text.code_themes(sources.texts["complaints"].dropna(), keywords) if "complaints" in sources.texts else None
    return ThemeFlags(comments, interviews, complaints)


def theme_tables(sources: TextSources, keywords: dict[str, list[str]], quotes: int = 3) -> pd.DataFrame:
    """Mentions, share and masked quotes per theme for every text source (:func:`salesnb.text.theme_table`), stacked.

    Sources in order: complaints, comments (quotes of the lowest scores first),
    then interviews when there are any.

    Returns
    -------
    DataFrame with ``theme``, ``mentions``, ``share`` (of the source's texts),
    ``quotes`` (a list) and ``source``.

    Examples
    --------
    >>> src = TextSources({"complaints": pd.Series(["售后太慢", "价格贵", "售后慢"])}, None,
    ...                   pd.DataFrame({"notes": ["售后要快", "ok"]}))
    >>> theme_tables(src, {"slow": ["慢", "快"], "price": ["价格"]}, quotes=0)[["source", "theme", "mentions"]].values.tolist()
    [['complaints', 'slow', 2], ['complaints', 'price', 1], ['interviews', 'slow', 1], ['interviews', 'price', 0]]
    """
    tables = [text.theme_table(s, text.code_themes(s, keywords), quotes, sources.names,
                               order_by=sources.comment_scores if k == "comments" else None).assign(source=k)
              for k, s in sources.texts.items()]
    if sources.has_interviews:
        notes = sources.interviews["notes"]
        tables.append(text.theme_table(notes, text.code_themes(notes, keywords), quotes, sources.names).assign(source="interviews"))
    if not tables:
        return pd.DataFrame(columns=["theme", "mentions", "share", "quotes", "source"])
    return pd.concat(tables, ignore_index=True)


def source_themes(themes: pd.DataFrame, source: str) -> pd.DataFrame:
    """The rows of :func:`theme_tables` output of one source.

    Examples
    --------
    >>> source_themes(pd.DataFrame({"theme": ["a", "b"], "source": ["complaints", "comments"]}), "comments")["theme"].tolist()
    ['b']
    """
    return themes.loc[themes["source"] == source]


def theme_impact(answers: pd.DataFrame, flags: pd.DataFrame, min_n: int = 30) -> pd.DataFrame:
    """NPS of the answers whose comment mentions each theme against those whose comment does not.

    ``flags`` are :func:`salesnb.text.code_themes` on ``answers["comment"]``;
    answers without a comment are left out of both groups.

    Returns
    -------
    DataFrame with ``theme``, ``mentions``, ``nps_with``, ``nps_without``,
    ``difference``, ``p_value`` (z test) and ``reliable``; when the answers
    have no ``nps`` column, ``score_with`` and ``score_without`` (mean
    satisfaction 1–5, Welch's t) instead of the NPS columns.
    """
    has = answers["comment"].map(lambda x: isinstance(x, str) and bool(x.strip())) if "comment" in answers else pd.Series(False, index=answers.index)
    rows = []
    if not metrics.has_nps(answers):  # the recommend question is not asked: mean satisfaction (1–5), Welch's t
        for key in flags.columns:
            f = flags[key].reindex(answers.index, fill_value=False) & has
            test = survey.welch_test(answers.loc[f, "satisfaction"], answers.loc[has & ~f, "satisfaction"])
            rows.append({"theme": key, "mentions": int(f.sum()), "score_with": test.current, "score_without": test.previous,
                         "difference": test.change, "p_value": test.p_value, "reliable": int(answers.loc[f, "satisfaction"].notna().sum()) >= min_n})
        return pd.DataFrame(rows, columns=["theme", "mentions", "score_with", "score_without", "difference", "p_value", "reliable"])
    for key in flags.columns:
        f = flags[key].reindex(answers.index, fill_value=False) & has
        a, b = metrics.nps(answers.loc[f, "nps"]), metrics.nps(answers.loc[has & ~f, "nps"])
        test = survey.nps_change_test(a, b)
        rows.append({"theme": key, "mentions": int(f.sum()), "nps_with": a.nps, "nps_without": b.nps,
                     "difference": test.change, "p_value": test.p_value, "reliable": a.n >= min_n})
    return pd.DataFrame(rows, columns=["theme", "mentions", "nps_with", "nps_without", "difference", "p_value", "reliable"])
