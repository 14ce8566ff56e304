"""Whole Colombian pesos: parsing what people type and showing amounts as ``$ 1.234.567``.

Colombian writing uses ``.`` for thousands and ``,`` for decimals. Amounts are whole pesos, so any
decimal part is refused, and so is anything ambiguous such as ``1.5`` or ``1,50``. ``1,500,000``
(US-style grouping) is accepted only when every group after the first has exactly three digits.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bot.domain.errors import MoneyError

__all__ = ["MAX_COP", "MAX_INPUT", "MoneyError", "format_cop", "parse_cop"]

MAX_COP = 100_000_000_000  # 100.000 millones de pesos: anything bigger is a typo
MAX_INPUT = 40

_PLAIN = re.compile(r"[0-9]+")
_DOTS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")
_COMMAS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")
_SPACES = re.compile(r"[0-9]{1,3}(?: [0-9]{3})+")
# digits, optional grouping, then a decimal separator followed by 1 or 2 digits: "1,5", "1.500.000,50"
_DECIMAL = re.compile(r"[0-9][0-9., ]*[.,][0-9]{1,2}")
# currency words and symbols people put around the number
_CURRENCY = re.compile(r"(?i)^(?:cop|col\$|\$|pesos)\s*|\s*(?:cop|col\$|\$|pesos|pesos colombianos)$")
_SPACE_CHARS = re.compile(r"[\s\u00a0\u2007\u202f]+")
_MINUS = ("-", "\u2212", "\u2013")


def _noun(field: str) -> str:
    """``"valor-total"`` → ``"valor total"``: how the option reads inside a sentence."""
    return " ".join(field.replace("-", " ").replace("_", " ").split()) or "valor"


def parse_cop(text: str | int | None, field: str = "valor", max_value: int = MAX_COP) -> int:
    """Parse "1.500.000", "$ 1.500.000", "1500000", "1,500,000", "COP 1.500.000" into ``1500000``.

    Refuses (``MoneyError``, Spanish message, ``.field == field``) empty text, negatives, zero,
    letters, decimals, malformed grouping ("1.50.000"), values above ``max_value`` and input longer
    than 40 characters.
    """
    noun = _noun(field)
    example = "por ejemplo 1.500.000 o 1500000"
    if isinstance(text, bool):
        raise MoneyError(f"El {noun} debe ser un valor en pesos, {example}.", field)
    if isinstance(text, int):
        raw = str(text)
    elif isinstance(text, (float, Decimal)):
        raw = format(Decimal(str(text)), "f")
    else:
        raw = str(text or "")
    raw = raw.strip()
    if not raw:
        raise MoneyError(f"Escribe el {noun} en pesos, {example}.", field)
    if len(raw) > MAX_INPUT:
        raise MoneyError(f"El {noun} es demasiado largo. Escríbelo en pesos, {example}.", field)
    shown = raw.replace("`", "'")
    s = _SPACE_CHARS.sub(" ", raw).strip()
    for _ in range(2):  # "COP $ 1.500.000", "$ 1.500.000 COP"
        s = _CURRENCY.sub("", s).strip()
    if s.startswith(_MINUS):
        raise MoneyError(f"El {noun} no puede ser negativo.", field)
    s = s.removeprefix("+").strip()
    if _PLAIN.fullmatch(s):
        value = int(s)
    elif _DOTS.fullmatch(s):
        value = int(s.replace(".", ""))
    elif _COMMAS.fullmatch(s):
        value = int(s.replace(",", ""))
    elif _SPACES.fullmatch(s):
        value = int(s.replace(" ", ""))
    elif _DECIMAL.fullmatch(s):
        raise MoneyError(
            f"El {noun} debe ser un número entero de pesos, sin decimales (ej. 1.500.000).", field
        )
    else:
        raise MoneyError(
            f"No entendí «{shown}» como {noun}. Escribe pesos enteros, {example}.",
            field,
        )
    if value == 0:
        raise MoneyError(f"El {noun} debe ser mayor que cero.", field)
    if value > max_value:
        raise MoneyError(
            f"El {noun} supera el máximo permitido ({format_cop(max_value)}). ¿Revisas los ceros?", field
        )
    return value


def format_cop(n: int) -> str:
    """``$ 1.234.567`` (negatives ``-$ 1.234.567``)."""
    n = int(n)
    sign = "-" if n < 0 else ""
    return f"{sign}$ {abs(n):,}".replace(",", ".")
