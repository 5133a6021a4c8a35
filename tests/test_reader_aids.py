"""Reader aids: glossary, prerequisites, reading times and quieter checks.

* the sources: every tutorial has a stable label and states what it assumes by label
  (never by number); the glossary has at least 20 terms, each linked from a page, and
  every ``:term:`` a page uses exists;
* ``docs/_ext/tutorial_meta.py`` on its own: which cells are checks, reading times;
* the built book (``make html``): every tutorial page shows its reading time and
  prerequisites, every check cell of its script (and only those) is styled as a
  check, its terms link the glossary, and the front page's range of reading times is
  the one the pages show. That a broken ``:term:`` or prerequisite fails the strict
  build is shown by the shared broken book (``tests/test_build_strict.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from booktools import BOOK
from notebook_html import tutorial_titles
from sphinx_gallery.py_source_parser import split_code_and_text_blocks
from tutorial_meta import CHECK_CLASS, is_check_cell, reading_minutes

DOCS, GALLERY, TUTORIALS = BOOK.docs, BOOK.gallery, BOOK.tutorials()
MD_PAGES = sorted(p for p in DOCS.glob("*.md") if p.name != "glossary.md")
TERM_ROLE = re.compile(r"(?::term:|\{term\})`([^`]+)`")


def glossary_entries() -> list[list[str]]:
    """The glossary's entries, each a list of its names (lower case)."""
    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    body = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    entries: list[list[str]] = []
    names: list[str] = []
    for line in body.splitlines():
        if line and not line[0].isspace():
            names.append(line.strip().lower())
        elif line.strip() and names:
            entries.append(names)
            names = []
    return entries


def term_target(role_text: str) -> str:
    match = re.fullmatch(r"(?s).*<([^<>]+)>\s*", role_text)
    target = match.group(1) if match else role_text
    return " ".join(target.split()).lower()


def used_terms() -> dict[str, set[str]]:
    """{term (lower case): the files that link it}."""
    found: dict[str, set[str]] = {}
    for path in [*TUTORIALS, *MD_PAGES]:
        for role_text in TERM_ROLE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(term_target(role_text), set()).add(path.name)
    return found


def test_the_glossary_has_at_least_20_terms():
    entries = glossary_entries()
    assert len(entries) >= 20, [e[0] for e in entries]
    required = {"leaf tensor", "grad_fn", "accumulategrad", "backpropagation", "vjp"}
    required |= {"jvp", "tangent", "dual number", "jacobian", "hessian", "subgradient"}
    required |= {"create_graph", "retain_graph", "no_grad", "inference mode"}
    names = {name for entry in entries for name in entry}
    assert required <= names, required - names


def test_every_glossary_entry_is_linked_from_a_page():
    linked = set(used_terms())
    unlinked = [e[0] for e in glossary_entries() if not linked & set(e)]
    assert not unlinked, f"glossary terms no page links with :term: {unlinked}"


def test_every_linked_term_is_in_the_glossary():
    names = {name for entry in glossary_entries() for name in entry}
    missing = {t: sorted(f) for t, f in used_terms().items() if t not in names}
    assert not missing, missing


@pytest.mark.parametrize("script", TUTORIALS, ids=[t.stem for t in TUTORIALS])
def test_every_tutorial_has_a_label_and_states_what_it_assumes(script):
    docstring = script.read_text(encoding="utf-8").split('"""')[1]
    assert re.match(r"\s*\.\. _tut-[a-z-]+:\n", docstring), (
        f"{script.name}: start the docstring with a label such as '.. _tut-topic:' "
        "(links to the page use it, so renumbering the file breaks none)"
    )
    assumes = re.search(r"^:Assumes: (.+)$", docstring, re.M)
    assert assumes, f"{script.name}: add ':Assumes: :ref:`tut-...`' after the intro"
    links = re.findall(r":(?:ref|doc):`([^`]+)`", assumes.group(1))
    assert links, f"{script.name}: the prerequisites must be links"
    numbered = [link for link in links if re.search(r"\d\d_", link)]
    assert not numbered, f"{script.name}: link by label, not by number: {numbered}"


def test_every_tutorial_label_has_its_title():
    titles = tutorial_titles(GALLERY)
    assert len(titles) == len(TUTORIALS)
    assert titles["tut-graph"] == "What autograd records: the graph"


def test_no_page_links_a_tutorial_by_its_number():
    pattern = re.compile(r"sphx_glr_auto_examples_\d\d_")
    found = [
        p.name
        for p in [*TUTORIALS, *MD_PAGES]
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert not found, f"link tutorials by their tut-... label: {found}"


# -- docs/_ext/tutorial_meta.py -----------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('print(gradbook.check_value(y, 4.0, name="y"))', True),
        ("result = gradbook.check_derivative(f, 1.0, 2.0)\nprint(result)", True),
        ('name = "J"\nprint(gradbook.check_value(J, [[1]], name=name))', True),
        (
            "same = a.data_ptr() == b.data_ptr()\n"
            'print(gradbook.check_claim(same, True, name="shared"))',
            True,
        ),
        (
            "def slope(x):\n    return 2 * x\n\n\n"
            "print(gradbook.check_elementwise(f, x, slope))",
            True,
        ),
        (
            "for i in range(3):\n    print(gradbook.check_value(J[i], 1.0, name='J'))",
            True,
        ),
        ('a, b = f(1), f(2)\nprint(gradbook.check_value(a, b, name="a"))', True),
        # the lesson: anything else in the cell, or no check at all
        ('y.backward()\nprint(gradbook.check_value(x.grad, 4.0, name="g"))', False),
        ('print("x.grad:", x.grad)', False),
        ('print(gradbook.check_answer("cubic", None))', False),
        ("with gradbook.expect_error(RuntimeError):\n    y.backward()", False),
        ('v = f(x)\nprint(gradbook.check_value(v, 1.0, name="v"))\nplot(v)', False),
        ("def (:", False),
    ],
)
def test_which_cells_are_checks(code, expected):
    assert is_check_cell(code) is expected


def test_reading_minutes_grow_with_words_and_code():
    base = reading_minutes(words=400, formulas=0, lesson_lines=0, check_lines=0)
    assert base == 2
    assert reading_minutes(400, 0, lesson_lines=30, check_lines=0) == base + 2
    assert reading_minutes(400, 0, 0, check_lines=45) == base + 1
    assert reading_minutes(400, formulas=20, lesson_lines=0, check_lines=0) == base + 1
    assert reading_minutes(0, 0, 0, 0) == 1


# -- the built book ---------------------------------------------------------------------


def _minutes(page: Path) -> int:
    text = page.read_text(encoding="utf-8")
    found = re.findall(r"Reading time.*?about (\d+) minute", text, re.S)
    assert len(found) == 1, f"{page.name}: {len(found)} reading times"
    return int(found[0])


@pytest.mark.site
def test_every_tutorial_page_shows_its_reading_time_and_prerequisites(site):
    for script in TUTORIALS:
        page = site / "auto_examples" / f"{script.stem}.html"
        text = page.read_text(encoding="utf-8")
        assert _minutes(page) >= 1
        meta = re.search(r'book-tutorial-meta[^"]*">(.*?)</dl>', text, re.S)
        assert meta and "Assumes" in meta.group(1), page.name
        assert 'class="reference internal"' in meta.group(1), page.name


# A check container and what follows it up to the next container, paragraph, heading
# or the page's footer.
CHECK_CONTAINER = re.compile(
    f'<div class="{CHECK_CLASS}[^"]*">(.*?)'
    f'(?=<div class="{CHECK_CLASS}|<p>|<h[1-6]|<div class="sphx-glr-footer)',
    re.S,
)


@pytest.mark.site
@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.stem)
def test_the_check_cells_and_only_they_are_styled_as_checks(site, script):
    """Each cell of the script that only checks is wrapped, with its output, in the
    quieter check container, and no lesson cell is."""
    blocks = split_code_and_text_blocks(str(script))[1]
    checks = [
        b.content for b in blocks if b.type == "code" and is_check_cell(b.content)
    ]
    assert checks, f"{script.name}: no cell that only checks"
    page = (site / "auto_examples" / f"{script.stem}.html").read_text(encoding="utf-8")
    containers = CHECK_CONTAINER.findall(page)
    assert len(containers) == len(checks), (script.name, len(containers), len(checks))
    for container, code in zip(containers, checks, strict=True):
        first_call = re.search(r"check_\w+", code)
        assert first_call and first_call.group(0) in container, (script.name, code)
        assert "sphx-glr-script-out" in container, (script.name, code)
    assert any("✓" in container for container in containers), script.name
    if TERM_ROLE.search(script.read_text(encoding="utf-8")):
        assert 'href="../glossary.html#term-' in page, script.name


@pytest.mark.site
def test_the_downloaded_notebooks_show_no_rest_roles_of_this_book(site):
    notebooks = sorted((site / "_downloads").rglob("*.ipynb"))
    assert len(notebooks) == len(TUTORIALS)
    for notebook in notebooks:
        text = notebook.read_text(encoding="utf-8")
        assert ":term:" not in text, notebook.name
        assert "`tut-" not in text and ":doc:" not in text, notebook.name
        assert "**Assumes:**" in text, notebook.name


@pytest.mark.site
def test_the_front_page_states_the_range_the_pages_show(site):
    times = [_minutes(site / "auto_examples" / f"{s.stem}.html") for s in TUTORIALS]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f"from {min(times)} to {max(times)} minutes" in index
    assert "five minutes" not in index


def test_the_front_page_does_not_state_a_reading_time_by_hand():
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    assert "{reading-time}`range`" in text
    assert not re.search(r"\b(one|two|three|four|five|ten|\d+) minutes\b", text)
