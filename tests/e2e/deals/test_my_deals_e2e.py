"""Issue 25.2: /mis-negocios pages through every deal with «Anteriores» / «Siguientes» (persistent
buttons carrying the page and the filters), filters by state and advance month, and attaches the full
list as XLSX."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import load_workbook

from bot.services import directory
from db.models import Deal
from tests.e2e.deals.test_deals_e2e import setup_people
from tests.fakes.discord_fake import buttons, message_text

N = 40


async def seed_deals(h, kam: int) -> tuple[list[int], tuple[date, date]]:
    """N deals of the KAM: the first 20 with an advance in the month before the test's, the rest in its
    month; every 4th approved. Returns the ids, oldest first."""
    today = h.clock.now().astimezone(h.settings.tz).date()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    async with h.sessionmaker() as s:
        member = await directory.get_member(s, kam)
        client = (await directory.clients_of(s, member.id))[0]
        rows = []
        for i in range(N):
            value = 1_000_000 + i * 10_000
            rows.append(Deal(member_id=member.id, client_id=client.id, deal_type="cross_sale", service="social_ads",
                             total_value=value, advance_amount=value // 2,
                             advance_date=(last_month if i < 20 else this_month) + timedelta(days=i % 20 // 2),
                             commission_estimate=value * 6 // 100, status="aprobado" if i % 4 == 3 else "pendiente",
                             created_at=h.clock.now(), updated_at=h.clock.now()))
        s.add_all(rows)
        await s.commit()
        return [r.id for r in rows], (last_month, this_month)


def shown_ids(msg: dict) -> list[int]:
    desc = msg["embeds"][0]["description"]
    return [int(line.split("**#")[1].split("**")[0]) for line in desc.splitlines()]


def button(msg: dict, label: str) -> dict:
    return next(b for b in buttons(msg) if b["label"] == label)


async def click(h, user: int, msg: dict, label: str) -> dict:
    handle = await h.fake.click(user, msg, label=label)
    await handle.response()
    await h.fake.wait_for(lambda: handle.rec.webhook_edits, timeout=10)
    return h.fake.messages_by_id[int(msg["id"])]


def data_rows(sheet) -> list[tuple]:
    """The deal rows: from under the header to the blank row above the totals."""
    rows = []
    for r in sheet.iter_rows(min_row=2, values_only=True):
        if r[0] is None:
            break
        rows.append(r)
    return rows


async def test_forty_deals_browsed_to_the_first_one_with_filters_and_the_full_xlsx(harness):
    h = harness
    ids = await setup_people(h)
    ana = ids["ana"]
    deal_ids, (last_month, this_month) = await seed_deals(h, ana)
    newest_first = deal_ids[::-1]

    first = await (await h.fake.slash(ana, "mis-negocios")).wait_final()
    assert first["flags"] & 64  # private
    assert shown_ids(first) == newest_first[:10]
    assert "Página 1 de 4 · 40 negocios" in message_text(first)
    assert button(first, "Anteriores").get("disabled") and not button(first, "Siguientes").get("disabled")
    [att] = first["attachments"]
    assert att["filename"] == "mis-negocios.xlsx"
    sheet = load_workbook(io.BytesIO(h.fake.attachments[int(att["id"])][0])).active
    rows = data_rows(sheet)
    assert [r[0] for r in rows] == newest_first  # every deal, not just the page
    assert rows[-1][6] == 1_000_000 and sheet.cell(2, 7).number_format.startswith('"$"')
    [total] = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "Total"]
    assert total[6] == sum(r[6] for r in rows)  # the totals row adds up the value column

    msg = first
    for page in (2, 3, 4):
        msg = await click(h, ana, msg, "Siguientes")
        assert shown_ids(msg) == newest_first[(page - 1) * 10:page * 10]
        assert f"Página {page} de 4" in message_text(msg)
    assert shown_ids(msg)[-1] == deal_ids[0]  # the very first deal
    assert button(msg, "Siguientes").get("disabled") and not button(msg, "Anteriores").get("disabled")
    assert msg["attachments"] == first["attachments"]  # paging keeps the file

    await h.restart()  # the buttons are persistent: the state is in the custom_id and the database
    msg = await click(h, ana, msg, "Anteriores")
    assert shown_ids(msg) == newest_first[20:30] and "Página 3 de 4" in message_text(msg)

    # another KAM clicking a copy of the buttons sees their own deals, never Ana's
    other = await click(h, ids["luis"], msg, "Anteriores")
    assert "Aún no tienes negocios" in message_text(other) and "Panadería" not in message_text(other)

    # filters: approved deals with an advance in the previous month; they travel with the pages
    approved = await (await h.fake.slash(ana, "mis-negocios", {"estado": "aprobado", "mes": last_month.strftime("%Y-%m")})).wait_final()
    expected = [i for n, i in enumerate(deal_ids) if n % 4 == 3 and n < 20][::-1]
    assert shown_ids(approved) == expected and "aprobados" in approved["embeds"][0]["title"]
    assert "Página 1 de 1 · 5 negocios" in message_text(approved)
    assert button(approved, "Siguientes").get("disabled")
    sheet = load_workbook(io.BytesIO(h.fake.attachments[int(approved["attachments"][0]["id"])][0])).active
    assert [r[0] for r in data_rows(sheet)] == expected
    pending_now = await (await h.fake.slash(ana, "mis-negocios", {"estado": "pendiente", "mes": "este mes"})).wait_final()
    assert len(shown_ids(pending_now)) == 10 and "Página 1 de 2 · 15 negocios" in message_text(pending_now)
    page2 = await click(h, ana, pending_now, "Siguientes")
    assert shown_ids(page2) == [i for n, i in enumerate(deal_ids) if n >= 20 and n % 4 != 3][::-1][10:]
    none = await (await h.fake.slash(ana, "mis-negocios", {"estado": "anulado"})).text()
    assert "No tienes negocios anulados" in none
    bad = await (await h.fake.slash(ana, "mis-negocios", {"mes": "el otro año"})).text()
    assert "mes" in bad.lower()
