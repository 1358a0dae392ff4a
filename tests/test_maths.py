"""Maths rendered as MathML when the site is built: formulas convert, a bad one is one line."""

from __future__ import annotations

import pytest

from conftest import make_fixture_site, sphinx_unexecuted
from ose.maths import MathsError, to_mathml

pytestmark = pytest.mark.site


def test_inline_and_displayed_formulas_become_mathml():
    inline = to_mathml(r"\hat{R} \le 1.01", display=False)
    assert inline.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    assert "<mover" in inline and "&#x02264;" in inline  # the hat and the "less or equal"
    block = to_mathml(r"\frac{1}{110} \sum_{s} y_s", display=True)
    assert 'display="block"' in block and "<mfrac>" in block and "<munder>" in block


def test_equations_on_several_lines_are_laid_out_as_rows():
    for tex in ("a = b\n\nc = d", r"\begin{aligned} a &= b \\ c &= d \end{aligned}"):
        mathml = to_mathml(tex, display=True)
        assert mathml.count("<mtr>") == 2, tex
        assert "<mi>&</mi>" not in mathml


@pytest.mark.parametrize(
    ("tex", "reason"),
    [
        (r"\frac{1}{", "the converter cannot read it (check its braces and commands)"),
        ("a & b", "its & is outside an environment the converter lays out"),
    ],
)
def test_a_formula_that_cannot_be_rendered_says_so(tex, reason):
    with pytest.raises(MathsError) as raised:
        to_mathml(tex, display=True)
    assert str(raised.value).startswith(f"the formula {tex!r} cannot be rendered: {reason}")


BAD_PAGE = """\
# Maths

A good formula, $\\hat{R}$, then a broken one:

$$
\\frac{1}{
$$
"""


def test_a_broken_formula_fails_the_build_at_its_line(tmp_path):
    root = make_fixture_site(tmp_path / "site", {"lessons/maths.md": BAD_PAGE})
    index = root / "lessons" / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8").replace(
            "table-and-figure\n", "table-and-figure\nmaths\n"
        ),
        encoding="utf-8",
    )
    result = sphinx_unexecuted(root)
    assert result.returncode != 0
    assert (
        "lessons/maths.md:5: the formula '\\\\frac{1}{' cannot be rendered: the converter "
        "cannot read it (check its braces and commands) [ose.maths]"
    ) in result.stderr.splitlines()
