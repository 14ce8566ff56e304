"""The panel's server inside the bot (bot.web.server.PanelServer): it serves the app on a real socket and,
once listening, leaves the start-up heap out of the garbage collector's full walks (bot.web.app.settle_heap)."""

from __future__ import annotations

import gc

import httpx

from bot.web.server import PanelServer


async def test_the_server_listens_and_freezes_the_start_up_heap(panel):
    server = PanelServer(panel.ctx, "127.0.0.1", 0)
    await server.start()
    try:
        assert gc.get_freeze_count() > 10_000  # modules, classes and functions: not walked again
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            r = await client.get("/admin")
        assert r.status_code == 401 and r.headers["x-content-type-options"] == "nosniff"
    finally:
        await server.stop()
