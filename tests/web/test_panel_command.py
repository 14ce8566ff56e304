"""/panel in Discord and the panel's server inside the bot."""

from __future__ import annotations

import asyncio
import socket

from tests.fakes.cli_process import free_port


async def test_panel_off_without_a_base_url(harness):
    ana = await harness.member("Ana", ["KAM"])
    h = await harness.fake.slash(ana, "panel")
    assert "no está activado" in await h.text() and h.ephemeral
    assert harness.bot.web is None


async def test_the_link_is_private_rate_limited_and_the_server_stops_with_the_bot(harness_factory):
    port = free_port()
    h = await harness_factory(web_base_url="https://panel.example.com", web_port=port)
    ana = await h.member("Ana", ["KAM"])
    handles, texts = [], []
    for _ in range(6):
        handles.append(await h.fake.slash(ana, "panel"))
        texts.append(await handles[-1].text())
    assert all(x.ephemeral for x in handles)
    assert all("https://panel.example.com/entrar#" in t for t in texts[:5])
    assert "Ya pediste 5 enlaces" in texts[5] and "entrar#" not in texts[5]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)  # listening inside the bot
    writer.close()
    await h.stop()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "the panel still listens after the bot closed"
