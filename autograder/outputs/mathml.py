"""Formulas that render with no network: LaTeX turned into MathML when a page is made.

nbgrader's page templates load MathJax from a CDN, so an offline lab or exam room sees raw
``$\\sigma(z) = \\dfrac{1}{1 + e^{-z}}$``. Here every ``$...$`` and ``$$...$$`` of a markdown cell, and every
LaTeX output (sympy's ``text/latex``), is converted to MathML by ``latex2mathml`` (pinned in
requirements.txt), which Chromium, Firefox and Safari draw natively. :class:`RenderMath` does it as an
nbconvert preprocessor of the HTML exporter (nbgrader_config.py lists it in ``HTMLExporter.preprocessors``), so
the feedback pages and the formgrader's submission view get it alike; the course's template folder
(``templates/base/mathjax.html.j2``) replaces nbconvert's MathJax loader by nothing, so no page asks the network
for anything. A formula ``latex2mathml`` cannot read stays as its LaTeX text, in a ``<code>`` span.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from latex2mathml.converter import convert
from nbconvert.preprocessors import Preprocessor

TEMPLATES = Path(__file__).with_name("templates")  # the course's own nbconvert templates (HTMLExporter's base dir)

# code (fenced blocks, then inline spans) is left as it is; math is looked for only between code
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`+[^`]*?`+)", re.S)
_MATH = re.compile(r"\$\$(?P<block>.+?)\$\$|(?<![\\$])\$(?P<inline>[^\s$](?:[^$]*?[^\s$\\])?)\$(?!\d)", re.S)
# characters that markdown would read as emphasis, code or escapes if they were left in the MathML's text nodes
_MARKDOWN_SAFE = str.maketrans({c: "&#%d;" % ord(c) for c in "_*`\\~[]|"})
_TEXT_NODE = re.compile(r">([^<]+)<")


def to_mathml(latex: str, block: bool = False) -> str:
    """One formula as a MathML element (``display="block"`` for a display formula); unreadable LaTeX stays text."""
    try:
        out = convert(latex.strip(), display="block" if block else "inline")
    except Exception:  # latex2mathml raises its own errors (and IndexError, KeyError) on LaTeX it cannot read
        delim = "$$" if block else "$"
        return '<code class="latex">%s</code>' % html.escape(delim + latex + delim)
    return _TEXT_NODE.sub(lambda m: ">%s<" % m.group(1).translate(_MARKDOWN_SAFE), out)


def render_math(text: str) -> str:
    """Markdown with each ``$...$`` / ``$$...$$`` outside code replaced by MathML."""
    parts = _CODE.split(text)
    for i in range(0, len(parts), 2):  # the even parts lie between code spans
        parts[i] = _MATH.sub(lambda m: to_mathml(m.group("block"), True) if m.group("block") is not None
                             else to_mathml(m.group("inline")), parts[i])
    return "".join(parts)


def latex_output_html(latex: str) -> str:
    """A ``text/latex`` output (``$x$``, ``$$x$$``, or ``$\\displaystyle x$`` as sympy writes it) as HTML."""
    return render_math(latex.strip())


class RenderMath(Preprocessor):
    """Turn the formulas of a notebook's markdown cells and LaTeX outputs into MathML before it is exported."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" and "$" in cell.source:
            cell.source = render_math(cell.source)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/latex" in data and "text/html" not in data:
                data["text/html"] = latex_output_html(data["text/latex"])
        return cell, resources
