"""TeX to MathML, at build time: pages show their maths with no script at all.

Browsers render MathML Core natively (Chromium since 109, Firefox and Safari long before), and
screen readers read it, so a page needs neither MathJax's 2 MB of JavaScript nor a request for
it. ``latex2mathml`` does the conversion; what it cannot convert is a problem of the source,
reported at the formula's line like any other.
"""

from __future__ import annotations

from latex2mathml.converter import convert


class MathsError(ValueError):
    """A formula that cannot be converted, with the reason in one line."""


#: Environments the converter does not lay out as tables, and the array that does the same.
_AS_ARRAY = {"aligned": "rlrlrl", "split": "rl", "gathered": "c"}


def _joined(tex: str) -> str:
    """Equations separated by blank lines, or lines broken with ``\\`` outside an environment,
    one per line (as Sphinx does for MathJax)."""
    parts = [part.strip() for part in tex.split("\n\n") if part.strip()]
    if len(parts) > 1 or (parts and r"\\" in parts[0] and r"\begin{" not in parts[0]):
        return r"\begin{gathered}" + r"\\".join(parts) + r"\end{gathered}"
    return parts[0] if parts else ""


def _arrays(tex: str) -> str:
    for name, columns in _AS_ARRAY.items():
        tex = tex.replace(rf"\begin{{{name}}}", rf"\begin{{array}}{{{columns}}}")
        tex = tex.replace(rf"\end{{{name}}}", r"\end{array}")
    return tex


def to_mathml(tex: str, display: bool) -> str:
    """``tex`` as a ``<math>`` element (``display="block"`` for a displayed formula)."""
    source = _arrays(_joined(tex) if display else tex.strip())
    try:
        mathml = convert(source, display="block" if display else "inline")
    except Exception as error:  # the converter raises many kinds; each is a bad formula
        reason = (
            str(error).splitlines()[0]
            if str(error)
            else "the converter cannot read it (check its braces and commands)"
        )
        raise MathsError(f"the formula {tex.strip()[:60]!r} cannot be rendered: {reason}") from None
    if "<mi>&</mi>" in mathml:  # an alignment the converter left as text
        raise MathsError(
            f"the formula {tex.strip()[:60]!r} cannot be rendered: its & is outside an "
            "environment the converter lays out (allowed: aligned, split, gathered, array, "
            "matrix, cases)"
        )
    return mathml
