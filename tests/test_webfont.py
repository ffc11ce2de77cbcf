"""The pages' embedded CJK font: cut from the base font when it has every character, identical either way."""
from __future__ import annotations

import base64
import io
import random
import re

import pytest

from salesnb import webfont


@pytest.fixture(scope="module")
def base_font():
    return webfont.build_base_font()  # built once per machine by `make fonts` (about 6 s when it is not)


def _embedded_font(html: str):
    from fontTools.ttLib import TTFont

    data = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", html).group(1)
    return TTFont(io.BytesIO(base64.b64decode(data)))


def test_a_page_cut_from_the_base_font_is_byte_for_byte_the_page_cut_from_the_whole_font(base_font):
    chars = set(random.Random(18).sample(sorted(webfont.base_chars()), 300)) | set("华东华南西南，。：（）％《》、")
    assert webfont._subset(base_font, chars, "woff") == webfont._subset(webfont.cjk_font_file(), chars, "woff")


def test_a_page_is_cut_from_the_base_font_only_when_it_has_every_character(base_font, monkeypatch, tmp_path):
    cut_from = []
    real = webfont._subset
    monkeypatch.setattr(webfont, "_subset", lambda source, chars, flavor: (cut_from.append(source), real(source, chars, flavor))[1])
    page = "<html><head></head><body>{}</body></html>"
    simplified = webfont.embed_cjk_font(page.format("华东 revenue 增长 5%"))
    traditional = webfont.embed_cjk_font(page.format("華東 丟失"))  # traditional characters: not in GB2312
    monkeypatch.setenv(webfont.FONT_CACHE_ENV, str(tmp_path))  # a machine where the base font was never built
    unbuilt = webfont.embed_cjk_font(page.format("华东 revenue 增长 5%"))
    assert cut_from == [base_font, webfont.cjk_font_file(), webfont.cjk_font_file()]
    assert unbuilt == simplified and not list(tmp_path.iterdir())  # the same page, and nothing built during a run
    # each page's font has exactly its own characters (read back from the page, cmap by cmap)
    assert {chr(c) for c in _embedded_font(simplified).getBestCmap()} == set("华东增长")
    assert {chr(c) for c in _embedded_font(traditional).getBestCmap()} == set("華東丟失")


def test_the_base_font_is_named_by_the_font_and_fonttools_it_was_cut_with(monkeypatch, tmp_path):
    monkeypatch.setenv(webfont.FONT_CACHE_ENV, str(tmp_path))
    first = webfont._base_font_path()
    assert first.parent == tmp_path and webfont.base_font_file() is None
    monkeypatch.setattr(webfont, "BASE_VERSION", webfont.BASE_VERSION + 1)
    assert webfont._base_font_path() != first
