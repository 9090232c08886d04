"""Sure readings: notation the parser must never misread as a product, a power or a fraction.

Each reading has positive tests (the notation is read right and a true claim is verified) and
negative tests (a real mistake written in the same notation is still refuted, or the claim
that is no identity is not proved).
"""

from __future__ import annotations

import pytest
import sympy as sp
from sympy.core.function import AppliedUndef

from derive.check.checker import check_text
from derive.model import FileReport, Verdict, VerifySettings
from derive.parse import (
    LatexParseError,
    ParseOptions,
    limits,
    parse_latex_expr,
    uses_complex_numbers,
)

SETTINGS = VerifySettings(time_limit=10.0)
x, y, z, w, theta, p, n, k = sp.symbols("x y z w theta p n k")


def parse(text: str, options: ParseOptions = ParseOptions()) -> sp.Expr:  # noqa: B008
    return parse_latex_expr(text, options).expr


def verdicts(body: str) -> list[Verdict | None]:
    """Verdicts of the claims of a Markdown document holding ``body`` as display math."""
    report: FileReport = check_text("doc.md", f"# Notes\n\n$$\n{body}\n$$\n", SETTINGS)
    return [f.verdict for f in report.findings
            if f.kind is not None and f.kind.value != "definition"]


def messages(body: str) -> list[str]:
    report = check_text("doc.md", f"# Notes\n\n$$\n{body}\n$$\n", SETTINGS)
    return [f.message for f in report.findings]


def function_names(expr: sp.Expr) -> set[str]:
    return {call.func.__name__ for call in expr.atoms(AppliedUndef)}


# ------------------------------------------------------------- 1. operators, never factors
@pytest.mark.parametrize(("text", "operator"), [
    (r"\mathbb{E}[X]", "Expectation"),
    (r"\operatorname{E}[X]", "Expectation"),
    (r"\mathrm{E}[X]", "Expectation"),
    (r"E[X]", "Expectation"),
    (r"\mathbb{E}(X)", "Expectation"),
    (r"\operatorname{Var}(X)", "Variance"),
    (r"\mathrm{Var}[X]", "Variance"),
    (r"Var(X)", "Variance"),
    (r"\operatorname{Cov}(X, Y)", "Covariance"),
    (r"Cov[X, Y]", "Covariance"),
    (r"\Pr(A)", "Probability"),
    (r"\mathbb{P}(A)", "Probability"),
    (r"P(X = 1)", "Probability"),
    (r"\langle x, y \rangle", "AngleBracket"),
])
def test_operators_are_opaque_applications(text: str, operator: str) -> None:
    expr = parse(text)
    assert isinstance(expr, AppliedUndef)
    assert expr.func.__name__ == operator
    assert not isinstance(expr, sp.Mul)


def test_expectation_of_a_product_is_not_a_product_of_symbols() -> None:
    assert parse(r"\mathbb{E}[UV]") == sp.Function("Expectation")(sp.Symbol("U") * sp.Symbol("V"))
    assert parse(r"\mathbb{E}[UV]") != parse(r"U\,\mathbb{E}[V]")


def test_pulling_a_random_variable_out_of_e_is_not_proved() -> None:
    (verdict,) = verdicts(r"\mathbb{E}[UV] = U\,\mathbb{E}[V]")
    assert verdict not in (Verdict.PROVED, Verdict.CHECKED)
    (verdict,) = verdicts(r"E[XY] = X E[Y]")
    assert verdict not in (Verdict.PROVED, Verdict.CHECKED)


def test_the_same_expectation_on_both_sides_is_proved() -> None:
    assert verdicts(r"\mathbb{E}[X] = \mathbb{E}[X]") == [Verdict.PROVED]
    assert verdicts(r"\mathbb{E}[X] + \mathbb{E}[X] = 2\,\mathbb{E}[X]") == [Verdict.PROVED]


def test_a_mistake_around_an_operator_is_never_verified() -> None:
    # an opaque E leaves the verifier nothing to sample, so a mistake next to it ends unknown
    # (never proved or checked); the arithmetic around it is still read as written
    for claim in (r"\mathbb{E}[X] + \mathbb{E}[X] = 3\,\mathbb{E}[X]",
                  r"\mathbb{E}[2X] = 2\,\mathbb{E}[X] + 1",
                  r"\operatorname{Var}(X) (a+1)^2 = \operatorname{Var}(X) (a^2+1)"):
        (verdict,) = verdicts(claim)
        assert verdict is Verdict.UNKNOWN, claim


def test_an_operator_subscript_and_an_absolute_value_inside() -> None:
    assert parse(r"\mathbb{E}_{x \sim p}[f(x)]").func.__name__ == r"Expectation_{x\sim p}"
    assert parse(r"\mathbb{E}[|X|]") == sp.Function("Expectation")(sp.Abs(sp.Symbol("X")))
    assert sp.sstr(parse(r"\mathbb{E}[|X - Y| | Z]")) == "Expectation(Abs(X - Y) | Z)"


@pytest.mark.parametrize(("text", "expected"), [
    ("P(X = 1)", "Equals"),
    (r"P(X \le 2)", "LessEqual"),
    ("P(X < x)", "Less"),
    (r"\Pr(A \cap B)", "Cap"),
    (r"\mathbb{P}(A \cup B)", "Cup"),
])
def test_events_are_read_inside_probabilities(text: str, expected: str) -> None:
    expr = parse(text)
    assert expr.func.__name__ == "Probability"
    assert expected in function_names(expr)


def test_a_bar_in_a_probability_is_the_condition() -> None:
    expr = parse("P(X = 1 | Y = 2)")
    assert sp.sstr(expr) == "Probability(Equals(X, 1) | Equals(Y, 2))"
    assert parse(r"\mathbb{E}[X \mid Y]").func.__name__ == "Expectation|1"


@pytest.mark.parametrize("text", ["(X = 1)", "f(x = 1)", r"\sin(x < 1)", "2 (A = B) + 1"])
def test_events_outside_an_operator_are_errors(text: str) -> None:
    with pytest.raises(LatexParseError):
        parse(text)


def test_relations_outside_operators_still_fail_as_before() -> None:
    with pytest.raises(LatexParseError, match="split relations first"):
        parse(r"x \le 1")


def test_an_operator_without_brackets_applies_to_what_follows_never_a_product() -> None:
    assert parse(r"\mathbb{E} X") == sp.Function("Expectation")(sp.Symbol("X"))


def test_e_before_a_parenthesis_is_still_doubtful_not_an_operator() -> None:
    parsed = parse_latex_expr("E(x+1)")
    assert "DRV005" in [issue.rule_id for issue in parsed.issues]


# ------------------------------------------------------------- 2. applied functions
@pytest.mark.parametrize(("text", "name"), [
    (r"f_\theta(x)", r"f_{\theta}"),
    ("p_X(x)", "p_{X}"),
    (r"\hat{y}(x)", r"\hat{y}"),
    ("g_w(z)", "g_{w}"),
    (r"\xi_A(\theta)", "xi_{A}"),
    ("G_a(0)", "G_{a}"),
    ("X(HHH)", "X"),
])
def test_decorated_name_before_an_argument_is_a_call(text: str, name: str) -> None:
    expr = parse(text)
    assert isinstance(expr, AppliedUndef)
    assert expr.func.__name__ == name


def test_a_call_depends_on_the_symbols_of_its_subscript() -> None:
    assert parse("g_w(z)").has(w)
    assert parse(r"f_\theta(x)").has(theta)
    assert parse("X(HHH)").args == (sp.Symbol("HHH"),)  # one outcome, not H^3


@pytest.mark.parametrize("claim", [
    r"\frac{\partial}{\partial w} g_w(z) = 0",
    "G_a(0) = 0",
    r"f_\theta(x) = f_\theta \cdot x",
])
def test_claims_about_applied_functions_are_not_proved(claim: str) -> None:
    (verdict,) = verdicts(claim)
    assert verdict not in (Verdict.PROVED, Verdict.CHECKED)


def test_the_same_call_on_both_sides_is_proved() -> None:
    assert verdicts(r"f_\theta(x) + f_\theta(x) = 2 f_\theta(x)") == [Verdict.PROVED]


def test_a_decorated_name_used_as_a_variable_stays_a_product() -> None:
    hat_y = sp.Symbol(r"\hat{y}")
    assert parse(r"\hat{y}(1 - \hat{y})") == hat_y * (1 - hat_y)
    assert verdicts(r"\hat{y}(1 - \hat{y}) = \hat{y} - \hat{y}^2") == [Verdict.PROVED]
    (verdict,) = verdicts(r"\hat{y}(1 - \hat{y}) = \hat{y} - \hat{y}^3")
    assert verdict is Verdict.REFUTED


def test_a_bare_name_before_a_sum_stays_ambiguous() -> None:
    parsed = parse_latex_expr("a(b+c)")
    assert parsed.expr == sp.Symbol("a") * (sp.Symbol("b") + sp.Symbol("c"))
    assert [issue.rule_id for issue in parsed.issues] == ["DRV005"]


# ------------------------------------------------------------- 3. derivative operators
@pytest.mark.parametrize(("text", "expected"), [
    (r"\frac{d}{dp^{(i)}}\left[p^{(i)} x\right]",
     sp.Derivative(sp.Symbol("p^{(i)}") * x, sp.Symbol("p^{(i)}"))),
    (r"\frac{dL^{(i)}}{dp^{(i)}}",
     sp.Derivative(sp.Function("L^{(i)}")(sp.Symbol("p^{(i)}")), sp.Symbol("p^{(i)}"))),
    (r"\frac{\partial}{\partial w_{jk}} w_{jk}^2",
     sp.Derivative(sp.Symbol("w_{jk}") ** 2, sp.Symbol("w_{jk}"))),
    (r"\frac{d}{d\mathbf{w}} \mathbf{w}^2",
     sp.Derivative(sp.Symbol(r"\mathbf{w}") ** 2, sp.Symbol(r"\mathbf{w}"))),
    (r"\frac{d\theta(x)}{dx}", sp.Derivative(sp.Function("theta")(x), x)),
    (r"\frac{\mathrm{d}y}{\mathrm{d}x}", sp.Derivative(sp.Function("y")(x), x)),
    (r"\frac{d}{da^{[l]}} a^{[l]}", sp.Derivative(sp.Symbol("a^{[l]}"), sp.Symbol("a^{[l]}"))),
])
def test_derivatives_with_decorated_variables(text: str, expected: sp.Expr) -> None:
    assert parse(text) == expected


def test_derivative_with_an_indexed_variable_is_verified() -> None:
    assert verdicts(r"\frac{d}{dp^{(i)}}\left[(p^{(i)})^2\right] = 2 p^{(i)}") == [
        Verdict.PROVED]
    (verdict,) = verdicts(r"\frac{d}{dp^{(i)}}\left[(p^{(i)})^2\right] = p^{(i)}")
    assert verdict is Verdict.REFUTED


def test_theta_of_x_in_a_leibniz_numerator_is_a_function() -> None:
    parsed = parse_latex_expr(r"\frac{d\theta(x)}{dx}")
    assert parsed.issues == ()  # no "theta(...) read as a product" lint


@pytest.mark.parametrize("text", [
    r"\frac{d}{d x^{\{2\}}}",
    r"\frac{d}{d\frac{1}{2}} x",
    r"\frac{d y}{d \sqrt{x}}",
])
def test_an_unreadable_derivative_is_an_error_never_a_fraction(text: str) -> None:
    with pytest.raises(LatexParseError, match="derivative"):
        parse(text)


def test_a_fraction_of_named_d_is_still_a_fraction() -> None:
    d1, d2 = sp.Symbol("d_{1}"), sp.Symbol("d_{2}")
    assert parse(r"\frac{d_1}{d_2}") == d1 / d2


# ------------------------------------------------------------- 4. superscripts, not powers
@pytest.mark.parametrize("text", [
    "w^T x", "x^{T}", r"\mathbf{w}^\top x", r"x^{\intercal}", "(a + b)^T",
])
def test_transpose_is_declined(text: str) -> None:
    with pytest.raises(LatexParseError, match="transpose") as caught:
        parse(text)
    assert "matrices/vectors are out of scope" in caught.value.message
    assert caught.value.message.startswith("out of scope")  # unknown, not error, in a check


def test_t_on_a_number_is_still_a_power() -> None:
    assert parse("2^T") == 2 ** sp.Symbol("T")
    assert parse("e^{T}") == sp.exp(sp.Symbol("T"))


@pytest.mark.parametrize(("text", "name"), [
    ("x^{(i)}", "x^{(i)}"),
    ("a^{[l]}", "a^{[l]}"),
    ("W^{[2]}_{jk}", "W_{jk}^{[2]}"),
    ("x^*", "x^{*}"),
    (r"\theta^\star", "theta^{*}"),
    ("x_i^*", "x_{i}^{*}"),
    ("y'", "y'"),
    ("y''_1", "y_{1}''"),
    ("y_1''", "y_{1}''"),
])
def test_index_and_decoration_superscripts_are_part_of_the_name(text: str, name: str) -> None:
    assert parse(text) == sp.Symbol(name)


def test_index_superscripts_are_not_powers_in_claims() -> None:
    assert verdicts(r"2\theta^{(t+1)} = \theta^{(t+1)} + \theta^{(t+1)}") == [Verdict.PROVED]
    (verdict,) = verdicts("x^{(2)} + 1 = x^2 + 1")
    assert verdict is not Verdict.PROVED


def test_e_with_a_parenthesised_exponent_holding_an_operator_is_a_power() -> None:
    assert parse("e^{(x+1)}") == sp.exp(x + 1)
    assert parse("e^{(k)}") == sp.Symbol("e^{(k)}")


def test_prime_of_a_function_is_its_derivative() -> None:
    f = sp.Function("f")
    assert parse("f'(x)") == sp.Derivative(f(x), x)
    for bare in ("f'", r"\sigma'"):
        with pytest.raises(LatexParseError, match="needs an argument"):
            parse(bare)


# ------------------------------------------------------------- 5. the imaginary unit
I_UNIT = ParseOptions(imaginary_unit="i")


def test_imaginary_unit_option() -> None:
    assert parse("(1 + i)^2", I_UNIT) == (1 + sp.I) ** 2
    assert parse("e^{i\\theta}", I_UNIT) == sp.exp(sp.I * theta)
    assert parse("x_i", I_UNIT) == sp.Symbol("x_{i}")  # an index stays a name
    assert parse("2 + 3j", ParseOptions(imaginary_unit="j")) == 2 + 3 * sp.I
    assert parse("(1 + i)^2") == (1 + sp.Symbol("i")) ** 2  # off by default


def test_the_imaginary_unit_cannot_be_a_summation_index() -> None:
    with pytest.raises(LatexParseError, match="imaginary unit"):
        parse(r"\sum_{i=1}^{n} i", I_UNIT)


@pytest.mark.parametrize("text", [
    "Recall that $i^2 = -1$.",
    r"$$e^{i\theta} = \cos\theta + i\sin\theta$$",
    r"$$\Re(z) = \frac{z + \bar z}{2}$$",
    r"with $z = a + bi$ and its conjugate $\bar{z}$",
    "$3 - 4i$",
    r"$$z \bar z = (x + iy)(x - iy)$$",
    "Let i be the imaginary unit.",
    "Every complex number has a square root.",
    r"$z \in \mathbb{C}$",
])
def test_documents_using_complex_numbers_are_detected(text: str) -> None:
    assert uses_complex_numbers(text)


@pytest.mark.parametrize("text", [
    r"$$\sum_{i=1}^{n} x_i = n \bar{x}$$",
    r"$$w_i = w_i - \eta \frac{\partial L}{\partial w_i}$$",
    "The i-th sample has weight $a_i$.",
    "Take $k + i$ steps and sum to $x_{n+i}$.",
    r"$$\bar{z} = \frac{1}{n} \sum_{i=1}^{n} z^{(i)} + (k + i)$$",
    r"$$e^{x} = \sum_{i=0}^{\infty} \frac{x^i}{i!}$$",
])
def test_documents_without_complex_numbers_are_not_detected(text: str) -> None:
    assert not uses_complex_numbers(text)


def test_j_is_detected_when_it_is_the_unit() -> None:
    assert uses_complex_numbers(r"$$e^{j\omega t}$$", "j")
    assert not uses_complex_numbers(r"$$e^{j\omega t}$$", "i")


def test_a_complex_document_reads_i_as_the_unit() -> None:
    text = ("# Complex\n\nHere $i^2 = -1$.\n\n$$\n(1 + i)^2 = 2i\n$$\n\n"
            "$$\n(1 + i)^2 = 2\n$$\n")
    report = check_text("c.md", text, SETTINGS)
    found = [f.verdict for f in report.findings if f.kind is not None]
    assert found == [Verdict.PROVED] * 2 + found[2:]  # i^2 = -1 itself, then (1 + i)^2 = 2i
    assert found[2] not in (Verdict.PROVED, Verdict.CHECKED)  # the mistake is not verified


def test_an_undetected_i_makes_a_refutation_unknown() -> None:
    (verdict,) = verdicts("(1 + i)^2 = 2i")
    assert verdict is Verdict.UNKNOWN
    assert any("i may be the imaginary unit" in m for m in messages("(1 + i)^2 = 2i"))
    # a bound i (a summation index) raises no doubt: the mistake stays refuted
    (verdict,) = verdicts(r"\sum_{i=1}^{2} i x = 4x")
    assert verdict is Verdict.REFUTED


# ------------------------------------------------------------- 6. resource limits
@pytest.mark.parametrize(("text", "message"), [
    ("2^{10^{10}}", "too large"),
    ("x^{10^{10^{10}}}", "too large"),
    ("10^{10^{10}}!", "too large"),
    ("10^{4}!", "too large"),
    ("(10^{10})!", "too large"),
    (r"\binom{10^{10}}{3}", "too large"),
    ("3^{3^{3^{3}}}", "too large"),
    (r"\left(\frac{1}{2}\right)^{10^{9}}", "too large"),
    ("9" * (limits.MAX_DIGITS + 1), "too large"),
    ("(" * (limits.MAX_DEPTH + 1) + "x" + ")" * (limits.MAX_DEPTH + 1), "too deeply nested"),
    (r"\frac{1}{" * (limits.MAX_DEPTH + 1) + "x" + "}" * (limits.MAX_DEPTH + 1),
     "too deeply nested"),
    ("-" * 5000 + "x", "too deeply nested"),
    (r"\sin " * 3000 + "x", "too deeply nested"),
    ("x+" * limits.MAX_TOKENS + "x", "too long"),
])
def test_hostile_input_fails_fast_with_a_located_error(text: str, message: str) -> None:
    with pytest.raises(LatexParseError, match=message) as caught:
        parse(text)
    assert 0 <= caught.value.offset <= len(text)
    assert "\n" not in caught.value.message


def test_the_too_large_error_points_at_the_power() -> None:
    text = "x + 2^{10^{10}}"
    with pytest.raises(LatexParseError, match="too large") as caught:
        parse(text)
    assert caught.value.offset == text.index("^")


def test_numbers_within_the_limits_are_exact() -> None:
    assert parse("2^{100}") == 2**100
    assert parse("9" * 100) == int("9" * 100)
    assert parse("(" * 50 + "x" + ")" * 50) == x
    assert parse("100!") == sp.factorial(100, evaluate=False)
    assert parse("10^{2}!") == sp.factorial(100, evaluate=False)
    assert parse("3!^{2}") == sp.factorial(3, evaluate=False) ** 2
    assert parse("x^{10^{10}}") == x ** (10**10)


# ------------------------------------------------------------- 7. small readings
@pytest.mark.parametrize(("text", "expected"), [
    (r"\prod_{k=1}^{n} k", sp.Product(k, (k, 1, n))),
    (r"\prod^{n}_{k=1} k", sp.Product(k, (k, 1, n))),
    (r"\binom{n}{k}", sp.binomial(n, k)),
    (r"\lfloor x \rfloor + \lceil y \rceil", sp.floor(x) + sp.ceiling(y)),
    (r"\int^b_a x \thinspace dx", sp.Integral(x, (x, sp.Symbol("a"), sp.Symbol("b")))),
    (r"\int \frac{3\, dz}{z}", sp.Integral(3 / z, z)),
    (r"\sum^{n}_{k=1} k", sp.Sum(k, (k, 1, n))),
])
def test_small_readings(text: str, expected: sp.Expr) -> None:
    assert parse(text) == expected


def test_product_identity_is_verified_and_a_wrong_one_refuted() -> None:
    assert verdicts(r"\prod_{k=1}^{4} k = 24") == [Verdict.PROVED]
    (verdict,) = verdicts(r"\prod_{k=1}^{4} k = 25")
    assert verdict is Verdict.REFUTED
