"""Chinese that renders in any browser: a subset of the bundled CJK font, embedded.

A leader may open the report on a machine without a Chinese font (many Linux
desktops, some locked-down laptops) and see empty boxes. Each HTML page gets
the glyphs it uses — only those, subset from Noto Sans CJK SC (OFL) into a
WOFF of typically 50–300 KB — as a ``data:`` font, allowed by the pages'
Content-Security-Policy (``font-src data:``).

Cutting a page's glyphs from the whole font (65,535 glyphs, 16 MB) takes about 0.45 s, most of it reading the
font's tables, and a run cuts six pages. So the font is cut once per machine to the characters Chinese text
uses (:func:`base_chars`, GB2312's): the *base font* (:func:`base_font_file`, 3.4 MB, built by ``make fonts``,
which ``make report`` and ``make test`` run, or ``python -m salesnb.webfont``; kept in :func:`font_cache_dir`). A page whose characters are all in it is cut from
it (0.1–0.3 s), and the result is byte for byte the one cut from the whole font; any other page, or any page
when no base font has been built, is cut from the whole font as before.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["embed_cjk_font", "FAMILY", "base_chars", "base_font_file", "build_base_font", "font_cache_dir"]

FONT_CACHE_ENV = "SALESNB_FONT_CACHE"
"""Environment variable naming the folder of the base font (default ``$XDG_CACHE_HOME/salesnb-fonts``)."""

BASE_VERSION = 1
"""Part of the base font's file name: raise it when :func:`base_chars` or :func:`_subset_options` change."""

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
    base = base_font_file() if chars <= base_chars() else None
    data = base64.b64encode(_subset(base or cjk_font_file(), chars, "woff")).decode("ascii")
    style = (f'<style>@font-face{{font-family:"{FAMILY}";src:url(data:font/woff;base64,{data}) format("woff");}}'
             f'body,table,td,th,p,h1,h2,h3,li,div,span{{font-family:"{FAMILY}",-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;}}</style>')
    return html.replace("</head>", style + "</head>", 1)


def _subset_options(flavor: str | None):
    from fontTools import subset

    options = subset.Options()
    options.flavor = flavor
    options.layout_features = ["*"]  # every feature's glyphs (vertical forms, locale variants) go with a character
    options.notdef_outline = True
    return options


def _subset(source: Path, chars, flavor: str | None) -> bytes:
    """The glyphs of ``chars`` (and what layout features reach from them) cut from the font file ``source``."""
    from fontTools import subset

    options = _subset_options(flavor)
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return buffer.getvalue()


@lru_cache(maxsize=1)
def base_chars() -> frozenset[str]:
    """The characters of the base font: GB2312's Chinese characters, punctuation and full-width forms (the 6,763
    hanzi of simplified Chinese text), and the CJK Symbols and Punctuation and Halfwidth and Fullwidth Forms
    blocks whole.

    >>> chars = base_chars()
    >>> "华" in chars and "。" in chars and "Ａ" in chars and "丟" not in chars  # 丟: traditional, not in GB2312
    True
    """
    chars = {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(c for c in chars if ord(c) >= 0x2E80)


def font_cache_dir() -> Path:
    """The folder of the base font: ``$SALESNB_FONT_CACHE``, else ``$XDG_CACHE_HOME/salesnb-fonts``
    (``~/.cache/salesnb-fonts``). It depends on the installed font alone, never on a workspace, so it is not in
    the prepare cache (``SALESNB_CACHE``)."""
    named = os.environ.get(FONT_CACHE_ENV)
    if named:
        return Path(named)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "salesnb-fonts"


def _base_font_path() -> Path:
    """Where the base font of the installed font and fontTools is kept: its name changes with either."""
    import fontTools

    source = cjk_font_file()
    stat = source.stat()
    key = f"{source}:{stat.st_size}:{stat.st_mtime_ns}:{fontTools.version}:{BASE_VERSION}"
    return font_cache_dir() / f"NotoSansCJKsc-base-{hashlib.sha256(key.encode()).hexdigest()[:16]}.otf"


def base_font_file() -> Path | None:
    """The base font (module docstring), or None when it has not been built on this machine."""
    path = _base_font_path()
    return path if path.is_file() else None


def build_base_font() -> Path:
    """Build the base font unless it is built (about 6 s, once per machine and installed font); its path.

    Written to a temporary file and renamed, so a reader never sees half a font.
    """
    path = _base_font_path()
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(_subset(cjk_font_file(), base_chars(), None))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@lru_cache(maxsize=1)
def cjk_font_file() -> Path:
    """Path of the bundled Noto Sans CJK SC font (from the ``mplfonts`` package): the charts' font
    (:func:`salesnb.plots.cjk_font_path` registers it with matplotlib) and the pages' embedded web font."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.is_file():  # pragma: no cover - packaging problem
        raise FileNotFoundError(f"CJK font not found at {path}; reinstall salesnb's dependencies (mplfonts)")
    return path


if __name__ == "__main__":  # python -m salesnb.webfont: build the base font (make fonts)
    import sys

    try:
        print(build_base_font())
    except OSError as exc:  # a read-only cache folder: runs still work, cutting each page from the whole font
        print(f"salesnb: the base font could not be written ({exc}); each page's font is cut from the whole "
              f"font instead (slower, the same result). Set {FONT_CACHE_ENV} to a writable folder.", file=sys.stderr)
