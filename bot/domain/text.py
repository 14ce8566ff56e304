"""Showing user text inside bot messages: Markdown neutralised and mentions broken
(belt and braces next to ``allowed_mentions=none``)."""

from __future__ import annotations

import re

_MD = re.compile(r"([\\*_~|`>\[\]()#-])")
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>")


def md(text: str | None) -> str:
    s = _MENTION.sub(lambda m: "@\u200b" + m.group(1) if m.group(1) else f"<\u200b{m.group(2)}{m.group(3)}>", text or "")
    return _MD.sub(r"\\\1", s)
