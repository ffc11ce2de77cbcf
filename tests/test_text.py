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
    assert terms.loc[("售后响应太慢", "phrase"), "texts"] == 1  # a Chinese phrase is written without a space
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


# --------------------------------------------------------------------------- issue 14: text on other corpora

LOW_CONTENT = ("不是", "知道", "不能", "不会", "不要", "第一次", "还是", "就是", "觉得")


def test_low_content_chinese_words_are_stop_words_by_default():
    texts = ["我不知道为什么送餐这么慢", "不是我点的菜，第一次就送错", "觉得还是不要点了，不能吃", "味道不会差"]
    terms = text.frequent_terms(texts, top=50)
    listed = set(terms["term"])
    assert not listed & set(LOW_CONTENT)
    assert not [t for t in listed if any(w in t for w in ("知道", "不是", "第一次"))]  # nor inside phrases (不知道)
    assert "送错" in listed and "送餐" in listed  # content words stay
    assert set(LOW_CONTENT) <= text.STOPWORDS["zh"]


def test_low_content_words_are_gone_from_the_waimai_excerpt():
    from conftest import ROOT

    reviews = pd.read_csv(ROOT / "tests" / "fixtures" / "waimai_negative_excerpt.csv")["review"]
    terms = text.frequent_terms(reviews, top=200)
    # before: 结果 (2 reviews), 可能, 不能, 为什么, 知道 … were listed words and 不 知道, 结果 告诉 … phrases
    assert not [t for t in terms["term"] if any(w in t for w in ("结果", "可能", "不能", "为什么", "知道", "竟然", "这家"))]
    assert reviews.str.contains("结果").sum() == 2 and reviews.str.contains("知道").sum() == 1


def test_handles_and_html_entities_are_not_terms():
    texts = ["@小明 送餐太慢 &amp; 凉了", "Great food &amp; service @bob_99", "//@王大锤: 送餐太慢", "It&#39;s cold &quot;food&quot;"]
    terms = text.frequent_terms(texts, top=50)
    listed = set(terms["term"])
    assert not listed & {"amp", "quot", "小明", "bob", "王大锤", "39"}
    assert not [t for t in listed if "amp" in t.split() or "bob" in t]
    assert terms.set_index(["term", "kind"]).loc[("food", "word"), "texts"] == 2  # "&quot;food&quot;" → "food"
    assert text.tokenize("@小明 &amp; 凉了") == ["凉"]  # 凉了 → 凉 (了 is a stop word); 小明 and amp are gone
    assert text.code_themes(pd.Series(["@ampere 太慢"]), {"amp": ["amp"], "慢": ["慢"]}).values.tolist() == [[False, True]]
    assert text.mask_pii("wang@x.com") == "***@***"  # an e-mail address is not a handle
    assert text.mask_pii("@小明 送餐太慢 //@Ann_B: 同意") == "@** 送餐太慢 //@*****: 同意"  # a handle names a person: masked in quotes
    quotes = text.theme_table(pd.Series(["送餐太慢 &amp; 凉了"]), pd.DataFrame({"slow": [True]}))["quotes"].iloc[0]
    assert quotes == ["送餐太慢 & 凉了"]  # shown unescaped (the report escapes it once, not "&amp;amp;")


def test_chinese_phrases_are_written_without_a_space_english_ones_with():
    terms = text.frequent_terms(["不好吃，送餐太慢", "不好吃", "not delivered", "not delivered"], top=20)
    phrases = terms.loc[terms["kind"] == "phrase"].set_index("term")["texts"]
    assert phrases["不好吃"] == 2  # 不 + 好吃
    assert phrases["not delivered"] == 2
    assert not [t for t in phrases.index if " " in t and text._CJK.search(t)]


PRAISE_LABELLED = [  # hand-labelled: True = the comment only praises
    ("售后工程师很专业，响应也及时", True),
    ("服务态度很好，房间干净", True),
    ("没问题，很满意", True),
    ("Great service, fast delivery", True),
    ("Entrega rápida, produto ótimo", True),
    ("味道不错，就是送餐太慢", False),
    ("服务不好", False),
    ("希望售后响应快一点", False),
    ("房间一般", False),
    ("售后", False),
    ("great, but the parcel was late", False),
    ("didn't love it", False),
    ("não gostei da entrega", False),
    ("chocolate cake", False),
]


def test_praise_is_recognised_on_hand_labelled_comments():
    assert [text.is_praise(t) for t, _ in PRAISE_LABELLED] == [label for _, label in PRAISE_LABELLED]


def test_a_positive_comment_is_not_filed_under_a_complaint_theme():
    texts = pd.Series([t for t, _ in PRAISE_LABELLED])
    themes = {"after_sales": ["售后", "响应"], "delivery": ["送餐", "delivery", "entrega", "parcel"], "room": ["房间"]}
    flags = text.code_themes(texts, themes)
    # by hand: after_sales in rows 0 (praise), 7, 9; delivery in 3 (praise), 4 (praise), 5, 10, 12; room in 1 (praise), 8
    assert flags.index[flags["after_sales"]].tolist() == [7, 9]
    assert flags.index[flags["delivery"]].tolist() == [5, 10, 12]
    assert flags.index[flags["room"]].tolist() == [8]
    every = text.code_themes(texts, themes, skip_praise=False)
    assert every.index[every["after_sales"]].tolist() == [0, 7, 9]  # the keyword alone, as before


def test_praise_on_the_hotel_reviews_excerpt():
    """60 ChnSentiCorp hotel reviews (30 positive, 30 negative by the corpus's labels)."""
    from conftest import ROOT

    ex = pd.read_csv(ROOT / "tests" / "fixtures" / "chnsenticorp_htl_excerpt.csv")
    praise = ex["review"].map(text.is_praise)
    # the narrow test finds one review of pure praise, labelled positive; no negative review is taken for praise
    assert ex.loc[praise, "review"].tolist() == ["整体环境比较不错,离景点也很近,很方便.适合家庭旅游居住"]
    assert not (praise & (ex["label"] == 0)).any()
    flags = text.code_themes(ex["review"], {"room": ["房间"], "location": ["离", "位置"]})
    assert flags["location"].sum() == ex["review"].str.contains("离|位置").sum() - 1  # all but the praise
