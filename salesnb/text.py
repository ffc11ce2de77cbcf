"""Free text: tokenising Chinese and space-separated languages, frequent
words and phrases, keyword coding into themes, suggestions, and masking of
personal data in quotes.

Chinese is cut with jieba (a private tokenizer per user dictionary, its
dictionary cache kept in a writable cache folder, its logging silenced so
nothing reaches a report); English, Portuguese and other space-separated
languages are split on letters. Built-in stop words for Chinese, English and
Portuguese are extended by the workspace's (``text.stopwords``).

This module imports nothing from salesnb (bottom layer).

Examples
--------
>>> tokenize("售后响应太慢，报修后等了三天", user_words=("售后响应",))
['售后响应', '太慢', '报修', '三天']
>>> tokenize("The delivery was late, not good")
['delivery', 'late', 'not', 'good']
>>> mask_pii("请联系王伟 13812345678 或 wang.wei@example.com", names=["王伟"])
'请联系王* *********** 或 ***@***'
"""
from __future__ import annotations

from collections import Counter

import html
import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

__all__ = [
    "STOPWORDS", "NEGATIONS", "detect_lang", "tokenize", "TextOptions", "frequent_terms", "code_themes",
    "theme_table", "mask_pii", "suggestions", "jieba_cache_dir", "clean_text", "is_praise", "PRAISE", "NOT_PRAISE",
]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_CLAUSE = re.compile(r"[，。！？；：、,.!?;:\n\r\t（）()【】\[\]“”\"《》…~～—]+")

# Low-content words that led the frequent-term lists of two public review corpora (waimai_10k, ChnSentiCorp
# hotels) without naming a topic: verbs of knowing and modals (不是, 知道, 不能, 不会, 不要, 应该, 可能 …),
# sequence words (第一次, 下次, 结果, 最后), intensifiers (真是, 实在, 居然, 根本, 超级 …) and pointers (这家,
# 这里). 没有 is a negation (NEGATIONS): never listed as a word, kept in phrases (没有送到). 还是, 就是, 觉得
# are in the general list.
_ZH_LOW_CONTENT = frozenset("""
不是 知道 不能 不会 不要 第一次 下次 结果 最后 为什么 只有 全是 很多 虽然 应该 可能 发现 看到 来说 另外 需要 总体
真是 实在 居然 竟然 根本 真心 超级 这家 这里 那里
""".split())
_ZH_STOP = set("""
的 了 是 在 和 与 及 或 也 都 就 很 还 又 再 才 有 我 我们 你 你们 您 他 她 它 他们 她们 这 那 这个 那个 这些 那些 一个 一些 一下 一点
什么 怎么 如何 为 为了 对 把 被 让 给 从 到 向 等 等等 着 过 吧 吗 呢 啊 哦 呀 嘛 哈 而 但 但是 可是 如果 因为 所以 然后 已经 还是 就是
这样 那样 非常 比较 一直 可以 能 会 要 想 说 后 前 时 时候 上 下 中 里 个 次 请 希望 其他 自己 大家 东西 现在 今天 真的 太 更 最 其实
而且 并且 不过 只是 只 多 少 好像 觉得 感觉 这次 那次 每次 之后 之前 以后 以前 目前 还有 还要 一样 这么 那么 啦 嗯 呃 之 其 此 该
我司 贵司 公司 客户 表示 认为 进行 出现 造成 影响 问题 情况 方面 以及 并 即 则 却 于 以 由 着 得 地 之类 一次 一些 两 三 几 个月 天 年 月 日
实际 多次 一再 任何 上周 本周 这次 目前为止 到现在 有点 有些 特别 比较 挺 蛮 还算 一般
""".split()) | _ZH_LOW_CONTENT
_EN_STOP = set("""
a about above after again against all am an and any are as at be because been before being below between both but by can could did do
does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself of off on once only or other our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until up very was we were what when where which while
who whom why will with would you your yours yourself yourselves also get got one two would could im ive dont didnt its it's i'm i've
""".split())
_PT_STOP = set("""
a o as os um uma uns umas de do da dos das em no na nos nas por pelo pela pelos pelas para pra com sem sobre entre ate até e ou mas que se
como quando onde quem qual quais porque pois ja já so só tambem também muito muita muitos muitas mais menos ainda ao aos à às eu tu ele ela
nos nós vos eles elas me te lhe lhes meu minha meus minhas seu sua seus suas nosso nossa nossos nossas esse essa esses essas este esta
estes estas isso isto aquele aquela aquilo foi ser ter tem têm tinha estou esta está estao estão estava era sao são fui vai vou havia ha há
num numa pq q vc voce você dia dias
""".split())
STOPWORDS: dict[str, frozenset[str]] = {"zh": frozenset(_ZH_STOP), "en": frozenset(_EN_STOP), "pt": frozenset(_PT_STOP)}
"""Built-in stop words per language (extended by the workspace's ``text.stopwords``)."""
NEGATIONS: dict[str, frozenset[str]] = {
    "zh": frozenset({"不", "没", "没有", "无", "未", "别"}),
    "en": frozenset({"not", "no", "never", "nothing", "nobody", "without"}),
    "pt": frozenset({"não", "nao", "nunca", "nada", "nem", "sem"}),
}
"""Negations are kept for two-word phrases (``not arrived``, ``não chegou``, ``没 到``) but never listed as words."""


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


_HANDLE = re.compile(r"(?<![\w.@/])@[^\s@:：,，。;；!！?？()（）]+|(?<=/)@[^\s@:：,，。;；!！?？()（）]+")
"""A social-media handle: ``@name`` up to a space, colon or punctuation (not the ``@`` of an e-mail address)."""


def clean_text(text: str) -> str:
    """``text`` with HTML entities unescaped (``&amp;`` → ``&``, ``&#39;`` → ``'``) and social-media handles (``@name``) removed.

    Frequent terms and themes are worked out on this text: entities and handles are markup and names, not words.

    Examples
    --------
    >>> clean_text("@小明 送餐太慢 &amp; 凉了 //@Ann_B: ok, wang@x.com")
    '  送餐太慢 & 凉了 // : ok, wang@x.com'
    """
    if not isinstance(text, str):
        return text
    return _HANDLE.sub(" ", html.unescape(text))


def _phrase(a: str, b: str) -> str:
    """Two tokens as a phrase: Chinese ones written together (不好吃, 送餐太慢), others with a space (not delivered)."""
    return a + b if _CJK.search(a[-1:]) and _CJK.search(b[:1]) else f"{a} {b}"


def detect_lang(text: str) -> str:
    """``'zh'`` when the text has Chinese characters, else ``'pt'`` or ``'en'`` by stop-word hits.

    Examples
    --------
    >>> detect_lang("送餐太慢"), detect_lang("o produto não chegou"), detect_lang("it never arrived")
    ('zh', 'pt', 'en')
    """
    if not isinstance(text, str) or not text:
        return "en"
    if _CJK.search(text):
        return "zh"
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    pt_words, en_words = _PT_STOP | set(NEGATIONS["pt"]), _EN_STOP | set(NEGATIONS["en"])
    shared = pt_words & en_words  # e.g. "do", "no": evidence for neither
    pt = sum(w in pt_words and w not in shared for w in words)
    en = sum(w in en_words and w not in shared for w in words)
    return "pt" if pt > en else "en"


def jieba_cache_dir() -> Path:
    """A writable folder for jieba's dictionary cache.

    ``SALESNB_CACHE`` when set, else ``$XDG_CACHE_HOME/salesnb`` (``~/.cache/salesnb``),
    else the system temporary folder.
    """
    candidates = [os.environ.get("SALESNB_CACHE"),
                  os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "salesnb")]
    for c in candidates:
        if not c:
            continue
        try:
            Path(c).mkdir(parents=True, exist_ok=True)
            if os.access(c, os.W_OK):
                return Path(c)
        except OSError:
            continue
    return Path(tempfile.gettempdir())


@lru_cache(maxsize=8)
def _jieba(user_words: tuple[str, ...]):
    """A jieba tokenizer with ``user_words`` added (cached; jieba's own logging silenced)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.tmp_dir = str(jieba_cache_dir())
    tk.initialize()
    for w in user_words:
        if w and w.strip():
            tk.add_word(w.strip(), freq=None)
    return tk


def _synonym_map(synonyms: Mapping[str, Sequence[str]] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for canon, variants in (synonyms or {}).items():
        for v in variants:
            out[_norm(v).lower()] = canon
    return out


def _clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE.split(_norm(text)) if c.strip()]


_CJK_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")


_JIEBA_HAN = re.compile("[\u4E00-\u9FD5]+")  # what jieba cuts as one block of Chinese characters


def _han_cutter(tk):
    """``tk.lcut`` for one run of Chinese characters, without jieba's per-call block splitting.

    A run that jieba itself treats as one block of Chinese characters is cut
    by its dictionary/HMM cutter directly (the same words ``lcut`` gives, at a
    fraction of the per-call cost on short runs); anything else goes through ``lcut``.
    """
    dag = getattr(tk, "_Tokenizer__cut_DAG", None)
    if dag is None:  # another jieba version: the public call
        return tk.lcut

    def cut(part: str) -> list[str]:
        return list(dag(part)) if _JIEBA_HAN.fullmatch(part) else tk.lcut(part)

    return cut


def _raw_tokens(clause: str, user_words: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    # Chinese runs go to jieba, everything else is split on letters
    for part in _CJK_RUN.split(clause):
        if not part:
            continue
        if _CJK.match(part):
            out.extend(t for t in _jieba(tuple(user_words)).lcut(part) if t.strip())
        else:
            out.extend(w.lower() for w in _LATIN_WORD.findall(part))
    return out


def _content(tokens: Iterable[str], stop: frozenset[str], syn: Mapping[str, str]) -> list[str]:
    out = []
    for tok in tokens:
        tok = syn.get(tok.lower(), tok)
        if tok.lower() in stop or not any(ch.isalpha() for ch in tok):
            continue
        out.append(tok)
    return out


def tokenize(text: str, user_words: Sequence[str] = (), stopwords: Iterable[str] = (),
             synonyms: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Content tokens of ``text``: words cut by jieba (Chinese) or split on letters
    (other languages, lower-cased), without punctuation, numbers and stop words;
    synonyms replaced by their canonical term; negations kept. HTML entities are
    unescaped and ``@handles`` dropped first (:func:`clean_text`).

    Examples
    --------
    >>> tokenize("客服电话打不通", synonyms={"售后": ["客服"]})
    ['售后', '电话', '打', '不通']
    """
    if not isinstance(text, str) or not text.strip():
        return []
    stop = frozenset(STOPWORDS["zh"] | STOPWORDS["en"] | STOPWORDS["pt"] | {s.lower() for s in stopwords})
    syn = _synonym_map(synonyms)
    out: list[str] = []
    for clause in _clauses(clean_text(text)):
        out.extend(_content(_raw_tokens(clause, tuple(user_words)), stop, syn))
    return out


@dataclass(frozen=True)
class TextOptions:
    """How texts are tokenised (from ``workspace.yaml``'s ``text`` section)."""

    user_words: tuple[str, ...] = ()
    stopwords: tuple[str, ...] = ()
    synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    min_length: int = 2

    @classmethod
    def from_config(cls, text_cfg) -> "TextOptions":
        """From a :class:`salesnb.config.TextAnalysis` (or anything with the same fields)."""
        return cls(tuple(text_cfg.user_words), tuple(text_cfg.stopwords),
                   tuple((k, tuple(v)) for k, v in text_cfg.synonyms.items()), int(text_cfg.min_word_length))


def _is_word(tok: str, min_length: int, negations: frozenset[str]) -> bool:
    """A listable word: long enough (Latin words at least 3 letters, so codes such as ``kx`` drop out), not a negation."""
    need = min_length if _CJK.search(tok) else max(min_length, 3)
    return len(tok) >= need and tok.lower() not in negations


def _phrase_part(tok: str, negations: frozenset[str]) -> bool:
    """A token may be part of a phrase: a Chinese character or word, a negation, or a Latin word of 3+ letters."""
    return bool(_CJK.search(tok)) or tok.lower() in negations or len(tok) >= 3


_TERM_COLUMNS = ["term", "kind", "count", "texts", "share_of_texts", "lang"]


def _token_reader(options: TextOptions):
    """What each distinct raw token is, ``(token or None, word?, phrase part?)``: synonyms replaced, stop words and
    tokens without letters dropped (None). Worked out once per raw token (tokens repeat far more than texts do)."""
    stop = frozenset(STOPWORDS["zh"] | STOPWORDS["en"] | STOPWORDS["pt"] | {s.lower() for s in options.stopwords})
    syn = _synonym_map(dict(options.synonyms))
    neg = frozenset().union(*NEGATIONS.values())
    info: dict[str, tuple[str | None, bool, bool]] = {}

    def about(raw: str) -> tuple[str | None, bool, bool]:
        tok = syn.get(raw.lower(), raw)
        if tok.lower() in stop or not any(ch.isalpha() for ch in tok):
            out = (None, False, False)
        else:
            out = (tok, _is_word(tok, options.min_length, neg), _phrase_part(tok, neg))
        info[raw] = out
        return out

    def read(raw: str) -> tuple[str | None, bool, bool]:
        return info.get(raw) or about(raw)

    return read


def _text_terms(text: str, cut, read, phrases: bool) -> list[tuple[str, str]]:
    """The words and (with ``phrases``) the two-word phrases of one cleaned text, clause by clause, as ``(term, kind)``."""
    items: list[tuple[str, str]] = []
    for clause in _clauses(text):
        toks: list[tuple[str, bool, bool]] = []
        for part in _CJK_RUN.split(clause):
            if not part:
                continue
            raws = [t for t in cut(part) if t.strip()] if _CJK.match(part) else [w.lower() for w in _LATIN_WORD.findall(part)]
            for raw in raws:
                tok, word, joinable = read(raw)
                if tok is not None:
                    toks.append((tok, word, joinable))
        items.extend((tok, "word") for tok, word, _ in toks if word)
        if phrases:
            items.extend((_phrase(a, b), "phrase") for (a, wa, pa), (b, wb, pb) in zip(toks, toks[1:]) if (wa or wb) and pa and pb)
    return items


def _term_table(counts: Counter, lang_docs: Mapping[str, Counter], n: int, top: int) -> pd.DataFrame:
    """The counted terms as :func:`frequent_terms`' table: texts and share per term, its main language, the top words and phrases."""
    docs: Counter = Counter()
    langs: dict[tuple[str, str], dict[str, int]] = {}
    for lang, per in lang_docs.items():
        docs.update(per)
        for key, k in per.items():
            langs.setdefault(key, {})[lang] = k
    rows = [{"term": k[0], "kind": k[1], "count": counts[k], "texts": docs[k], "share_of_texts": docs[k] / n,
             "lang": max(langs[k].items(), key=lambda kv: (kv[1], kv[0]))[0]} for k in counts]
    out = pd.DataFrame(rows, columns=_TERM_COLUMNS)
    out = out.sort_values(["texts", "count", "term"], ascending=[False, False, True], kind="mergesort")
    out = pd.concat([out[out["kind"] == "word"].head(top), out[out["kind"] == "phrase"].head(top)], ignore_index=True)
    return out.astype({"count": "int64", "texts": "int64"})


def frequent_terms(texts: pd.Series | Sequence[str], options: TextOptions = TextOptions(), top: int = 20,
                   phrases: bool = True) -> pd.DataFrame:
    """The most frequent words and two-word phrases (投诉高频词) of ``texts``.

    A phrase is two adjacent content tokens inside one clause (punctuation
    ends a clause), at least one of them a word of ``min_length`` characters;
    negations (不, not, não …) may be part of a phrase but are not words.
    HTML entities are unescaped and ``@handles`` dropped first (:func:`clean_text`).

    Returns
    -------
    DataFrame with ``term`` (a phrase's tokens written together when both are
    Chinese, ``不好吃``, else joined by a space, ``not delivered``), ``kind``
    (word / phrase), ``count`` (occurrences), ``texts`` (texts containing it),
    ``share_of_texts`` (``texts`` ÷ non-blank texts) and ``lang`` (zh / en /
    pt: the language of the texts it occurs in most), most widespread first.
    The top ``top`` words and the top ``top`` phrases.

    Examples
    --------
    >>> df = frequent_terms(["售后响应慢", "售后响应太慢了", "价格贵"], TextOptions(user_words=("售后响应",)), top=2)
    >>> top = df.iloc[0]
    >>> top["term"], int(top["texts"]), round(float(top["share_of_texts"]), 3)
    ('售后响应', 2, 0.667)
    """
    series = pd.Series(list(texts) if not isinstance(texts, pd.Series) else texts, dtype="object")
    series = series[series.map(lambda x: isinstance(x, str) and bool(x.strip()))]
    if series.empty:
        return pd.DataFrame(columns=_TERM_COLUMNS)
    read = _token_reader(options)
    counts: Counter = Counter()
    lang_docs: dict[str, Counter] = {}  # lang → key → texts
    cut = _han_cutter(_jieba(tuple(options.user_words)))
    for text in series:
        text = clean_text(text)
        lang = detect_lang(text)
        items = _text_terms(text, cut, read, phrases)
        counts.update(items)
        if lang not in lang_docs:
            lang_docs[lang] = Counter()
        lang_docs[lang].update(set(items))
    return _term_table(counts, lang_docs, len(series), top)


def _keyword_pattern(keyword: str) -> str:
    kw = _norm(keyword).lower()
    if _CJK.search(kw):
        return re.escape(kw)
    return r"(?<![^\W\d_])" + re.escape(kw) + r"(?![^\W\d_])"


PRAISE: dict[str, tuple[str, ...]] = {
    "zh": ("很好", "非常好", "挺好", "不错", "满意", "好吃", "好评", "很快", "准时", "及时", "干净", "方便", "舒服", "热情", "周到",
           "推荐", "喜欢", "赞", "棒", "给力", "专业", "稳定", "可靠", "放心", "实惠", "超值", "感谢", "谢谢", "靠谱", "贴心", "完美",
           "优秀", "没问题", "没得说", "无可挑剔"),
    "en": ("great", "good", "excellent", "perfect", "love", "loved", "amazing", "awesome", "fast", "quick", "friendly", "helpful",
           "recommend", "recommended", "happy", "satisfied", "nice", "best", "wonderful", "fantastic", "thanks", "thank you"),
    "pt": ("ótimo", "otimo", "ótima", "otima", "bom", "boa", "excelente", "perfeito", "perfeita", "recomendo", "adorei", "amei",
           "gostei", "rápido", "rapido", "rápida", "rapida", "satisfeito", "satisfeita", "parabéns", "parabens", "maravilhoso", "obrigado",
           "obrigada"),
}
"""Words of praise. A text is praise (:func:`is_praise`) when it has one of them and nothing of :data:`NOT_PRAISE`."""
NOT_PRAISE: dict[str, tuple[str, ...]] = {
    "zh": ("不", "没", "无", "未", "别", "差", "慢", "贵", "坏", "烂", "难", "退", "投诉", "问题", "故障", "失望", "糟", "垃圾", "恶心",
           "凉", "冷", "久", "晚", "迟", "等了", "催", "错", "漏", "少", "脏", "吵", "旧", "破", "但", "可惜", "不过", "就是", "只是",
           "然而", "却", "希望", "建议", "要是", "如果", "能否", "还需", "有待", "一般", "偏", "太", "拉肚子", "呵呵", "糊涂", "开裂"),
    "en": ("not", "no", "never", "nothing", "but", "however", "although", "though", "late", "slow", "bad", "poor", "worst", "terrible",
           "awful", "broken", "damaged", "missing", "wrong", "problem", "problems", "issue", "issues", "delay", "delayed", "refund",
           "cancel", "cancelled", "canceled", "complaint", "disappointed", "expensive", "dirty", "rude", "wait", "waited", "waiting",
           "hope", "should", "could", "please", "wish", "if", "n't"),
    "pt": ("não", "nao", "nunca", "nem", "mas", "porém", "porem", "entretanto", "atraso", "atrasado", "atrasou", "ruim", "péssimo",
           "pessimo", "defeito", "quebrado", "quebrada", "problema", "errado", "errada", "faltou", "falta", "devolver", "devolução",
           "reembolso", "cancelar", "cancelado", "demorou", "demora", "ainda", "espero", "deveria", "poderia"),
}
"""What makes a text with praise words more than praise: negations, contrasts (但, but, mas), complaint words
(慢, late, atraso …) and requests (希望, should, deveria). The praise words are taken out first, so 不错 and
没问题 count as praise, not as 不 and 没."""


def _alternation(words: Iterable[str]) -> re.Pattern:
    parts = []
    for w in sorted({_norm(x).lower() for x in words}, key=len, reverse=True):
        if _CJK.search(w):
            parts.append(re.escape(w))
        elif w.startswith("n'"):  # didn't, won't
            parts.append(r"n['’]t(?![^\W\d_])")
        else:
            parts.append(_keyword_pattern(w))
    return re.compile("|".join(parts))


@lru_cache(maxsize=1)
def _praise_patterns() -> tuple[re.Pattern, re.Pattern]:
    return (_alternation(w for ws in PRAISE.values() for w in ws), _alternation(w for ws in NOT_PRAISE.values() for w in ws))


def is_praise(text: str) -> bool:
    """True when ``text`` only praises: it has a word of :data:`PRAISE` and, once those are taken out, nothing of
    :data:`NOT_PRAISE` (no negation, contrast, complaint word or request).

    A deliberately narrow test: a text that mixes praise and criticism, or says neither, is not praise.

    Examples
    --------
    >>> [is_praise(t) for t in ("售后工程师很专业，服务不错", "味道不错，就是送餐太慢", "chocolate cake", "great, but late")]
    [True, False, False, False]
    """
    if not isinstance(text, str) or not text.strip():
        return False
    praise, other = _praise_patterns()
    norm = _norm(clean_text(text)).lower()
    rest, hits = praise.subn(" ", norm)
    return hits > 0 and other.search(rest) is None


def code_themes(texts: pd.Series, themes: Mapping[str, Sequence[str]], skip_praise: bool = True) -> pd.DataFrame:
    """Qualitative coding by keyword rules: one boolean column per theme, True
    where the text mentions any of the theme's keywords.

    Chinese keywords match as substrings; keywords in other scripts match whole
    words (``late`` does not match ``chocolate``); case and full-width forms are ignored.
    Themes are problems: a text that only praises (:func:`is_praise`, e.g.
    "售后工程师很专业") is filed under none, unless ``skip_praise`` is False.

    Examples
    --------
    >>> code_themes(pd.Series(["售后太慢", "chocolate", "late again", "售后很专业"]), {"slow": ["售后", "late"]})["slow"].tolist()
    [True, False, True, False]
    """
    norm = texts.map(lambda x: _norm(clean_text(x)).lower() if isinstance(x, str) else "")
    praise = texts.map(is_praise).astype(bool) if skip_praise else pd.Series(False, index=texts.index)
    out = {}
    for key, keywords in themes.items():
        pattern = "|".join(_keyword_pattern(k) for k in keywords if k and k.strip())
        out[key] = (norm.str.contains(pattern, regex=True) & ~praise) if pattern else pd.Series(False, index=texts.index)
    return pd.DataFrame(out, index=texts.index).astype(bool)


_MOBILE = re.compile(r"(?<![\d])(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_LANDLINE = re.compile(r"(?<![\d])(?:\(?0\d{2,3}\)?[\s-]?)\d{7,8}(?!\d)")
_INTL = re.compile(r"\+\d{1,3}[\s-]?(?:\(?\d{1,4}\)?[\s-]?){2,5}\d{2,4}")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{15,18}[\dXx]?(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖董袁潘蒋蔡余杜叶苏魏吕丁沈姚卢姜崔谭陆汪范廖贾韦邹孟熊秦邱尹薛闫雷侯陶黎贺顾郝龚邵钱覃莫"
"""Common surnames that are rarely ordinary words (于, 高, 方 … are left out to avoid masking plain text)."""
_ZH_NAME_BEFORE_TITLE = re.compile(rf"([{_SURNAMES}])([\u4e00-\u9fff]{{1,2}})(?=[（(]|先生|女士|小姐)")
_LATIN_HONORIFIC = re.compile(r"\b(Mr|Mrs|Ms|Miss|Dr|Sr|Sra|Srta|Dona)\.?\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)")


def _stars(match: re.Match) -> str:
    return re.sub(r"[^\s-]", "*", match.group(0))


def mask_pii(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with phone numbers, e-mail addresses, social-media handles, long id numbers and names masked.

    Phones and ids become ``*`` (one per character), e-mails ``***@***``, handles ``@***``;
    a name keeps its first character (``王伟`` → ``王*``). Names are those
    given (e.g. the customer master's contacts) plus a Chinese surname with one
    or two characters before ``（``/先生/女士 and Latin names after Mr/Ms/Sr/Sra.

    Examples
    --------
    >>> mask_pii("与刘伟（运维主管）面谈，电话 021-62345678")
    '与刘*（运维主管）面谈，电话 ***-********'
    >>> mask_pii("Falei com Sra. Maria Souza: maria@x.com.br")
    'Falei com Sra. M**** S****: ***@***'
    """
    if not isinstance(text, str):
        return text
    out = _HANDLE.sub(lambda m: "@" + "*" * (len(m.group(0)) - 1), text)  # a social-media handle names a person
    out = _EMAIL.sub("***@***", out)
    for rx in (_INTL, _MOBILE, _LANDLINE, _LONG_DIGITS):
        out = rx.sub(_stars, out)
    for name in sorted({n.strip() for n in names if isinstance(n, str) and len(n.strip()) >= 2}, key=len, reverse=True):
        out = out.replace(name, name[0] + "*" * (len(name) - 1))
    out = _ZH_NAME_BEFORE_TITLE.sub(lambda m: m.group(1) + "*" * len(m.group(2)), out)
    out = _LATIN_HONORIFIC.sub(lambda m: m.group(0)[: m.start(2) - m.start()]
                               + " ".join(w[0] + "*" * (len(w) - 1) for w in m.group(2).split()), out)
    return out


def theme_table(texts: pd.Series, flags: pd.DataFrame, quotes: int = 3, names: Iterable[str] = (),
                max_quote: int = 90, order_by: pd.Series | None = None) -> pd.DataFrame:
    """Mentions per theme with the share of texts and up to ``quotes`` masked example quotes.

    Quotes are the theme's most repeated distinct texts (then the shortest),
    masked with :func:`mask_pii` and cut to ``max_quote`` characters. With
    ``order_by`` (e.g. the answer's NPS score) texts with the lowest value come
    first, so the quotes show the complaint rather than the praise.

    Returns
    -------
    DataFrame with ``theme``, ``mentions`` (texts coded with it), ``share``
    (of non-blank texts) and ``quotes`` (a list of strings), most mentioned first.
    """
    valid = texts.map(lambda x: isinstance(x, str) and bool(x.strip()))
    n = int(valid.sum())
    names = list(names)
    rows = []
    for key in flags.columns:
        hit = texts[flags[key] & valid]
        picks: list[str] = []
        if quotes and len(hit):
            stripped = hit.str.strip()
            vc = stripped.value_counts()
            rank = {}
            if order_by is not None:
                lowest = pd.Series(order_by, dtype="float64").reindex(hit.index).groupby(stripped).min()
                rank = lowest.fillna(float("inf")).to_dict()
            order = sorted(vc.index, key=lambda s: (rank.get(s, 0.0), -vc[s], len(s), s))
            for s in order[:quotes]:
                q = mask_pii(html.unescape(s), names)  # &amp; shown as &: the report escapes it once
                picks.append(q if len(q) <= max_quote else q[: max_quote - 1] + "…")
        rows.append({"theme": key, "mentions": int(len(hit)), "share": len(hit) / n if n else float("nan"), "quotes": picks})
    out = pd.DataFrame(rows, columns=["theme", "mentions", "share", "quotes"])
    return out.sort_values(["mentions", "theme"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


# 要求 is left out on purpose: in complaints it mostly states a demand or a
# requested time ("要求11:45送到"), not a suggestion
_SUGGEST_MARKERS = ("建议", "希望", "最好", "suggest", "recommend", "should", "would like", "please", "sugiro", "sugestão",
                    "deveria", "gostaria")


_EDGE_PUNCT = " \t,，、:：;；。！？!?.…~～-—'\"“”‘’()（）[]【】"


def suggestions(texts: pd.Series, markers: Sequence[str] = _SUGGEST_MARKERS, top: int = 10, names: Iterable[str] = ()) -> pd.DataFrame:
    """Customers' suggestions: sentences of ``texts`` containing a suggestion
    marker (建议, 希望, suggest, should, gostaria …), counted across texts.

    Returns
    -------
    DataFrame with ``suggestion`` (masked), ``texts`` (how many texts make it)
    and ``share`` (of non-blank texts), most frequent first.

    Examples
    --------
    >>> suggestions(pd.Series(["很好。建议简化售后流程。", "建议简化售后流程！", "ok"]))["texts"].tolist()
    [2]
    """
    valid = texts[texts.map(lambda x: isinstance(x, str) and bool(x.strip()))]
    lowered = [m.lower() for m in markers]
    found: dict[str, set] = {}
    for idx, text in valid.items():
        for sent in re.split(r"(?<=[。！？!?.;；\n])", _norm(text)):
            s = sent.strip().strip(_EDGE_PUNCT).strip()
            if s and any(m in s.lower() for m in lowered):
                found.setdefault(s, set()).add(idx)
    rows = [{"suggestion": mask_pii(s, names), "texts": len(ix), "share": len(ix) / len(valid)} for s, ix in found.items()]
    out = pd.DataFrame(rows, columns=["suggestion", "texts", "share"])
    return out.sort_values(["texts", "suggestion"], ascending=[False, True], kind="mergesort").head(top).reset_index(drop=True)
