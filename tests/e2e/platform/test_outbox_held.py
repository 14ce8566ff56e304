"""Nothing is silently dropped: a post Discord refuses (50013 Missing Permissions, closed DMs) is held
with its reason, the admins are told once, and ``/admin reenviar`` delivers it after the fix."""

from __future__ import annotations

from sqlalchemy import select

from bot.services import outbox as ob
from db.models import AuditLog, OutboxMessage
from tests.fakes.discord_fake import message_text


async def enqueue(h, key: str, content: str, **kw) -> None:
    async with h.sessionmaker() as s:
        await ob.enqueue(s, key, content=content, now=h.clock.now(), **kw)
        await s.commit()


async def rows(h) -> dict[str, OutboxMessage]:
    async with h.sessionmaker() as s:
        return {r.dedupe_key: r for r in (await s.execute(select(OutboxMessage))).scalars()}


def notices(h, admin: int) -> list[str]:
    return [message_text(m) for m in h.fake.dms(admin) if "retenidos" in message_text(m)]


async def test_refused_post_is_held_reported_once_and_resent_after_the_fix(harness):
    h = harness
    admin = await h.member("Admin Ana", roles=["Admin ventas-ops"])
    kam = await h.member("Kam Karla", roles=["KAM"])
    await h.fake.revoke_bot_permission("dudas-ventas-ops")
    channel = h.bot.sales_channel()
    await h.fake.wait_for(lambda: not channel.permissions_for(channel.guild.me).send_messages)

    await enqueue(h, "prueba:1", "primer aviso del corte", embeds=[{"title": "Corte"}])
    await h.bot.outbox.flush()
    held = (await rows(h))["prueba:1"]
    assert held.status == "retenido" and held.attempts == 1  # refused once: held at once, not dropped
    assert held.held_reason == "el bot no puede escribir en #dudas-ventas-ops: le falta el permiso «Enviar mensajes»"
    assert "50013" in (held.last_error or "")
    await h.fake.wait_for(lambda: notices(h, admin))
    [notice] = notices(h, admin)
    assert "1 mensaje: el bot no puede escribir en #dudas-ventas-ops: le falta el permiso «Enviar mensajes»" in notice
    assert "/admin reenviar" in notice

    # a second refused post for the same cause, and more flushes: still one notice
    await enqueue(h, "prueba:2", "segundo aviso")
    for _ in range(3):
        await h.bot.outbox.flush()
    assert (await rows(h))["prueba:2"].status == "retenido"
    assert len(notices(h, admin)) == 1
    assert not [m for m in h.fake.channel_messages() if "aviso" in message_text(m)]

    # /admin reenviar before the fix: nothing delivered, the answer says why; no new notice
    r = await h.fake.slash(admin, "admin reenviar")
    text = await r.text()
    assert "Reenvié 0 de 2" in text and "le falta el permiso «Enviar mensajes»" in text
    assert len(notices(h, admin)) == 1

    # a KAM may not use it
    r = await h.fake.slash(kam, "admin reenviar")
    assert "Reenvié" not in await r.text()

    await h.fake.grant_bot_permission("dudas-ventas-ops")
    await h.fake.wait_for(lambda: channel.permissions_for(channel.guild.me).send_messages)
    r = await h.fake.slash(admin, "admin reenviar")
    assert "Reenvié 2 de 2" in await r.text()
    posted = [m["content"] for m in h.fake.channel_messages() if "aviso" in message_text(m)]
    assert posted == ["primer aviso del corte", "segundo aviso"]  # in order, each once
    final = await rows(h)
    assert final["prueba:1"].status == final["prueba:2"].status == "enviado"

    r = await h.fake.slash(admin, "admin reenviar")
    assert "No hay mensajes retenidos" in await r.text()
    async with h.sessionmaker() as s:
        actions = list((await s.execute(select(AuditLog.action).where(AuditLog.entity_type == "outbox")
                                        .order_by(AuditLog.id))).scalars())
    assert actions == ["outbox.retenido", "outbox.retenido", "outbox.reenviar", "outbox.retenido", "outbox.retenido",
                       "outbox.reenviar", "outbox.enviado", "outbox.enviado"]


async def test_closed_dms_are_held_with_the_persons_name_and_retried_hourly(harness):
    h = harness
    admin = await h.member("Admin Ana", roles=["Admin ventas-ops"])
    kam = await h.member("Kam Karla", roles=["KAM"])
    h.fake.closed_dms.add(kam)
    await enqueue(h, "dm:1", "tu estado de cuenta", user_id=kam)
    await h.bot.outbox.flush()
    row = (await rows(h))["dm:1"]
    assert row.status == "retenido" and row.held_reason == "Kam Karla no acepta mensajes directos del bot"
    await h.fake.wait_for(lambda: notices(h, admin))

    h.fake.closed_dms.discard(kam)
    await h.bot.outbox.flush()  # not yet: the hourly retry has not come
    assert (await rows(h))["dm:1"].status == "retenido"
    h.clock.advance(seconds=ob.HELD_RETRY.total_seconds())
    await h.bot.outbox.flush()
    assert (await rows(h))["dm:1"].status == "enviado"
    assert [message_text(m) for m in h.fake.dms(kam)] == ["tu estado de cuenta"]
    assert len(notices(h, admin)) == 1


async def test_a_held_notice_is_not_noticed_again(harness):
    """An admin whose DMs are closed: their notice is held too, without a notice about the notice."""
    h = harness
    admin = await h.member("Admin Ana", roles=["Admin ventas-ops"])
    h.fake.closed_dms.add(admin)
    await h.fake.revoke_bot_permission("dudas-ventas-ops")
    channel = h.bot.sales_channel()
    await h.fake.wait_for(lambda: not channel.permissions_for(channel.guild.me).send_messages)
    await enqueue(h, "prueba:1", "hola")
    for _ in range(3):
        await h.bot.outbox.flush()
    all_rows = await rows(h)
    notice_rows = [k for k in all_rows if k.startswith(ob.NOTICE_KEY)]
    assert len(notice_rows) == 1 and all_rows[notice_rows[0]].status == "retenido"
    async with h.sessionmaker() as s:
        assert [reason for reason, _n in await ob.held_summary(s)] == [
            "el bot no puede escribir en #dudas-ventas-ops: le falta el permiso «Enviar mensajes»",
            "Admin Ana no acepta mensajes directos del bot",
        ]
