"""The mutation test itself: a stated claim or error, changed, must make a page fail.

``tests/test_tutorials.py`` mutates every site of every tutorial; this file shows on a
small inline tutorial that each kind of site is found and that changing it is caught
(exit code 3: ``CheckFailed``), and gives the MyST pages' checked claims (their code
cells, as one script) the same treatment.
"""

from __future__ import annotations

import ast

import pytest
from booktools import BOOK
from mutants import OriginalFailed, mutate, myst_script, sites

DOCS = BOOK.docs

TUTORIAL = '''"""
A small tutorial
================
"""

import torch

import gradbook

x = torch.tensor(2.0, requires_grad=True)
y = x * 0.01
print(gradbook.check_claim(x.is_leaf, True, name="x is a leaf"))
print(gradbook.check_claim(y.is_leaf, expected=False, name="x * 0.01 is a leaf"))
print(gradbook.check_claim(type(y.grad_fn).__name__, "MulBackward0", name="node"))
print(gradbook.check_claim(x.grad_fn, None, name="x.grad_fn"))
with gradbook.expect_error(RuntimeError, match="floating point"):
    torch.tensor(2, requires_grad=True)
with gradbook.expect_error(
    gradbook.CheckFailed,
    match="but the code gives True",
):
    gradbook.check_claim(True, False, name="inside expect_error: not a site")


def check_double(t):
    return gradbook.check_value(2 * t, 4.0, name="2 t at t = 2")


print(gradbook.check_value(y, 0.02, name="y = 0.01 x at x = 2"))
print(check_double(x.detach()))
'''


def test_every_stated_claim_and_error_is_a_site():
    found = [(s.kind, s.value, s.check) for s in sites(TUTORIAL)]
    assert found == [
        ("claim", True, "check_claim"),
        ("claim", False, "check_claim"),
        ("claim", "MulBackward0", "check_claim"),
        ("claim", None, "check_claim"),
        ("exception", "RuntimeError", "expect_error"),
        ("match", "floating point", "expect_error"),
        ("exception", "gradbook.CheckFailed", "expect_error"),
        ("match", "but the code gives True", "expect_error"),
        ("number", 4.0, "check_value"),  # in a function, called later
        ("number", 0.02, "check_value"),
    ]


def test_a_mutant_changes_only_its_site():
    by_kind = {(s.kind, repr(s.value)): s for s in sites(TUTORIAL)}
    flipped = mutate(TUTORIAL, by_kind["claim", "True"])
    assert 'check_claim(x.is_leaf, False, name="x is a leaf")' in flipped
    flipped = mutate(TUTORIAL, by_kind["claim", "False"])
    assert "expected=True" in flipped
    renamed = mutate(TUTORIAL, by_kind["claim", "'MulBackward0'"])
    assert "'MulBackward0 [mutated]'" in renamed
    other = mutate(TUTORIAL, by_kind["exception", "'RuntimeError'"])
    assert 'expect_error(type("MutantError", (Exception,), {}), match=' in other
    reworded = mutate(TUTORIAL, by_kind["match", "'floating point'"])
    assert "match='floating point [mutated]'" in reworded
    for site in sites(TUTORIAL):
        mutant = mutate(TUTORIAL, site)
        ast.parse(mutant)  # still Python
        changed = [
            i
            for i, (a, b) in enumerate(
                zip(TUTORIAL.splitlines(), mutant.splitlines(), strict=True)
            )
            if a != b
        ]
        assert changed == [site.line - 1], site.describe()


def test_flipping_a_checked_claim_makes_the_tutorial_fail(mutant_runner):
    found = sites(TUTORIAL)
    codes = mutant_runner.run_mutants(
        TUTORIAL, [mutate(TUTORIAL, s) for s in found], "small.py"
    )
    survivors = [
        s.describe() for s, code in zip(found, codes, strict=True) if code != 3
    ]
    assert not survivors, f"these changed claims went unnoticed: {survivors}"


def test_the_runner_runs_each_mutant_from_its_own_statement(mutant_runner):
    # Each mutant runs from the one top-level statement it changes; its exit codes
    # come back in the order given. A mutant that changes more (here: one statement
    # added, or broken syntax) is run whole, from the top.
    mutants = [
        TUTORIAL.replace("0.02", "0.03"),  # the last statement but one: CheckFailed
        TUTORIAL.replace('"x is a leaf"', '"x is a leaf!"'),  # a name only: passes
        TUTORIAL.replace("y = x * 0.01", "y = x.nope"),  # AttributeError
        TUTORIAL.replace("* t", "* t * t"),  # in the function defined earlier
        TUTORIAL + 'gradbook.check_value(1.0, 2.0, name="one more")\n',
        TUTORIAL.replace("import torch", "import torch("),  # no longer Python
    ]
    codes = mutant_runner.run_mutants(TUTORIAL, mutants, "small.py")
    assert codes == [3, 0, 4, 3, 3, 4]


def test_the_runner_says_when_the_original_fails(mutant_runner):
    broken = TUTORIAL.replace("0.02", "0.03")
    with pytest.raises(OriginalFailed, match=r"(?s)small\.py.*CheckFailed"):
        mutant_runner.run_mutants(broken, [TUTORIAL], "small.py")


def test_an_unchecked_claim_is_not_a_site():
    # A claim printed but not checked states nothing the mutation test can change:
    # that is why every claim on a page goes through check_claim.
    unchecked = TUTORIAL.replace(
        'print(gradbook.check_claim(x.is_leaf, True, name="x is a leaf"))',
        'print("x is a leaf:", x.is_leaf)',
    )
    assert len(sites(unchecked)) == len(sites(TUTORIAL)) - 1


MYST_PAGES = sorted(
    page
    for page in DOCS.glob("*.md")
    if "{code-cell}" in page.read_text(encoding="utf-8")
)


@pytest.mark.parametrize("page", MYST_PAGES, ids=[p.stem for p in MYST_PAGES])
def test_every_claim_of_a_myst_page_is_checked(page, mutant_runner):
    text = page.read_text(encoding="utf-8")
    script = myst_script(text)
    assert len(script.splitlines()) == len(text.splitlines())
    found = sites(script)
    assert found, f"{page.name} runs code but checks nothing it states"
    mutants = [mutate(script, s) for s in found]
    codes = mutant_runner.run_mutants(script, mutants, str(page))
    survivors = [
        s.describe() for s, code in zip(found, codes, strict=True) if code != 3
    ]
    assert not survivors, f"{page.name}: changing these went unnoticed: {survivors}"
