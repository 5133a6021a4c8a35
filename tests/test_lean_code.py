"""Code blocks lose only the spans that change nothing (docs/_ext/lean_code.py)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from lean_code import plain_classes, unwrap_plain_spans
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonConsoleLexer, PythonLexer
from pygments.styles import get_style_by_name

THEME = (
    get_style_by_name("a11y-high-contrast-light"),
    get_style_by_name("a11y-high-contrast-dark"),
)
CODE = "x = torch.tensor([1.0, 2.0], requires_grad=True)  # a leaf\nprint(x.grad)\n"
CONSOLE = ">>> y = x ** 2\n>>> y.sum()\ntensor(5.)\n"


def block(code: str, lexer) -> str:
    return highlight(code, lexer, HtmlFormatter(style=THEME[0]))


def text(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text()


def test_only_classes_drawn_as_plain_text_in_every_style_are_unwrapped():
    plain = plain_classes(THEME)
    assert {"n", "p", "w"} <= plain  # names, punctuation, whitespace
    assert not plain & {"k", "o", "s2", "mf", "c1", "nb"}  # coloured in the theme
    assert not plain & {
        "gp",
        "go",
    }  # the copy button finds prompts and outputs by class
    # A style that underlines whitespace keeps its spans.
    assert "w" not in plain_classes((get_style_by_name("tango"),))


def test_the_text_of_a_block_is_unchanged_and_coloured_tokens_keep_their_spans():
    for code, lexer in ((CODE, PythonLexer()), (CONSOLE, PythonConsoleLexer())):
        html = block(code, lexer)
        lean = unwrap_plain_spans(html, plain_classes(THEME))
        assert text(lean) == text(html) and code in text(lean)
        kept = set(re.findall(r'<span class="([^"]+)">', lean))
        assert kept and not kept & plain_classes(THEME), kept
        assert len(lean) < len(html)
    console = unwrap_plain_spans(
        block(CONSOLE, PythonConsoleLexer()), frozenset({"n", "p"})
    )
    assert '<span class="gp">&gt;&gt;&gt; </span>' in console


def test_markup_outside_highlighted_blocks_and_inside_links_is_left_alone():
    html = '<p><span class="n">prose</span></p>'
    assert unwrap_plain_spans(html, plain_classes(THEME)) == html
    # sphinx-gallery links names in code to their documentation: the token's colour
    # is what the reader sees there, not the link's.
    link = '<a href="api.html#f"><span class="n">gradbook</span></a>'
    html = f'<div class="highlight"><pre>{link}<span class="p">(</span></pre></div>'
    assert unwrap_plain_spans(html, plain_classes(THEME)) == html.replace(
        '<span class="p">(</span>', "("
    )
