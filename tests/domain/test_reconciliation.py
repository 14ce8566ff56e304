from datetime import date, datetime

from bot.domain.reconciliation import reconcile

D = date(2026, 11, 22)


def rec(**kw):
    base = dict(local_amount=100, local_owner="501", local_advance_date=D, hubspot_amount=100, hubspot_owner="501",
                hubspot_advance_date=D)
    return reconcile(**{**base, **kw})


def test_equal_values_match():
    assert rec().matches
    assert rec(hubspot_advance_date=datetime(2026, 11, 22, 0, 0)).matches


def test_empty_hubspot_values_are_differences():
    assert rec(hubspot_amount=None).amount
    assert rec(hubspot_owner=None).owner and rec(hubspot_owner="").owner
    assert rec(hubspot_advance_date=None).advance_date


def test_different_values_are_differences():
    r = rec(hubspot_amount=99, hubspot_owner="777", hubspot_advance_date=date(2026, 11, 20))
    assert r.amount and r.owner and r.advance_date and not r.matches
    assert rec(local_owner=None).owner  # a KAM without a HubSpot owner id cannot be matched
