"""NAME.html, NAME.mathml.html and index.html: escaped, MathML only, well-formed fragments."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from render_fixtures import (
    hand_built_sigmoid,
    sigmoid_derivation,
    unverified,
    with_refuted_step,
    with_title,
)

from derive.model import Derivation
from derive.render import (
    render_html,
    render_index,
    render_mathml_fragments,
    render_plot_svg,
    step_mathml,
)
from derive.render.mathml import latex_to_mathml, numeric_entities

MATH = re.compile(r"<math\b.*?</math>", re.DOTALL)
NAMED_ENTITY = re.compile(r"&[A-Za-z][A-Za-z0-9]*;")
MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"


def _page(d: Derivation | None = None) -> str:
    d = d or sigmoid_derivation()
    return render_html(d, svg=render_plot_svg(d))


def _math_fragments(markup: str) -> list[str]:
    fragments = MATH.findall(markup)
    assert fragments, "no MathML found"
    return fragments


def test_every_mathml_fragment_is_well_formed_xml() -> None:
    page = _page(with_refuted_step(hand_built_sigmoid())) + _page()
    for fragment in _math_fragments(page):
        root = ET.fromstring(fragment)
        assert root.tag == f"{MATHML_NS}math"


def test_no_named_entities_anywhere() -> None:
    for markup in (_page(), render_mathml_fragments(sigmoid_derivation()),
                   render_index([sigmoid_derivation()])):
        assert NAMED_ENTITY.findall(markup) == []


def test_step_math_is_block_mathml_not_raw_latex() -> None:
    d = sigmoid_derivation()
    page = _page(d)
    blocks = [f for f in _math_fragments(page) if 'display="block"' in f]
    assert len(blocks) >= len(d.steps) + 1  # the lhs and one block per step
    text_outside_math = MATH.sub("", page)
    assert "\\frac" not in text_outside_math and "\\left(" not in text_outside_math


def test_title_with_script_is_escaped_and_page_has_no_javascript() -> None:
    page = _page(with_title(hand_built_sigmoid(), "<script>alert('x')</script> & co"))
    assert "<script" not in page.lower()
    assert "&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; &#38; co" in page
    assert "javascript:" not in page.lower() and " onload=" not in page.lower()


def test_each_step_shows_rule_and_a_readable_verdict_badge() -> None:
    d = with_refuted_step(hand_built_sigmoid())
    page = _page(d)
    items = re.findall(r'<li class="(\w+)">(.*?)</li>', page, re.DOTALL)
    step_items = items[: len(d.steps)]
    for (css_class, item), step in zip(step_items, d.steps, strict=True):
        assert step.outcome is not None
        assert css_class == step.outcome.verdict.value
        assert f'<span class="rule">{step.rule}</span>' in item
        assert 'role="note" aria-label="Verdict: ' in item
    refuted = step_items[3][1]
    assert "refuted at x = 0.5" in refuted
    assert "the left side is 0.2350037122015944 but the right side is -0.2350037122015944" \
        in refuted
    checked = step_items[7][1]
    assert "checked with 32 points" in checked and "max difference 1e-30" in checked


def test_unverified_claims_show_unknown() -> None:
    page = _page(unverified(hand_built_sigmoid()))
    assert '<li class="proved">' not in page
    assert page.count('<li class="unknown">') == 8 + 2 + 3
    assert "unknown (not verified)" in page


def test_limits_values_checks_table_and_plot_sections() -> None:
    d = hand_built_sigmoid()
    page = _page(d)
    for heading in ("Limits", "Values", "Checks of the closed form", "Numeric table"):
        assert f">{heading}</h2>" in page
    assert "2.1e-11" in page  # the finite-difference max error
    details = page.split("<details>")[1].split("</details>")[0]
    assert details.count("<tr><td>") == 100
    visible = page.split('<h2 id="table">')[1].split("<details>")[0]
    assert visible.count("<tr><td>") == 2
    assert "<td>-10.00000</td>" in visible and "<td>10.00000</td>" in visible
    assert "<td>0.9999546021</td>" in visible  # sigma(10), fixed significant digits
    if render_plot_svg(d) is not None:
        plot = page.split('<h2 id="plot">')[1]
        assert '<svg role="img" aria-label="Plot of sigmoid' in plot
        assert "σ(x)" in plot and "σ'(x)" in plot  # legend entries


def test_page_without_plot_has_no_svg() -> None:
    page = render_html(hand_built_sigmoid(), svg=None)
    assert "<svg" not in page and 'id="plot"' not in page


def test_same_derivation_renders_identically() -> None:
    assert _page() == _page()
    assert render_mathml_fragments(sigmoid_derivation()) == \
        render_mathml_fragments(sigmoid_derivation())


def test_mathml_fragments_file_holds_one_block_per_step() -> None:
    d = sigmoid_derivation()
    fragments = render_mathml_fragments(d)
    blocks = _math_fragments(fragments)
    assert len(blocks) == len(d.steps)
    assert blocks == [step_mathml(d, i) for i in range(len(d.steps))]
    assert re.sub(r"<!--.*?-->", "", MATH.sub("", fragments)).strip() == ""
    for block in blocks:
        assert 'display="block"' in block
        ET.fromstring(block)


def test_step_mathml_is_the_equation_previous_equals_current() -> None:
    d = hand_built_sigmoid()
    root = ET.fromstring(step_mathml(d, 0))
    operators = [el.text for el in root.iter(f"{MATHML_NS}mo")]
    assert "=" in operators
    identifiers = [el.text for el in root.iter(f"{MATHML_NS}mi")]
    assert "σ" in identifiers  # the left side: d/dx sigma(x)


@pytest.mark.parametrize(
    "latex",
    [r"\begin{aligned} a &= b \\[1em] &= c \end{aligned}", r"\frac{", r"\text{a & b} < c"],
)
def test_awkward_latex_still_gives_well_formed_mathml(latex: str) -> None:
    fragment = latex_to_mathml(latex)
    ET.fromstring(fragment)
    assert "[1em]" not in fragment
    assert NAMED_ENTITY.findall(fragment) == []


def test_numeric_entities_converts_named_references() -> None:
    assert numeric_entities("<mo>&InvisibleTimes;</mo>&lt;") == "<mo>&#8290;</mo>&#60;"
    assert numeric_entities("&notanentity;") == "&#38;notanentity;"


def test_index_lists_every_derivation_with_verdict_and_links() -> None:
    good = hand_built_sigmoid()
    bad = with_title(with_refuted_step(hand_built_sigmoid()), "<b>Broken</b>")
    index = render_index([good, bad], existing={"sigmoid.tex", "sigmoid.json"})
    assert index.count('href="sigmoid.html"') == 2
    assert 'href="sigmoid.tex"' in index and 'href="sigmoid.md"' not in index
    assert "&#60;b&#62;Broken&#60;/b&#62;" in index and "<b>" not in index
    assert 'aria-label="Verdict: checked"' in index and 'aria-label="Verdict: refuted"' in index
    for fragment in _math_fragments(index):
        ET.fromstring(fragment)
