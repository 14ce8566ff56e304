"""Card identity: nonces within Discord's 25 characters, buttons recognised by their custom ids."""

from __future__ import annotations

import pytest

from bot.domain.cards import CardKey, button_target


def test_nonce_is_stable_and_fits_discord():
    assert CardKey("deal", "deal", 12).nonce == "deal-card-12"
    assert CardKey("renewal", "renov", 10**11).nonce == "renewal-card-100000000000"  # 25 characters
    with pytest.raises(ValueError):
        _ = CardKey("renewal", "renov", 10**12).nonce


def test_buttons_of_the_card_whatever_the_action():
    key = CardKey("deal", "deal", 12)
    assert key.owns("deal:audit_ok:12") and key.owns("deal:coo_no:12")
    assert not key.owns("deal:audit_ok:120") and not key.owns("lead:bueno:12") and not key.owns("deal-reason:12")
    assert not key.owns(None) and not key.owns("deal:12")
    assert key.owns_any(["x", "deal:audit_no:12"]) and not key.owns_any([])
    assert button_target("acc:retry:7") == ("acc", 7)
    assert button_target("imp:ok:abc") is None and button_target("") is None
