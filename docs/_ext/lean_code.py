"""Code blocks with half the elements: the spans that change nothing are left out.

Pygments wraps every token of a code block in ``<span class="...">``, names,
punctuation and whitespace included. In the book's colour styles those three look
exactly like the block's own text, so their spans only weigh on the page: on a
tutorial they are half of all its elements (6,051 on the autograd-engine page, 2,954
of them such spans), which every reader's browser lays out and which makes the
accessibility checker twice as slow.

Here, when a page is written (``html-page-context``), each such span inside a
highlighted block is replaced by its text. Which classes qualify is decided from the
Pygments styles the page is shown in (the theme's light and dark styles, or the
builder's own): a class qualifies only when every one of them draws its tokens
exactly as plain text (same colour, weight, slant, background, border), and only
outside links (inside one, the span's colour is what keeps the link's off). Prompts and
outputs (``gp``, ``go``) keep their spans whatever their style: the copy button
recognises them by class. The text of a block is unchanged, character for character.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pygments.style import Style
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES, Text
from sphinx.application import Sphinx

# Classes that tools find by name (sphinx-copybutton's copybutton_exclude; line
# numbers), kept whatever they look like.
KEEP = frozenset({"gp", "go", "linenos", "hll"})
THEME_STYLE_OPTIONS = ("pygments_light_style", "pygments_dark_style")

_BLOCK = re.compile(r'(<div class="highlight"><pre>)(.*?)(</pre>)', re.DOTALL)
# A link in code (sphinx-gallery links each name to its documentation): inside it, a
# token's span sets the colour that the link's own would otherwise give its text.
_LINK = re.compile(r"(<a\b[^>]*>.*?</a>)", re.DOTALL)


@cache
def plain_classes(styles: tuple[type[Style], ...]) -> frozenset[str]:
    """The short Pygments classes whose tokens every style in ``styles`` draws as
    plain text."""
    plain: set[str] = set()
    for token, name in STANDARD_TYPES.items():
        if not name or name in KEEP:
            continue
        # Plain text (Token.Text) is written without a span, in the block's colour.
        if all(s.style_for_token(token) == s.style_for_token(Text) for s in styles):
            plain.add(name)
    return frozenset(plain)


def page_styles(app: Sphinx) -> tuple[type[Style], ...]:
    """The Pygments styles this builder's pages show code in: the theme's light and
    dark styles when it names them (pydata-sphinx-theme rewrites pygments.css with
    them), else the builder's own light and dark highlighters."""
    builder: Any = app.builder
    theme = getattr(builder, "theme", None)
    if theme is not None:
        options = theme.get_options(getattr(builder, "theme_options", {}))
        names = [options[k] for k in THEME_STYLE_OPTIONS if options.get(k)]
        if names:
            return tuple(get_style_by_name(name) for name in names)
    bridges = [builder.highlighter, getattr(builder, "dark_highlighter", None)]
    return tuple(b.formatter_args["style"] for b in bridges if b is not None)


@cache
def _leaf_span(classes: frozenset[str]) -> re.Pattern[str]:
    # Pygments' token spans hold text only (no markup), so [^<]* is the whole token;
    # <span></span> is the empty span Pygments opens every block with.
    alternatives = "|".join(sorted(map(re.escape, classes)))
    return re.compile(rf'<span class="(?:{alternatives})">([^<]*)</span>|<span></span>')


def unwrap_plain_spans(html: str, classes: frozenset[str]) -> str:
    """``html`` with the spans of ``classes`` inside highlighted blocks replaced by
    their text."""
    if not classes:
        return html
    leaf = _leaf_span(classes)

    def lean(block: re.Match[str]) -> str:
        parts = _LINK.split(block[2])  # odd items: links, left whole
        for i in range(0, len(parts), 2):
            parts[i] = leaf.sub(lambda m: m[1] or "", parts[i])
        return block[1] + "".join(parts) + block[3]

    return _BLOCK.sub(lean, html)


def lean_page(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    body = context.get("body")
    if body and '<div class="highlight">' in body:
        context["body"] = unwrap_plain_spans(body, plain_classes(page_styles(app)))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", lean_page)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
