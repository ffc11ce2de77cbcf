"""Step 3's text analysis on real Chinese complaints: the waimai_10k food-delivery reviews.

The data set (11,987 reviews from a Chinese food-delivery platform, label 1 =
positive, 0 = negative; SophonPlus ChineseNlpCorpus) is not part of the
project. The negative reviews stand in for complaint texts; this script runs
``salesnb.text`` on them exactly as notebook 03 does for complaint
descriptions and prints what examples/README.md reports::

    .venv/bin/python examples/waimai.py ../shared/data/waimai_10k.csv

What it runs, and why:

- :func:`salesnb.text.frequent_terms` twice: with salesnb's default text
  settings (what a workspace without a ``text:`` section gets) and with
  ``TUNED`` — user words a food-delivery analyst would add so jieba keeps
  送餐员, 不好吃, 凉了 … whole, plus stop words for the platform's name;
- :func:`salesnb.text.code_themes` / :func:`theme_table` with ``THEMES``,
  keyword rules for food delivery (the built-in themes are written for B2B
  after-sales service; their coverage on these texts is printed too);
- :func:`salesnb.text.suggestions`;
- hand checks: plain substring counts (``str.contains``) of 送餐, 慢, 凉 …
  against what the tokenised counts and the themes say, and the dish names
  (凉皮, 凉面 …) that a 凉 keyword also catches.

Reviews without text are set aside and counted (there are none in the
published file); repeated identical reviews are kept (each is a review).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from salesnb.config import TextAnalysis
from salesnb.text import TextOptions, code_themes, frequent_terms, suggestions, theme_table

TUNED = TextOptions(
    user_words=("送餐员", "外卖小哥", "送餐慢", "不好吃", "没法吃", "凉了", "凉透", "太咸", "量少", "送错", "少送", "漏送",
                "打不通", "不新鲜", "配送费"),
    stopwords=("外卖", "百度", "美团", "饿了么", "一份", "点的", "结果"),
)
"""What a food-delivery analyst would put under ``text:`` in workspace.yaml (user_words, stopwords)."""

THEMES: dict[str, list[str]] = {
    "slow_delivery": ["慢", "小时", "分钟", "超时", "晚了", "等了", "太久", "迟到", "催单", "才到", "才送到"],
    "cold_food": ["凉了", "凉透", "都凉", "全凉", "已经凉", "冰凉", "菜凉", "饭凉", "凉的", "冷了", "不热", "没有热"],
    "taste": ["难吃", "味道", "口味", "不好吃", "太咸", "咸了", "太淡", "太油", "油腻", "没味"],
    "freshness_hygiene": ["不新鲜", "变质", "馊", "坏了", "头发", "虫", "苍蝇", "不干净", "卫生", "拉肚子"],
    "portion": ["量少", "量太少", "份量", "分量", "量小", "太少"],
    "wrong_or_missing": ["送错", "漏送", "少送", "没送", "少了", "没有送", "忘了"],
    "service_attitude": ["态度", "客服", "骂", "不耐烦", "服务"],
    "packaging_spill": ["洒", "撒", "包装", "漏了", "盒子"],
    "price": ["贵", "价格", "配送费", "不值", "性价比"],
    "cancel_refund": ["取消", "退款", "退单", "退钱"],
}
"""Food-delivery themes as keyword rules (Chinese keywords match as substrings).

``cold_food`` lists 凉了, 凉透 … rather than 凉 alone: a bare 凉 also matches the
dishes 凉皮, 凉面, 凉菜, 凉拌 (``analyse`` counts what the bare keyword would give)."""

HAND_CHECKS = ("送餐", "送餐员", "慢", "太慢", "凉", "味道", "难吃", "小时", "态度")
DISH_NAMES = ("凉皮", "凉面", "凉菜", "凉拌", "凉茶")


def load(source: str | Path) -> tuple[pd.Series, dict[str, int]]:
    """The negative reviews (label 0) and the counts of what was read and set aside."""
    raw = pd.read_csv(source, dtype={"label": "Int64", "review": str}, encoding="utf-8")
    counts = {"reviews": len(raw), "negative": int((raw["label"] == 0).sum()), "positive": int((raw["label"] == 1).sum())}
    neg = raw.loc[raw["label"] == 0, "review"]
    blank = neg.isna() | (neg.fillna("").str.strip() == "")
    counts["negative_blank_set_aside"] = int(blank.sum())
    neg = neg.loc[~blank]
    counts["negative_repeated_texts"] = int(neg.duplicated().sum())
    counts["texts"] = len(neg)
    return neg.reset_index(drop=True), counts


def analyse(texts: pd.Series, top: int = 20) -> dict:
    """Everything the README reports, as tables."""
    n = len(texts)
    default_terms = frequent_terms(texts, TextOptions.from_config(TextAnalysis()), top=top)
    tuned_terms = frequent_terms(texts, TUNED, top=top)
    flags = code_themes(texts, THEMES)
    themes = theme_table(texts, flags, quotes=2)
    builtin = {th.key: th.keywords for th in TextAnalysis().themes}
    builtin_table = theme_table(texts, code_themes(texts, builtin), quotes=0)
    any_theme = flags.any(axis=1)
    sugg = suggestions(texts, top=10)
    requested_time = texts.str.contains(r"要求[^,，。!！?？]{0,12}(?:送到|送过来|送达|到)", regex=True)

    def term_texts(table: pd.DataFrame, term: str) -> int | None:
        hit = table.loc[table["term"] == term, "texts"]
        return int(hit.iloc[0]) if len(hit) else None

    hand = pd.DataFrame([{"string": s, "substring_texts": int(texts.str.contains(s, regex=False).sum()),
                          "default_word_texts": term_texts(default_terms, s), "tuned_word_texts": term_texts(tuned_terms, s)}
                         for s in HAND_CHECKS])
    hand["substring_share"] = hand["substring_texts"] / n
    dishes = {d: int(texts.str.contains(d, regex=False).sum()) for d in DISH_NAMES}
    cold_dish_only = texts.str.contains("凉") & ~texts.str.replace("|".join(DISH_NAMES), "", regex=True).str.contains("凉")
    bare_cold = code_themes(texts, {**THEMES, "cold_food": ["凉", "冷了", "不热", "没有热"]})["cold_food"]
    return {"n": n, "default_terms": default_terms, "tuned_terms": tuned_terms, "themes": themes, "builtin_themes": builtin_table,
            "coded_share": float(any_theme.mean()), "uncoded": int((~any_theme).sum()), "themes_per_text": float(flags.sum(axis=1).mean()),
            "suggestions": sugg, "marker_texts": int(texts.str.contains("建议|希望|要求|最好", regex=True).sum()),
            "requested_time_texts": int(requested_time.sum()), "hand": hand, "dish_names": dishes,
            "cold_only_from_dish_names": int(cold_dish_only.sum()), "cold_food_bare_keyword": int(bare_cold.sum())}


def _show(title: str, df: pd.DataFrame) -> None:
    print(f"\n## {title}\n{df.to_string()}")


def main(source: str) -> None:
    pd.set_option("display.width", 220)
    pd.set_option("display.max_colwidth", 70)
    texts, counts = load(source)
    for k, v in counts.items():
        print(f"{k:>28}: {v:,}")
    r = analyse(texts)
    cols = ["term", "texts", "share_of_texts"]
    for name in ("default_terms", "tuned_terms"):
        t = r[name]
        _show(f"{name}: words", t.loc[t["kind"] == "word", cols].round(4).reset_index(drop=True))
        _show(f"{name}: phrases", t.loc[t["kind"] == "phrase", cols].round(4).reset_index(drop=True))
    _show("food-delivery themes", r["themes"].round(4))
    print(f"\ntexts with at least one theme: {r['coded_share']:.1%} (uncoded {r['uncoded']:,}); themes per text {r['themes_per_text']:.2f}")
    _show("built-in (B2B) themes on the same texts", r["builtin_themes"][["theme", "mentions", "share"]].round(4))
    _show("hand checks (substring counts vs tokenised word counts)", r["hand"].round(4))
    print(f"\ndish names containing 凉: {r['dish_names']}; texts whose only 凉 is in a dish name: {r['cold_only_from_dish_names']}; "
          f"cold_food with a bare 凉 keyword: {r['cold_food_bare_keyword']} texts (vs {int(r['themes'].set_index('theme').loc['cold_food', 'mentions'])})")
    _show("suggestions", r["suggestions"].round(5))
    print(f"\ntexts with a suggestion marker (建议/希望/要求/最好): {r['marker_texts']}; "
          f"of them '要求 … 送到' (a requested delivery time, not a suggestion): {r['requested_time_texts']}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
