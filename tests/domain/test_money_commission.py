from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.commission import commission, lead_reward, rate_label
from bot.domain.errors import DomainError
from bot.domain.money import MAX_COP, parse_cop, format_cop


@pytest.mark.parametrize(
    "text", ["1.500.000", "$ 1.500.000", "$1.500.000", "1500000", "1,500,000", "COP 1.500.000", " 1.500.000 ",
             "1\u00a0500\u00a0000", "1.500.000 COP", "+1500000"],
)
def test_accepted_spellings(text):
    assert parse_cop(text) == 1_500_000


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "Escribe"), ("0", "mayor que cero"), ("-5.000", "negativo"), ("1.500.000,50", "sin decimales"),
        ("1500000.5", "sin decimales"), ("1.5", "sin decimales"), ("1.50.000", "No entendí"), ("abc", "No entendí"),
        ("9" * 13, "máximo"), ("1" * 41, "demasiado largo"), ("1e6", "No entendí"),
    ],
)
def test_refusals_are_spanish(text, needle):
    with pytest.raises(DomainError) as exc:
        parse_cop(text, field="valor-total")
    assert needle in str(exc.value)
    assert exc.value.field == "valor-total"


def test_format():
    assert format_cop(1234567) == "$ 1.234.567"
    assert format_cop(0) == "$ 0"
    assert format_cop(-720000) == "-$ 720.000"


@given(st.integers(min_value=1, max_value=MAX_COP))
def test_format_parse_round_trip(n):
    assert parse_cop(format_cop(n)) == n
    assert parse_cop(str(n)) == n


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_parse_never_raises_anything_but_domain_error(text):
    try:
        value = parse_cop(text)
    except DomainError:
        return
    assert 1 <= value <= MAX_COP


def test_commission_examples():
    assert commission(12_000_000, Decimal("0.06")) == 720_000
    assert commission(25, "0.06") == 2  # 1.5 → 2 (half-up, not banker's)
    assert commission(8, "0.06") == 0  # 0.48
    assert commission(0, "0.06") == 0
    assert rate_label(Decimal("0.06")) == "6 %" and rate_label("0.065") == "6,5 %" and rate_label(0.1) == "10 %"


@given(st.integers(min_value=0, max_value=MAX_COP), st.decimals(min_value="0.001", max_value="0.5", places=3))
def test_commission_is_exact_half_up(total, rate):
    c = commission(total, rate)
    assert c == int((Decimal(total) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert 0 <= c <= total


@given(st.integers(min_value=0, max_value=10**11), st.integers(min_value=0, max_value=10**9))
def test_commission_is_monotonic(total, extra):
    assert commission(total, "0.06") <= commission(total + extra, "0.06")


def test_lead_rewards_not_cumulative():
    assert [lead_reward(s, 5000, 10000) for s in ("malo", "bueno", "vendido", "nuevo")] == [0, 5000, 10000, 0]
