"""The 06:00 export through the real bot: exactly once per date, catch-up at start-up, delivered
through the outbox (a Discord failure is retried without duplicates)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from db.models import Client, Deal, ExportRun, JobRun, Member

BOG = ZoneInfo("America/Bogota")


def bogota(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BOG)


def export_posts(fake) -> list[dict]:
    return [m for m in fake.channel_messages() if any("Corte diario" in (e.get("title") or "") or
                                                        "Re-exportación" in (e.get("title") or "") for e in m["embeds"])]


async def runs(h) -> int:
    async with h.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(ExportRun))).scalar_one()


async def settle(h) -> None:
    if h.bot._startup_task is not None:
        await h.bot._startup_task
    await h.bot.outbox.flush()


async def test_six_am_fires_once(harness_factory):
    h = await harness_factory(jobs=True, now=bogota(23, 5, 59))
    await settle(h)
    assert await runs(h) == 0 and export_posts(h.fake) == []  # 05:59: nothing due on a new install
    job = h.bot.jobs.scheduler.get_job("exportacion")
    assert (str(job.trigger.fields[5]), str(job.trigger.fields[6])) == ("6", "0")  # hour, minute
    assert str(job.trigger.timezone) == "America/Bogota"

    h.clock.set(bogota(23, 6, 0))
    await h.bot.jobs.run_now("exportacion")
    await h.bot.outbox.flush()
    await h.bot.jobs.run_now("exportacion")  # the safety-net tick later that morning
    await h.bot.outbox.flush()
    posts = export_posts(h.fake)
    assert len(posts) == 1 and await runs(h) == 1
    assert "22/11/2026" in posts[0]["embeds"][0]["title"]
    names = sorted(a["filename"] for a in posts[0]["attachments"])
    assert names == ["negocios-2026-11-22.csv", "negocios-2026-11-22.xlsx", "resumen-2026-11-22.png"]


async def test_down_at_six_started_at_nine_runs_once_and_two_starts_post_once(harness_factory):
    h = await harness_factory(jobs=True, now=bogota(23, 9, 0))
    await settle(h)
    assert len(export_posts(h.fake)) == 1 and await runs(h) == 1
    h.clock.set(bogota(23, 9, 30))
    await h.restart()
    await settle(h)
    assert len(export_posts(h.fake)) == 1 and await runs(h) == 1


async def test_days_missed_while_down_are_caught_up_in_order(harness_factory):
    h = await harness_factory(jobs=True, now=bogota(20, 7, 0))
    await settle(h)
    assert len(export_posts(h.fake)) == 1  # 19/11
    await h.stop()
    h.clock.set(bogota(23, 8, 0))  # down for three mornings
    await h.start()
    await settle(h)
    titles = [p["embeds"][0]["title"] for p in export_posts(h.fake)]
    assert [t.split("del ")[-1] for t in titles] == ["19/11/2026"]  # the three missed days: one post below
    [catch_up] = [m for m in h.fake.channel_messages() if "Puesta al día" in (m["embeds"] or [{}])[0].get("title", "")]
    embed = catch_up["embeds"][0]
    assert embed["title"].endswith("cortes del 20/11/2026 al 22/11/2026")
    days = next(f["value"] for f in embed["fields"] if f["name"] == "Cortes")
    assert days == "• Sin negocios ni hallazgos: 20/11, 21/11, 22/11"  # empty days: one line, not three posts
    assert [a["filename"] for a in catch_up["attachments"]] == ["resumen-2026-11-22.png"]
    assert "Comisiones del mes (11/2026)" in [f["name"] for f in embed["fields"]]
    async with h.sessionmaker() as s:
        assert sorted((await s.execute(select(ExportRun.export_date))).scalars()) == [
            date(2026, 11, d) for d in (19, 20, 21, 22)]  # each day exported once, in order


async def test_discord_failure_is_retried_without_duplicates(harness_factory):
    h = await harness_factory(jobs=True, now=bogota(23, 5, 0))
    await settle(h)
    channel = h.fake.channel_id("dudas-ventas-ops")
    h.fake.fail_next("POST", rf"/channels/{channel}/messages", 503, times=1)  # discord.py does not retry a 503
    h.clock.set(bogota(23, 6, 0))
    await h.bot.jobs.run_now("exportacion")
    await h.bot.outbox.flush()
    assert export_posts(h.fake) == []  # Discord refused; the post waits in the outbox
    h.clock.advance(minutes=1)
    await h.bot.outbox.flush()
    await h.restart()  # also across a restart
    h.clock.advance(minutes=5)
    await h.bot.outbox.flush()
    await h.bot.outbox.flush()
    assert len(export_posts(h.fake)) == 1


async def test_daily_backup_once_per_day(harness_factory):
    h = await harness_factory(jobs=True, now=bogota(23, 5, 0))
    await settle(h)
    await h.bot.jobs.run_now("respaldo")
    async with h.sessionmaker() as s:
        n = (await s.execute(select(func.count()).select_from(JobRun).where(JobRun.job == "backup"))).scalar_one()
    assert n == 1
    assert len(list((h.settings.data_dir / "backups").glob("ventas-ops-*.tar.gz"))) == 1


async def test_admin_exportar_and_forced_reexport(harness_factory):
    h = await harness_factory(now=bogota(23, 10, 0))
    admin = await h.member("Admin", ["Admin ventas-ops"])
    kam = await h.member("Kam", ["KAM"])
    first = await (await h.fake.slash(admin, "admin exportar")).text()
    assert "22/11/2026" in first and "lista" in first
    again = await (await h.fake.slash(admin, "admin exportar", {"fecha": "22/11/2026"})).text()
    assert "ya se hizo" in again
    forced = await (await h.fake.slash(admin, "admin exportar", {"fecha": "ayer", "forzar": True})).text()
    assert "lista" in forced
    future = await (await h.fake.slash(admin, "admin exportar", {"fecha": "hoy"})).text()
    assert "hasta ayer" in future
    refused = await (await h.fake.slash(kam, "admin exportar")).text()
    assert "Admin ventas-ops" in refused
    await h.bot.outbox.flush()
    titles = [p["embeds"][0]["title"] for p in export_posts(h.fake)]
    assert len(titles) == 2 and "Re-exportación #2" in titles[1]


async def test_posted_hubspot_request_count_equals_the_requests_the_fake_received(harness_factory):
    """Issue 25.4: a lookup of a deal HubSpot does not list takes two requests (normal, then archived),
    a refused attempt is one more: the figure posted and stored is what HubSpot received."""
    h = await harness_factory(hubspot=True, now=bogota(23, 10, 0))
    day = (h.clock.now().astimezone(BOG) - timedelta(days=1)).date()
    hs = h.hubspot
    listed = hs.add_deal(dealname="Listado", amount="5000000", fecha_de_anticipo=day)
    archived = hs.add_deal(dealname="Archivado", amount="3000000", fecha_de_anticipo=day)
    hs.archive("deals", archived)
    async with h.sessionmaker() as s:
        kam = Member(discord_id=11, name="Ana")
        client = Client(name="Cliente", name_key="cliente")
        s.add_all([kam, client])
        await s.flush()
        for hid, value in ((listed, 5_000_000), (archived, 3_000_000), ("123456789", 1_000_000)):
            s.add(Deal(member_id=kam.id, client_id=client.id, deal_type="renovacion", service="web",
                       total_value=value, advance_amount=value // 2, advance_date=day,
                       commission_estimate=value * 6 // 100, hubspot_deal_id=hid, proof_path="/p.pdf"))
        await s.commit()
    admin = await h.member("Admin", ["Admin ventas-ops"])
    hs.fail_next("GET", r"/crm/v3/objects/deals/123456789", 500, times=1)
    hs.reset_counters()
    assert "lista" in await (await h.fake.slash(admin, "admin exportar")).text()
    await h.bot.outbox.flush()
    received = hs.count()
    # 1 search page + archived (2) + missing (2, the first refused once: 3)
    assert received == 1 + 2 + 3
    async with h.sessionmaker() as s:
        run = (await s.execute(select(ExportRun))).scalar_one()
    assert run.hubspot_calls == received
    [post] = export_posts(h.fake)
    assert post["embeds"][0]["footer"]["text"] == f"Consultas a HubSpot en este corte: {received}"
