"""Row ids typed by people and control characters at the interaction boundary."""

from __future__ import annotations

import pytest

from bot.domain.validation import MAX_ROW_ID, parse_row_id, strip_control


@pytest.mark.parametrize(("text", "expected"), [
    ("12", 12), ("#12", 12), (" #7 · Panadería", 7), (12, 12), (str(MAX_ROW_ID), MAX_ROW_ID),
    (str(MAX_ROW_ID + 1), None), ("0", None), ("-3", None), ("doce", None), ("", None), (None, None),
    ("99999999999999999999", None), ("1e9", None),
])
def test_parse_row_id(text, expected):
    assert parse_row_id(text) == expected


def test_strip_control_removes_nul_and_bidi_overrides_keeps_text():
    assert strip_control("a\x00b\u202ec\x1b[31m\tñ\n") == "abc[31m\tñ\n"
    assert strip_control("Sánchez 💸 @everyone") == "Sánchez 💸 @everyone"
