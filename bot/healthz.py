"""``GET /healthz`` on 127.0.0.1:HEALTH_PORT for the container's HEALTHCHECK: 200 when the Discord gateway
is connected and the database answers, 503 (with the reason) otherwise."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.services.health import database_answers

log = logging.getLogger(__name__)


def gateway_connected(bot: Any) -> bool:
    ws = getattr(bot, "ws", None)
    return bool(bot.is_ready() and not bot.is_closed() and ws is not None and ws.open)


async def health(bot: Any) -> tuple[int, str]:
    problems = []
    if not gateway_connected(bot):
        problems.append("gateway de Discord desconectado")
    if not await database_answers(bot.sessionmaker):
        problems.append("la base de datos no responde")
    return (503, "; ".join(problems)) if problems else (200, "ok")


async def start_health_server(bot: Any, port: int, host: str = "127.0.0.1") -> web.AppRunner:
    async def handler(_request: web.Request) -> web.Response:
        code, text = await health(bot)
        return web.Response(status=code, text=text + "\n")

    app = web.Application()
    app.router.add_get("/healthz", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("Health check on http://%s:%d/healthz", host, port)
    return runner
