"""Free text: jieba tokenisation with a user dictionary, frequent words and
phrases, keyword themes, suggestions and masking of personal data."""
from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from salesnb import text


def test_jieba_keeps_a_user_dictionary_word_whole():
    sentence = "智控云平台的数据看板很好用"
    plain = text.tokenize(sentence)
    assert "智控云平台" not in plain  # jieba alone cuts the product name apart
    with_user = text.tokenize(sentence, user_words=("智控云平台",))
    assert with_user[0] == "智控云平台"
    assert "的" not in with_user and "很" not in with_user  # built-in stop words


def test_tokenize_chinese_sentences_drops_punctuation_numbers_and_workspace_stopwords():
    toks = text.tokenize("售后响应太慢，报修后等了72小时才有工程师回电！", user_words=("售后响应",), stopwords=("工程师",))
    assert toks == ["售后响应", "太慢", "报修", "小时", "回电"]


def test_tokenize_latin_languages_lowercases_and_keeps_negations():
    assert text.tokenize("The product NEVER arrived, not good!") == ["product", "never", "arrived", "not", "good"]
    assert text.tokenize("O produto não chegou até hoje") == ["produto", "não", "chegou", "hoje"]
    assert text.detect_lang("O produto não chegou até hoje") == "pt"


def test_synonyms_map_variants_to_one_term():
    assert text.tokenize("客服电话不通", synonyms={"售后": ["客服"]})[0] == "售后"


def test_frequent_words_and_phrases_with_share_of_texts():
    texts = pd.Series(["售后响应太慢，售后响应太慢", "售后响应很慢", "价格太贵", None, " "])
    opts = text.TextOptions(user_words=("售后响应",))
    terms = text.frequent_terms(texts, opts, top=5).set_index(["term", "kind"])
    # three non-blank texts; 售后响应 occurs 3 times in 2 of them
    assert terms.loc[("售后响应", "word"), "count"] == 3
    assert terms.loc[("售后响应", "word"), "texts"] == 2
    assert terms.loc[("售后响应", "word"), "share_of_texts"] == pytest.approx(2 / 3)
    assert terms.loc[("售后响应 太慢", "phrase"), "texts"] == 1
    assert terms.loc[("售后响应", "word"), "lang"] == "zh"
    assert ("慢", "word") not in terms.index  # single characters are not listed as words


def test_english_phrases_keep_negations_but_not_as_words():
    terms = text.frequent_terms(["Parcel not delivered", "parcel not delivered yet", "great parcel"], top=10)
    words = set(terms.loc[terms["kind"] == "word", "term"])
    phrases = terms.loc[terms["kind"] == "phrase"].set_index("term")
    assert "not" not in words and "parcel" in words
    assert phrases.loc["not delivered", "texts"] == 2
    assert terms.loc[terms["term"] == "parcel", "share_of_texts"].iloc[0] == pytest.approx(1.0)


def test_code_themes_matches_chinese_substrings_and_latin_whole_words():
    texts = pd.Series(["售后一直不回电", "chocolate cake", "Delivery was LATE", None])
    flags = text.code_themes(texts, {"slow": ["回电", "late"], "cake": ["cake"]})
    assert flags["slow"].tolist() == [True, False, True, False]
    assert flags["cake"].tolist() == [False, True, False, False]


def test_theme_table_counts_shares_and_masks_quotes():
    texts = pd.Series(["售后慢，请联系王伟 13912345678", "售后慢，请联系王伟 13912345678", "价格贵", "售后不回电"])
    flags = text.code_themes(texts, {"after_sales": ["售后"], "price": ["价格"], "billing": ["发票"]})
    table = text.theme_table(texts, flags, quotes=2, names=["王伟"]).set_index("theme")
    assert table.loc["after_sales", "mentions"] == 3 and table.loc["after_sales", "share"] == pytest.approx(0.75)
    assert table.loc["billing", "mentions"] == 0
    quotes = table.loc["after_sales", "quotes"]
    assert quotes[0] == "售后慢，请联系王* ***********"  # the most repeated text first, masked
    assert all("1391" not in q and "王伟" not in q for q in quotes)


def test_theme_table_prefers_the_lowest_scored_quotes():
    texts = pd.Series(["响应很快", "响应太慢了"])
    flags = text.code_themes(texts, {"resp": ["响应"]})
    assert text.theme_table(texts, flags, quotes=1, order_by=pd.Series([10, 2]))["quotes"].iloc[0] == ["响应太慢了"]


@pytest.mark.parametrize("raw, masked", [
    ("手机 138-1234-5678", "手机 ***-****-****"),
    ("+86 13812345678 请回电", "*** *********** 请回电"),
    ("座机 (021)62345678", "座机 *************"),
    ("mail: li.na@example.com.cn.", "mail: ***@***."),
    ("身份证 11010519491231002X", "身份证 ******************"),
    ("与陈志强（服务总监）面谈", "与陈**（服务总监）面谈"),
    ("Spoke to Mr. John Smith", "Spoke to Mr. J*** S****"),
])
def test_mask_pii_hides_phones_emails_ids_and_names(raw, masked):
    assert text.mask_pii(raw) == masked


def test_mask_pii_uses_the_known_names_and_leaves_plain_text_alone():
    assert text.mask_pii("客户李海燕反映", names=["李海燕", "x"]) == "客户李**反映"
    assert text.mask_pii("价格偏高（同行更低）") == "价格偏高（同行更低）"
    assert text.mask_pii("订单 2025 共 12 台") == "订单 2025 共 12 台"


def test_suggestions_are_counted_across_texts():
    notes = pd.Series(["客户很满意。建议简化售后流程。希望提供培训！", "建议简化售后流程", "没有意见"])
    s = text.suggestions(notes).set_index("suggestion")
    assert s.loc["建议简化售后流程", "texts"] == 2
    assert s.loc["建议简化售后流程", "share"] == pytest.approx(2 / 3)
    assert s.loc["希望提供培训", "texts"] == 1


def test_jieba_cache_goes_to_a_writable_folder_and_nothing_is_printed(tmp_path):
    env = {**os.environ, "SALESNB_CACHE": str(tmp_path)}
    code = "from salesnb.text import tokenize; print(tokenize('售后响应太慢'))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # jieba's "Building prefix dict …" is silenced
    assert (tmp_path / "jieba.cache").is_file()


def test_real_food_delivery_complaints_excerpt():
    """20 negative reviews of waimai_10k (SophonPlus ChineseNlpCorpus), checked against plain substring counts."""
    from conftest import ROOT

    import jieba

    reviews = pd.read_csv(ROOT / "tests" / "fixtures" / "waimai_negative_excerpt.csv")["review"]
    terms = text.frequent_terms(reviews, text.TextOptions(), top=10).set_index(["term", "kind"])
    # a word counts where jieba's own cut of the review holds it ("半小时" is a word of its own, not "小时")
    cuts = [jieba.lcut(r) for r in reviews]
    for word in ("小时", "味道"):
        want = sum(word in c for c in cuts)
        assert terms.loc[(word, "word"), "texts"] == want
        assert terms.loc[(word, "word"), "share_of_texts"] == pytest.approx(want / len(reviews))
    flags = text.code_themes(reviews, {"slow": ["小时", "太慢", "等了"], "taste": ["味道", "不好吃", "太甜"]})
    assert flags["slow"].sum() == reviews.str.contains("小时|太慢|等了").sum()
    assert flags["taste"].sum() == reviews.str.contains("味道|不好吃|太甜").sum()
