"""Where discord.py's types meet the bot's (issue 17): a click or a modal submission arrives typed for any
client and is narrowed, checked, to ``Interaction[VentasOpsBot]``; a card's fallback channel and a card's
message are only taken from channels that hold messages."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any, ClassVar

import discord
import pytest

from bot.app import VentasOpsBot, ventas_interaction
from bot.interactions import reply_channel
from bot.notify import card_message
from bot.ui import ActionButton, PersistentModal


def _bot() -> VentasOpsBot:
    return VentasOpsBot.__new__(VentasOpsBot)  # only its class matters here


def _interaction(client: object) -> Any:
    return SimpleNamespace(client=client, id=4242)


def _no_init(cls: type[Any]) -> Any:
    return cls.__new__(cls)  # a channel of that kind; these checks read only its class


def test_an_interaction_of_this_bot_passes_through() -> None:
    interaction = _interaction(_bot())
    assert ventas_interaction(interaction) is interaction


def test_an_interaction_of_another_client_is_refused() -> None:
    with pytest.raises(TypeError, match="4242"):
        ventas_interaction(_interaction(object()))


class _Modal(PersistentModal, template=r"prueba:(?P<id>\d+)"):
    def __init__(self) -> None:
        super().__init__(title="Prueba", custom_id="prueba:1")
        self.got: list[discord.Interaction[VentasOpsBot]] = []

    @classmethod
    def from_match(cls, match: re.Match[str]) -> _Modal:
        return cls()

    async def submit(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        self.got.append(interaction)


async def test_a_modal_submission_reaches_submit_only_for_this_bot() -> None:
    modal = _Modal()
    ours = _interaction(_bot())
    await modal.on_submit(ours)
    assert modal.got == [ours]
    with pytest.raises(TypeError):
        await modal.on_submit(_interaction(object()))
    assert modal.got == [ours]


class _Button(ActionButton, template=r"prueba:(?P<action>si):(?P<id>\d+)"):
    PREFIX = "prueba"
    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {"si": ("Sí", discord.ButtonStyle.success)}
    got: ClassVar[list[tuple[object, str, int]]] = []

    async def handle(self, interaction: discord.Interaction[VentasOpsBot]) -> None:
        self.got.append((interaction, self.action, self.target_id))


async def test_a_click_reaches_handle_with_its_action_and_target() -> None:
    ours = _interaction(_bot())
    await _Button("si", 7).callback(ours)
    assert _Button.got == [(ours, "si", 7)]


def test_a_card_falls_back_only_to_a_channel_that_holds_messages() -> None:
    here = discord.PartialMessageable(state=None, id=11)
    assert reply_channel(SimpleNamespace(channel=here)) is here
    assert reply_channel(SimpleNamespace(channel=_no_init(discord.ForumChannel))) is None
    assert reply_channel(SimpleNamespace(channel=None)) is None


def test_a_card_message_is_addressed_only_in_a_channel_that_holds_messages() -> None:
    channel = discord.PartialMessageable(state=None, id=11)
    msg = card_message(channel, 42)
    assert msg is not None and msg.id == 42 and msg.channel is channel
    assert card_message(_no_init(discord.CategoryChannel), 42) is None
    assert card_message(_no_init(discord.ForumChannel), 42) is None
    assert card_message(None, 42) is None
