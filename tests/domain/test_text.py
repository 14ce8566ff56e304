from __future__ import annotations

import discord.utils
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.text import ZWSP, escape_discord, md, truncate


def test_md_breaks_mentions_and_markdown():
    out = md("@everyone **hola** <@&123> @here <@456> <@!7> <#89>")
    for ping in ("@everyone", "@here", "<@&123>", "<@456>", "<@!7>", "<#89>"):
        assert ping not in out
    assert "\\*\\*hola\\*\\*" in out
    assert md("@Everyone").lower() != "@everyone"


def test_md_neutralises_markdown_syntax():
    assert md("__x__ ~~y~~ ||z|| `c`") == "\\_\\_x\\_\\_ \\~\\~y\\~\\~ \\|\\|z\\|\\| \\`c\\`"
    assert md("# t\n> q\n- a\n1. x") == "\\# t\n\\> q\n\\- a\n1\\. x"
    assert md("[clic](https://evil.example)") == "\\[clic\\](https://evil.example)"
    assert md("a\\b") == "a\\\\b"
    assert md(None) == ""


def test_md_keeps_emails_and_links_intact():
    assert md("ana@gmail.com") == "ana@gmail.com"
    assert md("ver https://x.co/a_b?c=d_e") == "ver https://x.co/a_b?c=d_e"
    assert md("https://x.co/a*b*") == "https://x.co/a\\*b\\*"  # "*" ends the link: never left live
    assert md("300-123-4567") == "300-123-4567"


@given(st.text(max_size=80))
def test_md_never_lets_a_mention_through(text):
    out = md(text)
    assert "@everyone" not in out.lower() and "@here" not in out.lower()
    assert "<@" not in out and "<#" not in out


def test_truncate():
    assert truncate("hola", 10) == "hola"
    assert truncate("hola mundo", 5) == "hola…"
    assert len(truncate("x" * 100, 10)) == 10
    assert truncate("x", 0) == "" and ZWSP == "\u200b"


def test_csv_safe_neutralises_formula_starts():
    from bot.domain.text import csv_safe

    for bad in ("=1+1", "+57 300", "-2", "@SUM(A1)", "\t=x", "\r=x"):
        assert csv_safe(bad) == "'" + bad
    for fine in ("Ana", "", "1.000", "a=b", 12, None, -5):
        assert csv_safe(fine) == fine


# the services escape without importing discord: the same output as discord.py's two helpers
_MARKUP = st.sampled_from(list("*_~|`\\>#-[]()@<>:/&!. \n") + ["https://a_b.co/x_y", "<https://a_b/c>", "@everyone",
                                                                 "@here", "@&123456789012345678", "steam://x_y"])


@given(st.lists(st.one_of(_MARKUP, st.text(max_size=5)), max_size=20).map("".join))
def test_escape_discord_is_discord_py_escape(text):
    assert escape_discord(text) == discord.utils.escape_mentions(discord.utils.escape_markdown(text))
