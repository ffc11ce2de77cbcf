"""Charts render Chinese with a real CJK font (no tofu boxes)."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from salesnb import plots


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chinese_labels_render_without_missing_glyphs(lang, tmp_path):
    plots.use_theme(lang)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" becomes a failure
        fig = plots.bar(pd.DataFrame({"区域": ["华东", "华北", "西南"], "销售额": [3.0, 2.0, 1.0]}), "区域", "销售额",
                        title="各区域销售额（万元）", xlabel="区域", ylabel="销售额（万元）", value_format="%.1f")
        fig.savefig(tmp_path / "zh.png")
    family = plt.rcParams["font.sans-serif"][0]
    assert family == plots.CJK_FAMILY
    from matplotlib import font_manager

    found = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert found.endswith("NotoSansCJKsc-Regular.otf")


def test_theme_survives_seaborn_reset():
    import seaborn as sns

    sns.set_theme()
    plots.use_theme("zh")
    assert plt.rcParams["font.sans-serif"][0] == plots.CJK_FAMILY
    assert plt.rcParams["axes.unicode_minus"] is False
