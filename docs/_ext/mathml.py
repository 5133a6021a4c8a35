"""Render math as MathML when the book is built: no JavaScript, no CDN, works offline.

Sphinx loads MathJax from a CDN by default, so an offline reader sees raw ``\\(...\\)``.
Browsers render MathML natively (Chromium since 109, Firefox and Safari for longer),
and docutils ships a LaTeX-to-MathML converter, so the book converts every formula at
build time and ships no math JavaScript at all.

A formula the converter cannot read is a build error naming the document and line,
rather than raw LaTeX on the page.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.utils.math.latex2mathml import tex2mathml
from sphinx.application import Sphinx
from sphinx.errors import SphinxError
from sphinx.locale import _
from sphinx.util.math import get_node_equation_number


class MathMLError(SphinxError):
    category = "MathML conversion error"


def _convert(self: Any, node: nodes.Element, latex: str, block: bool) -> str:
    try:
        return tex2mathml(latex, as_block=block)
    except Exception as exc:  # docutils raises SyntaxError and friends
        where = f"{node.source or self.builder.current_docname}:{node.line or '?'}"
        raise MathMLError(
            f"{where}: cannot convert this LaTeX to MathML: {latex!r} ({exc})"
        ) from exc


def visit_math(self: Any, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate"))
    self.body.append(_convert(self, node, node.astext(), block=False))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_math_block(self: Any, node: nodes.math_block) -> None:
    # A wide formula scrolls on its own on a phone; tabindex lets a keyboard scroll
    # it too (axe-core: scrollable-region-focusable).
    self.body.append(self.starttag(node, "div", CLASS="math notranslate", tabindex="0"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    # Several equations separated by blank lines become one aligned block.
    parts = [part.strip() for part in node.astext().split("\n\n") if part.strip()]
    latex = (
        parts[0]
        if len(parts) == 1
        else r"\begin{aligned}" + r"\\".join(parts) + r"\end{aligned}"
    )
    self.body.append(_convert(self, node, latex, block=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_math_block, None))
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
