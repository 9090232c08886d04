"""``NAME.html`` and ``index.html``: self-contained pages, no JavaScript, math as native MathML.

All document text is escaped with numeric character references (no named entities anywhere),
every ``<math>`` element comes from :func:`derive.render.mathml.latex_to_mathml` (well-formed
XML), and each verdict is a coloured badge whose text says what it means, so colour is never
the only signal.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from urllib.parse import quote

from derive import __version__
from derive.model import Derivation, Outcome, Verdict
from derive.render.latex import (
    expr_latex,
    function_call_latex,
    function_latex,
    helper_definitions,
    helper_latex,
    limit_lhs_latex,
    limit_reason_latex,
    note_latex,
    point_text,
    substitution_latex,
    title,
    value_parts,
)
from derive.render.mathml import latex_to_mathml
from derive.render.plot import inline_svg, plots_available
from derive.render.table import NumericGrid, format_number, format_x, numeric_grid
from derive.render.text import (
    READING_GUIDE,
    VERDICT_MEANINGS,
    chain_verdict,
    evidence_sentence,
    outcome_verdict,
    verdict_label,
)

_ESCAPES = {"&": "&#38;", "<": "&#60;", ">": "&#62;", '"': "&#34;", "'": "&#39;"}

_VERDICT_SYMBOLS = {
    Verdict.PROVED: "\u2714",  # heavy check mark
    Verdict.CHECKED: "\u2248",  # almost equal: numeric evidence
    Verdict.REFUTED: "\u2718",  # heavy ballot x
    Verdict.UNKNOWN: "?",
    Verdict.ERROR: "!",
}

STYLE = """
:root { color-scheme: light dark; --fg: #1d2430; --muted: #5b6473; --bg: #fbfbfd;
  --card: #ffffff; --line: #dfe3ea; --accent: #1f5fbf;
  --proved-bg: #dcf5e3; --proved-fg: #0d5c2a; --checked-bg: #e3edfc; --checked-fg: #143f85;
  --refuted-bg: #fde2e1; --refuted-fg: #8c1410; --unknown-bg: #fdf1d6; --unknown-fg: #6b4a00;
  --error-bg: #f1e2fb; --error-fg: #5c1887; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e9ef; --muted: #a3abb8; --bg: #14171c; --card: #1c2027; --line: #323844;
    --accent: #7fb0ff;
    --proved-bg: #123d22; --proved-fg: #a6f0bf; --checked-bg: #17305a; --checked-fg: #b9d3ff;
    --refuted-bg: #4f1614; --refuted-fg: #ffc2bf; --unknown-bg: #46360b; --unknown-fg: #ffe19a;
    --error-bg: #3b1853; --error-fg: #e6c2ff; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
main { max-width: 68rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1 { font-size: 1.9rem; margin: 0 0 .4rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .8rem; border-bottom: 1px solid var(--line);
  padding-bottom: .3rem; }
a { color: var(--accent); }
.lead { color: var(--muted); margin: 0 0 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .6rem;
  padding: .8rem 1.1rem; }
math { font-size: 1.12em;
  font-family: "STIX Two Math", "Latin Modern Math", "Cambria Math", "Noto Sans Math", math; }
.math { overflow-x: auto; overflow-y: hidden; }
.math math[display="block"] { display: math; math-style: normal; }
math[display="block"] { overflow-x: auto; overflow-y: hidden; padding: .25rem 0; }
ol.claims { list-style: none; margin: 0; padding: 0; }
ol.claims > li { display: grid; grid-template-columns: 2.2rem minmax(0, 1fr) minmax(12rem, 19rem);
  gap: .2rem 1rem; align-items: center; padding: .55rem .9rem; border: 1px solid var(--line);
  border-radius: .6rem; background: var(--card); margin: 0 0 .5rem; }
ol.claims > li.refuted { border-color: var(--refuted-fg); }
.num { color: var(--muted); font-variant-numeric: tabular-nums; }
.why { grid-column: 2; color: var(--muted); font-size: .95rem; }
.verdict { grid-column: 3; grid-row: 1 / span 2; }
.evidence { display: block; color: var(--muted); font-size: .85rem; margin-top: .3rem; }
.badge { display: inline-block; border-radius: 999px; padding: .12rem .7rem; font-weight: 600;
  font-size: .9rem; white-space: nowrap; }
.badge.proved { background: var(--proved-bg); color: var(--proved-fg); }
.badge.checked { background: var(--checked-bg); color: var(--checked-fg); }
.badge.refuted { background: var(--refuted-bg); color: var(--refuted-fg); white-space: normal; }
.badge.unknown { background: var(--unknown-bg); color: var(--unknown-fg); }
.badge.error { background: var(--error-bg); color: var(--error-fg); }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .8rem; border-bottom: 1px solid var(--line); text-align: right; }
th { font-weight: 600; }
td.text, th.text { text-align: left; }
tr.gap td { text-align: center; color: var(--muted); font-style: italic; }
details { margin-top: .8rem; }
summary { cursor: pointer; color: var(--accent); }
figure { margin: 0; }
figure .plot { background: #ffffff; border-radius: .6rem; padding: .5rem; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .4rem; }
dl.legend { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
dl.legend dd { margin: 0; color: var(--muted); }
.guide { margin-top: 3rem; color: var(--muted); font-size: .92rem; }
.guide p { max-width: 52rem; }
td.number, td.nowrap, th { white-space: nowrap; }
footer { margin-top: 1.5rem; color: var(--muted); font-size: .85rem; }
@media (max-width: 44rem) {
  ol.claims > li { grid-template-columns: 2rem minmax(0, 1fr); }
  .verdict { grid-column: 2; grid-row: auto; }
}
""".strip()


def esc(text: str) -> str:
    """HTML-escape with numeric references (valid in HTML and XML, no named entities)."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def href(filename: str) -> str:
    """A link to ``filename`` next to the page, as an attribute value: percent-encoded, so a
    name like ``javascript:alert(1)`` stays a relative path and never becomes a scheme."""
    return esc(quote(filename, safe=""))


def math(latex: str, *, block: bool = True) -> str:
    return latex_to_mathml(latex, display="block" if block else "inline")


def badge(outcome: Outcome | None) -> str:
    verdict = outcome_verdict(outcome)
    label = verdict_label(outcome)
    return (f'<span class="badge {verdict.value}" role="note" aria-label="Verdict: {esc(label)}">'
            f'<span aria-hidden="true">{_VERDICT_SYMBOLS[verdict]}</span> {esc(label)}</span>')


def verdict_badge(verdict: Verdict) -> str:
    return (f'<span class="badge {verdict.value}" role="note" '
            f'aria-label="Verdict: {verdict.value}"><span aria-hidden="true">'
            f"{_VERDICT_SYMBOLS[verdict]}</span> {verdict.value}</span>")


def _claim_item(number: str, math_markup: str, why: str, outcome: Outcome | None) -> str:
    verdict = outcome_verdict(outcome).value
    why_markup = f'<div class="why">{why}</div>' if why else ""
    return (
        f'<li class="{verdict}"><span class="num">{esc(number)}</span>'
        f'<div class="math">{math_markup}</div>'
        f'<div class="verdict">{badge(outcome)}'
        f'<span class="evidence">{esc(evidence_sentence(outcome))}</span></div>'
        f"{why_markup}</li>"
    )


def _head(page_title: str) -> list[str]:
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="derive {esc(__version__)}">',
        f"<title>{esc(page_title)}</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
        "<main>",
    ]


def _legend() -> list[str]:
    lines = ['<dl class="legend">']
    for verdict, meaning in VERDICT_MEANINGS.items():
        lines.append(f"<dt>{verdict_badge(verdict)}</dt><dd>{esc(meaning)}</dd>")
    lines.append("</dl>")
    return lines


def _reading_guide() -> list[str]:
    return ['<section class="guide" aria-labelledby="reading">',
            '<h2 id="reading">How to read the verdicts</h2>',
            *_legend(),
            *(f"<p>{esc(paragraph)}</p>" for paragraph in READING_GUIDE),
            "</section>"]


def _tail() -> list[str]:
    return [
        *_reading_guide(),
        "<footer>",
        f"<p>Generated and verified by derive {esc(__version__)}.</p>",
        "</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]


def _steps_section(d: Derivation) -> list[str]:
    lines = ['<section aria-labelledby="steps">',
             '<h2 id="steps">The derivative, step by step</h2>',
             f'<div class="card lhs">{math(expr_latex(d.lhs))}</div>',
             '<ol class="claims">']
    for index, step in enumerate(d.steps):
        why = f'<span class="rule">{esc(step.rule)}</span>'
        if step.note:
            why += f", {math(note_latex(step.note, d.definitions), block=False)}"
        lines.append(_claim_item(f"{index + 1}", math("= " + expr_latex(step.expr)), why,
                                 step.outcome))
    lines += ["</ol>", "</section>"]
    return lines


def _limits_section(d: Derivation) -> list[str]:
    lines = ['<section aria-labelledby="limits">', '<h2 id="limits">Limits</h2>',
             '<ol class="claims">']
    for index, claim in enumerate(d.limits):
        reason = limit_reason_latex(claim)
        why = math(reason, block=False) if reason else ""
        latex = f"{limit_lhs_latex(claim)} = {expr_latex(claim.value)}"
        lines.append(_claim_item(f"{index + 1}", math(latex), why, claim.outcome))
    lines += ["</ol>", "</section>"]
    return lines


def _values_section(d: Derivation) -> list[str]:
    lines = ['<section aria-labelledby="values">', '<h2 id="values">Values</h2>',
             '<ol class="claims">']
    for index, claim in enumerate(d.values):
        left, right = value_parts(claim)
        why = esc(f"at {point_text(claim.point)}, {claim.digits} significant digits")
        lines.append(_claim_item(f"{index + 1}", math(f"{left} {right}"), why, claim.outcome))
    lines += ["</ol>", "</section>"]
    return lines


def _checks_section(d: Derivation) -> list[str]:
    lines = ['<section aria-labelledby="checks">', '<h2 id="checks">Checks of the closed form</h2>',
             '<div class="card"><table>',
             '<thead><tr><th class="text" scope="col">check</th><th class="text" scope="col">grid'
             '</th><th scope="col">max error</th><th class="text" scope="col">verdict</th></tr>'
             "</thead><tbody>"]
    for check in d.checks:
        max_error = esc(check.max_error) if check.max_error is not None else "&#8212;"
        lines.append(
            f'<tr><td class="text">{esc(check.name)}</td>'
            f'<td class="text nowrap">{esc(check.grid)}</td>'
            f'<td class="number">{max_error}</td>'
            f'<td class="text">{badge(check.outcome)}'
            f'<span class="evidence">{esc(evidence_sentence(check.outcome))}</span></td></tr>'
        )
    lines += ["</tbody></table></div>", "</section>"]
    return lines


def _grid_row(cells: tuple[str, str, str]) -> str:
    return "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in cells) + "</tr>"


def _grid_header(d: Derivation) -> str:
    headers = [math(expr_latex(d.spec.variable), block=False),
               math(function_call_latex(d), block=False),
               math(function_call_latex(d, prime=True), block=False)]
    return "<thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in headers) + "</tr></thead>"


def _table_section(d: Derivation, grid: NumericGrid) -> list[str]:
    rows = [(format_x(r.x), format_number(r.f), format_number(r.df)) for r in grid.rows]
    header = _grid_header(d)
    lines = ['<section aria-labelledby="table">', '<h2 id="table">Numeric table</h2>',
             f'<p class="lead">The function and the derived closed form on '
             f"<code>{esc(grid.description)}</code>, computed with mpmath and printed to fixed "
             "significant digits.</p>",
             f'<div class="card"><table>{header}<tbody>']
    if len(rows) > 2:
        lines.append(_grid_row(rows[0]))
        lines.append(f'<tr class="gap"><td colspan="3">{len(rows) - 2} more rows below</td></tr>')
        lines.append(_grid_row(rows[-1]))
    else:
        lines += [_grid_row(row) for row in rows]
    lines.append("</tbody></table>")
    lines.append(f"<details><summary>All {len(rows)} rows</summary><table>{header}<tbody>")
    lines += [_grid_row(row) for row in rows]
    lines += ["</tbody></table></details></div>", "</section>"]
    return lines


def _plot_section(d: Derivation, svg: str) -> list[str]:
    name = d.spec.name
    label = f"Plot of {name} and its derivative for {d.spec.variable} from -10 to 10"
    return ['<section aria-labelledby="plot">', '<h2 id="plot">Plot</h2>', "<figure>",
            f'<div class="plot">{inline_svg(svg, esc(label))}</div>',
            f"<figcaption>{esc(label)} (solid: the function; dashed: its derivative)."
            "</figcaption>",
            "</figure>", "</section>"]


def _chain_summary(d: Derivation) -> str:
    if not d.steps:
        return ""
    return f"Steps of the derivative: {verdict_badge(chain_verdict(d))} &#183; "


def render_html(d: Derivation, *, svg: str | None) -> str:
    """The full page for one derivation; ``svg`` is the plot (or None to leave it out)."""
    page_title = title(d)
    lines = _head(page_title)
    lines += [
        "<header>",
        f"<h1>{esc(page_title)}</h1>",
        f'<p class="lead">{_chain_summary(d)}Overall verdict: {verdict_badge(d.verdict)} '
        '&#8212; the weakest verdict on this page (<a href="#reading">how to read the '
        "verdicts</a>).</p>",
        "</header>",
        '<section aria-labelledby="function">',
        '<h2 id="function">The function</h2>',
        f'<div class="card">{math(function_latex(d))}</div>',
    ]
    for helper in helper_definitions(d):
        lines += ["<p>where</p>", f'<div class="card">{math(helper_latex(helper))}</div>']
    substitutions = [dfn for dfn in d.definitions if not dfn.params]
    if substitutions:
        lines.append("<p>Named substitutions: "
                     + ", ".join(math(substitution_latex(dfn), block=False)
                                 for dfn in substitutions) + "</p>")
    lines.append("</section>")
    if d.steps:
        lines += _steps_section(d)
    if d.limits:
        lines += _limits_section(d)
    if d.values:
        lines += _values_section(d)
    if d.checks:
        lines += _checks_section(d)
    lines += _table_section(d, numeric_grid(d))
    if svg is not None:
        lines += _plot_section(d, svg)
    lines += _tail()
    return "\n".join(lines) + "\n"


def render_index(derivations: Sequence[Derivation], *,
                 existing: Collection[str] | None = None) -> str:
    """``index.html``: every derivation with its overall verdict and links to its files.

    ``existing`` names the files present next to the index (links to others are left out);
    by default every export is linked, the plot only when matplotlib is available.
    """
    lines = _head("derive: bundled derivations")
    lines += ["<header>", "<h1>Derivations</h1>",
              '<p class="lead">Generated and verified by derive; each row links to the page and '
              "to the exported files.</p>", "</header>",
              '<div class="card"><table>',
              '<thead><tr><th class="text" scope="col">derivation</th>'
              '<th class="text" scope="col">function</th>'
              '<th class="text" scope="col">verdict</th>'
              '<th class="text" scope="col">files</th></tr></thead><tbody>']
    for d in derivations:
        name = d.spec.name
        files = [f"{name}.tex", f"{name}.md", f"{name}.json", f"{name}.mathml.html",
                 f"{name}.svg"]
        if existing is None:
            files = files if plots_available() else files[:-1]
        else:
            files = [f for f in files if f in existing]
        links = " ".join(f'<a href="{href(f)}">{esc(f.removeprefix(name + "."))}</a>'
                         for f in files)
        lines.append(
            f'<tr><td class="text"><a href="{href(name + ".html")}">{esc(title(d))}</a></td>'
            f'<td class="text">{math(function_latex(d), block=False)}</td>'
            f'<td class="text">{verdict_badge(d.verdict)}</td>'
            f'<td class="text">{links}</td></tr>'
        )
    lines += ["</tbody></table></div>"]
    lines += _tail()
    return "\n".join(lines) + "\n"
