"""Step 3's diagnosis tools on real Portuguese reviews: the Olist "classified" orders.

The data set (3,584 rows of orders of the Brazilian marketplace Olist,
2017-02 … 2018-04 — 3,185 customer reviews once the rows that repeat a
multi-seller order's review are merged — each with its review: score 1–5, a Portuguese comment,
purchase / estimated / actual delivery dates and crowd-voted complaint labels
``most_voted_class`` / ``most_voted_subclass``; CC BY-NC-SA 4.0) is not part
of the project. This script runs salesnb's step-3 functions on it and prints
what examples/README.md reports::

    .venv/bin/python examples/olist.py ../shared/data/olist_classified_public_dataset.csv

What it runs:

- **Delivery delay vs review score**: delay = actual delivery day −
  estimated delivery day (days; negative = early), for delivered orders;
  mean score and share of 1–2 scores per delay band, late vs on time
  compared with :func:`salesnb.survey.welch_test`, Spearman's rank
  correlation. Orders without an actual delivery date are counted apart;
- **Pareto of complaint classes** (:func:`salesnb.diagnosis.pareto`, 80 %
  threshold): the crowd's ``most_voted_class`` and, inside the complaints,
  ``most_voted_subclass``. Orders nobody labelled are counted and left out;
  the satisfied class (and its ``antes_prazo`` "early" subclass) is not a
  complaint;
- **Key drivers** (:func:`salesnb.diagnosis.key_drivers`, Johnson's relative
  weights with a bootstrap interval) of the review score over order facts
  (delay, days to deliver, late, freight share, items, sellers, value). This
  is not the survey use the function was written for (1–5 dimension scores):
  the "performance" column is meaningless here and is not shown;
- **Text** (:mod:`salesnb.text`): language detection, frequent words and
  phrases of the comments, Portuguese keyword themes checked against the
  crowd labels (precision / recall), suggestions; and what the Portuguese
  support does not do (no stemming, accents kept apart, negation ignored by
  keyword themes, no domain stop words).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from salesnb.diagnosis import key_drivers, pareto
from salesnb.survey import welch_test
from salesnb.text import TextOptions, code_themes, detect_lang, frequent_terms, suggestions, theme_table, tokenize

DELAY_BANDS = [(-np.inf, -15, "15+ days early"), (-14, -8, "8–14 days early"), (-7, -1, "1–7 days early"),
               (0, 0, "on the estimated day"), (1, 3, "1–3 days late"), (4, 7, "4–7 days late"), (8, np.inf, "8+ days late")]
"""Delay bands in whole days (delivered day − estimated day), inclusive."""

THEMES_PT: dict[str, list[str]] = {
    # Latin keywords match whole words: every inflection must be listed (no stemming)
    "delivery": ["atraso", "atrasado", "atrasada", "atrasou", "atrasados", "não chegou", "nao chegou", "não recebi", "nao recebi",
                 "não foi entregue", "nao foi entregue", "não entregue", "nao entregue", "não entregaram", "nao entregaram",
                 "aguardando", "esperando", "demora", "demorou", "extraviado"],
    "partial_delivery": ["faltou", "falta", "faltando", "veio apenas", "veio só", "somente", "só recebi", "so recebi", "metade",
                         "incompleto", "um dos", "uma das"],
    "quality": ["defeito", "defeituoso", "quebrado", "quebrada", "danificado", "danificada", "estragado", "estragada",
                "não funciona", "nao funciona", "parou de funcionar", "frágil", "fragil", "má qualidade", "ma qualidade",
                "péssima qualidade", "pessima qualidade", "baixa qualidade", "qualidade ruim", "falsificado", "rasgado"],
    "not_as_advertised": ["diferente", "anúncio", "anuncio", "anunciado", "errado", "errada", "outro produto", "cor"],
    "return_refund": ["devolução", "devolucao", "devolver", "trocar", "troca", "reembolso", "estorno", "cancelar", "cancelamento"],
}
"""Portuguese complaint themes as keyword rules (matched as whole words or phrases, case-insensitive).

``delivery`` and ``quality`` name *problems* (atraso, não chegou, defeito, má qualidade …): the plain
words entrega, entregue, prazo, chegou, qualidade are as frequent in praise ("chegou antes do prazo",
"ótima qualidade"); ``NAIVE_DELIVERY`` measures that."""

NAIVE_DELIVERY = ["entrega", "entregue", "prazo", "chegou", "atraso", "atrasado", "atrasou"]

LABEL_OF_THEME = {"delivery": ("class", "problemas_de_entrega"), "quality": ("class", "problemas_de_qualidade"),
                  "partial_delivery": ("subclass", "entrega_parcial"), "not_as_advertised": ("subclass", "diferente_do_anunciado"),
                  "return_refund": ("subclass", "devolucao")}
"""The crowd label each theme is checked against."""

PT_DOMAIN_STOPWORDS = ("produto", "produtos", "compra", "loja", "pedido")
"""Words in nearly every review (the object of the sentence), shown as a tuned option."""


REVIEW_KEY = ["order_purchase_timestamp", "customer_zip_code_prefix", "review_creation_date", "review_score", "review_comment_message"]
"""Rows sharing these are one customer review repeated for each seller's part of a multi-seller order."""


def load(source: str | Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per customer review with ``delay_days``, ``days_to_deliver``, ``late`` and ``comment``;
    the counts of what was merged or set aside.

    The file has one row per order *part* (an order with several sellers can
    appear several times, with the same purchase time, customer, review date,
    score and comment). Those rows are merged into one review: values,
    freight and items are summed; the delivery is the last part's (not
    delivered when any part is not); the crowd's labels are the first row's
    (``parts_with_other_labels`` counts reviews whose parts were labelled
    differently).
    """
    raw = pd.read_csv(source, encoding="utf-8")
    counts = {"rows": len(raw)}
    raw = raw.sort_values("id", kind="mergesort")
    raw["_delivered"] = pd.to_datetime(raw["order_delivered_customer_date"])
    raw["_estimated"] = pd.to_datetime(raw["order_estimated_delivery_date"])
    g = raw.groupby(REVIEW_KEY, dropna=False, sort=False)
    df = pd.DataFrame({
        "order_id": g["id"].first().astype(str),
        "parts": g.size(),
        "score": g["review_score"].first().astype(float),
        "comment": g["review_comment_message"].first(),
        "value": g["order_products_value"].sum(),
        "freight": g["order_freight_value"].sum(),
        "items": g["order_items_qty"].sum().astype(float),
        "sellers": g["order_sellers_qty"].first().astype(float),
        "purchased": pd.to_datetime(g["order_purchase_timestamp"].first()),
        "estimated": g["_estimated"].max(),
        "delivered": g["_delivered"].max().where(g["_delivered"].count() == g.size()),
        "label_class": g["most_voted_class"].first(),
        "label_subclass": g["most_voted_subclass"].first(),
    }).reset_index(drop=True)
    counts["rows_merged_into_reviews"] = int(len(raw) - len(df))
    counts["reviews"] = len(df)
    counts["parts_with_other_labels"] = int((g["most_voted_class"].nunique(dropna=False) > 1).sum())
    df["freight_share"] = df["freight"] / (df["value"] + df["freight"])
    df["delay_days"] = (df["delivered"].dt.normalize() - df["estimated"].dt.normalize()).dt.days
    df["days_to_deliver"] = (df["delivered"] - df["purchased"]).dt.total_seconds() / 86400
    df["late"] = (df["delay_days"] > 0).where(df["delivered"].notna())
    counts["not_delivered"] = int(df["delivered"].isna().sum())
    counts["without_label"] = int(df["label_class"].isna().sum())
    counts["without_comment"] = int(df["comment"].fillna("").str.strip().eq("").sum())
    return df, counts


# --------------------------------------------------------------------------- delivery delay


def delay_table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean score and share of 1–2 scores per delay band (delivered orders), plus the undelivered ones."""
    rows = []
    d = df.loc[df["delivered"].notna()]
    for lo, hi, label in DELAY_BANDS:
        g = d.loc[(d["delay_days"] >= lo) & (d["delay_days"] <= hi)]
        rows.append({"band": label, "reviews": len(g), "mean_score": g["score"].mean(), "share_1_2": (g["score"] <= 2).mean(),
                     "share_5": (g["score"] == 5).mean()})
    g = df.loc[df["delivered"].isna()]
    rows.append({"band": "not delivered", "reviews": len(g), "mean_score": g["score"].mean(), "share_1_2": (g["score"] <= 2).mean(),
                 "share_5": (g["score"] == 5).mean()})
    return pd.DataFrame(rows)


def delay_effect(df: pd.DataFrame) -> dict:
    """Late vs on time or early: mean scores, Welch's t test, Spearman's rho of delay and score."""
    from scipy import stats

    d = df.loc[df["delivered"].notna()]
    test = welch_test(d.loc[d["late"] == True, "score"], d.loc[d["late"] == False, "score"])  # noqa: E712
    rho, p_rho = stats.spearmanr(d["delay_days"], d["score"])
    return {"delivered": len(d), "late": int((d["late"] == True).sum()), "late_share": float((d["late"] == True).mean()),  # noqa: E712
            "mean_late": test.current, "mean_on_time": test.previous, "difference": test.change, "t": test.statistic,
            "df": test.df, "p_value": test.p_value, "spearman_rho": float(rho), "spearman_p": float(p_rho),
            "median_delay_days": float(d["delay_days"].median())}


# --------------------------------------------------------------------------- Pareto and drivers


def complaint_paretos(df: pd.DataFrame, threshold: float = 0.8) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Pareto of the crowd's classes (all labelled orders), of the complaint classes, and of the complaint subclasses."""
    labelled = df.loc[df["label_class"].notna()]
    complaints = labelled.loc[labelled["label_class"] != "satisfeito_com_pedido"]
    return (pareto(labelled["label_class"].value_counts(), threshold),
            pareto(complaints["label_class"].value_counts(), threshold),
            pareto(complaints["label_subclass"].value_counts(), threshold))


DRIVERS = ["delay_days", "late", "days_to_deliver", "freight_share", "items", "sellers", "value"]


def drivers(df: pd.DataFrame, bootstrap: int = 200, seed: int = 2025) -> pd.DataFrame:
    """Relative weights of the order facts for the review score (delivered orders; delay capped at ±30 days)."""
    d = df.loc[df["delivered"].notna()].assign(late=lambda x: x["late"].astype(float),
                                                delay_days=lambda x: x["delay_days"].clip(-30, 30))
    out = key_drivers(d, DRIVERS, outcome="score", bootstrap=bootstrap, seed=seed)
    return out.drop(columns="performance").sort_values("importance", ascending=False).reset_index(drop=True)


# --------------------------------------------------------------------------- text


def text_analysis(df: pd.DataFrame, top: int = 20) -> dict:
    """Frequent terms, languages detected, themes against the crowd's labels, and Portuguese limitations."""
    c = df.loc[df["comment"].fillna("").str.strip() != ""]
    texts = c["comment"].reset_index(drop=True)
    langs = texts.map(detect_lang).value_counts()
    terms = frequent_terms(texts, TextOptions(), top=top)
    tuned = frequent_terms(texts, TextOptions(stopwords=PT_DOMAIN_STOPWORDS), top=top)
    flags = code_themes(texts, THEMES_PT)
    themes = theme_table(texts, flags, quotes=2, order_by=c["score"].reset_index(drop=True))
    checks = []
    labels = c[["label_class", "label_subclass"]].reset_index(drop=True)
    known = labels["label_class"].notna()
    for theme, (level, label) in LABEL_OF_THEME.items():
        truth = labels[f"label_{level}"] == label
        hit = flags[theme]
        tp = int((hit & truth & known).sum())
        checks.append({"theme": theme, "crowd_label": label, "coded": int((hit & known).sum()), "labelled": int((truth & known).sum()),
                       "both": tp, "precision": tp / max(int((hit & known).sum()), 1), "recall": tp / max(int((truth & known).sum()), 1),
                       "coded_among_satisfied": int((hit & (labels["label_class"] == "satisfeito_com_pedido")).sum())})
    # what Portuguese support does not do
    tokens = pd.Series([tok for t in texts for tok in tokenize(t)])
    vc = tokens.value_counts()
    families = {"chegar": r"^cheg", "entregar": r"^entreg", "receber": r"^receb"}
    stems = {k: vc[vc.index.str.contains(rx, regex=True)].head(6).to_dict() for k, rx in families.items()}
    accents = {}
    for plain, accented in (("nao", "não"), ("otimo", "ótimo"), ("rapida", "rápida"), ("rapido", "rápido"), ("anuncio", "anúncio"),
                            ("pessimo", "péssimo"), ("otima", "ótima")):
        accents[f"{accented}/{plain}"] = (int(vc.get(accented, 0)), int(vc.get(plain, 0)))
    naive = code_themes(texts, {"d": NAIVE_DELIVERY})["d"]
    truth = labels["label_class"] == "problemas_de_entrega"
    naive_check = {"coded": int((naive & known).sum()), "both": int((naive & truth).sum()),
                   "coded_among_satisfied": int((naive & (labels["label_class"] == "satisfeito_com_pedido")).sum())}
    naive_check.update(precision=naive_check["both"] / max(naive_check["coded"], 1), recall=naive_check["both"] / max(int(truth.sum()), 1))
    neg = texts.str.contains(r"\b(?:não|nao)\s+(?:chegou|recebi|veio|funciona)\b", regex=True)
    return {"texts": len(texts), "langs": langs.to_dict(), "terms": terms, "tuned_terms": tuned, "themes": themes,
            "theme_checks": pd.DataFrame(checks), "naive_delivery": naive_check, "stems": stems, "accents": accents, "negated_phrases": int(neg.sum()),
            "suggestions": suggestions(texts, top=5),
            "short_undetected": texts.loc[texts.map(detect_lang) == "en"].head(8).tolist()}


def main(source: str) -> None:
    pd.set_option("display.width", 220)
    pd.set_option("display.max_colwidth", 80)
    df, counts = load(source)
    for k, v in counts.items():
        print(f"{k:>18}: {v:,}")
    print("\n## review score vs delivery delay (delivered − estimated, days)")
    print(delay_table(df).round(3).to_string())
    eff = delay_effect(df)
    print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in eff.items()})
    print("\n## score by crowd class")
    print(df.groupby(df["label_class"].fillna("(no label)"))["score"].agg(["size", "mean"]).round(3).to_string())
    for name, table in zip(("classes (all labelled orders)", "complaint classes", "complaint subclasses"), complaint_paretos(df)):
        print(f"\n## Pareto: {name}")
        print(table.round(4).to_string())
    print("\n## key drivers of the review score (relative weights, share of R²)")
    dr = drivers(df)
    print(f"R² = {dr.attrs.get('r2', float('nan')):.4f}, n = {dr.attrs.get('n')}")
    print(dr.round(4).to_string())
    tx = text_analysis(df)
    print(f"\n## text: {tx['texts']:,} comments; detected languages {tx['langs']}")
    print("examples detected as 'en':", tx["short_undetected"])
    for name in ("terms", "tuned_terms"):
        t = tx[name]
        for kind in ("word", "phrase"):
            print(f"\n## {name}: {kind}s")
            print(t.loc[t["kind"] == kind, ["term", "texts", "share_of_texts", "lang"]].round(4).reset_index(drop=True).to_string())
    print("\n## Portuguese themes")
    print(tx["themes"].round(4).to_string())
    print("\n## themes vs the crowd's labels")
    print(tx["theme_checks"].round(3).to_string())
    print("naive delivery keywords (entrega, entregue, prazo, chegou, atras*):", {k: round(v, 3) for k, v in tx["naive_delivery"].items()})
    print("\nno stemming — inflections counted apart:", tx["stems"])
    print("accents kept apart (accented, plain):", tx["accents"])
    print("comments with não/nao + chegou/recebi/veio/funciona:", tx["negated_phrases"])
    print("\n## suggestions")
    print(tx["suggestions"].to_string())


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
