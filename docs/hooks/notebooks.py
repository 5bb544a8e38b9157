"""Make notebook pages light, fresh and downloadable.

mkdocs-jupyter renders each jupytext page (``docs/*.py``) by executing it. This hook:

* keys its cache on the ``kltutorial`` sources too (mkdocs-jupyter keys it on the
  notebook file alone, so a change to the package would otherwise leave stale output);
* moves the ~590 KB of JupyterLab CSS that every notebook page inlines into one shared
  stylesheet, ``assets/jupyter.css``, keeping only the rules whose classes the notebook
  pages use (about 140 KB);
* moves figures embedded as ``data:`` URIs into files under ``figures/``;
* drops nbconvert's MathJax and Mermaid scripts (KaTeX renders the math; Mermaid would
  come from a CDN);
* writes the page as an ``.ipynb`` (no outputs) next to it, with a download link.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import re
from pathlib import Path

import jupytext

# mkdocs puts this folder on sys.path while it loads the hooks.
from figures import source_key
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

STYLE = re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL)
# nbconvert's MathJax set-up (KaTeX renders the math here) and its Mermaid loader, which
# would import Mermaid from a CDN: neither may run on a site that works offline.
UNWANTED_SCRIPTS = re.compile(
    r'<script[^>]*src=""[^>]*>\s*</script>\s*'
    r'|<script type="text/x-mathjax-config">.*?</script>\s*'
    r'|<script type="module">(?:(?!</script>).)*mermaid.*?</script>\s*',
    re.DOTALL,
)
DATA_IMAGE = re.compile(r'src="data:image/(svg\+xml|png);base64,([A-Za-z0-9+/=]+)"')
ARTICLE = re.compile(r'(<article class="md-content__inner md-typeset">)')
CLASS_ATTRIBUTE = re.compile(r'class="([^"]*)"')
CLASS_SELECTOR = re.compile(r"\.([A-Za-z_][\w-]*)")
COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
PSEUDO_ARGUMENT = re.compile(r":[\w-]+\([^)]*\)")
# A comma between selectors, not one inside :is(...) or :where(...).
SELECTOR_COMMA = re.compile(r",(?![^(]*\))")

# What the notebook pages of this build inline and use; written out after the build.
_css: dict[str, str] = {}
_classes: set[str] = set()


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Put mkdocs-jupyter's cache in a folder named after the package's sources."""
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is not None and plugin.config.get("cache"):
        root = Path(config.config_file_path).parent
        base = Path(plugin.config["cache_dir"])
        if not base.is_absolute():
            base = root / base
        plugin.config["cache_dir"] = str(base.parent / f"{base.name}-{source_key(root)}")
    return config


def is_notebook(page: Page) -> bool:
    """Whether mkdocs-jupyter renders this page."""
    return page.file.src_uri.endswith(".py") and "/" not in page.file.src_uri


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
    for match in CLASS_ATTRIBUTE.finditer(output):
        _classes.update(match.group(1).split())
    output = UNWANTED_SCRIPTS.sub("", output)

    def extract(match: re.Match[str]) -> str:
        kind, data = match.group(1), match.group(2)
        payload = base64.b64decode(data)
        suffix = "svg" if "svg" in kind else "png"
        name = f"figures/{hashlib.sha256(payload).hexdigest()[:16]}.{suffix}"
        (site / "figures").mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(payload)
        return f'src="{relative(name)}"'

    output = DATA_IMAGE.sub(extract, output)

    stem = Path(page.file.src_uri).stem
    notebook = jupytext.read(page.file.abs_src_path)
    target = site / page_dir / f"{stem}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    jupytext.write(notebook, target, fmt="ipynb")
    button = (
        f'<a class="md-button" href="{stem}.ipynb" download>Download this page as a notebook</a>'
    )
    return ARTICLE.sub(lambda m: m.group(1) + button, output, count=1)


def on_pre_build(config: MkDocsConfig) -> None:
    """Forget the previous build's notebook CSS (``mkdocs serve`` rebuilds in-process)."""
    _css.clear()
    _classes.clear()


def on_post_build(config: MkDocsConfig) -> None:
    """Write the notebook pages' shared stylesheet, without rules for unused classes."""
    if "text" in _css:
        target = Path(config.site_dir) / "assets" / "jupyter.css"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(prune_css(COMMENT.sub("", _css["text"]), _classes), encoding="utf-8")


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
