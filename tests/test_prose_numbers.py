"""Every number the prose of a page states comes from code that ran for that page.

The checker reads every page of the BUILT site (``site/`` or ``$KLTUTORIAL_SITE_DIR``), the
HTML a reader sees: snippet includes, admonitions, collapsed solutions and executed
notebook outputs are all resolved there, and a page added later is checked with no code
to add here. It splits each page's article into

* **prose**: headings, paragraphs, lists, tables, admonitions, the alt text of figures
  and the TeX source of math (inline code in a sentence counts as prose too);
* **outputs**: what executed code printed, and only output that another test holds to
  the code above it: a ``text`` block after ``<!--pytest-codeblocks:expected-output-->``
  (pytest-codeblocks), a ``text`` block titled "Output" after a ``docs/examples/*.py``
  include (tests/test_docs_examples.py), a notebook cell's output (the build executed
  it, with ``allow_errors: false``), and the output lines of a docstring example in the
  API reference (tests/test_docstrings.py);
* **code**: every other code block; its numeric literals are the page's inputs.

Each number in the prose must then be, to the precision it is quoted with (9.64 matches
an output 9.6355; 8.64 does not):

1. a number in one of the page's outputs (unsigned prose numbers match either sign);
2. a numeric literal of the page's code, exactly (a parameter the reader can see);
3. one of the derived numbers of ``tests/prose_numbers.py`` for that page, each computed
   there by an independent oracle (closed forms, scipy, mpmath);
4. not a quantity, by one of the rules of ``not_a_result`` (one-digit integers, years,
   dates, version strings, section and step labels, the "Further reading" list) or the
   page's short allowlist in ``tests/prose_numbers.py``.

Otherwise the test fails naming the page, the number and its sentence, and what to do.
A missing site is a failure, not a skip: ``make test`` builds the docs before pytest.
"""

from __future__ import annotations

import html.parser
import io
import math
import os
import re
import tokenize
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from prose_numbers import ALLOWED, DERIVED

ROOT = Path(__file__).resolve().parents[1]

# ------------------------------------------------------------------ the HTML, as a tree

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr", "param"}


@dataclass(eq=False)  # compared by identity: an element is where it is in the tree
class Element:
    """An element of the page: tag, attributes, children (elements, text and comments)."""

    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str | Comment] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(
            c if isinstance(c, str) else c.text()
            for c in self.children
            if not isinstance(c, Comment)
        )

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_class(self, name: str) -> Element | None:
        return next((e for e in self.iter() if name in e.classes), None)

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class Comment(str):
    """An HTML comment (pytest-codeblocks' markers survive into the HTML as comments)."""


class TreeBuilder(html.parser.HTMLParser):
    """A forgiving tree builder: an end tag closes up to its matching open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def handle_comment(self, data: str) -> None:
        self.stack[-1].children.append(Comment(data))


def parse(html_text: str) -> Element:
    builder = TreeBuilder()
    builder.feed(html_text)
    builder.close()
    return builder.root


# ------------------------------------------------------------------ numbers in text

MINUS = "\u2212"  # the typographic minus sign, as well as the hyphen-minus
# A number not glued to a word or a name: "float32", "L1", "x2", "log2" and "2nd" are not
# quantities. A sign is part of the number only when it is attached to it ("-5") and does
# not follow a word or a number ("x-5", "10-15" are not negative numbers).
NUMBER = re.compile(
    rf"(?<![\w.])(?P<sign>(?<![\w)\]}}])[-{MINUS}])?"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d[\d_]*(?:\.\d+)?)"
    rf"(?P<exp>[eE][-+{MINUS}]?\d+)?(?![\w]|\.\d)"
)


@dataclass(frozen=True)
class Quoted:
    """A number as written: its text, value and the half-width of its last digit."""

    text: str
    value: float
    signed: bool

    @property
    def tolerance(self) -> float:
        """Half a unit in the last digit quoted: 9.64 stands for [9.635, 9.645]."""
        mantissa, _, exponent = self.text.lstrip("-").lower().partition("e")
        decimals = len(mantissa.partition(".")[2])
        return 0.5 * 10.0 ** (int(exponent or 0) - decimals)

    @property
    def is_integer(self) -> bool:
        return re.fullmatch(r"-?\d+", self.text) is not None

    def matches(self, value: float) -> bool:
        """Whether ``value``, rounded to the quoted precision, is this number."""
        if not math.isfinite(value):
            return False
        candidate = value if self.signed else abs(value)
        return abs(candidate - self.value) <= self.tolerance * (1 + 1e-9)


def numbers_in(text: str) -> Iterator[tuple[Quoted, int, int]]:
    """The numbers written in a text, with where they are."""
    for match in NUMBER.finditer(text):
        sign = "-" if match["sign"] else ""
        digits = match["digits"].replace(",", "").replace("_", "")
        exponent = (match["exp"] or "").replace(MINUS, "-")
        written = f"{sign}{digits}{exponent}"
        yield Quoted(written, float(written), bool(sign)), match.start(), match.end()


def output_values(text: str) -> list[float]:
    """Every number an output shows, with its sign."""
    return [quoted.value for quoted, _, _ in numbers_in(text)]


def code_literals(source: str) -> set[float]:
    """The numeric literals of Python code (numbers inside strings are not literals)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return {abs(value) for value in output_values(source)}  # not Python: any number
    values = set()
    for token in tokens:
        if token.type == tokenize.NUMBER and not token.string.lower().endswith("j"):
            try:
                values.add(float(token.string.replace("_", "")))
            except ValueError:
                values.add(float(int(token.string.replace("_", ""), 0)))
    return values


# TeX, rewritten so that its numbers read as a reader reads them.
TEX_RULES = [
    (re.compile(r"\\[td]?frac\s*(\d)\s*(\d)"), r"\1/\2"),  # \tfrac12 is 1/2
    (re.compile(r"\\[td]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}"), r"(\1)/(\2)"),
    # 1.19 \times 10^{-7} is 1.19e-7, 10^{-7} alone is 1e-7
    (re.compile(rf"(\d(?:\.\d+)?)\s*\\times\s*10\^\{{?([-{MINUS}]?\d+)\}}?"), r"\1e\2"),
    (re.compile(rf"(?<![\d.])10\^\{{?([-{MINUS}]?\d+)\}}?"), r"1e\1"),
    (re.compile(r"_\{[^{}]*\}|_\w"), ""),  # subscripts are indices: sigma_0, mu_{12}
    (re.compile(r"\\[,;:! ]"), " "),  # TeX spacing
    (re.compile(r"\\[A-Za-z]+"), " "),  # commands (\sigma, \ln, \mathcal)
]


def untex(text: str) -> str:
    for pattern, replacement in TEX_RULES:
        text = pattern.sub(replacement, text)
    return text


# ------------------------------------------------------------------ a page, split up

SKIPPED_TAGS = {"script", "style", "svg", "template", "noscript", "clipboard-copy", "button"}
# A form's labels and options name controls (the explorer's grids), they state no result.
SKIPPED_TAGS |= {"form"}
# Permalinks, notebook prompts ("In [3]:"), the edit button: page furniture, not prose.
SKIPPED_CLASSES = {
    "headerlink",
    "anchor-link",
    "jp-InputPrompt",
    "jp-OutputPrompt",
    "md-content__button",
    "md-source-file",
    "clipboard-copy-txt",  # a notebook cell's code again, hidden, for its copy button
    "zeroclipboard-container",
    "footnote-ref",  # the [1] of a footnote, a label
    "footnote-backref",
    "kl-execution-time",  # a notebook page's run time, tests/test_notebooks.py checks it
}
BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "summary", "dt", "dd"}
BLOCKS |= {"div", "blockquote", "figcaption", "caption", "details", "tr", "ul", "ol", "table"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass
class Passage:
    """A run of prose: its text, the heading it is under, and what kind of text it is."""

    text: str
    section: str
    kind: str  # "text", "alt text", "note 'Its title'", "collapsed block 'Solution'"


@dataclass
class Page:
    """What a page says (prose) and what its code is and printed."""

    name: str
    passages: list[Passage] = field(default_factory=list)
    outputs: list[float] = field(default_factory=list)
    literals: set[float] = field(default_factory=set)


def previous_block(element: Element) -> tuple[Element | None, bool]:
    """The element before this one among its siblings, and whether a marker comment sits
    between them (pytest-codeblocks' expected-output marker)."""
    assert element.parent is not None
    siblings = element.parent.children
    marker = False
    for sibling in reversed(siblings[: siblings.index(element)]):
        if isinstance(sibling, Comment):
            marker = marker or "pytest-codeblocks:expected-output" in sibling
        elif isinstance(sibling, Element):
            return sibling, marker
    # Inside an admonition (an indented block), Markdown wraps the marker and the output in
    # a <p> of their own: the block before is then the paragraph's previous sibling.
    if element.parent.tag == "p" and element.parent.parent is not None:
        before, outer = previous_block(element.parent)
        return before, marker or outer
    return None, marker


def filename(block: Element | None) -> str:
    """The title of a code block (Material renders ``title="..."`` as a filename span)."""
    if block is None:
        return ""
    span = block.find_class("filename")
    return span.text().strip() if span is not None else ""


def runnable_python(block: Element | None) -> bool:
    """A fence pytest-codeblocks runs: ```` ```python ```` with no title, not skipped."""
    if block is None or "language-python" not in block.classes or filename(block):
        return False
    assert block.parent is not None
    siblings = block.parent.children
    before = siblings[: siblings.index(block)]
    for sibling in reversed(before):
        if isinstance(sibling, Comment):
            if "pytest-codeblocks:skip" in sibling:
                return False
        elif isinstance(sibling, Element):
            break
    return True


# Blocks that show text rather than code: an output if a test checks them, else neither.
TEXT_BLOCKS = {"language-text", "language-txt", "language-console", "language-pycon"}
TEXT_BLOCKS |= {"language-output", "language-plaintext"}


def classify_block(block: Element) -> str:
    """ "output" (checked by a test), "code" (inputs) or "unchecked" (a shown text block
    no test compares with anything: neither a source nor prose)."""
    if any("jp-OutputArea" in a.classes for a in block.ancestors()):
        return "output"  # a notebook cell's output, from the build's execution
    if block.classes & TEXT_BLOCKS:
        before, marker = previous_block(block)
        if marker and runnable_python(before):
            return "output"
        if filename(block) == "Output" and filename(before).startswith("docs/examples/"):
            return "output"
        return "unchecked"
    return "code"


def tex_source(katex: Element) -> str:
    """The TeX of a formula typeset at build time: KaTeX keeps it in a MathML annotation.

    The rest of KaTeX's HTML splits a number into one span per digit; the source reads as
    the page's author wrote it.
    """
    annotation = next((e for e in katex.iter() if e.tag == "annotation"), None)
    return f" {annotation.text()} " if annotation is not None else ""


def visible_text(element: Element) -> str:
    """The text of an element without its scripts, styles and page furniture."""
    return "".join(
        child
        if isinstance(child, str) and not isinstance(child, Comment)
        else tex_source(child)
        if isinstance(child, Element) and "katex" in child.classes
        else visible_text(child)
        if isinstance(child, Element)
        and child.tag not in SKIPPED_TAGS
        and not child.classes & SKIPPED_CLASSES
        else ""
        for child in element.children
    )


def container(element: Element) -> str:
    """What a passage inside this element is, for the failure message: "note 'Title'"."""
    if "admonition" in element.classes or element.tag == "details":
        title = element.find_class("admonition-title") if element.tag != "details" else None
        if element.tag == "details":
            title = next((e for e in element.iter() if e.tag == "summary"), None)
        kinds = element.classes - {"admonition"}
        kind = "collapsed block" if element.tag == "details" else (sorted(kinds) or ["note"])[0]
        name = re.sub(r"\s+", " ", visible_text(title)).strip() if title is not None else ""
        return f"{kind} '{name}'" if name else kind
    return ""


def read_page(name: str, html_text: str) -> Page:
    """Split a built page into prose, outputs and code."""
    article = parse(html_text).find_class("md-content__inner")
    assert article is not None, f"{name}: no <article class='md-content__inner'>"
    page = Page(name)
    section = ""
    current: list[str] = []

    def flush(kind: str) -> None:
        text = re.sub(r"\s+", " ", "".join(current)).strip()
        if text:
            page.passages.append(Passage(text, section, kind))
        current.clear()

    def walk(node: Element, kind: str) -> None:
        nonlocal section
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, str):
                current.append(child)
                continue
            if child.tag in SKIPPED_TAGS or child.classes & SKIPPED_CLASSES:
                continue
            if "katex" in child.classes:
                current.append(tex_source(child))
                continue
            if child.tag == "img":
                if child.attrs.get("alt"):
                    page.passages.append(Passage(child.attrs["alt"], section, "alt text"))
                continue
            if child.tag == "pre":
                flush(kind)
                # The block is the highlight <div> around the <pre>, where the title is.
                parent = child.parent
                wrapped = parent is not None and parent.classes & {"highlight", "highlight-ipynb"}
                block = parent if wrapped and parent is not None else child
                read_block(child, block)
                continue
            if "jp-OutputArea" in child.classes:
                flush(kind)
                read_notebook_output(child)
                continue
            if child.tag in BLOCKS or child.tag == "br":
                flush(kind)
            if child.tag in HEADINGS:
                section = re.sub(r"\s+", " ", visible_text(child)).strip()
            walk(child, container(child) or kind)
            if child.tag in BLOCKS:
                flush(kind)

    def read_block(pre: Element, block: Element) -> None:
        text = pre.text()
        if any("doc-contents" in a.classes for a in block.ancestors()):
            # A docstring example in the API reference, which test_docstrings runs: the
            # lines after >>> and ... are code, the others what doctest checks they print.
            lines = text.splitlines()
            shown = [ln for ln in lines if not ln.startswith((">>>", "..."))]
            if len(shown) < len(lines):
                page.outputs.extend(output_values("\n".join(shown)))
                code = "\n".join(ln[4:] for ln in lines if ln.startswith((">>>", "...")))
                page.literals |= code_literals(code)
                return
        kind = classify_block(block)
        if kind == "output":
            page.outputs.extend(output_values(text))
        elif kind == "code":
            page.literals |= code_literals(text)

    def read_notebook_output(area: Element) -> None:
        for element in area.iter():
            if element.tag == "img" and element.attrs.get("alt"):
                page.passages.append(Passage(element.attrs["alt"], section, "alt text"))
        page.outputs.extend(output_values(visible_text(area)))

    walk(article, "text")
    flush("text")
    return page


# ------------------------------------------------------------------ the site


def site_dir() -> Path:
    return Path(os.environ.get("KLTUTORIAL_SITE_DIR") or ROOT / "site").resolve()


def page_files(site: Path) -> dict[str, Path]:
    """Every page of the sitemap, by name: "index", "asymmetry", "original_experiment"."""
    namespace = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = ET.parse(site / "sitemap.xml").getroot().iterfind("sm:url/sm:loc", namespace)
    paths = [urlsplit((loc.text or "").strip()).path for loc in locs]
    # The site lives under the path of its site_url (/kltutorial/), the home page's path.
    base = min(paths, key=len)
    files = {}
    for path in paths:
        relative = path[len(base) :].strip("/")
        files[relative.rsplit("/", 1)[-1] or "index"] = site / relative / "index.html"
    return files


def page_names() -> list[str]:
    """The pages to check, known at collection time (none without a site: see ``pages``)."""
    try:
        return sorted(page_files(site_dir()))
    except (OSError, ET.ParseError):
        return ["<no built site>"]


# ------------------------------------------------------------------ inputs, not results

# Labels: "section 10.1", "step 3", "Exercise 2", "arXiv:1803.05407", "version 9.8".
LABEL = re.compile(
    r"(?:\b(?:sections?|chapters?|eq|equations?|steps?|exercises?|figures?|fig|tables?|pages?"
    r"|pp|parts?|versions?|cells?|items?|issues?|arxiv)\.?:?|§|#)\s*$",
    re.IGNORECASE,
)
# Dates (2025-03-28), versions (1.6.1, 127.0.0.1) and addresses are not quantities.
DATE_OR_VERSION = re.compile(
    r"\bhttps?://\S+|\b\d{4}-\d{2}-\d{2}\b|\b\d+(?:\.\d+){2,}\b", re.IGNORECASE
)
BIBLIOGRAPHY = re.compile(r"further reading|references|bibliography", re.IGNORECASE)


def not_a_result(quoted: Quoted, before: str, section: str) -> str:
    """Why a prose number is not a result, by a rule that holds on every page, or ""."""
    if BIBLIOGRAPHY.fullmatch(section):
        return "citation data (years, sections, pages) in the further-reading list"
    if quoted.is_integer and abs(quoted.value) < 10:
        return "a one-digit integer: a count, an index, an exponent or a label"
    if quoted.is_integer and not quoted.signed and 1900 <= quoted.value <= 2099:
        return "a year"
    if LABEL.search(before):
        return "a label: section, step, exercise, figure or version number"
    return ""


# ------------------------------------------------------------------ the check

SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z$\\(\[*`])")


@dataclass(frozen=True)
class Found:
    """A number in the prose, where it stands."""

    page: str
    quoted: Quoted
    sentence: str
    section: str
    kind: str
    before: str


def prose_numbers(page: Page) -> Iterator[Found]:
    """Every number of a page's prose, with its sentence (dates and versions dropped)."""
    for passage in page.passages:
        for sentence in SENTENCE_END.split(passage.text):
            text = DATE_OR_VERSION.sub(" ", untex(sentence))
            for quoted, start, _ in numbers_in(text):
                before = text[max(0, start - 12) : start]
                yield Found(page.name, quoted, sentence, passage.section, passage.kind, before)


def explained_without_registry(found: Found, page: Page) -> bool:
    """Whether an output shows a prose number, the code gives it, or a rule exempts it."""
    quoted = found.quoted
    if any(quoted.matches(value) for value in page.outputs):
        return True
    if any(math.isclose(abs(quoted.value), literal, rel_tol=1e-12) for literal in page.literals):
        return True
    return bool(not_a_result(quoted, found.before, found.section))


def explained(found: Found, page: Page) -> bool:
    """Whether a prose number is shown, given, exempt, derived (DERIVED) or allowed."""
    if explained_without_registry(found, page):
        return True
    # A derived number's value is checked by test_derived_numbers_hold.
    return found.quoted.text in DERIVED.get(page.name, {}) or found.quoted.text in ALLOWED.get(
        page.name, {}
    )


def describe(found: Found) -> str:
    sentence = found.sentence if len(found.sentence) <= 300 else found.sentence[:297] + "..."
    where = f"in the {found.kind}"
    if found.section:
        where += f" under '{found.section}'"
    return f"  {found.quoted.text!r} {where}:\n      {sentence}"


ADVICE = """
Each number in a page's prose that states a result must come from code that ran for
that page. For each number above, either
  * show it in an output on the same page (print it in the code block, example or
    notebook cell whose result it is; the prose may round it: 9.64 for 9.6355), or
  * if no output can show it (a number read off a figure, a closed form derived in the
    prose), add it to DERIVED[{page!r}] in tests/prose_numbers.py with an oracle that
    computes it independently (scipy, mpmath, a closed form), or
  * if it is an input and not a result (a parameter: write it in the page's code; a name or
    label no rule catches), add it to ALLOWED[{page!r}] there, saying why.
A number that was a result and is now wrong must be corrected in the page."""


def read_site() -> dict[str, Page]:
    """Every page of the built site, read (a missing site fails, it does not skip)."""
    site = site_dir()
    if not (site / "index.html").is_file() or not (site / "sitemap.xml").is_file():
        pytest.fail(
            f"no built site in {site} (index.html and sitemap.xml): run "
            "`NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict` first (`make test` does), "
            "or point KLTUTORIAL_SITE_DIR at a built site"
        )
    return {
        name: read_page(name, file.read_text(encoding="utf-8"))
        for name, file in page_files(site).items()
    }


@pytest.fixture(scope="module")
def pages() -> dict[str, Page]:
    return read_site()


@pytest.mark.parametrize("name", page_names())
def test_every_prose_number_comes_from_the_page(pages: dict[str, Page], name: str) -> None:
    page = pages[name]
    unexplained = [found for found in prose_numbers(page) if not explained(found, page)]
    if unexplained:
        listing = "\n".join(describe(found) for found in unexplained)
        pytest.fail(
            f"{name}: {len(unexplained)} number(s) in the prose that no output on the page "
            f"shows and no test computes:\n{listing}\n{ADVICE.format(page=name)}",
            pytrace=False,
        )


def test_derived_numbers_hold() -> None:
    """Each derived number is what its oracle computes, to the precision the page quotes."""
    wrong = []
    for name, entries in DERIVED.items():
        for text, oracle in entries.items():
            quoted = next(iter(numbers_in(text)))[0]
            assert quoted.text == text, f"DERIVED[{name!r}]: write {text!r} as {quoted.text!r}"
            value = oracle.compute()
            if not quoted.matches(value):
                wrong.append(f"  {name}: {text} ({oracle.why}) is {value!r}")
    assert not wrong, "derived numbers that their oracle does not give:\n" + "\n".join(wrong)


def test_registry_holds_only_what_it_must(pages: dict[str, Page]) -> None:
    """Every entry of DERIVED and ALLOWED is a number its page quotes, and an allowed input
    is one nothing else explains: the registry stays the short list of what only a test
    can check. (A derived number may also match an output: an integer such as 22 can match
    an unrelated 22.16 by rounding, and its oracle then checks what the output cannot.)"""
    stale = []
    for registry, label in ((DERIVED, "DERIVED"), (ALLOWED, "ALLOWED")):
        for name, entries in registry.items():
            if name not in pages:
                stale.append(f"  {label}[{name!r}]: no such page in the site")
                continue
            page = pages[name]
            found = {f.quoted.text: f for f in prose_numbers(page)}
            for text in entries:
                if text not in found:
                    stale.append(f"  {label}[{name!r}][{text!r}]: the page no longer quotes it")
                elif label == "ALLOWED" and explained_without_registry(found[text], page):
                    stale.append(
                        f"  {label}[{name!r}][{text!r}]: the page's outputs, code or the rules "
                        "already explain it"
                    )
    assert not stale, "remove these entries from tests/prose_numbers.py:\n" + "\n".join(stale)


# ------------------------------------------------------------------ the checker itself


def test_precision_is_the_quoted_one() -> None:
    assert Quoted("9.64", 9.64, False).matches(9.6399)
    assert Quoted("9.64", 9.64, False).matches(9.6355)
    assert not Quoted("8.64", 8.64, False).matches(9.6399)
    assert not Quoted("9.6", 9.6, False).matches(9.66)
    assert Quoted("1.19e-7", 1.19e-7, False).matches(1.1920929e-07)
    assert not Quoted("1.19e-7", 1.19e-7, False).matches(1.2e-07)
    assert Quoted("5", 5.0, False).matches(-5.0)  # an unsigned number: either sign
    assert not Quoted("-5", -5.0, True).matches(5.0)


def test_numbers_are_read_as_a_reader_reads_them() -> None:
    text = "float32, L1, x2, a 2nd, pages 10-15, N(-5, 1), 10,000 steps, lr 1e-3, \u22120.5"
    assert [q.text for q, _, _ in numbers_in(text)] == [
        "10",
        "15",
        "-5",
        "1",
        "10000",
        "1e-3",
        "-0.5",
    ]
    tex = r"\tfrac12(1 + 25) = 13, \sigma_0 = 1, 1.19 \times 10^{-7}, 2^{-149}"
    assert [q.text for q, _, _ in numbers_in(untex(tex))] == [
        "1",
        "2",
        "1",
        "25",
        "13",
        "1",
        "1.19e-7",
        "2",
        "-149",
    ]


PAGE = """<html><body><nav>99.99 in the navigation</nav>
<article class="md-content__inner md-typeset">
<h2 id="a">A cost of 2.5 nats<a class="headerlink" href="#a">&para;</a></h2>
<p>It costs <span class="arithmatex">\\(9.64\\)</span> nats; see section 10.1 (2019).</p>
<div class="language-python highlight"><pre><code>print(kl(p, q, eps=0.125))</code></pre></div>
<!--pytest-codeblocks:expected-output-->
<div class="language-text highlight"><pre><code>9.6355</code></pre></div>
<div class="language-text highlight"><pre><code>7.77 (shown, never checked)</code></pre></div>
<div class="admonition note"><p class="admonition-title">Rounded</p><p>About 7.8 nats.</p></div>
<p><img alt="a spike of 22.5 nats" src="figures/x.svg"></p>
</article></body></html>"""


def test_a_page_is_split_into_prose_outputs_and_code() -> None:
    page = read_page("example", PAGE)
    assert page.outputs == [9.6355]  # the unmarked text block is no source
    assert page.literals == {0.125}
    found = [(f.quoted.text, f.kind) for f in prose_numbers(page)]
    assert found == [
        ("2.5", "text"),
        ("9.64", "text"),
        ("10.1", "text"),
        ("2019", "text"),
        ("7.8", "note 'Rounded'"),
        ("22.5", "alt text"),
    ]
    verdicts = {f.quoted.text: explained(f, page) for f in prose_numbers(page)}
    # A heading number is checked like any other; "section 10.1" and a year are labels.
    assert verdicts == {
        "2.5": False,
        "9.64": True,
        "10.1": True,
        "2019": True,
        "7.8": False,
        "22.5": False,
    }


def test_a_missing_site_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KLTUTORIAL_SITE_DIR", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="no built site"):
        read_site()


def test_a_docstring_example_is_code_and_output() -> None:
    reference = (
        '<article class="md-content__inner"><div class="doc doc-contents">'
        '<div class="language-pycon highlight"><pre><code>'
        "&gt;&gt;&gt; gaussian_kl(0.0, 1.0, 1.0, 2.5)\ntensor(0.4431)</code></pre></div>"
        "</div></article>"
    )
    page = read_page("reference", reference)
    assert page.outputs == [0.4431]
    assert page.literals == {0.0, 1.0, 2.5}
