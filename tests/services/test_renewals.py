"""Renewal intents through the service: deadlines in Colombian business days, the rules of
declaring, extending, releasing, closing and blocking, and ``process_due`` exactly once (repeated
ticks, concurrent sessions, a restart on the same database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.domain.dates import BOGOTA, end_of_day_bogota
from bot.services import directory
from bot.services import renewals as svc
from db.audit import Actor
from db.engine import make_engine, make_sessionmaker
from db.models import AuditLog, Client, Member, OutboxMessage, RenewalIntent

SYS = Actor.system("test")
COORD = Actor(777, "Juliana Abondano")
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # when the test world (clients, KAMs) was set up


def bogota(d: date, hour: int = 10, minute: int = 0) -> datetime:
    """``hour:minute`` Bogotá time on ``d`` as aware UTC (Bogotá is UTC−5 all year)."""
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


@dataclass
class World:
    ana: Member
    luis: Member
    espiga: Client
    tornillo: Client  # Luis's client


@pytest.fixture
async def world(sessionmaker) -> World:
    async with sessionmaker() as s:
        ana = await directory.ensure_member(s, 101, "Ana Gómez", SYS)
        luis = await directory.ensure_member(s, 102, "Luis Peña", SYS)
        espiga = await directory.create_client(s, SYS, "Panadería La Espiga")
        tornillo = await directory.create_client(s, SYS, "Ferretería El Tornillo")
        await directory.assign(s, SYS, espiga, ana, now=NOW)
        await directory.assign(s, SYS, tornillo, luis, now=NOW)
        await s.commit()
        return World(ana, luis, espiga, tornillo)


async def declare(sm, w: World, delivery: date, now: datetime, *, member=None, client=None, days: int = 3,
                  tz: ZoneInfo = BOGOTA):
    async with sm() as s:
        member = await s.get(Member, (member or w.ana).id)
        client = await s.get(Client, (client or w.espiga).id)
        intent = await svc.declare(s, member=member, client=client, delivery=delivery, now=now, window_days=days, tz=tz,
                                   actor=Actor(member.discord_id, member.name))
        await s.commit()
        return intent


async def tick(sm, now: datetime, *, tz: ZoneInfo = BOGOTA) -> list[svc.Event]:
    async with sm() as s:
        events = await svc.process_due(s, now, tz=tz)
        await s.commit()
        return events


async def intent(sm, intent_id: int) -> RenewalIntent:
    async with sm() as s:
        return await s.get(RenewalIntent, intent_id)


async def outbox(sm) -> list[OutboxMessage]:
    async with sm() as s:
        return list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def audit_actions(sm) -> list[str]:
    async with sm() as s:
        q = select(AuditLog.action).where(AuditLog.entity_type == "renewal_intent").order_by(AuditLog.id)
        return list((await s.execute(q)).scalars())


# --- deadlines through the service ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("delivery", "deadline"),
    [
        (date(2026, 11, 13), date(2026, 11, 19)),  # Friday before Monday 16/11 (Independencia de Cartagena)
        (date(2026, 3, 20), date(2026, 3, 26)),  # Friday before Monday 23/03 (San José, moved)
        (date(2026, 3, 31), date(2026, 4, 7)),  # Holy Week 2026: Thursday 2/4 and Friday 3/4 skipped
        (date(2026, 4, 1), date(2026, 4, 8)),  # Holy Wednesday
        (date(2026, 12, 23), date(2026, 12, 29)),  # Christmas Friday 25/12 skipped
        (date(2026, 12, 30), date(2027, 1, 5)),  # year end: New Year's Friday 1/1/2027 skipped
        (date(2026, 11, 20), date(2026, 11, 25)),  # plain Friday: weekend skipped
        (date(2026, 11, 21), date(2026, 11, 25)),  # delivered on a Saturday: counting starts Monday
    ],
)
async def test_deadline_in_colombian_business_days(sessionmaker, world, delivery, deadline):
    created = await declare(sessionmaker, world, delivery, bogota(delivery, 12))
    assert (created.delivery_date, created.deadline, created.status) == (delivery, deadline, "abierta")
    assert await audit_actions(sessionmaker) == ["renovacion.declarar"]


async def test_window_length_is_configurable(sessionmaker, world):
    created = await declare(sessionmaker, world, date(2026, 11, 20), bogota(date(2026, 11, 20)), days=5)
    assert created.deadline == date(2026, 11, 27)


# --- declaring: the rules ------------------------------------------------------------------------------
async def test_only_own_clients(sessionmaker, world):
    with pytest.raises(svc.RenewalRefused, match="no es un cliente que atiendas") as e:
        await declare(sessionmaker, world, date(2026, 11, 20), bogota(date(2026, 11, 20)), client=world.tornillo)
    assert "Ferretería El Tornillo" in str(e.value) and e.value.field == "cliente"
    assert await audit_actions(sessionmaker) == []


async def test_one_open_intent_per_client_and_kam(sessionmaker, world):
    d = date(2026, 11, 20)
    await declare(sessionmaker, world, d, bogota(d))
    with pytest.raises(svc.RenewalRefused, match="Ya tienes una intención de renovación abierta") as e:
        await declare(sessionmaker, world, d + timedelta(days=1), bogota(d))
    assert "miércoles 25 de noviembre de 2026" in str(e.value)
    # another KAM of the same client has their own window
    async with sessionmaker() as s:
        await directory.assign(s, SYS, await s.get(Client, world.espiga.id), await s.get(Member, world.luis.id), now=NOW)
        await s.commit()
    other = await declare(sessionmaker, world, d, bogota(d), member=world.luis)
    assert other.member_id == world.luis.id


async def test_window_already_over_is_refused(sessionmaker, world):
    with pytest.raises(svc.RenewalRefused, match="ya no se puede declarar") as e:
        await declare(sessionmaker, world, date(2026, 11, 13), bogota(date(2026, 11, 20)))
    assert "3 días hábiles" in str(e.value) and e.value.field == "fecha-entrega"
    # on the deadline day itself it is still allowed (last day)
    created = await declare(sessionmaker, world, date(2026, 11, 13), bogota(date(2026, 11, 19), 18))
    assert created.deadline == date(2026, 11, 19)


async def test_delivery_far_in_the_future_is_refused(sessionmaker, world):
    with pytest.raises(svc.RenewalRefused, match="demasiado lejos"):
        await declare(sessionmaker, world, date(2028, 1, 1), bogota(date(2026, 11, 20)))


# --- process_due: reminders and expiry exactly once -----------------------------------------------------
async def test_reminders_and_expiry_each_exactly_once(sessionmaker, world):
    # delivered Friday 13/11; Monday 16/11 is a holiday; deadline Thursday 19/11
    created = await declare(sessionmaker, world, date(2026, 11, 13), bogota(date(2026, 11, 13)))
    assert await tick(sessionmaker, bogota(date(2026, 11, 16))) == []  # holiday: 2 business days left
    assert await tick(sessionmaker, bogota(date(2026, 11, 17))) == []  # Tuesday: 2 left (Wed, Thu)
    # Wednesday before 8:00: nothing yet (no reminders at night)
    assert await tick(sessionmaker, bogota(date(2026, 11, 18), 7, 59)) == []
    evs = await tick(sessionmaker, bogota(date(2026, 11, 18), 8))
    assert [e.kind for e in evs] == ["recordatorio_1_dia"]
    for minute in range(1, 4):
        assert await tick(sessionmaker, bogota(date(2026, 11, 18), 8, minute)) == []
    evs = await tick(sessionmaker, bogota(date(2026, 11, 19), 9))
    assert [e.kind for e in evs] == ["recordatorio_ultimo_dia"]
    assert await tick(sessionmaker, bogota(date(2026, 11, 19), 23, 59)) == []
    end = end_of_day_bogota(date(2026, 11, 19))
    assert end == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    assert await tick(sessionmaker, end - timedelta(seconds=1)) == []
    evs = await tick(sessionmaker, end)
    assert [(e.kind, e.intent_id) for e in evs] == [("vencida", created.id)]
    for _ in range(3):
        assert await tick(sessionmaker, end + timedelta(minutes=5)) == []
    row = await intent(sessionmaker, created.id)
    assert (row.status, row.blocked, row.expired_at) == ("vencida", True, end)
    assert row.reminded_one_day_at is not None and row.reminded_last_day_at is not None
    keys = [m.dedupe_key for m in await outbox(sessionmaker)]
    assert keys == [
        f"renov-1dia:{created.id}:2026-11-19",
        f"renov-ultimo:{created.id}:2026-11-19",
        f"renov-vencida:{created.id}",
        f"renov-vencida-dm:{created.id}",
    ]
    msgs = await outbox(sessionmaker)
    assert [m.target for m in msgs] == ["dm", "dm", "channel", "dm"]
    assert all(m.target_id == 101 for m in msgs if m.target == "dm")
    assert "Panadería La Espiga" in msgs[2].payload["content"] and "**@Renovaciones**" in msgs[2].payload["content"]
    assert await audit_actions(sessionmaker) == [
        "renovacion.declarar", "renovacion.recordatorio", "renovacion.recordatorio", "renovacion.vencer",
    ]


async def test_missed_reminders_are_skipped_and_expiry_happens_once_after_downtime(sessionmaker, world):
    created = await declare(sessionmaker, world, date(2026, 11, 20), bogota(date(2026, 11, 20)))
    # the bot was down from Friday until the Monday after the deadline (Wednesday 25/11)
    evs = await tick(sessionmaker, bogota(date(2026, 11, 30), 6))
    assert [e.kind for e in evs] == ["vencida"]
    assert [m.dedupe_key for m in await outbox(sessionmaker)] == [
        f"renov-vencida:{created.id}", f"renov-vencida-dm:{created.id}"]


async def test_restart_on_the_same_database_expires_once(settings, sessionmaker, world):
    created = await declare(sessionmaker, world, date(2026, 11, 20), bogota(date(2026, 11, 20)))
    after = end_of_day_bogota(date(2026, 11, 25)) + timedelta(hours=1)
    assert [e.kind for e in await tick(sessionmaker, after)] == ["vencida"]
    # "restart": a new engine and sessionmaker on the same SQLite file
    engine2 = make_engine(settings.database_url)
    try:
        sm2 = make_sessionmaker(engine2)
        assert await tick(sm2, after + timedelta(minutes=1)) == []
        assert await tick(sm2, after + timedelta(days=2)) == []
    finally:
        await engine2.dispose()
    async with sessionmaker() as s:
        n = (await s.execute(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.dedupe_key == f"renov-vencida:{created.id}"))).scalar_one()
    assert n == 1


async def test_two_sessions_racing_mark_once(sessionmaker, world):
    created = await declare(sessionmaker, world, date(2026, 11, 20), bogota(date(2026, 11, 20)))
    after = end_of_day_bogota(date(2026, 11, 25))
    async with sessionmaker() as s1, sessionmaker() as s2:
        stale = await s2.get(RenewalIntent, created.id)  # s2 read the row as open …
        assert stale.status == "abierta"
        assert [e.kind for e in await svc.process_due(s1, after, tz=BOGOTA)] == ["vencida"]  # … s1 expires it first
        await s1.commit()
        assert await svc._mark(s2, stale, "expired_at", after, status="vencida", blocked=True) is False
        assert await svc.process_due(s2, after, tz=BOGOTA) == []
        await s2.commit()
    assert [m.dedupe_key.split(":")[0] for m in await outbox(sessionmaker)] == ["renov-vencida", "renov-vencida-dm"]


async def test_declared_on_the_last_day_gets_only_the_last_day_reminder(sessionmaker, world):
    await declare(sessionmaker, world, date(2026, 11, 20), bogota(date(2026, 11, 25), 9))
    evs = await tick(sessionmaker, bogota(date(2026, 11, 25), 9, 1))
    assert [e.kind for e in evs] == ["recordatorio_ultimo_dia"]


async def test_future_delivery_gets_no_reminder_before_delivery(sessionmaker, world):
    await declare(sessionmaker, world, date(2026, 11, 27), bogota(date(2026, 11, 23)))
    for d in range(23, 28):
        assert await tick(sessionmaker, bogota(date(2026, 11, d), 12)) == []
    # deadline Wednesday 2/12: one business day left on Tuesday 1/12
    assert [e.kind for e in await tick(sessionmaker, bogota(date(2026, 12, 1)))] == ["recordatorio_1_dia"]


# --- extend / release / accept / close ----------------------------------------------------------------
async def test_extend_moves_the_deadline_and_rearms_reminders(sessionmaker, world):
    created = await declare(sessionmaker, world, date(2026, 11, 20), bogota(date(2026, 11, 20)))
    assert [e.kind for e in await tick(sessionmaker, bogota(date(2026, 11, 24)))] == ["recordatorio_1_dia"]
    for bad in (date(2026, 11, 25), date(2026, 11, 24)):
        async with sessionmaker() as s:
            with pytest.raises(svc.RenewalRefused, match="debe ser posterior"):
                await svc.extend(s, created.id, bad, actor=COORD, now=bogota(date(2026, 11, 24)))
    async with sessionmaker() as s:
        ch = await svc.extend(s, created.id, date(2026, 12, 2), actor=COORD, now=bogota(date(2026, 11, 24)))
        await s.commit()
    assert ch.before["deadline"] == "2026-11-25" and ch.intent.deadline == date(2026, 12, 2)
    row = await intent(sessionmaker, created.id)
    assert row.reminded_one_day_at is None and row.status == "abierta"
    # the old deadline passes without expiry; the new one gets its own reminders
    assert await tick(sessionmaker, end_of_day_bogota(date(2026, 11, 25)) + timedelta(hours=1)) == []
    assert [e.kind for e in await tick(sessionmaker, bogota(date(2026, 12, 1)))] == ["recordatorio_1_dia"]
    assert [e.kind for e in await tick(sessionmaker, end_of_day_bogota(date(2026, 12, 2)))] == ["vencida"]
    keys = [m.dedupe_key for m in await outbox(sessionmaker)]
    assert f"renov-ext-dm:{created.id}:2026-12-02" in keys
    assert keys.count(f"renov-1dia:{created.id}:2026-11-25") == 1 and f"renov-1dia:{created.id}:2026-12-02" in keys
    assert "renovacion.extender" in await audit_actions(sessionmaker)


async def test_coordinator_release_blocks_until_accepted(sessionmaker, world):
    d = date(2026, 11, 20)
    created = await declare(sessionmaker, world, d, bogota(d))
    async with sessionmaker() as s:
        await svc.release(s, created.id, actor=COORD, now=bogota(date(2026, 11, 23)), by_kam=False)
        await s.commit()
    async with sessionmaker() as s:
        with pytest.raises(svc.RenewalRefused, match="ya está \\*\\*liberada\\*\\*"):
            await svc.release(s, created.id, actor=COORD, now=bogota(date(2026, 11, 23)), by_kam=False)
        with pytest.raises(svc.RenewalRefused, match="ya está"):
            await svc.extend(s, created.id, date(2026, 12, 30), actor=COORD, now=bogota(date(2026, 11, 23)))
    row = await intent(sessionmaker, created.id)
    assert (row.status, row.blocked) == ("liberada", True)
    # released windows are never reminded nor expired
    assert await tick(sessionmaker, bogota(date(2026, 11, 30))) == []
    with pytest.raises(svc.RenewalRefused, match="fue liberada") as e:
        await declare(sessionmaker, world, date(2026, 11, 23), bogota(date(2026, 11, 23)))
    assert "aceptar una nueva intención" in str(e.value) and "3 días hábiles" in str(e.value)
    async with sessionmaker() as s:
        await svc.accept_new(s, created.id, actor=COORD, now=bogota(date(2026, 11, 24)))
        await s.commit()
    async with sessionmaker() as s:
        with pytest.raises(svc.RenewalRefused, match="no está bloqueada"):
            await svc.accept_new(s, created.id, actor=COORD, now=bogota(date(2026, 11, 24)))
    again = await declare(sessionmaker, world, date(2026, 11, 24), bogota(date(2026, 11, 24)))
    assert again.id != created.id and again.status == "abierta"
    keys = [m.dedupe_key for m in await outbox(sessionmaker)]
    assert keys == [f"renov-lib-dm:{created.id}", f"renov-lib:{created.id}", f"renov-acc-dm:{created.id}"]
    assert await audit_actions(sessionmaker) == [
        "renovacion.declarar", "renovacion.liberar", "renovacion.aceptar_nueva", "renovacion.declarar"]


async def test_kam_release_posts_for_the_coordinator(sessionmaker, world):
    d = date(2026, 11, 20)
    await declare(sessionmaker, world, d, bogota(d))
    async with sessionmaker() as s:
        ana, espiga = await s.get(Member, world.ana.id), await s.get(Client, world.espiga.id)
        ch = await svc.release_for_client(s, ana, espiga, actor=Actor(101, "Ana Gómez"), now=bogota(d))
        await s.commit()
    assert ch.intent.status == "liberada"
    [post] = await outbox(sessionmaker)
    assert post.target == "channel" and "Ana Gómez liberó" in post.payload["content"]
    async with sessionmaker() as s:
        ana, espiga = await s.get(Member, world.ana.id), await s.get(Client, world.espiga.id)
        with pytest.raises(svc.RenewalRefused, match="No tienes una intención"):
            await svc.release_for_client(s, ana, espiga, actor=Actor(101, "Ana Gómez"), now=bogota(d))


async def test_expiry_blocks_the_kam_and_the_deals_hook(sessionmaker, world):
    d = date(2026, 11, 20)
    created = await declare(sessionmaker, world, d, bogota(d))
    async with sessionmaker() as s:
        assert (await svc.open_window_for(s, world.ana.id, world.espiga.id, date(2026, 11, 25))).id == created.id
        assert await svc.open_window_for(s, world.ana.id, world.espiga.id, date(2026, 11, 26)) is None
        assert await svc.window_refusal(s, world.ana.id, world.espiga.id, "Espiga", date(2026, 11, 25), window_days=3) is None
        text = await svc.window_refusal(s, world.ana.id, world.espiga.id, "Espiga", date(2026, 11, 26), window_days=3)
        assert "terminó el 25/11/2026" in text  # past the deadline, before the tick marked it
        none = await svc.window_refusal(s, world.luis.id, world.tornillo.id, "T", d, window_days=5)
        assert "No tienes una ventana" in none and "**5 días hábiles" in none  # the window quoted as configured
    await tick(sessionmaker, end_of_day_bogota(date(2026, 11, 25)))
    with pytest.raises(svc.RenewalRefused, match="venció sin cerrarse"):
        await declare(sessionmaker, world, date(2026, 11, 26), bogota(date(2026, 11, 26)))
    async with sessionmaker() as s:
        assert await svc.close_by_renewal_deal(s, world.ana.id, world.espiga.id, 1, SYS) is False


async def test_close_by_renewal_deal_closes_once(sessionmaker, world):
    from db.models import Deal

    d = date(2026, 11, 20)
    created = await declare(sessionmaker, world, d, bogota(d))
    async with sessionmaker() as s:
        deal = Deal(member_id=world.ana.id, client_id=world.espiga.id, deal_type="renovacion", service="web",
                    total_value=1_000_000, advance_amount=500_000, advance_date=d, commission_estimate=60_000,
                    status="pendiente")
        s.add(deal)
        await s.flush()
        assert await svc.close_by_renewal_deal(s, world.ana.id, world.espiga.id, deal.id, Actor(101, "Ana")) is True
        assert await svc.close_by_renewal_deal(s, world.ana.id, world.espiga.id, deal.id, Actor(101, "Ana")) is False
        await s.commit()
    row = await intent(sessionmaker, created.id)
    assert (row.status, row.closed_by_deal_id, row.blocked) == ("cerrada", deal.id, False)
    assert await tick(sessionmaker, end_of_day_bogota(date(2026, 11, 25))) == []
    # a closed window does not block a new one
    again = await declare(sessionmaker, world, date(2026, 11, 26), bogota(date(2026, 11, 26)))
    assert again.status == "abierta"
    assert await audit_actions(sessionmaker) == ["renovacion.declarar", "renovacion.cerrar", "renovacion.declarar"]


MEXICO = ZoneInfo("America/Mexico_City")  # UTC-6 all year: one hour behind Bogotá


async def test_the_window_follows_the_bots_timezone_not_bogota(sessionmaker, world):
    # delivered Friday 13/11 (Monday 16/11 a Colombian holiday): deadline Thursday 19/11, in any TIMEZONE.
    # 20/11 05:30 UTC is still Thursday 19/11 23:30 in Mexico City, already Friday 20/11 00:30 in Bogotá.
    late = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)
    with pytest.raises(svc.RenewalRefused, match="ya no se puede declarar"):
        await declare(sessionmaker, world, date(2026, 11, 13), late, tz=BOGOTA)  # Bogotá: the window is over
    created = await declare(sessionmaker, world, date(2026, 11, 13), late, tz=MEXICO)  # Mexico City: the last day
    assert created.deadline == date(2026, 11, 19)
    evs = await tick(sessionmaker, late, tz=MEXICO)
    assert [e.kind for e in evs] == ["recordatorio_ultimo_dia"]  # still the last day there: no expiry
    assert (await intent(sessionmaker, created.id)).status == "abierta"
    end = end_of_day_bogota(date(2026, 11, 19), tz=MEXICO)
    assert end == datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    assert await tick(sessionmaker, end - timedelta(seconds=1), tz=MEXICO) == []
    assert [e.kind for e in await tick(sessionmaker, end, tz=MEXICO)] == ["vencida"]
    row = await intent(sessionmaker, created.id)
    assert (row.status, row.blocked, row.expired_at) == ("vencida", True, end)
