"""Issue 17: the outbox posts replies to a card. The card's message id is read when the reply is
delivered (a card re-posted after the reply was queued is the one replied to); a deleted card does not
block the reply (``fail_if_not_exists`` is false: Discord posts it without the reference), nor does a
card never posted (a plain post in the sales channel)."""

from __future__ import annotations

from sqlalchemy import update

from bot.services import outbox as ob
from db.models import Deal
from tests.e2e.deals.test_deals_e2e import card_of, deals, options, register, setup_people
from tests.fakes.discord_fake import mentions_safe


async def queue_reply(h, key: str, deal_id: int) -> None:
    async with h.sessionmaker() as s:
        await ob.enqueue(s, key, content=f"respuesta {key} @everyone", reply_to=ob.ReplyTo("deal", deal_id),
                         now=h.clock.now())
        await s.commit()


def posted(h, key: str) -> dict:
    [m] = [m for m in h.fake.channel_messages() if m["content"].startswith(f"respuesta {key} ")]
    return m


async def test_a_reply_goes_to_the_card_as_it_is_when_delivered(harness):
    h = harness
    ids = await setup_people(h)
    await register(h, ids["ana"], options(ids["client"]))
    [deal] = await deals(h)
    card = await card_of(h, deal.id)
    await queue_reply(h, "a", deal.id)
    await h.bot.outbox.flush()
    reply = posted(h, "a")
    assert reply["message_reference"]["message_id"] == card["id"] and mentions_safe(reply)

    # the card is posted again elsewhere after the reply is queued: the reply follows it
    await queue_reply(h, "b", deal.id)
    moved = h.fake._new_message(int(card["channel_id"]), {"content": "tarjeta nueva"}, [])
    async with h.sessionmaker() as s:
        await s.execute(update(Deal).where(Deal.id == deal.id).values(card_message_id=int(moved["id"])))
        await s.commit()
    await h.bot.outbox.flush()
    assert posted(h, "b")["message_reference"]["message_id"] == moved["id"]

    # a deleted card: the reply is posted all the same, without the reference
    del h.fake.messages_by_id[int(moved["id"])]
    await queue_reply(h, "c", deal.id)
    await h.bot.outbox.flush()
    assert "message_reference" not in posted(h, "c")

    # a card never posted: a plain post in the sales channel
    async with h.sessionmaker() as s:
        await s.execute(update(Deal).where(Deal.id == deal.id).values(card_message_id=None))
        await s.commit()
    await queue_reply(h, "d", deal.id)
    await h.bot.outbox.flush()
    assert "message_reference" not in posted(h, "d")
    async with h.sessionmaker() as s:
        assert [r.status for r in await ob.due(s, h.clock.now())] == []  # each delivered at the first try
