"""Text goal: tokenising and counting 100k Chinese comments costs at most 1.3x jieba's bare lcut.

The comments are the sample's survey comments and complaint texts, repeated
to 100,000. Prints two timings (seconds): bare ``jieba.lcut`` over every text,
and ``salesnb.text.frequent_terms`` (clauses, jieba, stop words, synonyms,
words and phrases counted).

Usage: python benchmarks/text_bench.py [N [REPEAT]]   (best of REPEAT interleaved runs each)
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd


def main(n: int = 100_000, repeat: int = 3) -> None:
    import jieba

    from salesnb.io import load_workspace
    from salesnb.text import TextOptions, frequent_terms

    ws = load_workspace(Path(__file__).resolve().parent.parent / "data" / "sample")
    texts = pd.concat([ws.tables["surveys"]["comment"], ws.tables["complaints"]["description"]]).dropna()
    texts = texts[texts.str.strip() != ""].tolist()
    corpus = (texts * (n // len(texts) + 1))[:n]
    jieba.setLogLevel(60)
    tk = jieba.Tokenizer()
    tk.initialize()
    options = TextOptions.from_config(ws.config.text)
    frequent_terms(corpus[:10], options)  # load salesnb's tokenizer once, as lcut's was above
    bare_runs, our_runs = [], []
    for _ in range(repeat):  # interleaved, best of each: a busy neighbour slows one run, not the ratio
        t0 = time.perf_counter()
        for text in corpus:
            tk.lcut(text)
        bare_runs.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        frequent_terms(corpus, options)
        our_runs.append(time.perf_counter() - t1)
    bare, ours = min(bare_runs), min(our_runs)
    print(json.dumps({"texts": n, "repeat": repeat, "jieba_lcut_s": round(bare, 2), "frequent_terms_s": round(ours, 2),
                      "ratio": round(ours / bare, 2)}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
