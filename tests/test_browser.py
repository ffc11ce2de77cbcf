"""The leadership pages in a real browser (issue 16): print and phone.

Headless Chromium (Debian's ``chromium`` package, installed by ``.ci/run``)
opens every page of the sample report (``sample_reports``: 2025Q4 in English
and in Chinese), prints it to PDF on A4 and counts the pages, and measures
the laid-out page at 1280 px and at 390 px (a phone) for anything wider than
the window. Chromium is driven over its DevTools protocol (a WebSocket, with
tornado, already installed with Jupyter), because the pages forbid scripts
(Content-Security-Policy): the measuring script runs from DevTools, not from
the page.

Without Chromium these tests skip with a message saying how to install it;
with ``CI=1`` or ``SALESNB_REQUIRE_CHROMIUM=1`` (set by ``.ci/run``) they fail
instead. The checks of the HTML itself (alt text, no widget repr, navigation,
the appendix) need no browser and always run.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

MAX_SUMMARY_PAGES = 1
"""The summary (index.html) prints on exactly one A4 page."""
MAX_STEP_PAGES = 14
"""No step page prints on more than this many A4 pages (docs/outputs.md, "Print")."""
MAX_APPENDIX_PAGES = 2
"""The data-quality appendix of the sample prints on at most this many A4 pages."""
WIDTHS = (1280, 390)
"""Window widths (CSS px) at which no element may reach past the page's right edge: a desktop and a phone."""
A4_POINTS = (595.0, 842.0)
"""A4 in PDF points (210 × 297 mm), as Chromium writes the MediaBox (595.92 × 842.88)."""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _required() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true") or os.environ.get("SALESNB_REQUIRE_CHROMIUM") == "1"


class Chromium:
    """One headless Chromium, driven over the DevTools protocol from a flat session on one page."""

    def __init__(self, exe: str):
        from tornado.ioloop import IOLoop

        self.profile = Path(tempfile.mkdtemp(prefix="salesnb-chromium-"))
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--hide-scrollbars", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"{exe} did not start its DevTools endpoint")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        self.loop = IOLoop()
        self.next_id = 0
        self.ws = self.loop.run_sync(lambda: self._connect(f"ws://127.0.0.1:{port}{path}"), timeout=30)
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)

    @staticmethod
    async def _connect(url):
        from tornado.websocket import websocket_connect

        return await websocket_connect(url, max_message_size=256 * 2**20)

    def call(self, method: str, session: bool = False, timeout: float = 120, **params) -> dict:
        """Send one command and wait for its answer (events in between are dropped)."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        wanted = self.next_id

        async def exchange():
            await self.ws.write_message(json.dumps(message))
            while True:
                raw = await self.ws.read_message()
                if raw is None:
                    raise RuntimeError("Chromium closed the DevTools connection")
                answer = json.loads(raw)
                if answer.get("id") == wanted:
                    if "error" in answer:
                        raise RuntimeError(f"{method}: {answer['error']}")
                    return answer.get("result", {})

        return self.loop.run_sync(exchange, timeout=timeout)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, page: Path, width: int) -> None:
        """Load ``page`` in a window ``width`` CSS px wide (a phone's viewport below 600 px) and wait for its fonts."""
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=900, deviceScaleFactor=1, mobile=width < 600)
        self.call("Page.navigate", session=True, url=page.resolve().as_uri())
        deadline = time.monotonic() + 60
        while self.evaluate("document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise RuntimeError(f"{page.name} did not finish loading")
            time.sleep(0.05)
        self.evaluate("document.fonts.ready.then(() => true)")

    def pdf(self) -> bytes:
        """The loaded page printed on A4 (the page's own ``@page`` size wins when it sets one)."""
        data = self.call("Page.printToPDF", session=True, paperWidth=8.27, paperHeight=11.69, preferCSSPageSize=True,
                         printBackground=True)["data"]
        return base64.b64decode(data)

    def close(self) -> None:
        try:
            ws = getattr(self, "ws", None)
            if ws is not None:
                ws.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)
            if hasattr(self, "loop"):
                self.loop.close(all_fds=True)


OVERFLOW_SCRIPT = r"""
(() => {
  const width = document.documentElement.clientWidth;
  // an element inside a box that scrolls sideways on its own (overflow-x auto/scroll) does not widen the page
  const scrolled = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const bad = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if ((r.right > width + 1 || r.left < -1) && !scrolled(el)) {
      const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '';
      bad.push(`${el.tagName.toLowerCase()}${cls} [${Math.round(r.left)}, ${Math.round(r.right)}] ${(el.textContent || '').trim().slice(0, 40)}`);
    }
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, bad: bad.slice(0, 8), count: bad.length};
})()
"""


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF Chromium wrote: its ``/Type /Page`` objects (not ``/Pages``), counted without a PDF library."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def pdf_page_size(pdf: bytes) -> tuple[float, float]:
    """Width and height (points) of the first ``/MediaBox`` in ``pdf``."""
    m = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert m, "no MediaBox in the PDF"
    return float(m.group(1)), float(m.group(2))


def test_pdf_pages_counted_by_hand():
    """The page counter on a two-page PDF written here: two /Type /Page objects, one /Type /Pages."""
    pdf = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n"
           b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595.92 842.88] >> endobj\n"
           b"4 0 obj <</Type/Page/Parent 2 0 R>> endobj\n%%EOF\n")
    assert pdf_pages(pdf) == 2
    assert pdf_page_size(pdf) == (595.92, 842.88)


SKIP_REASON = ("headless Chromium is not installed, so the print (A4 page count) and 390/1280 px overflow checks "
               "are skipped: install Debian's chromium package (apt-get install chromium), or run .ci/run")
needs_chromium = pytest.mark.skipif(_chromium() is None and not _required(), reason=SKIP_REASON)
"""Skip before the (session) sample runs are made when there is no browser to look at them."""


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    if exe is None:
        if _required():
            pytest.fail("headless Chromium is required here (CI=1 or SALESNB_REQUIRE_CHROMIUM=1) but no chromium is on PATH: "
                        ".ci/run installs it with apt-get install chromium")
        pytest.skip(SKIP_REASON)
    b = Chromium(exe)
    yield b
    b.close()


def _limit(name: str) -> int:
    return MAX_SUMMARY_PAGES if name == "index.html" else MAX_APPENDIX_PAGES if name == "data_quality.html" else MAX_STEP_PAGES


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_print_on_a4_within_their_page_count(sample_reports, browser, lang):
    pages = sample_reports.pages(lang)
    assert set(pages) == {"index.html", "01_goals.html", "02_breakdown.html", "03_diagnosis.html", "04_improvement.html",
                          "data_quality.html"}
    counts = {}
    for name, path in pages.items():
        browser.open(path, 1280)
        pdf = browser.pdf()
        w, h = pdf_page_size(pdf)
        assert abs(w - A4_POINTS[0]) < 2 and abs(h - A4_POINTS[1]) < 2, f"{lang}/{name} printed on {w}×{h} pt, not A4"
        counts[name] = pdf_pages(pdf)
    print(f"A4 pages ({lang}): {counts}")
    assert counts["index.html"] == MAX_SUMMARY_PAGES, f"the summary prints on {counts['index.html']} pages ({lang})"
    over = {n: c for n, c in counts.items() if c > _limit(n)}
    assert not over, f"pages over their limit ({lang}): {over}; all: {counts}"


PAGE_NAMES = ("index.html", "01_goals.html", "02_breakdown.html", "03_diagnosis.html", "04_improvement.html", "data_quality.html")


@needs_chromium
@pytest.mark.parametrize("page", PAGE_NAMES)
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", WIDTHS)
def test_no_element_overflows_the_window(sample_reports, browser, lang, width, page):
    browser.open(sample_reports.pages(lang)[page], width)
    result = browser.evaluate(OVERFLOW_SCRIPT)
    if result["width"] != width:
        result["note"] = "laid out wider than the window: no <meta name=viewport>, a phone shows the page zoomed out"
    assert result["width"] == width and result["scrollWidth"] <= width and not result["count"], \
        f"{lang}/{page} is wider than the {width} px window: " + json.dumps(result, ensure_ascii=False, indent=1)


# --- the HTML itself (no browser) ------------------------------------------------

STEPS = ("01_goals.html", "02_breakdown.html", "03_diagnosis.html", "04_improvement.html")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_have_alt_text_language_and_no_widget(sample_reports, lang):
    from salesnb.i18n import t

    for name, path in sample_reports.pages(lang).items():
        text = path.read_text(encoding="utf-8")
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}"' in text, name
        assert "No description has been provided" not in text, name
        for marker in ("VBox(", "HBox(", "Dropdown(", "application/vnd.jupyter.widget"):
            assert marker not in text, f"{name} holds the widget text {marker}"
        alts = re.findall(r"<img\b[^>]*?\balt=\"([^\"]*)\"", text)
        assert len(alts) == len(re.findall(r"<img\b", text)), f"{name}: an image without alt"
        assert all(a.strip() for a in alts), f"{name}: an empty alt"
        if name in STEPS:
            assert alts, f"{name} has no chart"
            # charts are titled, so no chart falls back to the untitled label
            assert t("rp_chart_untitled", lang) not in alts, name
    # a chart's alt text is its title: step 1's forecast chart has a title in the report language
    goals = (sample_reports.folders[lang] / "report" / "01_goals.html").read_text(encoding="utf-8")
    first_alt = re.search(r"<img\b[^>]*?\balt=\"([^\"]*)\"", goals).group(1)
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]", first_alt), first_alt


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_navigation_and_the_data_quality_appendix(sample_reports, lang):
    import html as htmllib

    from salesnb.i18n import t
    from salesnb.report import PAGES

    pages = sample_reports.pages(lang)
    order = [f"{p}.html" for p in PAGES]
    for i, name in enumerate(order):
        text = pages[name].read_text(encoding="utf-8")
        if name == "index.html":
            assert 'href="data_quality.html"' in text, "the summary links to the appendix"
            continue
        nav = re.search(r'<nav class="snb-nav".*?</nav>', text, re.S).group(0)
        linked = re.findall(r'href="([^"]+)"', nav)
        # every other page is linked from the bar, the current one is marked and not linked
        assert set(linked) == set(order) - {name}, (name, linked)
        assert 'aria-current="page"' in nav
        assert f'rel="prev" href="{order[i - 1]}"' in nav
        if i + 1 < len(order):
            assert f'rel="next" href="{order[i + 1]}"' in nav
        else:
            assert 'rel="next"' not in nav
        assert text.count('rel="prev"') == 2, "previous/next at the top and at the bottom"
    quality = pages["data_quality.html"].read_text(encoding="utf-8")
    assert htmllib.escape(t("rp_quality_title", lang)) in quality
    # plain descriptions, not rule ids: the sample has returns and regions filled from the customer table
    for rule in ("returns", "region_from_customers", "personal_data_masked"):
        assert htmllib.escape(t(f"rp_rule_{rule}", lang)) in quality
        assert f">{rule}<" not in quality
    run = json.loads((sample_reports.folders[lang] / "run.json").read_text(encoding="utf-8"))
    assert quality.count("<tr>") == len(run["data_quality"]) + 1 + len(run["inputs"]) - 1 + 1  # notes + header, files + header
    if lang == "zh":
        for english in ("Repair", "Warning", "For information", "Detail"):
            assert f">{english}<" not in quality


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_step_pages_open_with_findings_and_one_quality_line(sample_reports, lang):
    import html as htmllib

    import pandas as pd

    from salesnb.i18n import t
    from salesnb.present import quality_status

    run = json.loads((sample_reports.folders[lang] / "run.json").read_text(encoding="utf-8"))
    quality = pd.DataFrame(run["data_quality"])
    severities = quality["severity"].value_counts()
    line = quality_status(quality, lang)
    if lang == "en":  # the sample: one repair (regions filled from customers), no warning
        assert (int(severities.get("repair", 0)), int(severities.get("warning", 0))) == (1, 0)
        assert ">Data quality: 1 repair, 0 warnings — <" in line
    for name in STEPS:
        text = (sample_reports.folders[lang] / "report" / name).read_text(encoding="utf-8")
        assert line in text, f"{name}: no one-line data-quality status"
        assert text.count('class="snb-quality"') == 1
        # the full table stays in the analyst notebook
        assert htmllib.escape(t("inputs", lang)) not in text and "line 260" not in text, name
        assert htmllib.escape(t("rp_status_analyst", lang)) not in text
        notebook = (sample_reports.folders[lang] / name.replace(".html", ".ipynb")).read_text(encoding="utf-8")
        assert "line 260" in notebook, f"the analyst notebook {name} keeps the full table"


def test_export_drops_analyst_only_and_widget_outputs_and_describes_charts(tmp_path):
    """A hand-made executed notebook: what reaches the page is exactly the two kept outputs and the two charts."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from salesnb.present import ANALYST_ONLY
    from salesnb.report import export_html

    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    html_out = lambda text, **md: new_output("display_data", data={"text/html": f"<p>{text}</p>"}, metadata=md)  # noqa: E731
    widget = new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "ab", "version_major": 2},
                                              "text/plain": "VBox(children=(HBox(children=(Dropdown(description='Method'"})
    cells = [
        new_code_cell("a", outputs=[html_out("KEEP-1"), html_out("SECRET-2", **ANALYST_ONLY)]),
        new_code_cell("b", outputs=[html_out("SECRET-1")], metadata={"tags": ["analyst-only"]}),
        new_code_cell("c", outputs=[widget, new_output("execute_result", data={"text/plain": "VBox(children=())"}, execution_count=1)]),
        new_code_cell("d", outputs=[new_output("display_data", data={"image/png": png}, metadata={"image/png": {"alt": "销售额 <按区域>"}}),
                                    new_output("display_data", data={"image/png": png}), html_out("KEEP-2")]),
    ]
    nbformat.write(new_notebook(cells=cells), tmp_path / "n.ipynb")
    page = export_html(tmp_path / "n.ipynb", tmp_path / "n.html", "t", lang="zh").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert "KEEP-1" in page and "KEEP-2" in page
    assert "SECRET" not in page and "VBox" not in page and "widget-view" not in page
    assert re.findall(r'<img alt="([^"]*)"', page) == ["销售额 &lt;按区域&gt;", "图表"]
    assert "@page { size: A4;" in page
