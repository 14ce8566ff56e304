"""Modals whose submission survives a restart.

discord.py only dispatches a modal submission to the ``Modal`` object that opened it, kept in memory;
after a restart (or past its timeout) the submission is dropped. Here a modal is sent and at once
detached from discord.py's store (``stop()``), and its submission is handled by an ``on_interaction``
listener that parses the custom_id (``<prefix>:<id>``) and re-reads the state from the database —
the same idea as the persistent ``DynamicItem`` buttons in :mod:`bot.ui`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.app import report_error

Handler = Callable[[discord.Interaction, int, dict[str, str]], Awaitable[None]]


async def send_detached(interaction: discord.Interaction, modal: discord.ui.Modal) -> None:
    """Open ``modal``; its submission reaches the listener registered with :func:`dispatch_submit`."""
    await interaction.response.send_modal(modal)
    modal.stop()  # removes it from discord.py's store: the listener handles the submission


def values(interaction: discord.Interaction) -> dict[str, str]:
    """The submitted text inputs by custom_id (in action rows or labels)."""
    out: dict[str, str] = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for c in items:
            if "custom_id" in c and isinstance(c.get("value"), str):
                out[c["custom_id"]] = c["value"]
            if c.get("components"):
                walk(c["components"])
            if isinstance(c.get("component"), dict):
                walk([c["component"]])

    walk(list((interaction.data or {}).get("components", [])))  # type: ignore[arg-type]
    return out


async def dispatch_submit(interaction: discord.Interaction, handlers: dict[str, Handler]) -> bool:
    """Call the handler for a submitted ``<prefix>:<id>`` modal; True when one matched. Every failure
    gets the Spanish answer of :func:`bot.app.report_error`."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return False
    m = re.fullmatch(r"([a-z-]+):(\d{1,10})", str((interaction.data or {}).get("custom_id", "")))
    if not m or m[1] not in handlers:
        return False
    try:
        await handlers[m[1]](interaction, int(m[2]), values(interaction))
    except Exception as exc:  # noqa: BLE001 - every failure gets a Spanish answer
        await report_error(interaction, exc)
    return True
