"""Search results from the rules and the FAQ as an embed, shared by ``/duda`` and ``/ayuda tema:``."""

from __future__ import annotations

import discord

from bot.domain.faq_search import Hit
from bot.domain.text import md, truncate
from bot.texts import questions as T


def hits_embed(title: str, hits: list[Hit], intro: str | None = None) -> discord.Embed:
    e = discord.Embed(title=truncate(title, 256), description=intro, colour=discord.Colour.blurple())
    for h in hits:
        is_faq = h.doc.key.startswith("faq:")  # FAQ entries are people's text: made inert
        name = T.FOUND_FAQ.format(title=md(h.doc.title)) if is_faq else T.FOUND_RULE.format(title=h.doc.title)
        value = md(h.doc.text) if is_faq else h.doc.text
        e.add_field(name=truncate(name, 256), value=truncate(value, 1024) or "—", inline=False)
    return e
