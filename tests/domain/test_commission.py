from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.commission import (
    COMMISSION_RATE,
    LEAD_REWARD_GOOD,
    LEAD_REWARD_SOLD,
    commission,
    lead_reward,
    parse_rate,
    rate_label,
)
from bot.domain.enums import LeadStatus
from bot.domain.money import MAX_COP


def test_commission_examples():
    assert Decimal("0.06") == COMMISSION_RATE
    assert commission(12_000_000, Decimal("0.06")) == 720_000
    assert commission(12_000_000) == 720_000
    assert commission(25, "0.06") == 2  # 1.5 → 2 (half-up, not banker's rounding)
    assert commission(75, "0.06") == 5  # 4.5 → 5
    assert commission(8, "0.06") == 0  # 0.48
    assert commission(0, "0.06") == 0
    assert commission(1_234_567, 0.06) == 74_074  # float goes through str: 74 074.02
    assert commission(1_000_000, "6 %") == 60_000
    assert commission(1_000_000, "6,5%") == 65_000


def test_bad_inputs_are_programming_errors():
    with pytest.raises(ValueError):
        commission(-1, "0.06")
    with pytest.raises(TypeError):
        commission(1.5, "0.06")  # type: ignore[arg-type]
    for bad in ("abc", "1.5", "-0.01", "NaN", "Infinity", True):
        with pytest.raises(ValueError):
            parse_rate(bad)  # type: ignore[arg-type]


def test_rate_labels():
    assert rate_label(Decimal("0.06")) == "6 %"
    assert rate_label("0.065") == "6,5 %"
    assert rate_label(0.1) == "10 %"
    assert rate_label("0.0625") == "6,25 %"
    assert rate_label(Decimal("0.060")) == "6 %"
    assert rate_label() == "6 %"


@given(st.integers(min_value=0, max_value=MAX_COP), st.decimals(min_value="0", max_value="1", places=4))
def test_commission_is_exact_half_up(total, rate):
    c = commission(total, rate)
    assert c == int((Decimal(total) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert 0 <= c <= total


@given(
    st.integers(min_value=0, max_value=MAX_COP),
    st.integers(min_value=0, max_value=10**9),
    st.sampled_from(["0.06", "0.065", "0.1", "0.0333"]),
)
def test_commission_is_monotonic(total, extra, rate):
    assert commission(total, rate) <= commission(total + extra, rate)


def test_lead_rewards_by_final_status_not_cumulative():
    assert [lead_reward(s, 5000, 10000) for s in ("malo", "bueno", "vendido", "nuevo")] == [0, 5000, 10000, 0]
    assert lead_reward(LeadStatus.VENDIDO) == LEAD_REWARD_SOLD == 10_000
    assert lead_reward(LeadStatus.BUENO) == LEAD_REWARD_GOOD == 5_000
    assert lead_reward("bueno", good=7000, sold=12000) == 7000
    with pytest.raises(ValueError):
        lead_reward("excelente", 5000, 10000)
