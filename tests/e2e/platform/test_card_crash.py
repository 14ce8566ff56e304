"""The bot killed (kill -9) between posting deal cards and recording them, then restarted: every deal
ends with exactly one live card, whose buttons work.

The moment is made deterministic by a fault hook (``tests/e2e/held_cards_bot.py``, switched on by
an environment variable): the first process posts every card but never records one, and the test
kills it once all the cards are in the channel. Three restarts:
- inside Discord's nonce window: the card is found in the channel's history and adopted;
- inside the window with the history unreadable (403): the re-post carries the same nonce and Discord
  (the fake) returns the message created before;
- after the window (the fake's clock moved past it): the nonce no longer protects; the history does.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from db.engine import make_engine, make_sessionmaker
from db.models import Deal
from tests.e2e.crash_trial import PNG, cards_of, env_for, final_text, seed, wait_cards_recorded
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_fake import DiscordFake, buttons

DEALS = 6


def is_deal_card(msg: dict) -> bool:
    return any((e.get("title") or "").startswith("Negocio #") for e in msg.get("embeds", []))


async def recorded_cards(url: str) -> dict[int, int | None]:
    eng = make_engine(url)
    try:
        async with make_sessionmaker(eng)() as s:
            return {d.id: d.card_message_id for d in (await s.execute(select(Deal))).scalars()}
    finally:
        await eng.dispose()


@pytest.mark.parametrize("restart", ["inside-window", "inside-window-no-history", "after-window"])
async def test_kill_between_posting_and_recording_cards_leaves_one_card_per_deal(tmp_path, database_url, restart):
    fake = DiscordFake(nonce_window=180.0)
    await fake.start()
    proc: BotProcess | None = None
    try:
        pairs, auditor = await seed(database_url, fake, 1, per_trial=DEALS)
        env = {**env_for(fake, tmp_path, database_url), "VENTAS_TEST_HOLD_CARDS": "deal"}
        proc = BotProcess(env, tmp_path, tmp_path / "bot.log", module="tests.e2e.held_cards_bot")
        await proc.start(fake)
        regs = await asyncio.gather(*(
            fake.slash(uid, "registrar-negocio", {
                "cliente": str(cid), "tipo": "up_sale", "servicio": "web",
                "valor-total": f"{2_000_000 + i * 1_000}", "anticipo": "500.000"},
                attachments={"comprobante": ("c.png", PNG, "image/png")})
            for i, (uid, cid) in enumerate(pairs)))
        # every card is in the channel, none recorded: the crash window, held open
        await fake.wait_for(lambda: sum(1 for m in fake.channel_messages() if is_deal_card(m)) == DEALS, timeout=60)
        await asyncio.sleep(0.2)  # a stray second post would land now
        await proc.kill()
        # the KAM reads "registrado" before the card is posted (a slow channel must not delay it): every
        # registration was confirmed, and every card is posted but not stored
        assert all("registrado" in final_text(h) for h in regs), [final_text(h)[:80] for h in regs]
        before = await recorded_cards(database_url)
        assert len(before) == DEALS and all(v is None for v in before.values())
        posted = {d: cards_of(fake, d) for d in before}
        assert all(len(c) == 1 for c in posted.values())
        replays = fake.nonce_replays  # the first process's own (a start-up re-post racing a registration)

        if restart == "after-window":
            fake.advance_clock(fake.nonce_window + 60)
        if restart == "inside-window-no-history":
            fake.fail_next("GET", r"^/channels/\d+/messages$", status=403, times=1000)
        proc = BotProcess(env_for(fake, tmp_path, database_url), tmp_path, tmp_path / "bot.log")
        await proc.start(fake)
        await wait_cards_recorded(database_url, set(before))
        await asyncio.sleep(0.3)  # let any stray second post land before counting

        after = await recorded_cards(database_url)
        for deal_id, message_id in after.items():
            live = cards_of(fake, deal_id)
            assert len(live) == 1, f"deal {deal_id}: {len(live)} live cards ({restart})"
            assert int(live[0]["id"]) == message_id == int(posted[deal_id][0]["id"])
        if restart == "inside-window-no-history":
            assert fake.nonce_replays - replays == DEALS  # each re-post came back as the card created before
        else:
            assert fake.nonce_replays == replays  # adopted from the history: no second post at all
            assert sum(1 for m in fake.channel_messages() if is_deal_card(m)) == DEALS

        # the adopted cards are the live ones: their buttons work
        clicks = await asyncio.gather(*(fake.click(auditor, cards_of(fake, d)[0], label="Pago verificado")
                                        for d in after))
        texts = await asyncio.gather(*(h.text(30) for h in clicks))
        assert all("Listo" in t for t in texts), texts
        await fake.wait_for(lambda: all(
            "Pago verificado" not in {b.get("label") for b in buttons(cards_of(fake, d)[0])} for d in after), timeout=10)
    finally:
        if proc is not None:
            await proc.stop()
        await fake.stop()
