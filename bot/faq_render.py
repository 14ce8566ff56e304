"""Embeds shared by ``/duda``, ``/ayuda tema:`` and ``/pedir-apoyo``: search results from the rules and
the FAQ, and the refusal of a request that the sales team do the selling."""

from __future__ import annotations

import discord

from bot.config import Settings
from bot.domain.commission import rate_label
from bot.domain.faq_search import Hit
from bot.domain.money import format_cop
from bot.domain.text import md, truncate
from bot.texts import general as GT
from bot.texts import questions as T


def hits_embed(title: str, hits: list[Hit], intro: str | None = None) -> discord.Embed:
    e = discord.Embed(title=truncate(title, 256), description=intro, colour=discord.Colour.blurple())
    for h in hits:
        is_faq = h.doc.key.startswith("faq:")  # FAQ entries are people's text: made inert
        name = T.FOUND_FAQ.format(title=md(h.doc.title)) if is_faq else T.FOUND_RULE.format(title=h.doc.title)
        value = md(h.doc.text) if is_faq else h.doc.text
        e.add_field(name=truncate(name, 256), value=truncate(value, 1024) or "—", inline=False)
    return e


def sell_for_me_embed(s: Settings) -> discord.Embed:
    """The rule (sales never do the selling) and the two allowed paths: sell it yourself, or refer it."""
    return discord.Embed(title=T.SELL_FOR_ME_TITLE, colour=discord.Colour.orange(), description=T.SELL_FOR_ME.format(
        cco=GT.CCO_NAME, rate=rate_label(s.commission_rate), good=format_cop(s.lead_reward_good),
        sold=format_cop(s.lead_reward_sold)))
