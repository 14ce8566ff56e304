"""Both worlds in one story, in a real browser: a KAM registers in Discord → the auditor approves on the
web → the Discord card shows the decision and the KAM gets the DM → the KAM sees the commission earned on
the web. Every page is screenshotted into tests/web/artifacts/ (desktop and phone)."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.services import web_login
from db.models import Deal, WebLoginToken
from tests.e2e.deals.test_deals_e2e import card_of, options, register, setup_people
from tests.fakes.cli_process import free_port
from tests.fakes.discord_fake import buttons, message_text
from tests.web.browser import receipt_png, shot

PHONE = {"width": 390, "height": 844}


async def panel_link(h, user_id: int) -> str:
    handle = await h.fake.slash(user_id, "panel")
    text = await handle.text()
    assert handle.ephemeral, "the login link must be private"
    m = re.search(r"(http://\S+/entrar#[A-Za-z0-9_-]+)", text)
    assert m, text
    return m.group(1)


async def open_session(browser, url: str, *, phone: bool = False):
    context = await browser.new_context(viewport=PHONE if phone else {"width": 1280, "height": 900}, locale="es-CO")
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_load_state("networkidle")
    return context, page


async def test_register_in_discord_approve_on_the_web_see_it_everywhere(harness_factory, browser):
    port = free_port()
    h = await harness_factory(web_base_url=f"http://127.0.0.1:{port}", web_port=port)
    ids = await setup_people(h)
    _, text = await register(h, ids["ana"], options(ids["client"]), proof=("comprobante.png", receipt_png(), "image/png"))
    assert "registr" in text.lower()
    async with h.sessionmaker() as s:
        deal = (await s.execute(select(Deal))).scalar_one()
    card = await card_of(h, deal.id)
    assert {b["label"] for b in buttons(card)} == {"Pago verificado", "Rechazar"}

    # the auditor: /panel in Discord → the link → the audit queue, with the proof inline
    link = await panel_link(h, ids["aud1"])
    token = link.split("#", 1)[1]
    async with h.sessionmaker() as s:
        stored = (await s.execute(select(WebLoginToken.token_hash))).scalars().all()
    assert stored == [web_login.token_hash(token)]  # only the hash
    ctx, page = await open_session(browser, link)
    assert page.url.endswith("/auditoria"), page.url
    card_box = page.locator(f"#negocio-{deal.id}")
    await card_box.wait_for()
    assert "$ 12.000.000" in await card_box.inner_text()
    assert await card_box.locator("img").evaluate("i => i.complete && i.naturalWidth") == 320  # the proof, inline
    await shot(page, "auditoria")
    phone_ctx, phone = await open_session(browser, await panel_link(h, ids["aud2"]), phone=True)
    await shot(phone, "auditoria-telefono")
    await phone_ctx.close()

    await card_box.get_by_role("button", name="Aprobar").click()
    await page.wait_for_selector(".flash.ok")
    assert "quedó aprobada" in await page.locator(".flash").inner_text()
    await shot(page, "auditoria-aprobado")
    await page.goto(f"http://127.0.0.1:{port}/negocios/{deal.id}")
    await shot(page, "negocio-auditor")
    await ctx.close()

    # Discord: the card shows who approved (no buttons left) and the KAM got the DM, as with the button
    edited = await h.fake.wait_for_message(predicate=lambda m: m["id"] == card["id"] and "Auditora Uno" in message_text(m)
                                           and not buttons(m))
    assert "aprobada por Auditora Uno" in message_text(edited)
    dm = await h.fake.wait_for_dm(ids["ana"])
    assert f"#{deal.id}" in message_text(dm) and "$ 720.000" in message_text(dm)

    # the KAM on the web: the deal approved, the commission earned (the figures of /mis-comisiones)
    ctx, page = await open_session(browser, await panel_link(h, ids["ana"]))
    assert page.url.endswith("/mis-negocios")
    row = page.locator("tbody tr").first
    assert "Aprobado" in await row.inner_text()
    await shot(page, "mis-negocios")
    await page.goto(f"http://127.0.0.1:{port}/negocios/{deal.id}")
    timeline = await page.locator(".timeline").inner_text()
    assert "Auditoría del pago: aprobada por Auditora Uno" in timeline and "Comisión ganada: $ 720.000" in timeline
    await shot(page, "negocio-kam")
    await page.goto(f"http://127.0.0.1:{port}/mis-comisiones")
    kpis = await page.locator(".totals").inner_text()
    assert "Ganado\n$ 720.000" in kpis
    await shot(page, "mis-comisiones")
    discord_view = await (await h.fake.slash(ids["ana"], "mis-comisiones")).text()
    assert "$ 720.000" in discord_view
    for path, name in (("/mis-referidos", "mis-referidos"), ("/mis-renovaciones", "mis-renovaciones")):
        await page.goto(f"http://127.0.0.1:{port}{path}")
        await shot(page, name)
    await ctx.close()

    # the admins' and the COO's pages
    ctx, page = await open_session(browser, await panel_link(h, ids["admin"]))
    assert page.url.endswith("/admin")
    assert await page.locator("svg.chart").count() == 3
    await shot(page, "admin")
    for path, name in (("/admin/exportes", "exportes"), ("/admin/registro?q=aprobacion", "registro")):
        await page.goto(f"http://127.0.0.1:{port}{path}")
        await shot(page, name)
    assert "aprobacion.aprobar" in await page.locator("table").inner_text()
    await ctx.close()
    ctx, page = await open_session(browser, await panel_link(h, ids["coo"]))
    await shot(page, "coo")
    await ctx.close()

    # somebody without a program role gets the Spanish refusal
    ctx, page = await open_session(browser, await panel_link(h, ids["outsider"]))
    assert "no tiene ningún rol" in await page.locator("main").inner_text()
    await shot(page, "sin-rol")
    await ctx.close()
