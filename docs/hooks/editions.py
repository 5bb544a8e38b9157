"""Build the Chinese edition beside the English one, and link each page to its twin.

The English site is built from ``docs/`` into the site folder; the Chinese edition from
``docs/zh/`` into its ``zh/`` subfolder, by this hook, right after the English build and
in the same process (so ``mkdocs build`` and ``mkdocs serve`` make both). The Chinese
build's configuration is ``mkdocs.yml`` with ``docs/zh/edition.yml`` merged over it: its
own navigation, ``theme.language`` and site address, and everything else shared. This is
Material's recommended layout (one MkDocs project per language, linked by the language
selector), without a second command: mkdocs-static-i18n was not used because it renders
mkdocs-jupyter's notebook pages as raw JSON (its issue 198).

The two builds share the hooks' modules (MkDocs loads a hook once per process): the
notebook pages run once, in the English build, and the Chinese pages take their outputs
(``notebooks.py``); every edition's figures are drawn by the first build (``figures.py``).

The language selector (Material's ``extra.alternate``) links to each edition's home page;
this hook points its links at the same page in each edition, so that they work without
JavaScript. The ``<link rel="alternate">`` elements of the page head keep the editions'
home pages: Material's script reads each edition's ``sitemap.xml`` from there.
"""

from __future__ import annotations

import logging
import posixpath
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils.yaml import yaml_load

# start_tags.py is beside this file: mkdocs puts this folder on sys.path while it loads hooks.
from start_tags import Attributes, rewrite

log = logging.getLogger("mkdocs.hooks.editions")

# Each edition: its language, as the figure scripts and the tests name it, and its folder,
# under docs/ for the sources and under the site folder for the pages. English is built
# first, by MkDocs; the others by this hook, in this order.
LANGUAGES = {"en": "", "zh": "zh"}
# theme.language -> edition ("zh_Hans" is Material's "zh" with <html lang="zh-Hans">,
# docs/overrides/partials/languages/zh_Hans.html).
THEME_LANGUAGES = {"en": "en", "zh_Hans": "zh"}
OVERLAY = "edition.yml"

# The English build's files that are not pages (stylesheets, scripts, the examples' sources),
# which every edition serves from its own folder unless it has its own.
_shared: list[str] = []


def language(config: MkDocsConfig) -> str:
    """The edition a configuration builds: ``"en"`` or ``"zh"``."""
    return THEME_LANGUAGES[config.theme.get("language", "en")]


def docs_dir(root: Path, edition: str) -> Path:
    """Where an edition's pages are written."""
    return root / "docs" / LANGUAGES[edition]


def merge(base: dict[str, Any], overlay: dict[str, Any]) -> None:
    """Merge ``overlay`` into ``base``: mappings key by key, anything else replaced."""
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value


def edition_config(english: MkDocsConfig, edition: str) -> MkDocsConfig:
    """``mkdocs.yml`` with the edition's ``edition.yml`` merged over it (lists replaced)."""
    root = Path(english.config_file_path).parent
    source = docs_dir(root, edition)
    with open(english.config_file_path, encoding="utf-8") as file:
        raw: dict[str, Any] = yaml_load(file)
    with open(source / OVERLAY, encoding="utf-8") as file:
        merge(raw, yaml_load(file))
    raw["docs_dir"] = str(source)
    raw["site_dir"] = str(Path(english.site_dir) / LANGUAGES[edition])
    raw["exclude_docs"] = f"{raw.get('exclude_docs') or ''}\n/{OVERLAY}\n"
    config = MkDocsConfig(config_file_path=english.config_file_path)
    config.load_dict(raw)
    errors, warnings = config.validate()
    for name, warning in warnings:
        log.warning(f"{source / OVERLAY}: config value '{name}': {warning}")
    if errors:
        raise PluginError(f"{source / OVERLAY}: {'; '.join(f'{n}: {e}' for n, e in errors)}")
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Give every edition the English edition's static files (CSS, scripts, examples)."""
    root = Path(config.config_file_path).parent
    english = docs_dir(root, "en")
    if language(config) == "en":
        _shared[:] = [
            f.src_uri
            for f in files
            if not f.is_documentation_page() and f.abs_src_path
            if Path(f.abs_src_path).is_relative_to(english)
        ]
        return files
    for uri in _shared:
        if files.get_file_from_path(uri) is None:
            files.append(File(uri, str(english), config.site_dir, config.use_directory_urls))
    return files


def on_post_build(config: MkDocsConfig) -> None:
    """After the English build, build every other edition into its subfolder."""
    if language(config) != "en":
        return
    for edition in list(LANGUAGES)[1:]:
        log.info(f"Building the '{edition}' edition into {LANGUAGES[edition]}/")
        build(edition_config(config, edition))


def twin_url(page_url: str, here: str, there: str) -> str:
    """The link from a page of edition ``here`` to the same page in edition ``there``.

    ``page_url`` is the page's URL inside its edition (``""``, ``"asymmetry/"``,
    ``"404.html"``); every edition has the same pages under the same URLs.
    """
    source = posixpath.join(LANGUAGES[here], page_url)
    target = posixpath.join(LANGUAGES[there], page_url)
    base = posixpath.dirname(source) if not source.endswith("/") else source.rstrip("/")
    link = posixpath.relpath(target or ".", base or ".")
    if link == ".":
        return "./"
    return link + "/" if target.endswith("/") or not target else link


def is_selector_link(tag: str, attrs: Attributes) -> bool:
    """Whether a start tag is a link of Material's language selector."""
    return (
        tag == "a" and bool(attrs.get("hreflang")) and "md-select__link" in str(attrs.get("class"))
    )


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Point the language selector's links at this page in each edition.

    The selector is in the page's header: only the HTML up to the first ``</header>`` is
    parsed, and only the links found are rewritten.
    """
    here = language(config)
    editions = {a["lang"]: a["edition"] for a in config.extra.get("alternate", [])}

    def twin(tag: str, values: Attributes) -> Attributes:
        return {**values, "href": twin_url(page.url, here, editions[values["hreflang"] or ""])}

    end = output.find("</header>")
    if end < 0:
        return rewrite(output, is_selector_link, twin)
    return rewrite(output[:end], is_selector_link, twin) + output[end:]
