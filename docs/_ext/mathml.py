"""Render math as MathML when the book is built: no JavaScript, no CDN, works offline.

Sphinx loads MathJax from a CDN by default, so an offline reader sees raw ``\\(...\\)``.
Browsers render MathML natively (Chromium since 109, Firefox and Safari for longer),
and docutils ships a LaTeX-to-MathML converter, so the book converts every formula at
build time and ships no math JavaScript at all.

A formula the converter cannot read is a build error naming the document and line,
rather than raw LaTeX on the page.

The EPUB (``make files``) carries the same MathML in XHTML, which epubcheck validates
against MathML 3: there, named character references (``&ApplyFunction;``) are written
as numbers and ``displaystyle``/``scriptlevel`` on a fraction move to an ``<mstyle>``
around it (:func:`as_xhtml`); the website's HTML keeps docutils' output as it is.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from typing import Any

from docutils import nodes
from docutils.utils.math.latex2mathml import tex2mathml
from sphinx.application import Sphinx
from sphinx.errors import SphinxError
from sphinx.locale import _
from sphinx.util.math import get_node_equation_number


class MathMLError(SphinxError):
    category = "MathML conversion error"


MATHML_NS = "http://www.w3.org/1998/Math/MathML"
# XML's own five; every other named reference is undeclared in XHTML.
XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_NAMED_REFERENCE = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
# MathML 3 allows these on <math>, <mstyle> and <mtable> only.
STYLE_ATTRIBUTES = ("displaystyle", "scriptlevel")
STYLE_ELEMENTS = frozenset({"math", "mstyle", "mtable"})


def _numeric(match: re.Match[str]) -> str:
    if match.group(1) in XML_ENTITIES:
        return match.group(0)
    text = html.unescape(match.group(0))
    if text == match.group(0):
        raise ValueError(f"unknown character reference {match.group(0)}")
    return "".join(f"&#x{ord(char):X};" for char in text)


def as_xhtml(mathml: str) -> str:
    """docutils' MathML as MathML 3 in XHTML (see the module docstring).

    >>> print(as_xhtml('<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>f</mi>'
    ...                '<mo>&ApplyFunction;</mo><mfrac displaystyle="false" '
    ...                'scriptlevel="0"><mn>1</mn><mn>2</mn></mfrac></math>'))
    <math xmlns="http://www.w3.org/1998/Math/MathML"><mi>f</mi><mo>&#x2061;</mo><mstyle displaystyle="false" scriptlevel="0"><mfrac><mn>1</mn><mn>2</mn></mfrac></mstyle></math>
    """
    root = ET.fromstring(_NAMED_REFERENCE.sub(_numeric, mathml))
    for parent in list(root.iter()):
        for index, child in enumerate(list(parent)):
            if child.tag.rsplit("}", 1)[-1] in STYLE_ELEMENTS:
                continue
            moved = {
                k: child.attrib.pop(k) for k in STYLE_ATTRIBUTES if k in child.attrib
            }
            if moved:
                style = ET.Element(f"{{{MATHML_NS}}}mstyle", moved)
                style.tail, child.tail = child.tail, None
                parent.remove(child)
                parent.insert(index, style)
                style.append(child)
    # Written back without prefixes: every element is MathML, declared on <math>.
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]
    root.set("xmlns", MATHML_NS)
    text = ET.tostring(root, encoding="unicode")
    # ElementTree writes characters, not references: U+2061 (invisible) as a number.
    return re.sub(r"[^\x00-\x7f]", lambda m: f"&#x{ord(m.group(0)):X};", text)


def _convert(self: Any, node: nodes.Element, latex: str, block: bool) -> str:
    try:
        mathml = tex2mathml(latex, as_block=block)
        return as_xhtml(mathml) if self.builder.name == "epub" else mathml
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
