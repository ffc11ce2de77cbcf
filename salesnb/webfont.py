"""Chinese that renders in any browser: a subset of the bundled CJK font, embedded.

A leader may open the report on a machine without a Chinese font (many Linux
desktops, some locked-down laptops) and see empty boxes. Each HTML page gets
the glyphs it uses — only those, subset from Noto Sans CJK SC (OFL) into a
WOFF of typically 50–300 KB — as a ``data:`` font, allowed by the pages'
Content-Security-Policy (``font-src data:``).
"""
from __future__ import annotations

import base64
import io
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["embed_cjk_font", "FAMILY"]

FAMILY = "Salesnb CJK"
_DATA_URI = re.compile(r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+")


def _glyphs(html: str) -> set[str]:
    text = _DATA_URI.sub("", html)
    return {c for c in text if ord(c) >= 0x2E80}  # CJK radicals, punctuation, ideographs, full-width forms


def embed_cjk_font(html: str) -> str:
    """``html`` with an ``@font-face`` holding exactly the CJK glyphs it uses (unchanged when it has none).

    The subset is listed first: it only has CJK glyphs, so Latin text falls through to the system fonts.

    Examples
    --------
    >>> embed_cjk_font("<html><head></head><body>only ASCII</body></html>")
    '<html><head></head><body>only ASCII</body></html>'
    """
    chars = _glyphs(html)
    if not chars or "</head>" not in html:
        return html
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(cjk_font_file()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    style = (f'<style>@font-face{{font-family:"{FAMILY}";src:url(data:font/woff;base64,{data}) format("woff");}}'
             f'body,table,td,th,p,h1,h2,h3,li,div,span{{font-family:"{FAMILY}",-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;}}</style>')
    return html.replace("</head>", style + "</head>", 1)


@lru_cache(maxsize=1)
def cjk_font_file() -> Path:
    """Path of the bundled Noto Sans CJK SC font (from the ``mplfonts`` package): the charts' font
    (:func:`salesnb.plots.cjk_font_path` registers it with matplotlib) and the pages' embedded web font."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.is_file():  # pragma: no cover - packaging problem
        raise FileNotFoundError(f"CJK font not found at {path}; reinstall salesnb's dependencies (mplfonts)")
    return path
