"""Showing user text inside bot messages: Discord Markdown neutralised and mentions broken with a
zero-width space (belt and braces next to ``allowed_mentions=AllowedMentions.none()``).

Use ``md`` only where Discord renders Markdown (message content, embed descriptions and fields),
never in button labels, modal defaults or autocomplete choices, which show text literally."""

from __future__ import annotations

import re

__all__ = ["ZWSP", "count_of", "csv_safe", "escape_discord", "md", "truncate", "xlsx_safe"]

ZWSP = "\u200b"
_INLINE = re.compile(r"([\\*_~|`\[\]<])")  # emphasis, strike, spoiler, code, masked links, mentions
_LINE_START = re.compile(r"^([ \t]*)([>#\-+])", re.MULTILINE)  # quotes, headings, bullet lists
_ORDERED = re.compile(r"^([ \t]*[0-9]+)\.(?=[ \t])", re.MULTILINE)  # "1. item"
_BROADCAST = re.compile(r"@(everyone|here)", re.IGNORECASE)
_OPENER = re.compile(r"<(?=[@#/])")  # <@user> <@!user> <@&role> <#channel> </command:id>
_URL = re.compile(r"https?://[^\s<>`|*~\[\]]+")  # Discord does not render Markdown inside links


def md(text: str | None) -> str:
    """User text made inert: ``**hola** @everyone <@&1>`` shows literally and pings nobody.
    E-mail addresses and URLs stay intact (no zero-width space inside them)."""
    s = str(text or "")
    s = _OPENER.sub("<" + ZWSP, s)
    s = _BROADCAST.sub(lambda m: "@" + ZWSP + m.group(1), s)
    out, pos = [], 0
    for m in _URL.finditer(s):  # escape around links, never inside them (a "\\_" would break the URL)
        out.append(_INLINE.sub(r"\\\1", s[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_INLINE.sub(r"\\\1", s[pos:]))
    s = "".join(out)
    s = _LINE_START.sub(r"\1\\\2", s)
    return _ORDERED.sub(r"\1\\.", s)


# discord.utils.escape_markdown (ignore_links=True) and escape_mentions, as plain regular expressions so
# that services can escape without importing discord (a test holds them equal to discord.py's)
_DISCORD_URL = r"(?P<url><[^: >]+:\/[^ >]+>|(?:https?|steam):\/\/[^\s<]+[^<.,:;\"\'\]\s])"
_DISCORD_MARKDOWN = r"(?P<markdown>[_\\~|\*`]|^>(?:>>)?\s|\[.+\]\(.+\)|^#{1,3}|^\s*-)"
_DISCORD_ESCAPE = re.compile(f"(?:{_DISCORD_URL}|{_DISCORD_MARKDOWN})", re.MULTILINE)
_DISCORD_MENTION = re.compile(r"@(everyone|here|[!&]?[0-9]{17,20})")


def escape_discord(text: str | None) -> str:
    """Discord Markdown escaped (links left alone) and mentions broken, exactly as
    ``discord.utils.escape_mentions(discord.utils.escape_markdown(text))``."""
    escaped = _DISCORD_ESCAPE.sub(lambda m: m.group("url") or "\\" + m.group("markdown"), text or "")
    return _DISCORD_MENTION.sub("@" + ZWSP + r"\1", escaped)


def truncate(text: str | None, limit: int) -> str:
    """At most ``limit`` characters, ending in "…" when cut (Discord field and label limits)."""
    s = str(text or "")
    if limit <= 0:
        return ""
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def count_of(n: int, one: str, many: str) -> str:
    """``1 negocio`` / ``3 negocios``: a count with the noun in the number it takes."""
    return f"{n} {one if n == 1 else many}"


# --- spreadsheets ----------------------------------------------------------------------------------
# Names, companies and notes come from users and end up in the XLSX/CSV files finance opens in Excel.
# Text Excel would run as a formula ("=HYPERLINK(...)", "+cmd|...", "@SUM(...)") must stay text
# (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A CSV cell: text starting like a formula gets a leading apostrophe; everything else unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def xlsx_safe(cell: object) -> object:
    """An openpyxl cell whose text openpyxl took for a formula (it starts with "=") is stored as the
    text it is. Returns the cell."""
    if getattr(cell, "data_type", None) == "f":
        cell.data_type = "s"  # type: ignore[attr-defined]
    return cell
