"""A card is one Discord message per object: posted with a stable nonce, adopted (not posted again)
when a re-post finds it in the channel, and a duplicate left by an older crash marked as replaced."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import update

from bot.app import EXTENSIONS
from bot.texts import general as GT
from db.models import Deal
from tests.e2e.deals.test_deals_e2e import card_of, deals
from tests.e2e.referrals import test_referrals_e2e as referrals
from tests.e2e.renewals import test_renewals_e2e as renewals
from tests.e2e.requests.test_access_e2e import billing_card, billing_setup, request_access
from tests.fakes.discord_fake import buttons, mentions_safe

MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 23/11/2026 10:00 in Bogotá
REPLACED_MARK = GT.CARD_REPLACED.split("{")[0]
STARTUP_PASS = 30.0  # seconds the start-up card pass may take after a restart (every cog reads the history)


async def test_deal_billing_and_access_cards_carry_their_nonce(harness):
    ids, deal = await billing_setup(harness)
    assert (await card_of(harness, deal.id))["nonce"] == f"deal-card-{deal.id}"
    await harness.fake.slash(ids["ana"], "solicitar-proforma", {"negocio": str(deal.id), "tipo": "proforma",
                                                                "valor": "1.000.000"})
    assert (await billing_card(harness, 1))["nonce"] == "billing-card-1"
    eva = await harness.member("Eva Ruiz", [])
    await request_access(harness, eva, sense="eva.ruiz@sensedigital.co", gmail="eva.ruiz@gmail.com")
    card = await harness.fake.wait_for_message(predicate=lambda m: "acc:ok:1" in {b.get("custom_id") for b in buttons(m)})
    assert card["nonce"] == "access-card-1"


async def test_lead_card_carries_its_nonce(harness_factory):
    h = await referrals.make(harness_factory)
    ids = await referrals.people(h)
    await referrals.refer(h, ids["ana"])
    assert (await referrals.card_of(h, 1))["nonce"] == "lead-card-1"


async def test_renewal_card_carries_its_nonce(harness_factory):
    h = await harness_factory(extensions=renewals.EXT, now=MONDAY)
    ids = await renewals.setup_world(h)
    await renewals.declare(h, ids["ana"], ids["espiga"], "20/11/2026")  # delivered the Friday before
    assert (await renewals.card_of(h, 1))["nonce"] == "renewal-card-1"


async def forget_card(h, deal_id: int) -> None:
    """What a crash between posting the card and storing its message id leaves behind.

    The bot stores the card's id in its own commit just after Discord created the message (and the
    registration is answered before its card is posted), so the message can be in the fake before
    the id is in the database: wait for that commit first, or it lands after this one and writes
    the id back (the restart then finds nothing to re-post)."""
    assert await recorded(h, deal_id), "the card was never recorded"
    async with h.sessionmaker() as s:
        await s.execute(update(Deal).where(Deal.id == deal_id).values(card_channel_id=None, card_message_id=None))
        await s.commit()


async def recorded(h, deal_id: int) -> int | None:
    """The deal's stored card message id, once stored (it is written just after the Discord calls)."""
    for _ in range(100):
        async with h.sessionmaker() as s:
            message_id = (await s.get(Deal, deal_id)).card_message_id
        if message_id:
            return message_id
        await asyncio.sleep(0.05)
    return None


async def test_restart_adopts_the_newest_card_and_marks_the_older_duplicate_replaced(harness_factory):
    h = await harness_factory(extensions=EXTENSIONS)
    ids, deal = await billing_setup(h)
    first = await card_of(h, deal.id)
    # an older crash left two cards of the deal in the channel (the bot before nonces), none recorded
    second = h.fake._new_message(int(first["channel_id"]), {
        "embeds": first["embeds"], "components": first["components"], "allowed_mentions": {"parse": []}}, [])
    await forget_card(h, deal.id)
    h.fake.advance_clock(h.fake.nonce_window + 60)  # long past Discord's nonce window
    cards_before = len(h.fake.channel_messages())

    await h.restart()
    # the start-up pass reads the channel's history once per kind of card: seconds on a loaded machine
    await h.fake.wait_for(lambda: h.fake.messages_by_id[int(first["id"])]["content"].startswith(REPLACED_MARK),
                          timeout=STARTUP_PASS)
    assert await recorded(h, deal.id) == int(second["id"])  # the newest is adopted
    assert len(h.fake.channel_messages()) == cards_before  # nothing posted
    stale = h.fake.messages_by_id[int(first["id"])]
    assert not buttons(stale) and not stale["embeds"]
    assert f"/{second['channel_id']}/{second['id']}" in stale["content"]  # links to the live card
    assert mentions_safe(stale)
    live = h.fake.messages_by_id[int(second["id"])]
    assert {b["label"] for b in buttons(live)} >= {"Pago verificado"}
    # the adopted card is the one the bot keeps up to date
    click = await h.fake.click(ids["aud1"], live, label="Pago verificado")
    assert "Listo" in await click.text()
    await h.fake.wait_for(lambda: "Pago verificado" not in {b["label"] for b in buttons(live)})
    [d] = await deals(h)
    assert d.card_message_id == int(second["id"])


async def test_history_unreadable_the_nonce_returns_the_card_posted_before(harness_factory):
    h = await harness_factory(extensions=EXTENSIONS)
    _ids, deal = await billing_setup(h)
    first = await card_of(h, deal.id)
    await forget_card(h, deal.id)
    h.fake.fail_next("GET", r"^/channels/\d+/messages$", status=403, times=100)  # no Read Message History
    await h.restart()
    await h.fake.wait_for(lambda: h.fake.nonce_replays == 1, timeout=STARTUP_PASS)
    title = first["embeds"][0]["title"]
    assert [m["id"] for m in h.fake.channel_messages() if m["embeds"] and m["embeds"][0]["title"] == title] == [first["id"]]
    assert await recorded(h, deal.id) == int(first["id"])


async def test_start_up_marks_duplicates_of_a_recorded_card_replaced(harness_factory):
    """Two live cards left by a crash before nonces, one of them recorded: at start the recorded one
    stays live, the other is marked as replaced."""
    h = await harness_factory(extensions=EXTENSIONS)
    ids, deal = await billing_setup(h)
    first = await card_of(h, deal.id)  # recorded
    copy = h.fake._new_message(int(first["channel_id"]), {  # newer, but not the one stored
        "embeds": first["embeds"], "components": first["components"], "allowed_mentions": {"parse": []}}, [])
    await h.restart()
    await h.fake.wait_for(lambda: h.fake.messages_by_id[int(copy["id"])]["content"].startswith(REPLACED_MARK))
    assert not buttons(h.fake.messages_by_id[int(copy["id"])])
    assert buttons(h.fake.messages_by_id[int(first["id"])])  # the recorded card keeps its buttons
    assert await recorded(h, deal.id) == int(first["id"])
