"""Make notebook pages light, fresh and downloadable.

mkdocs-jupyter renders each jupytext page (``docs/*.py``) by executing it. This hook:

* keys its cache on the ``kltutorial`` sources too (mkdocs-jupyter keys it on the
  notebook file alone, so a change to the package would otherwise leave stale output),
  and deletes the cache folders of older keys;
* moves the ~590 KB of JupyterLab CSS that every notebook page inlines into one shared
  stylesheet, ``assets/jupyter.css``, keeping only the rules whose classes the notebook
  pages use (about 140 KB);
* moves figures embedded as ``data:`` URIs into files under ``figures/``, and turns a
  figure drawn in two themes (a ``<picture>``) into Material's ``#only-light`` and
  ``#only-dark`` pair of images;
* merges the consecutive stdout outputs of a cell into one block (the kernel sends a long
  printout in pieces that split at a different line each run);
* makes code cells look and copy like the rest of the site: Material's own copy button
  mounts on ``pre > code``, so each cell's ``<pre>`` gets a ``<code>`` and a stable id, and
  nbconvert's copy widget is removed; cell ids come from the cell's position;
* folds the cells tagged ``appendix`` (markdown and code) into one collapsed
  ``<details>`` titled by their heading, and drops the toolbar that prints a cell's tags;
* drops nbconvert's MathJax and Mermaid scripts (KaTeX renders the math; Mermaid would
  come from a CDN);
* writes the page as an ``.ipynb`` (no outputs, cell ids from the cell's index) next to
  it, with a download link, and ends the page with how long its code ran in the build
  that made its outputs (the time is cached with them);
* executes each notebook once for every edition: a translated notebook page
  (``docs/zh/<name>.py``) has the English one's code cells, so it is rendered with the
  English run's outputs, and its headings get the English page's ids, in order.

The HTML is edited with BeautifulSoup, except for the old regular expressions that cut
whole ``<style>`` and ``<script>`` elements.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# execution_report and figures are beside this file: mkdocs puts this folder on sys.path
# while it loads the hooks.
import editions
import execution_report
import jupytext
from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString
from figures import source_key
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs_jupyter import convert as jupyter_convert
from mkdocs_jupyter import plugin as jupyter_plugin

HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
STYLE = re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL)
# nbconvert's MathJax set-up (KaTeX renders the math here) and its Mermaid loader, which
# would import Mermaid from a CDN: neither may run on a site that works offline.
UNWANTED_SCRIPTS = re.compile(
    r'<script[^>]*src=""[^>]*>\s*</script>\s*'
    r'|<script type="text/x-mathjax-config">.*?</script>\s*'
    r'|<script type="module">(?:(?!</script>).)*mermaid.*?</script>\s*',
    re.DOTALL,
)
DATA_URI = re.compile(r"data:image/(svg\+xml|png);base64,([A-Za-z0-9+/=]+)")
CLASS_ATTRIBUTE = re.compile(r'class="([^"]*)"')
CLASS_SELECTOR = re.compile(r"\.([A-Za-z_][\w-]*)")
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
PSEUDO_ARGUMENT = re.compile(r":[\w-]+\([^)]*\)")
# The body of an innermost rule (no braces inside), and a var() reference in a value.
RULE_BODY = re.compile(r"\{([^{}]*)\}")
VAR_REFERENCE = re.compile(r"var\(\s*(--[\w-]+)")
# A comma between selectors, not one inside :is(...) or :where(...).
SELECTOR_COMMA = re.compile(r",(?![^(]*\))")

# What the notebook pages of this build inline and use; written out after the build.
_css: dict[str, str] = {}
_classes: set[str] = set()


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Put mkdocs-jupyter's cache in a folder named after the package's sources.

    Each edition has its own folder: mkdocs-jupyter deletes, after a build, every cached
    page of its folder that the build did not use.
    """
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is not None and plugin.config.get("cache"):
        root = Path(config.config_file_path).parent
        base = Path(plugin.config["cache_dir"])
        if not base.is_absolute():
            base = root / base
        folders = {edition: cache_folder(base, root, edition) for edition in editions.LANGUAGES}
        plugin.config["cache_dir"] = str(folders[editions.language(config)])
        for old in base.parent.glob(f"{base.name}-*"):
            if old not in folders.values() and old.is_dir():
                shutil.rmtree(old)
    return config


def notebook_key(root: Path) -> str:
    """The package's source key and this hook's own source: what a cached page depends on.

    The rendering in ``render_notebooks`` (outputs, the execution time) is cached with the
    page, so a change to this file must miss the old cache too.
    """
    digest = hashlib.sha256(source_key(root).encode())
    digest.update((root / "docs" / "hooks" / "notebooks.py").read_bytes())
    return digest.hexdigest()[:16]


def cache_folder(base: Path, root: Path, edition: str) -> Path:
    """An edition's folder of mkdocs-jupyter's cache, under the current notebook key."""
    suffix = notebook_key(root) if edition == "en" else f"{edition}-{notebook_key(root)}"
    return base.parent / f"{base.name}-{suffix}"


def is_notebook(page: Page) -> bool:
    """Whether mkdocs-jupyter renders this page."""
    return page.file.src_uri.endswith(".py") and "/" not in page.file.src_uri


# mkdocs-jupyter executes one notebook at a time, when the build reaches its page. Each
# notebook page is started instead in a process of its own as soon as the build knows its
# files, with the arguments mkdocs-jupyter would pass, so the notebooks run side by side
# (and beside the rest of the build): the build waits for the slowest, not for the sum.
# When mkdocs-jupyter renders the page, it gets the finished result; the rest (the table of
# contents, its cache) is its own code.
NB2HTML_OPTIONS = (
    "kernel_name", "theme", "allow_errors", "show_input", "no_input", "no_prompt",
    "remove_tag_config", "highlight_extra_classes", "include_requirejs", "custom_mathjax_url",
)  # fmt: skip
DOWNLOAD = {"en": "Download this page as a notebook", "zh": "下载本页的 Jupyter 笔记本"}
# The last line of a notebook page: how long its code ran in the build that made its outputs.
RAN_FOR = {
    "en": "The code on this page ran in {seconds} s when the site was built; every output "
    "above comes from that run.",
    "zh": "构建本站时，本页代码运行了 {seconds} 秒；上面的输出都来自那次运行。",
}
RAN_FOR_CLASS = "kl-execution-time"
APPENDIX = {"en": "Appendix", "zh": "附录"}


@dataclass
class Execution:
    """A notebook executing in its own process, rendered as one page or more.

    ``paths[0]`` is executed; each path (the page and its translations) is rendered with
    that run's outputs.
    """

    process: subprocess.Popen[str]
    paths: list[str]
    started: float = field(default_factory=time.perf_counter)
    pages: list[str] | None = None

    def result(self, path: str, where: str) -> str:
        """The HTML of ``path``'s page, once the process is done (a failed cell fails)."""
        if self.pages is None:
            out, err = self.process.communicate()
            seconds = time.perf_counter() - self.started
            if self.process.returncode != 0:
                raise PluginError(f"{where}: executing the notebook failed:\n{err[-4000:]}")
            note = "executed beside the build" + (
                f", rendered in {len(self.paths)} editions" if len(self.paths) > 1 else ""
            )
            execution_report.record("notebook", where, seconds, note)
            self.pages = [str(page) for page in json.loads(out)]
        return self.pages[self.paths.index(path)]


# Keyed by the absolute path of each page an execution renders: the editions' builds
# share this module, so the Chinese build finds what the English build started.
_executing: dict[str, Execution] = {}
# The English notebook pages' heading ids, in order, which their translations take.
_heading_ids: dict[str, list[str]] = {}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Start executing every notebook page whose result is not in mkdocs-jupyter's cache.

    The English build starts them for every edition: one process per notebook executes it
    and renders the English page and its translations from that run. If any edition's page
    is not cached, all are rendered again, so that every edition shows the same run.
    """
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None or not plugin.config["execute"] or editions.language(config) != "en":
        return files
    options = {"execute": True, **{name: plugin.config[name] for name in NB2HTML_OPTIONS}}
    root = Path(config.config_file_path).parent

    english = Path(plugin.config["cache_dir"])
    base = english.parent / english.name.removesuffix(f"-{notebook_key(root)}")

    def cache_file(path: str, edition: str) -> Path | None:
        if not plugin.config["cache"]:
            return None
        key = jupyter_plugin._compute_cache_key(path, plugin.config, True)
        folder = cache_folder(base, root, edition)
        return Path(jupyter_plugin._get_cache_path(str(folder), key))

    def cached(path: str, edition: str) -> bool:
        found = cache_file(path, edition)
        return found is not None and found.exists()

    for file in files:
        # mkdocs-jupyter's wrapper loses a file's exclusion (the English build excludes
        # docs/zh/): without it, MkDocs would render the Chinese notebooks in English.
        if isinstance(file, jupyter_plugin.NotebookFile):
            file.inclusion = file.file.inclusion
        if not plugin.should_include(file) or file.inclusion is InclusionLevel.EXCLUDED:
            continue
        if file.abs_src_path in _executing:
            continue
        pages = {
            edition: str(editions.docs_dir(root, edition) / file.src_uri)
            for edition in editions.LANGUAGES
        }
        pages = {e: path for e, path in pages.items() if Path(path).is_file()}
        if all(cached(path, edition) for edition, path in pages.items()):
            for path in pages.values():
                name = Path(path).relative_to(root / "docs").as_posix()
                execution_report.record("notebook", name, None)
            continue
        # Every edition from one run, even if some are cached: same outputs, same time.
        # mkdocs-jupyter reads a cached page before rendering it: drop the stale ones.
        for edition, path in pages.items():
            if (stale := cache_file(path, edition)) is not None:
                stale.unlink(missing_ok=True)
        paths = list(pages.values())
        process = subprocess.Popen(
            [sys.executable, __file__, json.dumps(options), *paths],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        execution = Execution(process, paths)
        for path in paths:
            _executing[path] = execution
    # MkDocs reads the pages in this order and waits at a notebook page for its process:
    # reading the other pages first keeps the build busy while the notebooks run.
    return Files(sorted(files, key=plugin.should_include))


def render_notebooks(paths: list[str], options: dict[str, Any]) -> list[str]:
    """Execute ``paths[0]`` and render every path with its outputs (in the subprocess).

    The translations' code cells must be the executed notebook's, in the same order; each
    gets the outputs of its counterpart. mkdocs-jupyter's converter renders the executed
    notebooks without executing them again.
    """
    from nbconvert.preprocessors import ExecutePreprocessor

    executed = jupytext.read(paths[0])
    started = time.perf_counter()
    ExecutePreprocessor(  # type: ignore[no-untyped-call]
        kernel_name=options["kernel_name"],
        allow_errors=options["allow_errors"],
        store_widget_state=True,
    ).preprocess(executed, {})
    # A marker the page hook words in the page's language (on_post_page); it is part of the
    # cached render, so a page always states the time of the run its outputs come from.
    ran_for = f'<p class="{RAN_FOR_CLASS}" data-seconds="{time.perf_counter() - started:.1f}"></p>'
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    pages = []
    with tempfile.TemporaryDirectory() as folder:
        for number, path in enumerate(paths):
            notebook = executed if number == 0 else jupytext.read(path)
            cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
            for index, (cell, twin) in enumerate(zip(cells, code, strict=False)):
                if cell.source != twin.source:
                    raise ValueError(f"{path}: code cell {index} differs from {paths[0]}'s")
                cell.outputs, cell.execution_count = twin.outputs, twin.execution_count
            if len(cells) != len(code):
                raise ValueError(f"{path}: {len(cells)} code cells, {paths[0]} has {len(code)}")
            target = Path(folder, f"{number}-{Path(path).stem}.ipynb")
            jupytext.write(notebook, target, fmt="ipynb")
            body = jupyter_convert.nb2html(str(target), **{**options, "execute": False})
            pages.append(body + ran_for)
    return pages


def on_pre_page(page: Page, config: MkDocsConfig, files: Files) -> Page:
    """Have mkdocs-jupyter's render of a notebook page take the result of its process."""
    path = str(page.file.abs_src_path)
    execution = _executing.pop(path, None)
    if execution is None:
        return page
    render = page.render  # mkdocs-jupyter's, set on this page in its on_pre_page

    def render_from_the_process(config: MkDocsConfig, files: Files) -> None:
        body = execution.result(path, page.file.src_uri)
        convert_notebook = jupyter_convert.nb2html
        jupyter_convert.nb2html = lambda *args, **kwargs: body
        try:
            render(config, files)
        finally:
            jupyter_convert.nb2html = convert_notebook

    page.render = render_from_the_process  # type: ignore[method-assign]
    return page


def on_build_error(error: Exception) -> None:
    """Stop notebooks still executing when the build fails."""
    for execution in _executing.values():
        if execution.process.poll() is None:
            execution.process.kill()
            execution.process.communicate()
    _executing.clear()


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Give a translated notebook page's headings the English page's ids, in order.

    mkdocs-jupyter makes ids from the ASCII letters of a heading, which a Chinese heading
    has few of; with the English ids, links and the language selector's anchors hold.
    """
    if not is_notebook(page):
        return html
    soup = BeautifulSoup(html, "html.parser")
    headings = soup.find_all(HEADINGS)
    if editions.language(config) == "en":
        _heading_ids[page.file.src_uri] = [str(h["id"]) for h in headings]
        return html
    english = _heading_ids.get(page.file.src_uri)
    if english is None or len(english) != len(headings):
        raise PluginError(
            f"{page.file.src_uri}: {len(headings)} headings, the English page has "
            f"{'none' if english is None else len(english)}: translate each heading once"
        )
    toc = {}
    for heading, new in zip(headings, english, strict=True):
        toc[heading.get_text(" ", strip=True).rstrip("¶").strip()] = new
        heading["id"] = new
        for link in heading.select("a.anchor-link"):
            link["href"] = f"#{new}"
    stack = list(page.toc)
    while stack:
        item = stack.pop(0)
        title = BeautifulSoup(item.title, "html.parser").get_text(" ", strip=True)
        if title.rstrip("¶").strip() not in toc:
            raise PluginError(f"{page.file.src_uri}: no heading for contents entry {title!r}")
        item.id = toc[title.rstrip("¶").strip()]
        stack[:0] = item.children
    return str(soup)


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Slim a rendered notebook page and attach its downloadable notebook."""
    if not is_notebook(page):
        return output
    site = Path(config.site_dir)
    page_dir = posixpath.dirname(page.file.dest_uri)

    def relative(uri: str) -> str:
        return posixpath.relpath(uri, page_dir or ".")

    styles = [s for s in STYLE.findall(output) if "jp-" in s or "highlight" in s]
    if styles:
        _css["text"] = re.sub(r"</?style[^>]*>", "", "".join(styles))
        output = STYLE.sub(lambda m: "" if m.group(0) in styles else m.group(0), output)
        link = f'<link rel="stylesheet" href="{relative("assets/jupyter.css")}">'
        output = output.replace("</head>", f"{link}\n</head>", 1)
    output = UNWANTED_SCRIPTS.sub("", output)

    soup = BeautifulSoup(output, "html.parser")
    _merge_streams(soup)
    _code_cells(soup)
    _appendix(soup, editions.language(config))
    _cell_tags(soup)

    def save(uri: str) -> str:
        match = DATA_URI.fullmatch(uri)
        if match is None:
            return uri
        payload = base64.b64decode(match.group(2))
        suffix = "svg" if "svg" in match.group(1) else "png"
        name = f"figures/{hashlib.sha256(payload).hexdigest()[:16]}.{suffix}"
        (site / "figures").mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(payload)
        return relative(name)

    for picture in soup.select("picture"):
        img, source = picture.find("img"), picture.find("source")
        if not isinstance(img, Tag) or not isinstance(source, Tag):
            continue
        dark = soup.new_tag(
            "img",
            attrs={k: " ".join(v) if isinstance(v, list) else v for k, v in img.attrs.items()},
        )
        dark["src"] = save(str(source["srcset"])) + "#only-dark"
        img["src"] = save(str(img["src"])) + "#only-light"
        picture.replace_with(img, dark)
    for img in soup.select('img[src^="data:"]'):
        img["src"] = save(str(img["src"]))

    article = soup.select_one("article.md-content__inner.md-typeset")
    stem = Path(page.file.src_uri).stem
    if article is not None:
        button = soup.new_tag("a", attrs={"class": "md-button", "href": f"{stem}.ipynb"})
        button["download"] = ""
        button.string = DOWNLOAD[editions.language(config)]
        article.insert(0, button)
    notebook_body = soup.select_one("div.jp-Notebook")
    for ran_for in soup.select(f"p.{RAN_FOR_CLASS}"):
        ran_for.string = RAN_FOR[editions.language(config)].format(seconds=ran_for["data-seconds"])
        if notebook_body is not None:  # inside, to line up with the cells
            notebook_body.append(ran_for.extract())
    output = str(soup)
    for match in CLASS_ATTRIBUTE.finditer(output):
        _classes.update(match.group(1).split())

    notebook = jupytext.read(page.file.abs_src_path)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"  # nbformat would draw a random id on every build
    target = site / page_dir / f"{stem}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(notebook, target, fmt="ipynb")
    return output


def _cells(soup: BeautifulSoup) -> list[Tag]:
    """The notebook's cells, outermost ``jp-Cell`` elements, in page order."""
    return [c for c in soup.select("div.jp-Cell") if c.find_parent("div", class_="jp-Cell") is None]


def _merge_streams(soup: BeautifulSoup) -> None:
    """Join each run of consecutive stdout outputs of a cell into its first ``<pre>``.

    The kernel sends a long printout in as many pieces as its timing makes: the page must
    not show how many. The merged pieces go, and so does the blank text between them.
    """
    for area in soup.select("div.jp-OutputArea"):
        previous: Tag | None = None
        for child in area.find_all("div", class_="jp-OutputArea-child", recursive=False):
            pre = child.select_one('div.jp-RenderedText[data-mime-type="text/plain"] > pre')
            is_stream = pre is not None and "jp-OutputArea-executeResult" not in child["class"]
            if is_stream and previous is not None and pre is not None:
                previous.extend(list(pre.contents))
                gap = child.previous_sibling
                if isinstance(gap, NavigableString) and not gap.strip():
                    gap.extract()
                child.decompose()
                continue
            previous = pre if is_stream else None


def _code_cells(soup: BeautifulSoup) -> None:
    """Stable cell ids, and ``pre > code`` in every code cell for Material's copy button."""
    for index, cell in enumerate(_cells(soup)):
        for element in [cell, *cell.find_all(id=re.compile(r"^cell-id="))]:
            if str(element.get("id", "")).startswith("cell-id="):
                element["id"] = f"cell-{index}"
    # mkdocs-jupyter's own copy widget and the hidden copy of the code it copies from.
    for widget in soup.select("div.zeroclipboard-container, div.clipboard-copy-txt"):
        widget.decompose()
    blocks = soup.select(".jp-InputArea .highlight-ipynb, .jp-RenderedMarkdown .highlight")
    for number, block in enumerate(blocks):
        pre = block.find("pre")
        if not isinstance(pre, Tag) or pre.find("code", recursive=False) is not None:
            continue
        # Material copies the text of "#<id of the closest element with an id> > code".
        block["id"] = f"notebook-code-{number}"
        code = soup.new_tag("code")
        code.extend(list(pre.contents))
        pre.append(code)


def _appendix(soup: BeautifulSoup, language: str = "en") -> None:
    """Fold the cells tagged ``appendix`` into one collapsed ``<details>``.

    nbconvert writes a tag's class (``celltag_appendix``) on the cell itself for a code cell,
    but on the rendered-markdown ``<div>`` inside it for a markdown cell: a cell belongs to
    the appendix when it or anything inside it has the class. The ``<details>`` goes where
    the first of them was; its summary is the text of the first heading among them. That
    heading is dropped (the summary says it) and its id moves to the ``<details>``, so the
    table of contents and links to the heading land on the folded appendix.
    """

    def tagged(cell: Tag) -> bool:
        return (
            "celltag_appendix" in cell.get_attribute_list("class")
            or cell.find(class_="celltag_appendix") is not None
        )

    cells = [c for c in _cells(soup) if tagged(c)]
    if not cells:
        return
    details = soup.new_tag("details", attrs={"class": "appendix"})
    summary = soup.new_tag("summary")
    heading = next((h for c in cells for h in c.find_all(["h2", "h3"])), None)
    if heading is None:
        summary.string = APPENDIX[language]
    else:
        for permalink in heading.select("a.anchor-link"):
            permalink.decompose()
        summary.string = heading.get_text(" ", strip=True)
        if heading.get("id"):
            details["id"] = heading["id"]
        heading.decompose()
    details.append(summary)
    cells[0].insert_before(details)
    for cell in cells:
        details.append(cell.extract())


def _cell_tags(soup: BeautifulSoup) -> None:
    """Remove the toolbars in which nbconvert prints a cell's tags ("appendix") above it."""
    for toolbar in soup.select("div.celltoolbar"):
        toolbar.decompose()


def on_pre_build(config: MkDocsConfig) -> None:
    """Forget the previous build's notebook CSS and timings (``mkdocs serve`` rebuilds).

    The English build comes first; the other editions' builds keep what it started.
    """
    _css.clear()
    _classes.clear()
    if editions.language(config) == "en":
        on_build_error(RuntimeError("a new build"))
        _heading_ids.clear()
        execution_report.clear()


def on_post_build(config: MkDocsConfig) -> None:
    """Write the notebook pages' shared stylesheet and the build's execution times."""
    execution_report.write(Path(config.config_file_path).parent)
    if "text" in _css:
        target = Path(config.site_dir) / "assets" / "jupyter.css"
        target.parent.mkdir(parents=True, exist_ok=True)
        css = prune_css(COMMENT.sub("", _css["text"]), _classes)
        target.write_text(prune_variables(css), encoding="utf-8")


def prune_css(css: str, used: set[str]) -> str:
    """Keep the rules with a selector whose classes all occur in ``used``.

    Classes inside ``:not(...)``, ``:is(...)`` and the like do not count: such a rule may
    match without them, so it is kept when the rest of its selector is used.
    Rules without class selectors (``:root`` variables, element rules) are kept, and
    ``@media``/``@supports`` blocks are pruned inside. The notebook HTML is static
    (nbconvert writes every class), so this drops only what no page can match.
    """
    kept, i = [], 0
    while (brace := css.find("{", i)) >= 0:
        selector = css[i:brace].strip()
        depth, end = 1, brace + 1
        while depth and end < len(css):
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        body = css[brace + 1 : end - 1]
        if selector.startswith(("@media", "@supports")):
            inner = prune_css(body, used)
            if inner:
                kept.append(f"{selector}{{{inner}}}")
        elif selector.startswith("@"):
            kept.append(f"{selector}{{{body}}}")
        else:
            selectors = [
                s
                for s in SELECTOR_COMMA.split(selector)
                if set(CLASS_SELECTOR.findall(PSEUDO_ARGUMENT.sub("", s))) <= used
            ]
            if selectors:
                kept.append(f"{','.join(selectors)}{{{body}}}")
        i = end
    return "".join(kept)


def prune_variables(css: str) -> str:
    """Drop the custom properties (``--jp-...: value``) that nothing reads with ``var()``.

    JupyterLab's stylesheet defines some 300 variables for its whole interface; the rules
    a notebook page keeps read about 60 of them. A variable counts as read when a kept
    declaration reads it, or a read variable's value does. Declarations are split at
    semicolons outside parentheses and quotes, since values hold ``data:`` URIs.
    """
    rules = [
        (match.start(1), match.end(1), declarations(match.group(1)))
        for match in RULE_BODY.finditer(css)
    ]
    values: dict[str, list[str]] = {}
    read: set[str] = set()
    for _, _, found in rules:
        for name, value in found:
            if name.startswith("--"):
                values.setdefault(name, []).append(value)
            else:
                read |= set(VAR_REFERENCE.findall(value))
    pending = list(read)
    while pending:
        for value in values.get(pending.pop(), []):
            new = set(VAR_REFERENCE.findall(value)) - read
            read |= new
            pending.extend(new)
    pieces, i = [], 0
    for start, end, found in rules:
        kept = [
            f"{name}:{value}" for name, value in found if not name.startswith("--") or name in read
        ]
        pieces += [css[i:start], ";".join(kept)]
        i = end
    pieces.append(css[i:])
    return "".join(pieces)


def declarations(body: str) -> list[tuple[str, str]]:
    """A rule body's ``name: value`` pairs, split where no parenthesis or quote is open."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(body):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == ";" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    pairs = []
    for part in parts:
        name, colon, value = part.partition(":")
        if colon:
            pairs.append((name.strip(), value.strip()))
        elif part.strip():
            raise ValueError(f"jupyter.css: not a declaration: {part.strip()[:80]!r}")
    return pairs


if __name__ == "__main__":
    # The parent reads stdout: the rendered pages, as a JSON list.
    print(json.dumps(render_notebooks(sys.argv[2:], json.loads(sys.argv[1]))))
