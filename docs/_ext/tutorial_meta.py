"""What a reader wants to know before reading a tutorial, and which code is the lesson.

* **Reading time**, worked out when the book is built from the page as the reader gets
  it (never written by hand): its prose (:data:`WORDS_PER_MINUTE`, a formula counts as
  :data:`WORDS_PER_FORMULA` words), the code of the lesson (:data:`LESSON_LINES_PER_MINUTE`)
  and the code of the checks, which a reader skims (:data:`CHECK_LINES_PER_MINUTE`).
  Outputs and figures are not counted.
* **What it assumes**: each tutorial states, right after its introduction, the pages it
  builds on, as links by label (``:Assumes: :ref:`tut-graph```), never by number, so
  renumbering the tutorials breaks no link (and a label that does not exist is a
  warning, which the strict build refuses). The reading time is added to that field
  list, so both stand together at the top of the page (``tests/test_reader_aids.py``
  requires the field of every tutorial).
* **Quieter checks**: a code cell that only checks (every statement is a gradbook
  ``check_*`` call, the ``print`` of one, or an assignment used by one) is the book's
  proof, not part of the lesson. It and its output are wrapped in a container of class
  :data:`CHECK_CLASS`, which ``_static/book.css`` styles smaller and quieter; they stay
  on the page and in the notebook, in their place.
* **Notebooks**: the reST roles these pages use (terms, links, ``:Assumes:``) are
  made readable in the downloaded notebooks by ``notebook_html.tidy_markdown``.
* The role ``{reading-time}`range``` (used on the front page) writes the shortest and
  longest reading time of the tutorials and their total, from the same numbers.

Parallel-safe: each page's numbers are computed while it is read (``doctree-read``),
kept in the environment and merged from the worker processes (``env-merge-info``);
the role is filled in when pages are written (``doctree-resolved``), once every
tutorial has been read, and a page that uses it is rewritten whenever a tutorial
changes (``env-get-outdated``).
"""

from __future__ import annotations

import ast
import math
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

logger = logging.getLogger(__name__)

GALLERY_DIR = "auto_examples"
CHECK_CLASS = "book-check"
META_CLASS = "book-tutorial-meta"
ASSUMES_FIELD = "Assumes"

WORDS_PER_MINUTE = 200  # prose of a technical text, read with care
WORDS_PER_FORMULA = 10  # a displayed formula; an inline one counts as one word
LESSON_LINES_PER_MINUTE = 15  # code the reader follows line by line
CHECK_LINES_PER_MINUTE = 45  # checks: skimmed

# gradbook's checks: a cell made of these (and what feeds them) proves, not teaches.
CHECK_FUNCTIONS = frozenset(
    {
        "check_value",
        "check_derivative",
        "check_partials",
        "check_elementwise",
        "check_claim",
        "check_backward",
    }
)


def _calls_a_check(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else None
            name = name or getattr(func, "id", "")
            if name in CHECK_FUNCTIONS:
                return True
    return False


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _assigned(st: ast.Assign) -> set[str]:
    """The names an assignment binds (``a = ...``, ``a, b = ...``); empty when it
    assigns anything else (an attribute, an item), which is not a check's business."""
    names: set[str] = set()
    for target in st.targets:
        elements = target.elts if isinstance(target, ast.Tuple) else [target]
        for element in elements:
            if not isinstance(element, ast.Name):
                return set()
            names.add(element.id)
    return names


def is_check_cell(code: str) -> bool:
    """True when every statement of ``code`` serves a gradbook check.

    A statement serves a check when it calls one (``print(gradbook.check_value(...))``,
    ``result = gradbook.check_derivative(...)``), prints a result assigned from one, or
    assigns names (or defines a function) that only the cell's checks use: a label, a
    computed fact, a formula.

    >>> is_check_cell('print(gradbook.check_value(y, 4.0, name="y"))')
    True
    >>> is_check_cell('same = a.data_ptr() == b.data_ptr()\\n'
    ...               'print(gradbook.check_claim(same, True, name="shared"))')
    True
    >>> is_check_cell('y.backward()\\nprint(gradbook.check_value(x.grad, 4.0, name="g"))')
    False
    >>> is_check_cell('print("x.grad:", x.grad)')
    False
    """
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return False
    checks = [st for st in body if _calls_a_check(st)]
    if not checks:
        return False
    results = {
        t.id
        for st in checks
        if isinstance(st, ast.Assign)
        for t in st.targets
        if isinstance(t, ast.Name)
    }
    # Backwards: a statement is needed if it is a check, prints a check's result, or
    # assigns only names that needed statements after it use (and nothing else does).
    needed: set[str] = set()  # names the needed statements use
    for st in reversed(body):
        if st in checks:
            needed |= _names_used(st)
            continue
        if (
            isinstance(st, ast.Expr)
            and isinstance(st.value, ast.Call)
            and getattr(st.value.func, "id", "") == "print"
            and st.value.args
            and all(isinstance(a, ast.Name) and a.id in results for a in st.value.args)
        ):
            continue  # print(result)
        if isinstance(st, ast.Assign) and _assigned(st) and _assigned(st) <= needed:
            needed |= _names_used(st.value)
            continue
        if isinstance(st, ast.FunctionDef) and st.name in needed:
            needed |= _names_used(st)  # a formula written for a check
            continue
        return False
    return True


def reading_minutes(
    words: int, formulas: int, lesson_lines: int, check_lines: int
) -> int:
    """Minutes to read a page, rounded up (at least 1).

    >>> reading_minutes(words=1000, formulas=10, lesson_lines=60, check_lines=45)
    11
    """
    minutes = (
        (words + WORDS_PER_FORMULA * formulas) / WORDS_PER_MINUTE
        + lesson_lines / LESSON_LINES_PER_MINUTE
        + check_lines / CHECK_LINES_PER_MINUTE
    )
    return max(1, math.ceil(minutes))


def _is_tutorial(docname: str) -> bool:
    return docname.startswith(GALLERY_DIR + "/") and not docname.endswith("index")


def _skipped(node: nodes.Node) -> bool:
    """Text a reader does not read as the lesson: code, outputs, sphinx-gallery's
    download links and footer (inside ``only`` nodes), comments and raw HTML."""
    parent: nodes.Node | None = node
    while parent is not None:
        if isinstance(
            parent,
            nodes.literal_block
            | nodes.raw
            | nodes.comment
            | nodes.math
            | nodes.math_block
            | addnodes.only,
        ):
            return True
        parent = parent.parent
    return False


def _is_python(block: nodes.literal_block) -> bool:
    language = str(block.get("language", "")).lower()
    return language in {"python", "python3", "py", "ipython", "ipython3"}


def _next_element(node: nodes.Element) -> nodes.Node | None:
    parent = node.parent
    if parent is None:
        return None
    index = parent.index(node)
    return parent[index + 1] if index + 1 < len(parent) else None


def _mark_checks(doctree: nodes.document) -> tuple[int, int]:
    """Give check cells (and their outputs) the check class; count code lines."""
    lesson = check = 0
    for block in list(doctree.findall(nodes.literal_block)):
        if not _is_python(block) or _skipped(block.parent):
            continue
        code = block.astext()
        lines = sum(1 for line in code.splitlines() if line.strip())
        if not is_check_cell(code):
            lesson += lines
            continue
        check += lines
        # A container around the cell and its output: sphinx-gallery later replaces
        # the code block by a node of its own (for its code links) whose HTML drops
        # the block's classes; a container's class survives.
        output = _next_element(block)
        wrapper = nodes.container(classes=[CHECK_CLASS])
        block.replace_self(wrapper)
        wrapper += block
        if isinstance(output, nodes.Element) and "sphx-glr-script-out" in output.get(
            "classes", []
        ):
            output.parent.remove(output)
            wrapper += output
    return lesson, check


def _mark_notebook_checks(doctree: nodes.document) -> None:
    """On a MyST notebook page (myst-nb), give each check cell the check class."""
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        block = next(iter(cell.findall(nodes.literal_block)), None)
        if block is not None and is_check_cell(block.astext()):
            cell["classes"].append(CHECK_CLASS)


def mark_notebook_checks(app: Sphinx, doctree: nodes.document) -> None:
    if not app.env.docname.startswith(GALLERY_DIR + "/"):
        _mark_notebook_checks(doctree)


def _count_prose(doctree: nodes.document) -> tuple[int, int]:
    words = sum(
        len(text.astext().split())
        for text in doctree.findall(nodes.Text)
        if not _skipped(text)
    )
    inline = sum(1 for m in doctree.findall(nodes.math) if not _skipped(m.parent))
    display = sum(
        1 for m in doctree.findall(nodes.math_block) if not _skipped(m.parent)
    )
    return words + inline, display


def _assumes_field(doctree: nodes.document) -> nodes.field_list | None:
    for field_list in doctree.findall(nodes.field_list):
        for field in field_list.findall(nodes.field):
            if field[0].astext().strip() == ASSUMES_FIELD:
                return field_list
    return None


def _field(name: str, body: nodes.Node) -> nodes.field:
    return nodes.field(
        "",
        nodes.field_name("", name),
        nodes.field_body("", nodes.paragraph("", "", body)),
    )


def _minutes_text(minutes: int) -> str:
    return f"about {minutes} minute{'s' if minutes != 1 else ''}"


def add_tutorial_meta(app: Sphinx, doctree: nodes.document) -> None:
    """Reading time next to the prerequisites; check cells marked."""
    docname = app.env.docname
    if not _is_tutorial(docname):
        return
    lesson, check = _mark_checks(doctree)
    words, formulas = _count_prose(doctree)
    minutes = reading_minutes(words, formulas, lesson, check)
    _store(app.env)[docname] = minutes
    field_list = _assumes_field(doctree)
    if field_list is None:
        # No prerequisites stated (tests/test_reader_aids.py requires them of the
        # book's tutorials): the reading time still goes under the introduction.
        field_list = nodes.field_list()
        section = next(iter(doctree.findall(nodes.section)), None)
        if section is None:
            return
        paragraphs = [c for c in section.children if isinstance(c, nodes.paragraph)]
        at = section.index(paragraphs[0]) + 1 if paragraphs else 1
        section.insert(at, field_list)
    field_list["classes"].append(META_CLASS)
    field_list.insert(0, _field("Reading time", nodes.Text(_minutes_text(minutes))))


# -- the numbers of every tutorial, kept in the environment ---------------------------


# Attributes of Sphinx's environment (saved with it between builds), which declares
# no such fields: set and read by name, typed here.
_MINUTES = "book_reading_minutes"
_USERS = "book_reading_time_users"


def _store(env: BuildEnvironment) -> dict[str, int]:
    if not hasattr(env, _MINUTES):
        setattr(env, _MINUTES, {})
    minutes: dict[str, int] = getattr(env, _MINUTES)
    return minutes


def _users(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, _USERS):
        setattr(env, _USERS, set())
    users: set[str] = getattr(env, _USERS)
    return users


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _store(env).pop(docname, None)
    _users(env).discard(docname)


def merge_info(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    _store(env).update({d: m for d, m in _store(other).items() if d in docnames})
    _users(env).update(d for d in _users(other) if d in docnames)


def outdated_users(
    app: Sphinx,
    env: BuildEnvironment,
    added: set[str],
    changed: set[str],
    removed: set[str],
) -> list[str]:
    """Pages that show the tutorials' reading times are rewritten when one changes."""
    if any(_is_tutorial(d) for d in added | changed | removed):
        return sorted(_users(env) - added - changed - removed)
    return []


class reading_time_range(nodes.Inline, nodes.TextElement):  # docutils node names
    """Filled in with the tutorials' reading times once all of them are read."""


class ReadingTimeRole(SphinxRole):
    """``{reading-time}`range```: "from 5 to 14 minutes (2 hours in all)"."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        if self.text.strip() != "range":
            message = self.inliner.reporter.error(
                f"reading-time: unknown value {self.text!r} (the one value is 'range')",
                line=self.lineno,
            )
            return [], [message]
        _users(self.env).add(self.env.docname)
        return [reading_time_range("", "")], []


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} minutes"
    text = f"{hours} hour{'s' if hours != 1 else ''}"
    return text + (f" {rest} minutes" if rest else "")


def fill_reading_times(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    nodes_found = list(doctree.findall(reading_time_range))
    if not nodes_found:
        return
    times = _store(app.env)
    if not times:
        text = "(no tutorial was read in this build)"
        logger.warning("reading-time: no tutorial reading times", location=docname)
    else:
        low, high, total = min(times.values()), max(times.values()), sum(times.values())
        text = f"from {low} to {high} minutes ({_duration(total)} for all {len(times)})"
    for node in nodes_found:
        node.replace_self(nodes.Text(text))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(reading_time_range)
    app.add_role("reading-time", ReadingTimeRole())
    app.connect("doctree-read", add_tutorial_meta)
    app.connect("doctree-read", mark_notebook_checks)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("env-get-outdated", outdated_users)
    app.connect("doctree-resolved", fill_reading_times)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
